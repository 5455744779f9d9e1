"""``MockerFixture``: pytest-mock's API over ``unittest.mock``, every patch undone after use.

It lives apart from the fixture definitions (:mod:`rustest._builtins._mock`) so
that ``unittest.mock``, which imports ``asyncio``, is imported only by a run
that uses a mocker.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import itertools
import unittest.mock
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

__all__ = ["MockerFixture"]

_DEFAULT: Any = unittest.mock.DEFAULT


class _Started:
    """The patches a ``MockerFixture`` started and the mocks it made, for ``stopall``/``resetall``."""

    def __init__(self) -> None:
        self.patches: list[tuple[Any, Any]] = []
        self.mocks: list[Any] = []

    def start(self, patcher: Any) -> Any:
        mocked = patcher.start()
        self.patches.append((patcher, mocked))
        if hasattr(mocked, "reset_mock"):
            self.mocks.append(mocked)
        return mocked


class _Patcher:
    """``mocker.patch``: ``unittest.mock.patch`` and its variants, started now and stopped after the test.

    Each returns what the started patch gives (usually the mock), never a
    decorator or context manager.
    """

    def __init__(self, started: _Started) -> None:
        self._started = started

    def __call__(
        self,
        target: str,
        new: Any = _DEFAULT,
        spec: Any = None,
        create: bool = False,
        spec_set: Any = None,
        autospec: Any = None,
        new_callable: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Patch the object named by the dotted path *target*, as ``unittest.mock.patch``."""
        return self._started.start(
            unittest.mock.patch(
                target,
                new,
                spec=spec,
                create=create,
                spec_set=spec_set,
                autospec=autospec,
                new_callable=new_callable,
                **kwargs,
            )
        )

    def object(
        self,
        target: Any,
        attribute: str,
        new: Any = _DEFAULT,
        spec: Any = None,
        create: bool = False,
        spec_set: Any = None,
        autospec: Any = None,
        new_callable: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Patch *attribute* of *target*, as ``unittest.mock.patch.object``."""
        return self._started.start(
            unittest.mock.patch.object(
                target,
                attribute,
                new,
                spec=spec,
                create=create,
                spec_set=spec_set,
                autospec=autospec,
                new_callable=new_callable,
                **kwargs,
            )
        )

    def context_manager(
        self,
        target: Any,
        attribute: str,
        new: Any = _DEFAULT,
        spec: Any = None,
        create: bool = False,
        spec_set: Any = None,
        autospec: Any = None,
        new_callable: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Patch *attribute* of *target* with a mock meant to be used as a context manager (``object``)."""
        return self.object(
            target,
            attribute,
            new,
            spec=spec,
            create=create,
            spec_set=spec_set,
            autospec=autospec,
            new_callable=new_callable,
            **kwargs,
        )

    def multiple(
        self,
        target: Any,
        spec: Any = None,
        create: bool = False,
        spec_set: Any = None,
        autospec: Any = None,
        new_callable: Any = None,
        **kwargs: Any,
    ) -> builtins.dict[str, Any]:
        """Patch several attributes of *target* at once (``name=value``); return the mocks made by name."""
        mocks: builtins.dict[str, Any] = self._started.start(
            unittest.mock.patch.multiple(
                target,
                spec=spec,
                create=create,
                spec_set=spec_set,
                autospec=autospec,
                new_callable=new_callable,
                **kwargs,
            )
        )
        return mocks

    def dict(
        self,
        in_dict: Any,
        values: Mapping[Any, Any] | Iterable[tuple[Any, Any]] = (),
        clear: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Set *values* (and ``kwargs``) in the mapping *in_dict*, emptying it first with *clear*."""
        return self._started.start(unittest.mock.patch.dict(in_dict, values, clear, **kwargs))


def _spied(obj: object, name: str) -> tuple[Callable[..., Any], bool]:
    """Return the callable to spy on and whether the spy may copy its signature (autospec)."""
    method = getattr(obj, name)
    autospec = inspect.ismethod(method) or inspect.isfunction(method)
    inherited = inspect.isclass(obj) and name not in vars(obj)
    if inherited and isinstance(inspect.getattr_static(obj, name), staticmethod):
        # An inherited staticmethod patched on a subclass becomes a plain function there, and
        # instances would bind it; a non-autospec mock is not a descriptor and is called as is.
        autospec = False
    return method, autospec


class MockerFixture:
    """What ``mocker`` gives a test: ``unittest.mock`` with every patch undone after the test.

    The ``unittest.mock`` names are attributes (``mocker.Mock``,
    ``mocker.MagicMock``, ``mocker.ANY``, ``mocker.call`` ...), so a test
    needs no import of its own.
    """

    Mock = unittest.mock.Mock
    MagicMock = unittest.mock.MagicMock
    NonCallableMock = unittest.mock.NonCallableMock
    NonCallableMagicMock = unittest.mock.NonCallableMagicMock
    PropertyMock = unittest.mock.PropertyMock
    AsyncMock = unittest.mock.AsyncMock
    call = unittest.mock.call
    ANY = unittest.mock.ANY
    DEFAULT = unittest.mock.DEFAULT
    sentinel = unittest.mock.sentinel
    mock_open = staticmethod(unittest.mock.mock_open)
    seal = staticmethod(unittest.mock.seal)
    mock_module = unittest.mock

    def __init__(self) -> None:
        self._started = _Started()
        self.patch = _Patcher(self._started)

    def spy(self, obj: object, name: str, duplicate_iterators: bool = False) -> Any:
        """Replace ``obj.name`` with a mock that calls the original and remembers what it did.

        The mock records calls as usual and also sets ``spy_return`` (the last
        result), ``spy_return_list`` (every result), ``spy_exception`` (the
        last exception raised) and, with *duplicate_iterators*,
        ``spy_return_iter`` (a copy of a returned iterator, which the caller
        still gets whole). Coroutine functions are spied on when awaited.
        """
        method, autospec = _spied(obj, name)

        def record(result: Any) -> Any:
            if duplicate_iterators and isinstance(result, Iterator):
                result, spy.spy_return_iter = itertools.tee(result, 2)
            else:
                spy.spy_return_iter = None
            spy.spy_return = result
            spy.spy_return_list.append(result)
            return result

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            spy.spy_return = None
            spy.spy_exception = None
            try:
                result = method(*args, **kwargs)
            except BaseException as exc:
                spy.spy_exception = exc
                raise
            return record(result)

        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            spy.spy_return = None
            spy.spy_exception = None
            try:
                result = await method(*args, **kwargs)
            except BaseException as exc:
                spy.spy_exception = exc
                raise
            return record(result)

        chosen = async_wrapper if inspect.iscoroutinefunction(method) else wrapper
        side_effect = functools.update_wrapper(chosen, method)
        spy = self.patch.object(obj, name, side_effect=side_effect, autospec=autospec)
        spy.spy_return = None
        spy.spy_return_iter = None
        spy.spy_return_list = []
        spy.spy_exception = None
        return spy

    def stub(self, name: str | None = None) -> unittest.mock.MagicMock:
        """Return a mock that accepts any arguments, for passing as a callback."""
        stub = unittest.mock.MagicMock(spec=lambda *args, **kwargs: None, name=name)
        self._started.mocks.append(stub)
        return stub

    def async_stub(self, name: str | None = None) -> unittest.mock.AsyncMock:
        """Return an async mock that accepts any arguments, for passing as an async callback."""
        stub = unittest.mock.AsyncMock(spec=lambda *args, **kwargs: None, name=name)
        self._started.mocks.append(stub)
        return stub

    def resetall(self, *, return_value: bool = False, side_effect: bool = False) -> None:
        """Reset the call records of every mock made through this fixture.

        With *return_value* / *side_effect* those configured values are
        cleared too.
        """
        for mocked in self._started.mocks:
            if isinstance(mocked, unittest.mock.NonCallableMock):
                mocked.reset_mock(return_value=return_value, side_effect=side_effect)
            else:
                # An autospecced function carries a reset_mock() without those options.
                mocked.reset_mock()

    def stopall(self) -> None:
        """Undo every patch made through this fixture, newest first."""
        for patcher, _mocked in reversed(self._started.patches):
            patcher.stop()
        self._started.patches.clear()
        self._started.mocks.clear()

    def stop(self, mock: object) -> None:
        """Undo the one patch that produced *mock*; ``ValueError`` if it did not come from this fixture."""
        for index, (patcher, mocked) in enumerate(self._started.patches):
            if mocked is mock:
                patcher.stop()
                del self._started.patches[index]
                self._started.mocks = [m for m in self._started.mocks if m is not mock]
                return
        raise ValueError("This mock object is not registered")
