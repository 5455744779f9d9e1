"""The node tree of a collection: session root, directories, modules and classes."""

from __future__ import annotations

from pathlib import Path

from rustest._collect._nodeids import relpath
from rustest._definitions import SESSION_NODE, Node
from rustest._scope import Scope

__all__ = ["Tree"]


class Tree:
    """Nodes and their node-id paths, added as collection meets them.

    Node 0 stands for the rootdir. Every directory below it gets a package
    node, whether or not it holds an ``__init__.py``; a directory outside the
    rootdir hangs from the nearest outside directory above it, or from the
    session root.
    """

    def __init__(self, rootdir: Path) -> None:
        self.rootdir = rootdir
        self.nodes: list[Node] = [Node(Scope.SESSION, -1, rootdir.name)]
        self.paths: list[str] = [""]
        self._directories: dict[Path, int] = {rootdir: SESSION_NODE}

    def add(self, scope: Scope, parent: int, name: str, path: str) -> int:
        """Append a node and return its index."""
        self.nodes.append(Node(scope, parent, name))
        self.paths.append(path)
        return len(self.nodes) - 1

    def directory(self, directory: Path) -> int:
        """Return the node of *directory*, adding it and the directories above it as needed."""
        found = self._directories.get(directory)
        if found is not None:
            return found
        parent = directory.parent
        is_top = parent == directory or self.rootdir.is_relative_to(parent)
        parent_index = SESSION_NODE if is_top else self.directory(parent)
        index = self.add(Scope.PACKAGE, parent_index, directory.name, relpath(directory, self.rootdir))
        self._directories[directory] = index
        return index
