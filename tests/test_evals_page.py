"""The evals HTML page on small hand-made results: citations, the per-field table, escaping."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from evals.documents import GoldDocument
from evals.reporting import render_html
from evals.running import DocumentResult, RowResult, RowSpec
from evals.scoring import score_document, score_failure

LOW_BACK = {"source": "MTUS", "title": "Low Back Complaints", "year": 2004, "sections": [], "pages": None,
            "text": "MTUS Low Back Complaints 2004"}
ODG_PAIN = {"source": "ODG", "title": "Pain", "year": None, "sections": ["Acupuncture"], "pages": None,
            "text": "Official Disability Guidelines (ODG) Pain (Chronic) Acupuncture"}
GOLD = {"case_number": "CM16-0000001", "decisions": [{
    "item": "Acupuncture x 6", "outcome": "upheld",
    "guidelines": {"claims_administrator": [LOW_BACK], "maximus": [LOW_BACK, ODG_PAIN]}}]}


def page_for(predictions: dict[str, Optional[dict]]) -> str:
    """The page for the GOLD document, a row per model ("" the parser), None for a document that failed."""
    document = GoldDocument("CM16-0000001", "dev", GOLD, Path("CM16-0000001.txt"))
    rows = [RowResult(RowSpec(model, "segmented-v2") if model else RowSpec(), [result(document, prediction)])
            for model, prediction in predictions.items()]
    return render_html(rows, [document])


def result(document: GoldDocument, prediction: Optional[dict]) -> DocumentResult:
    if prediction is None:
        return DocumentResult(document, None, "model error", score_failure(document.gold), 0.1)
    return DocumentResult(document, prediction, None, score_document(prediction, document.gold), 0.1)


def row_of(page: str, field: str) -> list[tuple[str, str]]:
    """(class, content) of each prediction cell in a field's row of the document table."""
    document = page[page.index("<details>"):]
    row = next(row for row in document.split("<tr>") if row.startswith(f"<td>{field}</td>"))
    return re.findall(r'<td class="(\w+)">(.*?)</td>', row)


def decision(claims_administrator: list[dict], maximus: list[dict]) -> dict:
    return {"case_number": "CM16-0000001", "decisions": [{
        "item": "Acupuncture x 6", "outcome": "upheld",
        "guidelines": {"claims_administrator": claims_administrator, "maximus": maximus}}]}


def test_each_side_of_the_guidelines_shows_its_citations_and_reads_ok_when_they_cite_the_same():
    # the parser words the sections otherwise: the same citations, not the same dicts
    reworded = [{**LOW_BACK, "sections": ["Summary"]}, {**ODG_PAIN, "pages": "12"}]
    page = page_for({"": decision([LOW_BACK], reworded)})
    assert "None: None" not in page
    (ur,) = row_of(page, "guidelines: claims administrator (UR)")
    (maximus,) = row_of(page, "guidelines: Maximus reviewer")
    assert ur == ("ok", '<div class="cite">MTUS Low Back Complaints 2004'
                        '<div class="small">MTUS · Low Back Complaints · 2004</div></div>')
    assert maximus[0] == "ok" and maximus[1].count('<div class="cite">') == 2
    assert "Official Disability Guidelines (ODG) Pain (Chronic) Acupuncture" in maximus[1]


def test_a_citation_worded_alike_but_citing_another_title_shows_the_title_it_is_scored_on():
    other_title = {**ODG_PAIN, "title": "Pain (Chronic)"}
    page = page_for({"": decision([LOW_BACK], [LOW_BACK, other_title])})
    ((kind, cell),) = row_of(page, "guidelines: Maximus reviewer")
    assert kind == "partial"  # one of the two citations: set F1 0.5, as report.md counts it
    assert "ODG · Pain (Chronic) · –" in cell and "ODG · Pain · –" in page


def test_a_side_without_citations_a_missing_decision_and_a_failed_document():
    page = page_for({"": decision([], [LOW_BACK, ODG_PAIN]), "gpt-4o-mini": {"case_number": "CM16-0000001"},
                     "local": None})
    ur = row_of(page, "guidelines: claims administrator (UR)")
    assert ur == [("diff", "[]"), ("diff", "(no such decision)"), ("diff", "(failed)")]
    assert row_of(page, "case_number") == [("ok", "CM16-0000001"), ("ok", "CM16-0000001"), ("diff", "(failed)")]


def test_the_page_has_the_accuracy_of_every_field_marked_against_the_parser():
    wrong_case = {**decision([LOW_BACK], [LOW_BACK, ODG_PAIN]), "case_number": "CM16-9999999"}
    page = page_for({"": decision([LOW_BACK], [LOW_BACK]), "local": wrong_case})
    table = page[page.index("<h2>Accuracy per field</h2>"):page.index("<h2>Documents</h2>")]
    cells = dict(re.findall(r"<tr><td>([\w.]+)</td>(.*?)</tr>", table))
    assert list(cells) == ["case_number", "decisions.guidelines.claims_administrator",
                           "decisions.guidelines.maximus", "decisions.item", "decisions.outcome"]
    assert cells["case_number"] == '<td class="num">1.000</td><td class="num diff">0.000</td>'
    assert cells["decisions.guidelines.maximus"] == '<td class="num">0.667</td><td class="num ok">1.000</td>'
    assert cells["decisions.item"] == '<td class="num">1.000</td><td class="num">1.000</td>'


def test_every_name_written_into_the_page_is_escaped():
    script, image = "<script>alert(1)", "<img src=x onerror=alert(1)>"  # no "/" in them: a prompt's name is a file's
    gold = {script: "x", "dates": {image: None}}
    document = GoldDocument(script, image, gold, Path("letter.txt"))
    failed = DocumentResult(document, None, f"cannot read {image}", score_failure(gold), 0.1)
    parsed = DocumentResult(document, {script: "x"}, None, score_document({script: "x"}, gold), 0.1)
    rows = [RowResult(RowSpec(), [parsed]), RowResult(RowSpec(script, f"{image}.md", "model"), [failed])]
    page = render_html(rows, [document])
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1) · &lt;img src=x onerror=alert(1)&gt; · model" in page  # the row's label
