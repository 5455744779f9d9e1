"""``pytest.register_assert_rewrite``: rewrite the asserts of helper modules that tests import.

Test modules and ``conftest.py`` files are rewritten by collection. A suite
registers its other assert-holding helpers by module name (usually in a
``conftest.py``, before importing them); while compatibility is installed,
``AssertRewriting`` rewrites the asserts of every module whose dotted name is
a registered name or lies inside a registered package.
"""

from __future__ import annotations

from pathlib import Path

from rustest._assertion import install_rewrite_hook
from rustest._collect._importer import module_name_for

__all__ = ["AssertRewriting", "register_assert_rewrite"]

_REGISTERED: set[str] = set()


def register_assert_rewrite(*names: str) -> None:
    """Rewrite the asserts of modules *names* (and their submodules) when they are imported from now on."""
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"expected module names as *args, got {names!r}")
    _REGISTERED.update(names)


def _registered(path: str) -> bool:
    if not _REGISTERED:
        return False
    name, _ = module_name_for(Path(path))
    return any(name == base or name.startswith(f"{base}.") for base in _REGISTERED)


class AssertRewriting:
    """The import hook that serves ``register_assert_rewrite`` while compatibility is installed.

    With bytecode writing off, the rewritten helpers are cached in *cache_dir*
    (the run's cache folder), as test modules are.
    """

    def __init__(self, *, cache_dir: Path | None = None) -> None:
        self._hook = install_rewrite_hook(_registered, cache_dir=cache_dir)

    def close(self) -> None:
        """Remove the hook and forget the registered names."""
        self._hook.uninstall()
        _REGISTERED.clear()
