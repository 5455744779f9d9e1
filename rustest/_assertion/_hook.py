"""Import test modules and conftest files with their asserts rewritten, by a meta-path finder or by path.

Rewritten code is cached in ``__pycache__`` (see :mod:`rustest._assertion._cache`).
When bytecode writing is off, as ``PYTHONDONTWRITEBYTECODE`` makes it on many
CI machines and containers, every run would rewrite every file again; given a
*cache_dir* (rustest's ``.rustest_cache``), the loaders keep the code in its
``rewritten`` folder instead, once that directory exists. Without one, nothing
is cached then, as before.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import pathlib
import sys
import types
from collections.abc import Callable, Sequence

from rustest._assertion import _rewrite
from rustest._assertion._cache import cache_path, cache_path_in, read_cached_code, write_cached_code

__all__ = ["RewriteHook", "RewritingLoader", "import_path_rewritten", "install_rewrite_hook"]


def _asserts_enabled() -> bool:
    # Under ``python -O`` asserts are stripped; rewriting them would bring them back.
    return not sys.flags.optimize


class RewritingLoader(importlib.machinery.SourceFileLoader):
    """Load a source file with its asserts rewritten, caching the result next to the source.

    With bytecode writing off, the result is cached in *cache_dir* instead, if
    one is given and exists.
    """

    def __init__(self, fullname: str, path: str, *, cache_dir: str | os.PathLike[str] | None = None) -> None:
        """Load module *fullname* from the source file *path*."""
        super().__init__(fullname, path)
        self._cache_dir = cache_dir

    def get_code(self, fullname: str) -> types.CodeType:
        """Return the module's code, rewritten, from the cache when the source has not changed."""
        source_path = self.get_filename(fullname)
        if not _asserts_enabled():
            code = super().get_code(fullname)
            if code is None:
                raise ImportError(
                    f"no code for {fullname!r} in {source_path}", name=fullname, path=source_path
                )
            return code
        source_stat = os.stat(source_path)
        beside = cache_path(source_path)
        elsewhere = self._cache_elsewhere(source_path)
        for cache_file in (beside, elsewhere):
            if cache_file is not None:
                cached = read_cached_code(cache_file, source_path, source_stat)
                if cached is not None:
                    return cached
        code = _rewrite.compile_rewritten(self.get_data(source_path), source_path)
        written = beside if not sys.dont_write_bytecode else elsewhere
        if written is not None:
            write_cached_code(written, code, source_path, source_stat)
        return code

    def _cache_elsewhere(self, source_path: str) -> str | None:
        # Only for want of __pycache__, and never creating the cache directory:
        # it is its owner's to make (rustest's holds a README and a .gitignore).
        if self._cache_dir is None or not sys.dont_write_bytecode or not os.path.isdir(self._cache_dir):
            return None
        return cache_path_in(self._cache_dir, source_path)


def _cached_location(source_path: str) -> str | None:
    if _asserts_enabled():
        return cache_path(source_path)
    try:
        return importlib.util.cache_from_source(source_path)
    except NotImplementedError:
        return None


def _rewriting_spec(
    loader: RewritingLoader, search_locations: Sequence[str] | None
) -> importlib.machinery.ModuleSpec:
    source_path = loader.path
    spec = importlib.machinery.ModuleSpec(
        loader.name, loader, origin=source_path, is_package=search_locations is not None
    )
    if search_locations is not None:
        spec.submodule_search_locations = list(search_locations)
    spec.has_location = True
    spec.cached = _cached_location(source_path)
    return spec


class RewriteHook(importlib.abc.MetaPathFinder):
    """A meta-path finder that loads the source files its predicate selects with asserts rewritten.

    It sits just before the standard path finder and finds modules exactly as
    that finder does; only the loader differs for the files selected.
    """

    def __init__(
        self, should_rewrite: Callable[[str], bool], *, cache_dir: str | os.PathLike[str] | None = None
    ) -> None:
        """Select files by *should_rewrite*; cache in *cache_dir* when bytecode writing is off."""
        self._should_rewrite = should_rewrite
        self._cache_dir = cache_dir

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """Find *fullname* on the path; give it a rewriting loader if it is a selected source file."""
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if (
            spec is None
            or spec.origin is None
            or not isinstance(spec.loader, importlib.machinery.SourceFileLoader)
        ):
            return self._decline(spec)
        source_path = os.path.abspath(spec.origin)
        if not self._should_rewrite(source_path):
            return self._decline(spec)
        loader = RewritingLoader(fullname, source_path, cache_dir=self._cache_dir)
        return _rewriting_spec(loader, spec.submodule_search_locations)

    def _decline(self, spec: importlib.machinery.ModuleSpec | None) -> importlib.machinery.ModuleSpec | None:
        # When the path finder is next anyway, its answer is already at hand:
        # handing it over saves every other import a second path search.
        position = sys.meta_path.index(self)
        if (
            position + 1 < len(sys.meta_path)
            and sys.meta_path[position + 1] is importlib.machinery.PathFinder
        ):
            return spec
        return None

    def install(self) -> None:
        """Put the finder on ``sys.meta_path``, before the standard path finder."""
        if self in sys.meta_path:
            return
        try:
            position = sys.meta_path.index(importlib.machinery.PathFinder)
        except ValueError:
            position = 0
        sys.meta_path.insert(position, self)

    def uninstall(self) -> None:
        """Remove the finder from ``sys.meta_path``; modules already imported stay as they are."""
        while self in sys.meta_path:
            sys.meta_path.remove(self)


def install_rewrite_hook(
    should_rewrite: Callable[[str], bool], *, cache_dir: str | os.PathLike[str] | None = None
) -> RewriteHook:
    """Rewrite the asserts of every module imported from now on whose absolute path *should_rewrite* accepts.

    With bytecode writing off, the rewritten code is cached in *cache_dir*
    (if given and it exists) instead of ``__pycache__``. Call ``.uninstall()``
    on the result to stop.
    """
    hook = RewriteHook(should_rewrite, cache_dir=cache_dir)
    hook.install()
    return hook


def import_path_rewritten(
    path: pathlib.Path, module_name: str, *, cache_dir: str | os.PathLike[str] | None = None
) -> types.ModuleType:
    """Execute the source file at *path* with its asserts rewritten, as module *module_name*.

    The module is registered in ``sys.modules`` under *module_name* (replacing
    any module of that name) and bound on its parent package if that is
    imported; if executing it fails, it is removed again and the error
    propagates, a SyntaxError naming the file and line. A file named
    ``__init__.py`` is loaded as a package. With bytecode writing off, the
    rewritten code is cached in *cache_dir* (if given and it exists).
    """
    source_path = os.path.abspath(path)
    is_package = os.path.basename(source_path) == "__init__.py"
    loader = RewritingLoader(module_name, source_path, cache_dir=cache_dir)
    spec = _rewriting_spec(loader, [os.path.dirname(source_path)] if is_package else None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        loader.exec_module(module)
    except BaseException:
        if sys.modules.get(module_name) is module:
            del sys.modules[module_name]
        raise
    parent_name, _, child_name = module_name.rpartition(".")
    parent = sys.modules.get(parent_name) if parent_name else None
    if parent is not None:
        setattr(parent, child_name, module)
    return module
