"""``capsys``, ``capsysbinary``, ``capfd`` and ``capfdbinary``, alone and inside the runner's capture."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
from test_builtin_project import ProjectRun, run_project

from rustest._builtins import CaptureResult
from rustest._builtins._capture_fixtures import Terminal

INNER = {
    "test_a.py": """
        import os
        import subprocess
        import sys

        def child(code):
            subprocess.run([sys.executable, "-c", code], check=True)

        def test_capsys_reads_stdout_and_stderr(capsys):
            print("out")
            sys.stderr.write("err\\n")
            assert capsys.readouterr() == ("out\\n", "err\\n")

        def test_readouterr_forgets_what_it_returned(capsys):
            print("once")
            capsys.readouterr()
            assert capsys.readouterr() == ("", "")

        def test_capsys_result_has_out_and_err(capsys):
            print("x")
            result = capsys.readouterr()
            assert (result.out, result.err) == ("x\\n", "")

        def test_capsysbinary_returns_bytes(capsysbinary):
            print("text")
            sys.stdout.buffer.write(b"\\xff")
            assert capsysbinary.readouterr().out == b"text\\n\\xff"

        def test_capsys_keeps_newlines_as_written(capsys):
            sys.stdout.write("a\\r\\nb")
            assert capsys.readouterr().out == "a\\r\\nb"

        def test_capsys_streams_are_not_terminals(capsys):
            assert not sys.stdout.isatty()

        def test_capfd_reads_child_process_output(capfd):
            child("print('from child')")
            assert capfd.readouterr().out == "from child\\n"

        def test_capfd_reads_python_and_descriptor_writes_in_order(capfd):
            print("one")
            os.write(1, b"two\\n")
            print("three")
            assert capfd.readouterr().out == "one\\ntwo\\nthree\\n"

        def test_capfd_reads_stderr_of_children(capfd):
            child("import sys; sys.stderr.write('bad')")
            assert capfd.readouterr().err == "bad"

        def test_capfdbinary_returns_bytes(capfdbinary):
            os.write(1, b"\\x00\\xfe")
            assert capfdbinary.readouterr().out == b"\\x00\\xfe"

        def test_capsys_does_not_see_descriptor_writes(capsys):
            os.write(1, b"raw\\n")
            assert capsys.readouterr().out == ""

        async def test_capsys_in_an_async_test(capsys):
            print("from the loop")
            assert capsys.readouterr().out == "from the loop\\n"
    """,
}


@pytest.fixture(scope="module")
def inner_run(tmp_path_factory: pytest.TempPathFactory) -> ProjectRun:
    """One run of a project whose tests check the capture fixtures from inside."""
    return run_project(tmp_path_factory.mktemp("capture"), INNER)


@pytest.mark.parametrize(
    "name",
    [
        "test_capsys_reads_stdout_and_stderr",
        "test_readouterr_forgets_what_it_returned",
        "test_capsys_result_has_out_and_err",
        "test_capsysbinary_returns_bytes",
        "test_capsys_keeps_newlines_as_written",
        "test_capsys_streams_are_not_terminals",
        "test_capfd_reads_child_process_output",
        "test_capfd_reads_python_and_descriptor_writes_in_order",
        "test_capfd_reads_stderr_of_children",
        "test_capfdbinary_returns_bytes",
        "test_capsys_does_not_see_descriptor_writes",
        "test_capsys_in_an_async_test",
    ],
)
def test_capture_fixtures_read_what_the_test_wrote(inner_run: ProjectRun, name: str) -> None:
    assert inner_run.outcome(name) == "passed", inner_run.failure_text(name)


def test_a_dropped_terminal_closes_its_descriptors() -> None:
    terminal = Terminal()
    fds = list(terminal.fds.values())
    del terminal
    gc.collect()
    for fd in fds:
        with pytest.raises(OSError, match="Bad file descriptor"):
            os.fstat(fd)


def test_capture_result_is_a_named_tuple() -> None:
    result = CaptureResult("o", "e")
    assert result == ("o", "e")
    assert (result.out, result.err) == ("o", "e")


INTERPLAY = {
    "test_b.py": """
        import os
        import subprocess
        import sys

        def test_sys(capsys):
            print("before-read")
            capsys.readouterr()
            print("unread-by-capsys")
            sys.stderr.write("unread-err-by-capsys\\n")
            os.write(1, b"descriptor-write\\n")
            with capsys.disabled():
                print("DISABLED-SYS")
            assert False

        def test_fd(capfd):
            print("fd-before-read")
            capfd.readouterr()
            print("unread-by-capfd")
            with capfd.disabled():
                subprocess.run([sys.executable, "-c", "print('DISABLED-CHILD')"], check=True)
            assert False

        def test_after():
            print("after-output")
            assert False
    """,
}


@pytest.fixture(scope="module", params=["fd", "sys", "no"])
def interplay(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, ProjectRun]:
    """The runner's capture mode, and one run under it of failing tests that use capture fixtures."""
    mode: str = request.param
    return mode, run_project(tmp_path_factory.mktemp(f"interplay-{mode}"), INTERPLAY, f"--capture={mode}")


def captured(run: ProjectRun, name: str) -> str:
    """Return what the runner reported as the captured stdout and stderr of test *name*."""
    test = run.test(name)
    return str(test["stdout"]) + str(test["stderr"])


def test_output_read_with_capsys_is_not_reported_again(interplay: tuple[str, ProjectRun]) -> None:
    _mode, run = interplay
    assert "before-read\n" not in captured(run, "test_sys") + run.stdout


def test_output_read_with_capfd_is_not_reported_again(interplay: tuple[str, ProjectRun]) -> None:
    _mode, run = interplay
    assert "fd-before-read\n" not in captured(run, "test_fd") + run.stdout


def test_output_never_read_goes_where_the_runner_sends_output(interplay: tuple[str, ProjectRun]) -> None:
    mode, run = interplay
    where = run.stdout if mode == "no" else captured(run, "test_sys") + captured(run, "test_fd")
    assert "unread-by-capsys\n" in where
    assert "unread-by-capfd\n" in where


def test_stderr_never_read_goes_where_the_runner_sends_output(interplay: tuple[str, ProjectRun]) -> None:
    mode, run = interplay
    if mode == "no":
        assert "unread-err-by-capsys\n" not in captured(run, "test_sys")
    else:
        assert "unread-err-by-capsys\n" in captured(run, "test_sys")


def test_disabled_output_reaches_the_terminal(interplay: tuple[str, ProjectRun]) -> None:
    _mode, run = interplay
    assert "DISABLED-SYS\n" in run.stdout
    assert "DISABLED-SYS" not in captured(run, "test_sys")


def test_disabled_lets_child_process_output_through(interplay: tuple[str, ProjectRun]) -> None:
    _mode, run = interplay
    assert "DISABLED-CHILD\n" in run.stdout
    assert "DISABLED-CHILD" not in captured(run, "test_fd")


def test_streams_are_restored_after_a_failing_test(interplay: tuple[str, ProjectRun]) -> None:
    mode, run = interplay
    where = run.stdout if mode == "no" else captured(run, "test_after")
    assert "after-output\n" in where


def test_capsys_and_capfd_together_is_an_error(tmp_path: Path) -> None:
    run = run_project(
        tmp_path,
        {
            "test_c.py": """
                def test_both(capsys, capfd):
                    pass

                def test_alone_afterwards(capfd):
                    print("x")
                    assert capfd.readouterr().out == "x\\n"
            """
        },
    )
    assert run.outcome("test_both") == "error"
    assert "cannot use capsys and capfd at the same time" in run.failure_text("test_both")
    assert run.outcome("test_alone_afterwards") == "passed", run.failure_text("test_alone_afterwards")
