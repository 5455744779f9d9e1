"""Chooses the planning core: the compiled ``_core`` unless it is missing or disabled.

This is the one place that decides. ``RUSTEST_NO_EXTENSIONS=1`` forces the
pure-Python twin; so does a missing extension (an install without a
compiler). ``IMPLEMENTATION`` says which one is active.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

__all__ = ["IMPLEMENTATION", "plan"]

if TYPE_CHECKING or os.environ.get("RUSTEST_NO_EXTENSIONS") == "1":
    from rustest._core_py import IMPLEMENTATION, plan
else:
    try:
        from rustest._core import IMPLEMENTATION, plan
    except ImportError:
        from rustest._core_py import IMPLEMENTATION, plan
