"""`imr-llm report` and `imr-llm query`: the files a report folder holds, the page as Chromium shows
it, and the folder rules (never overwrite what the tool did not write)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from conftest import chromium

from imr_llm.analytics.tables import TABLES
from imr_llm.cli import main


@pytest.fixture(scope="module")
def rows(dev_dir, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("rows") / "dev.jsonl"
    assert main(["extract", str(dev_dir), "-o", str(path), "--no-llm"]) == 0
    return str(path)


@pytest.fixture(scope="module")
def folder(rows, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report") / "out"
    assert main(["report", rows, "-o", str(folder)]) == 0
    return folder


def read_csv(path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode()), f"{path.name} has no byte-order mark"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_folder_holds_the_page_the_markdown_and_a_csv_per_table(folder):
    names = {path.name for path in folder.iterdir()}
    assert {"report.html", "report.md", "letters.csv", "decisions.csv", "citations.csv"} <= names
    assert {f"{table.name}.csv" for table in TABLES} <= names
    overview = {row["metric"]: row["value"] for row in read_csv(folder / "overview.csv")}
    assert overview["letters"] == "94" and overview["failed_letters"] == "0"
    assert re.fullmatch(r"0\.\d{3}", overview["overturned_share"])  # a fraction with three decimals
    assert float(overview["upheld_share"]) + float(overview["overturned_share"]) == pytest.approx(1, abs=0.0015)


def test_the_tidy_tables_hold_every_row_with_lists_as_json(folder):
    decisions = read_csv(folder / "decisions.csv")
    letters = read_csv(folder / "letters.csv")
    overview = {row["metric"]: row["value"] for row in read_csv(folder / "overview.csv")}
    assert len(decisions) == int(overview["decisions"]) and len(letters) == 94
    assert all(isinstance(json.loads(row["body_regions"]), list) for row in decisions)
    assert {row["sha256"] for row in decisions} <= {row["sha256"] for row in letters}  # joined by sha256
    citations = read_csv(folder / "citations.csv")
    assert {row["side"] for row in citations} == {"maximus", "claims_administrator"}
    assert all(isinstance(json.loads(row["sections"]), list) for row in citations)
    keys = {(row["sha256"], row["decision_index"]) for row in decisions}
    assert {(row["sha256"], row["decision_index"]) for row in citations} <= keys


def test_the_markdown_has_every_table(folder):
    text = (folder / "report.md").read_text(encoding="utf-8")
    for table in TABLES[1:]:
        assert f"### {table.title}" in text
    assert "| 2017 | decisions upheld | 91.7% | DWC, as reported by WorkCompCentral |" in text


def test_the_page_is_self_contained_and_chromium_draws_its_charts(folder, tmp_path):
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "http" not in re.sub(r'xmlns(:xlink)?="http://www\.w3\.org/[^"]+"', "", page)  # namespaces only
    assert not re.search(r"""(src=|@import|url\((?!#))""", page)  # url(#clip) is inside the page
    links = set(re.findall(r'href="([^"]+)"', page))
    assert all(link.startswith("#") or link.endswith(".csv") for link in links), links
    dom = chromium(tmp_path, "--dump-dom", (folder / "report.html").as_uri())
    charts = re.findall(r'<svg[^>]*aria-label="([^"]+)"', dom)
    assert set(charts) == {"decisions-per-month", "requests-by-category", "overturned-by-category",
                           "overturned-by-drug-class", "reviewer-specialties", "guideline-sources", "days-to-decision"}
    assert "Data quality" in dom and "Beside the published figures" in dom
    shot = tmp_path / "page.png"
    chromium(tmp_path, "--hide-scrollbars", "--window-size=1280,2400", f"--screenshot={shot}",
             (folder / "report.html").as_uri())
    from PIL import Image

    colours = Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours and len(colours) > 50  # charts and tables drawn, not a blank page


def test_a_folder_with_files_the_tool_did_not_write_is_refused(rows, tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "report.md").write_text("my own notes")
    assert main(["report", rows, "-o", str(folder)]) == 2
    assert "did not write" in capsys.readouterr().err
    assert (folder / "report.md").read_text() == "my own notes"


def test_an_earlier_report_is_replaced_and_an_input_is_never_an_output(rows, tmp_path, capsys):
    folder = tmp_path / "again"
    assert main(["report", rows, "-o", str(folder)]) == 0
    assert main(["report", rows, "-o", str(folder), "--from", "2017-02-01"]) == 0
    overview = {row["metric"]: row["value"] for row in read_csv(folder / "overview.csv")}
    assert overview["first_decision"] >= "2017-02-01"
    assert main(["report", str(folder / "decisions.csv"), "-o", str(folder)]) == 2
    assert "is an input" in capsys.readouterr().err
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_query_prints_a_table_or_csv_and_a_bad_statement_is_one_line(rows, capsys):
    assert main(["query", rows, "SELECT category, count(*) AS n FROM decisions GROUP BY ALL ORDER BY n DESC"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["category", "n"] and out[2].startswith("Diagnostic Testing")
    assert re.fullmatch(r"\(\d+ rows\)", out[-1])
    assert main(["query", rows, "--csv", "SELECT side, text FROM citations ORDER BY text LIMIT 2"]) == 0
    assert next(csv.reader(io.StringIO(capsys.readouterr().out))) == ["side", "text"]
    assert main(["query", rows, "SELECT nope FROM decisions"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("imr-llm: SQL: ") and err.count("\n") == 1


def test_a_missing_rows_file_is_a_usage_error(tmp_path, capsys):
    assert main(["query", str(tmp_path / "none.jsonl"), "SELECT 1"]) == 2
    assert "no such file" in capsys.readouterr().err
