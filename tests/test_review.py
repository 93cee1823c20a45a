"""`imr-llm review` and the rows reader behind it: rows read back from JSON Lines, CSV or Parquet;
the page, loaded in headless Chromium, shows an index and each letter with its spans marked and its
warnings at their fields; a letter that cannot be shown is one to check and fails the run."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from conftest import chromium, seed

from imr_llm import RowsError, extract, read_text
from imr_llm.outputs import open_output
from imr_llm.results import read_rows
from imr_llm.review import build_review, highlighted

LONG_NAME = "CM16-0213037-first-letter-of-the-claims-administrators-batch.txt"


def imr_llm(*args: object) -> subprocess.CompletedProcess:
    """The command as a user runs it."""
    return subprocess.run([sys.executable, "-m", "imr_llm", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def write_jsonl(path, rows) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


class Marks(HTMLParser):
    """The marked spans of a page, in order, with their text."""

    def __init__(self):
        super().__init__()
        self.marks, self._open = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "mark" and dict(attrs).get("data-decision"):
            self._open = [dict(attrs)["class"], dict(attrs)["data-decision"], ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag):
        if tag == "mark" and self._open is not None:
            self.marks.append(tuple(self._open))
            self._open = None


class Tables(HTMLParser):
    """Every table of a page: its attributes, and its rows as (the row's class, its cells' text),
    with the links met in each row."""

    def __init__(self, page: str):
        super().__init__()
        self.tables, self.ids, self._cell, self._open = [], set(), None, 0
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "table":
            self.tables.append({"attrs": attrs, "rows": [], "links": []})
            self._open += 1
        elif tag == "tr":
            self.tables[-1]["rows"].append((attrs.get("class"), []))
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a" and self._open and attrs.get("href"):
            self.tables[-1]["links"].append(attrs["href"])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1][1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._open -= 1

    def index(self) -> list[list[str]]:
        (table,) = [t for t in self.tables if t["attrs"].get("class") == "index"]
        return [cells for _, cells in table["rows"][1:]]

    def decision(self, number: int) -> list[tuple[str, list[str]]]:
        (table,) = [t for t in self.tables if t["attrs"].get("data-decision") == str(number)]
        return table["rows"]


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    """Rows `imr-llm extract` wrote for seed 000 (one decision), seed 003 (two) and a grocery list."""
    folder = tmp_path_factory.mktemp("letters")
    for name in ("000", "003"):
        shutil.copy(seed(name), folder / f"{name}.txt")
    (folder / "grocery.txt").write_text("Milk, eggs, bread.\n")
    out = folder / "rows.jsonl"
    imr_llm("extract", folder / "000.txt", folder / "003.txt", folder / "grocery.txt", "--no-llm", "-o", out)
    return [json.loads(line) for line in out.read_text().splitlines()]


# -- the rows reader --------------------------------------------------------------------------------

def _comparable(row):
    """A row without what CSV and Parquet cannot hold (`results`): usage but its total."""
    return json.dumps({**row, "usage": row["usage"]["total_tokens"]}, sort_keys=True)


def test_rows_read_back_alike_from_jsonl_csv_and_parquet(tmp_path, seeds_dir):
    letters = [seeds_dir, seed("003"), tmp_path / "missing.pdf"]  # every seed, one of them twice, a failure
    for suffix in ("jsonl", "csv", "parquet"):
        assert imr_llm("extract", *letters, "--no-llm", "-o", tmp_path / f"rows.{suffix}").returncode == 1
    jsonl = read_rows(str(tmp_path / "rows.jsonl"))
    assert len(jsonl.rows) == 7 and jsonl.notes == []
    for suffix in ("csv", "parquet"):
        read = read_rows(str(tmp_path / f"rows.{suffix}"))
        assert read.notes == []
        assert sorted(map(_comparable, read.rows)) == sorted(map(_comparable, jsonl.rows))
        assert {json.dumps(row["usage"]) for row in read.rows} == {json.dumps(
            {"prompt_tokens": None, "completion_tokens": None, "total_tokens": 0, "calls": None, "reasks": None})}


def test_warnings_and_a_failed_letters_fields_survive_csv_and_parquet(tmp_path, rows):
    row = copy.deepcopy(rows[1])
    row["warnings"] = ["decision 1: category: model 'Surgery', parser rule 'Rehabilitation' (pt: PT); parser kept",
                       "a warning; with a semicolon"]
    row["error"] = "model endpoint failed: HTTP 503"  # a letter that failed, with the parser's fields kept
    for suffix in ("csv", "parquet"):
        path = tmp_path / f"rows.{suffix}"
        output = open_output(str(path))
        output.write(row)
        output.close()
        (back,) = read_rows(str(path)).rows
        assert _comparable(back) == _comparable(row)


def test_lines_that_are_not_rows_are_noted_by_file_and_line(tmp_path, rows):
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text(json.dumps(rows[0]) + "\n" + json.dumps({"source": "b.txt", "decisions": [{"item_span": "ab"}]})
                     + "\n\n" + json.dumps(rows[1])[:70] + "\n")
    read = read_rows(str(jsonl))
    assert [row["source"] for row in read.rows] == [rows[0]["source"]]
    assert read.notes == [f"{jsonl}, line 2: not a row of imr-llm extract; skipped",
                          f"{jsonl}, line 4: not a row of imr-llm extract; skipped"]

    table = tmp_path / "rows.csv"
    output = open_output(str(table))
    for row in rows:
        output.write(row)
    output.close()
    lines = table.read_text().splitlines(keepends=True)  # the header, 000, 003 twice, the grocery list
    table.write_text("".join(lines[:4]) + lines[4][:60] + "\n")  # the grocery list's row cut off by a kill
    read = read_rows(str(table))
    assert [len(row["decisions"]) for row in read.rows] == [1, 2]
    assert read.notes == [f"{table}, line 5: not a row of imr-llm extract; skipped"]


@pytest.mark.parametrize("name, content, message", [
    ("other.jsonl", '{"id": 1}\n[1, 2]\n', r"not rows of imr-llm extract \(no row of ours in it, 2 lines of"),
    ("rows.txt", "{}", r"rows.txt: not a file of rows: imr-llm reads rows from .jsonl, .csv or .parquet files"),
    ("other.csv", "name,amount\nmilk,2\n", r"not rows of imr-llm extract \(no column source\)"),
    ("rows.parquet", "PAR1 not really", r"rows.parquet: not readable as Parquet: "),
    ("missing.jsonl", None, r"missing.jsonl: No such file or directory"),
])
def test_a_file_of_no_rows_or_of_another_format_is_refused_in_one_line(tmp_path, name, content, message):
    if content is not None:
        (tmp_path / name).write_text(content)
    with pytest.raises(RowsError, match=message) as refused:
        read_rows(str(tmp_path / name))
    assert "\n" not in str(refused.value)


def test_reading_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    with pytest.raises(RowsError, match=r"reading Parquet needs pyarrow: pip install -e '\.\[parquet\]'"):
        read_rows(str(tmp_path / "rows.parquet"))


# -- the command --------------------------------------------------------------------------------

def test_review_reads_csv_and_parquet_rows(tmp_path, seeds_dir):
    for suffix in ("csv", "parquet"):
        rows = tmp_path / f"rows.{suffix}"
        imr_llm("extract", seeds_dir, "--no-llm", "-o", rows)
        page = tmp_path / f"{suffix}.html"
        run = imr_llm("review", rows, "-o", page)
        assert (run.returncode, run.stderr) == (0, f"imr-llm: 5 of 5 letters in {page}; 0 to check, 0 with an error "
                                                   "or not shown\n")
        html = page.read_text()
        assert "5 letters, none to check." in html
        assert html.count('<section class="letter"') == 5 and html.count('<pre class="text">') == 5


def test_a_letter_that_cannot_be_shown_is_one_to_check_and_fails_the_run(tmp_path, rows):
    letter = tmp_path / "a.txt"
    shutil.copy(seed("000"), letter)
    row = {**rows[0], "source": str(letter), "sha256": hashlib.sha256(letter.read_bytes()).hexdigest()}
    rows_file, page = tmp_path / "rows.jsonl", tmp_path / "page.html"
    write_jsonl(rows_file, [row])
    assert imr_llm("review", rows_file, "-o", page).returncode == 0

    letter.write_text(letter.read_text().replace("Physical therapy", "Physical therapy, edited"))
    run = imr_llm("review", rows_file, "-o", page)
    assert run.returncode == 1
    assert "1 to check, 1 with an error or not shown" in run.stderr
    html = page.read_text()
    assert "1 letter, 1 to check (1 not shown)." in html
    assert "letter not shown: the file&#x27;s bytes are not those the row was made from (changed since)" in html


def test_usage_errors_exit_2_with_one_line(tmp_path, rows):
    write_jsonl(tmp_path / "rows.jsonl", rows)
    for given, said in [((tmp_path / "rows.txt", "-o", tmp_path / "p.html"), "not a file of rows"),
                        ((tmp_path / "rows.jsonl", "-o", tmp_path / "no" / "p.html"), "No such file or directory")]:
        run = imr_llm("review", *given)
        assert run.returncode == 2
        assert run.stderr.count("\n") == 1 and run.stderr.startswith("imr-llm: ") and said in run.stderr


def test_review_help_says_what_the_exit_status_means():
    run = imr_llm("review", "--help")
    text = " ".join(run.stdout.split())
    assert "1 some letter has an error or cannot be shown" in text and "--only-problems" in text


# -- the page ---------------------------------------------------------------------------------

def _with_warnings(row, *warnings):
    return {**copy.deepcopy(row), "warnings": list(warnings)}


DISAGREEMENT = "decision 1: category: model 'Surgery', parser rule 'Rehabilitation' (pt: PT); parser kept"


def test_the_index_has_a_line_per_letter_linking_to_its_section(rows):
    named = {**rows[0], "source": "/letters/<img src=x onerror=alert(1)>.txt"}  # names are untrusted: escaped
    warned = _with_warnings(rows[1], DISAGREEMENT, "decision 2: medication 'x' not supported by the item; dropped")
    page = build_review([named, warned, rows[2]]).html
    tables = Tables(page)
    assert tables.index() == [
        ["1", "<img src=x onerror=alert(1)>.txt", "upheld", "1", "—", "—", "not shown"],  # no such file to show
        ["2", "003.txt", "upheld", "2", "2 warnings", "disagree", "disagreement warnings"],
        ["3", "grocery.txt", "—", "0", "error", "—", "error"],
    ]
    (index,) = [t for t in tables.tables if t["attrs"].get("class") == "index"]
    assert index["links"] == ["#doc-0", "#doc-1", "#doc-2"] and {"doc-0", "doc-1", "doc-2"} <= tables.ids
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page and "<img" not in page
    assert "3 letters, 3 to check (1 with errors, 1 not shown, 1 with parser/model disagreements, 1 with other " \
           "warnings)." in page


def _copied(row, path):
    """``row`` for a copy of its letter at ``path``."""
    shutil.copy(row["source"], path)
    return {**copy.deepcopy(row), "source": str(path)}


def test_only_problems_is_the_review_queue_worst_first(tmp_path, rows):
    queue = [
        _copied(rows[0], tmp_path / "fine.txt"),
        _with_warnings(_copied(rows[1], tmp_path / "warned.txt"), "decision 2: quantity 9 not supported by the item; "
                       "dropped"),
        _with_warnings(_copied(rows[1], tmp_path / "disagreeing.txt"), DISAGREEMENT),
        {**_copied(rows[0], tmp_path / "edited.txt"), "sha256": "0" * 64},  # as if the file had changed since
        _copied(rows[2], tmp_path / "failed.txt"),
    ]
    write_jsonl(tmp_path / "rows.jsonl", queue)
    run = imr_llm("review", tmp_path / "rows.jsonl", "-o", tmp_path / "queue.html", "--only-problems")
    assert run.returncode == 1
    page = (tmp_path / "queue.html").read_text()
    assert [cells[1] for cells in Tables(page).index()] == ["failed.txt", "edited.txt", "disagreeing.txt",
                                                             "warned.txt"]
    assert "fine.txt" not in page and page.count('<section class="letter"') == 4
    assert "5 letters, 4 to check" in page and "1 letter without problems left out" in page


def test_guidelines_are_shown_by_side_each_citation_with_its_source(rows):
    decision = rows[1]["decisions"][0]
    shown = {cells[0]: cells[1] for _, cells in Tables(build_review([rows[1]]).html).decision(1) if len(cells) == 2}
    for label, side in (("guidelines (claims administrator, UR)", "claims_administrator"),
                        ("guidelines (Maximus reviewer)", "maximus")):
        cited = decision["guidelines"][side]
        assert cited, side
        assert shown[label] == " ".join(f"{c['text']} {c['source']}" for c in cited)
    assert "guidelines" not in shown


def test_each_warning_is_shown_at_the_field_it_concerns(rows):
    warned = _with_warnings(
        rows[1],
        "decision 2: medication 'Ibuprofen' not supported by the item; dropped",
        DISAGREEMENT,
        "decision 1: body regions ['knee'] not named in the text; dropped",
        "decision 2: the model gave no answer for item 'MRI FOR THE C/S AND L/S'",
        "patient age: model 45, parser 47; parser kept",
        "decision 7: model answer failed validation: quantity: Input should be a valid integer",
    )
    page = build_review([warned]).html
    tables = Tables(page)

    def flagged(number):
        return [cells for kind, cells in tables.decision(number) if kind == "flagged"]

    assert flagged(1) == [["category", f"Rehabilitation warning: {DISAGREEMENT}"],
                          ["body regions", "lumbar spine warning: decision 1: body regions ['knee'] not named in the "
                                           "text; dropped"]]
    assert flagged(2) == [["warning: decision 2: the model gave no answer for item 'MRI FOR THE C/S AND L/S'"],
                          ["medication", "— warning: decision 2: medication 'Ibuprofen' not supported by the item; "
                                         "dropped"]]
    top = page[page.index('<section class="letter"'):page.index('<table class="fields">')]
    assert "patient age: model 45" in top and "decision 7: model answer failed validation" in top


def test_review_reads_only_the_letter_the_row_was_made_from(tmp_path):
    secret = tmp_path / "secret.conf"
    secret.write_text("root:$6$notforthepage\n")
    changed = tmp_path / "a.txt"
    shutil.copy(seed("000"), changed)
    row = {"source": str(changed), "sha256": hashlib.sha256(changed.read_bytes()).hexdigest(), "error": None,
           "decisions": []}
    assert "Physical therapy" in build_review([row]).html  # the same bytes: shown
    changed.write_text(changed.read_text().replace("Physical therapy", "Physical therapy, edited"))
    review = build_review([row, {"source": str(secret), "sha256": None, "error": None, "decisions": []},
                           {"source": "/etc/shadow", "error": None, "decisions": []}])
    assert "edited" not in review.html and "notforthepage" not in review.html and "root:" not in review.html
    assert review.html.count("letter not shown") == 3 and review.failed == 3


def test_review_skips_lines_that_are_not_rows_and_survives_odd_fields(tmp_path):
    rows = tmp_path / "rows.jsonl"
    odd = {"source": "a.txt", "sha256": None, "error": None, "dates": "not a dict", "decisions": [{"item": "x"}]}
    rows.write_text("\n".join([json.dumps({"sha256": ["x"]}), "[1, 2]", json.dumps({"source": 5}),
                               json.dumps({"source": "b.txt", "decisions": [{"item_span": "ab"}]}), json.dumps(odd)]))
    run = imr_llm("review", rows, "-o", tmp_path / "page.html")
    assert run.returncode == 1  # the odd row cannot be shown
    assert [f"line {n}: not a row" in run.stderr for n in (1, 2, 3, 4, 5)] == [True, True, True, True, False]
    assert "the row is malformed" in (tmp_path / "page.html").read_text()


def test_spans_that_do_not_fit_the_text_are_noted_not_marked():
    text = read_text(seed("000"))
    marked, notes = highlighted(text, [{"item_span": [5, 10], "rationale_span": [8, 20]},
                                       {"item_span": [0, len(text) + 5], "rationale_span": []}])
    assert marked.count("<mark") == 1
    assert notes == ["decision 2: item span [0, %d] is outside the text" % (len(text) + 5),
                     "decision 1: rationale span overlaps another; not marked"]


# -- in Chromium, as a reader sees it -------------------------------------------------------------

@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review")
    shutil.copy(seed("000"), folder / LONG_NAME)
    shutil.copy(seed("003"), folder / "003.txt")
    (folder / "grocery.txt").write_text("Milk, eggs, bread.\n")
    out = folder / "out.jsonl"
    imr_llm("extract", folder / LONG_NAME, folder / "003.txt", folder / "grocery.txt", "--no-llm", "-o", out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    rows[1]["warnings"] = ["decision 1: the model says Rehabilitation, the parser Diagnostic Testing"]
    write_jsonl(out, rows)
    html = folder / "review.html"
    assert imr_llm("review", out, "-o", html).returncode == 1  # the grocery list has an error
    return folder, html


def test_chromium_shows_every_item_and_rationale_marked(page, tmp_path):
    folder, html = page
    dom = chromium(tmp_path, "--dump-dom", html.as_uri())
    parser = Marks()
    parser.feed(dom)
    expected = []
    for name in (LONG_NAME, "003.txt"):
        result = extract(folder / name, llm=False)
        for number, decision in enumerate(result.decisions, 1):
            expected.append(("item", str(number), result.text[slice(*decision.item_span)]))
            expected.append(("rationale", str(number), result.text[slice(*decision.rationale_span)]))
    assert parser.marks == expected


def test_chromium_shows_the_index_linking_to_every_letter(page, tmp_path):
    _, html = page
    tables = Tables(chromium(tmp_path, "--dump-dom", html.as_uri()))
    assert [cells[1:5] for cells in tables.index()] == [[LONG_NAME, "upheld", "1", "—"],
                                                        ["003.txt", "upheld", "2", "1 warning"],
                                                        ["grocery.txt", "—", "0", "error"]]
    assert {"doc-0", "doc-1", "doc-2", "index"} <= tables.ids


def test_chromium_renders_fields_warnings_and_errors(page, tmp_path):
    """Printed to PDF by Chromium, then read back: what a person sees, not only what the file holds."""
    import pypdfium2

    _, html = page
    pdf = tmp_path / "review.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri())
    document = pypdfium2.PdfDocument(str(pdf))
    shown = " ".join(" ".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document)))
    assert "3 letters, 2 to check (1 with errors, 1 with other warnings)" in shown
    assert f"1 {LONG_NAME} upheld 1" in shown  # the index line, the name whole
    assert "PT 2X4 FOR THE L/S" in shown and "MRI FOR THE C/S AND L/S" in shown
    assert "warning: decision 1: the model says Rehabilitation" in shown
    assert "guidelines (claims administrator, UR)" in shown and "guidelines (Maximus reviewer)" in shown
    assert re.search(r"error: unknown layout", shown)
    assert "CLINICAL CASE SUMMARY" in shown  # the letter's own text, read again from its source


def test_the_page_is_self_contained(page):
    html = page[1].read_text()
    assert "<script" not in html and "@import" not in html and "url(" not in html
    assert set(re.findall(r"""(?:href|src)=["']?([^"'\s>]*)""", html)) <= {"#index", "#doc-0", "#doc-1", "#doc-2"}


def test_review_overwrites_its_own_page_but_no_other_file(tmp_path, rows):
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    page, notes = tmp_path / "review.html", tmp_path / "notes.html"
    notes.write_text("<html>my notes</html>")
    command = [sys.executable, "-m", "imr_llm", "review", str(source), "-o"]
    assert subprocess.run([*command, str(page)], capture_output=True).returncode in (0, 1)
    assert subprocess.run([*command, str(page)], capture_output=True).returncode in (0, 1)  # its own: again
    refused = subprocess.run([*command, str(notes)], capture_output=True, text=True)
    assert refused.returncode == 2 and "is not a page imr-llm review wrote; not overwritten" in refused.stderr
    assert notes.read_text() == "<html>my notes</html>"
