"""Run the tests in a child process, so that a test that kills the process costs that test only.

A test that segfaults, calls ``os._exit()`` or is killed by the
out-of-memory killer takes its whole process down. The command line
therefore forks a test process and waits for it. When the child ends
normally the parent exits with its exit code: the guard costs one fork and
one wait. When it dies in the middle of the run, the parent learns from the
progress and journal the child left (``_journal``) which tests finished and
which one was running, says so on the terminal, and forks a new child that
collects and plans again, reports the crashed test as an error, leaves out
the finished tests and runs the rest (``_resume``). The final summary, exit
code, report files and ``--lf`` cache cover the whole run.

A test that runs longer than its timeout (``_timeout``) ends its process
the same way, at the hand of the guard: the child writes each test's start
time and limit into the progress page (plain stores), and tells the guard
once, after planning, whether any test has a limit. Only then does the
guard wait with a deadline rather than block in ``waitpid``: on a pidfd
where there is one, which wakes it as soon as the child ends, else in a
loop of ``waitpid(WNOHANG)``. When the running test passes its limit, the
guard sends the child ``SIGUSR2``, on which faulthandler writes every
thread's stack to the dump file, then ``SIGALRM``, on which the child
raises ``Timeout`` in the test (see ``_alarm``). A test that finishes
within a grace period is reported by the child as any failure and the
child runs on; otherwise the guard kills the child, reports the test as
timed out (not as a crash) with the stacks, and goes on as after a crash.

A child that dies before any test started (while importing or collecting,
say) leaves no test to blame: the run ends with an internal error (exit
code 3) instead of forking the same crash again.

The parent ignores Ctrl-C, which the terminal sends to the whole process
group: the child reports the interrupted run and exits 2. SIGTERM and
SIGHUP sent to the parent are passed on to the child, and the parent then
dies of the same signal, as an unguarded run would.

The run stays in one process where forking is impossible (Windows) or would
mislead a tool watching this process (a tracer, a profiler, ``sys.monitoring``
tools, coverage), when threads already run, with ``--collect-only``, and
with ``--no-crash-guard``.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import gc
import math
import os
import select
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import IO, Any, NoReturn

from rustest._cli._journal import (
    Crash,
    Deadline,
    EarlierRun,
    JournalWriter,
    Progress,
    deadline_recorder,
    progress_recorder,
    read_journal,
)
from rustest._cli._timeout import Limit, shortest_limit, timed_out_phase, timeout_message
from rustest._events import Listener, WarningEmitted

__all__ = ["GuardedProcess", "crash_guard_applies", "run_guarded", "trim_dump"]

_INTERNAL_ERROR = 3
_FORWARDED_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
_MONITORING_TOOLS = range(6)
_CONTINUING = "continuing with the remaining tests"
_FRAME_PREFIX = '  File "'
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_DUMP_SIGNAL: int = getattr(signal, "SIGUSR2", 0)
"""The signal on which a guarded test process with limits writes every thread's stack to its dump file."""
_DUMP_POLL_NANOSECONDS = 10_000_000
_DUMP_POLLS = 50
"""How long the guard waits for a timed-out test's stacks: until they stop growing, at most half a second."""
_EXIT_POLL_SECONDS = 0.01
_GRACE_NANOSECONDS = 1_000_000_000
_GRACE_POLL_NANOSECONDS = 10_000_000
"""How long a test the guard raised ``Timeout`` in may take to finish (at most its limit), and its looks."""


def crash_guard_applies(options: argparse.Namespace) -> bool:
    """Tell whether a command line with *options* runs its tests in a guarded child process."""
    if options.collect_only or not options.crash_guard or not hasattr(os, "fork"):
        return False
    if sys.gettrace() is not None or sys.getprofile() is not None or "coverage" in sys.modules:
        return False
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None and any(monitoring.get_tool(tool) is not None for tool in _MONITORING_TOOLS):
        return False
    threading = sys.modules.get("threading")
    # Forking a process that runs threads leaves the child with locks nobody will release.
    return threading is None or threading.active_count() == 1


class GuardedProcess:
    """What a guarded test process gets from its guard: where to record its progress, and the earlier results.

    ``earlier`` is ``None`` in the first test process of a run; afterwards it
    holds what the processes that died had done.
    """

    def __init__(
        self, progress: Progress, journal_fd: int, dump_fd: int, limits_fd: int, earlier: EarlierRun | None
    ) -> None:
        self.earlier = earlier
        self._progress = progress
        self._journal = JournalWriter(journal_fd, progress)
        self._dump_fd = dump_fd
        self._limits_fd = limits_fd
        # A process a test forks must not keep the guard waiting to hear about limits.
        os.register_at_fork(after_in_child=self._close_limits_pipe)

    def recorder(self, *, every_report: bool) -> Listener:
        """Return the listener that records each test's start and finish for the guard.

        With *every_report* it journals every report (a report file or
        ``--durations`` will list them); otherwise only those of tests that
        did not simply pass.
        """
        return progress_recorder(self._progress, self._journal, every_report=every_report)

    def planned(self, nodeids: list[str]) -> None:
        """Record the order in which the tests will run; the recorder's counts index it."""
        self._journal.order(nodeids)

    def timeout_listeners(self, limits: Sequence[Limit] | None) -> list[Listener]:
        """Tell the guard whether tests have limits; return the listeners that let it stop a test in time.

        *limits* are the items' limits in run order, ``None`` when no test
        has one: the guard then just waits for this process to end, and
        there is no listener. Call it once, before the first test starts.
        Place the listeners after the recorder: the guard stops the test the
        recorder counted as started.
        """
        try:
            if limits is None:
                return []
            faulthandler.register(_DUMP_SIGNAL, file=self._dump_fd, all_threads=True, chain=False)
            progress = self._progress
            listeners = [deadline_recorder(progress, limits)]
            # Imported here: only a test process with limits raises Timeout on the guard's signal.
            from rustest._cli._alarm import can_raise_in_tests, guard_alarm_listener

            if can_raise_in_tests():
                listeners.append(guard_alarm_listener(limits, progress.stop_requested))
                progress.stop_on_alarm()
            progress.expect_limits(shortest_limit(limits))
            os.write(self._limits_fd, b"1")
            return listeners
        finally:
            self._close_limits_pipe()

    def _close_limits_pipe(self) -> None:
        if self._limits_fd >= 0:
            os.close(self._limits_fd)
            self._limits_fd = -1


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _cause(status: int) -> str:
    """Say how a test process that did not complete its run ended, to follow "the test process"."""
    if not os.WIFSIGNALED(status):
        return f"exited with status {os.WEXITSTATUS(status)} (os._exit() or exit() from C code)"
    signum = os.WTERMSIG(status)
    cause = f"died from signal {_signal_name(signum)}"
    description = signal.strsignal(signum)
    if signum == getattr(signal, "SIGKILL", None):
        description = "killed, as by the out-of-memory killer when memory runs out"
    return f"{cause} ({description})" if description else cause


def _read_text(stream: IO[bytes]) -> str:
    stream.seek(0)
    return stream.read().decode("utf-8", "replace")


def _is_driver_frame(line: str) -> bool:
    """Tell whether a frame line of a faulthandler dump is rustest's own or the interpreter's startup."""
    if not line.startswith(_FRAME_PREFIX):
        return False
    path = line[len(_FRAME_PREFIX) :].split('"', 1)[0]
    return path.startswith((_PACKAGE_DIR, "<frozen "))


def trim_dump(text: str) -> str:
    """Drop the outermost frames of each stack of a faulthandler dump that only show rustest calling the test.

    Frames come innermost first, so those are the last frames of each stack;
    rustest's frames between two frames of the test's own code stay, and so
    do all of them when a stack has no other frame.
    """
    kept: list[str] = []
    driver: list[str] = []
    others_in_stack = False
    for line in text.splitlines():
        if _is_driver_frame(line):
            driver.append(line)
            continue
        is_frame = line.startswith(_FRAME_PREFIX)
        if is_frame or not others_in_stack:
            kept += driver
        driver = []
        others_in_stack = is_frame
        kept.append(line)
    kept += driver if not others_in_stack else []
    return "\n".join(kept).strip("\n")


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away (``rustest | head``) must not turn the end of the run into a traceback.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


def _say(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.write(text)
    _flush()


def _internal_error(text: str) -> int:
    _flush()
    sys.stderr.write("INTERNALERROR> " + text.rstrip("\n").replace("\n", "\nINTERNALERROR> ") + "\n")
    _flush()
    return _INTERNAL_ERROR


def _die_of(signum: int) -> int:
    """End this process with signal *signum*, as the child ended, so the caller sees the same status."""
    _flush()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    # Only a signal that does not end a process gets here.
    return 128 + signum


class _Signals:
    """The parent's signal handling while a child runs: ignore Ctrl-C, pass termination on."""

    def __init__(self) -> None:
        self.child: int | None = None
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum
        if self.child is not None:
            os.kill(self.child, signum)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Install the parent's handlers for the duration of the block."""
        self._previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
        # An ignored SIGCHLD, inherited from whoever started us, would reap the child before we wait.
        self._previous[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for signum in _FORWARDED_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._forward)
        try:
            yield
        finally:
            self.restore()

    def fork(self) -> int:
        """Fork a child that starts with the handlers the process had before; return its pid (0 in the child).

        Termination signals wait while the parent learns the child's pid, so
        that none arrives with nobody to pass it to.
        """
        signal.pthread_sigmask(signal.SIG_BLOCK, _FORWARDED_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                self.restore()
            else:
                self.child = pid
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _FORWARDED_SIGNALS)
        return pid

    def restore(self) -> None:
        """Put back the handlers the process had before (also what a child starts with)."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()


def run_guarded(run: Callable[[GuardedProcess], int]) -> int:
    """Call *run* in guarded child processes until one completes the run, then exit with the run's exit code.

    *run* runs the session in the child and returns its exit code; it is
    called again in a new child, with the earlier results, after a child
    dies. In each child this function returns *run*'s exit code, and the
    child exits with it as usual. The parent never returns: it exits at once
    with the exit code of the whole run, leaving the interpreter's shutdown
    (``atexit`` handlers included) to the child that completed the run, so
    that it happens once and costs the parent nothing.
    """
    signals = _Signals()
    progress = Progress()
    earlier: EarlierRun | None = None
    with signals.installed():
        while True:
            progress.reset()
            # The parent closes both once the child has ended.
            journal = tempfile.TemporaryFile()  # noqa: SIM115
            dump = tempfile.TemporaryFile()  # noqa: SIM115
            limits_read, limits_write = os.pipe()
            _flush()
            # The child's collections then leave the parent's objects alone instead of copying every
            # page that holds one; they live as long as the child anyway.
            gc.freeze()
            forked_at = time.perf_counter()
            pid = signals.fork()
            if pid == 0:
                os.close(limits_read)
                # The traceback of a fatal signal or a timeout goes where the parent can read it into the
                # report. A descriptor of its own, which nothing closes: faulthandler may write up to the
                # last moment.
                dump_fd = os.dup(dump.fileno())
                faulthandler.enable(file=dump_fd, all_threads=True)
                exit_code = run(GuardedProcess(progress, journal.fileno(), dump_fd, limits_write, earlier))
                progress.complete(exit_code)
                return exit_code
            os.close(limits_write)
            try:
                status, timed_out = _wait(pid, limits_read, progress, dump.fileno())
            finally:
                os.close(limits_read)
            signals.child = None
            elapsed = time.perf_counter() - forked_at
            outcome = _after_child(status, timed_out, progress, journal, dump, earlier, signals.received)
            journal.close()
            dump.close()
            if isinstance(outcome, int):
                _exit(outcome)
            if signals.received is not None:
                _exit(_die_of(signals.received))
            earlier = outcome
            earlier.duration += elapsed


class _ChildExit:
    """Wait for a child to end for at most a given time: on a pidfd where there is one, else by polling."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._pidfd = -1
        self._poll: select.poll | None = None
        pidfd_open = getattr(os, "pidfd_open", None)
        if pidfd_open is None:
            return
        try:
            self._pidfd = pidfd_open(pid)
        except OSError:
            # A kernel older than Linux 5.3, or a sandbox that forbids the call.
            return
        self._poll = select.poll()
        self._poll.register(self._pidfd, select.POLLIN)

    def wait(self, nanoseconds: int | None) -> int | None:
        """Return the child's wait status once it ended, waiting up to *nanoseconds* (``None``: no end).

        Returns ``None`` when the child still runs after that time.
        """
        if nanoseconds is None:
            return os.waitpid(self._pid, 0)[1]
        if self._poll is not None:
            # Rounded up: a wake before the deadline would only look again and sleep again.
            if not self._poll.poll(max(0, math.ceil(nanoseconds / 1_000_000))):
                return None
            return os.waitpid(self._pid, 0)[1]
        # Without a pidfd, short sleeps between looks: they cost a run with limits a wake every 10 ms,
        # far less than a test's own work, and a child that ended keeps the guard at most 10 ms.
        end = time.monotonic_ns() + nanoseconds
        while True:
            pid, status = os.waitpid(self._pid, os.WNOHANG)
            if pid:
                return status
            remaining = end - time.monotonic_ns()
            if remaining <= 0:
                return None
            time.sleep(min(remaining / 1_000_000_000, _EXIT_POLL_SECONDS))

    def close(self) -> None:
        """Release the pidfd."""
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1


def _wait(pid: int, limits_fd: int, progress: Progress, dump_fd: int) -> tuple[int, Limit | None]:
    """Wait for child *pid* to end; return its wait status and the limit of the test it was killed for.

    The child writes a byte to *limits_fd* when tests have limits and closes
    it after planning either way; without limits, or when the child ends
    before it planned, the guard just waits for it. The limit is ``None``
    unless the guard stopped the child because its test ran too long.
    """
    if not os.read(limits_fd, 1):
        return os.waitpid(pid, 0)[1], None
    child = _ChildExit(pid)
    try:
        while True:
            deadline = progress.deadline()
            now = time.monotonic_ns()
            if deadline is not None and now >= deadline.at:
                status = _stop(pid, child, deadline, progress, dump_fd)
                if status is not None:
                    return status, deadline.limit if progress.exit_code is None else None
                continue
            # A test that starts after this look ends no sooner than the shortest limit from now.
            wake = now + progress.shortest_limit
            if deadline is not None:
                wake = min(wake, deadline.at)
            status = child.wait(wake - now)
            if status is not None:
                return status, None
    finally:
        child.close()


def _stop(pid: int, child: _ChildExit, deadline: Deadline, progress: Progress, dump_fd: int) -> int | None:
    """Stop the test of the child that ran past *deadline*; return the child's wait status once it is killed.

    The child first dumps its stacks, which show where the test hung. Where
    it raises ``Timeout`` on ``SIGALRM``, the test then gets that and a grace
    period to finish (its teardown runs, its report keeps its output and
    the line it waited on); a test that does not finish is killed. Returns
    ``None``, the child left running, when the test finished meanwhile.
    """
    if not progress.still_running(deadline):
        return None
    os.kill(pid, _DUMP_SIGNAL)
    status = _await_dump(child, dump_fd)
    if status is not None:
        return status
    if progress.stops_on_alarm and progress.still_running(deadline):
        progress.request_stop(deadline)
        os.kill(pid, signal.SIGALRM)
        end = time.monotonic_ns() + min(_GRACE_NANOSECONDS, round(deadline.limit.seconds * 1_000_000_000))
        while progress.still_running(deadline):
            remaining = end - time.monotonic_ns()
            if remaining <= 0:
                break
            status = child.wait(min(remaining, _GRACE_POLL_NANOSECONDS))
            if status is not None:
                return status
    if not progress.still_running(deadline):
        # The test finished and reported itself: its stacks are nobody's, and a later crash's dump
        # starts afresh. The child shares the file's offset, so it writes from the start again.
        os.ftruncate(dump_fd, 0)
        os.lseek(dump_fd, 0, os.SEEK_SET)
        return None
    os.kill(pid, signal.SIGKILL)
    return child.wait(None)


def _await_dump(child: _ChildExit, dump_fd: int) -> int | None:
    """Wait until the stacks the child writes to *dump_fd* stop growing; return its status if it ended."""
    size = -1
    for _ in range(_DUMP_POLLS):
        status = child.wait(_DUMP_POLL_NANOSECONDS)
        if status is not None:
            return status
        written = os.fstat(dump_fd).st_size
        if written and written == size:
            return None
        size = written
    return None


def _exit(exit_code: int) -> NoReturn:
    _flush()
    os._exit(exit_code)


def _after_child(
    status: int,
    timed_out: Limit | None,
    progress: Progress,
    journal: IO[bytes],
    dump: IO[bytes],
    earlier: EarlierRun | None,
    received: int | None,
) -> int | EarlierRun:
    """Return the exit code of the run after a child ended, or what the next child needs to continue it.

    *timed_out* is the limit of the test the guard killed the child for, or ``None``.
    """
    if received is not None:
        return _die_of(received)
    if progress.exit_code is not None:
        if os.WIFSIGNALED(status):
            # The run completed; the process died on its way out (an extension's finaliser, say).
            sys.stderr.write(
                f"rustest: the test process {_cause(status)} after the run completed; "
                "every test was reported\n" + trim_dump(_read_text(dump))
            )
            return 128 + os.WTERMSIG(status)
        return os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT:
        return _die_of(signal.SIGINT)
    dumped = _read_text(dump)
    limit = timed_out
    # A test that finishes between the guard's last look and its kill leaves the process killed while
    # no test runs: the warning then says what happened.
    cause = _cause(status) if limit is None else f"was ended by the watchdog of a {limit.seconds:g} s timeout"
    earlier = earlier if earlier is not None else EarlierRun()
    finished = progress.finished
    order = earlier.take(read_journal(journal.fileno(), progress.journal_end), finished)
    if order is None or progress.started == 0:
        when = (
            "before it planned the tests (while importing or collecting them)"
            if order is None
            else "before the first test started"
        )
        text = f"the test process {cause} {when}; no test can be blamed, so the run stops"
        done = len(earlier.finished)
        if done:
            text += f" ({done} test{'' if done == 1 else 's'} had finished in earlier processes)"
        return _internal_error(f"{text}\n{dumped}" if dumped else text)
    if progress.started > finished:
        crashed = order[finished]
        going_on = f"; {_CONTINUING}" if finished + 1 < len(order) else ", the last test; reporting the run"
        if limit is not None:
            earlier.add_crash(Crash(crashed, cause, trim_dump(dumped), limit, timed_out_phase(dumped)))
            _say(f"\nrustest: {crashed}: {timeout_message(limit)}{going_on}\n")
            return earlier
        earlier.add_crash(Crash(crashed, cause, trim_dump(dumped)))
        _say(f"\nrustest: the test process {cause} while running {crashed}{going_on}\n")
        return earlier
    earlier.add_crash(None)
    where = (
        "after its last test"
        if finished == len(order)
        else f"between {order[finished - 1]} and the next test"
    )
    message = f"the test process {cause} {where}, while no test was running; the run went on in a new process"
    earlier.warnings.append(WarningEmitted(message))
    _say(f"\nrustest: {message}\n")
    return earlier
