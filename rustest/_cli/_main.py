"""``python -m rustest``: parse the command line, run the session, and exit with pytest's codes.

This module stays cheap to import: the command line parses its arguments
and, when it guards against crashes, forks the test process before
collection, planning and execution are imported (see ``_session``), so the
child does not pay for copying memory the parent filled.
"""

from __future__ import annotations

import argparse
import enum
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TextIO

from rustest._cache import Cache
from rustest._cli._guard import crash_guard_applies, run_guarded
from rustest._cli._options import build_parser
from rustest._config import Config, UsageError, load_config
from rustest._errors import DefinitionError
from rustest._events import CollectionFailed, Listener, Outcome, TestReport

if TYPE_CHECKING:
    from rustest._cli._guard import GuardedProcess

__all__ = ["ExitCode", "Invocation", "RunConfig", "RunReport", "main", "parse_command_line", "run_session"]


class ExitCode(enum.IntEnum):
    """pytest's exit codes."""

    OK = 0
    TESTS_FAILED = 1
    INTERRUPTED = 2
    INTERNAL_ERROR = 3
    USAGE_ERROR = 4
    NO_TESTS_COLLECTED = 5


class RunConfig:
    """What ``request.config`` gives tests: the options of this run and its root."""

    def __init__(self, options: argparse.Namespace, config: Config, cache: Cache) -> None:
        self.option = options
        self.inicfg = config
        self.rootpath = config.rootdir
        self.rootdir = config.rootdir
        self.cache = cache

    def getoption(self, name: str, default: object = None, skip: bool = False) -> object:
        """Return the value of command-line option *name* (``"verbose"`` or ``"--verbose"``)."""
        key = name.lstrip("-").replace("-", "_")
        if hasattr(self.option, key):
            return getattr(self.option, key)
        if skip:
            from rustest._outcomes import skip as do_skip

            do_skip(f"no {name!r} option found")
        if default is not None:
            return default
        raise ValueError(f"no option named {name!r}")

    def getini(self, name: str) -> object:
        """Return configuration value *name* from ``[tool.rustest]``."""
        return getattr(self.inicfg, name)


@dataclass
class RunReport:
    """The result of a run: the exit code, one report per test, and what could not be collected."""

    exit_code: int
    reports: list[TestReport] = field(default_factory=list)
    collection_errors: list[CollectionFailed] = field(default_factory=list)
    counts: dict[Outcome, int] = field(default_factory=dict)
    duration: float = 0.0
    deselected: int = 0

    @property
    def passed(self) -> int:
        """How many tests passed."""
        return self.counts.get(Outcome.PASSED, 0)

    @property
    def failed(self) -> int:
        """How many tests failed."""
        return self.counts.get(Outcome.FAILED, 0)

    @property
    def errors(self) -> int:
        """How many tests errored, plus files that failed to collect."""
        return self.counts.get(Outcome.ERROR, 0) + len(self.collection_errors)

    @property
    def skipped(self) -> int:
        """How many tests were skipped."""
        return self.counts.get(Outcome.SKIPPED, 0)

    @property
    def ok(self) -> bool:
        """True when the run exited 0."""
        return self.exit_code == ExitCode.OK


@dataclass(frozen=True)
class Invocation:
    """A parsed command line: its options (the configuration's ``addopts`` included) and configuration."""

    options: argparse.Namespace
    config: Config


def parse_command_line(argv: Sequence[str]) -> Invocation:
    """Parse *argv* and read the configuration it points to; argparse exits 2 on bad usage."""
    parser = build_parser()
    options = parser.parse_args(list(argv))
    config = load_config(options.paths, options.config_file)
    if config.addopts:
        options = parser.parse_args([*config.addopts, *argv])
    if options.strict_markers:
        config = replace(config, strict_markers=True)
    if options.backend:
        config = replace(config, default_backend=options.backend)
    return Invocation(options, config)


def _cache_of(invocation: Invocation) -> Cache:
    config = invocation.config
    return Cache(config.rootdir / config.cache_dir)


def _begin(invocation: Invocation) -> None:
    """Do what a run does once before its tests are collected, however many processes run them."""
    os.environ["RUSTEST_RUNNING"] = "1"
    if invocation.options.cache_clear:
        _cache_of(invocation).clear()


def run_session(
    argv: Sequence[str],
    *,
    stdout: TextIO | None = None,
    extra_listeners: Sequence[Listener] = (),
) -> RunReport:
    """Run rustest with command-line arguments *argv* in this process, reporting on *stdout*."""
    invocation = parse_command_line(argv)
    _begin(invocation)
    return _run(invocation, stdout=stdout, extra_listeners=extra_listeners)


def _run(
    invocation: Invocation,
    *,
    stdout: TextIO | None = None,
    extra_listeners: Sequence[Listener] = (),
    guarded: GuardedProcess | None = None,
) -> RunReport:
    # Imported here: collection, planning and execution are what a guarded parent never needs.
    from rustest._cli._session import run_invocation

    out = stdout if stdout is not None else sys.stdout
    return run_invocation(
        invocation.options,
        invocation.config,
        _cache_of(invocation),
        out,
        extra_listeners=extra_listeners,
        guarded=guarded,
    )


def _exit_code_for(exc: BaseException) -> int:
    """Report *exc*, which ended the command line, and return the exit code it stands for."""
    if isinstance(exc, (UsageError, DefinitionError)):
        sys.stderr.write(f"ERROR: {exc}\n")
        return int(ExitCode.USAGE_ERROR)
    if isinstance(exc, SystemExit):
        # argparse exits 2 on bad usage; pytest's code for usage errors is 4.
        return int(ExitCode.USAGE_ERROR) if exc.code == 2 else int(exc.code or 0)
    if isinstance(exc, KeyboardInterrupt):
        sys.stderr.write("\n!!! Interrupted: KeyboardInterrupt !!!\n")
        return int(ExitCode.INTERRUPTED)
    if isinstance(exc, Exception):
        text = "".join(traceback.format_exception(exc)).rstrip("\n")
        sys.stderr.write("INTERNALERROR> " + text.replace("\n", "\nINTERNALERROR> ") + "\n")
        return int(ExitCode.INTERNAL_ERROR)
    raise exc


def _run_to_exit_code(invocation: Invocation, guarded: GuardedProcess | None) -> int:
    try:
        return int(_run(invocation, guarded=guarded).exit_code)
    except BaseException as exc:
        return _exit_code_for(exc)


def main(argv: Sequence[str] | None = None, *, crash_guard: bool = False) -> int:
    """Run the command line *argv* (default: ``sys.argv[1:]``) and return its exit code.

    With *crash_guard*, which only the process's own entry point may ask for
    (``python -m rustest`` and the ``rustest`` script do), the tests run in a
    child process, so that a test that kills it (a segfault, ``os._exit``,
    the out-of-memory killer) costs that test only: the run goes on in a new
    child and the report covers every test. See ``_guard``.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        invocation = parse_command_line(args)
        _begin(invocation)
    except BaseException as exc:
        return _exit_code_for(exc)
    if crash_guard and crash_guard_applies(invocation.options):
        return run_guarded(lambda guarded: _run_to_exit_code(invocation, guarded))
    return _run_to_exit_code(invocation, None)
