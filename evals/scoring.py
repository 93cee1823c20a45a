"""Scoring a prediction against a gold file (a Determination holding only what a person labeled).

- A key missing from the gold file is not scored; ``null`` or ``[]`` there is a labeled absence.
- Scalars score 1 or 0, exact after normalisation (case, whitespace).
- Lists score set F1 (precision and recall kept too); two empty lists agree (1.0).
- Free text (``item``, ``rationale``) scores token F1.
- Decisions pair with gold decisions by item text (best token F1 first, at least 0.5); every
  labeled field of an unpaired gold decision scores 0, and unpaired predictions lower decision
  precision.
Fields fall in two groups: ``template`` (what the letter's layout fixes) and ``semantic`` (what
takes judgement: category, subcategory, medication, quantity, body_regions, reasons, diagnoses).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Optional

SEMANTIC = {"category", "subcategory", "medication", "quantity", "body_regions", "reasons", "diagnoses"}
FREE_TEXT = {"item", "rationale"}
CITED = ("source", "title", "year")  # what a citation cites, compared; how it is worded (text, sections) is not
_PAIRING_THRESHOLD = 0.5


@dataclass(frozen=True)
class FieldScore:
    field: str  # "dates.injury", "decisions.quantity", ...
    group: str  # "template" | "semantic"
    score: float
    precision: Optional[float] = None  # lists only
    recall: Optional[float] = None


@dataclass
class DocumentScore:
    fields: list[FieldScore] = field(default_factory=list)
    gold_decisions: int = 0
    predicted_decisions: int = 0
    paired_decisions: int = 0

    @property
    def decision_precision(self) -> float:
        if not self.predicted_decisions:
            return float(not self.gold_decisions)
        return self.paired_decisions / self.predicted_decisions

    @property
    def decision_recall(self) -> float:
        return self.paired_decisions / self.gold_decisions if self.gold_decisions else 1.0

    @property
    def decision_f1(self) -> float:
        return _f1(self.decision_precision, self.decision_recall)

    @property
    def overall(self) -> float:
        return sum(f.score for f in self.fields) / len(self.fields) if self.fields else 1.0


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    return value


def _tokens(text: Optional[str]) -> list[str]:
    return re.findall(r"\w+", (text or "").casefold())


def token_f1(predicted: Optional[str], gold: Optional[str]) -> float:
    p, g = _tokens(predicted), _tokens(gold)
    if not p and not g:
        return 1.0
    common = sum(min(p.count(t), g.count(t)) for t in set(p))
    if not common:
        return 0.0
    return _f1(common / len(p), common / len(g))


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _list_key(value: Any) -> Any:
    if isinstance(value, dict):  # a Citation
        return tuple(_normal(value.get(k)) for k in CITED)
    return _normal(value)


def set_scores(predicted: Optional[list], gold: list) -> tuple[float, float, float]:
    """(precision, recall, F1) of two lists taken as sets; two empty lists agree."""
    p = {_list_key(v) for v in predicted or []}
    g = {_list_key(v) for v in gold}
    if not p and not g:
        return 1.0, 1.0, 1.0
    hit = len(p & g)
    precision = hit / len(p) if p else 0.0
    recall = hit / len(g) if g else 0.0
    return precision, recall, _f1(precision, recall)


def field_score(name: str, predicted: Any, gold: Any) -> FieldScore:
    leaf = name.rsplit(".", 1)[-1]
    group = "semantic" if leaf in SEMANTIC else "template"
    if isinstance(gold, list):
        precision, recall, f1 = set_scores(predicted if isinstance(predicted, list) else None, gold)
        return FieldScore(name, group, f1, precision, recall)
    if leaf in FREE_TEXT:
        return FieldScore(name, group, token_f1(predicted, gold))
    return FieldScore(name, group, float(_normal(predicted) == _normal(gold)))


def _score_mapping(prefix: str, predicted: dict, gold: dict, out: list[FieldScore]) -> None:
    for key, gold_value in gold.items():
        name = f"{prefix}{key}"
        predicted_value = (predicted or {}).get(key)
        if isinstance(gold_value, dict):  # dates, reviewer, patient, guidelines: field by field
            _score_mapping(f"{name}.", predicted_value or {}, gold_value, out)
        else:
            out.append(field_score(name, predicted_value, gold_value))


def pair_decisions(predicted: list[dict], gold: list[dict]) -> list[tuple[Optional[dict], dict]]:
    """Each gold decision with its predicted one (or None), by item text, best matches first."""
    candidates = sorted(
        ((token_f1(p.get("item"), g.get("item")), i, j) for i, g in enumerate(gold) for j, p in enumerate(predicted)),
        reverse=True,
    )
    taken_gold, taken_predicted, pairs = set(), set(), {}
    for similarity, i, j in candidates:
        if similarity < _PAIRING_THRESHOLD:
            break
        if i in taken_gold or j in taken_predicted:
            continue
        taken_gold.add(i)
        taken_predicted.add(j)
        pairs[i] = predicted[j]
    return [(pairs.get(i), g) for i, g in enumerate(gold)]


def score_document(predicted: dict, gold: dict) -> DocumentScore:
    """Every labeled field of ``gold`` scored against ``predicted`` (both in the contract's shape)."""
    result = DocumentScore()
    case_gold = {k: v for k, v in gold.items() if k not in ("decisions", "text")}
    _score_mapping("", predicted, case_gold, result.fields)
    if "decisions" in gold:
        predicted_decisions = predicted.get("decisions") or []
        result.gold_decisions = len(gold["decisions"])
        result.predicted_decisions = len(predicted_decisions)
        for match, gold_decision in pair_decisions(predicted_decisions, gold["decisions"]):
            if match is None:  # a missed decision: every field it labels scores 0
                for key in gold_decision:
                    leaf_group = "semantic" if key in SEMANTIC else "template"
                    result.fields.append(FieldScore(f"decisions.{key}", leaf_group, 0.0))
                continue
            result.paired_decisions += 1
            _score_mapping("decisions.", match, gold_decision, result.fields)
    return result


def score_failure(gold: dict) -> DocumentScore:
    """A document that could not be extracted: every field ``gold`` labels scores 0."""
    result = DocumentScore(gold_decisions=len(gold.get("decisions", [])))
    empty: dict = {}
    _score_mapping("", empty, {k: v for k, v in gold.items() if k not in ("decisions", "text")}, result.fields)
    result.fields = [FieldScore(f.field, f.group, 0.0, 0.0 if f.precision is not None else None,
                                0.0 if f.recall is not None else None) for f in result.fields]
    for gold_decision in gold.get("decisions", []):
        for key in gold_decision:
            result.fields.append(FieldScore(f"decisions.{key}", "semantic" if key in SEMANTIC else "template", 0.0))
    return result


@dataclass
class Summary:
    per_field: dict[str, float]
    per_group: dict[str, float]
    overall: float
    decision_precision: float
    decision_recall: float
    decision_f1: float


def summarize(documents: list[DocumentScore]) -> Summary:
    """Means over every scored field occurrence: by field, by group, and overall; decision P/R/F1."""
    by_field: dict[str, list[float]] = defaultdict(list)
    by_group: dict[str, list[float]] = defaultdict(list)
    everything: list[float] = []
    for document in documents:
        for score in document.fields:
            by_field[score.field].append(score.score)
            by_group[score.group].append(score.score)
            everything.append(score.score)
    gold = sum(d.gold_decisions for d in documents)
    predicted = sum(d.predicted_decisions for d in documents)
    paired = sum(d.paired_decisions for d in documents)
    precision = paired / predicted if predicted else float(not gold)
    recall = paired / gold if gold else 1.0

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 1.0

    return Summary(
        per_field={name: mean(values) for name, values in sorted(by_field.items())},
        per_group={name: mean(values) for name, values in sorted(by_group.items())},
        overall=mean(everything),
        decision_precision=precision,
        decision_recall=recall,
        decision_f1=_f1(precision, recall),
    )
