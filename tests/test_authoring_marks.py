"""Behaviour of ``mark``: applying marks, built-in mark arguments, classes and inheritance.

Marked objects are made inside each test: pytest would read our marks off
module-level test functions and classes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rustest._errors import DefinitionError
from rustest._fixture_api import fixture
from rustest._marks import MarkDecorator, mark
from rustest._spec import MARKS_ATTR, Mark, get_marks


def _plain() -> Callable[[], None]:
    def target() -> None:
        """A function to mark."""

    return target


def test_a_custom_mark_is_appended_to_the_functions_pytestmark() -> None:
    target = _plain()
    assert mark.slow(target) is target
    assert getattr(target, MARKS_ATTR) == [Mark("slow")]


def test_stacked_marks_are_stored_innermost_first() -> None:
    @mark.outer
    @mark.inner
    def target() -> None:
        """A function with two marks."""

    assert [found.name for found in get_marks(target)] == ["inner", "outer"]


def test_calling_a_mark_with_arguments_returns_a_new_decorator() -> None:
    bare = mark.timeout
    configured = bare(5, method="thread")
    assert isinstance(configured, MarkDecorator)
    assert configured.mark == Mark("timeout", (5,), {"method": "thread"})
    assert bare.mark == Mark("timeout")


def test_a_decorator_exposes_the_name_args_and_kwargs_of_its_mark() -> None:
    decorator = mark.flaky(3, delay=1)
    assert (decorator.name, decorator.args, dict(decorator.kwargs)) == ("flaky", (3,), {"delay": 1})


def test_with_args_appends_arguments_even_a_single_function() -> None:
    target = _plain()
    decorator = mark.uses(1).with_args(target)
    assert decorator.mark == Mark("uses", (1, target), {})
    assert not hasattr(target, MARKS_ATTR)


def test_calling_with_more_arguments_combines_them() -> None:
    assert mark.tag("a", x=1)("b", y=2).mark == Mark("tag", ("a", "b"), {"x": 1, "y": 2})


def test_a_lambda_is_taken_as_a_mark_argument_not_a_target() -> None:
    def key(value: int) -> int:
        return value

    decorator = mark.keyed(lambda value: value)
    assert isinstance(decorator, MarkDecorator)
    assert len(decorator.args) == 1
    assert mark.keyed(key) is key


def test_a_mark_on_a_class_is_stored_on_the_class() -> None:
    @mark.slow
    class Suite:
        def test_one(self) -> None:
            """A test method."""

    assert get_marks(Suite) == [Mark("slow")]
    assert not hasattr(Suite.test_one, MARKS_ATTR)


def test_a_mark_on_a_subclass_does_not_leak_into_its_base_class() -> None:
    @mark.base
    class Base:
        pass

    @mark.derived
    class Derived(Base):
        pass

    assert get_marks(Base) == [Mark("base")]
    assert get_marks(Derived) == [Mark("base"), Mark("derived")]
    assert vars(Derived)[MARKS_ATTR] is not vars(Base)[MARKS_ATTR]


def test_a_mark_on_a_staticmethod_is_stored_on_its_function() -> None:
    class Suite:
        @mark.slow
        @staticmethod
        def test_static() -> None:
            """A static test method."""

    assert isinstance(vars(Suite)["test_static"], staticmethod)
    assert get_marks(Suite.test_static) == [Mark("slow")]


def test_a_single_existing_pytestmark_is_kept_when_another_mark_is_added() -> None:
    target = _plain()
    setattr(target, MARKS_ATTR, mark.first)
    mark.second(target)
    assert get_marks(target) == [Mark("first"), Mark("second")]


def test_mark_names_starting_with_an_underscore_are_rejected() -> None:
    with pytest.raises(AttributeError, match="must not start with an underscore"):
        _ = mark._private


@pytest.mark.parametrize("name", ["parameterize", "parametrise", "parameterise"])
def test_a_misspelled_parametrize_suggests_the_right_name(name: str) -> None:
    with pytest.raises(AttributeError, match="did you mean 'parametrize'"):
        getattr(mark, name)


def test_marking_a_fixture_is_a_definition_error() -> None:
    @fixture
    def database() -> int:
        return 1

    with pytest.raises(DefinitionError, match=r"mark\.slow is applied to fixture .*database.*no effect"):
        mark.slow(database)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: mark.skip, Mark("skip")),
        (lambda: mark.skip(), Mark("skip")),
        (lambda: mark.skip("later"), Mark("skip", (), {"reason": "later"})),
        (lambda: mark.skip(reason="later"), Mark("skip", (), {"reason": "later"})),
        (lambda: mark.skipif(True, reason="r"), Mark("skipif", (True,), {"reason": "r"})),
        (
            lambda: mark.skipif("sys.platform == 'win32'", "r"),
            Mark("skipif", ("sys.platform == 'win32'",), {"reason": "r"}),
        ),
        (lambda: mark.skipif(condition=False), Mark("skipif", (False,), {})),
        (lambda: mark.xfail, Mark("xfail")),
        (lambda: mark.xfail(reason="bug"), Mark("xfail", (), {"reason": "bug"})),
        (lambda: mark.xfail(None), Mark("xfail", (None,), {})),
        (
            lambda: mark.xfail(True, reason="r", raises=KeyError, strict=True, run=False),
            Mark("xfail", (True,), {"reason": "r", "raises": KeyError, "strict": True, "run": False}),
        ),
        (lambda: mark.usefixtures("db", "tmp"), Mark("usefixtures", ("db", "tmp"), {})),
        (lambda: mark.asyncio, Mark("asyncio")),
        (lambda: mark.asyncio(loop_scope="Module"), Mark("asyncio", (), {"loop_scope": "module"})),
        (lambda: mark.trio(loop_scope="session"), Mark("trio", (), {"loop_scope": "session"})),
        (lambda: mark.anyio, Mark("anyio")),
        (
            lambda: mark.filterwarnings("ignore::DeprecationWarning", "error:boom:UserWarning:mod:12"),
            Mark("filterwarnings", ("ignore::DeprecationWarning", "error:boom:UserWarning:mod:12"), {}),
        ),
    ],
)
def test_built_in_marks_are_stored_in_their_normal_form(
    make: Callable[[], MarkDecorator], expected: Mark
) -> None:
    target = _plain()
    make()(target)
    assert get_marks(target) == [expected]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: mark.skipif(), "mark.skipif() missing 1 required positional argument: 'condition'"),
        (lambda: mark.skip(reason=3), "mark.skip: reason must be a string, got 3"),
        (lambda: mark.skipif(True, False), "mark.skipif: reason must be a string, got False"),
        (lambda: mark.xfail(reasn="typo"), "mark.xfail() got an unexpected keyword argument 'reasn'"),
        (lambda: mark.xfail(raises="KeyError"), "mark.xfail: raises must be an exception type"),
        (lambda: mark.xfail(raises=()), "mark.xfail: raises must be an exception type"),
        (lambda: mark.xfail(strict="yes"), "mark.xfail: strict must be True or False"),
        (lambda: mark.usefixtures("db", 3), "mark.usefixtures: each fixture name must be a string"),
        (lambda: mark.asyncio("module"), "mark.asyncio() takes 0 positional arguments"),
        (lambda: mark.parametrize("x"), "mark.parametrize() missing 1 required positional argument"),
        (lambda: mark.parametrize("x", 3), "mark.parametrize: argvalues must be an iterable"),
        (lambda: mark.parametrize(3, [1]), "mark.parametrize: argnames must be"),
        (
            lambda: mark.parametrize("x", [1], ids="ab"),
            "mark.parametrize: ids must be a list of ids or a callable",
        ),
        (lambda: mark.parametrize("x", [1], indirect=3), "mark.parametrize: indirect must be True, False or"),
        (lambda: mark.filterwarnings(3), "mark.filterwarnings: each filter must be a string"),
    ],
)
def test_built_in_marks_reject_wrong_arguments_naming_the_mark(make: Callable[[], Any], message: str) -> None:
    with pytest.raises(TypeError) as info:
        make()
    assert message in str(info.value)


def test_a_bare_built_in_mark_is_checked_when_applied() -> None:
    target = _plain()
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'condition'"):
        mark.skipif(target)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: mark.asyncio(loop_scope="loop"), "mark.asyncio(loop_scope='loop'): unknown scope 'loop'"),
        (lambda: mark.anyio(loop_scope="forever"), "mark.anyio(loop_scope='forever'): unknown scope"),
        (lambda: mark.filterwarnings("ignroe::UserWarning"), "unknown action 'ignroe'"),
        (lambda: mark.filterwarnings("a:b:c:d:e:f"), "too many fields"),
        (lambda: mark.filterwarnings("error::UserWarning:mod:x"), "line 'x' is not a non-negative integer"),
    ],
)
def test_built_in_marks_reject_wrong_values_as_definition_errors(
    make: Callable[[], Any], message: str
) -> None:
    with pytest.raises(DefinitionError) as info:
        make()
    assert message in str(info.value)
