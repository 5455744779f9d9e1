"""Gitignore-style path patterns for the ``exclude`` setting.

Patterns are matched against paths relative to the rootdir, with forward
slashes, as the directory walk meets them (an excluded directory is not
entered, so nothing below it is collected). Supported: ``*``, ``?``,
``[...]``, ``**`` across directories, a trailing ``/`` for directories only,
a pattern containing ``/`` anchored at the rootdir (a leading ``/`` only
anchors), ``!`` to re-include, ``#`` comments. The last matching pattern
wins, as in ``.gitignore``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["PathPatterns"]


@dataclass(frozen=True, slots=True)
class _Rule:
    regex: re.Pattern[str]
    directories_only: bool
    negated: bool


def _translate(glob: str) -> str:
    """Translate the body of one gitignore pattern into a regular expression."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[" and (end := glob.find("]", i + 2)) != -1:
            body = glob[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def _compile(pattern: str) -> _Rule | None:
    text = pattern.strip()
    if not text or text.startswith("#"):
        return None
    negated = text.startswith("!")
    if negated:
        text = text[1:]
    directories_only = text.endswith("/")
    text = text.rstrip("/")
    anchored = "/" in text
    text = text.lstrip("/")
    prefix = "" if anchored else "(?:.*/)?"
    return _Rule(re.compile(prefix + _translate(text) + r"\Z"), directories_only, negated)


class PathPatterns:
    """A compiled list of gitignore-style patterns."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self._rules = [rule for rule in map(_compile, patterns) if rule is not None]

    def __bool__(self) -> bool:
        return bool(self._rules)

    def excludes(self, relative_path: str, *, is_dir: bool) -> bool:
        """Tell whether *relative_path* (forward slashes, relative to the rootdir) is excluded."""
        excluded = False
        for rule in self._rules:
            if rule.directories_only and not is_dir:
                continue
            if rule.regex.match(relative_path):
                excluded = not rule.negated
        return excluded
