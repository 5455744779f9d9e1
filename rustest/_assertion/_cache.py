"""Keep rewritten module code in ``__pycache__`` so each test file is rewritten once, not on every run.

The cache file sits next to the one Python would write, under a tag of its own
(``test_x.cpython-311-rustest-0.1.0.pyc``), so plain imports and rewritten
imports of the same file never read each other's code. An entry is valid for
one source path, modification time and size. Writes are atomic (write, then
rename), so concurrent runs only ever see whole files; a directory that cannot
be written just means no cache.
"""

from __future__ import annotations

import contextlib
import importlib.util
import marshal
import os
import struct
import sys
import threading
import types

from rustest._version import __version__

__all__ = ["cache_path", "read_cached_code", "write_cached_code"]

_FORMAT_MARK = b"rtar"


def cache_path(source_path: str) -> str | None:
    """Return where the rewritten code of *source_path* is cached, or None if this Python caches nothing."""
    try:
        plain = importlib.util.cache_from_source(source_path, optimization="")
    except NotImplementedError:
        return None
    return plain.removesuffix(".pyc") + f"-rustest-{__version__}.pyc"


def _header(source_path: str, source_stat: os.stat_result) -> bytes:
    encoded_path = os.fsencode(source_path)
    return (
        importlib.util.MAGIC_NUMBER
        + _FORMAT_MARK
        + struct.pack("<QQI", source_stat.st_mtime_ns, source_stat.st_size, len(encoded_path))
        + encoded_path
    )


def read_cached_code(cache_file: str, source_path: str, source_stat: os.stat_result) -> types.CodeType | None:
    """Return the cached code for the source as it is now, or None if there is none or it is stale."""
    try:
        with open(cache_file, "rb") as stream:
            data = stream.read()
    except OSError:
        return None
    header = _header(source_path, source_stat)
    if not data.startswith(header):
        return None
    try:
        code = marshal.loads(data[len(header) :])
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, types.CodeType) else None


def write_cached_code(
    cache_file: str, code: types.CodeType, source_path: str, source_stat: os.stat_result
) -> bool:
    """Cache *code* for the source as described by *source_stat*; return whether it was written.

    Nothing is written when ``sys.dont_write_bytecode`` is set or the directory
    cannot be created or written.
    """
    if sys.dont_write_bytecode:
        return False
    data = _header(source_path, source_stat) + marshal.dumps(code)
    partial = f"{cache_file}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        os.makedirs(os.path.dirname(cache_file), exist_ok=True)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(partial, cache_file)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        return False
    return True
