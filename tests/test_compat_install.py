"""Installing the shims in sys.modules for a run and taking them out again, each in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from cli_helpers import REPO_ROOT

PRELUDE = """
import sys
from pathlib import Path
from rustest._compat import install
from rustest._config import Config

def start():
    return install(Config(rootdir=Path.cwd()))
"""


def run_python(tmp_path: Path, body: str) -> str:
    """Run the prelude and *body* in a new interpreter in *tmp_path*; return its stdout, failing on errors."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    completed = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(body)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_import_pytest_gives_the_shim_and_never_the_real_pytest(tmp_path: Path) -> None:
    output = run_python(
        tmp_path,
        """
        session = start()
        import pytest
        print(pytest.__rustest_shim__, "_pytest.config" in sys.modules)
        """,
    )
    assert output.split() == ["True", "False"]


def test_plugin_modules_are_importable_without_the_plugins(tmp_path: Path) -> None:
    output = run_python(
        tmp_path,
        """
        session = start()
        import pytest_asyncio
        import pytest_trio.enable_trio_mode
        print(pytest_asyncio.__rustest_shim__, pytest_trio.enable_trio_mode.__rustest_shim__)
        """,
    )
    assert output.split() == ["True", "True"]


def test_uninstall_puts_back_an_already_imported_pytest(tmp_path: Path) -> None:
    output = run_python(
        tmp_path,
        """
        import pytest
        real = pytest
        session = start()
        import pytest
        shimmed = pytest is not real
        session.uninstall()
        import pytest
        print(shimmed, pytest is real, sys.modules["_pytest.config"].__name__)
        """,
    )
    assert output.split() == ["True", "True", "_pytest.config"]


def test_uninstall_removes_every_shim_module(tmp_path: Path) -> None:
    output = run_python(
        tmp_path,
        """
        session = start()
        import pytest, _pytest.outcomes, pytest_asyncio
        session.uninstall()
        left = [name for name in sys.modules if name.split(".")[0] in ("pytest", "_pytest", "pytest_asyncio")]
        print(left)
        """,
    )
    assert output.strip() == "[]"


def test_importing_an_unknown_private_module_names_the_missing_feature(tmp_path: Path) -> None:
    output = run_python(
        tmp_path,
        """
        session = start()
        try:
            import _pytest.pytester
        except ImportError as error:
            print(error)
        """,
    )
    assert output.strip().startswith("module _pytest.pytester is not supported by rustest (--pytest-compat)")
