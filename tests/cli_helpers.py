"""Write tiny projects into ``tmp_path`` and run ``python -m rustest`` on them in a subprocess.

A ``Project`` is a directory with a ``pyproject.toml`` (an empty
``[tool.rustest]`` table unless a test writes its own), so the rootdir and
the configuration never depend on what lies above ``tmp_path``. ``run``
starts the real command line with ``sys.executable``, with this checkout of
rustest first on ``PYTHONPATH``, the system temporary directory inside the
sandbox, and the variables that change rustest's output (colours, CI, the
terminal width) pinned. A ``CliRun`` holds the exit code, both streams, the
parsed ``--json`` and ``--junitxml`` reports, and the notes the project's code
appended to the file named by the ``NOTES`` environment variable (fresh for
every run), which shows what ran: teardowns, tests that should not have run.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_CONFIG", "REPO_ROOT", "CliRun", "Project"]

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The repository root, first on ``PYTHONPATH`` so the subprocess imports this checkout of rustest."""

DEFAULT_CONFIG = "[tool.rustest]\n"
"""The ``pyproject.toml`` a project starts with: it makes the project directory the rootdir."""

_SCRUBBED_PREFIXES = ("RUSTEST_", "PYTEST_")
_SCRUBBED = frozenset({"NO_COLOR", "FORCE_COLOR", "CI", "BUILD_NUMBER", "COLUMNS", "LINES", "TERM"})
_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class CliRun:
    """What one ``python -m rustest`` run produced.

    ``report`` is the parsed ``--json`` document and ``junit`` the root of
    the ``--junitxml`` file, each ``None`` when the run was not asked for it
    or did not write it. ``notes`` are the lines the run appended to the file
    named by ``NOTES``, in order.
    """

    exit_code: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None
    junit: ET.Element | None
    notes: list[str]

    @property
    def output(self) -> str:
        """Return stdout and stderr together, for checks that do not care which stream says it."""
        return self.stdout + self.stderr

    @property
    def tests(self) -> list[dict[str, Any]]:
        """Return the JSON report's test entries, in the order the tests finished."""
        assert self.report is not None, f"no JSON report was written\n{self.output}"
        tests: list[dict[str, Any]] = self.report["tests"]
        return tests

    @property
    def outcomes(self) -> dict[str, str]:
        """Map every reported node id to its outcome, in the order the tests finished."""
        return {test["nodeid"]: test["outcome"] for test in self.tests}

    @property
    def counts(self) -> Counter[str]:
        """Count the reported tests per outcome."""
        return Counter(test["outcome"] for test in self.tests)

    def test(self, name: str) -> dict[str, Any]:
        """Return the JSON entry of the one test whose node id is *name* or ends with ``::name``."""
        found = [t for t in self.tests if t["nodeid"] == name or t["nodeid"].endswith(f"::{name}")]
        assert len(found) == 1, f"expected one test named {name!r}, got {[t['nodeid'] for t in self.tests]}"
        return found[0]

    @property
    def summary_line(self) -> str:
        """Return the last non-blank line of stdout: the ``== 1 failed, 2 passed in 0.1s ==`` line."""
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        assert lines, f"nothing on stdout\n{self.stderr}"
        return lines[-1]

    def testcases(self) -> list[ET.Element]:
        """Return every ``<testcase>`` of the JUnit XML report."""
        assert self.junit is not None, f"no JUnit XML report was written\n{self.output}"
        return list(self.junit.iter("testcase"))


class Project:
    """A tiny project in ``<base>/project``; its reports go to ``<base>/reports``, outside the tree."""

    def __init__(self, base: Path, config: str = DEFAULT_CONFIG) -> None:
        self.root = base / "project"
        self.reports = base / "reports"
        self.temp = base / "temp"
        for directory in (self.root, self.reports, self.temp):
            directory.mkdir(parents=True, exist_ok=True)
        self._runs = 0
        self.write("pyproject.toml", config)

    def write(self, relative: str, text: str) -> Path:
        """Write *text* (dedented) to *relative* under the project root and return its path."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def run(
        self,
        *args: str,
        json_report: bool = True,
        junitxml: bool = False,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        terminal: bool = False,
    ) -> CliRun:
        """Run ``python -m rustest *args`` in the project (or *cwd*) and collect what it produced.

        With *json_report* (the default) the run also writes ``--json`` and the
        result holds it parsed; with *junitxml* it writes ``--junitxml`` too.
        *env* adds or overrides environment variables (``NOTES`` is set to a
        fresh file for every run). With *terminal* stdout
        is a pseudo-terminal, as when a person runs the command, instead of a
        pipe.
        """
        self._runs += 1
        command = [sys.executable, "-m", "rustest", *args]
        json_path = self.reports / f"run{self._runs}.json"
        junit_path = self.reports / f"run{self._runs}.xml"
        notes_path = self.reports / f"run{self._runs}.notes"
        if json_report:
            command += ["--json", str(json_path)]
        if junitxml:
            command += ["--junitxml", str(junit_path)]
        environment = self._environment({"NOTES": str(notes_path), **(env or {})})
        directory = cwd or self.root
        if terminal:
            exit_code, stdout, stderr = _run_on_terminal(command, directory, environment)
        else:
            completed = subprocess.run(
                command,
                cwd=directory,
                env=environment,
                capture_output=True,
                text=True,
                timeout=_TIMEOUT_SECONDS,
                check=False,
            )
            exit_code, stdout, stderr = completed.returncode, completed.stdout, completed.stderr
        report = json.loads(json_path.read_text(encoding="utf-8")) if json_path.is_file() else None
        junit = ET.parse(junit_path).getroot() if junit_path.is_file() else None
        notes = notes_path.read_text(encoding="utf-8").splitlines() if notes_path.is_file() else []
        return CliRun(exit_code, stdout, stderr, report, junit, notes)

    def _environment(self, overrides: Mapping[str, str]) -> dict[str, str]:
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in _SCRUBBED and not key.startswith(_SCRUBBED_PREFIXES)
        }
        python_path = [str(REPO_ROOT), *filter(None, [environment.get("PYTHONPATH")])]
        environment.update(
            PYTHONPATH=os.pathsep.join(python_path),
            TMPDIR=str(self.temp),
            COLUMNS="80",
            PYTHONIOENCODING="utf-8",
        )
        environment.update(overrides)
        return environment


def _run_on_terminal(command: list[str], cwd: Path, env: Mapping[str, str]) -> tuple[int, str, str]:
    """Run *command* with stdout on a pseudo-terminal; return its exit code, stdout and stderr."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=terminal, stderr=subprocess.PIPE)
    finally:
        os.close(terminal)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([controller], [], [], _TIMEOUT_SECONDS)
            if not ready:
                process.kill()
                raise TimeoutError(f"{command} wrote nothing for {_TIMEOUT_SECONDS}s")
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                # Linux reports EIO once the child has closed its end of the terminal.
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(controller)
    assert process.stderr is not None
    stderr = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    exit_code = process.wait(timeout=_TIMEOUT_SECONDS)
    # The terminal turns every newline into CR LF; give the text back as a pipe would have it.
    stdout = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return exit_code, stdout, stderr
