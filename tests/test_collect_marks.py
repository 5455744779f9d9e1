"""Marks on tests: where they come from, skip/xfail conditions, loop scopes, backends, unknown marks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_collect_sandbox import Project, isolated_imports

from rustest._definitions import TestDef, XFail
from rustest._scope import Scope
from rustest._spec import Mark


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.chdir(tmp_path)
    with isolated_imports(tmp_path):
        yield Project(tmp_path)


def only_test(project: Project, source: str, **settings: object) -> TestDef:
    collection = project.collect_module(source, **settings)
    assert collection.errors == []
    [test] = collection.tests
    return test


def mark_names(test: TestDef) -> list[str]:
    return [mark.name for mark in test.marks]


def test_marks_come_from_function_then_classes_then_module(project: Project) -> None:
    source = (
        "pytestmark = [mark.on_module]\n"
        "@mark.on_outer\nclass TestOuter:\n"
        "    @mark.on_inner\n    class TestInner:\n"
        "        @mark.on_function\n        def test_it(self):\n            pass\n"
    )
    test = only_test(project, source)
    assert mark_names(test) == ["on_function", "on_inner", "on_outer", "on_module"]


def test_a_single_module_mark_need_not_be_a_list(project: Project) -> None:
    test = only_test(project, "pytestmark = mark.slow\ndef test_it():\n    pass\n")
    assert mark_names(test) == ["slow"]


def test_base_class_marks_apply_once_to_subclass_tests(project: Project) -> None:
    source = (
        "@mark.base\nclass Base:\n    def test_it(self):\n        pass\n"
        "@mark.child\nclass TestChild(Base):\n    pass\n"
    )
    assert mark_names(only_test(project, source)) == ["base", "child"]


def test_marks_carry_their_arguments(project: Project) -> None:
    test = only_test(project, "@mark.timeout(3, method='signal')\ndef test_it():\n    pass\n")
    assert test.marks == (Mark("timeout", (3,), {"method": "signal"}),)


# -- skip and skipif ---------------------------------------------------------------------------


def test_skip_mark_gives_its_reason(project: Project) -> None:
    assert only_test(project, "@mark.skip(reason='later')\ndef test_it():\n    pass\n").skip == "later"


def test_bare_skip_mark_is_an_unconditional_skip(project: Project) -> None:
    assert only_test(project, "@mark.skip\ndef test_it():\n    pass\n").skip == "unconditional skip"


def test_skipif_with_a_true_bool_skips_with_its_reason(project: Project) -> None:
    test = only_test(project, "@mark.skipif(True, reason='always')\ndef test_it():\n    pass\n")
    assert test.skip == "always"


def test_skipif_with_a_false_condition_does_not_skip(project: Project) -> None:
    test = only_test(project, "@mark.skipif(1 > 2, reason='never')\ndef test_it():\n    pass\n")
    assert test.skip is None


def test_skipif_string_sees_module_globals_and_os_sys_platform_config(project: Project) -> None:
    source = (
        "LIMIT = 3\n"
        "@mark.skipif('LIMIT == 3 and os.sep and sys.path and platform.system() and config.xfail_strict')\n"
        "def test_it():\n    pass\n"
    )
    test = only_test(project, source)
    assert test.skip is not None
    assert test.skip.startswith("condition: LIMIT == 3")


def test_skipif_on_the_module_applies_to_every_test(project: Project) -> None:
    source = (
        "pytestmark = mark.skipif(True, reason='off')\ndef test_a():\n    pass\ndef test_b():\n    pass\n"
    )
    collection = project.collect_module(source)
    assert [test.skip for test in collection.tests] == ["off", "off"]


def test_a_failing_skipif_condition_is_a_collection_error_naming_the_test(project: Project) -> None:
    collection = project.collect_module("@mark.skipif('undefined_name')\ndef test_it():\n    pass\n")
    [error] = collection.errors
    assert error.path == "test_a.py"
    assert error.message.startswith("test_a.py::test_it: error evaluating 'skipif' condition")
    assert "NameError" in error.message
    assert collection.tests == []


def test_a_bool_condition_without_reason_is_a_collection_error(project: Project) -> None:
    collection = project.collect_module("@mark.skipif(True)\ndef test_it():\n    pass\n")
    [error] = collection.errors
    assert "reason=STRING" in error.message


# -- xfail -------------------------------------------------------------------------------------


def test_xfail_defaults_to_config_strictness(project: Project) -> None:
    source = "@mark.xfail(reason='bug 12')\ndef test_it():\n    pass\n"
    assert only_test(project, source).xfail == XFail(reason="bug 12", strict=True)


def test_xfail_strict_setting_is_the_default(project: Project) -> None:
    source = "@mark.xfail(reason='bug 12')\ndef test_it():\n    pass\n"
    xfail = only_test(project, source, xfail_strict=False).xfail
    assert xfail is not None
    assert not xfail.strict


def test_xfail_options_are_carried_over(project: Project) -> None:
    source = "@mark.xfail(reason='r', raises=KeyError, strict=False, run=False)\ndef test_it():\n    pass\n"
    assert only_test(project, source).xfail == XFail(reason="r", raises=(KeyError,), strict=False, run=False)


def test_xfail_with_a_false_condition_does_not_apply(project: Project) -> None:
    source = "@mark.xfail('sys.platform == \"nowhere\"')\ndef test_it():\n    pass\n"
    assert only_test(project, source).xfail is None


def test_xfail_with_a_true_condition_applies(project: Project) -> None:
    source = "@mark.xfail('sys.platform != \"nowhere\"')\ndef test_it():\n    pass\n"
    assert only_test(project, source).xfail == XFail(reason='condition: sys.platform != "nowhere"')


# -- usefixtures -------------------------------------------------------------------------------


def test_usefixtures_gathers_names_from_every_level_once(project: Project) -> None:
    source = (
        "pytestmark = mark.usefixtures('env', 'db')\n"
        "@mark.usefixtures('db', 'cache')\nclass TestX:\n"
        "    @mark.usefixtures('user')\n    def test_it(self):\n        pass\n"
    )
    assert only_test(project, source).usefixtures == ("user", "db", "cache", "env")


# -- loop scope --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "scope", "origin"),
    [
        ("@mark.asyncio(loop_scope='module')\nasync def test_it():\n    pass\n", Scope.MODULE, "decorator"),
        (
            "@mark.asyncio(loop_scope='class')\nclass TestX:\n    async def test_it(self):\n        pass\n",
            Scope.CLASS,
            "class",
        ),
        (
            "pytestmark = mark.asyncio(loop_scope='session')\nasync def test_it():\n    pass\n",
            Scope.SESSION,
            "module",
        ),
        ("@mark.trio(loop_scope='module')\nasync def test_it():\n    pass\n", Scope.MODULE, "decorator"),
    ],
    ids=["decorator", "class", "module", "trio-decorator"],
)
def test_loop_scope_and_where_it_came_from(project: Project, source: str, scope: Scope, origin: str) -> None:
    test = only_test(project, source)
    assert (test.loop_scope, test.loop_scope_source) == (scope, origin)


def test_the_closest_loop_scope_wins(project: Project) -> None:
    source = (
        "pytestmark = mark.asyncio(loop_scope='session')\n"
        "@mark.asyncio(loop_scope='function')\nasync def test_it():\n    pass\n"
    )
    test = only_test(project, source)
    assert (test.loop_scope, test.loop_scope_source) == (Scope.FUNCTION, "decorator")


def test_configured_default_loop_scope_applies_to_async_tests(project: Project) -> None:
    test = only_test(project, "async def test_it():\n    pass\n", default_loop_scope=Scope.MODULE)
    assert (test.loop_scope, test.loop_scope_source) == (Scope.MODULE, "config")


def test_sync_tests_have_no_loop_scope(project: Project) -> None:
    source = "pytestmark = mark.asyncio(loop_scope='session')\ndef test_it():\n    pass\n"
    test = only_test(project, source, default_loop_scope=Scope.MODULE)
    assert (test.loop_scope, test.loop_scope_source) == (None, "")


# -- backends ----------------------------------------------------------------------------------


def test_default_backend_comes_from_the_config(project: Project) -> None:
    test = only_test(project, "async def test_it():\n    pass\n", default_backend="trio")
    assert (test.id, test.backend) == ("test_a.py::test_it", "trio")


def test_trio_mark_pins_the_trio_backend(project: Project) -> None:
    assert only_test(project, "@mark.trio\nasync def test_it():\n    pass\n").backend == "trio"


def test_the_closest_backend_mark_wins(project: Project) -> None:
    source = "pytestmark = mark.trio\n@mark.asyncio\nasync def test_it():\n    pass\n"
    assert only_test(project, source).backend == "asyncio"


def test_anyio_mark_runs_the_test_once_per_configured_backend(project: Project) -> None:
    collection = project.collect_module(
        "@mark.anyio\nasync def test_it():\n    pass\n", backends=("asyncio", "trio")
    )
    assert [(test.id, test.backend) for test in collection.tests] == [
        ("test_a.py::test_it[asyncio]", "asyncio"),
        ("test_a.py::test_it[trio]", "trio"),
    ]


def test_several_configured_backends_expand_async_tests_only(project: Project) -> None:
    source = "async def test_async():\n    pass\ndef test_sync():\n    pass\n"
    collection = project.collect_module(source, backends=("asyncio", "trio"))
    assert [test.id for test in collection.tests] == [
        "test_a.py::test_async[asyncio]",
        "test_a.py::test_async[trio]",
        "test_a.py::test_sync",
    ]


def test_backend_suffix_joins_the_parameter_id(project: Project) -> None:
    source = "@parametrize('n', [1, 2])\nasync def test_it(n):\n    pass\n"
    collection = project.collect_module(source, backends=("asyncio", "trio"))
    assert [test.id for test in collection.tests] == [
        "test_a.py::test_it[1-asyncio]",
        "test_a.py::test_it[1-trio]",
        "test_a.py::test_it[2-asyncio]",
        "test_a.py::test_it[2-trio]",
    ]


def test_a_backend_mark_keeps_a_test_on_one_backend_despite_several_configured(project: Project) -> None:
    test = only_test(project, "@mark.trio\nasync def test_it():\n    pass\n", backends=("asyncio", "trio"))
    assert (test.id, test.backend) == ("test_a.py::test_it", "trio")


# -- unknown marks -----------------------------------------------------------------------------


def test_unknown_marks_are_not_checked_without_registered_markers(project: Project) -> None:
    collection = project.collect_module("@mark.slow\ndef test_it():\n    pass\n")
    assert (collection.warnings, collection.errors) == ([], [])


def test_an_unknown_mark_is_a_warning_when_markers_are_registered(project: Project) -> None:
    source = "@mark.slow\n@mark.web\ndef test_it():\n    pass\n"
    collection = project.collect_module(source, markers={"web": "talks to the network"})
    assert collection.warnings == [
        'Unknown mark "slow" on test_a.py::test_it; register it in [tool.rustest] markers'
    ]
    assert len(collection.tests) == 1


def test_an_unknown_module_mark_is_reported_once_for_the_module(project: Project) -> None:
    source = "pytestmark = mark.slow\ndef test_a():\n    pass\ndef test_b():\n    pass\n"
    collection = project.collect_module(source, markers={"web": ""})
    assert collection.warnings == ['Unknown mark "slow" on test_a.py; register it in [tool.rustest] markers']


def test_builtin_marks_are_always_known(project: Project) -> None:
    source = (
        "@mark.skip\n@mark.xfail\n@mark.usefixtures('x')\n@mark.asyncio\nasync def test_it():\n    pass\n"
    )
    collection = project.collect_module(source, strict_markers=True)
    assert (collection.warnings, collection.errors) == ([], [])


def test_an_unknown_mark_under_strict_markers_is_an_error_and_drops_the_test(project: Project) -> None:
    source = "@mark.slow\ndef test_a():\n    pass\ndef test_b():\n    pass\n"
    collection = project.collect_module(source, strict_markers=True)
    [error] = collection.errors
    assert error.path == "test_a.py"
    assert error.message.startswith('Unknown mark "slow" on test_a.py::test_a')
    assert [test.id for test in collection.tests] == ["test_a.py::test_b"]
