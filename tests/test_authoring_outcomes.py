"""Behaviour of the outcome signals: skip, fail, xfail, exit and importorskip."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

from rustest._outcomes import (
    Exit,
    Failed,
    Skipped,
    XFailed,
    exit,
    fail,
    importorskip,
    skip,
    skip_decorator,
    xfail,
)
from rustest._spec import Mark


def test_skip_raises_skipped_with_its_reason() -> None:
    with pytest.raises(Skipped) as info:
        skip("no network")
    assert info.value.msg == "no network"
    assert str(info.value) == "no network"


def test_skip_records_whether_a_module_level_skip_is_allowed() -> None:
    with pytest.raises(Skipped) as info:
        skip("whole module", allow_module_level=True)
    assert info.value.allow_module_level is True


def test_outcome_signals_are_not_swallowed_by_except_exception() -> None:
    def code_under_test() -> None:
        try:
            fail("boom")
        except Exception:  # the broad handler user code often has
            pytest.fail("a Failed signal must not be an Exception")

    with pytest.raises(Failed):
        code_under_test()


def test_fail_raises_failed_carrying_the_pytrace_flag() -> None:
    with pytest.raises(Failed) as info:
        fail("wrong answer", pytrace=False)
    assert info.value.msg == "wrong answer"
    assert info.value.pytrace is False


def test_xfail_raises_xfailed_which_is_a_kind_of_failed() -> None:
    with pytest.raises(XFailed) as info:
        xfail("known bug")
    assert isinstance(info.value, Failed)
    assert info.value.msg == "known bug"


def test_exit_raises_exit_with_the_return_code() -> None:
    with pytest.raises(Exit) as info:
        exit("stop now", returncode=3)
    assert info.value.msg == "stop now"
    assert info.value.returncode == 3


@pytest.mark.parametrize(
    ("signal", "kind"), [(skip, Skipped), (fail, Failed), (xfail, XFailed), (exit, Exit)]
)
def test_each_raising_function_exposes_its_exception_class(signal: Any, kind: type) -> None:
    assert signal.Exception is kind


def test_a_non_string_reason_is_rejected_with_a_hint_about_marks() -> None:
    with pytest.raises(TypeError, match="did you mean to use a mark"):
        Skipped(Mark("skip"))  # type: ignore[arg-type]


def test_skip_decorator_is_the_skip_mark_with_its_reason() -> None:
    assert skip_decorator("later").mark == Mark("skip", (), {"reason": "later"})


def test_importorskip_returns_the_imported_module() -> None:
    assert importorskip("json") is sys.modules["json"]


def test_importorskip_skips_when_the_module_is_missing() -> None:
    with pytest.raises(Skipped, match="could not import 'rustest_no_such_module'") as info:
        importorskip("rustest_no_such_module")
    assert info.value.allow_module_level is True


def test_importorskip_uses_the_given_reason() -> None:
    with pytest.raises(Skipped, match=r"^needs the extra$"):
        importorskip("rustest_no_such_module", reason="needs the extra")


@pytest.fixture
def broken_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Return the name of an installed module whose import raises ImportError (a missing library)."""
    (tmp_path / "rustest_broken_mod.py").write_text("raise ImportError('missing libfoo.so')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return "rustest_broken_mod"


def test_importorskip_lets_a_module_that_breaks_on_import_error_out(broken_module: str) -> None:
    with pytest.raises(ImportError, match="libfoo"):
        importorskip(broken_module)


def test_importorskip_skips_a_broken_module_when_asked_to(broken_module: str) -> None:
    with pytest.raises(Skipped, match="libfoo"):
        importorskip(broken_module, exc_type=ImportError)


def _install_module(monkeypatch: pytest.MonkeyPatch, version: str) -> str:
    module = types.ModuleType("rustest_versioned_mod")
    module.__version__ = version  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module.__name__


@pytest.mark.parametrize(
    ("installed", "required"),
    [
        ("1.2", "1.10"),
        ("2.0rc1", "2.0"),
        ("2.0.dev3", "2.0a1"),
        ("2.0a2", "2.0b1"),
        ("2.0", "2.0.post1"),
        ("1!0.1", "2!0.0"),
    ],
)
def test_importorskip_skips_a_module_older_than_minversion(
    monkeypatch: pytest.MonkeyPatch, installed: str, required: str
) -> None:
    name = _install_module(monkeypatch, installed)
    with pytest.raises(Skipped, match=f"has __version__ '{installed}', required is: '{required}'"):
        importorskip(name, minversion=required)


@pytest.mark.parametrize(
    ("installed", "required"),
    [("1.10", "1.2"), ("2.0", "2.0rc1"), ("2.0.0", "2"), ("2.0.post1", "2.0"), ("v3.1+local.7", "3.1")],
)
def test_importorskip_accepts_a_module_at_least_minversion(
    monkeypatch: pytest.MonkeyPatch, installed: str, required: str
) -> None:
    name = _install_module(monkeypatch, installed)
    assert importorskip(name, minversion=required) is sys.modules[name]


def test_importorskip_skips_a_module_whose_version_cannot_be_read(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _install_module(monkeypatch, "not a version")
    with pytest.raises(Skipped, match="has __version__ 'not a version'"):
        importorskip(name, minversion="1.0")


def test_importorskip_rejects_an_invalid_minversion(monkeypatch: pytest.MonkeyPatch) -> None:
    name = _install_module(monkeypatch, "1.0")
    with pytest.raises(ValueError, match="minversion 'one' is not a valid version"):
        importorskip(name, minversion="one")


def test_importorskip_rejects_a_malformed_module_name() -> None:
    with pytest.raises(SyntaxError):
        importorskip("not a name")
