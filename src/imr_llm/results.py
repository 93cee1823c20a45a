"""Reading back what `imr-llm extract` wrote: the package's one JSON Lines reader and CSV reader."""

from __future__ import annotations

import csv
import json
import sys
from typing import IO, Any, Iterable, Iterator, Optional

# A rationale can exceed the csv module's default cell limit (131,072 characters): a CSV of ours is
# read whole, whatever its longest cell. The limit is the process's, so it is lifted while reading.
_NO_LIMIT = min(sys.maxsize, 2**31 - 1)


def json_lines(lines: Iterable[str]) -> Iterator[tuple[int, str, Optional[Any]]]:
    """(line number, line, object) for each line that is not blank; the object is None where the
    line is not JSON (a line cut off by a killed run, or not ours)."""
    for number, line in enumerate(lines, 1):
        text = line.rstrip("\n")
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        yield number, text, value


def csv_records(stream: IO[str]) -> Iterator[dict[str, Optional[str]]]:
    """The rows of a CSV with a header line, as dicts of cells (a UTF-8 byte-order mark is dropped)."""
    before = csv.field_size_limit(_NO_LIMIT)
    try:
        reader = csv.DictReader(stream)
        if reader.fieldnames and reader.fieldnames[0].startswith("\ufeff"):
            reader.fieldnames = [reader.fieldnames[0].lstrip("\ufeff"), *reader.fieldnames[1:]]
        yield from reader
    finally:
        csv.field_size_limit(before)


def is_row(value: Any) -> bool:
    """Whether a JSON value has the shape of a row `imr-llm extract` writes, as far as readers use it:
    an object with a string ``source``, a string or null ``sha256`` and ``error``, a list of
    decision objects whose spans (where given) are two integers."""
    if not isinstance(value, dict) or not isinstance(value.get("source"), str):
        return False
    if not all(value.get(key) is None or isinstance(value.get(key), str) for key in ("sha256", "error")):
        return False
    decisions = value.get("decisions", [])
    if not isinstance(decisions, list) or not all(isinstance(d, dict) for d in decisions):
        return False
    for decision in decisions:
        for key in ("item_span", "rationale_span"):
            span = decision.get(key)
            if span is not None and not (isinstance(span, list) and len(span) == 2
                                         and all(isinstance(n, int) and not isinstance(n, bool) for n in span)):
                return False
    return True
