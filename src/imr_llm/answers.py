"""Stage 4's schemas: what a model is asked to answer, and the checks its answer must pass.

The model *is* the schema: each class here is sent as the JSON schema that constrains decoding,
and its validators ground the answer in the letter (see `grounding`). A validator that raises
makes instructor ask again with the reason. The letter reaches the validators as the
validation context: ``{"text": ..., "item": ..., "rationale": ...}`` (what the call is about;
``{"text": ..., "blocks": [{"item": ..., "rationale": ...}, ...]}`` for all of a letter's decisions
at once), either passed to pydantic or set around a call (`calling.grounded_in`, which keeps
instructor from rendering the messages as templates). Without a context only the schema is
checked: that is how the usable parts of a rejected answer are salvaged.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional

from instructor import OpenAISchema
from pydantic import ConfigDict, Field, ValidationInfo, create_model, field_validator, model_validator

from .calling import grounding_context
from .grounding import check_body_regions, check_medication, check_quantity, check_subcategory, check_verbatim
from .schema import BodyRegion, Category, Priority, Reason, Sex, Verdict
from .taxonomy import all_subcategories, canonical_subcategory

if TYPE_CHECKING:  # built from the taxonomy at run time, which a type checker cannot follow
    Subcategory = str
else:
    Subcategory = Literal[all_subcategories()]


def _context(info: ValidationInfo) -> dict[str, Any]:
    return (info.context if info.context is not None else grounding_context()) or {}


class _Answer(OpenAISchema):
    # instructor's own base: without it instructor builds a wrapper class around the schema at
    # every call, a third of the library's time per call (the JSON schema is the same either way).
    model_config = ConfigDict(extra="ignore")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # instructor asks for it at every call, and pydantic builds it afresh each time (0.1-0.7 ms).
        # Made once, kept as JSON: some callers change the dict they get (openai's strict form).
        return json.loads(_json_schema(cls, args, tuple(sorted(kwargs.items()))))


@functools.lru_cache(maxsize=None)
def _json_schema(cls: type[_Answer], args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> str:
    return json.dumps(super(_Answer, cls).model_json_schema(*args, **dict(kwargs)))


class DecisionAnswer(_Answer):
    """The semantic fields of one disputed item, read from its decision block."""

    # Every field is required (null allowed): a grammar built from the schema then makes the model
    # write each one, where optional fields let a small model stop at "{}". The prompt explains them.
    category: Category
    subcategory: Optional[Subcategory]  # one of the DWC's names; which ones fit the category is checked below
    medication: Optional[str]
    quantity: Optional[int]
    body_regions: list[BodyRegion]
    reasons: list[Reason]

    @field_validator("subcategory", mode="before")
    @classmethod
    def _canonical(cls, value: Any) -> Any:
        # The DWC form's own variant spellings ("Benzodiazepines", "Histamine 2") mean the same class.
        return canonical_subcategory(value) if isinstance(value, str) else value

    def _item(self, info: ValidationInfo) -> Optional[str]:
        return _context(info).get("item")

    def _region_sources(self, info: ValidationInfo) -> list[str]:
        return [_context(info).get("item", ""), _context(info).get("rationale", "")]

    @model_validator(mode="after")
    def _grounded_in_item(self, info: ValidationInfo) -> DecisionAnswer:
        if not _context(info):  # no context: the schema's checks only (used to salvage an answer)
            return self
        check_subcategory(self.category, self.subcategory)
        item = self._item(info)
        if item:
            check_medication(self.medication, item)
            check_quantity(self.quantity, item)
            check_body_regions(self.body_regions, *self._region_sources(info))
        return self


class DecisionsAnswer(_Answer):
    """A letter's decision blocks (up to `strategies.GROUP_SIZE`), labelled in one call
    (`decisions_answer` fixes how many)."""

    decisions: list[DecisionAnswer]

    @model_validator(mode="after")
    def _each_grounded_in_its_item(self, info: ValidationInfo) -> DecisionsAnswer:
        blocks = _context(info).get("blocks") or []
        first = _context(info).get("first", 0)  # the letter's number of the call's first block, less one
        for index, (answer, block) in enumerate(zip(self.decisions, blocks, strict=False)):
            try:
                check_medication(answer.medication, block["item"])
                check_quantity(answer.quantity, block["item"])
                check_body_regions(answer.body_regions, block["item"], block["rationale"])
            except ValueError as exc:  # the re-ask must say which entry to change
                raise ValueError(f"decisions[{index}] (item {first + index + 1}): {exc}") from None
        return self


@functools.lru_cache(maxsize=None)
def decisions_answer(count: int) -> type[DecisionsAnswer]:
    """The answer for ``count`` decision blocks: the schema asks for exactly that many entries, so
    that a grammar built from it makes the model answer each block once."""
    entries = Annotated[list[DecisionAnswer], Field(min_length=count, max_length=count)]
    return create_model("DecisionsAnswer", __base__=DecisionsAnswer, decisions=(entries, ...))


class CaseAnswer(_Answer):
    """The case fields the summary states: diagnoses, and the patient."""

    diagnoses: list[str]
    patient_age: Optional[int]
    patient_sex: Optional[Sex]

    @field_validator("diagnoses")
    @classmethod
    def _diagnoses_in_text(cls, value: list[str], info: ValidationInfo) -> list[str]:
        text = _context(info).get("text")
        if text:
            for diagnosis in value:
                check_verbatim(diagnosis, text, "diagnosis")
        return value


class _ItemHead(_Answer):
    item: str
    outcome: Verdict


class LetterDecision(DecisionAnswer, _ItemHead):
    """One disputed item read by the model alone (item and outcome come first in the schema)."""

    # The rationale's first sentence, word for word: it locates the rationale, which runs to the
    # next item. (Copying whole rationales makes small models run out of tokens or loop.)
    rationale_start: str
    guidelines: list[str]

    def _item(self, info: ValidationInfo) -> Optional[str]:
        return self.item

    def _region_sources(self, info: ValidationInfo) -> list[str]:
        return [self.item, _context(info).get("text", "")]

    @field_validator("item", "rationale_start")
    @classmethod
    def _verbatim(cls, value: str, info: ValidationInfo) -> str:
        text = _context(info).get("text")
        return check_verbatim(value, text, info.field_name or "quote") if text else value


class LetterAnswer(CaseAnswer):
    """A whole letter, read by the model (the monolithic strategy)."""

    case_number: Optional[str]
    priority: Optional[Priority]
    date_assigned: Optional[str]  # YYYY-MM-DD, as every date here
    date_of_injury: Optional[str]
    decision_date: Optional[str]
    ur_denial_date: Optional[str]
    application_received: Optional[str]
    reviewer_licensure_states: list[str]
    reviewer_specialties: list[str]
    reviewer_subspecialties: list[str]
    decisions: list[LetterDecision] = Field(min_length=1)
