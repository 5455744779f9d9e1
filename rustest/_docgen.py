"""The command-line reference of the docs, generated from the argument parser so it cannot drift.

``docs/cli.md`` holds the output of ``render_cli_reference()`` between
``BEGIN_MARKER`` and ``END_MARKER``. ``python -m rustest._docgen`` rewrites
that part of the file; ``python -m rustest._docgen --check`` exits 1 when it
is out of date, and the test suite runs that check.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rustest._cli._options import build_parser

__all__ = ["BEGIN_MARKER", "DEFAULT_TARGET", "END_MARKER", "main", "render_cli_reference", "update_reference"]

BEGIN_MARKER = "<!-- BEGIN GENERATED CLI REFERENCE: python -m rustest._docgen -->"
"""The line after which the generated reference starts."""

END_MARKER = "<!-- END GENERATED CLI REFERENCE -->"
"""The line before which the generated reference ends."""

DEFAULT_TARGET = Path("docs") / "cli.md"
"""The file the reference lives in, relative to the repository root."""

_USAGE_WIDTH = 80


def render_cli_reference() -> str:
    """Return the Markdown reference of ``python -m rustest``: usage, arguments by group, exit codes."""
    parser = build_parser()
    # A fixed width keeps the usage block independent of the terminal that generates it.
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=_USAGE_WIDTH)
    parts = ["```text", parser.format_usage().rstrip(), "```", ""]
    if parser.description:
        parts += [parser.description, ""]
    for group in parser._action_groups:
        actions = [action for action in group._group_actions if action.help != argparse.SUPPRESS]
        if not actions:
            continue
        title = group.title or ""
        parts += [f"### {title[:1].upper()}{title[1:]}", "", "| Argument | Meaning |", "| --- | --- |"]
        parts += [f"| {_invocation(action)} | {_escape(_meaning(action))} |" for action in actions]
        parts.append("")
    if parser.epilog:
        parts += [parser.epilog, ""]
    return "\n".join(parts)


def _invocation(action: argparse.Action) -> str:
    """Return how the argument is written, each spelling in code style (``-k EXPR``, ``--lf``)."""
    if not action.option_strings:
        return f"`{action.metavar or action.dest} ...`" if action.nargs == "*" else f"`{action.metavar}`"
    if action.nargs == 0:
        value = ""
    elif action.choices is not None:
        value = " {" + ",".join(str(choice) for choice in action.choices) + "}"
    else:
        value = f" {action.metavar or action.dest.upper()}"
    return ", ".join(f"`{option}{_escape(value)}`" for option in action.option_strings)


def _meaning(action: argparse.Action) -> str:
    text = action.help or ""
    shown_default = action.choices is not None and action.default is not None and "default" not in text
    return f"{text} (default {action.default})" if shown_default else text


def _escape(text: str) -> str:
    """Keep a table cell in one piece: a pipe would end it."""
    return text.replace("|", "\\|")


def update_reference(document: str) -> str:
    """Return *document* with the text between the markers replaced by the current reference.

    Raises ``ValueError`` when the markers are missing or out of order.
    """
    start = document.find(BEGIN_MARKER)
    end = document.find(END_MARKER)
    if start < 0 or end < start:
        raise ValueError(f"the document needs the lines {BEGIN_MARKER!r} and {END_MARKER!r}, in that order")
    head = document[: start + len(BEGIN_MARKER)]
    return f"{head}\n\n{render_cli_reference()}\n{document[end:]}"


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the reference in a file (default ``docs/cli.md``); with ``--check``, tell if it is stale."""
    parser = argparse.ArgumentParser(
        prog="python -m rustest._docgen", description="Regenerate the CLI reference in the docs."
    )
    parser.add_argument("target", nargs="?", type=Path, default=DEFAULT_TARGET, help="the Markdown file")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    options = parser.parse_args(argv)
    target: Path = options.target
    current = target.read_text(encoding="utf-8")
    updated = update_reference(current)
    if options.check:
        if updated != current:
            sys.stderr.write(f"{target} is out of date: run python -m rustest._docgen {target}\n")
            return 1
        return 0
    if updated != current:
        target.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
