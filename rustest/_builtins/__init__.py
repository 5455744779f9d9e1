"""The built-in fixtures every test can request, with pytest's names and APIs.

``builtin_fixtures()`` returns their definitions; collection puts them
first in the fixture list, visible everywhere and overridable by any user
fixture of the same name. ``request`` is not among them: the planner
resolves that name itself and the executor makes one per requester.

- ``tmp_path`` (function): a fresh ``pathlib.Path`` per test;
  ``tmp_path_factory`` (session): ``TempPathFactory``; ``tmpdir`` and
  ``tmpdir_factory``: the same as ``py.path.local`` objects.
- ``monkeypatch`` (function): ``MonkeyPatch``.
- ``capsys``, ``capsysbinary``, ``capfd``, ``capfdbinary`` (function):
  ``CaptureFixture``.
- ``caplog`` (function): ``LogCaptureFixture``.
- ``mocker`` (function), ``class_mocker``, ``module_mocker``,
  ``package_mocker``, ``session_mocker``: ``MockerFixture``.
- ``cache`` (session): the run's ``rustest._cache.Cache``.
- ``recwarn`` (function): ``WarningsRecorder``.
- ``record_property`` (function): ``record(name, value)`` adds a property
  to the test's report (JUnit XML ``<properties>``, JSON ``properties``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rustest._builtins import (
    _cache_fixture,
    _capture_fixtures,
    _logging,
    _mock,
    _monkeypatch,
    _record,
    _recwarn,
    _tmp,
)
from rustest._builtins._capture_fixtures import CaptureFixture, CaptureResult, Terminal
from rustest._builtins._logging import LogCaptureFixture, LogCaptureHandler
from rustest._builtins._monkeypatch import MonkeyPatch
from rustest._builtins._tmp import TempdirFactory, TempPathFactory
from rustest._definitions import FixtureDef

if TYPE_CHECKING:
    from rustest._builtins._mocker import MockerFixture

__all__ = [
    "CaptureFixture",
    "CaptureResult",
    "LogCaptureFixture",
    "LogCaptureHandler",
    "MockerFixture",
    "MonkeyPatch",
    "TempPathFactory",
    "TempdirFactory",
    "builtin_fixtures",
]


def builtin_fixtures() -> list[FixtureDef]:
    """Return the definitions of every built-in fixture, for one run.

    Call it before the run starts capturing output: the capture fixtures'
    ``disabled()`` writes to the streams that are current at this call.
    """
    terminal = Terminal()
    return [
        *_tmp.fixtures(),
        *_monkeypatch.fixtures(),
        *_capture_fixtures.fixtures(terminal),
        *_logging.fixtures(),
        *_mock.fixtures(),
        *_cache_fixture.fixtures(),
        *_recwarn.fixtures(),
        *_record.fixtures(),
    ]


def __getattr__(name: str) -> object:
    # ``MockerFixture`` imports ``unittest.mock`` (and with it ``asyncio``): only on first use.
    if name == "MockerFixture":
        from rustest._builtins._mocker import MockerFixture

        return MockerFixture
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
