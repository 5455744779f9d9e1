"""Keep rewritten module code between runs, so each test file is rewritten once, not on every run.

The cache file sits next to the one Python would write, under a tag of its own
(``__pycache__/test_x.cpython-311-rustest-0.1.0.pyc``), so plain imports and
rewritten imports of the same file never read each other's code. When
bytecode writing is off (``PYTHONDONTWRITEBYTECODE``, common on CI machines
and in containers), the caller may name a cache directory instead, such as
rustest's ``.rustest_cache``: the code then goes to its ``rewritten``
folder, one file per source, keyed by a hash of the source's absolute path so
that same-named files in different folders never meet
(``rewritten/test_x.1f0c2b7a9d3e4c5b.cpython-311-rustest-0.1.0.pyc``). The
cache directory itself is never created here: it is its owner's to make.

An entry is valid for one source path, modification time and size, one
Python (its magic number) and one rewriter (a fingerprint of the rewriting
code, so that a changed rustest never runs code rewritten by another). Writes
are atomic (write, then rename), so concurrent runs only ever see whole
files; a directory that cannot be written just means no cache.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import marshal
import os
import struct
import sys
import threading
import types

from rustest._version import __version__

__all__ = ["REWRITTEN_FOLDER", "cache_path", "cache_path_in", "read_cached_code", "write_cached_code"]

#: The folder of a cache directory that holds rewritten code.
REWRITTEN_FOLDER = "rewritten"

_FORMAT_MARK = b"rta2"

# What rewritten code is made by and read with: a cache entry holds code as
# these modules made it, and is worthless to any other version of them.
_REWRITER_SOURCES = ("_rewrite.py", "_recipe.py")


def cache_path(source_path: str) -> str | None:
    """Return where the rewritten code of *source_path* is cached, or None if this Python caches nothing."""
    try:
        plain = importlib.util.cache_from_source(source_path, optimization="")
    except NotImplementedError:
        return None
    return plain.removesuffix(".pyc") + f"-rustest-{__version__}.pyc"


def cache_path_in(cache_dir: str | os.PathLike[str], source_path: str) -> str | None:
    """Return where the rewritten code of *source_path* (absolute) is cached in *cache_dir*.

    None if this Python caches nothing, as :func:`cache_path`.
    """
    tag = sys.implementation.cache_tag
    if tag is None:
        return None
    stem = os.path.splitext(os.path.basename(source_path))[0]
    # The hash Python uses for hash-based pycs: built in, so no hashlib to import on every run.
    key = importlib.util.source_hash(os.fsencode(source_path)).hex()
    return os.path.join(cache_dir, REWRITTEN_FOLDER, f"{stem}.{key}.{tag}-rustest-{__version__}.pyc")


@functools.cache
def _rewriter_fingerprint() -> bytes:
    package = os.path.dirname(os.path.abspath(__file__))
    sources = []
    for name in _REWRITER_SOURCES:
        try:
            with open(os.path.join(package, name), "rb") as source:
                sources.append(source.read())
        except OSError:
            # Installed without its sources (or in a zip): the version in the file name has to do.
            sources.append(name.encode())
    return importlib.util.source_hash(b"\0".join(sources))


def _header(source_path: str, source_stat: os.stat_result) -> bytes:
    encoded_path = os.fsencode(source_path)
    return (
        importlib.util.MAGIC_NUMBER
        + _FORMAT_MARK
        + _rewriter_fingerprint()
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

    The file's folder is made if missing (with its parents). Nothing is written
    when the folder cannot be made or written.
    """
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
