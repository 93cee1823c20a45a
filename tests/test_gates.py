"""A gated pattern finds what its pattern finds; it only skips text that cannot match."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from imr_llm import categories, reasons
from imr_llm._gates import GatedPattern, required_words


def test_the_words_a_match_cannot_do_without():
    assert required_words(re.compile(r"\bnot\s+(?:generally\s+)?recommended\b")) == {"recommended"}
    assert required_words(re.compile(r"\b(?:home\s+program|walking)\b|\bself[- ]care")) == {"program", "walking", "self"}
    # re factors "h" out of "home exercise|hep": "ep" is less telling than "hep", never wrong
    assert required_words(re.compile(r"\b(?:home\s+exercise|hep)\b")) == {"exercise", "ep"}
    # "recommended" holds "recommend": text without the one has neither
    assert required_words(re.compile(r"recommend\w*|recommended\s+against")) == {"recommend"}


def test_no_words_where_a_match_can_do_without_any():
    assert required_words(re.compile(r"\d+\s+(?:weeks?|\w+)")) is None  # the alternative \w+ has none
    assert required_words(re.compile(r"(?:no\s+)?benefit", re.I)) is None  # re.I: "K" matches "\u212a"
    assert required_words(re.compile(r"(?i:mri)")) is None
    assert required_words(re.compile(r"(?:mri)?")) is None


def test_a_gated_pattern_skips_only_text_without_its_words():
    gated = GatedPattern(re.compile(r"\bno\s+(?:significant\s+)?(?P<what>improvement|benefit)\b"))
    assert gated.words == ("benefit", "improvement")
    assert gated.search("there was no significant benefit").group("what") == "benefit"
    assert gated.search("the patient improved") is None
    assert [m.group("what") for m in gated.finditer("no benefit and no improvement")] == ["benefit", "improvement"]
    assert gated.match("benefit") is None


_PHRASES = [value.pattern for value in vars(reasons).values() if isinstance(value, GatedPattern)]
_RULES = [rule.pattern.folded.pattern for rule in categories._RULES + categories._WHOLE_ITEM_RULES]
# Text made of the patterns' own words and the characters between them, so that matches are common.
_WORDS = sorted({word for pattern in _PHRASES + _RULES for word in (required_words(pattern) or ())})
_TEXT = st.lists(st.one_of(st.sampled_from(_WORDS), st.sampled_from([" ", "  ", ". ", ", ", "no ", "not ", "the ", "s", "ed "])),
                 max_size=30).map("".join)


def test_every_phrase_and_rule_has_words_but_the_broadest():
    assert len(_PHRASES) >= 20 and sum(required_words(p) is not None for p in _PHRASES) >= len(_PHRASES) - 8


@settings(max_examples=300)
@given(_TEXT)
def test_the_same_matches_as_the_pattern(text):
    for pattern in _PHRASES + _RULES:
        gated = GatedPattern(pattern)
        assert [m.span() for m in gated.finditer(text)] == [m.span() for m in pattern.finditer(text)], pattern.pattern
        assert (gated.match(text) is None) == (pattern.match(text) is None)
