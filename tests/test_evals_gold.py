"""Every gold file is in the contract's shape, uses its vocabularies, and is grounded in its letter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DEV, SEEDS

from imr_llm import read_text
from imr_llm.grounding import contains
from imr_llm.schema import BODY_REGIONS, CATEGORIES, REASONS, Decision, Determination
from imr_llm.taxonomy import is_subcategory

GOLD = Path(__file__).resolve().parents[1] / "evals" / "gold"
GOLD_FILES = sorted(GOLD.glob("*/*.json"))
CASE_KEYS = set(Determination.model_fields)
DECISION_KEYS = set(Decision.model_fields)


def letter_of(path: Path) -> Path:
    return SEEDS / f"{path.stem}.txt" if path.parent.name == "seeds" else DEV / f"{path.stem}.pdf"


def test_there_is_gold_for_the_seeds():
    assert len(list((GOLD / "seeds").glob("*.json"))) == 5


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_gold_file(path):
    gold = json.loads(path.read_text())
    assert set(gold) <= CASE_KEYS - {"text"}
    text = read_text(letter_of(path))
    assert gold["outcome"] in ("upheld", "overturned", "partially_overturned")
    assert gold["decisions"]
    for decision in gold["decisions"]:
        assert set(decision) <= DECISION_KEYS
        if path.parent.name == "dev":  # others' data: short labeled values only, never passages
            assert not set(decision) & {"rationale", "item_span", "rationale_span"}
        assert contains(text, decision["item"]), decision["item"]
        assert decision["outcome"] in ("upheld", "overturned")
        assert decision.get("category") is None or decision["category"] in CATEGORIES
        if decision.get("category"):  # the DWC's names: a subcategory on the category's list, or null
            assert is_subcategory(decision["category"], decision.get("subcategory")), decision["subcategory"]
        assert set(decision.get("body_regions", [])) <= set(BODY_REGIONS)
        assert set(decision.get("reasons", [])) <= set(REASONS)
        if decision.get("medication"):
            assert contains(decision["item"], decision["medication"])
    for diagnosis in gold.get("diagnoses", []):
        assert contains(text, diagnosis), diagnosis
