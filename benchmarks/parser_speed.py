"""Parser throughput: documents per second for `extract(..., llm=False)` in one process,
PDF reading included, and the start-up time of `imr-llm --help`.

    python -m benchmarks.parser_speed [--docs ../shared/corpus/dev] [--repeat 5]

Prints a Markdown table: the median of --repeat runs, and the best run (this shared machine's
timings are noisy; the best run is the least disturbed one, as `timeit` reports).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from imr_llm import extract

DEFAULT_DOCS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev"


def documents_per_second(paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        extract(path, llm=False)
    return len(paths) / (time.perf_counter() - started)


def batch_documents_per_second(paths: list[Path]) -> float:
    """`aextract_many` over ``paths`` with no model, in this process: how a batch parses, content
    hashes and event loop included."""
    import asyncio

    from imr_llm import ExtractOptions, aextract_many

    async def run() -> None:
        async for outcome in aextract_many([str(p) for p in paths], ExtractOptions(llm=False)):
            assert outcome.error is None, outcome.error

    started = time.perf_counter()
    asyncio.run(run())
    return len(paths) / (time.perf_counter() - started)


def workers_seconds(docs: Path, copies: int, workers: int) -> float:
    """Wall time of `imr-llm extract --no-llm --workers N` over the folder's PDFs ``copies`` times
    (links in a temporary folder), process start-up and writing included."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for copy in range(copies):
            (Path(folder) / str(copy)).mkdir()
            for pdf in sorted(docs.glob("*.pdf")):
                (Path(folder) / str(copy) / pdf.name).symlink_to(pdf.resolve())
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "imr_llm", "extract", folder, "--no-llm", "-o",
                        str(Path(folder) / "out.jsonl"), "--workers", str(workers)], check=True, capture_output=True)
        return time.perf_counter() - started


def help_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "imr_llm", "--help"], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS, help="folder of letters (.pdf/.txt)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    paths = sorted(p for p in args.docs.rglob("*") if p.suffix.lower() in (".pdf", ".txt"))
    if not paths:
        sys.exit(f"no letters under {args.docs}")
    extract(paths[0], llm=False)  # imports and PDFium load once, outside the measurement
    rates = [documents_per_second(paths) for _ in range(args.repeat)]
    starts = [help_seconds() for _ in range(args.repeat)]
    print(f"| figure ({len(paths)} documents, {args.repeat} runs) | median | best |")
    print("|---|---|---|")
    print(
        f"| extract(..., llm=False), PDF reading included | {statistics.median(rates):.0f} docs/s"
        f" | {max(rates):.0f} docs/s |"
    )
    print(
        f"| `python -m imr_llm --help` wall time | {statistics.median(starts) * 1000:.0f} ms"
        f" | {min(starts) * 1000:.0f} ms |"
    )


if __name__ == "__main__":
    main()
