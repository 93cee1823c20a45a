"""`imr_llm.analytics`: every table of the report equals a count made here in plain Python over the
same rows, on the dev letters' extraction and on rows made by hand (nulls, failures, a letter seen
twice, JSON Lines, CSV and Parquet mixed)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import statistics
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import seed

from imr_llm import extract
from imr_llm.analytics import connect, query
from imr_llm.analytics.report import build
from imr_llm.analytics.tables import NONE, TABLES
from imr_llm.errors import AnalyticsError
from imr_llm.outputs import open_output
from imr_llm.reading import content_hash
from imr_llm.writing import result_row


def write(path: Path, rows: list[dict]) -> str:
    output = open_output(str(path))
    for row in rows:
        output.write(row)
    output.close()
    return str(path)


@pytest.fixture(scope="module")
def dev_rows(dev_dir) -> list[dict]:
    letters = sorted(dev_dir.glob("*.pdf"))
    return [result_row(str(path), extract(path, llm=False), None, sha256=content_hash(str(path))) for path in letters]


# -- the same tables, counted in plain Python ----------------------------------------------------

def standing(files: list[list[dict]]) -> list[dict]:
    """Each letter's row: one without an error first, then the later file, then the later row."""
    best: dict[str, tuple] = {}
    for index, rows in enumerate(files):
        for position, row in enumerate(rows):
            key = row["sha256"] or row["source"]
            rank = (row["error"] is None, index, position)
            if key not in best or rank > best[key][0]:
                best[key] = (rank, row)
    return [row for _, row in best.values()]


def share(part: int, whole: int):
    return part / whole if whole else None


def counted(groups: dict, total: int) -> dict:
    """key -> decisions, upheld, overturned, overturned share, share of all ``total`` decisions."""
    return {key: (len(ds), sum(d["outcome"] == "upheld" for d in ds), sum(d["outcome"] == "overturned" for d in ds),
                  share(sum(d["outcome"] == "overturned" for d in ds), len(ds)), share(len(ds), total))
            for key, ds in groups.items()}


def quantile(values: list[float], q: float):
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def days(letter: dict, start: str):
    end, begin = letter["dates"]["decision"], letter["dates"][start]
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(begin)).days if end and begin else None


def expected(files: list[list[dict]]) -> dict[str, dict]:
    chosen = standing(files)
    letters = [row for row in chosen if row["error"] is None]
    decisions = [{**d, "letter": row, "id": (row["sha256"], i)} for row in letters for i, d in enumerate(row["decisions"])]
    total = len(decisions)
    tables: dict[str, dict] = {}
    overturned = sum(d["outcome"] == "overturned" for d in decisions)
    dates = [row["dates"]["decision"] for row in letters if row["dates"]["decision"]]
    tables["overview"] = {
        "letters": len(letters), "decisions": total, "failed_letters": len(chosen) - len(letters),
        "upheld_share": share(total - overturned, total), "overturned_share": share(overturned, total),
        **{f"letters_{o}": sum(row["outcome"] == o for row in letters)
           for o in ("upheld", "overturned", "partially_overturned")},
        "first_decision": min(dates, default=None), "last_decision": max(dates, default=None),
        "decisions_without_category": sum(d["category"] is None for d in decisions),
        "rows_with_warnings": sum(bool(row["warnings"]) for row in letters),
    }
    months: dict = defaultdict(lambda: [0, []])
    for row in letters:
        month = row["dates"]["decision"][:7] if row["dates"]["decision"] else NONE
        months[month][0] += 1
        months[month][1] += row["decisions"]
    tables["by_month"] = {(m,): (n, len(ds), share(sum(d["outcome"] == "overturned" for d in ds), len(ds)))
                          for m, (n, ds) in months.items()}

    def by(key) -> dict:
        groups = defaultdict(list)
        for d in decisions:
            for value in key(d):
                groups[value].append(d)
        return counted(groups, total)

    tables["by_category"] = by(lambda d: [(d["category"] or NONE,)])
    tables["by_subcategory"] = by(lambda d: [(d["category"] or NONE, d["subcategory"] or NONE)])
    tables["by_body_region"] = by(lambda d: [(v,) for v in set(d["body_regions"])] or [(NONE,)])
    tables["by_reason"] = by(lambda d: [(v,) for v in set(d["reasons"])] or [(NONE,)])
    tables["by_priority"] = by(lambda d: [(d["letter"]["priority"] or NONE,)])
    for name, field in (("by_specialty", "specialties"), ("by_state", "licensure_states")):
        groups = defaultdict(list)
        for row in letters:
            for value in set(row["reviewer"][field]) or {NONE}:
                groups[(value,)].append(row)
        tables[name] = {key: (len(rows), sum(len(r["decisions"]) for r in rows),
                              share(sum(d["outcome"] == "overturned" for r in rows for d in r["decisions"]),
                                    sum(len(r["decisions"]) for r in rows)))
                        for key, rows in groups.items()}
    cited, sources = defaultdict(dict), defaultdict(set)
    for d in decisions:
        for side in ("maximus", "claims_administrator"):
            citations = d["guidelines"][side]
            for c in citations or [None]:
                key = (side, c["source"], c["title"] or NONE) if c else (side, NONE, NONE)
                cited[key][d["id"]] = d["outcome"]
                if c:
                    sources[(side, c["source"])].add(d["id"])
    tables["by_guideline"] = {key: (len(ids), share(sum(o == "overturned" for o in ids.values()), len(ids)))
                              for key, ids in cited.items()}
    tables["by_guideline_source"] = {key: (len(ids),) for key, ids in sources.items()}
    tables["time_to_decision"] = {}
    for measure, start in (("assigned_to_decision", "assigned"), ("received_to_decision", "application_received")):
        values = [v for v in (days(row, start) for row in letters) if v is not None]
        tables["time_to_decision"][(measure,)] = (len(values), statistics.mean(values) if values else None,
                                                  quantile(values, 0.5), quantile(values, 0.9))
    return tables


def keyed(result) -> dict:
    """A report table as key columns -> the other columns (the overview as metric -> value)."""
    if result.table.name == "overview":
        return {metric: (value.isoformat() if isinstance(value, dt.date) else value) for metric, value in result.rows}
    width = {"by_subcategory": 2, "by_guideline": 3, "by_guideline_source": 2}.get(result.table.name, 1)
    return {tuple(row[:width]): tuple(row[width:]) for row in result.rows}


def close(theirs, mine) -> bool:
    """Equal, floats within 1e-9 (a share computed two ways), element by element in tuples."""
    if isinstance(theirs, tuple) and isinstance(mine, tuple):
        return len(theirs) == len(mine) and all(close(a, b) for a, b in zip(theirs, mine, strict=True))
    if isinstance(theirs, float) or isinstance(mine, float):
        return theirs is not None and mine is not None and math.isclose(theirs, mine, rel_tol=1e-9)
    return theirs == mine


def assert_tables_match(con, files: list[list[dict]]) -> None:
    report = build(con, ["rows"])
    mine = expected(files)
    assert set(mine) == {t.name for t in TABLES}
    for name, result in report.results.items():
        theirs = keyed(result)
        if name == "overview":
            theirs = {k: v for k, v in theirs.items() if k in mine[name]}
        assert set(theirs) == set(mine[name]), name
        wrong = {key: (theirs[key], mine[name][key]) for key in theirs if not close(theirs[key], mine[name][key])}
        assert not wrong, (name, wrong)


# -- the dev letters --------------------------------------------------------------------------------

def test_every_table_on_the_dev_letters_equals_a_count_in_python(dev_rows, tmp_path):
    con = connect(write(tmp_path / "dev.jsonl", dev_rows))
    assert_tables_match(con, [dev_rows])


def test_the_views_hold_one_row_per_letter_decision_and_citation(dev_rows, tmp_path):
    con = connect(write(tmp_path / "dev.parquet", dev_rows))
    count = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    assert count("SELECT count(*) FROM letters") == len(dev_rows)
    assert count("SELECT count(*) FROM decisions") == sum(len(row["decisions"]) for row in dev_rows)
    assert count("SELECT count(*) FROM citations") == sum(
        len(d["guidelines"][side]) for row in dev_rows for d in row["decisions"] for side in ("maximus", "claims_administrator"))
    assert count("SELECT count(*) FROM reasons") == sum(len(d["reasons"]) for row in dev_rows for d in row["decisions"])
    assert count("SELECT count(*) FROM diagnoses") == sum(len(row["diagnoses"]) for row in dev_rows)
    assert count("SELECT count(*) FROM specialties") == sum(len(row["reviewer"]["specialties"]) for row in dev_rows)
    first = dev_rows[0]
    (days_assigned, decided) = con.execute("SELECT days_assigned_to_decision, date_decision FROM letters WHERE sha256 = ?",
                                           [first["sha256"]]).fetchone()
    assert decided == dt.date.fromisoformat(first["dates"]["decision"])
    assert days_assigned == days(first, "assigned")


def test_a_date_range_keeps_the_letters_decided_in_it(dev_rows, tmp_path):
    path = write(tmp_path / "dev.csv", dev_rows)
    start, end = dt.date(2017, 2, 1), dt.date(2017, 2, 15)
    con = connect(path, start=start, end=end)
    kept = [row for row in dev_rows if row["dates"]["decision"] and start.isoformat() <= row["dates"]["decision"]
            <= end.isoformat()]
    assert 0 < len(kept) < len(dev_rows)
    assert_tables_match(con, [kept])


def test_a_date_range_keeps_the_failed_letters_that_have_no_date(hand_made_paths):
    con = connect(*hand_made_paths, start=dt.date(2016, 4, 1), end=dt.date(2016, 12, 31))
    assert dict(con.execute("SELECT sha256, error IS NULL FROM letters").fetchall()) == {"b" * 64: True,
                                                                                        "e" * 64: False}


# -- rows made by hand --------------------------------------------------------------------------------

def seed_row(name: str, sha: str, **changes) -> dict:
    row = json.loads(json.dumps(result_row(f"{name}.txt", extract(seed(name), llm=False), None, sha256=sha)))
    for key, value in changes.items():
        row[key] = value
    return row


def failed(name: str, sha: str) -> dict:
    return result_row(f"{name}.txt", None, "model call timed out", sha256=sha)


@pytest.fixture(scope="module")
def hand_made() -> list[list[dict]]:
    """Three files, in order: JSON Lines, CSV, Parquet."""
    a = seed_row("000", "a" * 64)
    a["dates"] = {**a["dates"], "decision": "2016-03-04", "assigned": "2016-02-01"}
    a["reviewer"] = {**a["reviewer"], "specialties": ["Pain Management", "Pain Management"], "licensure_states": []}
    b = seed_row("003", "b" * 64, priority=None)
    b["decisions"][0].update(category=None, subcategory=None, body_regions=[], reasons=[])
    b["decisions"][1]["guidelines"] = {"claims_administrator": [], "maximus": b["decisions"][1]["guidelines"]["maximus"]}
    b["warnings"] = ["decision 1: category: model 'Surgery', parser rule None; parser kept"]
    b_again = copy.deepcopy(b)  # the same letter later, decided otherwise: the later row stands
    b_again["decisions"][1]["outcome"] = "overturned"
    b_again["outcome"] = "partially_overturned"
    b_again["dates"] = {**b_again["dates"], "decision": "2016-04-30"}
    c_failed_then_done = failed("001", "c" * 64)
    c = seed_row("001", "c" * 64)
    d_done_then_failed = seed_row("004", "d" * 64)
    e_only_failed = failed("002", "e" * 64)
    citation = {"source": "Other", "title": "A title; with a semicolon", "year": None, "sections": [], "pages": None,
                "text": "Other; A title; with a semicolon"}
    c["decisions"][0]["guidelines"]["maximus"].append(citation)
    return [[a, b, c_failed_then_done, d_done_then_failed], [c, b_again, e_only_failed],
            [failed("004", "d" * 64)]]


@pytest.fixture
def hand_made_paths(hand_made, tmp_path) -> list[str]:
    return [write(tmp_path / "one.jsonl", hand_made[0]), write(tmp_path / "two.csv", hand_made[1]),
            write(tmp_path / "three.parquet", hand_made[2])]


def test_hand_made_rows_in_three_formats_equal_a_count_in_python(hand_made, hand_made_paths):
    con = connect(*hand_made_paths)
    assert_tables_match(con, hand_made)
    letters = dict(con.execute("SELECT sha256, error FROM letters").fetchall())
    assert letters == {"a" * 64: None, "b" * 64: None, "c" * 64: None, "d" * 64: None, "e" * 64: "model call timed out"}
    assert con.execute("SELECT outcome FROM letters WHERE sha256 = ?", ["b" * 64]).fetchone() == ("partially_overturned",)


def test_nulls_are_their_own_rows(hand_made_paths):
    con = connect(*hand_made_paths)
    report = build(con, hand_made_paths)
    assert (NONE,) in keyed(report.results["by_category"])
    assert (NONE,) in keyed(report.results["by_priority"]) and (NONE,) in keyed(report.results["by_state"])
    assert ("claims_administrator", NONE, NONE) in keyed(report.results["by_guideline"])
    assert report.overview()["letters_with_disagreements"] == 1


def test_a_citation_text_with_semicolons_comes_back_whole_from_csv(hand_made_paths):
    con = connect(*hand_made_paths)
    texts = [row[0] for row in con.execute("SELECT text FROM citations WHERE sha256 = ?", ["c" * 64]).fetchall()]
    assert "Other; A title; with a semicolon" in texts


def test_lines_that_are_not_rows_are_counted_and_skipped(hand_made, tmp_path):
    path = tmp_path / "mixed.jsonl"
    lines = [json.dumps(hand_made[0][0]), "not json", json.dumps({"hello": "world"}), json.dumps(hand_made[0][1])[:300]]
    path.write_text("\n".join(lines))
    con = connect(str(path))
    assert con.execute("SELECT count(*) FROM letters").fetchone() == (1,)
    assert build(con, [str(path)]).overview()["lines_not_read"] == 3


@pytest.mark.parametrize("name, content, message", [
    ("missing.jsonl", None, "no such file"),
    ("foreign.parquet", b"PAR1 not really", "not readable as Parquet"),
])
def test_rows_that_cannot_be_read_are_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AnalyticsError, match=message):
        connect(str(path))


def test_a_parquet_file_of_another_shape_is_refused_by_column(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "old.parquet"
    pq.write_table(pa.table({"source": ["x"], "date_decision": ["2017-01-01"]}), path)
    with pytest.raises(AnalyticsError, match="column sha256 is missing"):
        connect(str(path))


def test_query_errors_are_one_line(hand_made_paths):
    con = connect(*hand_made_paths)
    assert query(con, "SELECT count(*) AS n FROM decisions").rows[0][0] > 0
    with pytest.raises(AnalyticsError, match=r"^SQL: .*nope") as caught:
        query(con, "SELECT nope FROM decisions")
    assert "\n" not in str(caught.value)


def test_rationales_are_a_view_of_their_own_joined_by_letter_and_decision(dev_rows, tmp_path):
    con = connect(write(tmp_path / "dev.jsonl", dev_rows))
    found = {(sha, index): text for sha, index, text in
             con.execute("SELECT sha256, decision_index, rationale FROM rationales").fetchall()}
    assert found == {(row["sha256"], i): d["rationale"] for row in dev_rows for i, d in enumerate(row["decisions"])}
    assert "rationale" not in [c[0] for c in con.execute("SELECT * FROM decisions LIMIT 0").description]
