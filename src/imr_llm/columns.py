"""The flat shape of results: one row per decision, the letter's fields repeated on each, derived
from `schema` so that CSV, Parquet and the analytics views share one column table.

A letter's nested fields are flattened by prefix (``dates.assigned`` -> ``date_assigned``,
``reviewer.specialties`` -> ``reviewer_specialties``); a decision's guidelines become one column
per side (``maximus_guidelines``), its spans two integers each (``item_start``, ``item_end``).
A letter without decisions (a failed one) is one row with the decision columns empty.

Kinds follow the annotations: ``str`` (literals included), ``int``, ``date``, ``list`` (of
strings) and ``citations`` (a list of `Citation` objects). CSV holds scalars as text and lists as
JSON arrays (a citation text may hold ";", so nothing is joined); Parquet keeps every type.
"""

from __future__ import annotations

import datetime as dt
import json
import types
from dataclasses import dataclass
from typing import Any, Callable, Literal, Optional, Union, get_args, get_origin

from pydantic import BaseModel

from .schema import Citation, Dates, Decision, Determination, Patient, Reviewer

Kind = Literal["str", "int", "date", "list", "citations"]
Getter = Callable[[dict[str, Any], Optional[dict[str, Any]]], Any]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    letter: bool  # a letter's field (repeated on each of its decision rows), else a decision's
    get: Getter


def _bare(annotation: Any) -> Any:
    """``Optional[X]`` -> ``X``."""
    if get_origin(annotation) in (Union, types.UnionType):
        return next(arg for arg in get_args(annotation) if arg is not type(None))
    return annotation


def _kind(annotation: Any) -> Kind:
    annotation = _bare(annotation)
    if annotation is int:
        return "int"
    if annotation is dt.date:
        return "date"
    if get_origin(annotation) is list:
        return "citations" if get_args(annotation)[0] is Citation else "list"
    if annotation is str or get_origin(annotation) is Literal:
        return "str"
    raise TypeError(f"no column kind for {annotation!r}")  # a new schema type: say how it flattens


def _of_row(key: str) -> Getter:
    return lambda row, decision: row.get(key)


def _of_part(part: str, key: str) -> Getter:
    return lambda row, decision: (row.get(part) or {}).get(key)


def _of_decision(key: str, index: Optional[int] = None, side: Optional[str] = None) -> Getter:
    def get(row: dict[str, Any], decision: Optional[dict[str, Any]]) -> Any:
        if decision is None:
            return None
        value = decision.get(key)
        if side is not None:
            return (value or {}).get(side, [])
        return value[index] if index is not None and value is not None else value

    return get


# The letter's parts flattened by prefix, and the fields renamed or kept out of the flat rows.
_PREFIXES: dict[str, tuple[str, type[BaseModel]]] = {
    "dates": ("date_", Dates), "reviewer": ("reviewer_", Reviewer), "patient": ("patient_", Patient),
}
_LETTER_NAMES = {"outcome": "case_outcome"}  # the decision's own `outcome` keeps the plain name
_NOT_FLAT = {"decisions", "text"}


def _columns() -> list[Column]:
    columns = [Column("source", "str", True, _of_row("source")), Column("sha256", "str", True, _of_row("sha256")),
               Column("error", "str", True, _of_row("error"))]
    for key, field in Determination.model_fields.items():
        if key in _NOT_FLAT:
            continue
        if key in _PREFIXES:
            prefix, part = _PREFIXES[key]
            columns += [Column(prefix + name, _kind(inner.annotation), True, _of_part(key, name))
                        for name, inner in part.model_fields.items()]
        elif key == "usage":  # what a row cost, in the one figure tables add up
            columns.append(Column("total_tokens", "int", True, _of_part("usage", "total_tokens")))
        else:
            columns.append(Column(_LETTER_NAMES.get(key, key), _kind(field.annotation), True, _of_row(key)))
    columns.append(Column("decision_index", "int", False, lambda row, decision: None))  # set per row
    for key, field in Decision.model_fields.items():
        if key == "guidelines":
            columns += [Column(f"{side}_guidelines", "citations", False, _of_decision(key, side=side))
                        for side in ("claims_administrator", "maximus")]
        elif key.endswith("_span"):
            stem = key.removesuffix("_span")
            columns += [Column(f"{stem}_start", "int", False, _of_decision(key, 0)),
                        Column(f"{stem}_end", "int", False, _of_decision(key, 1))]
        else:
            columns.append(Column(key, _kind(field.annotation), False, _of_decision(key)))
    return columns


COLUMNS: tuple[Column, ...] = tuple(_columns())
NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
_BY_NAME = {column.name: column for column in COLUMNS}


def flat_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    """A result row (one letter, as `writing.result_row` makes it) as flat rows, JSON values kept
    (dates as ISO strings, lists as lists)."""
    letter = {column.name: column.get(row, None) for column in COLUMNS if column.letter}
    for column in COLUMNS:
        if column.kind in ("list", "citations") and letter.get(column.name) is None and column.letter:
            letter[column.name] = []
    decisions = row.get("decisions") or []
    if not decisions:
        return [{**letter, **{column.name: ([] if column.kind in ("list", "citations") else None)
                              for column in COLUMNS if not column.letter}}]
    rows = []
    for index, decision in enumerate(decisions):
        values = {column.name: column.get(row, decision) for column in COLUMNS if not column.letter}
        rows.append({**letter, **values, "decision_index": index})
    return rows


# -- CSV: text cells ----------------------------------------------------------------------------

def to_cells(flat: dict[str, Any]) -> dict[str, str]:
    """A flat row as CSV cells: scalars as text, lists as JSON arrays, null as an empty cell."""
    cells = {}
    for column in COLUMNS:
        value = flat.get(column.name)
        if column.kind in ("list", "citations"):
            cells[column.name] = json.dumps(value or [], ensure_ascii=False)
        else:
            cells[column.name] = "" if value is None else str(value)
    return cells


def from_cells(cells: dict[str, Optional[str]]) -> dict[str, Any]:
    """CSV cells back to a flat row of JSON values; a cell that does not parse is null (or [])."""
    flat: dict[str, Any] = {}
    for column in COLUMNS:
        text = cells.get(column.name) or ""
        if column.kind in ("list", "citations"):
            flat[column.name] = _json_list(text)
        elif not text:
            flat[column.name] = None
        elif column.kind == "int":
            flat[column.name] = int(text) if text.lstrip("-").isdigit() else None
        elif column.kind == "date":
            flat[column.name] = text if _date(text) else None
        else:
            flat[column.name] = text
    return flat


def _json_list(text: str) -> list[Any]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return [part for part in text.split("; ") if part]  # written before cells held JSON
    return value if isinstance(value, list) else []


def _date(text: Any) -> Optional[dt.date]:
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


# -- Parquet / Arrow: typed columns --------------------------------------------------------------

def arrow_schema(pa: Any) -> Any:
    """The flat rows' Arrow schema: dates as date32, integers as int64, lists as lists, a citation
    as a struct of its fields."""
    def arrow_type(annotation: Any) -> Any:
        annotation = _bare(annotation)
        if annotation is int:
            return pa.int64()
        if annotation is dt.date:
            return pa.date32()
        if get_origin(annotation) is list:
            return pa.list_(arrow_type(get_args(annotation)[0]))
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return pa.struct([(name, arrow_type(f.annotation)) for name, f in annotation.model_fields.items()])
        return pa.string()

    kinds = {"str": pa.string(), "int": pa.int64(), "date": pa.date32(), "list": pa.list_(pa.string()),
             "citations": arrow_type(list[Citation])}
    return pa.schema([(column.name, kinds[column.kind]) for column in COLUMNS])


def arrow_table(pa: Any, rows: list[dict[str, Any]], schema: Any = None) -> Any:
    """Flat rows as one Arrow table of `arrow_schema`."""
    schema = schema if schema is not None else arrow_schema(pa)
    columns = {}
    for column in COLUMNS:
        values = [row.get(column.name) for row in rows]
        if column.kind == "date":
            values = [_date(value) for value in values]
        elif column.kind == "citations":
            values = [[_citation(c) for c in value or [] if isinstance(c, dict)] for value in values]
        columns[column.name] = values
    return pa.table(columns, schema=schema)


def _citation(value: dict[str, Any]) -> dict[str, Any]:
    year = value.get("year")
    return {**{name: value.get(name) for name in Citation.model_fields}, "sections": value.get("sections") or [],
            "year": year if isinstance(year, int) else None}


def column(name: str) -> Column:
    return _BY_NAME[name]
