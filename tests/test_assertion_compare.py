"""compare_explanation: the diff logic behind failed comparisons, on its own."""

from __future__ import annotations

import collections
import dataclasses

from rustest._assertion import compare_explanation
from rustest._assertion._saferepr import safe_repr
from rustest._assertion._truncate import truncate_explanation


@dataclasses.dataclass
class Point:
    x: int
    y: list[int]


@dataclasses.dataclass(eq=False)
class Handle:
    value: int


Pair = collections.namedtuple("Pair", ["first", "second"])


def explain(op: str, left: object, right: object, verbose: int = 0) -> list[str]:
    lines = compare_explanation(op, left, right, verbose)
    assert lines is not None
    return lines


def test_summary_line_and_blank_line_come_first() -> None:
    lines = explain("==", [1, 2], [1, 3])
    assert lines[:2] == ["[1, 2] == [1, 3]", ""]


def test_plain_values_without_details_give_none() -> None:
    assert compare_explanation("==", 1, 2, 0) is None


def test_single_line_text_diff_marks_the_differing_character() -> None:
    lines = explain("==", "hello world", "hello wurld")
    assert lines[2:] == ["- hello wurld", "?        ^", "+ hello world", "?        ^"]


def test_multi_line_text_diff_is_line_by_line() -> None:
    lines = explain("==", "a\nb\nc\n", "a\nB\nc\n")
    assert lines[2:] == ["  a", "- B", "+ b", "  c"]


def test_long_identical_prefix_is_skipped_unless_verbose() -> None:
    left, right = "x" * 100 + "a", "x" * 100 + "b"
    assert "Skipping 90 identical leading characters in diff, use -v to show" in explain("==", left, right)
    assert not any(line.startswith("Skipping") for line in explain("==", left, right, verbose=1))


def test_long_identical_suffix_is_skipped() -> None:
    lines = explain("==", "a" + "y" * 100, "b" + "y" * 100)
    assert "Skipping 90 identical trailing characters in diff, use -v to show" in lines


def test_whitespace_only_text_is_shown_escaped() -> None:
    lines = explain("==", " ", "\t")
    assert "Strings contain only whitespace, escaping them using repr()" in lines
    assert "- '\\t'" in lines


def test_missing_trailing_newline_is_pointed_out() -> None:
    lines = explain("==", "a\nb\n", "a\nc")
    assert "Left ends with a newline, the other side does not" in lines


def test_text_differing_only_in_line_endings_is_shown_escaped() -> None:
    lines = explain("==", "a\r\nb", "a\nb")
    assert lines[2:] == [
        "Strings differ only in line endings, escaping them using repr()",
        "- 'a\\n'",
        "+ 'a\\r\\n'",
        "?    ++",
        "  'b'",
    ]


def test_bytes_are_diffed_as_escaped_text() -> None:
    lines = explain("==", b"ab\x00", b"ab\x01")
    assert "- ab\\x01" in lines
    assert "+ ab\\x00" in lines


def test_sequence_diff_names_first_differing_index() -> None:
    lines = explain("==", [1, 2, 3], [1, 9, 3])
    assert "At index 1 diff: 2 != 9" in lines


def test_sequence_diff_reports_one_extra_item() -> None:
    assert "Left contains one more item: 3" in explain("==", [1, 2, 3], [1, 2])


def test_sequence_diff_reports_several_extra_items() -> None:
    lines = explain("==", [1], [1, 2, 3])
    assert "Right contains 2 more items, first extra item: 2" in lines


def test_sequences_of_different_types_with_equal_items_name_the_types() -> None:
    assert "Types differ: list != tuple" in explain("==", [1, 2], (1, 2))


def test_sequence_diff_suggests_verbose_for_full_diff() -> None:
    assert explain("==", [1], [2])[-1] == "Use -v to get more diff"


def test_verbose_sequence_diff_shows_full_ndiff() -> None:
    lines = explain("==", [1, 2], [1, 3], verbose=1)
    assert lines[lines.index("Full diff:") + 1 :] == ["- [1, 3]", "?     ^", "+ [1, 2]", "?     ^"]


def test_mapping_diff_lists_differing_and_missing_keys() -> None:
    lines = explain("==", {"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 3, "d": 4})
    assert lines[2:-1] == [
        "Omitting 1 identical item, use -vv to show",
        "Differing items:",
        "{'b': 2} != {'b': 3}",
        "Left contains 1 more item:",
        "{'c': 3}",
        "Right contains 1 more item:",
        "{'d': 4}",
    ]


def test_mapping_diff_shows_common_items_at_high_verbosity() -> None:
    lines = explain("==", {"a": 1, "b": 2}, {"a": 1, "b": 3}, verbose=2)
    assert lines[2:4] == ["Common items:", "{'a': 1}"]


def test_mapping_differing_items_follow_the_left_order() -> None:
    lines = explain("==", {"z": 1, "a": 1}, {"z": 2, "a": 2})
    first = lines.index("Differing items:") + 1
    assert lines[first : first + 2] == ["{'z': 1} != {'z': 2}", "{'a': 1} != {'a': 2}"]


def test_set_diff_lists_extra_items_on_each_side() -> None:
    lines = explain("==", {1, 2, 3}, {2, 3, 4})
    assert lines[2:6] == ["Extra items in the left set:", "1", "Extra items in the right set:", "4"]


def test_dataclass_diff_drills_into_differing_attribute() -> None:
    lines = explain("==", Point(1, [1, 2]), Point(1, [1, 3]))
    assert lines[2:] == [
        "Omitting 1 identical attribute, use -vv to show",
        "Differing attributes:",
        "['y']",
        "",
        "Drill down into differing attribute y:",
        "  y: [1, 2] != [1, 3]",
        "  At index 1 diff: 2 != 3",
        "  Use -v to get more diff",
    ]


def test_objects_compared_by_identity_say_so() -> None:
    lines = explain("==", Handle(1), Handle(1))
    assert lines[2:] == [
        "Handle does not define __eq__, so two of its objects are equal only if they are the same object"
    ]


def test_namedtuple_diff_names_differing_field() -> None:
    lines = explain("==", Pair(1, 2), Pair(1, 3))
    assert "Differing attributes:" in lines
    assert "Drill down into differing attribute second:" in lines


def test_unequal_values_with_same_repr_are_pointed_out() -> None:
    class Opaque:
        def __eq__(self, other: object) -> bool:
            return False

        __hash__ = object.__hash__

        def __repr__(self) -> str:
            return "<opaque>"

    lines = explain("==", Opaque(), Opaque())
    assert lines[2:] == ["Both sides have the same repr but compare unequal"]


def test_not_in_text_points_at_the_occurrence() -> None:
    lines = explain("not in", "foo", "a foo b")
    assert lines[2:] == ["'foo' is contained here:", "  a foo b", "    ^^^"]


def test_not_in_text_points_at_the_right_line() -> None:
    lines = explain("not in", "bad", "first\nsecond bad\nthird")
    assert lines[3:] == ["  second bad", "         ^^^"]


def test_not_in_list_gives_the_index() -> None:
    assert explain("not in", 3, [1, 2, 3])[2:] == ["3 is contained at index 2"]


def test_not_in_mapping_gives_the_value() -> None:
    assert explain("not in", "k", {"k": 5})[2:] == ["'k' is a key, with value 5"]


def test_is_between_equal_distinct_objects_says_so() -> None:
    assert explain("is", [1], [1])[2:] == ["The two sides are equal but are different objects"]


def test_subset_failure_lists_extra_left_items() -> None:
    assert explain("<=", {1, 2}, {2})[2:] == ["Extra items in the left set:", "1"]


def test_superset_failure_lists_extra_right_items() -> None:
    assert explain(">=", {2}, {1, 2})[2:] == ["Extra items in the right set:", "1"]


def test_strict_subset_of_equal_sets_says_they_are_equal() -> None:
    assert explain("<", {1}, {1})[2:] == ["Both sets are equal"]


def test_failing_eq_inside_explanation_is_reported_not_raised() -> None:
    class Touchy:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("no comparing")

        __hash__ = object.__hash__

    lines = explain("==", [Touchy()], [Touchy()])
    assert lines[2].startswith("(explaining the comparison failed: RuntimeError('no comparing')")


def test_summary_reprs_are_short_at_default_verbosity() -> None:
    summary = explain("==", "a" * 200, "b" * 200)[0]
    assert len(summary) < 80


def test_long_explanation_is_truncated_at_default_verbosity() -> None:
    lines = explain("==", list(range(100)), list(range(1, 101)), verbose=1)
    assert lines[-1].startswith("...Full output truncated (")
    assert lines[-1].endswith("lines hidden), use '-vv' to show")


def test_long_explanation_is_complete_at_verbosity_two() -> None:
    lines = explain("==", list(range(100)), list(range(1, 101)), verbose=2)
    assert not any(line.startswith("...Full output truncated") for line in lines)


def test_truncation_keeps_explanations_that_barely_exceed_the_limit() -> None:
    lines = [str(number) for number in range(10)]
    assert truncate_explanation(lines, max_lines=8) == lines


def test_truncation_counts_hidden_lines() -> None:
    lines = [str(number) for number in range(20)]
    assert truncate_explanation(lines, max_lines=8)[-1] == (
        "...Full output truncated (12 lines hidden), use '-vv' to show"
    )


def test_safe_repr_survives_a_failing_repr() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise ValueError("nope")

    assert safe_repr(Broken()).startswith("<[ValueError('nope') raised in repr()] Broken object at 0x")


def test_safe_repr_shortens_in_the_middle() -> None:
    text = safe_repr("a" * 100 + "b" * 100, max_size=20)
    assert text == "'aaaaaaa...bbbbbbbb'"


def test_safe_repr_keeps_dict_insertion_order() -> None:
    assert safe_repr({"b": 1, "a": 2}) == "{'b': 1, 'a': 2}"
