"""Test definitions: functions, classes, inheritance, nesting, and parametrization."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_collect_sandbox import Project, isolated_imports

from rustest._definitions import TestDef


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.chdir(tmp_path)
    with isolated_imports(tmp_path):
        yield Project(tmp_path)


def collected_tests(project: Project, source: str, **settings: object) -> dict[str, TestDef]:
    collection = project.collect_module(source, **settings)
    assert collection.errors == []
    return {test.id.removeprefix("test_a.py::"): test for test in collection.tests}


def test_functions_are_collected_in_definition_order(project: Project) -> None:
    source = "def test_b():\n    pass\ndef test_a():\n    pass\ndef helper():\n    pass\n"
    assert list(collected_tests(project, source)) == ["test_b", "test_a"]


def test_function_test_definition(project: Project) -> None:
    test = collected_tests(project, "def test_it(db, *, user, flag=True):\n    pass\n")["test_it"]
    assert test.func is not None
    assert (test.func.__name__, test.requests, test.cls, test.is_async) == (
        "test_it",
        ("db", "user"),
        None,
        False,
    )


def test_async_test_is_async(project: Project) -> None:
    assert collected_tests(project, "async def test_it():\n    pass\n")["test_it"].is_async


def test_python_functions_accepts_prefixes_and_globs(project: Project) -> None:
    source = "def check_a():\n    pass\ndef test_b():\n    pass\ndef it_works():\n    pass\n"
    assert list(collected_tests(project, source, python_functions=("check_", "*_works"))) == [
        "check_a",
        "it_works",
    ]


def test_dunder_test_false_hides_a_function_and_true_collects_any_name(project: Project) -> None:
    source = (
        "def test_a():\n    pass\ntest_a.__test__ = False\n"
        "def example():\n    pass\nexample.__test__ = True\n"
    )
    assert list(collected_tests(project, source)) == ["example"]


def test_a_generator_test_is_a_collection_error(project: Project) -> None:
    collection = project.collect_module("def test_gen():\n    yield 1\n")
    [error] = collection.errors
    assert error.message == (
        "test_a.py::test_gen: 'yield' keyword is allowed in fixtures, but not in tests (test_gen)"
    )
    assert collection.tests == []


def test_a_callable_that_is_not_a_function_is_passed_over_with_a_warning(project: Project) -> None:
    collection = project.collect_module(
        "class Callable:\n    def __call__(self):\n        pass\ntest_obj = Callable()\n"
    )
    assert collection.tests == []
    assert collection.warnings == ["cannot collect 'test_a.py::test_obj' because it is not a function"]


def test_imported_test_functions_are_collected_where_imported(project: Project) -> None:
    project.write(
        {
            "tests/shared.py": "def test_shared():\n    pass\n",
            "tests/test_a.py": "from shared import test_shared\n",
        }
    )
    assert project.ids() == ["tests/test_a.py::test_shared"]


def test_class_test_definition(project: Project) -> None:
    collection = project.collect_module("class TestX:\n    def test_it(self, db):\n        pass\n")
    [test] = collection.tests
    assert test.func is not None
    assert test.cls is not None
    assert (test.cls.__name__, test.func.__qualname__, test.requests) == ("TestX", "TestX.test_it", ("db",))


def test_classes_and_functions_interleave_in_definition_order(project: Project) -> None:
    source = (
        "def test_1():\n    pass\n"
        "class TestX:\n    def test_2(self):\n        pass\n"
        "def test_3():\n    pass\n"
    )
    assert list(collected_tests(project, source)) == ["test_1", "TestX::test_2", "test_3"]


def test_inherited_tests_come_first_and_overrides_stay_in_place(project: Project) -> None:
    source = (
        "class Base:\n"
        "    def test_a(self):\n        pass\n"
        "    def test_b(self):\n        pass\n"
        "class TestChild(Base):\n"
        "    def test_c(self):\n        pass\n"
        "    def test_a(self):\n        pass\n"
    )
    tests = collected_tests(project, source)
    assert list(tests) == ["TestChild::test_b", "TestChild::test_c", "TestChild::test_a"]
    inherited, overridden = tests["TestChild::test_b"], tests["TestChild::test_a"]
    assert (inherited.cls is not None, inherited.cls is overridden.cls) == (True, True)
    assert overridden.func is not None
    assert overridden.func.__qualname__ == "TestChild.test_a"


def test_nested_classes_are_collected_with_their_own_node(project: Project) -> None:
    source = "class TestOuter:\n    class TestInner:\n        def test_it(self):\n            pass\n"
    collection = project.collect_module(source)
    [test] = collection.tests
    assert (test.id, collection.node_paths[test.node]) == (
        "test_a.py::TestOuter::TestInner::test_it",
        "test_a.py::TestOuter::TestInner",
    )
    assert test.cls is not None
    assert test.cls.__name__ == "TestInner"


def test_static_and_class_method_tests_take_no_instance(project: Project) -> None:
    source = (
        "class TestX:\n"
        "    @staticmethod\n    def test_static(db):\n        pass\n"
        "    @classmethod\n    def test_klass(cls, db):\n        return cls\n"
    )
    tests = collected_tests(project, source)
    static, klass = tests["TestX::test_static"], tests["TestX::test_klass"]
    assert (static.cls, static.requests, klass.cls, klass.requests) == (None, ("db",), None, ("db",))
    assert klass.func is not None
    assert klass.func(db=None).__name__ == "TestX"


def test_a_class_with_init_is_passed_over_with_a_warning(project: Project) -> None:
    source = "class TestX:\n    def __init__(self):\n        pass\n    def test_it(self):\n        pass\n"
    collection = project.collect_module(source)
    assert collection.tests == []
    assert collection.warnings == [
        "cannot collect test class 'TestX' because it has a __init__ constructor (from: test_a.py)"
    ]


def test_a_class_with_new_is_passed_over_with_a_warning(project: Project) -> None:
    source = "class TestX:\n    def __new__(cls):\n        return super().__new__(cls)\n"
    collection = project.collect_module(source)
    assert collection.warnings == [
        "cannot collect test class 'TestX' because it has a __new__ constructor (from: test_a.py)"
    ]


def test_a_unittest_testcase_is_passed_over_with_a_warning(project: Project) -> None:
    collection = project.collect_module(
        "import unittest\nclass TestX(unittest.TestCase):\n    def test_it(self):\n        pass\n"
    )
    assert collection.tests == []
    assert "unittest-style classes are not supported" in collection.warnings[0]


def test_abstract_classes_and_non_matching_classes_are_not_collected(project: Project) -> None:
    source = (
        "import abc\n"
        "class TestAbstract(abc.ABC):\n    @abc.abstractmethod\n    def helper(self): ...\n"
        "    def test_a(self):\n        pass\n"
        "class Helper:\n    def test_b(self):\n        pass\n"
    )
    assert collected_tests(project, source) == {}


# -- parametrization ---------------------------------------------------------------------------


def test_parametrize_makes_one_test_per_case_with_direct_values(project: Project) -> None:
    source = "@parametrize('n, word', [(1, 'a'), (2, 'b')])\ndef test_it(n, word, db):\n    pass\n"
    tests = collected_tests(project, source)
    assert list(tests) == ["test_it[1-a]", "test_it[2-b]"]
    second = tests["test_it[2-b]"]
    assert (dict(second.values), dict(second.indirect)) == ({"n": 2, "word": "b"}, {})


def test_parametrized_arguments_stay_in_requests_for_the_planner_to_supply(project: Project) -> None:
    source = "@parametrize('n', [1])\ndef test_it(db, n):\n    pass\n"
    assert collected_tests(project, source)["test_it[1]"].requests == ("db", "n")


def test_stacked_parametrize_expands_the_product(project: Project) -> None:
    source = "@parametrize('x', [1, 2])\n@parametrize('y', ['a', 'b'])\ndef test_it(x, y):\n    pass\n"
    assert list(collected_tests(project, source)) == [
        "test_it[a-1]",
        "test_it[a-2]",
        "test_it[b-1]",
        "test_it[b-2]",
    ]


def test_class_parametrize_applies_to_each_method(project: Project) -> None:
    source = "@parametrize('n', [1, 2])\nclass TestX:\n    def test_it(self, n):\n        pass\n"
    assert list(collected_tests(project, source)) == ["TestX::test_it[1]", "TestX::test_it[2]"]


def test_indirect_values_go_to_the_fixture_with_keys_equal_for_equal_values(project: Project) -> None:
    source = (
        "@parametrize('db', ['pg', 'lite', 'pg'], indirect=True)\n"
        "def test_it(db):\n    pass\n"
        "@parametrize('db', ['pg'], indirect=True)\n"
        "def test_other(db):\n    pass\n"
    )
    tests = list(collected_tests(project, source).values())
    assert [test.requests for test in tests] == [("db",)] * 4
    assert [test.values for test in tests] == [{}] * 4
    keys = [test.indirect["db"][0] for test in tests]
    assert [test.indirect["db"][1] for test in tests] == ["pg", "lite", "pg", "pg"]
    assert (keys[0] == keys[2] == keys[3], keys[0] != keys[1]) == (True, True)


def test_param_marks_apply_to_their_case_only(project: Project) -> None:
    source = "@parametrize('n', [1, param(2, marks=mark.skip(reason='two'))])\ndef test_it(n):\n    pass\n"
    tests = collected_tests(project, source)
    assert (tests["test_it[1]"].skip, tests["test_it[2]"].skip) == (None, "two")


def test_empty_parameter_set_gives_one_skipped_test(project: Project) -> None:
    [test] = collected_tests(project, "@parametrize('n', [])\ndef test_it(n):\n    pass\n").values()
    assert test.skip is not None
    assert test.skip.startswith("got empty parameter set")


def test_malformed_parametrize_is_a_collection_error_naming_the_test(project: Project) -> None:
    collection = project.collect_module("@parametrize('a, b', [(1, 2, 3)])\ndef test_it(a, b):\n    pass\n")
    [error] = collection.errors
    assert (error.path, error.message.startswith("test_a.py::test_it: ")) == ("test_a.py", True)
    assert collection.tests == []
