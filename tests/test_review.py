"""`imr-llm review`: the page, loaded in headless Chromium, shows each letter with its spans marked."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

import pytest
from conftest import chromium, seed

from imr_llm import extract, read_text
from imr_llm.cli import main
from imr_llm.review import highlighted


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


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review")
    for name in ("000", "003"):
        shutil.copy(seed(name), folder / f"{name}.txt")
    (folder / "grocery.txt").write_text("Milk, eggs, bread.\n")
    out = folder / "out.jsonl"
    main(["extract", str(folder / "000.txt"), str(folder / "003.txt"), str(folder / "grocery.txt"), "-o", str(out)])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    rows[1]["warnings"] = ["decision 1: the model says Rehabilitation, the parser Diagnostic Testing"]
    out.write_text("".join(json.dumps(row) + "\n" for row in rows))
    html = folder / "review.html"
    assert main(["review", str(out), "-o", str(html)]) == 0
    return folder, html


def test_chromium_shows_every_item_and_rationale_marked(page, tmp_path):
    folder, html = page
    dom = chromium(tmp_path, "--dump-dom", html.as_uri())
    parser = Marks()
    parser.feed(dom)
    expected = []
    for name in ("000", "003"):
        result = extract(folder / f"{name}.txt", llm=False)
        for number, decision in enumerate(result.decisions, 1):
            expected.append(("item", str(number), result.text[slice(*decision.item_span)]))
            expected.append(("rationale", str(number), result.text[slice(*decision.rationale_span)]))
    assert parser.marks == expected
    assert "<script" not in html.read_text()


def test_chromium_renders_fields_warnings_and_errors(page, tmp_path):
    """Printed to PDF by Chromium, then read back: what a person sees, not only what the file holds."""
    import pypdfium2

    _, html = page
    pdf = tmp_path / "review.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri())
    document = pypdfium2.PdfDocument(str(pdf))
    shown = " ".join(" ".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document)))
    assert "3 letters, 2 with warnings or errors" in shown
    assert "PT 2X4 FOR THE L/S" in shown and "MRI FOR THE C/S AND L/S" in shown
    assert "warning: decision 1: the model says Rehabilitation" in shown
    assert re.search(r"error: unknown layout", shown)
    assert "CLINICAL CASE SUMMARY" in shown  # the letter's own text, read again from its source


def test_spans_that_do_not_fit_the_text_are_noted_not_marked():
    text = read_text(seed("000"))
    marked, notes = highlighted(text, [{"item_span": [5, 10], "rationale_span": [8, 20]},
                                       {"item_span": [0, len(text) + 5], "rationale_span": []}])
    assert marked.count("<mark") == 1
    assert notes == ["decision 2: item span [0, %d] is outside the text" % (len(text) + 5),
                     "decision 1: rationale span overlaps another; not marked"]


def test_review_reads_only_the_letter_the_row_was_made_from(tmp_path):
    import hashlib

    from imr_llm.review import render_review

    secret = tmp_path / "secret.conf"
    secret.write_text("root:$6$notforthepage\n")
    changed = tmp_path / "a.txt"
    shutil.copy(seed("000"), changed)
    row = json.loads(json.dumps({"source": str(changed), "sha256": hashlib.sha256(changed.read_bytes()).hexdigest(),
                                 "error": None, "decisions": []}))
    assert "Physical therapy" in render_review([row])  # the same bytes: shown
    changed.write_text(changed.read_text().replace("Physical therapy", "Physical therapy, edited"))
    page = render_review([row, {"source": str(secret), "sha256": None, "error": None, "decisions": []},
                          {"source": "/etc/shadow", "error": None, "decisions": []}])
    assert "edited" not in page and "notforthepage" not in page and "root:" not in page
    assert page.count("letter not shown") == 3


def test_review_skips_lines_that_are_not_rows_and_survives_odd_fields(tmp_path, capsys):
    rows = tmp_path / "rows.jsonl"
    odd = {"source": "a.txt", "sha256": None, "error": None, "dates": "not a dict", "decisions": [{"item": "x"}]}
    rows.write_text("\n".join([json.dumps({"sha256": ["x"]}), "[1, 2]", json.dumps({"source": 5}),
                               json.dumps({"source": "b.txt", "decisions": [{"item_span": "ab"}]}), json.dumps(odd)]))
    assert main(["review", str(rows), "-o", str(tmp_path / "page.html")]) == 0
    err = capsys.readouterr().err
    assert [f"line {n}: not a row" in err for n in (1, 2, 3, 4, 5)] == [True, True, True, True, False]
    assert "the row is malformed" in (tmp_path / "page.html").read_text()
