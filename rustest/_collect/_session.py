"""One collection run: resolve the arguments, walk directories, import files, select by node id."""

from __future__ import annotations

import fnmatch
import glob
import importlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from rustest._collect._build import Builder
from rustest._collect._discover import CONFTEST, Discovery
from rustest._collect._failures import describe_import_failure
from rustest._collect._importer import ImportMismatchError, assertion_rewriting, import_path
from rustest._collect._markdown import MarkdownCollector, is_markdown
from rustest._collect._nodeids import Target, parse_target, relpath, selects
from rustest._collect._results import Collection, CollectionError
from rustest._collect._tree import Tree
from rustest._config import Config, UsageError
from rustest._definitions import FixtureDef, TestDef
from rustest._outcomes import Exit, Skipped

__all__ = ["Session"]

_MODULE_SKIP_MISUSE = (
    "Using skip() outside of a test skips the whole module. If that is your intention, pass "
    "allow_module_level=True. To skip a test or a class, use the mark.skip or mark.skipif decorators."
)


class Session:
    """Collect test files into a ``Collection``; one instance serves one ``collect()`` call."""

    def __init__(
        self, config: Config, builtin_fixtures: Sequence[FixtureDef], *, codeblocks: bool = True
    ) -> None:
        self.config = config
        self.codeblocks = codeblocks
        self.rootdir = config.rootdir
        self.tree = Tree(self.rootdir)
        self.builder = Builder(config, self.tree)
        self.markdown = MarkdownCollector(config, self.builder)
        self.discovery = Discovery(config, self.rootdir)
        self.builtin_fixtures = list(builtin_fixtures)
        self.skipped_modules: list[tuple[str, str]] = []
        self._conftests: dict[Path, bool] = {}
        self._conftest_modules: list[ModuleType] = []
        self._modules: dict[Path, range | None] = {}
        self._walks: dict[Path, list[Path]] = {}
        self._walking: set[Path] = set()
        self._rewrite: set[str] = set()
        self._ignored: set[Path] = set()
        self._ignore_globs: list[str] = []
        self._walk_markdown = False

    def collect(self, args: Sequence[str]) -> Collection:
        """Collect *args* (paths and node ids relative to the current directory)."""
        targets = self._targets(args)
        # Markdown files under a directory are collected only when the directory was asked for.
        self._walk_markdown = self.codeblocks and bool(args)
        importlib.invalidate_caches()  # files written since the last import in this process must be seen
        with assertion_rewriting(self._rewrite.__contains__, cache_dir=self.rootdir / self.config.cache_dir):
            covered = [self._collect_target(target) for target in targets]
        return Collection(
            rootdir=self.rootdir,
            nodes=self.tree.nodes,
            fixtures=[*self.builtin_fixtures, *self.builder.fixtures],
            tests=self._select(targets, covered),
            errors=self.builder.errors,
            node_paths=self.tree.paths,
            skipped_modules=self.skipped_modules,
            warnings=self.builder.warnings,
            conftest_modules=self._conftest_modules,
        )

    # -- arguments -----------------------------------------------------------------------------

    def _targets(self, args: Sequence[str]) -> list[Target]:
        cwd = Path.cwd()
        targets = [parse_target(arg, cwd, self.rootdir) for arg in (args or self._default_args(cwd))]
        for target in targets:
            if not target.path.exists():
                raise UsageError(f"file or directory not found: {target.arg}")
            if target.selector is not None and not target.path.is_file():
                raise UsageError(f"a node id must start with a file: {target.arg}")
            if target.path.is_file() and target.path.suffix != ".py":
                if not is_markdown(target.path):
                    raise UsageError(f"not a Python file: {target.arg}")
                if not self.codeblocks:
                    raise UsageError(f"not a Python file: {target.arg} (--no-codeblocks is on)")
        return targets

    def _default_args(self, cwd: Path) -> list[str]:
        """Return ``testpaths`` (globs) when run from the rootdir, else the current directory."""
        if self.config.testpaths and cwd == self.rootdir:
            found = [
                path
                for pattern in self.config.testpaths
                for path in sorted(glob.glob(str(self.rootdir / pattern), recursive=True))
            ]
            if found:
                return found
        return [str(cwd)]

    def _collect_target(self, target: Target) -> list[Path]:
        """Collect what *target* names and return the test modules it covers, in collection order."""
        path = target.path
        if not self._conftests_down_to(path if path.is_dir() else path.parent):
            return []
        if path.is_dir():
            return self._walk(path)
        if path.name == CONFTEST:
            return []
        return [path] if self._module(path) else []

    def _select(self, targets: Sequence[Target], covered: Sequence[list[Path]]) -> list[TestDef]:
        """Return the tests the targets name, in target order, each test once."""
        tests = self.builder.tests
        emitted: set[int] = set()
        selected: list[TestDef] = []
        for target, modules in zip(targets, covered, strict=True):
            matched = False
            for module in modules:
                for index in self._modules[module] or ():
                    if target.selector is not None and not selects(target.selector, tests[index].id):
                        continue
                    matched = True
                    if index not in emitted:
                        emitted.add(index)
                        selected.append(tests[index])
            if target.selector is not None and not matched and self._collected_cleanly(target.path):
                raise UsageError(f"not found: {target.arg} (no test with node id {target.selector})")
        return selected

    def _collected_cleanly(self, path: Path) -> bool:
        """Tell whether *path* was imported and built without any error (so a missing test is a typo)."""
        label = relpath(path, self.rootdir)
        return self._modules.get(path) is not None and all(
            error.path != label for error in self.builder.errors
        )

    # -- directories ---------------------------------------------------------------------------

    def _conftests_down_to(self, directory: Path) -> bool:
        """Load the conftest.py files from the rootdir down to *directory*; False if one failed."""
        if directory.is_relative_to(self.rootdir):
            depth = len(directory.relative_to(self.rootdir).parts)
            chain = [directory, *directory.parents][: depth + 1]
        else:
            chain = [directory]
        return all(self._conftest(each) for each in reversed(chain))

    def _walk(self, directory: Path) -> list[Path]:
        """Collect the test modules under *directory*: files first, then subdirectories, by name."""
        done = self._walks.get(directory)
        if done is not None:
            return done
        real = directory.resolve()
        if real in self._walking:  # a symlink back up the tree
            return []
        self._walking.add(real)
        modules: list[Path] = []
        if self._conftest(directory) and (listing := self._listing(directory)) is not None:
            files, subdirectories = listing
            modules.extend(path for path in files if not self._ignored_path(path) and self._module(path))
            for subdirectory in subdirectories:
                if not self._ignored_path(subdirectory):
                    modules.extend(self._walk(subdirectory))
        self._walking.discard(real)
        self._walks[directory] = modules
        return modules

    def _listing(self, directory: Path) -> tuple[list[Path], list[Path]] | None:
        try:
            return self.discovery.listing(directory, markdown=self._walk_markdown)
        except OSError as exc:
            label = relpath(directory, self.rootdir)
            self.builder.errors.append(CollectionError(label, f"cannot read directory {label}: {exc}"))
            return None

    def _conftest(self, directory: Path) -> bool:
        """Load ``directory/conftest.py`` once; False if it failed (nothing below it is collected)."""
        loaded = self._conftests.get(directory)
        if loaded is not None:
            return loaded
        path = directory / CONFTEST
        module = self._import(path) if path.is_file() else None
        if module is not None:
            self._conftest_modules.append(module)
            self.builder.add_conftest(module, directory, relpath(path, self.rootdir))
            self._read_ignores(module, directory)
        loaded = module is not None or not path.is_file()
        self._conftests[directory] = loaded
        return loaded

    def _read_ignores(self, conftest: ModuleType, directory: Path) -> None:
        """Honour pytest's ``collect_ignore`` / ``collect_ignore_glob`` lists, relative to *directory*."""
        for entry in getattr(conftest, "collect_ignore", None) or ():
            self._ignored.add(Path(os.path.abspath(directory / entry)))
        for pattern in getattr(conftest, "collect_ignore_glob", None) or ():
            self._ignore_globs.append(str(directory / pattern))

    def _ignored_path(self, path: Path) -> bool:
        return path in self._ignored or any(
            fnmatch.fnmatch(str(path), pattern) for pattern in self._ignore_globs
        )

    # -- files ---------------------------------------------------------------------------------

    def _module(self, path: Path) -> bool:
        """Import and build the test module *path* once; False if it failed or skipped itself."""
        if path not in self._modules:
            markdown = is_markdown(path)
            module = self._import(path, self.markdown.load if markdown else import_path)
            if module is None:
                self._modules[path] = None
            else:
                start = len(self.builder.tests)
                self.builder.add_module(module, path)
                if markdown:
                    self.markdown.add_tests(path, start)
                self._modules[path] = range(start, len(self.builder.tests))
        return self._modules[path] is not None

    def _import(self, path: Path, load: Callable[[Path], ModuleType] = import_path) -> ModuleType | None:
        """Import *path* with *load*, recording a failure as a collection error, a module skip as skipped."""
        label = relpath(path, self.rootdir)
        self._rewrite.add(str(path))
        try:
            return load(path)
        except ImportMismatchError as exc:
            self.builder.errors.append(CollectionError(label, str(exc)))
        except (KeyboardInterrupt, Exit):
            raise
        except Skipped as exc:
            if exc.allow_module_level:
                self.skipped_modules.append((label, exc.msg or ""))
            else:
                self.builder.errors.append(CollectionError(label, _MODULE_SKIP_MISUSE))
        except BaseException as exc:
            self.builder.errors.append(CollectionError(label, describe_import_failure(label, exc)))
        return None
