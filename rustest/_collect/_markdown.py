"""Python code blocks of Markdown files as tests.

A Markdown file is read as one test module whose source is its fenced
``python`` blocks (info string ``python``, ``py`` or ``python3``), in
document order, all sharing one namespace: a later block uses what an earlier
one defined. Each block is one of two kinds, decided from its syntax alone:

- A **definitions block** holds only imports, ``def`` / ``async def``,
  ``class``, assignments and docstrings. It runs at collection, as the top
  level of a ``.py`` test module runs at import, and what it defines is
  collected exactly as a module's members are: fixtures, test functions and
  test classes, with their marks, parametrization, scopes and automatic loop
  scopes. So a page that defines ``@fixture(scope="session") async def db()``
  and ``async def test_query(db)`` runs ``docs/page.md::test_query`` on the
  session loop through the planner, like any other test. An exception while
  such a block runs is a collection error of the file, shown at its line.
- Any other block (one with a call, an ``assert``, a loop, a ``with``, a
  top-level ``await``, ...) is an **example block**: it becomes one test,
  ``docs/page.md::LINE`` where ``LINE`` is the line of its opening fence, and
  its code runs at test time in the file's namespace. A block with a
  top-level ``await`` is an async test on a loop of its own.

A file's tests run in document order. Its namespace is that of a module:
defining a name again replaces it for everything that runs afterwards, and
since definitions blocks all run at collection, a definitions block cannot
use at definition time (in a decorator argument, a base class, a default
value) a name that only an example block defines. Asserts are rewritten to
explain failures, and tracebacks point at lines of the Markdown file.

``<!--rustest: skip-->`` on the last non-blank line before a fence leaves
that block out: it is neither run nor collected. Any other ``rustest:``
directive is an error, so a misspelt one never runs the block silently.

Markdown files are collected when named as arguments or found under a
directory named as an argument; the default ``testpaths`` discovery (no
arguments) never collects them, and ``--no-codeblocks`` turns them off.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from rustest._assertion._rewrite import rewrite_module
from rustest._collect._build import Builder
from rustest._collect._marks import MarkError, interpret, place
from rustest._collect._nodeids import relpath
from rustest._collect._results import CollectionError
from rustest._config import Config
from rustest._definitions import TestDef
from rustest._spec import get_marks

__all__ = [
    "MARKDOWN_SUFFIX",
    "PYTHON_LANGUAGES",
    "SKIP_DIRECTIVE",
    "CodeBlock",
    "MarkdownCollector",
    "MarkdownError",
    "is_markdown",
    "python_blocks",
]

MARKDOWN_SUFFIX = ".md"
"""The suffix of the files whose code blocks are collected."""

PYTHON_LANGUAGES = frozenset({"python", "py", "python3"})
"""The first words of a fence's info string that make it a Python block."""

SKIP_DIRECTIVE = "<!--rustest: skip-->"
"""The comment that leaves the next code block out of the run."""

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\s*<!--\s*rustest\s*:\s*(?P<words>.*?)\s*-->\s*$")
_DEFINITIONS = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
    ast.Pass,
)


class MarkdownError(ValueError):
    """A Markdown file holds a ``rustest:`` directive that means nothing."""


def is_markdown(path: Path) -> bool:
    """Tell whether *path* names a Markdown file whose code blocks may be collected."""
    return path.suffix == MARKDOWN_SUFFIX


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A fenced Python block: the 1-based line of its opening fence, its code, and whether it is opted out."""

    line: int
    code: str
    skip: bool


def python_blocks(text: str) -> list[CodeBlock]:
    """Return the fenced Python code blocks of the Markdown *text*, in document order.

    Fences follow CommonMark: three or more backticks or tildes, closed by at
    least as many of the same character; an unclosed fence runs to the end.
    A block shown inside a longer fence (a Markdown sample in a four-backtick
    fence) is text, not a block. The indentation of an indented fence (in a list item)
    is removed from its lines. Raises ``MarkdownError`` for an unknown
    ``rustest:`` directive.
    """
    lines = text.splitlines()
    blocks: list[CodeBlock] = []
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        info = match["info"].strip() if match else ""
        if match is None or (match["fence"].startswith("`") and "`" in info):
            index += 1
            continue
        end = _closing_line(lines, index + 1, match["fence"])
        language = info.split(maxsplit=1)[0].lower() if info else ""
        if language in PYTHON_LANGUAGES:
            indent = len(match["indent"])
            code = "".join(_dedent(line, indent) + "\n" for line in lines[index + 1 : end])
            blocks.append(CodeBlock(index + 1, code, _opted_out(lines, index)))
        index = end + 1
    return blocks


def _closing_line(lines: list[str], start: int, fence: str) -> int:
    """Return the index of the line closing *fence*, or ``len(lines)`` when it is never closed."""
    closing = re.compile(rf"^ *{re.escape(fence[0])}{{{len(fence)},}} *$")
    for index in range(start, len(lines)):
        if closing.match(lines[index]):
            return index
    return len(lines)


def _dedent(line: str, indent: int) -> str:
    """Remove up to *indent* leading spaces, as CommonMark does inside an indented fence."""
    stripped = line.lstrip(" ")
    return line[min(indent, len(line) - len(stripped)) :]


def _opted_out(lines: list[str], fence_index: int) -> bool:
    """Read the directive on the last non-blank line before the fence at *fence_index*."""
    for index in range(fence_index - 1, -1, -1):
        if not lines[index].strip():
            continue
        directive = _DIRECTIVE.match(lines[index])
        if directive is None:
            return False
        if directive["words"] == "skip":
            return True
        raise MarkdownError(
            f"line {index + 1}: unknown directive {lines[index].strip()!r}; "
            f"the one rustest knows is {SKIP_DIRECTIVE!r}"
        )
    return False


@dataclass(frozen=True, slots=True)
class _Example:
    """An example block, compiled: it runs as a test of its own."""

    line: int
    code: CodeType
    is_async: bool


def _compile(block: CodeBlock, filename: str) -> tuple[CodeType, bool]:
    """Compile *block* with its asserts rewritten; return the code and whether it is a definitions block.

    The code keeps the line numbers of the Markdown file, so syntax errors and
    tracebacks name the lines a reader sees.
    """
    tree = ast.parse("\n" * block.line + block.code, filename=filename)
    definitions = all(isinstance(each, _DEFINITIONS) or _is_docstring(each) for each in tree.body)
    rewrite_module(tree)
    code = compile(tree, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    # A top-level await makes the block a coroutine: it must run on a loop, at test time.
    is_async = bool(code.co_flags & inspect.CO_COROUTINE)
    return code, definitions and not is_async


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _runner(code: CodeType, namespace: dict[str, Any]) -> Callable[[], Any]:
    """Return the test function of an example block: run *code* in the file's *namespace*."""
    if code.co_flags & inspect.CO_COROUTINE:

        async def run_async_example() -> None:
            coroutine: Coroutine[Any, Any, None] = eval(code, namespace)
            await coroutine

        return run_async_example

    def run_example() -> None:
        exec(code, namespace)

    return run_example


@dataclass
class _Loaded:
    """A Markdown module between ``load`` and ``add_tests``."""

    module: ModuleType
    examples: list[_Example]


class MarkdownCollector:
    """Turn Markdown files into a module node's fixtures and tests, through a collection's ``Builder``.

    ``load`` runs a file's definitions blocks and returns its module, which
    the caller hands to ``Builder.add_module`` as it does an imported ``.py``
    file; ``add_tests`` then adds the example blocks as tests and puts the
    file's tests in document order.
    """

    def __init__(self, config: Config, builder: Builder) -> None:
        self.config = config
        self.builder = builder
        self._loaded: dict[Path, _Loaded] = {}

    def load(self, path: Path) -> ModuleType:
        """Read *path*, run its definitions blocks in a new module, and return the module.

        Every block is compiled before any runs, so a syntax error anywhere
        stops the file before its code does anything. Raises what reading,
        compiling or running a definitions block raises, and
        ``MarkdownError`` for an unknown directive.
        """
        filename = str(path)
        blocks = python_blocks(path.read_text(encoding="utf-8"))
        compiled = [(block, *_compile(block, filename)) for block in blocks if not block.skip]
        module = self._new_module(path)
        examples: list[_Example] = []
        for block, code, definitions in compiled:
            if definitions:
                exec(code, module.__dict__)
            else:
                examples.append(_Example(block.line, code, bool(code.co_flags & inspect.CO_COROUTINE)))
        self._loaded[path] = _Loaded(module, examples)
        return module

    def _new_module(self, path: Path) -> ModuleType:
        """Make the module a file's blocks share, importable helpers beside it as for a ``.py`` test file."""
        label = relpath(path, self.config.rootdir)
        # A name no import statement can spell: it never shadows a real module.
        module = ModuleType(label, f"Python code blocks of {label}.")
        module.__file__ = str(path)
        sys.modules[label] = module
        if str(path.parent) not in sys.path:
            sys.path.insert(0, str(path.parent))
        return module

    def add_tests(self, path: Path, first_test: int) -> None:
        """Add the example blocks of the loaded file *path* as tests, after ``Builder.add_module``.

        *first_test* is the index in ``builder.tests`` of the file's first
        test; the file's tests, from there on, are put in document order.
        """
        loaded = self._loaded.pop(path)
        tree = self.builder.tree
        label = relpath(path, tree.rootdir)
        node = len(tree.paths) - 1 - tree.paths[::-1].index(label)
        module_marks = place(get_marks(loaded.module), "module")
        namespace = loaded.module.__dict__
        for example in loaded.examples:
            try:
                traits = interpret(
                    module_marks, is_async=example.is_async, config=self.config, namespace=namespace
                )
            except MarkError as exc:
                self.builder.errors.append(CollectionError(label, f"{label}::{example.line}: {exc}"))
                continue
            for backend in traits.backends:
                suffix = f"[{backend}]" if traits.backend_suffix else ""
                self.builder.tests.append(
                    TestDef(
                        id=f"{label}::{example.line}{suffix}",
                        func=_runner(example.code, namespace),
                        node=node,
                        usefixtures=traits.usefixtures,
                        is_async=example.is_async,
                        backend=backend,
                        loop_scope=traits.loop_scope,
                        loop_scope_source=traits.loop_scope_source,
                        skip=traits.skip,
                        xfail=traits.xfail,
                        marks=tuple(placed.mark for placed in module_marks),
                        location=f"{label}:{example.line}",
                    )
                )
        tests = self.builder.tests
        tests[first_test:] = sorted(tests[first_test:], key=lambda test: _line_in(test, label))


def _line_in(test: TestDef, label: str) -> int:
    """Return the line of *test* in the file *label*; 0 for a test defined elsewhere and imported."""
    where, _, line = test.location.rpartition(":")
    return int(line) if where == label and line.isdigit() else 0
