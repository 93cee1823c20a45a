"""`python -m evals`: the comparison from replayed cassettes, its reports, and its refusals."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import SEEDS
from evals.cli import main
from evals.documents import GOLD, load_gold
from letters import letter

from imr_llm import DEFAULT_PROMPT, available_prompts

GOLD_DOCUMENTS = len(list(GOLD.rglob("*.json")))


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """The command with no arguments but --out: every prompt, the local model, and the parser."""
    out = tmp_path_factory.mktemp("evals")
    capture = pytest.MonkeyPatch()
    import io
    import sys

    stdout, stderr = io.StringIO(), io.StringIO()
    capture.setattr(sys, "stdout", stdout)
    capture.setattr(sys, "stderr", stderr)
    try:
        status = main(["--out", str(out)])
    finally:
        capture.undo()
    return status, stdout.getvalue(), stderr.getvalue(), out


ROWS = ["parser (--no-llm)", f"local · {DEFAULT_PROMPT} · parser", f"local · {DEFAULT_PROMPT} · model"]


def test_the_default_run_compares_both_policies_beside_the_parser_over_the_gold(default_run):
    status, stdout, stderr, out = default_run
    assert status == 0, stderr
    assert GOLD_DOCUMENTS >= 55
    lines = [line for line in stdout.splitlines() if line.startswith("| ")]
    labels = [line.split("|")[1].strip() for line in lines[1:]]
    assert labels == ROWS
    assert f"{GOLD_DOCUMENTS} gold documents" in stdout
    report = json.loads((out / "report.json").read_text())
    assert [len(row["per_document"]) for row in report["rows"]] == [GOLD_DOCUMENTS] * len(ROWS)
    parser, *models = report["rows"]
    assert parser["per_letter"]["calls"] == 0 and parser["failed"] == 0
    for row in models:  # replayed, so the model's recorded work shows in the figures
        assert row["failed"] == 0, [d["error"] for d in row["per_document"] if d["error"]]
        assert row["per_letter"]["calls"] >= 1 and row["per_letter"]["prompt_tokens"] > 500
        assert row["per_letter"]["seconds"] > 0 and row["seconds_recorded"]
        assert row["per_letter"]["cost"] == 0.0  # the local model has no per-token price
        assert 0 < row["per_group"]["semantic"] <= 1 and row["per_group"]["template"] > 0.9
        # the parser's template fields win in the merge, so the model rows cannot be worse there
        assert row["per_group"]["template"] >= parser["per_group"]["template"] - 0.01


def test_with_the_default_policy_the_model_never_scores_a_field_below_the_parser(default_run):
    _, _, _, out = default_run
    parser, *models = json.loads((out / "report.json").read_text())["rows"]
    assert {row["judgement"] for row in models} == {"parser", "model"}
    for row in models:
        if row["judgement"] == "parser":  # category, subcategory, reasons, diagnoses and every other field
            for field, score in parser["per_field"].items():
                assert row["per_field"][field] >= score, (row["label"], field)


def test_the_table_cells_match_the_json_report(default_run):
    _, stdout, _, out = default_run
    report = json.loads((out / "report.json").read_text())
    for row, line in zip(report["rows"], [line for line in stdout.splitlines() if line.startswith("| ")][1:], strict=True):
        cells = [cell.strip() for cell in line.split("|")[1:-1]]
        assert cells[1] == f"{row['per_group']['template']:.3f}"
        assert cells[2] == f"{row['per_group']['semantic']:.3f}"
        assert cells[4] == f"{row['decision_f1']:.3f}"
        assert cells[-1] == f"{row['failed']}/{GOLD_DOCUMENTS}"


def test_the_markdown_and_html_reports(default_run):
    _, _, _, out = default_run
    markdown = (out / "report.md").read_text()
    assert "## Accuracy per field" in markdown and "| decisions.category |" in markdown
    page = (out / "report.html").read_text()
    # self-contained: nothing to run, nothing fetched (citations may hold addresses, as text)
    assert not re.search(r"<(script|link|img|iframe)|\s(src|href)=|url\(|@import", page)
    assert page.count("<svg") == 3  # template, semantic, decision F1
    assert page.count("<details>") == GOLD_DOCUMENTS
    # a letter whose diagnoses the parser splits otherwise than its gold file ("... disturbances and
    # headaches" kept whole there) shows the difference: the cell is marked, not "ok"
    section = page[page.index("dev/CM16-0231884"):]
    section = section[:section.index("</details>")]
    diagnoses_row = next(row for row in section.split("<tr>") if row.startswith("<td>diagnoses</td>"))
    assert '<td class="partial">' in diagnoses_row and '<td class="ok">' not in diagnoses_row


def test_the_html_report_shows_citations_by_side_and_the_accuracy_of_every_field(default_run):
    _, _, _, out = default_run
    page = (out / "report.html").read_text()
    assert page.count("None: None") == 0  # not `not in`: pytest's report of that would diff the whole page
    section = page[page.index("dev/CM16-0213037"):]
    section = section[:section.index("</details>")]
    ur, maximus = (next(row for row in section.split("<tr>") if row.startswith(f"<td>guidelines: {side}</td>"))
                   for side in ("claims administrator (UR)", "Maximus reviewer"))
    assert "MTUS Shoulder Complaints 2004" in ur and "MTUS · Shoulder Complaints · 2004" in ur
    assert "MTUS Shoulder Complaints 2004, Section(s): Special Studies" in maximus
    # the parser cites what the gold file cites: its cell reads ok, as it scores
    assert maximus.split("</td>")[2].startswith('<td class="ok">')
    per_field = page[page.index("<h2>Accuracy per field</h2>"):page.index("<h2>Documents</h2>")]
    markdown = (out / "report.md").read_text()
    for line in markdown[markdown.index("| field |"):].splitlines()[2:]:
        if not line.startswith("| "):
            break
        field, *scores = [cell.strip() for cell in line.strip("|").split("|")]
        row = per_field[per_field.index(f"<tr><td>{field}</td>"):]
        assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', row[:row.index("</tr>")]) == scores


def test_the_monolithic_strategy_under_the_default_policy_never_scores_a_field_below_the_parser(tmp_path, capsys):
    # monolithic-v2's cassettes cover the seeds and part of the dev letters; the seeds label every field
    seeds = [path.stem for path in sorted((GOLD / "seeds").glob("*.json"))]
    status, _, err = run(capsys, "--prompts", "monolithic-v2", "--judgement", "parser", "--only", *seeds,
                         "--out", str(tmp_path))
    assert status == 0, err
    parser, row = json.loads((tmp_path / "report.json").read_text())["rows"]
    assert row["label"] == "local · monolithic-v2 · parser" and row["per_letter"]["calls"] >= 1
    for field, score in parser["per_field"].items():
        assert row["per_field"][field] >= score, field


def run(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_missing_cassette_stops_the_run_naming_it_and_the_command_that_records_it(tmp_path, capsys):
    status, _, err = run(capsys, "--cassettes", str(tmp_path), "--only", "CM16-0213037", "--out", str(tmp_path / "o"))
    assert status == 2
    assert f"missing cassette {tmp_path}/local/{DEFAULT_PROMPT}/dev/CM16-0213037.json" in err
    assert f"record it with: python -m evals --record --models local --prompts {DEFAULT_PROMPT}" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("prompt", ["foo", "segmented-v9", "no-such-prompt.md"])
def test_a_prompt_that_does_not_exist_is_refused_before_anything_runs(prompt, tmp_path, capsys):
    status, _, err = run(capsys, "--prompts", "segmented-v2", prompt, "--out", str(tmp_path / "o"))
    assert status == 2
    shipped = ", ".join(available_prompts())  # monolithic-v1 ... segmented-v3
    assert err == f"evals: no such prompt: {prompt}; the shipped prompts are {shipped} (or give the path of a .md file)\n"
    assert not (tmp_path / "o").exists()


def test_a_prompt_file_of_ones_own_is_allowed(tmp_path, capsys):
    prompt = tmp_path / "segmented-mine.md"
    prompt.write_text("# my prompt\n")
    status, _, err = run(capsys, "--prompts", str(prompt), "--cassettes", str(tmp_path / "c"), "--only", "CM16-0213037",
                         "--out", str(tmp_path / "o"))
    assert status == 2  # it gets as far as its cassettes, which it has yet to record
    assert f"missing cassette {tmp_path}/c/local/segmented-mine/dev/CM16-0213037.json" in err
    assert f"python -m evals --record --models local --prompts {prompt}" in err


def test_a_model_without_cassettes_stops_the_run(tmp_path, capsys):
    status, _, err = run(capsys, "--models", "gpt-4o-mini", "--only", "CM16-0213037", "--out", str(tmp_path))
    assert status == 2
    assert f"cassettes/evals/gpt-4o-mini/{DEFAULT_PROMPT}/dev/CM16-0213037.json" in err
    assert f"python -m evals --record --models gpt-4o-mini --prompts {DEFAULT_PROMPT}" in err


def test_a_letter_changed_since_recording_stops_the_run(tmp_path, capsys):
    docs, gold = tmp_path / "docs", tmp_path / "gold" / "seeds"
    docs.mkdir()
    gold.mkdir(parents=True)
    name = "000_a0faecee6687b0ee"
    (docs / f"{name}.txt").write_text((SEEDS / f"{name}.txt").read_text() + "\n")
    shutil.copy(GOLD / "seeds" / f"{name}.json", gold)
    status, _, err = run(capsys, "--docs", str(docs), "--gold", str(tmp_path / "gold"), "--prompts", "segmented-v2",
                         "--out", str(tmp_path / "o"))
    assert status == 2
    assert "different version of this letter" in err and name in err


def test_own_corpus_with_docs_and_gold_parser_only(tmp_path, capsys):
    docs, gold = tmp_path / "letters", tmp_path / "gold"
    docs.mkdir()
    gold.mkdir()
    (docs / "mine.txt").write_text(letter(("Physical therapy x 6 visits for the lumbar spine", "Upheld", "Not indicated.")))
    (gold / "mine.json").write_text(json.dumps({
        "case_number": "CM16-0000001", "dates": {"injury": "2016-10-11"},
        "decisions": [{"item": "Physical therapy x 6 visits for the lumbar spine", "outcome": "upheld", "quantity": 6}]}))
    status, out, err = run(capsys, "--no-llm", "--docs", str(docs), "--gold", str(gold), "--out", str(tmp_path / "o"))
    assert status == 0, err
    row = next(line for line in out.splitlines() if line.startswith("| parser"))
    assert [cell.strip() for cell in row.split("|")[2:6]] == ["1.000", "1.000", "1.000", "1.000"]
    assert "1 gold documents" in out and "local" not in out
    assert len(load_gold(gold, docs)) == 1


def test_gold_without_its_letter_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "orphan.json").write_text("{}")
    status, _, err = run(capsys, "--no-llm", "--gold", str(tmp_path), "--docs", str(tmp_path))
    assert status == 2 and "no letter named orphan.pdf or orphan.txt" in err
