"""The example apps and the embedding example run, pass, and print what their READMEs say they print."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import REPO_ROOT, CliRun, Project

EXAMPLES = REPO_ROOT / "examples"


def needs(*modules: str) -> pytest.MarkDecorator:
    """Skip a test, saying what to install, when one of *modules* cannot be imported."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    return pytest.mark.skipif(
        bool(missing), reason=f"the example needs {', '.join(missing)}: pip install -e '.[examples]'"
    )


def run_example(tmp_path: Path, name: str) -> CliRun:
    """Copy ``examples/<name>`` into a fresh project and run its README's command there."""
    project = Project(tmp_path)
    shutil.copytree(EXAMPLES / name, project.root / "examples" / name)
    return project.run(f"examples/{name}")


def expected_output(name: str) -> list[str]:
    """Return the output the example's README shows, without the lines that differ between machines."""
    readme = (EXAMPLES / name / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"You should see:\n\n```text\n(.*?)```", readme, re.DOTALL)
    assert shown is not None, f"examples/{name}/README.md shows no expected output"
    return comparable(shown.group(1))


def comparable(output: str) -> list[str]:
    """Drop the platform and rootdir lines and the timing, which depend on the machine."""
    lines = [line for line in output.splitlines() if not line.startswith(("platform ", "rootdir: "))]
    return [re.sub(r" in \d+\.\d+s ", " in Ns ", line) for line in lines]


@needs("aiosqlite", "httpx")
def test_the_asyncio_app_passes(tmp_path: Path) -> None:
    run = run_example(tmp_path, "asyncio_app")
    assert run.exit_code == 0, run.output
    assert set(run.counts) == {"passed"}


@needs("aiosqlite", "httpx")
def test_the_asyncio_app_prints_what_its_readme_shows(tmp_path: Path) -> None:
    run = run_example(tmp_path, "asyncio_app")
    assert comparable(run.stdout) == expected_output("asyncio_app")


@needs("trio")
def test_the_trio_app_passes(tmp_path: Path) -> None:
    run = run_example(tmp_path, "trio_app")
    assert run.exit_code == 0, run.output
    assert set(run.counts) == {"passed"}


@needs("trio")
def test_the_trio_app_prints_what_its_readme_shows(tmp_path: Path) -> None:
    run = run_example(tmp_path, "trio_app")
    assert comparable(run.stdout) == expected_output("trio_app")


@needs("trio")
def test_the_embedding_example_runs_every_check_on_asyncio_and_trio(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / "embed_minimal.py")],
        cwd=tmp_path,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    passed = [line.split()[1] for line in completed.stdout.splitlines() if line.startswith("PASSED")]
    assert sorted(passed) == sorted(
        f"inventory::{check}[{backend}]"
        for backend in ("asyncio", "trio")
        for check in (
            "apples_are_in_stock",
            "an_order_takes_from_the_stock",
            "the_shared_stock_remembers_the_order",
        )
    )
