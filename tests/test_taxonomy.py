"""The taxonomy is the DWC's, in one place, and everything that names a class reads it."""

from __future__ import annotations

from importlib import resources

import pytest
from conftest import DEV, SEEDS

from imr_llm import extract
from imr_llm.answers import DecisionAnswer
from imr_llm.prompting import load_prompt, taxonomy_text
from imr_llm.schema import CATEGORIES, REASONS
from imr_llm.taxonomy import (
    CATEGORIES as TAXONOMY_CATEGORIES,
)
from imr_llm.taxonomy import (
    DRUG_CLASS_ALIASES,
    DRUG_CLASSES,
    DRUGS,
    canonical_subcategory,
    is_subcategory,
    subcategories,
)
from imr_llm.taxonomy import (
    REASONS as TAXONOMY_REASONS,
)

ALL_LETTERS = sorted(SEEDS.glob("*.txt")) + sorted(DEV.glob("*.pdf"))


def test_the_contract_vocabularies_come_from_the_taxonomy():
    assert CATEGORIES == tuple(TAXONOMY_CATEGORIES)
    assert REASONS == tuple(TAXONOMY_REASONS)


def test_drug_classes_are_the_dwcs_names():
    assert len(DRUG_CLASSES) == len(set(DRUG_CLASSES)) == 42  # the DWC's form lists 42 (DOMAIN.md says 40)
    for name in ("H2 Blocker", "GI Agents", "Adrenal Cortical Steroids", "Impotence Agents", "Opioid Antagonist"):
        assert name in DRUG_CLASSES
    for ours in ("H2 Blockers", "Laxatives", "Corticosteroids"):  # names used before v1.1
        assert ours not in DRUG_CLASSES and DRUG_CLASS_ALIASES[ours] in DRUG_CLASSES


def test_no_drug_is_filed_under_a_class_the_dwc_does_not_have():
    assert set(DRUGS.values()) <= set(DRUG_CLASSES)
    assert set(DRUG_CLASS_ALIASES.values()) <= set(DRUG_CLASSES)
    assert DRUGS["famotidine"] == "H2 Blocker" and DRUGS["senna"] == "GI Agents" and DRUGS["viagra"] == "Impotence Agents"
    assert DRUGS["movantik"] == "Opioid Antagonist" and DRUGS["prednisone"] == "Adrenal Cortical Steroids"


def test_subcategories_by_category():
    assert subcategories("Pharmaceuticals") == DRUG_CLASSES
    assert subcategories("Home Health") == ()
    assert is_subcategory("Psych Services", "Evaluation & Management")
    assert not is_subcategory("Home Health", "DME") and is_subcategory("Home Health", None)
    assert canonical_subcategory("Histamine 2") == "H2 Blocker" and canonical_subcategory("PT/OT") == "PT/OT"


def test_the_answer_schema_offers_only_the_dwcs_names_and_reads_their_variants():
    schema = DecisionAnswer.model_json_schema()["properties"]["subcategory"]
    offered = {name for option in schema["anyOf"] for name in option.get("enum", [])}
    assert set(DRUG_CLASSES) <= offered and "H2 Blockers" not in offered
    answer = DecisionAnswer.model_validate({"category": "Pharmaceuticals", "subcategory": "Benzodiazepines",
                                            "medication": None, "quantity": None, "body_regions": [], "reasons": []})
    assert answer.subcategory == "Benzodiazepine"


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_the_v2_and_v3_prompts_are_rendered_from_the_taxonomy_not_retyped(version):
    rendered = taxonomy_text()
    decision = "decisions" if version == "v3" else "decision"
    for prompt, call, role, values in (
            (f"segmented-{version}", decision, "system", {"item": "x", "outcome": "upheld", "rationale": "y"}),
            (f"monolithic-{version}", "letter", "system", {"text": "z"})):
        system = load_prompt(prompt).render(call, role, **values)
        for part in ("categories", "drug_classes", "conventions", "reasons"):
            assert rendered[part] in system
    source = (resources.files("imr_llm.prompts") / f"segmented-{version}.md").read_text()
    assert "H2 Blocker" not in source and "$drug_classes" in source


@pytest.mark.parametrize("path", ALL_LETTERS, ids=lambda p: p.stem)
def test_every_pharmaceutical_the_parser_reads_has_a_dwc_class_or_none(path):
    for decision in extract(path, llm=False).decisions:
        if decision.category == "Pharmaceuticals":
            assert decision.subcategory is None or decision.subcategory in DRUG_CLASSES
        if decision.category:
            assert is_subcategory(decision.category, decision.subcategory)
            assert decision.category_basis
