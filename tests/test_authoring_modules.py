"""The authoring modules import on their own, export what ``__all__`` says, and document it."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

AUTHORING_MODULES = [
    "rustest._outcomes",
    "rustest._marks",
    "rustest._fixture_api",
    "rustest._parametrize",
    "rustest._raises",
    "rustest._approx",
    "rustest._warns",
]


@pytest.mark.parametrize("module_name", AUTHORING_MODULES)
def test_each_authoring_module_imports_on_its_own(module_name: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", f"import {module_name}"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize("module_name", AUTHORING_MODULES)
def test_every_name_in_all_exists_and_has_a_sentence_docstring(module_name: str) -> None:
    module = __import__(module_name, fromlist=["__all__"])
    for name in module.__all__:
        value = getattr(module, name)
        doc = (
            inspect.getdoc(value)
            if callable(value) or inspect.isclass(value)
            else inspect.getdoc(type(value))
        )
        assert doc, f"{module_name}.{name} has no docstring"
        assert doc.splitlines()[0].rstrip().endswith("."), f"{module_name}.{name}: {doc.splitlines()[0]!r}"


@pytest.mark.parametrize("module_name", AUTHORING_MODULES)
def test_all_lists_every_public_name_defined_in_the_module(module_name: str) -> None:
    module = __import__(module_name, fromlist=["__all__"])
    defined_here = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and getattr(value, "__module__", module_name) == module_name
        and (inspect.isfunction(value) or inspect.isclass(value))
    }
    assert defined_here <= set(module.__all__)
