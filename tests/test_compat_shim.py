"""The shim modules serve rustest's own objects under pytest's names, and name what they lack."""

from __future__ import annotations

import sys

import pytest

import rustest
from rustest._builtins import MonkeyPatch
from rustest._compat import MissingPytestAttribute, MissingPytestFeature, MissingPytestModule
from rustest._compat._plugin_shims import (
    TRIO_MODE_HOOK_ATTR,
    asyncio_fixture,
    build_pytest_asyncio_module,
    build_trio_mode_module,
    trio_fixture,
)
from rustest._compat._pytest_shim import (
    PYTEST_NAMES,
    build_private_package,
    build_private_submodule,
    build_pytest_module,
)
from rustest._errors import DefinitionError
from rustest._outcomes import Skipped
from rustest._request import FixtureRequest
from rustest._spec import FIXTURE_ATTR, FixtureSpec


def spec_of(function: object) -> FixtureSpec:
    spec = getattr(function, FIXTURE_ATTR)
    assert isinstance(spec, FixtureSpec)
    return spec


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fixture", rustest.fixture),
        ("mark", rustest.mark),
        ("param", rustest.param),
        ("raises", rustest.raises),
        ("warns", rustest.warns),
        ("approx", rustest.approx),
        ("skip", rustest.skip),
        ("fail", rustest.fail),
        ("xfail", rustest.xfail),
        ("importorskip", rustest.importorskip),
        ("FixtureRequest", FixtureRequest),
        ("MonkeyPatch", MonkeyPatch),
    ],
)
def test_pytest_shim_serves_rustest_implementations(name: str, expected: object) -> None:
    assert getattr(build_pytest_module(), name) is expected


def test_every_served_pytest_name_resolves() -> None:
    shim = build_pytest_module()
    for name in PYTEST_NAMES:
        assert getattr(shim, name) is not None, name


def test_missing_pytest_attribute_names_the_feature() -> None:
    shim = build_pytest_module()
    with pytest.raises(MissingPytestAttribute, match=r"pytest\.hookimpl is not supported by rustest"):
        _ = shim.hookimpl


def test_hasattr_on_a_missing_pytest_attribute_is_false() -> None:
    assert not hasattr(build_pytest_module(), "Pytester")


def test_from_import_of_a_missing_name_raises_import_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "shim_under_test", build_pytest_module())
    with pytest.raises(ImportError, match=r"pytest\.Item is not supported by rustest") as caught:
        from shim_under_test import Item  # type: ignore[import-not-found]  # noqa: F401
    assert isinstance(caught.value, MissingPytestModule)


def test_dunder_probes_on_the_shim_get_a_plain_attribute_error() -> None:
    with pytest.raises(AttributeError) as caught:
        _ = build_pytest_module().__deepcopy__
    assert not isinstance(caught.value, MissingPytestAttribute)


def test_pytest_shim_reports_the_api_version_it_follows() -> None:
    shim = build_pytest_module()
    assert shim.version_tuple[0] >= 8
    assert shim.__version__ == ".".join(map(str, shim.version_tuple))


def test_private_submodule_serves_outcome_exceptions() -> None:
    assert build_private_submodule("outcomes").Skipped is Skipped


def test_pytest_warning_categories_form_pytest_hierarchy() -> None:
    shim = build_pytest_module()
    assert issubclass(shim.PytestDeprecationWarning, shim.PytestWarning)
    assert issubclass(shim.PytestDeprecationWarning, DeprecationWarning)
    assert issubclass(shim.PytestWarning, UserWarning)


def test_asyncio_fixture_keeps_an_explicit_loop_scope() -> None:
    @asyncio_fixture(scope="module", loop_scope="module")
    async def database() -> None:
        return None

    spec = spec_of(database)
    assert (spec.scope, spec.loop_scope) == ("module", "module")


def test_asyncio_fixture_pins_async_fixtures_to_asyncio() -> None:
    @asyncio_fixture
    async def connection() -> None:
        return None

    assert spec_of(connection).backend == "asyncio"


def test_asyncio_fixture_leaves_sync_fixtures_unpinned() -> None:
    @asyncio_fixture
    def settings() -> dict[str, str]:
        return {}

    assert spec_of(settings).backend is None


def test_asyncio_fixture_rejects_an_unknown_loop_scope() -> None:
    def database() -> None:
        return None

    with pytest.raises(DefinitionError, match="loop_scope"):
        asyncio_fixture(database, loop_scope="forever")


def test_pytest_asyncio_module_serves_fixture() -> None:
    assert build_pytest_asyncio_module().fixture is asyncio_fixture


def test_trio_fixture_pins_the_fixture_to_trio() -> None:
    @trio_fixture
    async def channel() -> None:
        return None

    assert spec_of(channel).backend == "trio"


def test_trio_fixture_turns_a_sync_function_into_one_run_inside_trio() -> None:
    @trio_fixture
    def current() -> str:
        return "value"

    assert spec_of(current).backend == "trio"
    assert current.__name__ == "current"
    coroutine = current()
    with pytest.raises(StopIteration) as finished:
        coroutine.send(None)
    assert finished.value.value == "value"


def test_trio_mode_module_hooks_are_marked_as_turning_trio_mode_on() -> None:
    module = build_trio_mode_module()
    assert set(module.__all__) == {"pytest_collection_modifyitems", "pytest_fixture_setup"}
    assert all(getattr(getattr(module, name), TRIO_MODE_HOOK_ATTR) for name in module.__all__)


def test_calling_a_trio_mode_hook_names_the_missing_feature() -> None:
    with pytest.raises(MissingPytestFeature, match="pytest_collection_modifyitems"):
        build_trio_mode_module().pytest_collection_modifyitems([])


def test_private_package_reports_the_same_api_version() -> None:
    assert build_private_package().__version__ == build_pytest_module().__version__
