"""The recognizer benchmark's scoring: edit distance and the kinds of wrong readings."""

from __future__ import annotations

import pytest

from benchmarks.recognizer_bench import FAILURE_KINDS, failure_kind, levenshtein


@pytest.mark.parametrize(
    ("truth", "pred", "kind"),
    [
        ("12\n345", "12\n345\n7", "lines+"),  # clutter read as an extra line
        ("12\n345", "12345", "lines-"),  # two lines joined
        ("12\n345", "", "lines-"),  # nothing read
        ("12\n345", "12\n3445", "digits+"),  # a digit cut in two
        ("12\n345", "12\n35", "digits-"),  # touching digits read as one
        ("12\n345", "17\n345", "misread"),
    ],
)
def test_a_wrong_reading_is_put_in_one_kind(truth, pred, kind):
    assert kind in FAILURE_KINDS
    assert failure_kind(truth, pred) == kind


def test_edit_distance_counts_insertions_deletions_and_substitutions():
    assert levenshtein("4072", "4072") == 0
    assert levenshtein("4072", "472") == 1
    assert levenshtein("4072", "40712") == 1
    assert levenshtein("4072", "4079") == 1
    assert levenshtein("", "12\n3") == 4
