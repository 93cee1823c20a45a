"""What model calls cost: a price table per model, in US dollars per million tokens.

The built-in table holds a few common models at their list prices when it was written; prices
change, so users extend or correct it with a TOML file of their own (``load_prices(path)`` or
``$IMR_LLM_PRICES``), one table per model:

    [gpt-4o-mini]
    input = 0.15    # dollars per million prompt tokens
    output = 0.60   # dollars per million completion tokens
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Union

from .schema import Usage


@dataclass(frozen=True)
class Price:
    """US dollars per million prompt (``input``) and completion (``output``) tokens."""

    input: float
    output: float

    def cost(self, usage: Usage) -> float:
        return (usage.prompt_tokens * self.input + usage.completion_tokens * self.output) / 1_000_000


# OpenAI's standard (not batch) list prices, https://openai.com/api/pricing, as of 2025-11.
# "local" is the bundled SmolLM2 on this machine: no per-token price.
DEFAULT_PRICES: Mapping[str, Price] = {
    "local": Price(0.0, 0.0),
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-5-nano": Price(0.05, 0.40),
    "gpt-5-mini": Price(0.25, 2.00),
    "gpt-5": Price(1.25, 10.00),
}


def load_prices(path: Union[str, Path, None] = None) -> dict[str, Price]:
    """The built-in table, overlaid by ``path`` (or ``$IMR_LLM_PRICES``) when given.

    Raises ValueError naming the file and the model when an entry is not two non-negative numbers.
    """
    prices = dict(DEFAULT_PRICES)
    path = path or os.environ.get("IMR_LLM_PRICES")
    if not path:
        return prices
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        table = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"price table {path}: {error}") from None
    for model, entry in table.items():
        try:
            price = Price(float(entry["input"]), float(entry["output"]))
        except (TypeError, KeyError, ValueError):
            raise ValueError(
                f"price table {path}: [{model}] needs input = and output = (dollars per million tokens)"
            ) from None
        if price.input < 0 or price.output < 0:
            raise ValueError(f"price table {path}: [{model}] has a negative price")
        prices[model] = price
    return prices


def usage_cost(usage: Usage, model: str, prices: Optional[Mapping[str, Price]] = None) -> Optional[float]:
    """Dollars for ``usage`` on ``model``; None when the table has no price for it."""
    price = (DEFAULT_PRICES if prices is None else prices).get(model)
    return None if price is None else price.cost(usage)
