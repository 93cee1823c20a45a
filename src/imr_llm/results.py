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
