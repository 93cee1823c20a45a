"""`python -m benchmarks`: every figure in one Markdown table, each a median of repeated runs.

    python -m benchmarks            # the full suite, a few minutes here
    python -m benchmarks --quick    # fewer and shorter runs: the test suite runs this so it cannot rot

Offline: letters from ../shared/corpus, model answers from the recorded cassettes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

from imr_llm import DEFAULT_PROMPT, extract, read_text

from . import call_overhead, cost, memory, report_scale, throughput
from .latency_server import LatencyServer
from .parser_speed import DEFAULT_DOCS, batch_documents_per_second, help_seconds, workers_seconds


def _rate(paths: list[Path], work: Callable[[Path], object]) -> float:
    started = time.perf_counter()
    for path in paths:
        work(path)
    return len(paths) / (time.perf_counter() - started)


def _pypdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def parser_rows(runs: int, paths: list[Path]) -> list[str]:
    for work in (lambda p: extract(p, llm=False), read_text, _pypdf_text):
        work(paths[0])  # imports and library loading outside the measurement
    rates = {name: [] for name in ("batch", "extract", "read", "pypdf")}
    for _ in range(runs):  # side by side in each round, so a slow moment slows all four
        rates["batch"].append(batch_documents_per_second(paths))
        rates["extract"].append(_rate(paths, lambda p: extract(p, llm=False)))
        rates["read"].append(_rate(paths, read_text))
        rates["pypdf"].append(_rate(paths, _pypdf_text))
    median = {name: statistics.median(values) for name, values in rates.items()}
    n = len(paths)
    return [
        f"| parser, a batch in one process: `aextract_many` with no model ({n} dev PDFs) | "
        f"{median['batch']:.0f} docs/s | {median['batch'] / median['read']:.2f} of PDF reading alone; goal ≥ 0.85 |",
        f"| parser only: `extract(..., llm=False)`, one letter after another, PDF reading included | "
        f"{median['extract']:.0f} docs/s | {median['extract'] / median['pypdf']:.1f}× pypdf's text extraction, "
        f"{median['extract'] / median['read']:.2f} of PDF reading alone |",
        f"| PDF reading alone: `read_text` (PDFium) | {median['read']:.0f} docs/s | "
        f"{median['read'] / median['pypdf']:.1f}× pypdf |",
        f"| reference: pypdf `extract_text` of the same files | {median['pypdf']:.0f} docs/s | 1.0× |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs (a smoke test)")
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS, help="folder of dev PDFs")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else 5
    paths = sorted(args.docs.glob("*.pdf"))[: 10 if args.quick else None]
    if not paths:
        print(f"benchmarks: no PDFs under {args.docs}", file=sys.stderr)
        return 2
    lines = ["| figure | median | comparison |", "|---|---|---|"]
    lines += parser_rows(runs, paths)

    # 470 letters as before, and 1,880: each worker takes about 0.7 s to start, which the larger
    # batches this option is for (it is the default over 200 letters) spread thinner.
    letters = len(sorted(args.docs.glob("*.pdf")))
    for copies, rounds in ((1, 1),) if args.quick else ((5, 3), (20, 2)):
        one, two = [], []
        for _ in range(rounds):  # side by side in each round
            one.append(workers_seconds(args.docs, copies, 1))
            two.append(workers_seconds(args.docs, copies, 2))
        lines.append(f"| parser in processes: `imr-llm extract --no-llm --workers 2`, the dev PDFs {copies}× "
                     f"({copies * letters:,} letters, starting the processes included) | "
                     f"{statistics.median(two):.2f} s | {statistics.median(one) / statistics.median(two):.2f}× "
                     f"`--workers 1` ({statistics.median(one):.2f} s); goal ≥ 1.7× |")

    with LatencyServer(0.0) as base_url:
        overheads = {prompt: [call_overhead.measure(base_url, rounds=1 if args.quick else 3, prompt=prompt)
                              for _ in range(runs)] for prompt in (DEFAULT_PROMPT, "segmented-v1")}
    added = {prompt: statistics.median(o.added_ms for o in measured) for prompt, measured in overheads.items()}
    lines.append(f"| library overhead per model call, {DEFAULT_PROMPT} (imr-llm vs bare openai client, server "
                 f"answering at once) | {added[DEFAULT_PROMPT]:.1f} ms added | "
                 f"{statistics.median(o.ratio for o in overheads[DEFAULT_PROMPT]):.2f}× the bare call's time; "
                 f"segmented-v1 (instructor's JSON mode): {added['segmented-v1']:.1f} ms; goal ≤ 2 ms |")

    goals = {(16, 0.2): "; goal ≥ 0.95", (64, 0.5): "; goal ≥ 0.9 queue full, ≥ 0.85 whole run, ≤ 2.5 ms CPU"}
    for delay, counts in ((0.2, (1, 4, 16, 64)), (0.5, (64,))):
        with LatencyServer(delay) as base_url:
            for concurrency in counts:
                measured = [throughput.measure(base_url, delay, concurrency, 2.0 if args.quick else 6.0)
                            for _ in range(min(runs, 3))]
                sustained = statistics.median(m.sustained_ratio for m in measured)
                whole = statistics.median(m.ratio for m in measured)
                cpu = statistics.median(m.cpu_ms_per_request for m in measured)
                lines.append(f"| concurrency: {concurrency} requests in flight, server answering in {delay} s | "
                             f"{sustained:.2f} of ideal ({measured[0].ideal:.0f} req/s) | "
                             f"whole run, tail included: {whole:.2f}; client CPU {cpu:.1f} ms a request"
                             f"{goals.get((concurrency, delay), '')} |")

    sizes = {prompt: cost.request_bytes_per_letter(prompt, args.docs, throughput.SEEDS)
             for prompt in (DEFAULT_PROMPT, "monolithic-v2")}
    ours, monolithic = sizes[DEFAULT_PROMPT], sizes["monolithic-v2"]
    lines.append(f"| request bytes a letter, {DEFAULT_PROMPT}: `imr-llm batch prepare` bodies "
                 f"({ours.letters} letters) | "
                 f"{ours.per_letter:,.0f} bytes, {ours.calls:.1f} calls | monolithic-v2: {monolithic.per_letter:,.0f} "
                 f"bytes ({ours.per_letter / monolithic.per_letter:.2f}×; goal ≤ 1), the most in any letter "
                 f"{ours.most_against(monolithic):.2f}× (a letter of more than 8 decisions makes a call per 8) |")

    only = ("000_a0faecee6687b0ee", "CM16-0224814") if args.quick else ()
    for tokens in (cost.tokens_per_letter(prompt, only) for prompt in cost.PROMPTS):
        dollars = ", ".join(f"{m} ${tokens.dollars_per_thousand(m):.2f}" for m in cost.MODELS)
        lines.append(f"| cost: {tokens.prompt}, local model, {tokens.letters} gold letters | "
                     f"{tokens.prompt_tokens + tokens.completion_tokens:,.0f} tokens/letter "
                     f"({tokens.prompt_tokens:,.0f} + {tokens.completion_tokens:,.0f}), {tokens.calls:.1f} calls | "
                     f"$ per 1,000 letters: {dollars} |")

    small, large = (20, 100) if args.quick else (100, 1000)
    rss = {count: memory.peak_rss_mib(count, args.docs) for count in (small, large)}
    lines.append(f"| memory: peak RSS, parser-only run of {large} documents | {rss[large]:.0f} MiB | "
                 f"{small} documents: {rss[small]:.0f} MiB ({rss[large] / rss[small]:.2f}×) |")

    scale = report_scale.measure(5_000 if args.quick else 200_000, args.docs)
    lines.append(f"| report: `imr-llm report` of one Parquet file, {scale.letters:,} letters "
                 f"({scale.decisions:,} decisions, {scale.file_mib:.0f} MiB) | {scale.seconds:.1f} s | "
                 f"peak RSS {scale.peak_rss_mib:.0f} MiB (DuckDB's limit {report_scale.MEMORY_LIMIT}); goal "
                 f"well under 30 s at 200,000 |")

    starts = [help_seconds() for _ in range(3 if args.quick else 7)]
    lines.append(f"| start-up: `imr-llm --help` wall time | {statistics.median(starts) * 1000:.0f} ms | "
                 f"best {min(starts) * 1000:.0f} ms |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
