"""Assertion introspection: plain ``assert`` statements in test modules explain their values when they fail.

The collector imports test modules and conftest files either through
:func:`install_rewrite_hook` or one by one with :func:`import_path_rewritten`;
both rewrite the asserts once per file and cache the result in
``__pycache__``. :func:`compare_explanation` is the diff logic on its own, for
``raises``, ``approx`` and the executor.
"""

from __future__ import annotations

from rustest._assertion._compare import compare_explanation
from rustest._assertion._hook import RewriteHook, import_path_rewritten, install_rewrite_hook
from rustest._assertion._verbosity import get_verbosity, set_verbosity

__all__ = [
    "RewriteHook",
    "compare_explanation",
    "get_verbosity",
    "import_path_rewritten",
    "install_rewrite_hook",
    "set_verbosity",
]
