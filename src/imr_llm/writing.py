"""Stage 7, write: one document's result row (what every output format holds), and the short table."""

from __future__ import annotations

import copy
import json
import re
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


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_line(value: Any) -> str:
    """``value`` as one line of JSON, UTF-8 safe: a file name that is not UTF-8 (Python holds its
    bytes as lone surrogates, ``os.fsdecode``) is written as ``\\udcff`` escapes, which read back
    to the same name."""
    text = json.dumps(value, ensure_ascii=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _SURROGATE.search(text) else text


def displayable(text: str) -> str:
    """``text`` with bytes that are not UTF-8 shown as ``\\xff`` (for CSV and Parquet cells)."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str, keep_newlines: bool = False) -> str:
    """``text`` safe for a terminal: control characters (ESC sequences included) removed, tabs and
    newlines made spaces unless ``keep_newlines``, bytes that are not UTF-8 shown as ``\\xff``."""
    text = _CONTROL.sub("", displayable(text))
    return text if keep_newlines else text.replace("\n", " ").replace("\t", " ")


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
    if error is not None:  # one line, whatever it quotes (a file name may hold a newline)
        error = " ".join(error.split())
    return {"source": source, "sha256": sha256, "error": error, **body}


def write_table(rows: Iterable[dict[str, Any]], out: IO[str], width: int = 44, header: bool = True) -> None:
    """A short human-readable table, one line per decision (or per failed document)."""
    if header:
        out.write(f"{'document':<24} {'item':<{width}} {'outcome':<10} {'category':<22} {'qty':>4}  tokens\n")
    for row in rows:
        name = printable(row["source"].replace("\\", "/").rsplit("/", 1)[-1])[:24]
        if row["error"]:
            out.write(f"{name:<24} ERROR: {printable(row['error'])}\n")
            continue
        tokens = row["usage"]["total_tokens"]
        for decision in row["decisions"]:
            item = printable(decision["item"])
            item = item if len(item) <= width else item[: width - 1] + "…"
            quantity = "" if decision["quantity"] is None else decision["quantity"]
            out.write(
                f"{name:<24} {item:<{width}} {decision['outcome']:<10} {decision['category'] or '-':<22} "
                f"{quantity:>4}  {tokens}\n"
            )
            name, tokens = "", ""
        out.flush()
