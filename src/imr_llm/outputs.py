"""Where results go: a file chosen by its extension, each document's rows on disk as it finishes.

- ``.jsonl`` (or ``.ndjson``): one JSON object per document per line; resumable. Any other
  extension is refused.
- ``.csv``: one row per decision, case fields repeated, lists as JSON arrays (`columns`); resumable.
- ``.parquet`` (the ``parquet`` extra): the CSV's rows with typed columns (dates, integers, lists,
  citations as structs).
  Parquet files are complete only when the run ends, so they do not resume: long runs should
  write JSON Lines and convert.

Resuming reads what OUT already holds: documents with a result are kept and skipped (by the
SHA-256 of their bytes), lines with an error are dropped so that those documents are tried again,
and a line cut off by a killed run is dropped too. OUT is rewritten only when something is dropped,
and never when it holds what is not ours (resuming is refused), nor when its rows were made with
another model or prompt than this run's (refused, naming both: the new rows would not match).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import IO, Any, Optional

from .columns import NAMES, arrow_schema, arrow_table, flat_rows, to_cells
from .errors import OutputError, UsageError
from .guards import OutputLock
from .reading import content_hash
from .results import csv_records, is_row, json_lines
from .writing import displayable, json_line

__all__ = ["Nowhere", "Output", "OutputError", "open_output", "output_format"]


_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def output_format(path: Optional[str]) -> str:
    """"jsonl", "csv" or "parquet", by OUT's extension (None: standard output, JSON Lines). Any other
    extension is a UsageError: ``-o out.xlsx`` must not quietly write JSON Lines."""
    if path is None:
        return "jsonl"
    kind = _FORMATS.get(Path(path).suffix.lower())
    if kind is None:
        raise UsageError(f"{path}: not an output format imr-llm writes; end OUT in .jsonl, .csv or .parquet")
    return kind


class Output:
    """Rows in, written at once. ``done``: hashes of the documents OUT held already (resuming).
    ``close()`` ends the file and releases the run's lock on it."""

    done: set[str]
    lock: Optional[OutputLock] = None

    def write(self, row: dict[str, Any]) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        pass

    def close(self) -> None:
        try:
            self._close()
        finally:
            if self.lock is not None:
                self.lock.release()


class Nowhere(Output):
    """Rows nowhere: `--table` without `-o` shows the table alone, not JSON Lines beside it."""

    def __init__(self) -> None:
        self.done = set()

    def write(self, row: dict[str, Any]) -> None:
        pass


class _JsonLines(Output):
    def __init__(self, stream: IO[str], owned: bool) -> None:
        self.stream, self.owned, self.done = stream, owned, set()

    def write(self, row: dict[str, Any]) -> None:
        self.stream.write(json_line(row) + "\n")  # one write: a line is whole or torn
        self.stream.flush()

    def _close(self) -> None:
        if self.owned:
            self.stream.close()


class _Csv(Output):
    def __init__(self, stream: IO[str], header: bool) -> None:
        self.stream, self.done = stream, set()
        self.writer = csv.DictWriter(stream, fieldnames=NAMES, extrasaction="ignore")
        if header:
            self.writer.writeheader()
            stream.flush()

    def write(self, row: dict[str, Any]) -> None:
        buffer = io.StringIO()  # one write per document, as for JSON Lines
        csv.DictWriter(buffer, fieldnames=NAMES).writerows(to_cells(flat) for flat in flat_rows(row))
        self.stream.write(displayable(buffer.getvalue()))
        self.stream.flush()

    def _close(self) -> None:
        self.stream.close()


class _Parquet(Output):
    _BATCH = 2_000  # rows per row group

    def __init__(self, path: str) -> None:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ModuleNotFoundError:
            raise OutputError("Parquet output needs the parquet extra: pip install -e '.[parquet]' in a checkout, "
                              "or pip install 'imr-llm[parquet]'") from None
        self.pa, self.done, self.path = pa, set(), path
        self.rows: list[dict[str, Any]] = []
        self.schema = arrow_schema(pa)
        # Written under a temporary name and renamed when complete: a Parquet file is readable only
        # once its footer is written, so OUT is never left as a 4-byte stub.
        try:
            descriptor, self.temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.",
                                                          dir=os.path.dirname(os.path.abspath(path)))
            os.close(descriptor)
            self.writer = pq.ParquetWriter(self.temporary, self.schema)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None

    def write(self, row: dict[str, Any]) -> None:
        named = {key: displayable(row[key]) for key in ("source", "error") if isinstance(row.get(key), str)}
        self.rows.extend(flat_rows({**row, **named}))
        if len(self.rows) >= self._BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            self.writer.write_table(arrow_table(self.pa, self.rows, self.schema))
            self.rows = []

    def _close(self) -> None:
        self._flush()
        self.writer.close()
        os.chmod(self.temporary, 0o644)  # mkstemp makes it private; OUT is an ordinary file
        os.replace(self.temporary, self.path)


MadeBy = tuple[Optional[str], Optional[str]]  # (model, prompt) of a row; (None, None): the parser alone


def open_output(path: Optional[str], *, resume: bool = False, made_by: MadeBy = (None, None)) -> Output:
    """The Output for ``path`` (None: JSON Lines on standard output). With ``resume``, what the
    file holds is read first (see the module's notes) and new rows are appended; ``made_by`` is
    the run's (model, prompt), which every finished row OUT holds must share."""
    kind = output_format(path)
    if path is None:
        if resume:
            raise OutputError("--resume needs an output file (-o OUT)")
        import sys

        return _JsonLines(sys.stdout, owned=False)
    if kind == "parquet" and resume:
        raise OutputError("Parquet output cannot be resumed: write .jsonl or .csv and convert")
    lock = OutputLock(path).acquire()  # before anything is read, truncated or replaced
    try:
        output = _open_locked(path, kind, resume, made_by)
    except BaseException:
        lock.release()
        raise
    output.lock = lock
    return output


def _open_locked(path: str, kind: str, resume: bool, made_by: MadeBy) -> Output:
    if kind == "parquet":
        return _Parquet(path)
    done: set[str] = set()
    exists = resume and os.path.exists(path)
    if exists:
        done = _keep_finished(path, kind, made_by)
    try:
        stream = open(path, "a" if exists else "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    output: Output
    if kind == "csv":
        output = _Csv(stream, header=not exists or os.path.getsize(path) == 0)
    else:
        output = _JsonLines(stream, owned=True)
    output.done = done
    return output


def _keep_finished(path: str, kind: str, made_by: MadeBy) -> set[str]:
    """Rewrite OUT with only its finished documents; their hashes."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise OutputError(f"cannot read {path} to resume: {exc.strerror or exc}") from None
    kept, done, makers = (_keep_csv if kind == "csv" else _keep_jsonl)(text)
    _refuse_other_makers(path, makers, made_by)
    if kept != text:
        # A new file of its own (O_EXCL), never a name that could already be a link elsewhere.
        descriptor, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".resuming",
                                                 dir=os.path.dirname(os.path.abspath(path)))
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
                out.write(kept)
            os.chmod(temporary, os.stat(path).st_mode & 0o777)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
    return done


def _refuse_other_makers(path: str, makers: Counter[MadeBy], made_by: MadeBy) -> None:
    """OutputError when OUT's finished rows were made with another model or prompt than this run:
    resumed, the file would mix two extractions, and the letters done would not be redone."""
    others = {maker: count for maker, count in makers.items() if maker != made_by}
    if others:
        held = "; ".join(f"{count} by {_maker(maker)}" for maker, count in sorted(others.items(), key=str))
        raise OutputError(f"cannot resume {path}: it holds letters made {held}, and this run is {_maker(made_by)}; "
                          "resume with the same --model and --prompt (or --no-llm), or write a new OUT")


def _maker(made_by: MadeBy) -> str:
    model, prompt = made_by
    return "the parser alone (--no-llm)" if model is None else f"model {model!r} with prompt {prompt!r}"


# A line our writer left unfinished: the start of a row object. Anything else without its newline
# (a file not ours, "hello world") is no torn row, and resuming must not drop it.
_TORN_ROW = '{"source":'


def _keep_jsonl(text: str) -> tuple[str, set[str], Counter[MadeBy]]:
    lines = text.split("\n")
    if lines and lines[-1].startswith(_TORN_ROW) and next(json_lines(lines[-1:]))[2] is None:
        lines.pop()  # no newline after it and not whole: cut off by a killed run
    kept, done, makers = [], set(), Counter[MadeBy]()
    for number, line, row in json_lines(lines):
        if not is_row(row):  # not ours: rewriting OUT would destroy it, so resuming stops here
            raise OutputError(f"cannot resume: line {number} of OUT is not a row of imr-llm extract; "
                              "--resume rewrites OUT, so it refuses a file it did not write")
        sha256 = _hash_of(row) if row.get("error") is None else None
        if sha256:
            kept.append(line)
            done.add(sha256)
            makers[(row.get("model"), row.get("prompt"))] += 1
    return "".join(line + "\n" for line in kept), done, makers


def _keep_csv(text: str) -> tuple[str, set[str], Counter[MadeBy]]:
    """Documents' rows grouped as written; the last document is always redone, since a killed
    run may have cut its rows at a row boundary."""
    header = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    if text.strip() and header != ",".join(NAMES):  # not our header: rewriting would lose the file
        raise OutputError("cannot resume: the first line of OUT is not the header imr-llm extract writes; "
                          "--resume rewrites OUT, so it refuses a file it did not write")
    try:
        rows = list(csv_records(io.StringIO(text, newline="")))
    except csv.Error:
        rows = []
    groups: list[list[dict[str, Optional[str]]]] = []
    for row in rows:
        document = (row.get("source"), row.get("sha256"))
        if groups and (groups[-1][0].get("source"), groups[-1][0].get("sha256")) == document:
            groups[-1].append(row)
        else:
            groups.append([row])
    groups = groups[:-1]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=NAMES, extrasaction="ignore")
    writer.writeheader()
    done, makers = set(), Counter[MadeBy]()
    for group in groups:
        first = group[0]
        sha256 = None if first.get("error") else _hash_of(first)
        if not sha256:
            continue
        writer.writerows(group)
        done.add(sha256)
        makers[(first.get("model") or None, first.get("prompt") or None)] += 1
    return buffer.getvalue(), done, makers


def _hash_of(row: dict[str, Any]) -> Optional[str]:
    """A finished row's content hash; rows written before rows carried one get their file's."""
    if row.get("sha256"):
        return row["sha256"]
    return content_hash(row["source"]) if row.get("source") else None
