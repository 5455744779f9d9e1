"""Finding the rootdir and reading ``[tool.rustest]`` / ``[tool.pytest.ini_options]``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rustest import _config
from rustest._config import Config, ConfigError, UsageError, find_rootdir, load_config, parse_markers
from rustest._scope import Scope


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory that is also the current directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults_when_no_pyproject_is_found(project: Path) -> None:
    config = load_config([])
    assert config == Config(rootdir=project)


def test_default_values_match_the_documented_ones() -> None:
    config = Config(rootdir=Path("/"))
    assert (config.python_files, config.python_classes, config.python_functions) == (
        ("test_*.py", "*_test.py"),
        ("Test",),
        ("test",),
    )
    assert (config.xfail_strict, config.default_backend, config.backends) == (True, "asyncio", ("asyncio",))
    assert (config.default_loop_scope, config.cache_dir, config.addopts) == (None, ".rustest_cache", ())


def test_rustest_table_values_are_read(project: Path) -> None:
    write(
        project / "pyproject.toml",
        """
        [tool.rustest]
        testpaths = ["tests", "more"]
        python_files = ["check_*.py"]
        python_classes = ["Check"]
        python_functions = ["check_"]
        norecursedirs = ["fixtures_data"]
        exclude = ["tests/slow/"]
        strict_markers = true
        xfail_strict = false
        default_backend = "trio"
        backends = ["asyncio", "trio"]
        default_loop_scope = "module"
        addopts = "-x --tb=short"
        cache_dir = ".cache"
        """,
    )
    config = load_config([])
    assert config == Config(
        rootdir=project,
        config_file=project / "pyproject.toml",
        testpaths=("tests", "more"),
        python_files=("check_*.py",),
        python_classes=("Check",),
        python_functions=("check_",),
        norecursedirs=("fixtures_data",),
        exclude=("tests/slow/",),
        strict_markers=True,
        xfail_strict=False,
        default_backend="trio",
        backends=("asyncio", "trio"),
        default_loop_scope=Scope.MODULE,
        addopts=("-x", "--tb=short"),
        cache_dir=".cache",
    )


def test_markers_may_be_a_table(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.rustest.markers]\nslow = "takes long"\n')
    assert load_config([]).markers == {"slow": "takes long"}


def test_markers_may_be_pytest_style_lines(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.rustest]\nmarkers = ["slow: takes long", "db(x): needs a db"]\n')
    assert load_config([]).markers == {"slow": "takes long", "db": "needs a db"}


def test_parse_markers_keeps_names_without_description() -> None:
    assert parse_markers(["smoke", "", "  web : uses it"]) == {"smoke": "", "web": "uses it"}


def test_unknown_key_names_the_key_and_the_known_ones(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.rustest]\ntestpath = ['tests']\n")
    expected = r"unknown key 'testpath' in \[tool.rustest\]; known keys: .*testpaths"
    with pytest.raises(ConfigError, match=expected):
        load_config([])


def test_wrong_value_type_is_a_config_error(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.rustest]\nstrict_markers = 'maybe'\n")
    with pytest.raises(ConfigError, match="strict_markers must be true or false, got 'maybe'"):
        load_config([])


def test_unknown_loop_scope_is_a_config_error(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.rustest]\ndefault_loop_scope = 'forever'\n")
    with pytest.raises(ConfigError, match="default_loop_scope: unknown scope 'forever'"):
        load_config([])


def test_empty_backends_is_a_config_error(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.rustest]\nbackends = []\n")
    with pytest.raises(ConfigError, match="backends must name at least one backend"):
        load_config([])


def test_invalid_toml_is_a_config_error_naming_the_file(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.rustest\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: invalid TOML"):
        load_config([])


def test_config_errors_are_usage_errors() -> None:
    assert issubclass(ConfigError, UsageError)


def test_pytest_table_is_honoured_without_a_rustest_table(project: Path) -> None:
    write(
        project / "pyproject.toml",
        """
        [tool.pytest.ini_options]
        testpaths = "tests  more"
        python_files = "check_*.py"
        markers = ["slow: takes long"]
        xfail_strict = "false"
        addopts = "-ra -q"
        asyncio_mode = "auto"
        filterwarnings = ["error"]
        """,
    )
    config = load_config([])
    assert (config.testpaths, config.python_files, config.markers) == (
        ("tests", "more"),
        ("check_*.py",),
        {"slow": "takes long"},
    )
    assert config.xfail_strict is False


def test_pytest_addopts_are_not_read_because_they_name_pytest_flags(project: Path) -> None:
    write(
        project / "pyproject.toml",
        """
        [tool.pytest.ini_options]
        addopts = "--cov=pkg -p no:cacheprovider"
        """,
    )
    assert load_config([]).addopts == ()


def test_pytest_table_is_ignored_when_a_rustest_table_exists(project: Path) -> None:
    write(
        project / "pyproject.toml",
        """
        [tool.pytest.ini_options]
        testpaths = ["from_pytest"]
        [tool.rustest]
        python_functions = ["check"]
        """,
    )
    config = load_config([])
    assert (config.testpaths, config.python_functions) == ((), ("check",))


def test_rootdir_is_the_nearest_configured_pyproject_above_the_arguments(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.rustest]\n")
    write(project / "pkg" / "pyproject.toml", "[project]\nname = 'pkg'\n")
    (project / "pkg" / "tests").mkdir()
    assert find_rootdir(["pkg/tests"]) == (project, project / "pyproject.toml")


def test_rootdir_falls_back_to_the_nearest_pyproject_without_reading_it(project: Path) -> None:
    write(project / "pkg" / "pyproject.toml", "[project]\nname = 'pkg'\n")
    (project / "pkg" / "tests").mkdir()
    assert find_rootdir(["pkg/tests"]) == (project / "pkg", None)


def test_rootdir_is_the_common_ancestor_of_the_arguments_without_pyproject(project: Path) -> None:
    write(project / "a" / "x" / "test_1.py", "")
    (project / "a" / "y").mkdir()
    assert find_rootdir(["a/x/test_1.py::test_it", "a/y"]) == (project / "a", None)


def test_rootdir_of_an_explicit_file_is_its_directory(project: Path) -> None:
    config_file = write(project / "conf" / "pyproject.toml", "[tool.rustest]\ntestpaths = ['t']\n")
    config = load_config([], explicit_file="conf/pyproject.toml")
    assert (config.rootdir, config.config_file, config.testpaths) == (project / "conf", config_file, ("t",))


def test_missing_explicit_file_is_a_config_error(project: Path) -> None:
    with pytest.raises(ConfigError, match=r"configuration file not found: nope\.toml"):
        load_config([], explicit_file="nope.toml")


def test_without_a_toml_parser_a_rustest_table_is_an_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_config, "_toml_module", lambda: None)
    write(project / "pyproject.toml", "[tool.rustest]\ntestpaths = ['tests']\n")
    with pytest.raises(ConfigError, match=r"install 'tomli' or use Python 3\.11\+"):
        load_config([])


def test_without_a_toml_parser_a_pytest_table_only_sets_the_rootdir(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_config, "_toml_module", lambda: None)
    write(project / "pyproject.toml", "[tool.pytest.ini_options]\ntestpaths = ['tests']\n")
    (project / "tests").mkdir()
    config = load_config(["tests"])
    assert (config.rootdir, config.testpaths) == (project, ())
