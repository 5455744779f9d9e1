"""Reporters: listeners that turn a run's events into terminal output, JUnit XML or JSON.

Each reporter is a ``Listener``: call it with every event of the run, in
order. The terminal reporter prints as events arrive; the file reporters
write their file when the session finishes.
"""

from __future__ import annotations

from rustest._reporting._color import should_use_color
from rustest._reporting._json import JsonReporter
from rustest._reporting._junit import JUnitXmlReporter
from rustest._reporting._summary import format_summary_line
from rustest._reporting._terminal import TerminalReporter

__all__ = [
    "JUnitXmlReporter",
    "JsonReporter",
    "TerminalReporter",
    "format_summary_line",
    "should_use_color",
]
