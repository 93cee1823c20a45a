"""The model path end to end, replayed from cassettes recorded from the real local model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import CASSETTES, seed
from letters import HOSTILE, UNKNOWN_LAYOUT

from imr_llm import LayoutError, extract
from imr_llm.prompting import DEFAULT_PROMPT, load_prompt
from imr_llm.schema import CATEGORIES
from imr_llm.strategies import plan_calls

SEED_NAMES = ["000", "001", "002", "003", "004"]
PROMPTS = ["segmented-v1", "monolithic-v1", "segmented-v2", "monolithic-v2", "segmented-v3", "monolithic-v3"]


def template(d):
    """What the letter's layout fixes: the parser's, whatever the model says."""
    return (
        d.case_number, d.priority, d.dates, d.reviewer, d.outcome,
        [(x.item, x.outcome, x.item_span, x.rationale_span, x.rationale, x.guidelines) for x in d.decisions],
    )


@pytest.mark.parametrize("prompt", PROMPTS)
@pytest.mark.parametrize("name", SEED_NAMES)
def test_strategy_end_to_end_on_a_seed(prompt, name, cassette, model_base_url):
    parsed = extract(seed(name), llm=False)
    with cassette(f"{prompt}/seed-{name}"):
        result = extract(seed(name), model="local", base_url=model_base_url, prompt=prompt)
    assert template(result) == template(parsed)
    assert (result.model, result.prompt) == ("local", prompt)
    # one call per decision and one for the summary; v3: one for the decisions, one for the summary
    expected_calls = len(plan_calls(seed(name).read_text(), load_prompt(prompt)).calls)
    assert expected_calls == (2 if prompt == "segmented-v3" else len(parsed.decisions) + 1
                              if prompt.startswith("segmented") else 1)
    assert result.usage.calls >= expected_calls
    assert result.usage.calls == expected_calls + result.usage.reasks
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
    assert result.usage.total_tokens == result.usage.prompt_tokens + result.usage.completion_tokens
    for decision in result.decisions:
        assert decision.category is None or decision.category in CATEGORIES
        # whatever the model said, what the parser read from the item stands
        original = parsed.decisions[result.decisions.index(decision)]
        for name_ in ("quantity", "medication", "body_regions"):
            if getattr(original, name_) not in (None, []):
                assert getattr(decision, name_) == getattr(original, name_)
    # every disagreement the merge saw is a warning, never a silent change
    for decision, original in zip(result.decisions, parsed.decisions, strict=True):
        if original.category and decision.category != original.category:
            assert any("category" in w for w in result.warnings)


def _requests(name):
    return [json.loads(i["request"]["body"]) for i in yaml.safe_load((CASSETTES / f"{name}.yaml").read_text())["interactions"]]


def test_a_failed_answer_is_asked_again_with_the_reason(cassette, model_base_url):
    with cassette("segmented-v1/seed-003"):
        result = extract(seed("003"), model="local", base_url=model_base_url, prompt="segmented-v1")
    assert result.usage.reasks > 0
    # the re-ask is the same conversation plus the model's answer and why it was rejected
    reasks = [r for r in _requests("segmented-v1/seed-003") if len(r["messages"]) > 2]
    assert reasks
    reasons = " ".join(m["content"] for r in reasks for m in r["messages"][2:] if m["role"] == "user")
    # the validators' own sentences, which tell the model what to change
    assert any(why in reasons for why in ("is not one of the", "has no subcategory", "is not stated in the item",
                                          "is not a drug name in the item", "are not named in the item"))


def test_an_unknown_layout_falls_back_to_the_model_alone(cassette, model_base_url):
    with pytest.raises(LayoutError):
        extract(UNKNOWN_LAYOUT, llm=False)
    with cassette("fallback/unknown-layout"):
        try:
            result = extract(UNKNOWN_LAYOUT, model="local", base_url=model_base_url, prompt="segmented-v1")
        except LayoutError as exc:  # the model's answer held nothing the letter supports
            result, error = None, str(exc)
        else:
            error = None
    # one whole-letter call with the monolithic template, whatever strategy was asked for
    (request, *reasks) = _requests("fallback/unknown-layout")
    assert "extract a California workers' compensation Independent Medical Review" in request["messages"][0]["content"]
    assert UNKNOWN_LAYOUT.strip() in request["messages"][1]["content"]
    # SmolLM2-135M's whole-letter answer (recorded) holds nothing usable: the letter fails, saying why
    assert result is None
    assert error.startswith("unknown layout, and the model's answer could not be used (letter: ")


@pytest.mark.parametrize("prompt", PROMPTS)
def test_orders_hidden_in_a_letter_do_not_change_its_template_fields(prompt, cassette, model_base_url):
    """The real model read a letter whose rationales tell it to flip verdicts; the parser's stand."""
    parsed = extract(HOSTILE, llm=False)
    assert [d.outcome for d in parsed.decisions] == ["upheld", "overturned"]
    with cassette(f"{prompt}/hostile"):
        result = extract(HOSTILE, model="local", base_url=model_base_url, prompt=prompt)
    assert template(result) == template(parsed)
    assert result.outcome == parsed.outcome and result.decisions[0].quantity == 12
    assert result.decisions[0].category != "Surgery" or any("category" in w for w in result.warnings)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_the_default_policy_keeps_the_parsers_judgement_and_says_where_the_model_differs(name, cassette, model_base_url):
    parsed = extract(seed(name), llm=False)
    with cassette(f"{DEFAULT_PROMPT}/seed-{name}"):
        kept = extract(seed(name), model="local", base_url=model_base_url)
    with cassette(f"{DEFAULT_PROMPT}/seed-{name}"):
        replaced = extract(seed(name), model="local", base_url=model_base_url, judgement="model")
    for original, parser_first, model_first in zip(parsed.decisions, kept.decisions, replaced.decisions, strict=True):
        assert original.category_basis  # every seed item is one the parser's rules class
        assert (parser_first.category, parser_first.subcategory) == (original.category, original.subcategory)
        assert parser_first.reasons == original.reasons or not original.reasons
        if model_first.category != original.category:  # the model decided otherwise: kept, or warned about
            assert model_first.category_basis == "model"
            assert any("category" in w and "parser kept" in w for w in kept.warnings)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_the_readmes_first_command_prints_the_right_category_for_every_seed_decision(name, cassette, model_base_url, capsys):
    """`imr-llm extract SEEDS --model local --table`, one seed at a time against its recorded answers."""
    from imr_llm.cli import main

    gold = json.loads((Path(__file__).resolve().parents[1] / "evals" / "gold" / "seeds" / f"{seed(name).stem}.json").read_text())
    with cassette(f"{DEFAULT_PROMPT}/seed-{name}"):
        status = main(["extract", str(seed(name)), "--model", "local", "--base-url", model_base_url, "--table"])
    assert status == 0
    lines = capsys.readouterr().out.splitlines()[1:]  # below the header line: the table alone
    assert len(lines) == len(gold["decisions"])
    for line, decision in zip(lines, gold["decisions"], strict=True):
        assert f" {decision['category']} " in line, (line, decision["category"])


def _system_prompts(name):
    return [r["messages"][0]["content"] for r in _requests(name)]


@pytest.mark.parametrize("prompt", ["segmented-v3", "monolithic-v3"])
def test_a_template_that_describes_its_fields_sends_the_schema_once(prompt):
    """v3 (recorded): the schema constrains decoding through response_format and is not repeated in
    the system prompt, which v2's requests carry as instructor's JSON mode appends it."""
    for request in _requests(f"{prompt}/seed-001"):
        assert request["response_format"]["type"] == "json_object" and request["response_format"]["schema"]
        assert "json_schema" not in request["messages"][0]["content"]
    repeated = prompt.replace("v3", "v2")
    assert all("json_schema" in system for system in _system_prompts(f"{repeated}/seed-001"))
    v3, v2 = (sum(len(json.dumps(r["messages"])) for r in _requests(f"{p}/seed-001")[:2]) for p in (prompt, repeated))
    assert v3 < v2
