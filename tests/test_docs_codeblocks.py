"""Markdown code blocks as tests: which blocks are collected, their ids, order, namespace and failures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import Project
from test_collect_sandbox import isolated_imports

from rustest._collect._markdown import CodeBlock, python_blocks
from rustest._collect._session import Session
from rustest._config import Config, UsageError

FENCE = "```"


def page(*blocks: str) -> str:
    """Return Markdown text: a heading, then each block as given (``FENCE`` spells the fences)."""
    return "# Page\n\n" + "\n".join(blocks)


def python(code: str) -> str:
    """Return a fenced python block holding *code*, followed by a blank line."""
    return f"{FENCE}python\n{code.strip()}\n{FENCE}\n"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An empty project with its own ``[tool.rustest]`` table."""
    return Project(tmp_path)


# -- which blocks are python blocks ---------------------------------------------------------------


def test_python_blocks_are_found_with_the_line_of_their_opening_fence() -> None:
    text = page(python("x = 1"), "Some prose.\n", python("y = 2"))
    assert python_blocks(text) == [CodeBlock(3, "x = 1\n", False), CodeBlock(9, "y = 2\n", False)]


def test_blocks_of_other_languages_are_not_python_blocks() -> None:
    text = page(f"{FENCE}bash\npython -m rustest\n{FENCE}\n", f"{FENCE}\nplain\n{FENCE}\n", python("z = 3"))
    assert [block.code for block in python_blocks(text)] == ["z = 3\n"]


def test_py_and_python3_info_strings_and_extra_attributes_count_as_python() -> None:
    text = "".join(
        f"{FENCE}{info}\n{code}\n{FENCE}\n"
        for info, code in [("py", "a = 1"), ("python3", "b = 2"), ('python title="x.py"', "c = 3")]
    )
    assert [block.code for block in python_blocks(text)] == ["a = 1\n", "b = 2\n", "c = 3\n"]


def test_a_python_fence_shown_inside_a_longer_fence_is_text() -> None:
    text = f"````markdown\n{python('inner = 1')}````\n\n{python('outer = 2')}"
    assert [block.code for block in python_blocks(text)] == ["outer = 2\n"]


def test_a_tilde_fence_is_closed_only_by_tildes() -> None:
    text = f"~~~python\nvalue = '{FENCE}'\nmore = 1\n~~~\n"
    assert [block.code for block in python_blocks(text)] == [f"value = '{FENCE}'\nmore = 1\n"]


def test_an_unclosed_fence_runs_to_the_end_of_the_file() -> None:
    assert [block.code for block in python_blocks(f"{FENCE}python\nlast = 1\n")] == ["last = 1\n"]


def test_the_indentation_of_a_fence_in_a_list_item_is_removed_from_its_lines() -> None:
    text = f"- step one:\n\n  {FENCE}python\n  if True:\n      x = 1\n  {FENCE}\n"
    assert [block.code for block in python_blocks(text)] == ["if True:\n    x = 1\n"]


def test_the_skip_comment_before_a_fence_opts_the_block_out() -> None:
    text = page("<!--rustest: skip-->", python("broken("), "<!-- rustest: skip -->\n", python("also("))
    assert [block.skip for block in python_blocks(text)] == [True, True]


def test_an_ordinary_html_comment_before_a_fence_does_not_opt_out() -> None:
    text = page("<!-- a note for editors -->", python("kept = 1"))
    assert [block.skip for block in python_blocks(text)] == [False]


# -- running them ---------------------------------------------------------------------------------


def test_each_example_block_is_a_test_whose_id_is_the_file_and_fence_line(project: Project) -> None:
    project.write("guide.md", page(python("assert 1 + 1 == 2"), python("assert 2 * 2 == 4")))
    run = project.run("guide.md")
    assert run.outcomes == {"guide.md::3": "passed", "guide.md::7": "passed"}, run.output


def test_blocks_run_in_document_order(project: Project) -> None:
    note = "import os\nopen(os.environ['NOTES'], 'a').write('{}\\n')"
    project.write("guide.md", page(*(python(note.format(name)) for name in ("first", "second", "third"))))
    run = project.run("guide.md")
    assert run.notes == ["first", "second", "third"], run.output


def test_a_later_block_uses_names_an_earlier_block_defined(project: Project) -> None:
    project.write(
        "guide.md",
        page(
            python("def add(a, b):\n    return a + b"),
            python("total = add(2, 3)\nassert total == 5"),
            python("assert total * 2 == 10"),
        ),
    )
    run = project.run("guide.md")
    assert run.exit_code == 0, run.output
    assert run.counts == {"passed": 2}


def test_each_markdown_file_has_a_namespace_of_its_own(project: Project) -> None:
    project.write("a.md", page(python("shared = 'a'\nprint(shared)")))
    project.write("b.md", page(python("assert 'shared' not in globals()")))
    run = project.run("a.md", "b.md")
    assert run.outcomes == {"a.md::3": "passed", "b.md::3": "passed"}, run.output


def test_a_skipped_block_is_neither_run_nor_reported(project: Project) -> None:
    project.write(
        "guide.md", page("<!--rustest: skip-->", python("raise SystemExit('ran')"), python("print('runs')"))
    )
    run = project.run("guide.md")
    assert run.outcomes == {"guide.md::8": "passed"}, run.output


def test_an_unknown_rustest_directive_is_a_collection_error_naming_its_line(project: Project) -> None:
    project.write("guide.md", page("<!--rustest: skp-->", python("x = 1")))
    run = project.run("guide.md")
    assert run.exit_code == 2, run.output
    assert "line 3: unknown directive '<!--rustest: skp-->'" in run.output


def test_a_failing_block_reports_the_markdown_line_of_the_failing_statement(project: Project) -> None:
    project.write("guide.md", page(python("value = 41\nvalue += 1\nassert value == 43")))
    run = project.run("guide.md")
    assert run.outcomes == {"guide.md::3": "failed"}
    assert "guide.md:6: AssertionError" in run.stdout, run.output


def test_a_failing_assert_in_a_block_explains_its_values(project: Project) -> None:
    project.write("guide.md", page(python("items = [1, 2]\nassert len(items) == 3")))
    run = project.run("guide.md")
    assert "assert 2 == 3" in run.stdout, run.output


def test_a_syntax_error_is_a_collection_error_at_its_markdown_line(project: Project) -> None:
    project.write("guide.md", page(python("fine = 1"), python("x = (1,\ny = 2\nz = ]")))
    run = project.run("guide.md")
    assert run.exit_code == 2, run.output
    assert "SyntaxError" in run.output
    assert 'guide.md", line 10' in run.output


def test_a_block_with_a_top_level_await_runs_as_an_async_test(project: Project) -> None:
    project.write(
        "guide.md", page(python("import asyncio\nawait asyncio.sleep(0)\nassert asyncio.get_running_loop()"))
    )
    run = project.run("guide.md")
    assert run.outcomes == {"guide.md::3": "passed"}, run.output


def test_a_block_with_a_top_level_await_runs_on_trio_with_the_trio_backend(project: Project) -> None:
    project.write("guide.md", page(python("import trio\nawait trio.sleep(0)")))
    run = project.run("guide.md", "--backend", "trio")
    assert run.outcomes == {"guide.md::3": "passed"}, run.output


# -- definitions blocks ---------------------------------------------------------------------------

FIXTURE_AND_TESTS = """
import asyncio
from rustest import fixture

@fixture(scope="session")
async def database():
    return {"loop": asyncio.get_running_loop(), "rows": []}

async def test_insert(database):
    database["rows"].append(1)
    assert asyncio.get_running_loop() is database["loop"]

async def test_rows_are_shared(database):
    assert database["rows"] == [1]
    assert asyncio.get_running_loop() is database["loop"]
"""


def test_tests_and_fixtures_of_a_definitions_block_run_as_real_tests(project: Project) -> None:
    project.write("guide.md", page(python(FIXTURE_AND_TESTS)))
    run = project.run("guide.md")
    assert run.outcomes == {"guide.md::test_insert": "passed", "guide.md::test_rows_are_shared": "passed"}, (
        run.output
    )


def test_a_definitions_block_is_not_a_test_of_its_own(project: Project) -> None:
    project.write(
        "guide.md",
        page(python("import math\n\ndef helper():\n    return math.pi"), python("assert helper() > 3")),
    )
    run = project.run("guide.md")
    assert run.outcomes == {"guide.md::10": "passed"}, run.output


def test_tests_of_definitions_and_example_blocks_run_in_document_order(project: Project) -> None:
    note = "open(os.environ['NOTES'], 'a').write('{}\\n')"
    project.write(
        "guide.md",
        page(
            python("import os"),
            python(note.format("example one")),
            python(f"def test_defined():\n    {note.format('test_defined')}"),
            python(note.format("example two")),
        ),
    )
    run = project.run("guide.md")
    assert run.notes == ["example one", "test_defined", "example two"], run.output


def test_a_test_of_a_markdown_file_can_use_a_conftest_fixture(project: Project) -> None:
    project.write(
        "docs/conftest.py", "from rustest import fixture\n\n@fixture\ndef greeting():\n    return 'hi'\n"
    )
    project.write("docs/guide.md", page(python("def test_greeting(greeting):\n    assert greeting == 'hi'")))
    run = project.run("docs")
    assert run.outcomes == {"docs/guide.md::test_greeting": "passed"}, run.output


def test_an_error_in_a_definitions_block_is_a_collection_error_at_its_line(project: Project) -> None:
    project.write("guide.md", page(python("import os\n\nVALUE = undefined_name")))
    run = project.run("guide.md")
    assert run.exit_code == 2, run.output
    assert "NameError while importing guide.md" in run.output
    assert 'guide.md", line 6' in run.output


def test_a_module_level_skip_in_a_definitions_block_skips_the_file(project: Project) -> None:
    project.write(
        "guide.md",
        page(
            python("from rustest import skip\n\nskipped = skip('needs a database', allow_module_level=True)"),
            python("assert False"),
        ),
    )
    run = project.run("guide.md")
    assert run.exit_code == 5, run.output


# -- which files, and selection -------------------------------------------------------------------


def test_a_node_id_with_the_fence_line_selects_one_block(project: Project) -> None:
    project.write("guide.md", page(python("assert True"), python("assert False")))
    run = project.run("guide.md::3")
    assert run.outcomes == {"guide.md::3": "passed"}, run.output


def test_markdown_files_under_a_directory_named_as_an_argument_are_collected(project: Project) -> None:
    project.write("docs/guide.md", page(python("assert True")))
    project.write("docs/test_plain.py", "def test_plain():\n    pass\n")
    run = project.run("docs")
    assert list(run.outcomes) == ["docs/guide.md::3", "docs/test_plain.py::test_plain"], run.output


def test_default_discovery_without_arguments_leaves_markdown_files_out(project: Project) -> None:
    project.write("pyproject.toml", '[tool.rustest]\ntestpaths = ["docs"]\n')
    project.write("docs/guide.md", page(python("assert True")))
    project.write("docs/test_plain.py", "def test_plain():\n    pass\n")
    run = project.run()
    assert list(run.outcomes) == ["docs/test_plain.py::test_plain"], run.output


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Path]:
    """A project directory, current while the test runs, whose imports are undone afterwards."""
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        with isolated_imports(tmp_path):
            yield tmp_path
    finally:
        os.chdir(previous)


def test_without_codeblocks_a_named_directory_yields_no_markdown_tests(sandbox: Path) -> None:
    (sandbox / "docs").mkdir()
    (sandbox / "docs" / "guide.md").write_text(page(python("assert True")), encoding="utf-8")
    (sandbox / "docs" / "test_plain.py").write_text("def test_plain():\n    pass\n", encoding="utf-8")
    collection = Session(Config(rootdir=sandbox), (), codeblocks=False).collect(["docs"])
    assert [test.id for test in collection.tests] == ["docs/test_plain.py::test_plain"]


def test_without_codeblocks_a_named_markdown_file_is_a_usage_error(sandbox: Path) -> None:
    (sandbox / "guide.md").write_text(page(python("assert True")), encoding="utf-8")
    with pytest.raises(UsageError, match=r"not a Python file: guide\.md"):
        Session(Config(rootdir=sandbox), (), codeblocks=False).collect(["guide.md"])


def test_a_markdown_file_without_python_blocks_yields_no_tests(sandbox: Path) -> None:
    (sandbox / "notes.md").write_text("# Notes\n\nNothing to run.\n", encoding="utf-8")
    collection = Session(Config(rootdir=sandbox), ()).collect(["notes.md"])
    assert (collection.tests, collection.errors) == ([], [])
