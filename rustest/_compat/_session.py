"""One ``--pytest-compat`` run: shims installed before collection, the collection adapted after it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from rustest._collect import Collection
from rustest._compat._assert_rewrite import AssertRewriting
from rustest._compat._fixtures import compat_fixtures
from rustest._compat._hooks import GENERATE_TESTS_HOOK, HookScan, scan_conftests
from rustest._compat._ini import PluginSettings, read_plugin_settings
from rustest._compat._missing import MissingPytestFeature, missing_message
from rustest._compat._modules import ShimModules
from rustest._config import Config
from rustest._definitions import BUILTIN, FixtureDef, TestDef

__all__ = ["CompatSession", "install"]

_LOOP_MARKS = frozenset({"asyncio", "trio", "anyio"})


def install(config: Config) -> CompatSession:
    """Make ``import pytest`` (and ``pytest_asyncio``, ``pytest_trio``) resolve to rustest for one run.

    Call it before collection; run with ``session.config`` (the plugin
    settings of the pytest configuration applied); pass the collection through
    ``session.adapt()`` before selecting and planning; call
    ``session.uninstall()`` when the run is over. Raises ``ConfigError`` for
    a plugin setting that pytest's plugins would reject too.
    """
    return CompatSession(config)


class CompatSession:
    """The compatibility layer of one run; see ``install``."""

    def __init__(self, config: Config) -> None:
        self.settings: PluginSettings = read_plugin_settings(config.rootdir, config.config_file)
        if self.settings.test_loop_scope is not None and config.default_loop_scope is None:
            config = dataclasses.replace(config, default_loop_scope=self.settings.test_loop_scope)
        self.config = config
        self._modules = ShimModules()
        try:
            self._rewriting = AssertRewriting(cache_dir=config.rootdir / config.cache_dir)
        except BaseException:
            self._modules.uninstall()
            raise

    def adapt(self, collection: Collection) -> Collection:
        """Return *collection* ready for a pytest suite.

        The compatibility fixtures join the built-ins; each conftest hook and
        plugin rustest does not run becomes one warning; with trio mode on
        (``trio_mode = true`` or pytest-trio's trio-mode hooks in a conftest),
        async tests without a backend mark run on trio; a test whose
        arguments only ``pytest_generate_tests`` could supply fails with a
        message naming that hook.
        """
        scan = scan_conftests(collection.conftest_modules, collection.rootdir)
        fixtures = _with_compat_fixtures(collection.fixtures)
        trio_mode = self.settings.trio_mode or scan.trio_mode
        known = {fixture.name for fixture in fixtures} | {"request"}
        tests = [self._adapt_test(test, trio_mode, known, scan) for test in collection.tests]
        warnings = [*collection.warnings, *scan.warnings(), *_event_loop_overrides(collection.fixtures)]
        return dataclasses.replace(collection, fixtures=fixtures, tests=tests, warnings=warnings)

    def uninstall(self) -> None:
        """Remove the shims and the assert-rewriting hook; modules the suite imported stay imported."""
        self._rewriting.close()
        self._modules.uninstall()

    def _adapt_test(self, test: TestDef, trio_mode: bool, known: set[str], scan: HookScan) -> TestDef:
        unresolved = [name for name in test.requests if name not in known and name not in test.values]
        if unresolved:
            where = _generate_tests_site(test, scan)
            if where is not None:
                return _failing(
                    test,
                    f"{GENERATE_TESTS_HOOK} ({where})",
                    f"it was not run, so nothing supplies {', '.join(map(repr, unresolved))}; "
                    "parametrize the test with mark.parametrize instead",
                )
        if (
            trio_mode
            and test.is_async
            and test.backend == self.config.default_backend
            and len(self.config.backends) == 1
            and not any(getattr(mark, "name", None) in _LOOP_MARKS for mark in test.marks)
        ):
            return dataclasses.replace(test, backend="trio")
        return test


def _with_compat_fixtures(fixtures: list[FixtureDef]) -> list[FixtureDef]:
    """Put the compatibility fixtures first, except those a built-in of the same name already provides."""
    builtin_names = {fixture.name for fixture in fixtures if fixture.node == BUILTIN}
    extra = [fixture for fixture in compat_fixtures() if fixture.name not in builtin_names]
    return [*extra, *fixtures]


def _event_loop_overrides(fixtures: Iterable[FixtureDef]) -> list[str]:
    """Warn about suite fixtures named ``event_loop``: pytest-asyncio ran tests on them, rustest does not."""
    return [
        missing_message(
            f"overriding pytest-asyncio's event_loop fixture ({fixture.location or 'unknown location'})",
            "rustest does not run tests on the loop it returns; remove it and set loop_scope on "
            "mark.asyncio or pytest_asyncio.fixture to share a loop",
        )
        for fixture in fixtures
        if fixture.name == "event_loop" and fixture.node != BUILTIN
    ]


def _generate_tests_site(test: TestDef, scan: HookScan) -> str | None:
    """Return where a ``pytest_generate_tests`` hook that applies to *test* is defined, if any."""
    if test.cls is not None and callable(getattr(test.cls, GENERATE_TESTS_HOOK, None)):
        return f"in class {test.cls.__qualname__}"
    namespace: dict[str, Any] = getattr(test.func, "__globals__", {})
    if callable(namespace.get(GENERATE_TESTS_HOOK)):
        return f"in module {namespace.get('__name__', '?')}"
    files = scan.hooks.get(GENERATE_TESTS_HOOK)
    return f"in {', '.join(files)}" if files else None


def _failing(test: TestDef, feature: str, hint: str) -> TestDef:
    """Return *test* changed to fail at call time with ``MissingPytestFeature`` (*feature*, *hint*)."""
    return dataclasses.replace(
        test,
        func=_raiser(feature, hint),
        requests=(),
        values={},
        indirect={},
        is_async=False,
        loop_scope=None,
        loop_scope_source="",
    )


def _raiser(feature: str, hint: str) -> Callable[..., NoReturn]:
    def missing_feature(*args: object, **kwargs: object) -> NoReturn:
        raise MissingPytestFeature(feature, hint)

    return missing_feature
