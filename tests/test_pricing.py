"""The price table: dollars per million tokens, extended by a TOML file of the user's."""

from __future__ import annotations

import pytest

from imr_llm import Price, load_prices, usage_cost
from imr_llm.schema import Usage


def test_cost_is_tokens_times_price_per_million():
    usage = Usage(prompt_tokens=2_000, completion_tokens=500, total_tokens=2_500)
    assert usage_cost(usage, "gpt-4o-mini") == pytest.approx((2_000 * 0.15 + 500 * 0.60) / 1e6)
    assert usage_cost(usage, "local") == 0.0
    assert usage_cost(usage, "a-model-nobody-priced") is None


def test_a_users_table_adds_models_and_corrects_prices(tmp_path):
    table = tmp_path / "prices.toml"
    table.write_text('[my-vllm-model]\ninput = 0.02\noutput = 0.08\n\n["gpt-4o-mini"]\ninput = 0.075\noutput = 0.3\n')
    prices = load_prices(table)
    assert prices["my-vllm-model"] == Price(0.02, 0.08)
    assert prices["gpt-4o-mini"] == Price(0.075, 0.3)
    assert prices["gpt-4o"] == Price(2.50, 10.00)  # the built-in rest stays
    usage = Usage(prompt_tokens=1_000_000, completion_tokens=1_000_000)
    assert usage_cost(usage, "my-vllm-model", prices) == pytest.approx(0.10)


def test_the_table_can_come_from_the_environment(tmp_path, monkeypatch):
    table = tmp_path / "prices.toml"
    table.write_text("[house-model]\ninput = 1\noutput = 2\n")
    monkeypatch.setenv("IMR_LLM_PRICES", str(table))
    assert load_prices()["house-model"] == Price(1.0, 2.0)


@pytest.mark.parametrize("text, message", [
    ("[m]\ninput = 1\n", r"\[m\] needs input = and output ="),
    ("[m]\ninput = 'cheap'\noutput = 1\n", r"\[m\] needs input"),
    ("[m]\ninput = -1\noutput = 1\n", "negative"),
    ("[m\n", "prices.toml"),
])
def test_a_bad_table_is_an_error_naming_file_and_model(tmp_path, text, message):
    table = tmp_path / "prices.toml"
    table.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_prices(table)


def test_a_missing_table_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="nothing.toml"):
        load_prices(tmp_path / "nothing.toml")
