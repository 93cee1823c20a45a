"""Rows into DuckDB: every input in the flat shape of `columns`, one row per letter chosen, and the
views the report and `imr-llm query` read. DuckDB and pyarrow are imported here and only here.

Parquet inputs are read by DuckDB itself; JSON Lines and CSV by the package's own readers (a line
torn by a killed run, or not ours, is counted and skipped) into a DuckDB table. The standing rows
are then copied once into DuckDB's own columns, all but the rationales, which stay where they are;
DuckDB holds at most `MEMORY_LIMIT` and moves the rest to a temporary folder.

Which row stands for a letter: letters are keyed by ``sha256`` (by ``source`` where a row has no
hash); among a letter's documents (a document: one letter's rows in one file), one without an
error beats one with, then the later file on the command line, then the later document in a file.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator, Optional

from ..columns import COLUMNS, NAMES, arrow_schema, arrow_table, flat_rows, from_cells
from ..errors import AnalyticsError
from ..merging import DISAGREEMENT_PATTERN
from ..results import csv_records, json_lines
from .tables import Result, Table

_BATCH = 5_000  # flat rows per insert: a few MB of Arrow at a time
# The standing rows of 200,000 letters take about 630 MB in DuckDB (158 MiB for 50,000); past the
# limit DuckDB moves table blocks to disk, so a larger file is slower, never out of memory.
MEMORY_LIMIT = "1GB"


def load_engine() -> tuple[Any, Any]:
    try:
        import duckdb
        import pyarrow
    except ModuleNotFoundError as exc:
        raise AnalyticsError(f"analytics need the report extra ({exc.name} is missing): "
                             "pip install -e '.[report]' in a checkout, or pip install 'imr-llm[report]'") from None
    return duckdb, pyarrow


def input_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return {".parquet": "parquet", ".csv": "csv"}.get(suffix, "jsonl")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _spill_folder() -> str:
    folder = tempfile.mkdtemp(prefix="imr-llm-duckdb-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def connect(*paths: str, start: Optional[dt.date] = None, end: Optional[dt.date] = None,
            memory_limit: str = MEMORY_LIMIT) -> Any:
    """An in-memory DuckDB connection over the rows in ``paths`` (any mix of what `imr-llm
    extract` writes), with the views `letters`, `decisions` (every field but the rationale),
    `rationales`, `citations`, `reasons`, `diagnoses`, `specialties` and `licensure_states`.
    ``start``/``end`` keep the letters decided in that range (inclusive; a letter without a
    decision date is then left out, a failed one is kept among the failures). Beyond
    ``memory_limit`` DuckDB keeps its tables in a temporary folder on disk instead."""
    duckdb, pa = load_engine()
    if not paths:
        raise AnalyticsError("no rows given: name one or more files written by imr-llm extract")
    con = duckdb.connect(":memory:", config={"memory_limit": memory_limit, "temp_directory": _spill_folder()})
    schema = arrow_schema(pa)
    internal = pa.schema([*schema, pa.field("_file", pa.int64()), pa.field("_row", pa.int64())])
    con.register("_empty", internal.empty_table())
    con.execute("CREATE TABLE _converted AS SELECT * FROM _empty")
    con.execute("CREATE TABLE _skipped (file VARCHAR, line BIGINT)")
    expected = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE _empty)").fetchall())
    con.unregister("_empty")
    parts = ["SELECT * FROM _converted"]
    for index, path in enumerate(paths):
        if "://" not in path and not os.path.isfile(path):
            raise AnalyticsError(f"{path}: no such file" if not os.path.exists(path) else f"{path}: not a file")
        if input_format(path) == "parquet":
            _check_parquet(con, path, expected)
            parts.append(f"SELECT * EXCLUDE (file_row_number), {index}::BIGINT AS _file, "
                         f"file_row_number::BIGINT AS _row FROM read_parquet({_literal(path)}, file_row_number=true)")
        else:
            _convert(con, pa, internal, path, index)
    con.execute("CREATE VIEW _rows AS " + " UNION ALL BY NAME ".join(parts))
    _choose(con, start, end)
    _create_views(con)
    return con


def _check_parquet(con: Any, path: str, expected: dict[str, str]) -> None:
    try:
        found = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
                                 f"read_parquet({_literal(path)}))").fetchall())
    except Exception as exc:  # duckdb's own errors: an unreadable or foreign file
        raise AnalyticsError(f"{path}: not readable as Parquet: {str(exc).splitlines()[0]}") from None
    for name in NAMES:
        if found.get(name) != expected[name]:
            what = "missing" if name not in found else f"{found[name]}, not {expected[name]}"
            raise AnalyticsError(f"{path}: column {name} is {what}: not written by this imr-llm "
                                 "(re-extract it, or convert JSON Lines or CSV rows)")


def _flat_rows_of(path: str) -> Iterator[tuple[int, Optional[dict[str, Any]]]]:
    """(line, flat row) per row of a JSON Lines or CSV file; the row is None for a line not ours."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as stream:
            if input_format(path) == "csv":
                for number, cells in enumerate(csv_records(stream), 2):
                    yield number, from_cells(cells) if cells.get("source") is not None else None
                return
            for number, _, row in json_lines(stream):
                if isinstance(row, dict) and "decisions" in row and "source" in row:
                    yield from ((number, flat) for flat in flat_rows(row))
                else:
                    yield number, None
    except OSError as exc:
        raise AnalyticsError(f"{path}: {exc.strerror or exc}") from None


def _convert(con: Any, pa: Any, internal: Any, path: str, index: int) -> None:
    batch: list[dict[str, Any]] = []
    skipped: list[tuple[str, int]] = []

    def insert() -> None:
        table = arrow_table(pa, batch)
        table = table.append_column("_file", pa.array([index] * len(batch), pa.int64()))
        table = table.append_column("_row", pa.array([row["_row"] for row in batch], pa.int64()))
        con.register("_batch", table.cast(internal))
        con.execute("INSERT INTO _converted SELECT * FROM _batch")
        con.unregister("_batch")
        batch.clear()

    for position, (line, flat) in enumerate(_flat_rows_of(path)):
        if flat is None:
            skipped.append((path, line))
            continue
        batch.append({**flat, "_row": position})
        if len(batch) >= _BATCH:
            insert()
    if batch:
        insert()
    if skipped:
        con.executemany("INSERT INTO _skipped VALUES (?, ?)", skipped)


def _choose(con: Any, start: Optional[dt.date], end: Optional[dt.date]) -> None:
    """`_chosen`: the (file, row) of every row of each letter's standing document; small (two
    integers a row), so every view joins it instead of recomputing the choice."""
    window = "(PARTITION BY _file ORDER BY _row ROWS UNBOUNDED PRECEDING)"
    in_range = ""
    if start is not None or end is not None:
        bounds = [f"date_decision >= DATE '{start.isoformat()}'" if start else "",
                  f"date_decision <= DATE '{end.isoformat()}'" if end else ""]
        # A failed letter has no date to judge by: it stays, counted among the failures.
        in_range = "WHERE failed OR (" + " AND ".join(b for b in bounds if b) + ")"
    con.execute(f"""
        CREATE TABLE _chosen AS
        WITH numbered AS (
            SELECT _file, _row, decision_index, coalesce(sha256, source) AS letter_id, error, date_decision,
                   sum(CASE WHEN decision_index IS NULL OR decision_index = 0 THEN 1 ELSE 0 END) OVER {window} AS _doc
            FROM _rows),
        documents AS (
            SELECT _file, _doc, any_value(letter_id) AS letter_id, bool_or(error IS NOT NULL) AS failed,
                   any_value(date_decision) AS date_decision, count(decision_index) AS _decisions
            FROM numbered GROUP BY _file, _doc),
        standing AS (
            SELECT * FROM documents
            QUALIFY row_number() OVER (PARTITION BY letter_id ORDER BY failed, _file DESC, _doc DESC) = 1)
        SELECT n._file, n._row, n.letter_id, s._decisions,
               (n.decision_index IS NULL OR n.decision_index = 0) AS _first
        FROM numbered n JOIN (SELECT * FROM standing {in_range}) s USING (_file, _doc)
    """)


def _create_views(con: Any) -> None:
    letter = [c.name for c in COLUMNS if c.letter]
    decision = [c.name for c in COLUMNS if not c.letter and c.name != "rationale"]
    renamed = ", ".join("case_outcome AS outcome" if name == "case_outcome" else name for name in letter)
    # The standing rows, read once into DuckDB's own columns: a query over them then takes
    # milliseconds where one through the join took 0.14 s (50,000 letters). The rationales, half
    # the bytes, stay where they are and are joined only by the queries that name them.
    con.execute("CREATE TABLE _picked AS SELECT r.* EXCLUDE (rationale), c.letter_id, c._decisions, c._first "
                "FROM _rows r JOIN _chosen c USING (_file, _row)")
    con.execute("""
        CREATE VIEW rationales AS
        SELECT c.letter_id, r.sha256, r.decision_index, r.rationale
        FROM _rows r JOIN _chosen c USING (_file, _row) WHERE r.error IS NULL AND r.decision_index IS NOT NULL""")
    con.execute(f"""
        CREATE VIEW letters AS
        SELECT letter_id, {renamed}, _decisions AS decisions,
               date_diff('day', date_assigned, date_decision) AS days_assigned_to_decision,
               date_diff('day', date_application_received, date_decision) AS days_received_to_decision,
               len(list_filter(warnings, lambda w: regexp_matches(w, {_literal(DISAGREEMENT_PATTERN)})))
                   AS disagreements
        FROM _picked WHERE _first""")
    con.execute(f"""
        CREATE VIEW decisions AS
        SELECT letter_id, {", ".join(letter)}, {", ".join(decision)}
        FROM _picked WHERE error IS NULL AND decision_index IS NOT NULL""")
    sides = " UNION ALL ".join(
        f"SELECT letter_id, sha256, decision_index, item, outcome, category, subcategory, '{side}' AS side, "
        f"unnest({side}_guidelines) AS citation FROM decisions" for side in ("claims_administrator", "maximus"))
    con.execute(f"""
        CREATE VIEW citations AS
        SELECT letter_id, sha256, decision_index, item, outcome, category, subcategory, side, citation.source AS source,
               citation.title AS title, citation.year AS year, citation.sections AS sections,
               citation.pages AS pages, citation.text AS text
        FROM ({sides})""")
    con.execute("""
        CREATE VIEW reasons AS
        SELECT letter_id, sha256, decision_index, item, outcome, category, subcategory, unnest(reasons) AS reason
        FROM decisions""")
    for view, column, name in (("diagnoses", "diagnoses", "diagnosis"), ("specialties", "reviewer_specialties",
                               "specialty"), ("licensure_states", "reviewer_licensure_states", "state")):
        con.execute(f"CREATE VIEW {view} AS SELECT letter_id, sha256, unnest({column}) AS {name} "
                    "FROM letters WHERE error IS NULL")


def query(con: Any, sql: str) -> Any:
    """``sql`` run on ``con``: the `Result` (columns and rows); an error in it is an AnalyticsError."""
    duckdb, _ = load_engine()
    try:
        relation = con.execute(sql)
    except duckdb.Error as exc:
        raise AnalyticsError(f"SQL: {' '.join(str(exc).split())}") from None
    if relation.description is None:
        return Result(Table("query", "query", sql), [], [])
    return Result(Table("query", "query", sql), [d[0] for d in relation.description], relation.fetchall())
