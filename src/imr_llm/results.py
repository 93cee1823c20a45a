"""Reading back what `imr-llm extract` wrote: the package's one JSON Lines reader and CSV reader, and
`read_rows`, which reads any of its three formats back into the JSON Lines shape.

A CSV or Parquet file holds one flat row per decision (`columns`); `read_rows` groups a letter's
consecutive rows and nests them again. What the flat rows cannot hold does not come back: the
letter's ``text`` (never written there) and the ``usage`` counts other than ``total_tokens``
(null); a file name that is not UTF-8 comes back as CSV and Parquet show it (``\\xff``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Optional, TypeGuard, Union, get_args, get_origin

from pydantic import BaseModel

from .columns import COLUMNS, from_cells
from .errors import RowsError
from .schema import Decision, Determination

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
    return (cells for _, cells in _numbered_csv_records(stream))


def _numbered_csv_records(stream: IO[str]) -> Iterator[tuple[int, dict[str, Optional[str]]]]:
    """(the line a record starts on, its cells) for each record of a CSV with a header line."""
    before = csv.field_size_limit(_NO_LIMIT)
    try:
        reader = csv.DictReader(stream)
        if reader.fieldnames and reader.fieldnames[0].startswith("\ufeff"):
            reader.fieldnames = [reader.fieldnames[0].lstrip("\ufeff"), *reader.fieldnames[1:]]
        start = reader.line_num + 1
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    finally:
        csv.field_size_limit(before)


def is_row(value: Any) -> TypeGuard[dict[str, Any]]:
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


# -- read_rows: any format back to the JSON Lines shape -------------------------------------------

@dataclass(frozen=True)
class Rows:
    """What a file of rows holds: its rows in the JSON Lines shape, and one note per line (a CSV
    record, a Parquet row) that is not a row of ours, naming the file and the line."""

    rows: list[dict[str, Any]]
    notes: list[str]


Where = str  # "line 3" (JSON Lines, CSV) or "row 3" (Parquet): what a note names
Found = tuple[Where, Optional[dict[str, Any]]]  # a row (or a flat row) and where it is; None: not ours
Reader = Callable[[str], Iterator[Found]]


def read_rows(path: str) -> Rows:
    """The rows `imr-llm extract` wrote to ``path`` (.jsonl, .csv or .parquet, by its extension).
    Lines that are not rows of ours are left out, each with a note; RowsError when the file cannot
    be read, is of another format, or holds no row of ours but other lines."""
    read = _READERS.get(Path(path).suffix.lower())
    if read is None:
        raise RowsError(f"{path}: not a file of rows: imr-llm reads rows from .jsonl, .csv or .parquet files")
    rows, notes = [], []
    try:
        for where, row in read(path):
            if row is None:
                notes.append(f"{path}, {where}: not a row of imr-llm extract; skipped")
            else:
                rows.append(row)
    except OSError as exc:
        raise RowsError(f"{path}: {exc.strerror or exc}") from None
    if notes and not rows:  # a page or a count of nothing would hide that the file is not ours
        lines = f"{len(notes)} line{'' if len(notes) == 1 else 's'}"
        raise RowsError(f"{path}: not rows of imr-llm extract (no row of ours in it, {lines} of something else)")
    return Rows(rows, notes)


def _jsonl(path: str) -> Iterator[Found]:
    # Bytes that are not UTF-8 spoil only their own line (it is not JSON then, and is noted).
    with open(path, encoding="utf-8-sig", errors="replace") as lines:
        for number, _, value in json_lines(lines):
            yield f"line {number}", value if is_row(value) else None


# The flat rows must say which letter and which of its decisions they hold; the rest may be missing
# (a file written before a column was added), and then comes back null.
_NEEDED = ("source", "decision_index")


def _csv(path: str) -> Iterator[Found]:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as stream:
        try:
            yield from _letters(_csv_flats(path, stream))
        except csv.Error as exc:
            raise RowsError(f"{path}: not readable as CSV: {exc}") from None


def _csv_flats(path: str, stream: IO[str]) -> Iterator[Found]:
    for line, cells in _numbered_csv_records(stream):
        _require_columns(path, cells)
        # Every record written has the header's cells, no more, no fewer (csv fills missing ones
        # with None, and files extra ones under None): anything else was cut off, or is not ours.
        whole = None not in cells and None not in cells.values()
        yield f"line {line}", from_cells(cells) if whole else None


def _parquet(path: str) -> Iterator[Found]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ModuleNotFoundError:
        raise RowsError(f"{path}: reading Parquet needs pyarrow: pip install -e '.[parquet]' in a checkout, "
                        "or pip install 'imr-llm[parquet]'") from None
    try:
        yield from _letters(_parquet_flats(path, pq.ParquetFile(path)))
    except pa.ArrowException as exc:
        raise RowsError(f"{path}: not readable as Parquet: {str(exc).splitlines()[0]}") from None


def _parquet_flats(path: str, parquet: Any) -> Iterator[Found]:
    _require_columns(path, parquet.schema_arrow.names)
    number = 0
    for batch in parquet.iter_batches():
        for record in batch.to_pylist():
            number += 1
            yield f"row {number}", _from_typed(record)


def _require_columns(path: str, names: Iterable[str]) -> None:
    missing = [name for name in _NEEDED if name not in names]
    if missing:
        raise RowsError(f"{path}: not rows of imr-llm extract (no column {missing[0]})")


def _from_typed(record: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row as the flat row of JSON values `columns.from_cells` makes of a CSV record."""
    flat = {}
    for column in COLUMNS:
        value = record.get(column.name)
        if column.kind in ("list", "citations"):
            value = value or []
        elif column.kind == "date" and isinstance(value, dt.date):
            value = value.isoformat()
        flat[column.name] = value
    return flat


_READERS: dict[str, Reader] = {".jsonl": _jsonl, ".csv": _csv, ".parquet": _parquet}


# -- flat rows nested again ---------------------------------------------------------------------

KeyPath = tuple[Union[str, int], ...]


def _probe(model: type[BaseModel], at: KeyPath = ()) -> dict[str, Any]:
    """``model``'s shape with every leaf holding its own path (a span: one path per end)."""
    probe: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        here = (*at, name)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            probe[name] = _probe(annotation, here)
        elif get_origin(annotation) is tuple:
            probe[name] = [(*here, end) for end in range(len(get_args(annotation)))]
        else:
            probe[name] = here
    return probe


def _skeleton(probe: Any) -> Any:
    """The probe's shape with every leaf null: what a nested part holds where no column says."""
    if isinstance(probe, dict):
        return {key: _skeleton(value) for key, value in probe.items()}
    if isinstance(probe, list):
        return [_skeleton(value) for value in probe]
    return None


# The column table says where each column reads from, in its getters; asked with a row whose every
# leaf is its own path, it answers with that path, which inverts it without a second copy of its
# renames (``date_assigned`` -> dates.assigned, ``maximus_guidelines`` -> guidelines.maximus, ...).
# ``source``, ``sha256`` and ``error`` are the keys `writing.result_row` adds to the Determination.
_LETTER_PROBE = {**{key: (key,) for key in ("source", "sha256", "error")}, **_probe(Determination)}
_DECISION_PROBE = _probe(Decision)


def _paths(letter: bool) -> dict[str, KeyPath]:
    """Where each letter (or decision) column goes in the nested row."""
    decision = None if letter else _DECISION_PROBE
    found = {column.name: column.get(_LETTER_PROBE, decision) for column in COLUMNS if column.letter == letter}
    return {name: path for name, path in found.items() if isinstance(path, tuple)}  # decision_index orders only


_LETTER_PATHS, _DECISION_PATHS = _paths(letter=True), _paths(letter=False)
_LETTER_PARTS = {key: value for key, value in _LETTER_PROBE.items() if isinstance(value, dict)}
_DECISION_PARTS = {key: value for key, value in _DECISION_PROBE.items() if isinstance(value, (dict, list))}


def _nested(flat: dict[str, Any], paths: dict[str, Any], parts: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = _skeleton(parts)
    for name, path in paths.items():
        *parents, last = path
        target: Any = nested
        for key in parents:
            target = target[key]
        target[last] = flat.get(name)
    return nested


def _letters(flats: Iterable[Found]) -> Iterator[Found]:
    """One row per letter from flat rows (one per decision, a letter's consecutive, numbered from
    0; a letter without decisions is one flat row without a decision index), where its first flat
    row is; None for a flat row that is not ours (or is None already)."""
    current: Optional[dict[str, Any]] = None
    started, last_index = "", -1
    for where, flat in flats:
        if flat is None:
            yield where, None
            continue
        letter = _nested(flat, _LETTER_PATHS, _LETTER_PARTS)
        index = flat.get("decision_index")
        decisions = [] if index is None else [_nested(flat, _DECISION_PATHS, _DECISION_PARTS)]
        if not is_row({**letter, "decisions": decisions}):
            yield where, None
            continue
        if current is not None and _continues(current, letter, index, last_index):
            current["decisions"] += decisions
        else:
            if current is not None:
                yield started, current
            current, started = {**letter, "decisions": decisions}, where
        last_index = index if isinstance(index, int) else -1
    if current is not None:
        yield started, current


def _continues(current: dict[str, Any], letter: dict[str, Any], index: Any, last_index: int) -> bool:
    """Whether a flat row holds the next decision of the letter read so far. The same letter named
    twice in one run is two letters: the second's decisions are numbered from 0 again."""
    same = (current["source"], current["sha256"]) == (letter["source"], letter["sha256"])
    return same and bool(current["decisions"]) and isinstance(index, int) and index > last_index
