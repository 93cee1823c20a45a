"""What imr-llm adds to each model call, against a bare `openai` client call to the same server.

Both send the very requests the seed letters make (the recorded ones) to `latency_server` with no
delay, one at a time: the bare client posts each recorded request body as it is; imr-llm runs
`aextract` over the letter, whose calls are those same requests. The difference per call is
imr-llm's own work: building the prompt and schema, instructor, validation and grounding, merging
(the letter's parsing is counted too, spread over its calls).

    python -m benchmarks.call_overhead --runs 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from imr_llm import DEFAULT_PROMPT, aextract

from .latency_server import LatencyServer, recorded_answers
from .throughput import SEEDS


@dataclass(frozen=True)
class Overhead:
    calls: int
    imr_seconds: float
    bare_seconds: float

    @property
    def added_ms(self) -> float:
        return (self.imr_seconds - self.bare_seconds) / self.calls * 1000

    @property
    def ratio(self) -> float:
        return self.imr_seconds / self.bare_seconds


async def _imr(base_url: str, letters: list[Path], prompt: str) -> tuple[int, float]:
    started, calls = time.perf_counter(), 0
    for letter in letters:
        result = await aextract(letter, model="local", base_url=base_url, prompt=prompt)
        calls += result.usage.calls
    return calls, time.perf_counter() - started


async def _bare(base_url: str, bodies: list[dict]) -> float:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="no-key", max_retries=0)
    started = time.perf_counter()
    for body in bodies:
        await client.chat.completions.create(**body)
    elapsed = time.perf_counter() - started
    await client.close()
    return elapsed


def measure(base_url: str, seeds: Path = SEEDS, rounds: int = 3, prompt: str = DEFAULT_PROMPT) -> Overhead:
    letters = sorted(seeds.glob("*.txt")) * rounds
    asyncio.run(_imr(base_url, letters[:1], prompt))  # warm-up: imports, first connection
    calls, imr_seconds = asyncio.run(_imr(base_url, letters, prompt))
    # The same number of requests, bare: the prompt's recorded bodies, cycled.
    recorded = [json.loads(body) for body in recorded_answers((prompt,))]
    bodies = [recorded[i % len(recorded)] for i in range(calls)]
    for body in bodies:  # what the openai client takes as arguments, not as raw JSON keys
        body.setdefault("extra_body", {})["response_format"] = body.pop("response_format", None)
    asyncio.run(_bare(base_url, bodies[:2]))
    return Overhead(calls, imr_seconds, asyncio.run(_bare(base_url, bodies)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--prompt", default=DEFAULT_PROMPT, help="a prompt whose seed cassettes are recorded")
    args = parser.parse_args()
    with LatencyServer(0.0) as base_url:
        runs = [measure(base_url, prompt=args.prompt) for _ in range(args.runs)]
    print("| per model call | median |")
    print("|---|---|")
    print(f"| imr-llm over bare openai client (time ratio) | {statistics.median(r.ratio for r in runs):.2f} |")
    print(f"| added by imr-llm | {statistics.median(r.added_ms for r in runs):.1f} ms |")


if __name__ == "__main__":
    main()
