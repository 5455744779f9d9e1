"""Collection: test files in, plain definitions out (stage 1 of the pipeline).

``collect()`` finds test files, imports them and their ``conftest.py``
files, and turns what they hold into the nodes, fixtures and tests of
``rustest._definitions``. It knows nothing about loops or scheduling and
never prints: what cannot be collected is reported in the ``Collection``.
"""

from __future__ import annotations

from collections.abc import Sequence

from rustest._collect._results import Collection, CollectionError
from rustest._collect._session import Session
from rustest._config import Config, UsageError
from rustest._definitions import FixtureDef

__all__ = ["Collection", "CollectionError", "UsageError", "collect"]


def collect(
    args: Sequence[str],
    config: Config,
    *,
    builtin_fixtures: Sequence[FixtureDef] = (),
    codeblocks: bool = True,
) -> Collection:
    """Collect the tests that *args* name, relative to the current directory.

    *args* are files, directories and node ids (``tests/test_a.py::TestX::test_y``,
    ``...::test_y[param-id]``; without ``[...]`` a node id names every
    parametrization). With no *args*: ``config.testpaths`` when run from the
    rootdir, else the current directory. Node ids are relative to
    ``config.rootdir``. *builtin_fixtures* are put first in the fixture list.
    *codeblocks* false (``--no-codeblocks``) leaves Markdown files alone.

    Raises ``UsageError`` for a path that does not exist or a node id that
    names no test. Import errors and malformed tests are not raised: they
    are the ``errors`` of the result.
    """
    return Session(config, builtin_fixtures, codeblocks=codeblocks).collect(args)
