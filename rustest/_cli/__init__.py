"""The command line: ``python -m rustest`` and the ``rustest`` script."""

from rustest._cli._main import ExitCode, main

__all__ = ["ExitCode", "main"]
