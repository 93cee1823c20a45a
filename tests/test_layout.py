import pytest
from letters import HEADER, letter

from imr_llm import LayoutError
from imr_llm.layout import find_layout


def items(text):
    return [" ".join(text[slice(*block.item_span)].split()) for block in find_layout(text).blocks]


def test_blocks_and_verdicts_in_document_order():
    text = letter(
        ("Physical therapy x 12", "Upheld", "The request is not medically necessary."),
        ("Norco 10/325mg #120", "Overturned", "The request is medically necessary."),
    )
    layout = find_layout(text)
    assert layout.name == "2016"
    assert [block.verdict for block in layout.blocks] == ["upheld", "overturned"]
    assert items(text) == ["Physical therapy x 12", "Norco 10/325mg #120"]


def test_wrapped_item_and_verdict_on_its_own_line():
    text = letter(
        ("Additional physical therapy three times a week for two weeks of the\nbilateral knees:", "\nUpheld", "No."),
    ).replace("::", ":")
    assert items(text) == ["Additional physical therapy three times a week for two weeks of the bilateral knees"]


def test_item_holding_colons_periods_and_commas():
    text = letter(
        ("Cyclobenzaprine 7.5mg #27, day supply: 30", "Upheld", "Not necessary."),
        ("Flector 1.3% patch, qty. 60", "Upheld", "Not necessary."),
    )
    assert items(text) == ["Cyclobenzaprine 7.5mg #27, day supply: 30", "Flector 1.3% patch, qty. 60"]


def test_partly_certified_request_keeps_the_whole_paragraph_even_across_a_full_stop_line_end():
    partial = (
        "Physical therapy 12 sessions was the original request.\n"
        "Physical therapy 6 sessions was authorized by the Claims Administrator. The remaining IMR\n"
        "eligible portion of the original request, Physical therapy for 6 sessions is"
    )
    text = letter(
        ("MRI of the lumbar spine", "Upheld", "The request is not\nmedically necessary."),
        (partial, "Upheld", "Not necessary."),
    )
    assert items(text)[1] == " ".join(partial.split())
    assert items(text)[0] == "MRI of the lumbar spine"


def test_rationale_ends_where_the_next_item_begins():
    text = letter(("A brace", "Upheld", "First rationale,\nover two lines."), ("A cane", "Upheld", "Second."))
    first, second = find_layout(text).blocks
    assert text[slice(*first.rationale_span)] == "First rationale,\nover two lines."
    assert text[slice(*second.rationale_span)] == "Second."


def test_a_rationale_line_ending_in_upheld_is_not_a_verdict():
    text = letter(("A brace", "Upheld", "The earlier denial was:\nupheld by UR. Not necessary."))
    assert len(find_layout(text).blocks) == 1


def test_double_spaced_2014_letter():
    text = (
        "HOW THE IMR FINAL DETERMINATION WAS MADE\n\nThe expert reviewer is Board Certified in Surgery and is "
        "licensed to practice in Ohio. He/she has been in practice.\n\nIMR ISSUES, DECISIONS AND RATIONALES\n\n"
        "The Final Determination was based on decisions for the disputed items/services set forth below:\n\n"
        "Knee brace for the\n\nleft knee:  Upheld\n\nClaims Administrator guideline: Decision based on MTUS\n\n"
        "MAXIMUS guideline: Decision based on MTUS\n\nDecision rationale: Not necessary.\n\n"
    )
    layout = find_layout(text)
    assert layout.name == "2014"
    assert items(text) == ["Knee brace for the left knee"]


def test_unknown_layout():
    with pytest.raises(LayoutError, match="unknown layout"):
        find_layout("MEDICAL PROFESSIONAL REVIEW\nISSUE AT DISPUTE: Norco\nCASE SUMMARY: ...")


def test_known_layout_without_decisions():
    with pytest.raises(LayoutError, match="no decision found"):
        find_layout(HEADER + "Nothing follows.\n")


def test_verdict_with_a_full_stop_and_a_sign_off_after_the_last_rationale():
    text = letter(("A cane", "Upheld.", "Not necessary.")) + "\nSincerely,\ncc: Claims Administrator\n"
    (block,) = find_layout(text).blocks
    assert block.verdict == "upheld"
    assert text[slice(*block.rationale_span)] == "Not necessary."


def test_decisions_heading_written_with_parenthesised_plurals():
    text = letter(("A cane", "Overturned", "Necessary.")).replace(
        "IMR ISSUES, DECISIONS AND RATIONALES", "IMR DECISION(S) AND RATIONALE(S)"
    )
    assert items(text) == ["A cane"]


def test_page_furniture_between_blocks_is_not_part_of_the_next_item():
    text = letter(("A cane", "Upheld", "Not necessary"), ("A walker", "Upheld", "Not necessary."))
    text = text.replace("Not necessary\nA walker", "Not necessary\nPage 2 of 3\nCM16-0000001\nA walker")
    assert items(text) == ["A cane", "A walker"]
