"""The report's tables: a fixed set of queries over the views of `connect`.

Counts are of decisions (a request for one treatment) unless a column says letters; a share is a
fraction 0-1 of the decisions in its row. Multi-valued fields (a letter's specialties, a decision's
body regions and reasons) count a row under each of its values, so their shares add up to more
than 1. A null value, or an empty list, is its own row: ``(none)``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..writing import printable

NONE = "(none)"


@dataclass(frozen=True)
class Table:
    name: str  # the CSV's name, without .csv
    title: str
    sql: str


@dataclass(frozen=True)
class Result:
    table: Table
    columns: list[str]
    rows: list[tuple[Any, ...]]


def _counts(key: str, source: str = "decisions") -> str:
    """Decisions, upheld, overturned and shares grouped by ``key`` (an expression list)."""
    return f"""
        SELECT {key}, count(*) AS decisions,
               count(*) FILTER (WHERE outcome = 'upheld') AS upheld,
               count(*) FILTER (WHERE outcome = 'overturned') AS overturned,
               count(*) FILTER (WHERE outcome = 'overturned') / count(*) AS overturned_share,
               count(*) / (SELECT count(*) FROM decisions) AS share_of_decisions
        FROM {source} GROUP BY ALL"""


def _each(column: str) -> str:
    """A list column unnested, an empty list as one null (its `(none)` row)."""
    return f"unnest(CASE WHEN len({column}) = 0 THEN [NULL::VARCHAR] ELSE list_distinct({column}) END)"


def _by_value(name: str, column: str) -> str:
    """A decision field's values (a scalar, or a list counted once per value)."""
    value = f"coalesce({column}, '{NONE}')"
    if column in ("body_regions", "reasons"):
        inner = f"SELECT outcome, {_each(column)} AS value FROM decisions"
        counts = _counts("value", f"({inner})")
        return f"SELECT coalesce(value, '{NONE}') AS {name}, * EXCLUDE (value) FROM ({counts}) " \
               f"ORDER BY decisions DESC, {name}"
    return f"SELECT * FROM ({_counts(f'{value} AS {name}')}) ORDER BY decisions DESC, {name}"


def _by_reviewer(name: str, column: str) -> str:
    """Letters under each of their reviewer's values, with those letters' decisions."""
    return f"""
        WITH each AS (SELECT letter_id, {_each(column)} AS value FROM letters WHERE error IS NULL),
        tally AS (SELECT letter_id, count(*) AS decisions, count(*) FILTER (WHERE outcome = 'overturned') AS overturned
                  FROM decisions GROUP BY letter_id)
        SELECT coalesce(value, '{NONE}') AS {name}, count(*) AS letters, coalesce(sum(decisions), 0) AS decisions,
               sum(overturned) / sum(decisions) AS overturned_share
        FROM each LEFT JOIN tally USING (letter_id) GROUP BY value ORDER BY letters DESC, {name}"""


_MONTH = f"coalesce(strftime(date_decision, '%Y-%m'), '{NONE}')"

# The overview's metrics in the order of overview.csv, from one pass over letters and one over
# decisions; `run` turns its one row into (metric, value) rows.
OVERVIEW = Table("overview", "Overview", """
    WITH l AS (
        SELECT count(*) FILTER (WHERE error IS NULL) AS letters,
               count(*) FILTER (WHERE error IS NOT NULL) AS failed_letters,
               count(*) FILTER (WHERE error IS NULL AND outcome = 'upheld') AS letters_upheld,
               count(*) FILTER (WHERE error IS NULL AND outcome = 'overturned') AS letters_overturned,
               count(*) FILTER (WHERE error IS NULL AND outcome = 'partially_overturned')
                   AS letters_partially_overturned,
               min(date_decision) FILTER (WHERE error IS NULL) AS first_decision,
               max(date_decision) FILTER (WHERE error IS NULL) AS last_decision,
               count(*) FILTER (WHERE error IS NULL AND len(warnings) > 0) AS rows_with_warnings,
               count(*) FILTER (WHERE error IS NULL AND disagreements > 0) AS letters_with_disagreements
        FROM letters),
    d AS (
        SELECT count(*) AS decisions, avg((outcome = 'upheld')::INT) AS upheld_share,
               avg((outcome = 'overturned')::INT) AS overturned_share,
               count(*) FILTER (WHERE category IS NULL) AS decisions_without_category
        FROM decisions)
    SELECT letters, decisions, failed_letters, upheld_share, overturned_share, letters_upheld, letters_overturned,
           letters_partially_overturned, first_decision, last_decision, decisions_without_category,
           rows_with_warnings, letters_with_disagreements, (SELECT count(*) FROM _skipped) AS lines_not_read
    FROM l, d""")

TABLES: tuple[Table, ...] = (
    OVERVIEW,
    Table("by_month", "Decisions per month", f"""
        WITH l AS (SELECT {_MONTH} AS month, count(*) AS letters FROM letters WHERE error IS NULL GROUP BY ALL),
        d AS (SELECT {_MONTH} AS month, count(*) AS decisions,
                     count(*) FILTER (WHERE outcome = 'overturned') / count(*) AS overturned_share
              FROM decisions GROUP BY ALL)
        SELECT month, letters, coalesce(decisions, 0) AS decisions, overturned_share
        FROM l LEFT JOIN d USING (month) ORDER BY month = '{NONE}', month"""),
    Table("by_category", "By service category", _by_value("category", "category")),
    Table("by_subcategory", "By subcategory (drug class for Pharmaceuticals)", f"""
        SELECT * FROM ({_counts(f"coalesce(category, '{NONE}') AS category, "
                                f"coalesce(subcategory, '{NONE}') AS subcategory")})
        ORDER BY category, decisions DESC, subcategory"""),
    Table("by_specialty", "By reviewer specialty (a letter under each of its reviewer's)",
          _by_reviewer("specialty", "reviewer_specialties")),
    Table("by_state", "By reviewer's state of licensure", _by_reviewer("state", "reviewer_licensure_states")),
    Table("by_guideline", "Guidelines cited, by side", f"""
        WITH cited AS (
            SELECT letter_id, decision_index, outcome, side, source, title FROM citations
            UNION ALL SELECT letter_id, decision_index, outcome, 'claims_administrator', NULL, NULL FROM decisions
                      WHERE len(claims_administrator_guidelines) = 0
            UNION ALL SELECT letter_id, decision_index, outcome, 'maximus', NULL, NULL FROM decisions
                      WHERE len(maximus_guidelines) = 0),
        keyed AS (SELECT *, letter_id || ':' || decision_index AS decision FROM cited)
        SELECT side, coalesce(source, '{NONE}') AS source, coalesce(title, '{NONE}') AS title,
               count(DISTINCT decision) AS decisions,
               count(DISTINCT decision) FILTER (WHERE outcome = 'overturned') / count(DISTINCT decision)
                   AS overturned_share
        FROM keyed GROUP BY ALL ORDER BY side DESC, decisions DESC, source, title"""),  # the Maximus reviewer's first
    Table("by_guideline_source", "Guideline sources cited, by side", """
        SELECT side, source, count(DISTINCT letter_id || ':' || decision_index) AS decisions
        FROM citations GROUP BY ALL ORDER BY side DESC, decisions DESC, source"""),
    Table("by_body_region", "By body region", _by_value("body_region", "body_regions")),
    Table("by_reason", "By reason", _by_value("reason", "reasons")),
    Table("by_priority", "By priority", _by_value("priority", "priority")),
    Table("time_to_decision", "Days to decision", """
        WITH days AS (
            SELECT 'assigned_to_decision' AS measure, days_assigned_to_decision AS days FROM letters
            WHERE error IS NULL
            UNION ALL SELECT 'received_to_decision', days_received_to_decision FROM letters WHERE error IS NULL)
        SELECT measure, count(days) AS letters, avg(days) AS mean, quantile_cont(days, 0.5) AS median,
               quantile_cont(days, 0.9) AS p90
        FROM (VALUES ('assigned_to_decision'), ('received_to_decision')) AS measures(measure)
        LEFT JOIN days USING (measure)
        GROUP BY measure ORDER BY measure"""),
)

# The tidy tables, written whole by DuckDB itself (millions of rows stream): each fact once, a
# letter's fields in letters.csv, a decision's in decisions.csv, a citation's in citations.csv,
# joined by sha256 (and decision_index). Repeating the letter's fields and the citations on every
# decision made decisions.csv 948 MB for 476,602 decisions, written in 13 s; the rationales are in
# extract's own output and the `rationales` view.
_DECISION_FIELDS = ("item", "outcome", "category", "subcategory", "category_basis", "medication", "quantity",
                    "body_regions", "reasons", "item_start", "item_end", "rationale_start", "rationale_end")
TIDY: dict[str, str] = {
    "letters": "SELECT * EXCLUDE (letter_id) FROM letters",
    "decisions": f"SELECT sha256, decision_index, {', '.join(_DECISION_FIELDS)} FROM decisions",
    "citations": "SELECT sha256, decision_index, side, source, title, year, sections, pages, text FROM citations",
}

# The sample's own figures per decision year, for the reference figures beside them.
BY_YEAR = Table("by_year", "By decision year", """
    WITH l AS (SELECT year(date_decision) AS year, count(*) AS letters FROM letters
               WHERE error IS NULL AND date_decision IS NOT NULL GROUP BY ALL),
    d AS (SELECT year(date_decision) AS year, count(*) AS decisions,
                 avg((outcome = 'upheld')::INT) AS upheld_share, avg((outcome = 'overturned')::INT) AS overturned_share,
                 avg(coalesce(category = 'Pharmaceuticals', false)::INT) AS pharmaceutical_share
          FROM decisions WHERE date_decision IS NOT NULL GROUP BY ALL)
    SELECT year, letters, coalesce(decisions, 0) AS decisions, upheld_share, overturned_share, pharmaceutical_share
    FROM l LEFT JOIN d USING (year) ORDER BY year""")


_REFERENCE = Path(__file__).with_name("reference.toml")
_DAYS = ("mean", "median", "p90")


@dataclass(frozen=True)
class Figure:
    """A published figure: ``value`` a share (0-1) of decisions or a count of letters."""

    year: int
    measure: str
    value: float
    source: str
    as_published: Optional[str] = None


@dataclass
class Report:
    inputs: list[str]
    start: Optional[dt.date]
    end: Optional[dt.date]
    results: dict[str, Result]
    by_year: Result
    reference: list[Figure]
    days: dict[str, list[int]]  # per measure, each letter's days: the histogram's data
    files: list[Path] = field(default_factory=list)

    def overview(self) -> dict[str, Any]:
        return dict(self.results["overview"].rows)


def reference_figures(path: Path = _REFERENCE) -> list[Figure]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    entries = tomllib.loads(path.read_text(encoding="utf-8"))["figure"]
    return [Figure(**entry) for entry in entries]


def cell(column: str, value: Any, rounded: bool = True) -> str:
    """A value as a CSV cell: shares with three decimals, days with one (``rounded``), lists as JSON."""
    if value is None:
        return ""
    if isinstance(value, float) and rounded:
        return f"{value:.1f}" if column in _DAYS else f"{value:.3f}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def run(con: Any, table: Table) -> Result:
    relation = con.execute(table.sql)
    columns = [d[0] for d in relation.description]
    rows = relation.fetchall()
    if table is OVERVIEW:
        return Result(table, ["metric", "value"], list(zip(columns, rows[0], strict=True)))
    return Result(table, columns, rows)


def text_table(result: Result, width: int = 48) -> str:
    """A result as aligned columns for a terminal; a cell longer than ``width`` is cut with "…"."""
    def shown(column: str, value: Any) -> str:
        text = "NULL" if value is None else " ".join(printable(cell(column, value, rounded=False)).split())
        return text if len(text) <= width else text[: width - 1] + "…"

    rows = [[shown(c, v) for c, v in zip(result.columns, row, strict=True)] for row in result.rows]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(result.columns)]
    numeric = [any(isinstance(row[i], (int, float)) for row in result.rows)
               and all(isinstance(row[i], (int, float)) or row[i] is None for row in result.rows)
               for i in range(len(result.columns))]

    def line(cells: list[str]) -> str:
        padded = (c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric, strict=True))
        return "  ".join(padded).rstrip()

    out = [line(list(result.columns)), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    return "\n".join(out) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})\n"


def csv_text(result: Result, rounded: bool = True, lineterminator: str = "\n") -> str:
    """A result as CSV text (header first)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow(result.columns)
    writer.writerows([cell(c, v, rounded) for c, v in zip(result.columns, row, strict=True)] for row in result.rows)
    return buffer.getvalue()
