"""Tiny projects run through ``python -m rustest`` for the built-in fixture tests.

``run_project`` writes files into a directory under ``tmp_path`` and runs the
real command line on them in a subprocess, with the system temporary
directory pointed into the sandbox too, and reads the outcomes from the JSON
report. The tests in this file check the helper itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["REPO_ROOT", "ProjectRun", "run_project"]

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The repository root, put on ``PYTHONPATH`` so the subprocess imports this checkout of rustest."""


@dataclass
class ProjectRun:
    """What one run of a tiny project produced."""

    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any]
    root: Path

    def test(self, name: str) -> dict[str, Any]:
        """Return the JSON entry of the one test whose node id ends with ``::name``."""
        found = [t for t in self.report["tests"] if t["nodeid"].endswith(f"::{name}")]
        assert len(found) == 1, f"expected one test named {name!r}, got {[t['nodeid'] for t in found]}"
        entry: dict[str, Any] = found[0]
        return entry

    def outcome(self, name: str) -> str:
        """Return the outcome (``"passed"``, ``"failed"`` ...) of the test *name*."""
        return str(self.test(name)["outcome"])

    def outcomes(self) -> dict[str, str]:
        """Return every test's outcome keyed by its name (the part after the last ``::``)."""
        return {t["nodeid"].rsplit("::", 1)[-1]: t["outcome"] for t in self.report["tests"]}

    def failure_text(self, name: str) -> str:
        """Return the failure messages of the test *name*, joined by newlines."""
        return "\n".join(f["message"] for f in self.test(name)["failures"])


def run_project(
    sandbox: Path, files: dict[str, str], *args: str, env: dict[str, str] | None = None
) -> ProjectRun:
    """Write *files* (dedented) under ``sandbox/project`` and run ``python -m rustest`` there with *args*.

    The system temporary directory of the run is ``sandbox/tmp``, so the base
    directories that ``tmp_path`` makes stay in the sandbox. *env* adds
    environment variables.
    """
    root = sandbox / "project"
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    temp = sandbox / "tmp"
    temp.mkdir(exist_ok=True)
    report_path = sandbox / "report.json"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("RUSTEST_", "PYTEST_"))}
    environment.update(
        PYTHONPATH=str(REPO_ROOT),
        TMPDIR=str(temp),
        TEMP=str(temp),
        TMP=str(temp),
        PYTHONDONTWRITEBYTECODE="1",
    )
    environment.update(env or {})
    completed = subprocess.run(
        [sys.executable, "-m", "rustest", ".", "--json", str(report_path), *args],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {"tests": []}
    return ProjectRun(completed.returncode, completed.stdout, completed.stderr, report, root)


def test_run_project_reports_each_test_outcome_by_name(tmp_path: Path) -> None:
    run = run_project(
        tmp_path,
        {
            "test_a.py": """
                def test_good():
                    pass

                def test_bad():
                    assert False
            """
        },
    )
    assert run.outcomes() == {"test_good": "passed", "test_bad": "failed"}


def test_run_project_keeps_the_temporary_directory_inside_the_sandbox(tmp_path: Path) -> None:
    run = run_project(
        tmp_path,
        {
            "test_a.py": """
                import tempfile

                def test_where():
                    print(tempfile.gettempdir())
            """
        },
        "-s",
    )
    assert str(tmp_path / "tmp") in run.stdout
