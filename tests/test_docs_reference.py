"""The reference pages cannot drift: the CLI reference, configuration keys, exit codes and the site's nav."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import REPO_ROOT

from rustest._cli._main import ExitCode
from rustest._config import _RUSTEST_KEYS
from rustest._docgen import BEGIN_MARKER, END_MARKER, main, render_cli_reference, update_reference

DOCS = REPO_ROOT / "docs"


def table_column(page: str, header: str) -> list[str]:
    """Return the first cells of the rows of the Markdown table whose header row starts with *header*."""
    text = (DOCS / page).read_text(encoding="utf-8")
    table = re.search(rf"^\| {header} \|.*\n\|[- |]+\n((?:\|.*\n)+)", text, re.MULTILINE)
    assert table is not None, f"docs/{page} has no table headed {header!r}"
    return [row.split("|")[1].strip().strip("`") for row in table.group(1).splitlines()]


def test_the_cli_reference_in_the_docs_is_up_to_date() -> None:
    current = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert update_reference(current) == current, "docs/cli.md is out of date: run python -m rustest._docgen"


def test_the_cli_reference_lists_every_option_of_the_parser() -> None:
    reference = render_cli_reference()
    for option in (
        "-k EXPR",
        "--no-codeblocks",
        "--backend {asyncio,trio}",
        "--junitxml PATH",
        "--cache-clear",
    ):
        assert f"`{option}`" in reference


def test_updating_the_reference_keeps_the_text_around_the_markers() -> None:
    document = f"# Title\n\nbefore\n\n{BEGIN_MARKER}\nstale\n{END_MARKER}\n\nafter\n"
    updated = update_reference(document)
    assert updated.startswith(f"# Title\n\nbefore\n\n{BEGIN_MARKER}\n")
    assert updated.endswith(f"{END_MARKER}\n\nafter\n")
    assert "stale" not in updated


def test_updating_a_document_without_the_markers_is_an_error() -> None:
    with pytest.raises(ValueError, match="needs the lines"):
        update_reference("# No markers here\n")


def test_the_check_mode_fails_on_a_stale_file_and_names_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "cli.md"
    stale.write_text(f"{BEGIN_MARKER}\nold\n{END_MARKER}\n", encoding="utf-8")
    assert main([str(stale), "--check"]) == 1
    assert "python -m rustest._docgen" in capsys.readouterr().err


def test_regenerating_makes_a_stale_file_pass_the_check(tmp_path: Path) -> None:
    stale = tmp_path / "cli.md"
    stale.write_text(f"{BEGIN_MARKER}\nold\n{END_MARKER}\n", encoding="utf-8")
    assert main([str(stale)]) == 0
    assert main([str(stale), "--check"]) == 0


def test_every_configuration_key_is_documented() -> None:
    assert sorted(table_column("configuration.md", "key")) == sorted(_RUSTEST_KEYS)


def test_every_exit_code_is_documented() -> None:
    assert table_column("exit-codes.md", "code") == [str(int(code)) for code in ExitCode]


def test_the_site_navigation_lists_every_page() -> None:
    nav = re.findall(
        r":\s*([\w-]+\.md)\s*$", (REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.MULTILINE
    )
    assert sorted(nav) == sorted(path.name for path in DOCS.glob("*.md"))


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None, reason="needs mkdocs: pip install -e '.[docs]'"
)
def test_the_site_builds_in_strict_mode(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
