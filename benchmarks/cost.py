"""Tokens per letter for each prompt strategy, and dollars per 1,000 letters for a few models.

Tokens come from the recorded evaluation cassettes (the local model over the gold letters),
replayed through `python -m evals`' runner: what each strategy really sent and got back, re-asks
included. Dollars apply the price table (`imr_llm.load_prices`) to those tokens.

Caveat, measured not hidden: for the v1 and v2 templates instructor writes the JSON schema into
each prompt on the local server (Mode.JSON); on OpenAI's API, and for the v3 templates everywhere,
the schema travels only as `response_format`, so those prompts carry fewer tokens.

Request bytes per letter: the bodies `imr-llm batch prepare` writes (what a batch engine, or
OpenAI's API, is sent), for any letters, with no model involved.

    python -m benchmarks.cost
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from imr_llm import load_prices

MODELS = ("gpt-4o-mini", "gpt-4.1-mini", "gpt-4o", "gpt-5-mini")
PROMPTS = ("segmented-v3", "segmented-v2", "monolithic-v2")  # the prompts whose evaluation cassettes are recorded


@dataclass(frozen=True)
class Tokens:
    prompt: str
    letters: int
    prompt_tokens: float  # per letter
    completion_tokens: float
    calls: float

    def dollars_per_thousand(self, model: str) -> float:
        price = load_prices()[model]  # dollars per million tokens
        return 1000 * (self.prompt_tokens * price.input + self.completion_tokens * price.output) / 1_000_000


def tokens_per_letter(prompt: str, only: tuple[str, ...] = ()) -> Tokens:
    """Over the gold letters whose cassette for ``prompt`` is recorded (all of them for segmented-v2)."""
    from evals.documents import load_gold
    from evals.running import RowSpec, cassette_path, run_row

    spec = RowSpec("local", prompt)
    documents = [document for document in load_gold(only=only) if cassette_path(spec, document).exists()]
    row = run_row(spec, documents)
    return Tokens(prompt, len(documents) - row.failed, row.per_letter("prompt_tokens") or 0.0,
                  row.per_letter("completion_tokens") or 0.0, row.per_letter("calls") or 0.0)


@dataclass(frozen=True)
class RequestBytes:
    prompt: str
    by_letter: dict[str, int]  # the letter's SHA-256 prefix (from the custom_id) -> bytes of its bodies
    requests: int

    @property
    def letters(self) -> int:
        return len(self.by_letter)

    @property
    def per_letter(self) -> float:
        return sum(self.by_letter.values()) / max(self.letters, 1)

    @property
    def calls(self) -> float:
        return self.requests / max(self.letters, 1)

    def most_against(self, other: RequestBytes) -> float:
        """The largest ratio of this prompt's bytes to ``other``'s over the letters both prepared."""
        return max(self.by_letter[key] / other.by_letter[key] for key in self.by_letter.keys() & other.by_letter.keys())


def request_bytes_per_letter(prompt: str, *folders: Path) -> RequestBytes:
    """The request bodies `imr-llm batch prepare --prompt PROMPT` writes for the letters in ``folders``."""
    with tempfile.TemporaryDirectory() as folder:
        requests = Path(folder) / "requests.jsonl"
        subprocess.run([sys.executable, "-m", "imr_llm", "batch", "prepare", *map(str, folders), "-o", str(requests),
                        "--model", "gpt-4o-mini", "--prompt", prompt], check=True, capture_output=True)
        by_letter: dict[str, int] = {}
        lines = requests.read_text().splitlines()
        for line in lines:
            request = json.loads(line)
            letter = request["custom_id"].split("-")[1]
            by_letter[letter] = by_letter.get(letter, 0) + len(json.dumps(request["body"]).encode())
    return RequestBytes(prompt, by_letter, len(lines))


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    rows = [tokens_per_letter(prompt) for prompt in PROMPTS]
    print("| strategy | letters | tokens/letter (prompt + completion) | calls/letter | "
          + " | ".join(f"$/1,000 letters, {m}" for m in MODELS) + " |")
    print("|---|---|---|---|" + "---|" * len(MODELS))
    for t in rows:
        dollars = " | ".join(f"${t.dollars_per_thousand(m):.2f}" for m in MODELS)
        print(f"| {t.prompt} | {t.letters} | {t.prompt_tokens + t.completion_tokens:,.0f} "
              f"({t.prompt_tokens:,.0f} + {t.completion_tokens:,.0f}) | {t.calls:.1f} | {dollars} |")


if __name__ == "__main__":
    main()
