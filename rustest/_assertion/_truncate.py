"""Shorten long explanations so one failed assert does not flood the report."""

from __future__ import annotations

__all__ = ["MAX_CHARS", "MAX_LINES", "truncate_explanation"]

#: Lines and characters kept when the verbosity asks for short output.
MAX_LINES = 8
MAX_CHARS = 640

# Truncating must save more than the note it adds; within this slack the full
# text is shown instead.
_SLACK_LINES = 2
_SLACK_CHARS = 70


def truncate_explanation(
    lines: list[str], max_lines: int = MAX_LINES, max_chars: int = MAX_CHARS
) -> list[str]:
    """Return *lines* cut to *max_lines* lines and *max_chars* characters, with a note on what was hidden."""
    total_chars = sum(len(line) for line in lines)
    if len(lines) <= max_lines + _SLACK_LINES and total_chars <= max_chars + _SLACK_CHARS:
        return lines
    kept: list[str] = []
    used_chars = 0
    hidden = len(lines)
    for line in lines[:max_lines]:
        room = max_chars - used_chars
        if len(line) > room:
            # A line cut short still counts as hidden: part of it is missing.
            kept.append(line[:room] + "...")
            break
        kept.append(line)
        used_chars += len(line)
        hidden -= 1
    plural = "" if hidden == 1 else "s"
    return [*kept, "", f"...Full output truncated ({hidden} line{plural} hidden), use '-vv' to show"]
