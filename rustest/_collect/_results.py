"""What collection produces: the definitions, plus what could not be collected."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from rustest._definitions import FixtureDef, Node, TestDef

__all__ = ["Collection", "CollectionError"]


@dataclass
class CollectionError:
    """A file or a test that could not be collected.

    ``path`` is the file relative to the rootdir; ``message`` is the
    formatted traceback through user code, or a plain explanation.
    """

    path: str
    message: str


@dataclass
class Collection:
    """The definitions collected from test files, ready for the planner.

    ``nodes[0]`` is the session root (the rootdir); ``node_paths[i]`` is the
    node-id path of ``nodes[i]`` (``""`` for the root, ``"tests/sub"``,
    ``"tests/sub/test_a.py"``, ``"tests/sub/test_a.py::TestX"``). ``tests``
    are in the order pytest runs them. ``skipped_modules`` holds
    ``(path, reason)`` for modules that skipped themselves at import;
    ``warnings`` holds messages about things collection passed over;
    ``conftest_modules`` are the ``conftest.py`` modules loaded, in load order.
    """

    rootdir: Path
    nodes: list[Node]
    fixtures: list[FixtureDef]
    tests: list[TestDef]
    errors: list[CollectionError] = field(default_factory=list)
    node_paths: list[str] = field(default_factory=list)
    skipped_modules: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conftest_modules: list[ModuleType] = field(default_factory=list)
