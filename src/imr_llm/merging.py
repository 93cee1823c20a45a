"""Stage 6, merge: the parser's skeleton and the model's answers become one Determination.

Who wins, by ``judgement``:
- Always the parser on everything the letter's template fixes (dates, reviewer, items, verdicts,
  citations, rationales, spans) and on what the item text states outright (quantity, medication,
  body regions) when it found it.
- ``judgement="parser"`` (the default): wherever the parser has a rule-based answer on judgement
  (a category with its basis, a subcategory, reasons, diagnoses) it stands, and the model's
  different answer is a warning; the model fills what the parser left open there (no rule for the
  item, a drug of unknown class, no reason phrase, no statement of diagnoses). The item's fields
  stay the parser's, null included. So no model can make a field worse than the parser alone.
- ``judgement="model"``: the model's grounded answers on judgement replace the parser's, and the
  model fills the item fields the parser found nothing for.
Every disagreement is a warning.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any, Optional

from .answers import CaseAnswer, DecisionAnswer, LetterAnswer, LetterDecision
from .citations import parse_guideline
from .dates import parse_date
from .errors import LayoutError
from .grounding import locate
from .layout import strip_span
from .parsing import case_outcome, collapse
from .schema import Citation, Dates, Decision, Determination, Guidelines, Patient, Reviewer
from .taxonomy import subcategories

# How every disagreement warning ends (below): what the report counts as a parser/model
# disagreement, as a regular expression (DuckDB's and Python's syntax alike).
DISAGREEMENT_PATTERN = r"; (parser|model) kept$"


def merge_decision(decision: Decision, answer: DecisionAnswer, label: str,
                   judgement: str = "parser") -> tuple[Decision, list[str]]:
    """``decision`` (from the parser) completed by ``answer``; warnings where they differ."""
    warnings: list[str] = []
    update: dict[str, Any] = {}
    model_decides = judgement == "model" or decision.category_basis is None
    if answer.category is not None and model_decides:  # judgement: the model's, the rule's noted if different
        update.update(category=answer.category, subcategory=answer.subcategory, category_basis="model")
        for name in ("category", "subcategory"):
            mine, theirs = getattr(decision, name), getattr(answer, name)
            if mine is not None and mine != theirs:
                warnings.append(f"{label}: {name}: model {theirs!r}, parser rule {mine!r}; model kept")
    elif answer.category is not None:
        if answer.category != decision.category:
            warnings.append(f"{label}: category: model {answer.category!r}, parser rule {decision.category!r} "
                            f"({decision.category_basis}); parser kept")
        elif decision.subcategory is None and subcategories(decision.category or "") and answer.subcategory:
            update["subcategory"] = answer.subcategory  # a drug the table does not know: the model's class
        elif answer.subcategory != decision.subcategory:
            warnings.append(f"{label}: subcategory: model {answer.subcategory!r}, parser rule "
                            f"{decision.subcategory!r}; parser kept")
    if answer.reasons and (judgement == "model" or not decision.reasons):
        update["reasons"] = list(answer.reasons)
        if decision.reasons and set(decision.reasons) != set(answer.reasons):
            warnings.append(f"{label}: reasons: model {list(answer.reasons)}, parser {decision.reasons}; model kept")
    elif answer.reasons and set(decision.reasons) != set(answer.reasons):
        warnings.append(f"{label}: reasons: model {list(answer.reasons)}, parser {decision.reasons}; parser kept")
    for name in ("medication", "quantity", "body_regions"):  # what the item states: the parser read it
        mine, theirs = getattr(decision, name), getattr(answer, name)
        if mine in (None, []) and judgement == "model":
            update[name] = theirs  # the model fills what the parser found nothing for
        elif theirs not in (None, []) and theirs != mine:
            # Under the parser's judgement its null is an answer too: the numbers and names it set
            # aside (a strength, a spinal level) are what a model would put there.
            warnings.append(f"{label}: {name}: model {theirs!r}, parser {mine!r}; parser kept")
    return decision.model_copy(update=update), warnings


def merge_case(determination: Determination, answer: CaseAnswer,
               judgement: str = "parser") -> tuple[Determination, list[str]]:
    warnings: list[str] = []
    patient = determination.patient
    age, sex = patient.age, patient.sex
    if answer.patient_age is not None and age is not None and answer.patient_age != age:
        warnings.append(f"patient age: model {answer.patient_age}, parser {age}; parser kept")
    if answer.patient_sex is not None and sex is not None and answer.patient_sex != sex:
        warnings.append(f"patient sex: model {answer.patient_sex!r}, parser {sex!r}; parser kept")
    merged_patient = Patient(age=age if age is not None else answer.patient_age, sex=sex or answer.patient_sex)
    diagnoses, theirs = determination.diagnoses, list(answer.diagnoses)
    if theirs and (judgement == "model" or not diagnoses):
        if diagnoses and _folded(diagnoses) != _folded(theirs):
            warnings.append(f"diagnoses: model {theirs}, parser {diagnoses}; model kept")
        diagnoses = theirs
    elif theirs and _folded(diagnoses) != _folded(theirs):
        warnings.append(f"diagnoses: model {theirs}, parser {diagnoses}; parser kept")
    return determination.model_copy(update={"diagnoses": diagnoses, "patient": merged_patient}), warnings


def _folded(values: list[str]) -> set[str]:
    return {" ".join(value.split()).casefold() for value in values}


def _same_item(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, collapse(a).lower(), collapse(b).lower()).ratio()


def merge_letter(parsed: Determination, answer: LetterAnswer,
                 judgement: str = "parser") -> tuple[Determination, list[str]]:
    """A monolithic answer over a letter the parser read: template fields stay the parser's."""
    merged, warnings = merge_case(parsed, answer, judgement)
    for name, value in _answer_dates(answer, warnings).items():
        mine = getattr(parsed.dates, name)
        if value is not None and mine is not None and value != mine:
            warnings.append(f"date {name}: model {value.isoformat()}, parser {mine.isoformat()}; parser kept")
    decisions = []
    unmatched = list(answer.decisions)
    for index, decision in enumerate(parsed.decisions):
        label = f"decision {index + 1}"
        best = max(unmatched, key=lambda a: _same_item(a.item, decision.item), default=None)
        if best is None or _same_item(best.item, decision.item) < 0.6:
            warnings.append(f"{label}: the model gave no answer for item {decision.item[:80]!r}")
            decisions.append(decision)
            continue
        unmatched.remove(best)
        if best.outcome != decision.outcome:
            warnings.append(f"{label}: outcome: model {best.outcome!r}, parser {decision.outcome!r}; parser kept")
        completed, more = merge_decision(decision, best, label, judgement)
        decisions.append(completed)
        warnings.extend(more)
    for extra in unmatched:
        warnings.append(f"the model gave an item the parser did not find: {extra.item[:80]!r}; dropped")
    return merged.model_copy(update={"decisions": decisions}), warnings


def _answer_dates(answer: LetterAnswer, warnings: list[str]) -> dict[str, Optional[dt.date]]:
    fields = {
        "assigned": answer.date_assigned, "injury": answer.date_of_injury, "decision": answer.decision_date,
        "ur_denial": answer.ur_denial_date, "application_received": answer.application_received,
    }
    dates = {}
    for name, value in fields.items():
        dates[name] = _iso_or_us_date(value)
        if value and dates[name] is None:
            warnings.append(f"date {name}: model wrote {value!r}, not a date; left null")
    return dates


def _iso_or_us_date(value: Optional[str]) -> Optional[dt.date]:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return parse_date(value)


def _citation(written: str) -> list[Citation]:
    is_mtus = written.lstrip().upper().startswith("MTUS")
    lead = "Decision based on " if is_mtus else "Decision based on Non-MTUS Citation "
    return parse_guideline(lead + written) or [Citation(source="Other", text=written)]


def determination_from_answer(text: str, answer: LetterAnswer) -> tuple[Determination, list[str]]:
    """The model-only path (a layout the parser does not know): spans found by grounding."""
    warnings = ["layout unknown to the parser: every field is the model's"]
    located = []
    cursor = 0
    for index, found in enumerate(answer.decisions):
        item_span = locate(text, found.item, cursor)
        start = locate(text, found.rationale_start, item_span[1]) if item_span else None
        if item_span is None or start is None:  # validators make this rare: say so, never invent
            warnings.append(f"decision {index + 1}: item or rationale not found after the previous one; dropped")
            continue
        cursor = start[1]
        located.append((found, item_span, start[0]))
    decisions = []
    for index, (found, item_span, rationale_start) in enumerate(located):
        # A rationale runs from its first sentence to the next item (or the end of the letter).
        end = located[index + 1][1][0] if index + 1 < len(located) else len(text)
        decisions.append(_decision_from_answer(text, found, item_span, strip_span(text, rationale_start, end)))
    if not decisions:
        raise LayoutError("unknown layout, and the model found no decision in it")
    dates = Dates(**_answer_dates(answer, warnings))
    determination = Determination(
        case_number=answer.case_number,
        priority=answer.priority,
        dates=dates,
        reviewer=Reviewer(
            licensure_states=answer.reviewer_licensure_states,
            specialties=answer.reviewer_specialties,
            subspecialties=answer.reviewer_subspecialties,
        ),
        patient=Patient(age=answer.patient_age, sex=answer.patient_sex),
        diagnoses=list(answer.diagnoses),
        outcome=case_outcome([d.outcome for d in decisions]),
        decisions=decisions,
        text=text,
    )
    return determination, warnings


def _decision_from_answer(text: str, found: LetterDecision, item_span: tuple[int, int],
                          rationale_span: tuple[int, int]) -> Decision:
    return Decision(
        item=collapse(text[slice(*item_span)]),
        outcome=found.outcome,
        category=found.category,
        subcategory=found.subcategory,
        category_basis="model" if found.category else None,
        medication=found.medication,
        quantity=found.quantity,
        body_regions=found.body_regions,
        guidelines=Guidelines(maximus=[c for written in found.guidelines for c in _citation(written)]),
        reasons=found.reasons,
        rationale=collapse(text[slice(*rationale_span)]),
        item_span=item_span,
        rationale_span=rationale_span,
    )
