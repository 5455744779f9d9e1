"""The documentation is tested: ``python -m rustest docs/ README.md`` passes, as CI runs it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_helpers import REPO_ROOT, CliRun, Project


@pytest.fixture
def docs_project(tmp_path: Path) -> Project:
    """A project holding a copy of the docs and the README, so the run writes nothing in the checkout."""
    project = Project(tmp_path)
    shutil.copytree(REPO_ROOT / "docs", project.root / "docs")
    shutil.copy(REPO_ROOT / "README.md", project.root / "README.md")
    return project


def failures(run: CliRun) -> str:
    """Name the tests that did not pass, with the output, for an assertion message."""
    bad = {nodeid: outcome for nodeid, outcome in run.outcomes.items() if outcome in ("failed", "error")}
    return f"{bad}\n{run.output}"


def test_every_code_block_of_the_docs_passes(docs_project: Project) -> None:
    run = docs_project.run("docs/")
    assert run.exit_code == 0, failures(run)


def test_the_docs_hold_tests_from_every_page(docs_project: Project) -> None:
    run = docs_project.run("docs/")
    pages = {nodeid.split("::")[0] for nodeid in run.outcomes}
    shown = {
        f"docs/{path.name}" for path in (REPO_ROOT / "docs").glob("*.md") if "```python" in path.read_text()
    }
    assert pages == shown


def test_the_readme_and_the_docs_pass_together(docs_project: Project) -> None:
    run = docs_project.run("docs/", "README.md")
    assert run.exit_code == 0, failures(run)
