"""Achieved over ideal throughput with N model requests in flight, against a fixed-latency server.

`aextract_many` runs the seed letters (repeated) through `benchmarks.latency_server`, which
answers each request with the real model's recorded answer after a fixed delay. Ideal: N
requests every delay. Achieved, two ways: while letters are still waiting to start (the queue
full: the steady state of a long batch), and over the whole run (its tail, the last letters
finishing one by one, included). Medians of ``--runs`` runs; a warm-up run first.

    python -m benchmarks.throughput --concurrency 1 4 16 64 --delay 0.2 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from imr_llm import DEFAULT_PROMPT, ExtractOptions, Limits, aextract_many

from .latency_server import CASSETTES, ROOT, LatencyServer, answered

SEEDS = Path(ROOT.parent / "shared" / "corpus" / "seeds")


@dataclass(frozen=True)
class Throughput:
    concurrency: int
    delay: float
    requests: int  # answered over the whole run
    failed: int  # documents
    seconds: float  # the whole run
    sustained_requests: int  # answered in the steady state (see `_run`)
    sustained_seconds: float
    cpu_seconds: float = 0.0  # this process's (the client's) CPU time over the whole run

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_seconds / max(self.requests, 1) * 1000

    @property
    def ideal(self) -> float:
        return self.concurrency / self.delay

    @property
    def ratio(self) -> float:
        """Whole run, start-up and tail (the last letters finishing one by one) included."""
        return self.requests / self.seconds / self.ideal

    @property
    def sustained_ratio(self) -> float:
        """While the queue was full: the steady state a long batch lives in."""
        return self.sustained_requests / self.sustained_seconds / self.ideal


async def _run(base_url: str, letters: list[str], concurrency: int, delay: float,
               prompt: str) -> tuple[int, int, float, int]:
    """(requests answered, failed documents, seconds of the steady state, answered in it).

    The steady state runs from one delay after the start (when the first answers can come back)
    to the moment the runner takes the last letter (from then on the slots empty one by one).
    """
    failed, marks = 0, {}

    def mark(name: str) -> None:
        marks[name] = (time.perf_counter(), answered(base_url))

    def queue():
        yield from letters
        mark("drained")

    before = answered(base_url)
    asyncio.get_running_loop().call_later(delay, mark, "warm")
    options = ExtractOptions(model="local", base_url=base_url, prompt=prompt)
    async for outcome in aextract_many(queue(), options, limits=Limits(concurrency)):
        failed += bool(outcome.error)
    (warm_at, warm_count), (drained_at, drained_count) = marks["warm"], marks["drained"]
    return answered(base_url) - before, failed, max(drained_at - warm_at, 1e-9), drained_count - warm_count


def requests_per_letter(prompt: str) -> float:
    """Requests a seed letter makes with ``prompt``, re-asks included: its recorded cassettes'."""
    import yaml

    paths = sorted((CASSETTES / prompt).glob("seed-*.yaml"))
    return sum(len(yaml.safe_load(path.read_text())["interactions"]) for path in paths) / max(len(paths), 1)


def measure(base_url: str, delay: float, concurrency: int, seconds: float = 8.0, seeds: Path = SEEDS,
            prompt: str = DEFAULT_PROMPT) -> Throughput:
    """One run sized to last about ``seconds`` at the ideal rate."""
    letters = sorted(str(p) for p in seeds.glob("*.txt"))
    started_at_once = 4 * concurrency  # aextract_many starts four letters per request slot
    count = started_at_once + max(len(letters), round(seconds * concurrency / delay / requests_per_letter(prompt)))
    batch = [letters[i % len(letters)] for i in range(count)]
    asyncio.run(_run(base_url, letters[:1], 1, delay, prompt))  # warm-up: imports, first connections
    started, cpu = time.perf_counter(), time.process_time()
    requests, failed, steady_seconds, steady_requests = asyncio.run(_run(base_url, batch, concurrency, delay, prompt))
    return Throughput(concurrency, delay, requests, failed, time.perf_counter() - started, steady_requests,
                      steady_seconds, time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--delay", type=float, default=0.2, help="the server's seconds per answer")
    parser.add_argument("--runs", type=int, default=3, help="runs per concurrency; the median is shown")
    parser.add_argument("--seconds", type=float, default=8.0, help="ideal length of a run")
    parser.add_argument("--prompt", default=DEFAULT_PROMPT, help="a prompt whose seed cassettes are recorded")
    args = parser.parse_args()
    print("| requests in flight | ideal req/s | achieved / ideal, queue full | whole run, tail included | "
          "client CPU a request | failed |")
    print("|---|---|---|---|---|---|")
    with LatencyServer(args.delay) as base_url:
        for concurrency in args.concurrency:
            runs = [measure(base_url, args.delay, concurrency, args.seconds, prompt=args.prompt)
                    for _ in range(args.runs)]
            print(f"| {concurrency} | {runs[0].ideal:.1f} | {statistics.median(r.sustained_ratio for r in runs):.3f} | "
                  f"{statistics.median(r.ratio for r in runs):.3f} | "
                  f"{statistics.median(r.cpu_ms_per_request for r in runs):.2f} ms | {sum(r.failed for r in runs)} |",
                  flush=True)


if __name__ == "__main__":
    main()
