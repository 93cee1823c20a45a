import json

import pytest

from imr_llm.answers import DecisionAnswer, LetterAnswer, decisions_answer
from imr_llm.calling import grounded_in
from imr_llm.grounding import check_body_regions, check_medication, check_quantity, locate

TEXT = "Item one\nPhysical   therapy x\n12: Upheld\nDecision rationale: Too many visits."


def test_locate_ignores_whitespace_and_case():
    start, end = locate(TEXT, "physical therapy x 12")
    assert TEXT[start:end] == "Physical   therapy x\n12"
    assert locate(TEXT, "physical therapy x 13") is None
    assert locate(TEXT, "Item one", start=3) is None


@pytest.mark.parametrize("medication, ok", [("Norco", True), ("norco", True), ("Percocet", False),
                                            ("Norco 10/325mg #120", False), (None, True)])
def test_medication_must_be_a_drug_name_in_the_item(medication, ok):
    if ok:
        assert check_medication(medication, "Norco 10/325mg #120") == medication
    else:
        with pytest.raises(ValueError, match="not a drug name in the item"):
            check_medication(medication, "Norco 10/325mg #120")


def test_quantity_must_be_one_the_item_gives():
    assert check_quantity(8, "PT 2X4 FOR THE L/S") == 8  # what the parser reads
    assert check_quantity(2, "PT 2X4 FOR THE L/S") == 2  # a number the item writes
    assert check_quantity(6, "Physical therapy, six sessions") == 6
    with pytest.raises(ValueError, match="quantity 12 is not stated"):
        check_quantity(12, "PT 2X4 FOR THE L/S")


def test_body_regions_must_be_named():
    assert check_body_regions(["lumbar spine"], "Physical therapy x 12", "for the low back pain") == ["lumbar spine"]
    with pytest.raises(ValueError, match="knee"):
        check_body_regions(["knee"], "Physical therapy x 12", "for the low back pain")


def test_validators_reject_with_the_reason_the_model_gets():
    answer = {"category": "Pharmaceuticals", "subcategory": "Opioids", "medication": "Norco", "quantity": 120,
              "body_regions": [], "reasons": ["other"]}
    assert DecisionAnswer.model_validate(answer, context={"item": "Norco 10/325mg #120"}).quantity == 120
    with pytest.raises(ValueError, match="not a drug name"):
        DecisionAnswer.model_validate(answer, context={"item": "Tramadol 50mg #120"})
    # no context: only the schema is checked (used to salvage the parts of an answer that hold)
    assert DecisionAnswer.model_validate(answer).medication == "Norco"


def test_a_context_set_around_a_call_grounds_as_one_given_to_pydantic():
    """How an answer reaches its letter when instructor is given no context (it then renders nothing)."""
    answer = {"category": "Pharmaceuticals", "subcategory": "Opioids", "medication": "Norco", "quantity": 120,
              "body_regions": [], "reasons": ["other"]}
    with grounded_in({"item": "Tramadol 50mg #120"}), pytest.raises(ValueError, match="not a drug name"):
        DecisionAnswer.model_validate_json(json.dumps(answer))
    assert DecisionAnswer.model_validate_json(json.dumps(answer)).medication == "Norco"  # outside: the schema only


def test_all_of_a_letters_decisions_answer_each_to_its_own_item():
    blocks = [{"item": "Physical therapy x 12", "rationale": "r"}, {"item": "Norco 10/325mg #120", "rationale": "r"}]
    pt = {"category": "Rehabilitation", "subcategory": "PT/OT", "medication": None, "quantity": 12,
          "body_regions": [], "reasons": []}
    norco = {**pt, "category": "Pharmaceuticals", "subcategory": "Opioids", "medication": "Norco", "quantity": 120}
    two = decisions_answer(2)
    assert two.model_validate({"decisions": [pt, norco]}, context={"blocks": blocks}).decisions[1].quantity == 120
    with pytest.raises(ValueError, match=r"decisions\[0\] \(item 1\): .*not a drug name"):  # each against its own
        two.model_validate({"decisions": [norco, pt]}, context={"blocks": blocks})
    with pytest.raises(ValueError, match="at least 2 items"):  # one entry per block
        two.model_validate({"decisions": [pt]}, context={"blocks": blocks})
    assert two.model_json_schema()["properties"]["decisions"]["maxItems"] == 2 and decisions_answer(2) is two


def test_a_whole_letter_answer_needs_verbatim_items():
    decision = {"item": "Physical therapy x 12", "outcome": "upheld", "category": "Rehabilitation",
                "subcategory": "PT/OT", "medication": None, "quantity": 12, "body_regions": [], "reasons": [],
                "rationale_start": "Too many visits.", "guidelines": []}
    letter = {"diagnoses": [], "patient_age": None, "patient_sex": None, "case_number": None, "priority": None,
              "date_assigned": None, "date_of_injury": None, "decision_date": None, "ur_denial_date": None,
              "application_received": None, "reviewer_licensure_states": [], "reviewer_specialties": [],
              "reviewer_subspecialties": [], "decisions": [decision]}
    assert LetterAnswer.model_validate(letter, context={"text": TEXT}).decisions[0].quantity == 12
    with pytest.raises(ValueError, match="is not in the letter"):
        LetterAnswer.model_validate({**letter, "decisions": [{**decision, "item": "Acupuncture x 6"}]},
                                    context={"text": TEXT})
    with pytest.raises(ValueError):
        LetterAnswer.model_validate({**letter, "decisions": []}, context={"text": TEXT})


def test_subcategory_from_the_dwc_list_where_there_is_one():
    from imr_llm.grounding import check_subcategory

    assert check_subcategory("Rehabilitation", "PT/OT") == "PT/OT"
    assert check_subcategory("Pharmaceuticals", "Opioids") == "Opioids"  # drug classes: an open list
    with pytest.raises(ValueError, match="not one of the DMEPOS subcategories"):
        check_subcategory("DMEPOS", "Pharmaceuticals")
