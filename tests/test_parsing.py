"""The parser on real letters: every seed in full, 23 dev letters against hand-checked values,
and every letter in the corpus for what must hold of any letter (no error, spans that index)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import DEV, SEEDS, seed
from expected_dev import EXPECTED
from letters import letter

from imr_llm import extract, parse_letter
from imr_llm.parsing import case_outcome, collapse

ALL_LETTERS = sorted(SEEDS.glob("*.txt")) + sorted(DEV.glob("*.pdf"))


def test_the_corpus_is_there(seeds_dir, dev_dir):
    # The per-letter test below is parametrized at collection; with no letters it would only skip.
    assert len(list(seeds_dir.glob("*.txt"))) >= 5 and list(dev_dir.glob("*.pdf"))


def citation_fields(citations):
    return [(c.source, c.title, c.year, c.sections, c.pages) for c in citations]


def test_seed_000_prose_credentials_and_odg_chapter():
    d = extract(seed("000"))
    assert d.case_number is None and d.priority is None
    assert d.dates.injury == dt.date(1989, 3, 22)
    assert d.dates.ur_denial == dt.date(2014, 5, 27)
    assert d.dates.assigned is None and d.dates.decision is None
    assert d.reviewer.specialties == ["Physical Medicine & Rehabilitation", "Pain Management"]
    assert d.reviewer.subspecialties == ["Interventional Spine"]
    assert d.reviewer.licensure_states == ["California"]
    assert (d.patient.age, d.patient.sex) == (68, "female")
    assert d.outcome == "upheld"
    (decision,) = d.decisions
    assert (decision.item, decision.outcome, decision.quantity) == ("Physical therapy x 12", "upheld", 12)
    assert (decision.category, decision.subcategory, decision.body_regions) == ("Rehabilitation", "PT/OT", [])
    assert citation_fields(decision.guidelines.claims_administrator) == [
        ("MTUS", "Chronic Pain Medical Treatment", None, [], None),
        ("ODG", "Low Back", None, [], None),
    ]
    assert citation_fields(decision.guidelines.maximus) == [
        ("MTUS", "Chronic Pain Medical Treatment", None, ["Physical Medicine"], "98-99")
    ]


def test_seed_001_words_for_numbers():
    d = extract(seed("001"))
    assert d.dates.injury == dt.date(2013, 8, 12) and d.dates.ur_denial == dt.date(2013, 12, 24)
    assert d.reviewer.specialties == ["Physical Medicine and Rehabilitation"]
    assert (d.patient.age, d.patient.sex) == (59, "male")
    (decision,) = d.decisions
    assert decision.item == "PHYSICAL THERAPY FOR CERVICAL THREE TIMES A WEEK FOR THREE WEEKS"
    assert (decision.quantity, decision.body_regions) == (9, ["cervical spine"])
    assert citation_fields(decision.guidelines.claims_administrator) == [
        ("MTUS", "Chronic Pain Medical Treatment", None, [], "474")
    ]


def test_seed_002_no_ur_date_in_the_text():
    d = extract(seed("002"))
    assert d.dates.injury == dt.date(2013, 7, 8) and d.dates.ur_denial is None
    assert d.reviewer.specialties == ["Physical Medicine & Rehabilitation"]
    assert d.reviewer.subspecialties == ["Interventional Spine"]
    assert (d.patient.age, d.patient.sex) == (49, "male")
    (decision,) = d.decisions
    assert (decision.item, decision.quantity, decision.body_regions) == (
        "Physical therapy for the left hip-12 visits",
        12,
        ["hip"],
    )


def test_seed_003_two_decisions_and_acoem_chapters():
    d = extract(seed("003"))
    assert d.reviewer.licensure_states == ["Illinois"] and d.reviewer.subspecialties == []
    assert d.dates.injury == dt.date(2013, 6, 14)
    assert (d.patient.age, d.patient.sex) == (57, "male")
    first, second = d.decisions
    assert (first.item, first.outcome, first.quantity, first.body_regions) == (
        "PT 2X4 FOR THE L/S",
        "upheld",
        8,
        ["lumbar spine"],
    )
    assert (second.item, second.quantity, second.body_regions, second.category) == (
        "MRI FOR THE C/S AND L/S",
        None,
        ["cervical spine", "lumbar spine"],
        "Diagnostic Testing",
    )
    assert citation_fields(second.guidelines.maximus) == [
        ("MTUS", "Neck and Upper Back Complaints", None, [], "303-305, 177-179"),
        ("MTUS", "Low Back Complaints", None, [], "303-305, 177-179"),
    ]


def test_seed_004_odg_chapters_in_one_line():
    d = extract(seed("004"))
    assert d.dates.injury == dt.date(2011, 7, 15) and d.dates.ur_denial == dt.date(2014, 7, 9)
    assert (d.patient.age, d.patient.sex) == (53, "female")
    first, second = d.decisions
    assert (first.item, first.quantity) == ("Physical Therapy 2 times a week for 4 weeks, Lumbar Spine", 8)
    assert (second.item, second.category, second.subcategory) == ("Home Exercise Kit for Lumbar Spine", "DMEPOS", "DME")
    assert citation_fields(second.guidelines.maximus) == [
        ("ODG", "Shoulder", None, ["Home exercise kits"], None),
        ("ODG", "Knee & Leg", None, ["Exercise equipment and durable medical equipment"], None),
    ]


@pytest.mark.parametrize("case_id", sorted(EXPECTED))
def test_dev_letter_against_hand_checked_values(dev_dir, case_id):
    expected = EXPECTED[case_id]
    d = extract(dev_dir / f"{case_id}.pdf")
    assert d.case_number == case_id
    assert d.priority == "standard"
    assert tuple(str(value) for value in d.dates.model_dump().values()) == expected.dates
    assert d.reviewer.licensure_states == expected.states
    assert d.reviewer.specialties == expected.specialties
    assert (d.patient.age, d.patient.sex) == expected.patient
    assert d.outcome == expected.outcome
    assert len(d.decisions) == len(expected.decisions)
    for decision, (item, outcome, quantity, regions, medication) in zip(d.decisions, expected.decisions, strict=True):
        if isinstance(item, tuple):  # a partly certified request: (how it starts, how it ends)
            assert decision.item.startswith(item[0] + " was the original request.")
            assert decision.item.endswith(item[1])
        else:
            assert decision.item == item
        assert (decision.outcome, decision.quantity, decision.body_regions, decision.medication) == (
            outcome,
            quantity,
            regions,
            medication,
        )


def test_dev_letter_citations(dev_dir):
    decisions = extract(dev_dir / "CM16-0219557.pdf").decisions
    assert citation_fields(decisions[0].guidelines.claims_administrator) == [
        ("MTUS", "Low Back Complaints", 2004, [], None)
    ]
    assert citation_fields(decisions[0].guidelines.maximus) == [
        ("MTUS", "Low Back Complaints", 2004, ["Summary"], None),
        ("MTUS", "Chronic Pain Medical Treatment", 2016, ["Facet blocks"], None),
        ("ACOEM", "Low Back Disorders", None, [], "607"),
    ]
    flexeril = extract(dev_dir / "CM16-0230651.pdf").decisions[8]
    assert flexeril.item == "Flexeril 10mg #60"
    assert citation_fields(flexeril.guidelines.claims_administrator) == [
        ("MTUS", "Chronic Pain Medical Treatment", 2016, ["Muscle relaxants (for pain)"], None),
        ("ODG", "Pain", None, [], None),
    ]
    assert extract(dev_dir / "CM17-0013587.pdf").decisions[1].guidelines.claims_administrator == []


@pytest.mark.parametrize("path", ALL_LETTERS, ids=lambda path: path.name)
def test_every_letter_parses_and_its_spans_index_the_text(path):
    d = extract(path)
    assert d.decisions
    for decision in d.decisions:
        assert collapse(d.text[slice(*decision.item_span)]) == decision.item
        assert collapse(d.text[slice(*decision.rationale_span)]) == decision.rationale
        assert decision.rationale and "Decision rationale:" not in decision.rationale
        # a rationale never runs on into the next block's labels
        assert not re.search(r"Claims Administrator guideline:|MAXIMUS guideline:", decision.rationale)
        assert decision.item_span[1] < decision.rationale_span[0]
    spans = [span for decision in d.decisions for span in (decision.item_span, decision.rationale_span)]
    assert spans == sorted(spans)


def test_case_outcome_from_the_decisions():
    assert case_outcome(["upheld", "upheld"]) == "upheld"
    assert case_outcome(["overturned"]) == "overturned"
    assert case_outcome(["upheld", "overturned"]) == "partially_overturned"


def test_parse_letter_on_a_letter_we_wrote():
    d = parse_letter(letter(("Norco 10/325mg #120", "Overturned", "The request is medically necessary.")))
    assert d.case_number == "CM16-0000001"
    assert d.reviewer.licensure_states == ["Texas", "New York", "California"]
    (decision,) = d.decisions
    assert (decision.medication, decision.quantity, decision.category, decision.subcategory) == (
        "Norco",
        120,
        "Pharmaceuticals",
        "Opioids",
    )
    assert decision.guidelines.maximus == []
    assert d.outcome == "overturned"


def test_the_parser_does_not_depend_on_the_pdf_library(dev_dir):
    """pypdf breaks lines and spaces differently from PDFium; the parse must come out the same."""
    from pypdf import PdfReader

    from imr_llm.reading import normalize_text

    def comparable(d):
        body = d.model_dump(exclude={"text"})
        for decision in body["decisions"]:
            del decision["item_span"], decision["rationale_span"]
            decision["rationale"] = re.sub(r"\W", "", decision["rationale"])
            for citation in decision["guidelines"]["claims_administrator"] + decision["guidelines"]["maximus"]:
                citation["text"] = re.sub(r"\s", "", citation["text"])
        return body

    for path in sorted(dev_dir.glob("*.pdf")):
        reader = PdfReader(path)
        if reader.is_encrypted:
            reader.decrypt("")
        text = normalize_text("\n".join(page.extract_text() for page in reader.pages))
        assert comparable(parse_letter(text)) == comparable(extract(path)), path.name


def test_the_parser_alone_runs_no_event_loop_so_it_works_inside_one():
    """extract(llm=False) parses in the caller's thread: it may be called from async code too."""
    import asyncio

    from conftest import seed

    from imr_llm import extract

    async def inside_a_loop():
        return extract(seed("003"), llm=False)

    assert [d.item for d in asyncio.run(inside_a_loop()).decisions] == ["PT 2X4 FOR THE L/S", "MRI FOR THE C/S AND L/S"]
