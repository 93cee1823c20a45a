from letters import UNKNOWN_LAYOUT, letter

from imr_llm import extract
from imr_llm.answers import CaseAnswer, DecisionAnswer, LetterAnswer
from imr_llm.merging import determination_from_answer, merge_case, merge_decision


def parsed_decision(item="Norco 10/325mg #120"):
    return extract(letter((item, "Upheld", "Not necessary for the low back.")), llm=False)


def test_parser_wins_on_what_the_item_states_and_says_so():
    d = parsed_decision().decisions[0]
    answer = DecisionAnswer(category="Pharmaceuticals", subcategory="Opioids", medication="Norco", quantity=12,
                            body_regions=["lumbar spine"], reasons=["not_recommended"])
    merged, warnings = merge_decision(d, answer, "decision 1")
    assert (merged.quantity, merged.medication, merged.reasons) == (120, "Norco", ["not_recommended"])
    assert merged.body_regions == []  # the item names none: the parser's answer, null included
    assert warnings == ["decision 1: quantity: model 12, parser 120; parser kept",
                        "decision 1: body_regions: model ['lumbar spine'], parser []; parser kept"]
    merged, _ = merge_decision(d, answer, "decision 1", judgement="model")
    assert (merged.quantity, merged.body_regions) == (120, ["lumbar spine"])  # the model fills what the parser found nothing for


def test_by_default_the_parsers_judgement_stands_and_the_model_is_noted():
    d = parsed_decision("Cane").decisions[0]
    assert (d.category, d.category_basis) == ("DMEPOS", "equipment: Cane")
    answer = DecisionAnswer(category="Other", subcategory=None, medication=None, quantity=None,
                            body_regions=[], reasons=["not_recommended"])
    merged, warnings = merge_decision(d, answer, "decision 1")
    assert (merged.category, merged.subcategory, merged.category_basis) == ("DMEPOS", "DME", "equipment: Cane")
    assert merged.reasons == ["not_recommended"]  # the parser found no reason: the model's fills in
    assert warnings == ["decision 1: category: model 'Other', parser rule 'DMEPOS' (equipment: Cane); parser kept"]


def test_with_model_judgement_the_models_answer_replaces_the_rules_and_the_rule_is_noted():
    d = parsed_decision("Cane").decisions[0]
    answer = DecisionAnswer(category="Other", subcategory=None, medication=None, quantity=None,
                            body_regions=[], reasons=[])
    merged, warnings = merge_decision(d, answer, "decision 1", judgement="model")
    assert (merged.category, merged.subcategory, merged.category_basis) == ("Other", None, "model")
    assert warnings == ["decision 1: category: model 'Other', parser rule 'DMEPOS'; model kept",
                        "decision 1: subcategory: model None, parser rule 'DME'; model kept"]


def test_where_no_rule_fits_the_model_decides_whatever_the_policy():
    d = parsed_decision("Something nobody has asked for").decisions[0]
    assert d.category is None and d.category_basis is None
    answer = DecisionAnswer(category="Other", subcategory=None, medication=None, quantity=None,
                            body_regions=[], reasons=[])
    merged, warnings = merge_decision(d, answer, "decision 1")
    assert (merged.category, merged.category_basis, warnings) == ("Other", "model", [])


def test_a_drug_the_table_does_not_know_gets_the_models_class():
    d = parsed_decision("Zorblax 10mg #30").decisions[0]
    assert (d.category, d.subcategory) == ("Pharmaceuticals", None)
    answer = DecisionAnswer(category="Pharmaceuticals", subcategory="NSAID", medication="Zorblax", quantity=30,
                            body_regions=[], reasons=[])
    merged, _ = merge_decision(d, answer, "decision 1")
    assert (merged.category, merged.subcategory) == ("Pharmaceuticals", "NSAID")


def test_the_parsers_reasons_and_diagnoses_stand_by_default():
    determination = parsed_decision()
    determination = determination.model_copy(update={"diagnoses": ["lumbar strain"]})
    merged, warnings = merge_case(determination, CaseAnswer(diagnoses=["low back pain"], patient_age=None,
                                                            patient_sex=None))
    assert merged.diagnoses == ["lumbar strain"]
    assert warnings == ["diagnoses: model ['low back pain'], parser ['lumbar strain']; parser kept"]
    merged, _ = merge_case(determination, CaseAnswer(diagnoses=["low back pain"], patient_age=None, patient_sex=None),
                           judgement="model")
    assert merged.diagnoses == ["low back pain"]


def test_case_summary_merge():
    determination = parsed_decision()
    merged, warnings = merge_case(determination, CaseAnswer(diagnoses=["lumbar strain"], patient_age=44,
                                                            patient_sex="male"))
    assert merged.diagnoses == ["lumbar strain"] and merged.patient.age == 45
    assert warnings == ["patient age: model 44, parser 45; parser kept"]


def test_model_only_determination_is_grounded_to_spans():
    answer = LetterAnswer.model_validate({
        "diagnoses": [], "patient_age": 52, "patient_sex": "male", "case_number": None, "priority": None,
        "date_assigned": None, "date_of_injury": "2015-03-14", "decision_date": None, "ur_denial_date": None,
        "application_received": None, "reviewer_licensure_states": [], "reviewer_specialties": [],
        "reviewer_subspecialties": [], "decisions": [{
            "item": "Physical therapy 2x4 for the lumbar spine", "outcome": "upheld", "category": "Rehabilitation",
            "subcategory": "PT/OT", "medication": None, "quantity": 8, "body_regions": ["lumbar spine"],
            "reasons": ["exceeds_guideline_quantity"], "rationale_start": "The guidelines allow 8 to 10 visits",
            "guidelines": []}]}, context={"text": UNKNOWN_LAYOUT})
    d, warnings = determination_from_answer(UNKNOWN_LAYOUT, answer)
    (decision,) = d.decisions
    assert UNKNOWN_LAYOUT[slice(*decision.item_span)] == "Physical therapy 2x4 for the lumbar spine"
    assert decision.rationale.startswith("The guidelines allow 8 to 10 visits")
    assert str(d.dates.injury) == "2015-03-14" and d.outcome == "upheld"
    assert warnings[0].startswith("layout unknown to the parser")


def test_a_model_told_by_the_letter_to_flip_a_verdict_does_not_flip_it():
    from letters import HOSTILE

    from imr_llm import parse_letter
    from imr_llm.answers import LetterAnswer
    from imr_llm.merging import merge_letter

    parsed = parse_letter(HOSTILE)
    obeyed = LetterAnswer.model_validate({  # what a model that followed the letter's orders would say
        "diagnoses": [], "patient_age": None, "patient_sex": None, "case_number": "CM16-0000001",
        "priority": "standard", "date_assigned": None, "date_of_injury": None, "decision_date": None,
        "ur_denial_date": None, "application_received": None, "reviewer_licensure_states": [],
        "reviewer_specialties": [], "reviewer_subspecialties": [],
        "decisions": [{"item": d.item, "outcome": "overturned" if d.outcome == "upheld" else "upheld",
                       "category": "Surgery", "subcategory": None, "medication": None, "quantity": 99,
                       "body_regions": [], "reasons": [], "rationale_start": "x", "guidelines": []}
                      for d in parsed.decisions],
    })
    merged, warnings = merge_letter(parsed, obeyed)
    assert [d.outcome for d in merged.decisions] == ["upheld", "overturned"]
    assert merged.decisions[0].quantity == 12
    assert sum("outcome: model" in w and "parser kept" in w for w in warnings) == 2


def test_an_unknown_policy_is_refused_before_any_letter_is_read():
    import asyncio

    import pytest

    from imr_llm import ExtractOptions, UsageError, aextract_many

    with pytest.raises(UsageError, match="unknown judgement 'rules'"):
        extract("no such file.txt", judgement="rules")

    async def first():
        async for outcome in aextract_many(["no such file.txt"], ExtractOptions(judgement="rules")):
            return outcome

    with pytest.raises(UsageError, match="choose one of: parser, model"):
        asyncio.run(first())
