"""Reasons read from a rationale: the reviewer's own sentences, not the guideline's quotations."""

import pytest

from imr_llm.reasons import reasons_for


@pytest.mark.parametrize(
    "rationale, reasons",
    [
        ("The MTUS recommends 8 to 10 visits for myalgia. In this case, the request for 12 visits exceeds the "
         "guideline recommendation. The request is not medically necessary.", ["exceeds_guideline_quantity"]),
        ("The patient has completed 12 sessions of therapy. There is no documentation of objective functional "
         "improvement from the prior sessions.", ["no_functional_improvement"]),
        ("There is a lack of documentation of the number of sessions completed to date.", ["insufficient_documentation"]),
        ("The records submitted did not include a rationale for the request, and the body part was not specified.",
         ["insufficient_documentation"]),
        ("Per ODG, thermography is not recommended. Therefore the request is not medically necessary.", ["not_recommended"]),
        ("The ACOEM guidelines support imaging when red flags are present. In this case there are no red flags and no "
         "neurological deficits on exam.", ["criteria_not_met"]),
        ("There is no evidence that the patient has tried and failed conservative care.", ["criteria_not_met"]),
        ("The patient has had 24 visits and should be well versed in a home exercise program to continue on her own.",
         ["can_transition_to_home_program"]),
        ("As the requested surgical intervention is not medically necessary, the associated service is not medically "
         "necessary.", ["other"]),
    ],
)
def test_one_reason_from_its_phrase(rationale, reasons):
    assert reasons_for(rationale, "upheld") == reasons


def test_several_reasons_where_the_rationale_gives_several():
    rationale = ("The MTUS guidelines recommend a trial of 3 to 6 acupuncture treatments. There is a lack of "
                 "documentation of the total number of sessions completed. There is no indication that pain medication "
                 "is not tolerated. Additionally, the request for 12 sessions exceeds the recommended guidelines.")
    assert reasons_for(rationale, "upheld") == ["exceeds_guideline_quantity", "insufficient_documentation", "criteria_not_met"]


def test_quotations_of_the_guideline_are_not_the_reviewers_reasons():
    # The guideline's own words about home programs and long-term use, with no finding about this patient.
    rationale = ("The MTUS guidelines state that patients are expected to continue active therapies at home. "
                 "Guidelines allow a fading of treatment frequency plus a self-directed home program. "
                 "In this case, the request for 12 visits exceeds the guideline recommendation.")
    assert reasons_for(rationale, "upheld") == ["exceeds_guideline_quantity"]


def test_negation_is_read():
    assert "no_functional_improvement" not in reasons_for(
        "The patient reported functional improvement with the prior sessions. However, the request for 12 more "
        "visits exceeds the guidelines.", "upheld")
    assert "exceeds_guideline_quantity" not in reasons_for(
        "The request does not exceed the guideline recommendation. There is no documentation of red flags.", "upheld")
    # a recommendation bounded, not withheld: "not recommended for longer than ..."
    bounded = ("The MTUS states that muscle relaxants are not recommended for longer than 2 to 3 weeks. The patient has "
               "been taking cyclobenzaprine since June 2016.")
    assert reasons_for(bounded, "upheld") == ["exceeds_guideline_quantity"]


def test_an_overturned_item_meets_the_guidelines():
    assert reasons_for("The request is within the guideline recommendation and is medically necessary.",
                       "overturned") == ["meets_guidelines"]


def test_no_phrase_no_reason():
    assert reasons_for("The request is not medically necessary.", "upheld") == []


@pytest.mark.parametrize("written", [str.upper, str.title, str.swapcase])
def test_case_does_not_change_the_reasons(written):
    # Phrases are matched against the sentence folded to lower case; how the letter capitalises
    # a sentence (a heading in capitals, a title-cased quotation) changes nothing.
    rationale = ("Per ODG, thermography is not recommended. In this case there is no documentation of objective "
                 "functional improvement, and the request for 12 visits exceeds the guideline recommendation.")
    expected = ["exceeds_guideline_quantity", "no_functional_improvement", "not_recommended"]
    assert reasons_for(rationale, "upheld") == expected
    assert reasons_for(". ".join(written(s) for s in rationale.split(". ")), "upheld") == expected


def test_a_phrase_written_with_capitals_matches_the_folded_sentence():
    from imr_llm.reasons import _phrase

    assert _phrase(r"\bper\s+MTUS\b(?P<What>\W)").search("per mtus,").group("What") == ","
