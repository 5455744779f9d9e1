"""Finding the pytest hooks and plugin lists of conftest modules, and the warnings that report them."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from rustest._compat._hooks import HookScan, scan_conftests
from rustest._compat._plugin_shims import build_trio_mode_module


def conftest(path: Path, **members: object) -> ModuleType:
    module = ModuleType("conftest")
    module.__file__ = str(path)
    vars(module).update(members)
    return module


def hook(config: object = None) -> None:
    """Stand in for a hook function."""


def test_hook_functions_are_found_by_name(tmp_path: Path) -> None:
    scan = scan_conftests([conftest(tmp_path / "conftest.py", pytest_configure=hook)], tmp_path)
    assert scan.hooks == {"pytest_configure": ["conftest.py"]}


def test_non_hook_members_are_ignored(tmp_path: Path) -> None:
    members = {
        "helper": hook,
        "pytest_asyncio": ModuleType("pytest_asyncio"),
        "pytest_Thing": type("T", (), {}),
    }
    assert scan_conftests([conftest(tmp_path / "conftest.py", **members)], tmp_path) == HookScan()


def test_a_hook_in_several_conftests_gives_one_warning_naming_every_file(tmp_path: Path) -> None:
    modules = [
        conftest(tmp_path / "conftest.py", pytest_configure=hook),
        conftest(tmp_path / "sub" / "conftest.py", pytest_configure=hook),
    ]
    (warning,) = scan_conftests(modules, tmp_path).warnings()
    assert warning.startswith(
        "conftest.py hook pytest_configure (in conftest.py, sub/conftest.py) is not supported"
    )


def test_pytest_plugins_entries_are_reported_one_by_one(tmp_path: Path) -> None:
    scan = scan_conftests([conftest(tmp_path / "conftest.py", pytest_plugins="pytester, xdist")], tmp_path)
    assert list(scan.plugins) == ["pytester", "xdist"]
    assert len(scan.warnings()) == 2


def test_trio_mode_hooks_turn_trio_mode_on_instead_of_warning(tmp_path: Path) -> None:
    trio_mode = build_trio_mode_module()
    members = {name: getattr(trio_mode, name) for name in trio_mode.__all__}
    scan = scan_conftests([conftest(tmp_path / "conftest.py", **members)], tmp_path)
    assert scan.trio_mode
    assert scan.warnings() == []
