"""The output contract (v1.1): what `extract` returns and `imr-llm extract` writes.

Field names and vocabularies are fixed by docs/CONTRACT.md; downstream code, gold files and
outside checks read them. Add fields freely; never rename or drop these.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal, Optional, get_args

from pydantic import BaseModel, ConfigDict, Field

from . import taxonomy

Priority = Literal["standard", "expedited"]
Sex = Literal["male", "female"]
Verdict = Literal["upheld", "overturned"]
CaseOutcome = Literal["upheld", "overturned", "partially_overturned"]
# The vocabularies that are the DWC's (categories, reasons) come from the one taxonomy.
if TYPE_CHECKING:  # built from the taxonomy at run time, which a type checker cannot follow
    Category = str
    Reason = str
else:
    Category = Literal[tuple(taxonomy.CATEGORIES)]
    Reason = Literal[tuple(taxonomy.REASONS)]
BodyRegion = Literal[
    "cervical spine",
    "thoracic spine",
    "lumbar spine",
    "shoulder",
    "elbow",
    "wrist/hand",
    "hip",
    "knee",
    "ankle/foot",
    "head",
    "other",
]
GuidelineSource = Literal["MTUS", "ODG", "ACOEM", "Other"]

CATEGORIES: tuple[str, ...] = get_args(Category)
BODY_REGIONS: tuple[str, ...] = get_args(BodyRegion)
REASONS: tuple[str, ...] = get_args(Reason)

Span = tuple[int, int]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Citation(_Model):
    source: GuidelineSource
    title: Optional[str] = None
    year: Optional[int] = None
    sections: list[str] = Field(default_factory=list)
    pages: Optional[str] = None
    text: str


class Guidelines(_Model):
    claims_administrator: list[Citation] = Field(default_factory=list)
    maximus: list[Citation] = Field(default_factory=list)


class Decision(_Model):
    item: str
    outcome: Verdict
    # Null only where nothing decided it: the parser's keyword rules found no match.
    category: Optional[Category] = None
    subcategory: Optional[str] = None  # on the DWC's list for the category (taxonomy.subcategories)
    medication: Optional[str] = None
    quantity: Optional[int] = None
    body_regions: list[BodyRegion] = Field(default_factory=list)
    guidelines: Guidelines = Field(default_factory=Guidelines)
    reasons: list[Reason] = Field(default_factory=list)
    rationale: str
    item_span: Span
    rationale_span: Span
    # Added to the contract: why the category is what it is. The parser's rule and the words it
    # matched ("imaging: MRI"), "model" where a model's answer was kept, None where nothing decided.
    category_basis: Optional[str] = None


class Dates(_Model):
    assigned: Optional[dt.date] = None
    injury: Optional[dt.date] = None
    decision: Optional[dt.date] = None
    ur_denial: Optional[dt.date] = None
    application_received: Optional[dt.date] = None


class Reviewer(_Model):
    licensure_states: list[str] = Field(default_factory=list)
    specialties: list[str] = Field(default_factory=list)
    subspecialties: list[str] = Field(default_factory=list)


class Patient(_Model):
    age: Optional[int] = None
    sex: Optional[Sex] = None


class Usage(_Model):
    """What the model calls behind one result cost. Added to the contract (v1 allows additions)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    calls: int = 0  # requests sent, re-asks included
    reasks: int = 0  # requests sent again because an answer failed validation


class Determination(_Model):
    case_number: Optional[str] = None
    priority: Optional[Priority] = None
    dates: Dates = Field(default_factory=Dates)
    reviewer: Reviewer = Field(default_factory=Reviewer)
    patient: Patient = Field(default_factory=Patient)
    diagnoses: list[str] = Field(default_factory=list)
    outcome: CaseOutcome
    decisions: list[Decision]
    text: str = Field(repr=False)
    # Additions to the contract: how the result was made.
    warnings: list[str] = Field(default_factory=list)  # disagreements kept, never silently dropped
    usage: Usage = Field(default_factory=Usage)
    model: Optional[str] = None  # None: the parser alone
    prompt: Optional[str] = None
