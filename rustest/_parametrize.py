"""Parametrization: ``parametrize``, ``param``, pytest-compatible ids, and the expansion collection uses.

Ids follow pytest exactly, so node ids (and ``-k`` expressions, CI
selections, snapshots named after them) carry over unchanged: strings,
numbers, booleans, ``None``, enums, regex patterns and anything with a
``__name__`` give their own text; other values give ``argname`` + index.
Duplicate ids get suffixes ``0``, ``1``, ... (after a ``_`` when the id
ends in a digit). Stacked ``parametrize`` decorators multiply: the one
closest to the function varies slowest and comes first in the id, so

    @parametrize("x", [0, 1])
    @parametrize("y", [2, 3])
    def test(x, y): ...

runs ``test[2-0]``, ``test[2-1]``, ``test[3-0]``, ``test[3-1]``.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from rustest._errors import DefinitionError
from rustest._marks import MarkDecorator, mark
from rustest._spec import Mark, ParameterSet

__all__ = ["ParamCase", "expand_parametrize", "param", "parameter_set_ids", "parametrize"]

IdsArgument = Iterable[object] | Callable[[Any], object] | None


def parametrize(
    argnames: str | Sequence[str],
    argvalues: Iterable[object],
    *,
    ids: IdsArgument = None,
    indirect: bool | str | Sequence[str] = False,
) -> MarkDecorator:
    """Run the test once per entry of *argvalues*; the same as ``mark.parametrize``.

    *argnames* is ``"a"``, ``"a, b"`` or a list of names. With one name given
    as a string, each entry of *argvalues* is that argument's value, as is;
    otherwise each entry is a sequence of one value per name (a mapping from
    name to value is accepted too). Entries may be ``param(...)`` to give an
    id or marks. *ids* is one id per entry (``None`` for an automatic one) or
    a callable that makes the id of each value. *indirect* (``True`` or a
    list of names) hands those values to the fixtures of the same name as
    ``request.param`` instead of to the test.
    """
    return mark.parametrize(argnames, argvalues, ids=ids, indirect=indirect)


def param(
    *values: object,
    id: str | None = None,
    marks: MarkDecorator | Mark | Collection[MarkDecorator | Mark] = (),
) -> ParameterSet:
    """Return one parameter set for ``parametrize`` or fixture ``params``, with an optional id and marks."""
    if id is not None and not isinstance(id, str):
        raise TypeError(f"param(): id must be a string, got {type(id).__name__}: {id!r}")
    listed = (marks,) if isinstance(marks, MarkDecorator | Mark) else tuple(marks)
    unpacked: list[Mark] = []
    for item in listed:
        found = item.mark if isinstance(item, MarkDecorator) else item
        if not isinstance(found, Mark):
            raise TypeError(f"param(): marks must be marks such as mark.xfail, got {item!r}")
        if found.name == "usefixtures":
            raise DefinitionError(
                "param() cannot add mark.usefixtures: a parameter set cannot add fixtures to a test; "
                "put mark.usefixtures on the test instead"
            )
        unpacked.append(found)
    return ParameterSet(values=values, marks=tuple(unpacked), id=id)


@dataclass(slots=True)
class ParamCase:
    """One parametrized call of a test: its id fragment, its argument values, and its marks.

    ``values`` maps every parametrized name to its value; the names in
    ``indirect`` go to the fixture of that name as ``request.param``, the
    others straight to the test. ``marks`` come from ``param(..., marks=...)``
    (and the skip of an empty parameter set). Not frozen: collection makes
    one per case, and a frozen constructor costs twice as much; nothing
    changes a case once made.
    """

    id: str
    values: dict[str, object]
    indirect: frozenset[str]
    marks: tuple[Mark, ...]


def expand_parametrize(marks: Iterable[Mark]) -> list[ParamCase]:
    """Return the calls of a test parametrized by the ``parametrize`` marks among *marks*.

    Give the marks in the order pytest reads them: the function's own,
    innermost decorator first, then its class's, then its module's. The
    result is their cartesian product, the first mark varying slowest; an
    empty list means the test is not parametrized. A mark with no values
    gives one call ``NOTSET``, skipped with "got empty parameter set for
    (names)". Malformed parametrization raises ``DefinitionError``.
    """
    layers = [_expand_one(found) for found in marks if found.name == "parametrize"]
    if not layers:
        return []
    seen: set[str] = set()
    for layer in layers:
        names = layer[0].values.keys()
        for name in names & seen:
            raise DefinitionError(
                f"parametrize: argument {name!r} is parametrized twice; "
                "give each argument to a single parametrize decorator"
            )
        seen.update(names)
    if len(layers) == 1:
        return layers[0]
    # Every case of one mark has the same indirect names, so the product's are computed once.
    indirect = frozenset(itertools.chain.from_iterable(layer[0].indirect for layer in layers))
    return [_combined(parts, indirect) for parts in itertools.product(*layers)]


def parameter_set_ids(
    argnames: Sequence[str],
    parameter_sets: Sequence[ParameterSet],
    ids: Sequence[object] | Callable[[Any], object] | None,
    context: str,
) -> list[str]:
    """Return the unique id of each parameter set, as pytest makes them.

    An id from ``param(id=...)`` wins, then the entry of *ids* (a list with
    ``None`` for "automatic"), then the ids made from the values, joined by
    ``-``. A callable *ids* is applied to each value; ``None`` from it means
    "automatic". *context* starts every error message.
    """
    entries = [
        (parameter_set.values, parameter_set.id, parameter_set.marks) for parameter_set in parameter_sets
    ]
    return _entry_ids(argnames, entries, ids, context)


_Entry = tuple[tuple[object, ...], "str | None", tuple[Mark, ...]]
"""One parameter set as collection reads it: its values, its ``param(id=...)`` and its marks."""


def _entry_ids(
    argnames: Sequence[str],
    entries: Sequence[_Entry],
    ids: Sequence[object] | Callable[[Any], object] | None,
    context: str,
) -> list[str]:
    """Return the unique id of each entry; see :func:`parameter_set_ids`."""
    make_id = ids if callable(ids) else None
    listed = None if ids is None or callable(ids) else ids
    if listed and len(listed) != len(entries):
        raise DefinitionError(
            f"{context}: {len(entries)} parameter sets but {len(listed)} ids; "
            "give one id per parameter set (None for an automatic id)"
        )
    resolved: list[str] = []
    for index, (values, given, _marks) in enumerate(entries):
        if given is not None:
            resolved.append(_ascii_escaped(given))
        elif listed and listed[index] is not None:
            resolved.append(_given_id(listed[index], index, context))
        elif make_id is None:
            # The common case, without a callable to consult: one text per value.
            parts = []
            for value, argname in zip(values, argnames, strict=True):
                text = _id_from_value(value)
                parts.append(f"{argname}{index}" if text is None else text)
            resolved.append("-".join(parts))
        else:
            resolved.append(
                "-".join(
                    _made_id(value, argname, index, make_id, context)
                    for value, argname in zip(values, argnames, strict=True)
                )
            )
    return _made_unique(resolved)


def _ascii_escaped(text: str | bytes) -> str:
    r"""Return *text* with non-ASCII and non-printable characters escaped (``é`` -> ``\xe9``), like pytest."""
    if isinstance(text, bytes):
        escaped = text.decode("ascii", "backslashreplace")
    else:
        escaped = text.encode("unicode_escape").decode("ascii")
    return escaped.translate(_NON_PRINTABLE)


_NON_PRINTABLE = {code: f"\\x{code:02x}" for code in range(128) if code not in range(32, 127)}
_NON_PRINTABLE.update({ord("\t"): "\\t", ord("\r"): "\\r", ord("\n"): "\\n"})


def _id_from_value(value: object) -> str | None:
    kind = type(value)
    if kind is int or kind is float:
        return str(value)
    if kind is str:
        text = cast(str, value)
        # Printable ASCII without a backslash is its own id: escaping would change nothing.
        if text.isascii() and text.isprintable() and "\\" not in text:
            return text
        return _ascii_escaped(text)
    if isinstance(value, str | bytes):
        return _ascii_escaped(value)
    if value is None or isinstance(value, float | int | complex):
        return str(value)
    if isinstance(value, re.Pattern):
        return _ascii_escaped(value.pattern)
    if isinstance(value, enum.Enum):
        return str(value)
    name = getattr(value, "__name__", None)
    return name if isinstance(name, str) else None


def _made_id(
    value: object, argname: str, index: int, make_id: Callable[[Any], object] | None, context: str
) -> str:
    if make_id is not None:
        try:
            made = make_id(value)
        except Exception as exc:
            raise DefinitionError(
                f"{context}: the ids callable raised {exc!r} for argument {argname!r} at position {index}"
            ) from exc
        text = None if made is None else _id_from_value(made)
        if text is not None:
            return text
    text = _id_from_value(value)
    return f"{argname}{index}" if text is None else text


def _given_id(value: object, index: int, context: str) -> str:
    text = _id_from_value(value)
    if text is None:
        raise DefinitionError(
            f"{context}: ids[{index}] is {value!r} ({type(value).__name__}); an id must be a str, bytes, "
            "number, bool, None, enum, regex or something with a __name__"
        )
    return text


def _made_unique(ids: list[str]) -> list[str]:
    counts = Counter(ids)
    if len(counts) == len(ids):
        return ids
    taken = set(ids)
    next_suffix: defaultdict[str, int] = defaultdict(int)
    unique = list(ids)
    for index, text in enumerate(ids):
        if counts[text] == 1:
            continue
        separator = "_" if text and text[-1].isdigit() else ""
        candidate = f"{text}{separator}{next_suffix[text]}"
        while candidate in taken:
            next_suffix[text] += 1
            candidate = f"{text}{separator}{next_suffix[text]}"
        unique[index] = candidate
        next_suffix[text] += 1
    return unique


def _expand_one(found: Mark) -> list[ParamCase]:
    if len(found.args) != 2:
        raise DefinitionError(
            f"parametrize takes (argnames, argvalues) positionally, got {len(found.args)} "
            f"positional arguments: {found.args!r}"
        )
    raw_names, raw_values = found.args
    names, single = _split_argnames(raw_names)
    context = f"parametrize({', '.join(names)!r})"
    indirect = _indirect_names(found.kwargs.get("indirect", False), names, context)
    entries = [_as_entry(entry, names, single, context) for entry in raw_values]
    if not entries:
        reason = f"got empty parameter set for ({', '.join(names)})"
        return [ParamCase("NOTSET", dict.fromkeys(names), indirect, (Mark("skip", (), {"reason": reason}),))]
    ids = found.kwargs.get("ids")
    if not (ids is None or callable(ids) or isinstance(ids, Sequence)):
        raise DefinitionError(f"{context}: ids must be a list or a callable, got {ids!r}")
    return [
        ParamCase(case_id, dict(zip(names, values, strict=True)), indirect, marks)
        for case_id, (values, _given, marks) in zip(
            _entry_ids(names, entries, ids, context), entries, strict=True
        )
    ]


def _split_argnames(raw: object) -> tuple[list[str], bool]:
    """Return the names and whether values are taken as-is (one name given as a string)."""
    if isinstance(raw, str):
        names = [part.strip() for part in raw.split(",") if part.strip()]
        single = len(names) == 1
    elif isinstance(raw, Sequence) and all(isinstance(name, str) for name in raw):
        names = list(raw)
        single = False
    else:
        raise DefinitionError(f"parametrize: argnames must be 'a, b' or a list of names, got {raw!r}")
    if not names:
        raise DefinitionError(f"parametrize: argnames {raw!r} names no argument")
    if len(set(names)) != len(names):
        raise DefinitionError(f"parametrize: argnames {raw!r} repeat a name; give each name once")
    if "request" in names:
        raise DefinitionError(
            "parametrize: 'request' is reserved for the request fixture; rename the argument"
        )
    return names, single


def _indirect_names(indirect: object, names: list[str], context: str) -> frozenset[str]:
    if isinstance(indirect, bool):
        return frozenset(names) if indirect else frozenset()
    if isinstance(indirect, str):
        indirect = [indirect]
    if not isinstance(indirect, Sequence):
        raise DefinitionError(
            f"{context}: indirect must be True, False or a list of argnames, got {indirect!r}"
        )
    for name in indirect:
        if name not in names:
            raise DefinitionError(
                f"{context}: indirect names {name!r}, which is not one of its argnames; "
                f"use some of {', '.join(map(repr, names))}"
            )
    return frozenset(indirect)


def _as_entry(entry: object, names: list[str], single: bool, context: str) -> _Entry:
    kind = type(entry)
    if (kind is tuple or kind is list) and not single and len(cast("Sequence[object]", entry)) == len(names):
        # The common case, a plain row of values, needs no ParameterSet.
        return tuple(cast("Sequence[object]", entry)), None, ()
    parameter_set = _as_parameter_set(entry, names, single, context)
    return parameter_set.values, parameter_set.id, parameter_set.marks


def _as_parameter_set(entry: object, names: list[str], single: bool, context: str) -> ParameterSet:
    if isinstance(entry, ParameterSet):
        parameter_set = entry
    elif single:
        parameter_set = ParameterSet(values=(entry,))
    elif isinstance(entry, Mapping) and len(names) > 1:
        missing = [name for name in names if name not in entry]
        extra = [key for key in entry if key not in names]
        if missing or extra:
            raise DefinitionError(
                f"{context}: the mapping {entry!r} must have exactly the keys {names!r} "
                f"(missing {missing!r}, unexpected {extra!r})"
            )
        parameter_set = ParameterSet(values=tuple(entry[name] for name in names))
    elif isinstance(entry, Sequence):
        parameter_set = ParameterSet(values=tuple(entry))
    elif len(names) == 1:
        parameter_set = ParameterSet(values=(entry,))
    else:
        raise DefinitionError(
            f"{context}: each value must be a sequence of {len(names)} values, one per name {names!r}; "
            f"got {entry!r}"
        )
    if len(parameter_set.values) != len(names):
        raise DefinitionError(
            f"{context}: the number of names ({len(names)}):\n  {names!r}\n"
            f"must be equal to the number of values ({len(parameter_set.values)}):\n"
            f"  {parameter_set.values!r}\n"
            "give one value per name in each entry"
        )
    return parameter_set


def _combined(parts: tuple[ParamCase, ...], indirect: frozenset[str]) -> ParamCase:
    values: dict[str, object] = {}
    case_id: list[str] = []
    marks: tuple[Mark, ...] = ()
    for part in parts:
        values.update(part.values)
        case_id.append(part.id)
        if part.marks:
            marks += part.marks
    return ParamCase("-".join(case_id), values, indirect, marks)
