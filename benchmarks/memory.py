"""Peak resident memory of a parser-only run, at two sizes: it must not grow with the documents.

Each size runs in a fresh process (`imr-llm extract ... --no-llm -o FILE` over the dev PDFs,
repeated to the size asked), whose peak RSS the operating system reports when it ends.

    python -m benchmarks.memory --documents 100 1000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .parser_speed import DEFAULT_DOCS

# VmHWM, the peak of this process's own memory since its exec: getrusage's ru_maxrss would also
# count the pages of the (large) benchmark process it was forked from.
_CHILD = """
import runpy, sys
out, paths = sys.argv[1], sys.argv[2:]
sys.argv = ["imr-llm", "extract", *paths, "--no-llm", "-o", out, "--workers", "1"]  # one process's memory
try:
    runpy.run_module("imr_llm", run_name="__main__")  # the command itself, as `python -m imr_llm`
except SystemExit:
    pass
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def peak_rss_mib(documents: int, docs: Path = DEFAULT_DOCS) -> float:
    """Peak RSS in MiB of one process extracting ``documents`` letters (the folder's, cycled)."""
    letters = sorted(str(p) for p in docs.glob("*.pdf"))
    paths = [letters[i % len(letters)] for i in range(documents)]
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "out.jsonl")
        result = subprocess.run([sys.executable, "-c", _CHILD, out, *paths], capture_output=True, text=True,
                                check=True)
        with open(out) as written:
            assert sum(1 for _ in written) == documents
    return int(result.stdout.strip().splitlines()[-1]) / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    print("| documents in one parser-only run | peak RSS |")
    print("|---|---|")
    for count in args.documents:
        print(f"| {count} | {peak_rss_mib(count):.0f} MiB |", flush=True)


if __name__ == "__main__":
    main()
