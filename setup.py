"""Declares the Cython planning core; everything else lives in pyproject.toml.

A machine without a compiler (or without Cython) still gets a working
install on the pure-Python twin ``rustest/_core_py.py``. The fallback is
loud: it prints a warning, and ``RUSTEST_REQUIRE_EXTENSIONS=1`` turns it into
a failed build (CI sets it).
"""

from __future__ import annotations

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

REQUIRE = os.environ.get("RUSTEST_REQUIRE_EXTENSIONS") == "1"
SKIP = os.environ.get("RUSTEST_NO_EXTENSIONS") == "1"

COMPILER_DIRECTIVES = {"language_level": "3", "embedsignature": True}


class OptionalBuildExt(build_ext):
    """Build the extension when possible; otherwise warn and fall back to pure Python."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            self._fallback(exc)

    def build_extension(self, ext):  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as exc:
            self._fallback(exc)

    def _fallback(self, exc: Exception) -> None:
        if REQUIRE:
            raise
        banner = "*" * 75
        print(
            f"\n{banner}\nWARNING: the rustest Cython core could not be built ({exc!r}).\n"
            "rustest will run on its pure-Python planner, which is slower.\n"
            f"{banner}\n",
            file=sys.stderr,
        )


def extensions() -> list:  # type: ignore[type-arg]
    if SKIP:
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        if REQUIRE:
            raise
        print("WARNING: Cython is not installed; building rustest without its compiled core.", file=sys.stderr)
        return []
    return cythonize(["rustest/_core.pyx"], compiler_directives=COMPILER_DIRECTIVES, quiet=True)


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
