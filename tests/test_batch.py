"""`imr-llm batch prepare` writes Batch API requests; `batch collect` turns results into rows.

The result files here are written by hand from the documented shape of a Batch API output line:
{"id", "custom_id", "response": {"status_code", "request_id", "body": <chat completion>}, "error"}.
"""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import seed
from letters import UNKNOWN_LAYOUT

from imr_llm import extract
from imr_llm.answers import CaseAnswer, DecisionAnswer, LetterAnswer
from imr_llm.batch import manifest_path, strict_schema
from imr_llm.cli import main


@pytest.fixture
def prepared(tmp_path):
    """Seeds 000 (one decision) and 003 (two) prepared for gpt-4o-mini with segmented-v2 (a call per decision)."""
    for name in ("000", "003"):
        shutil.copy(seed(name), tmp_path / f"{name}.txt")
    requests = tmp_path / "requests.jsonl"
    assert main(["batch", "prepare", str(tmp_path / "000.txt"), str(tmp_path / "003.txt"), "-o", str(requests),
                 "--model", "gpt-4o-mini", "--prompt", "segmented-v2"]) == 0
    return requests


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_requests_have_the_batch_api_shape(prepared):
    requests = lines(prepared)
    assert len(requests) == 2 + 3  # per letter: one call per decision and one for the case summary
    for request in requests:
        assert set(request) == {"custom_id", "method", "url", "body"}
        assert (request["method"], request["url"]) == ("POST", "/v1/chat/completions")
        body = request["body"]
        assert body["model"] == "gpt-4o-mini" and body["messages"][0]["role"] == "system"
        assert body["max_tokens"] > 0 and body["temperature"] == 0
        response_format = body["response_format"]
        assert response_format["type"] == "json_schema" and response_format["json_schema"]["strict"] is True
        for node in walk(response_format["json_schema"]["schema"]):  # strict: closed objects, all required
            if node.get("type") == "object":
                assert node["additionalProperties"] is False and node["required"] == list(node["properties"])
            assert "default" not in node
        assert len(json.dumps(request)) < 1_000_000
    assert len({r["custom_id"] for r in requests}) == len(requests)


def test_custom_ids_are_reproducible(prepared, tmp_path):
    again = tmp_path / "again.jsonl"
    main(["batch", "prepare", str(tmp_path / "000.txt"), str(tmp_path / "003.txt"), "-o", str(again),
          "--model", "gpt-4o-mini", "--prompt", "segmented-v2"])
    assert [r["custom_id"] for r in lines(again)] == [r["custom_id"] for r in lines(prepared)]
    assert lines(prepared)[0]["custom_id"].endswith("-segmented-v2-0")


@pytest.mark.parametrize("model", [DecisionAnswer, CaseAnswer, LetterAnswer])
def test_strict_schema_is_what_openai_itself_sends(model):
    from openai.lib._pydantic import to_strict_json_schema

    assert strict_schema(model) == to_strict_json_schema(model)


def result(custom_id, content=None, error=None, status=200):
    if error:
        return {"id": f"batch_req_{custom_id}", "custom_id": custom_id, "response": None,
                "error": {"code": "server_error", "message": error}}
    body = {"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 500, "completion_tokens": 40, "total_tokens": 540}}
    if status != 200:
        body = {"error": {"message": "Rate limit reached", "type": "requests"}}
    return {"id": f"batch_req_{custom_id}", "custom_id": custom_id,
            "response": {"status_code": status, "request_id": "req_1", "body": body}, "error": None}


DECISION = {"category": "Rehabilitation", "subcategory": "PT/OT", "medication": None, "quantity": 12,
            "body_regions": [], "reasons": ["exceeds_guideline_quantity"]}
CASE = {"diagnoses": [], "patient_age": None, "patient_sex": None}


def test_collect_success_error_and_invalid_lines(prepared, tmp_path):
    ids = {entry["source"].rsplit("/", 1)[-1]: entry["custom_ids"] for entry in lines(manifest_path(prepared))}
    first, second = ids["000.txt"], ids["003.txt"]
    results = tmp_path / "results.jsonl"
    rows = [
        result(first[0], json.dumps(DECISION)),
        result(first[1], json.dumps(CASE)),
        result(second[0], json.dumps({**DECISION, "medication": "Norco", "quantity": 3})),  # not in the item
        result(second[1], error="The server had an error while processing your request."),
        result(second[2], json.dumps(CASE)),
    ]
    results.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "out.jsonl"
    assert main(["batch", "collect", str(prepared), str(results), "-o", str(out)]) == 1  # one letter failed
    good, failed = lines(out)
    assert good["error"] is None and good["model"] == "gpt-4o-mini" and good["prompt"] == "segmented-v2"
    assert good["decisions"][0]["category"] == "Rehabilitation" and good["decisions"][0]["quantity"] == 12
    assert good["usage"]["calls"] == 2 and good["usage"]["total_tokens"] == 1080
    assert failed["error"].startswith(f"request {second[1]} failed: server_error")
    assert failed["sha256"] and failed["decisions"] == []


def test_collect_salvages_an_answer_that_fails_validation(prepared, tmp_path):
    ids = [entry["custom_ids"] for entry in lines(manifest_path(prepared))]
    answers = {ids[0][0]: {**DECISION, "medication": "Norco"}, ids[0][1]: CASE,
               ids[1][0]: DECISION, ids[1][1]: DECISION, ids[1][2]: {"diagnoses": "not a list"}}
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(result(i, json.dumps(a))) + "\n" for i, a in answers.items()))
    out = tmp_path / "out.jsonl"
    assert main(["batch", "collect", str(prepared), str(results), "-o", str(out)]) == 0
    first, second = lines(out)
    assert first["decisions"][0]["medication"] is None  # dropped: not in the item
    assert any("failed validation" in w and "medication" in w for w in first["warnings"])
    assert any(w.startswith("case summary: model answer failed validation") for w in second["warnings"])


def test_collect_reports_missing_results_and_http_errors(prepared, tmp_path):
    ids = [entry["custom_ids"] for entry in lines(manifest_path(prepared))]
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(result(ids[0][0], status=429)) + "\n")
    out = tmp_path / "out.csv"
    assert main(["batch", "collect", str(prepared), str(results), "-o", str(out)]) == 1
    text = out.read_text()
    assert "HTTP 429: Rate limit reached" in text and f"no result for request {ids[1][0]}" in text


def test_unreadable_and_unknown_letters_go_to_the_manifest_with_their_reason(tmp_path):
    (tmp_path / "odd.txt").write_text(UNKNOWN_LAYOUT)  # no parser layout: one whole-letter call
    (tmp_path / "empty.txt").write_text("")
    requests = tmp_path / "requests.jsonl"
    status = main(["batch", "prepare", str(tmp_path / "odd.txt"), str(tmp_path / "empty.txt"),
                   str(tmp_path / "gone.pdf"), "-o", str(requests), "--model", "m"])
    assert status == 1
    manifest = {entry["source"].rsplit("/", 1)[-1]: entry for entry in lines(manifest_path(requests))}
    assert manifest["odd.txt"]["error"] is None and len(manifest["odd.txt"]["custom_ids"]) == 1
    assert lines(requests)[0]["body"]["response_format"]["json_schema"]["name"] == "LetterAnswer"
    assert manifest["empty.txt"]["error"] and manifest["gone.pdf"]["error"].startswith("no such file")  # as extract says it


def test_collect_without_a_manifest_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "requests.jsonl").write_text("")
    (tmp_path / "results.jsonl").write_text("")
    assert main(["batch", "collect", str(tmp_path / "requests.jsonl"), str(tmp_path / "results.jsonl")]) == 2
    assert "no manifest" in capsys.readouterr().err


def test_collect_merges_by_the_policy_asked_for(prepared, tmp_path):
    (first, case), _ = [entry["custom_ids"] for entry in lines(manifest_path(prepared))]
    otherwise = {**DECISION, "category": "Other", "subcategory": None}  # against the parser's rule
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(result(first, json.dumps(otherwise))) + "\n" + json.dumps(result(case, json.dumps(CASE))) + "\n")
    for judgement, category in (("parser", "Rehabilitation"), ("model", "Other")):
        out = tmp_path / f"{judgement}.jsonl"
        main(["batch", "collect", str(prepared), str(results), "-o", str(out), "--judgement", judgement])
        row = lines(out)[0]
        assert row["decisions"][0]["category"] == category
        assert any("category: model 'Other'" in w for w in row["warnings"])


def test_hand_edited_batch_files_skip_the_bad_lines_and_go_on(prepared, tmp_path, capsys):
    manifest = manifest_path(prepared)
    entries = lines(manifest)
    ids = {entry["source"].rsplit("/", 1)[-1]: entry["custom_ids"] for entry in entries}
    unknown_prompt = {**entries[1], "prompt": "no-such-prompt"}
    manifest.write_text("".join(json.dumps(x) + "\n" for x in [entries[0], [1, 2], {"source": 5}, unknown_prompt,
                                                                 {"sha256": ["x"], "custom_ids": [["y"]]}]))
    first = ids["000.txt"]
    results = tmp_path / "results.jsonl"
    results.write_text("".join(x + "\n" for x in [json.dumps(result(first[0], json.dumps(DECISION))), "[1]",
                                                   json.dumps({"custom_id": first[1], "response": "x"}),
                                                   json.dumps({"custom_id": ["unhashable"]}), "not json"]))
    out = tmp_path / "out.jsonl"
    assert main(["batch", "collect", str(prepared), str(results), "-o", str(out)]) == 1
    rows = lines(out)
    err = capsys.readouterr().err
    assert "manifest" in err and "line 2: not a JSON object; skipped" in err and "line 5: not a JSON object" in err
    assert len(rows) == 4 and all(row["error"] and "\n" not in row["error"] for row in rows)
    assert "has no response object" in rows[0]["error"]
    assert "no-such-prompt" in rows[2]["error"] and "malformed" in rows[1]["error"]


def test_prepared_in_one_folder_collected_from_another(tmp_path):
    """The manifest names each letter by its absolute path: collect finds it wherever it runs."""
    from conftest import imr_llm

    (tmp_path / "work").mkdir()
    (tmp_path / "elsewhere").mkdir()
    shutil.copy(seed("000"), tmp_path / "work" / "000.txt")
    prepare = imr_llm("batch", "prepare", "000.txt", "-o", "requests.jsonl", "--model", "gpt-4o-mini",
                      cwd=tmp_path / "work")
    assert prepare.returncode == 0, prepare.stderr
    (entry,) = lines(tmp_path / "work" / "requests.manifest.jsonl")
    assert entry["source"] == str(tmp_path / "work" / "000.txt")
    decision_id, case_id = entry["custom_ids"]
    results = tmp_path / "work" / "results.jsonl"
    results.write_text("".join(json.dumps(row) + "\n" for row in (result(decision_id, json.dumps(DECISION)),
                                                                  result(case_id, json.dumps(CASE)))))
    collect = imr_llm("batch", "collect", str(tmp_path / "work" / "requests.jsonl"), str(results), "-o", "out.jsonl",
                      cwd=tmp_path / "elsewhere")
    assert collect.returncode == 0, collect.stderr
    (row,) = lines(tmp_path / "elsewhere" / "out.jsonl")
    assert row["error"] is None and row["decisions"][0]["category"] == "Rehabilitation"


def test_segmented_v3_asks_about_all_of_a_letters_decisions_in_one_call(tmp_path):
    shutil.copy(seed("003"), tmp_path / "003.txt")  # two decisions
    requests = tmp_path / "requests.jsonl"
    assert main(["batch", "prepare", str(tmp_path / "003.txt"), "-o", str(requests), "--model", "gpt-4o-mini",
                 "--prompt", "segmented-v3"]) == 0
    decisions, case = lines(requests)
    user = decisions["body"]["messages"][1]["content"]
    assert user.index("### Item 1") < user.index("PT 2X4 FOR THE L/S") < user.index("### Item 2") \
        < user.index("MRI FOR THE C/S AND L/S")
    entries = decisions["body"]["response_format"]["json_schema"]["schema"]["properties"]["decisions"]
    assert (entries["minItems"], entries["maxItems"]) == (2, 2)  # one entry per block, no more, no fewer
    assert decisions["body"]["max_tokens"] == 300 and case["body"]["response_format"]["json_schema"]["name"] == "CaseAnswer"

    pt = {**DECISION, "quantity": 8}
    mri = {**DECISION, "category": "Diagnostic Testing", "subcategory": "Imaging", "quantity": 12}  # 12: not in its item
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(result(decisions["custom_id"], json.dumps({"decisions": [pt, mri]}))) + "\n"
                       + json.dumps(result(case["custom_id"], json.dumps(CASE))) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["batch", "collect", str(requests), str(results), "-o", str(out), "--judgement", "model"]) == 0
    (row,) = lines(out)
    assert [(d["category"], d["quantity"]) for d in row["decisions"]] == [("Rehabilitation", 8), ("Diagnostic Testing", None)]
    assert any("decisions[1] (item 2): " in w for w in row["warnings"])  # which entry failed, as a re-ask says
    assert any(w.startswith("decision 2: quantity 12 not supported") for w in row["warnings"])  # where review puts it


def test_segmented_v3_sends_no_more_than_monolithic_a_letter(tmp_path, seeds_dir, dev_dir):
    """The budget: a segmented letter's requests, on average, are no larger than the one monolithic
    request; and no larger for any letter whose blocks fit one call (more than 8 decisions take a
    call per 8, each with the instructions again)."""
    sizes: dict[str, dict[str, list[int]]] = {}
    for prompt in ("segmented-v3", "monolithic-v2"):
        requests = tmp_path / f"{prompt}.jsonl"
        assert main(["batch", "prepare", str(seeds_dir), str(dev_dir), "-o", str(requests), "--model", "gpt-4o-mini",
                     "--prompt", prompt]) == 0
        for request in lines(requests):
            letter = request["custom_id"].split("-")[1]
            sizes.setdefault(prompt, {}).setdefault(letter, []).append(len(json.dumps(request["body"])))
    segmented, monolithic = sizes["segmented-v3"], sizes["monolithic-v2"]
    assert len(segmented) == len(monolithic) == 99
    assert sum(map(sum, segmented.values())) <= sum(map(sum, monolithic.values()))
    one_group = [letter for letter, bodies in segmented.items() if len(bodies) == 2]  # the decisions and the case
    assert len(one_group) == 96  # all but the letters of 10, 15 and 21 decisions
    assert all(sum(segmented[letter]) <= sum(monolithic[letter]) for letter in one_group)

def test_a_letter_of_more_than_eight_decisions_is_asked_about_eight_at_a_time(tmp_path, dev_dir):
    shutil.copy(dev_dir / "CM16-0230651.pdf", tmp_path / "ten.pdf")  # ten decisions
    requests = tmp_path / "requests.jsonl"
    assert main(["batch", "prepare", str(tmp_path / "ten.pdf"), "-o", str(requests), "--model", "gpt-4o-mini",
                 "--prompt", "segmented-v3"]) == 0
    first, second, case = lines(requests)
    assert [first["body"]["max_tokens"], second["body"]["max_tokens"]] == [8 * 150, 2 * 150]
    assert second["body"]["messages"][1]["content"].startswith("### Item 9\n\n")  # the letter's numbers
    assert "### Item 10" in second["body"]["messages"][1]["content"]
    assert first["body"]["messages"][0] == second["body"]["messages"][0]  # the same instructions in each
    entries = second["body"]["response_format"]["json_schema"]["schema"]["properties"]["decisions"]
    assert (entries["minItems"], entries["maxItems"]) == (2, 2)

    unlabelled = {**DECISION, "category": "Other", "subcategory": None, "quantity": None, "reasons": []}
    answers = {first["custom_id"]: {"decisions": "not a list"},  # nothing kept: its blocks keep the parser's reading
               second["custom_id"]: {"decisions": [unlabelled, {**unlabelled, "quantity": 999}]},
               case["custom_id"]: CASE}
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(result(i, json.dumps(a))) + "\n" for i, a in answers.items()))
    out = tmp_path / "out.jsonl"
    assert main(["batch", "collect", str(requests), str(results), "-o", str(out), "--judgement", "model"]) == 0
    (row,) = lines(out)
    parser_row = extract(tmp_path / "ten.pdf", llm=False)
    assert [d["category"] for d in row["decisions"][:8]] == [d.category for d in parser_row.decisions[:8]]
    assert [d["category"] for d in row["decisions"][8:]] == ["Other", "Other"]
    assert any("decisions[1] (item 10): " in w for w in row["warnings"])
    assert any(w.startswith("decision 10: quantity 999 not supported") for w in row["warnings"])
