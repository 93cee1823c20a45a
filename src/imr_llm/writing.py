"""Stage 7, write: results as JSON Lines (one object per document) or CSV (one row per decision)."""

from __future__ import annotations

import copy
import csv
import json
from typing import IO, Any, Iterable, Optional

from .schema import Determination, Usage

# An error row carries every contract key, empty, so that readers see one shape per line.
_EMPTY_CASE: dict[str, Any] = {
    "case_number": None,
    "priority": None,
    "dates": {"assigned": None, "injury": None, "decision": None, "ur_denial": None, "application_received": None},
    "reviewer": {"licensure_states": [], "specialties": [], "subspecialties": []},
    "patient": {"age": None, "sex": None},
    "diagnoses": [],
    "outcome": None,
    "decisions": [],
    "warnings": [],
    "usage": Usage().model_dump(),
    "model": None,
    "prompt": None,
}


def result_row(
    source: str, determination: Optional[Determination], error: Optional[str], *, include_text: bool = False,
    sha256: Optional[str] = None,
) -> dict[str, Any]:
    """One document's JSON object: the Determination plus ``source``, ``sha256`` (of the file's
    bytes: what a resumed run recognises) and ``error``."""
    if determination is None:
        body = copy.deepcopy(_EMPTY_CASE)
    else:
        body = determination.model_dump(mode="json", exclude=None if include_text else {"text"})
    return {"source": source, "sha256": sha256, "error": error, **body}


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> None:
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()  # each document's line is on disk as soon as it is done


CSV_COLUMNS = [
    "source", "sha256", "error", "case_number", "priority", "date_assigned", "date_injury", "date_decision",
    "date_ur_denial", "date_application_received", "reviewer_licensure_states", "reviewer_specialties",
    "reviewer_subspecialties", "patient_age", "patient_sex", "diagnoses", "case_outcome",
    "model", "prompt", "total_tokens", "warnings",
    "decision_index", "item", "outcome", "category", "subcategory", "category_basis", "medication", "quantity",
    "body_regions", "reasons", "claims_administrator_guidelines", "maximus_guidelines",
    "rationale", "item_start", "item_end", "rationale_start", "rationale_end",
]


_DECISION_SCALARS = ("item", "outcome", "category", "subcategory", "category_basis", "medication", "quantity",
                     "rationale")


def _join(values: list[Any]) -> str:
    return "; ".join(str(value) for value in values)


def csv_rows(row: dict[str, Any], join_lists: bool = True) -> list[dict[str, Any]]:
    """A document's JSON object as flat rows: one per decision, case fields repeated. Lists are
    joined with "; " for CSV, kept as lists (``join_lists=False``) for Parquet."""
    join = _join if join_lists else list
    dates, reviewer, patient = row["dates"], row["reviewer"], row["patient"]
    case = {
        "source": row["source"], "sha256": row.get("sha256"), "error": row["error"], "case_number": row["case_number"],
        "priority": row["priority"], **{f"date_{key}": value for key, value in dates.items()},
        "reviewer_licensure_states": join(reviewer["licensure_states"]),
        "reviewer_specialties": join(reviewer["specialties"]),
        "reviewer_subspecialties": join(reviewer["subspecialties"]),
        "patient_age": patient["age"], "patient_sex": patient["sex"],
        "diagnoses": join(row["diagnoses"]), "case_outcome": row["outcome"],
        "model": row["model"], "prompt": row["prompt"], "total_tokens": row["usage"]["total_tokens"],
        "warnings": join(row["warnings"]),
    }
    if not row["decisions"]:
        return [case]
    rows = []
    for index, decision in enumerate(row["decisions"]):
        guidelines = decision["guidelines"]
        rows.append({
            **case,
            "decision_index": index,
            **{key: decision[key] for key in _DECISION_SCALARS},
            "body_regions": join(decision["body_regions"]),
            "reasons": join(decision["reasons"]),
            "claims_administrator_guidelines": join([c["text"] for c in guidelines["claims_administrator"]]),
            "maximus_guidelines": join([c["text"] for c in guidelines["maximus"]]),
            "item_start": decision["item_span"][0], "item_end": decision["item_span"][1],
            "rationale_start": decision["rationale_span"][0], "rationale_end": decision["rationale_span"][1],
        })
    return rows


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerows(csv_rows(row))
        out.flush()


def write_table(rows: Iterable[dict[str, Any]], out: IO[str], width: int = 44, header: bool = True) -> None:
    """A short human-readable table, one line per decision (or per failed document)."""
    if header:
        out.write(f"{'document':<24} {'item':<{width}} {'outcome':<10} {'category':<22} {'qty':>4}  tokens\n")
    for row in rows:
        name = row["source"].replace("\\", "/").rsplit("/", 1)[-1][:24]
        if row["error"]:
            out.write(f"{name:<24} ERROR: {row['error']}\n")
            continue
        tokens = row["usage"]["total_tokens"]
        for decision in row["decisions"]:
            item = decision["item"] if len(decision["item"]) <= width else decision["item"][: width - 1] + "…"
            quantity = "" if decision["quantity"] is None else decision["quantity"]
            out.write(
                f"{name:<24} {item:<{width}} {decision['outcome']:<10} {decision['category'] or '-':<22} "
                f"{quantity:>4}  {tokens}\n"
            )
            name, tokens = "", ""
        out.flush()
