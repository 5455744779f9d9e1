"""``python -m rustest`` and the ``rustest`` script: this process's command line, guarded against crashes."""

import sys

from rustest._cli import main as run_command_line

__all__ = ["main"]


def main() -> int:
    """Run the command line of this process and return its exit code.

    The tests run in a child process, so a test that crashes it costs that
    test only (see ``rustest._cli._guard``); ``--no-crash-guard`` keeps them
    in this process.
    """
    return run_command_line(crash_guard=True)


if __name__ == "__main__":
    sys.exit(main())
