"""Patterns matched against text folded to lower case give what re.I gives on the text as written."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imr_llm._folding import FoldedPattern, lower_literals


def test_letters_fold_but_escapes_and_group_names_do_not():
    assert lower_literals(r"\bMRI\s+(?P<Part>\W*[A-Z]x)(?P=Part)") == r"\bmri\s+(?P<Part>\W*[a-z]x)(?P=Part)"


def test_spans_are_of_the_text_as_written():
    pattern = FoldedPattern(r"\b(?:MRI|TENS\s+unit)\b")
    text = "Request: Tens Unit and an mri of the LUMBAR spine"
    assert [text[start:end] for start, end in pattern.spans(text)] == ["Tens Unit", "mri"]
    assert pattern.span("no imaging") is None


def test_text_that_lower_would_lengthen_keeps_the_re_i_pattern():
    # "İ".lower() is two characters: the folded text's spans would be shifted by one.
    pattern = FoldedPattern(r"\bmri\b")
    assert pattern.span("İ MRI") == (2, 5)


def test_a_part_matched_in_one_capitalisation_is_refused():
    with pytest.raises(ValueError, match="every capitalisation"):
        FoldedPattern(r"(?-i:MRI)")


@given(st.text(alphabet="MRImri TENSunit-./\nİ", max_size=40))
def test_the_same_spans_as_re_i(text):
    pattern = FoldedPattern(r"(?<![\w-])(?:MRI|TENS\s+unit|mri-[A-Z])(?!\w)")
    assert list(pattern.spans(text)) == [match.span() for match in re.finditer(pattern.pattern, text, re.I)]
