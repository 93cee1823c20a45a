"""Stage 2, parse: a letter's text becomes a Determination, with no model involved.

Everything the letters' own template fixes is read here exactly: the header, the reviewer,
every decision block with its verdict, guideline citations, rationale and spans. What the item
text states outright (quantity, body regions, medication) is read too; `category` comes from
keyword rules and stays None where none fits.
"""

from __future__ import annotations

from typing import Optional, Sequence, cast

from .case import injury_date_in, parse_header, parse_patient, parse_reviewer, ur_denial_date_in
from .categories import classify
from .citations import parse_guideline
from .diagnoses import diagnoses_in
from .items import parse_body_regions, parse_medication, parse_quantity
from .layout import Block, find_layout
from .reasons import reasons_for
from .schema import CaseOutcome, Citation, Decision, Determination, Guidelines, Priority, Verdict


def parse_letter(text: str) -> Determination:
    """The Determination that ``text`` (as `read_text` returns it) holds.

    Raises `LayoutError` when the text is not in a known layout or holds no decision.
    """
    layout = find_layout(text)
    case_number, priority, dates = parse_header(text[slice(*layout.header_span)])
    summary = text[slice(*layout.summary_span)]
    if dates.injury is None:
        dates.injury = injury_date_in(summary)
    if dates.ur_denial is None:  # the summary says it most often; else a rationale may
        dates.ur_denial = ur_denial_date_in(summary) or ur_denial_date_in(text[layout.summary_span[1]:])
    decisions = [_decision(text, block) for block in layout.blocks]
    return Determination(
        case_number=case_number,
        priority=cast(Optional[Priority], priority),
        dates=dates,
        reviewer=parse_reviewer(text[slice(*layout.credentials_span)]),
        patient=parse_patient(summary),
        diagnoses=diagnoses_in(summary),
        outcome=case_outcome([decision.outcome for decision in decisions]),
        decisions=decisions,
        text=text,
    )


def case_outcome(verdicts: Sequence[str]) -> CaseOutcome:
    """"upheld" when every item is upheld, "overturned" when every one is, else partly."""
    if all(verdict == "upheld" for verdict in verdicts):
        return "upheld"
    if all(verdict == "overturned" for verdict in verdicts):
        return "overturned"
    return "partially_overturned"


def collapse(text: str) -> str:
    """Whitespace collapsed to single spaces: how the contract writes items and rationales."""
    return " ".join(text.split())


def _decision(text: str, block: Block) -> Decision:
    item = collapse(text[slice(*block.item_span)])
    rationale = collapse(text[slice(*block.rationale_span)])
    medication = parse_medication(item)
    classified = classify(item, medication)
    return Decision(
        item=item,
        outcome=cast(Verdict, block.verdict),
        category=classified.category,
        subcategory=classified.subcategory,
        category_basis=classified.basis,
        medication=medication,
        quantity=parse_quantity(item),
        body_regions=parse_body_regions(item),
        guidelines=Guidelines(
            claims_administrator=_citations(text, block.claims_administrator_span),
            maximus=_citations(text, block.maximus_span),
        ),
        reasons=reasons_for(rationale, block.verdict, classified.category),
        rationale=rationale,
        item_span=block.item_span,
        rationale_span=block.rationale_span,
    )


def _citations(text: str, span: tuple[int, int] | None) -> list[Citation]:
    return parse_guideline(text[slice(*span)]) if span else []
