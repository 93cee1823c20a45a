"""The scorer on small hand-made cases, with exact expected numbers."""

import pytest
from evals.scoring import pair_decisions, score_document, score_failure, set_scores, summarize, token_f1


def scores(document):
    return {f.field: f.score for f in document.fields}


def test_scalars_exact_after_normalisation_and_missing_keys_not_scored():
    gold = {"case_number": "CM16-0224814", "priority": "standard", "patient": {"age": 32}}
    predicted = {"case_number": " cm16-0224814 ", "priority": "expedited", "patient": {"age": 32, "sex": "female"}}
    assert scores(score_document(predicted, gold)) == {"case_number": 1.0, "priority": 0.0, "patient.age": 1.0}


def test_nulls_and_empty_lists_are_labeled_absences():
    gold = {"case_number": None, "diagnoses": [], "dates": {"decision": None}}
    assert scores(score_document({"case_number": None, "diagnoses": [], "dates": {}}, gold)) == {
        "case_number": 1.0, "diagnoses": 1.0, "dates.decision": 1.0}
    assert scores(score_document({"case_number": "CM1", "diagnoses": ["strain"], "dates": {"decision": "2017-01-06"}},
                                 gold)) == {"case_number": 0.0, "diagnoses": 0.0, "dates.decision": 0.0}


def test_list_fields_are_set_precision_recall_f1():
    assert set_scores(["Texas", "California"], ["texas", "New York", "California"]) == (1.0, 2 / 3, 0.8)
    document = score_document({"reviewer": {"licensure_states": ["Texas", "Ohio"]}},
                              {"reviewer": {"licensure_states": ["Texas", "California"]}})
    (field,) = document.fields
    assert (field.field, field.precision, field.recall, field.score) == ("reviewer.licensure_states", 0.5, 0.5, 0.5)


def test_free_text_by_token_f1():
    assert token_f1("MRI of the lumbar spine", "MRI of the lumbar spine") == 1.0
    assert token_f1("MRI lumbar", "MRI of the lumbar spine") == pytest.approx(2 * 1.0 * 0.4 / 1.4)
    assert token_f1(None, "") == 1.0


def test_a_missing_decision_scores_zero_on_every_field_it_labels():
    gold = {"decisions": [
        {"item": "Norco 10/325mg #120", "outcome": "upheld", "quantity": 120},
        {"item": "MRI of the lumbar spine", "outcome": "upheld", "category": "Diagnostic Testing"},
    ]}
    predicted = {"decisions": [{"item": "Norco 10/325mg #120", "outcome": "upheld", "quantity": 120}]}
    document = score_document(predicted, gold)
    assert [(f.field, f.group, f.score) for f in document.fields] == [
        ("decisions.item", "template", 1.0), ("decisions.outcome", "template", 1.0),
        ("decisions.quantity", "semantic", 1.0),
        ("decisions.item", "template", 0.0), ("decisions.outcome", "template", 0.0),
        ("decisions.category", "semantic", 0.0),
    ]
    assert (document.decision_precision, document.decision_recall) == (1.0, 0.5)
    assert document.decision_f1 == pytest.approx(2 / 3)


def test_an_extra_decision_lowers_precision_only():
    gold = {"decisions": [{"item": "Norco 10/325mg #120", "outcome": "upheld"}]}
    predicted = {"decisions": [{"item": "Norco 10/325mg #120", "outcome": "upheld"},
                               {"item": "Acupuncture x 6", "outcome": "upheld"}]}
    document = score_document(predicted, gold)
    assert document.overall == 1.0
    assert (document.decision_precision, document.decision_recall) == (0.5, 1.0)


def test_a_failed_document_scores_zero_on_every_labeled_field():
    gold = {"case_number": "CM1", "diagnoses": [], "patient": {"age": 40},
            "decisions": [{"item": "Norco #120", "outcome": "upheld"}]}
    document = score_failure(gold)
    assert [(f.field, f.score) for f in document.fields] == [
        ("case_number", 0.0), ("diagnoses", 0.0), ("patient.age", 0.0), ("decisions.item", 0.0), ("decisions.outcome", 0.0)]
    assert (document.gold_decisions, document.predicted_decisions, document.decision_f1) == (1, 0, 0.0)


def test_a_wrong_verdict():
    gold = {"outcome": "upheld", "decisions": [{"item": "Norco #120", "outcome": "upheld"}]}
    predicted = {"outcome": "overturned", "decisions": [{"item": "Norco #120", "outcome": "overturned"}]}
    assert scores(score_document(predicted, gold)) == {"outcome": 0.0, "decisions.item": 1.0, "decisions.outcome": 0.0}


def test_decisions_pair_by_item_not_by_order():
    gold = [{"item": "MRI of the lumbar spine"}, {"item": "Norco 10/325mg #120"}]
    predicted = [{"item": "Norco 10/325 mg #120"}, {"item": "MRI lumbar spine"}, {"item": "Cane"}]
    pairs = pair_decisions(predicted, gold)
    assert [p["item"] for p, _ in pairs] == ["MRI lumbar spine", "Norco 10/325 mg #120"]


def test_citations_compare_what_they_cite():
    gold = {"decisions": [{"item": "X", "guidelines": {"maximus": [
        {"source": "MTUS", "title": "Low Back Complaints", "year": 2004, "text": "MTUS Low Back Complaints 2004"}]}}]}
    predicted = {"decisions": [{"item": "X", "guidelines": {"maximus": [
        {"source": "MTUS", "title": "low back complaints", "year": 2004, "text": "written otherwise"},
        {"source": "ODG", "title": "Low Back", "year": None, "text": "ODG"}]}}]}
    assert scores(score_document(predicted, gold))["decisions.guidelines.maximus"] == pytest.approx(2 / 3)


def test_summary_per_field_group_and_overall():
    a = score_document({"priority": "standard", "diagnoses": ["a"]}, {"priority": "standard", "diagnoses": ["a", "b"]})
    b = score_document({"priority": "expedited"}, {"priority": "standard"})
    summary = summarize([a, b])
    assert summary.per_field == {"diagnoses": pytest.approx(2 / 3), "priority": 0.5}
    assert summary.per_group == {"semantic": pytest.approx(2 / 3), "template": 0.5}
    assert summary.overall == pytest.approx((1 + 2 / 3 + 0) / 3)
