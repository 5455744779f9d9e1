"""Run real projects' pytest suites under pytest and under ``python -m rustest --pytest-compat``.

For each project below: download its sdist from the package registry (the
suite ships inside it), install the project and what its suite needs into
one virtual environment, run the suite with pytest and with rustest, and
print one table of tests collected, passed, failed, errored and skipped per
runner with the wall-time ratio, then every test whose outcome differs,
with rustest's reason. Network access is needed only while the environment
is built; ``--workdir`` keeps it for the next run.

    python tests/compat/compare_real_suites.py --workdir /tmp/compat [--project outcome ...]

The regular test suite never runs this script.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import venv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["PROJECTS", "Project", "RunResult", "main"]

REPO_ROOT = Path(__file__).resolve().parents[2]
_RUN_TIMEOUT_SECONDS = 1800
_PLUGINS = {"asyncio": "pytest-asyncio", "trio": "pytest-trio"}
"""pytest plugin names and the requirement that installs each."""
_OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


@dataclass(frozen=True)
class Project:
    """A project whose sdist ships its pytest suite.

    ``tests`` is the suite's path inside the unpacked sdist; ``requirements``
    are what the suite imports besides the project itself (pytest plugins
    included, for the pytest run).
    """

    name: str
    version: str
    tests: str
    requirements: tuple[str, ...] = ()


PROJECTS = (
    Project("outcome", "1.3.0.post0", "tests", ("pytest-asyncio",)),
    Project("sniffio", "1.3.1", "sniffio/_tests", ("curio",)),
    Project("iniconfig", "2.3.1", "testing", ()),
    Project("aiofiles", "25.1.0", "tests", ("pytest-asyncio",)),
    Project("tricycle", "0.4.1", "tricycle/_tests", ("pytest-trio", "trio")),
    Project("attrs", "26.1.0", "tests", ("hypothesis", "pympler", "cloudpickle")),
)
"""The suites compared; versions are pinned so that runs compare like with like."""

_PYTEST_RECORDER = '''
"""Write each test id's final outcome, and the files that failed to collect, to $COMPAT_OUTCOMES."""
import json
import os

_outcomes = {}
_collection_errors = []


def pytest_runtest_logreport(report):
    if hasattr(report, "wasxfail"):
        outcome = {"skipped": "xfailed", "passed": "xpassed"}.get(report.outcome, "failed")
    elif report.failed:
        outcome = "failed" if report.when == "call" else "error"
    else:
        outcome = report.outcome
    if report.when != "teardown" or outcome != "passed":
        _outcomes[report.nodeid] = outcome


def pytest_collectreport(report):
    if report.failed:
        _collection_errors.append(report.nodeid)


def pytest_sessionfinish(session):
    with open(os.environ["COMPAT_OUTCOMES"], "w", encoding="utf-8") as stream:
        json.dump({"outcomes": _outcomes, "collection_errors": _collection_errors}, stream)
'''


@dataclass
class RunResult:
    """One runner's run of one suite: outcome per test id, collection errors, failure reasons, time."""

    outcomes: dict[str, str]
    collection_errors: list[str]
    seconds: float
    exit_code: int
    reasons: dict[str, str] = field(default_factory=dict)

    def counts(self) -> Counter[str]:
        """Count the test ids per outcome; a collection error counts as an error."""
        counts = Counter(self.outcomes.values())
        counts["error"] += len(self.collection_errors)
        return counts


class Environment:
    """The virtual environment (and downloaded sdists) under *workdir* that every run uses."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.venv = workdir / "venv"
        self.python = self.venv / "bin" / "python"
        self.sdists = workdir / "sdists"
        self.rustest_path = workdir / "rustest-path"

    def prepare(self, projects: tuple[Project, ...]) -> None:
        """Create the environment and install every project and requirement (needs the registry)."""
        if not self.python.exists():
            venv.create(self.venv, with_pip=True)
        packages = {"pytest"}
        for project in projects:
            packages.add(f"{project.name}=={project.version}")
            packages.update(project.requirements)
        self._pip("install", "--quiet", *sorted(packages))
        self.sdists.mkdir(parents=True, exist_ok=True)
        for project in projects:
            if not self.source(project).is_dir():
                self._unpack(project)
        # rustest is imported from this checkout, without the checkout's own tests on the path.
        self.rustest_path.mkdir(parents=True, exist_ok=True)
        link = self.rustest_path / "rustest"
        if not link.exists():
            link.symlink_to(REPO_ROOT / "rustest", target_is_directory=True)
        (self.rustest_path / "compat_outcomes.py").write_text(_PYTEST_RECORDER, encoding="utf-8")

    def source(self, project: Project) -> Path:
        """Return the directory of *project*'s unpacked sdist."""
        return self.sdists / f"{project.name}-{project.version}"

    def _unpack(self, project: Project) -> None:
        download = self.sdists / "download"
        self._pip(
            "download", "--quiet", "--no-deps", "--no-binary", ":all:", "--dest", str(download),
            f"{project.name}=={project.version}",
        )  # fmt: skip
        archive = next(download.glob(f"{project.name}-{project.version}.tar.gz"))
        with tarfile.open(archive) as sdist:
            sdist.extractall(self.sdists, filter="data")

    def _pip(self, *args: str) -> None:
        subprocess.run([str(self.python), "-m", "pip", *args], check=True)

    def run(self, project: Project, runner: str) -> RunResult:
        """Run *project*'s suite with *runner* (``"pytest"`` or ``"rustest"``) on a fresh copy of it."""
        tree = self.workdir / "runs" / runner / project.name
        if tree.exists():
            shutil.rmtree(tree)
        shutil.copytree(self.source(project), tree, symlinks=True)
        report = self.workdir / "runs" / f"{project.name}-{runner}.json"
        env = {**os.environ, "PYTHONPATH": str(self.rustest_path), "COMPAT_OUTCOMES": str(report)}
        for name in list(env):
            if name.startswith(("PYTEST_", "RUSTEST_")):
                del env[name]
        if runner == "pytest":
            command = [str(self.python), "-m", "pytest", "-p", "compat_outcomes", "-p", "no:cacheprovider"]
            # One environment serves every suite: keep the plugins a suite does not use out of its run.
            for plugin, requirement in _PLUGINS.items():
                if requirement not in project.requirements:
                    command += ["-p", f"no:{plugin}"]
        else:
            command = [str(self.python), "-m", "rustest", "--pytest-compat", "--json", str(report)]
        command += ["-q", project.tests]
        started = time.perf_counter()
        completed = subprocess.run(
            command, cwd=tree, env=env, capture_output=True, text=True, timeout=_RUN_TIMEOUT_SECONDS
        )
        seconds = time.perf_counter() - started
        (self.workdir / "runs" / f"{project.name}-{runner}.log").write_text(
            completed.stdout + completed.stderr, encoding="utf-8"
        )
        if not report.is_file():
            raise RuntimeError(
                f"{runner} wrote no report for {project.name}:\n{completed.stdout}{completed.stderr}"
            )
        data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
        if runner == "pytest":
            return RunResult(data["outcomes"], data["collection_errors"], seconds, completed.returncode)
        return RunResult(
            {test["nodeid"]: test["outcome"] for test in data["tests"]},
            [error["path"] for error in data["collection_errors"]],
            seconds,
            completed.returncode,
            reasons={test["nodeid"]: _reason(test) for test in data["tests"]},
        )


def _reason(test: dict[str, Any]) -> str:
    if test["failures"]:
        failure = test["failures"][0]
        first_line = (failure["message"].splitlines() or [""])[0]
        return f"{failure['type']}: {first_line}"[:200]
    return str(test.get("reason", ""))[:200]


def _row(name: str, runner: str, result: RunResult) -> str:
    counts = result.counts()
    collected = len(result.outcomes)
    cells = [name, runner, str(collected), *(str(counts[outcome]) for outcome in _OUTCOMES)]
    return "| " + " | ".join([*cells, f"{result.seconds:.2f}"]) + " |"


def _differences(pytest_run: RunResult, rustest_run: RunResult) -> list[str]:
    lines = []
    for nodeid in sorted(set(pytest_run.outcomes) | set(rustest_run.outcomes)):
        before = pytest_run.outcomes.get(nodeid, "not collected")
        after = rustest_run.outcomes.get(nodeid, "not collected")
        if before != after:
            reason = rustest_run.reasons.get(nodeid, "")
            lines.append(
                f"- `{nodeid}`: pytest {before}, rustest {after}" + (f" ({reason})" if reason else "")
            )
    for path in sorted(set(rustest_run.collection_errors) - set(pytest_run.collection_errors)):
        lines.append(f"- `{path}`: collection error under rustest only")
    for path in sorted(set(pytest_run.collection_errors) - set(rustest_run.collection_errors)):
        lines.append(f"- `{path}`: collection error under pytest only")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Compare the suites and print the table and the differences; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True, help="where the environment and the runs live")
    parser.add_argument(
        "--project", action="append", choices=[p.name for p in PROJECTS], help="only these projects"
    )
    parser.add_argument("--no-install", action="store_true", help="reuse the environment as it is (offline)")
    options = parser.parse_args(argv)
    projects = tuple(p for p in PROJECTS if not options.project or p.name in options.project)
    environment = Environment(options.workdir.resolve())
    if not options.no_install:
        environment.prepare(projects)
    header = "| project | runner | collected | " + " | ".join(_OUTCOMES) + " | wall s |"
    table = [header, "|" + " --- |" * (header.count("|") - 1)]
    notes: list[str] = []
    for project in projects:
        pytest_run = environment.run(project, "pytest")
        rustest_run = environment.run(project, "rustest")
        ratio = rustest_run.seconds / pytest_run.seconds if pytest_run.seconds else float("nan")
        table.append(_row(project.name, "pytest", pytest_run))
        table.append(_row(project.name, f"rustest ({ratio:.2f}x pytest's time)", rustest_run))
        differences = _differences(pytest_run, rustest_run)
        notes.append(f"\n### {project.name} {project.version}: {len(differences)} differences")
        notes.extend(differences)
    sys.stdout.write("\n".join([*table, *notes]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
