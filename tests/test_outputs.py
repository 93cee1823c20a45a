"""Outputs by extension, written as each document finishes, and what a resumed run keeps."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from conftest import seed

from imr_llm import extract
from imr_llm.columns import NAMES
from imr_llm.outputs import OutputError, open_output
from imr_llm.writing import result_row


def row_for(name: str, sha: str, error: str | None = None) -> dict:
    determination = None if error else extract(seed(name), llm=False)
    return result_row(f"{name}.txt", determination, error, sha256=sha)


def test_jsonl_lines_are_on_disk_as_soon_as_written(tmp_path):
    path = tmp_path / "out.jsonl"
    output = open_output(str(path))
    output.write(row_for("000", "a" * 64))
    assert json.loads(path.read_text())["sha256"] == "a" * 64  # before close
    output.close()


def test_resume_keeps_finished_documents_and_drops_failed_and_torn_lines(tmp_path):
    path = tmp_path / "out.jsonl"
    good, failed = row_for("000", "a" * 64), row_for("001", "b" * 64, error="model call timed out")
    torn = json.dumps(row_for("003", "c" * 64))[:200]  # a killed run stopped mid-line
    path.write_text(json.dumps(good) + "\n" + json.dumps(failed) + "\n" + torn)
    output = open_output(str(path), resume=True)
    assert output.done == {"a" * 64}
    output.write(row_for("003", "c" * 64))
    output.close()
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [row["sha256"] for row in rows] == ["a" * 64, "c" * 64]


def test_resume_of_a_missing_file_starts_it(tmp_path):
    output = open_output(str(tmp_path / "new.jsonl"), resume=True)
    assert output.done == set()
    output.close()


def test_csv_resume_redoes_the_last_document_and_failures(tmp_path):
    path = tmp_path / "out.csv"
    output = open_output(str(path))
    for row in (row_for("003", "a" * 64), row_for("001", "b" * 64, error="boom"), row_for("000", "c" * 64),
                row_for("004", "d" * 64)):
        output.write(row)
    output.close()
    output = open_output(str(path), resume=True)
    # 003 (two decisions) kept; 001 failed; 004 was last, so perhaps cut at a row boundary: redone
    assert output.done == {"a" * 64, "c" * 64}
    output.write(row_for("004", "d" * 64))
    output.close()
    rows = list(csv.DictReader(path.open()))
    assert tuple(rows[0]) == NAMES
    decisions = {name: len(extract(seed(name), llm=False).decisions) for name in ("003", "000", "004")}
    assert [row["sha256"][0] for row in rows] == ["a"] * decisions["003"] + ["c"] * decisions["000"] + ["d"] * decisions["004"]


def test_parquet_rows_per_decision_with_typed_columns(tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "out.parquet"
    output = open_output(str(path))
    output.write(row_for("003", "a" * 64))
    output.write(row_for("001", "b" * 64, error="unknown layout"))
    output.close()
    table = pq.read_table(path).to_pylist()
    assert [row["decision_index"] for row in table] == [0, 1, None]
    assert table[0]["body_regions"] == ["lumbar spine"] and table[1]["body_regions"] == ["cervical spine", "lumbar spine"]
    assert table[0]["quantity"] == 8 and table[2]["error"] == "unknown layout"
    assert table[0]["date_injury"] == dt.date.fromisoformat(row_for("003", "a" * 64)["dates"]["injury"])
    (citation, *_) = table[0]["maximus_guidelines"]
    assert citation["source"] in ("MTUS", "ODG", "ACOEM", "Other") and citation["text"]
    assert pq.read_schema(path).field("date_injury").type == "date32[day]"


def test_csv_cells_read_back_to_the_rows_written(tmp_path):
    """Lists are JSON arrays, so a citation text holding ";" comes back whole."""
    from imr_llm.columns import flat_rows, from_cells

    row = row_for("003", "a" * 64)
    row["decisions"][0]["guidelines"]["maximus"][0]["text"] = "MTUS; Chronic Pain; page 1; see also ODG"
    path = tmp_path / "out.csv"
    output = open_output(str(path))
    output.write(row)
    output.close()
    with path.open(newline="") as stream:
        back = [from_cells(cells) for cells in csv.DictReader(stream)]
    assert back == flat_rows(json.loads(json.dumps(row)))


@pytest.mark.parametrize("path, message", [(None, "needs an output file"), ("out.parquet", "cannot be resumed")])
def test_what_cannot_resume_says_so(tmp_path, path, message):
    with pytest.raises(OutputError, match=message):
        open_output(str(tmp_path / path) if path else None, resume=True)


def test_resume_keeps_rows_written_before_rows_carried_a_hash(tmp_path):
    from imr_llm.reading import content_hash

    path = tmp_path / "old.jsonl"
    old = row_for("000", None)
    old["source"] = str(seed("000"))
    del old["sha256"]
    path.write_text(json.dumps(old) + "\n")
    output = open_output(str(path), resume=True)
    output.close()
    assert output.done == {content_hash(str(seed("000")))}
    assert json.loads(path.read_text())["source"] == str(seed("000"))


def test_csv_resume_keeps_a_row_with_a_cell_longer_than_the_csv_modules_limit(tmp_path):
    path = tmp_path / "out.csv"
    long = row_for("000", "a" * 64)
    long["decisions"][0]["rationale"] = "x" * 200_000  # the csv module's default limit is 131,072
    output = open_output(str(path))
    for row in (long, row_for("003", "b" * 64)):
        output.write(row)
    output.close()
    output = open_output(str(path), resume=True)
    output.close()
    assert output.done == {"a" * 64}  # 003 was last, so redone; the long row kept, not re-paid for


@pytest.mark.parametrize("content", ["hello world\n", "source,sha256\nx,y\n", '{"sha256": ["x"]}\n', "[1, 2]\n",
                                     '{"source": 5, "decisions": []}\n'])
def test_resume_refuses_a_file_that_holds_lines_not_its_rows(tmp_path, content):
    path = tmp_path / "out.jsonl"
    good = json.dumps(row_for("000", "a" * 64))
    path.write_text(good + "\n" + content)
    with pytest.raises(OutputError, match="line 2 of OUT is not a row"):
        open_output(str(path), resume=True)
    assert path.read_text() == good + "\n" + content  # nothing rewritten
