"""`imr-llm report` over a Parquet file of a year's letters and more: wall time and peak memory.

The rows are the dev letters' own extraction (`imr-llm extract DEV -o dev.parquet --no-llm`),
copied until the file holds the letters asked for: each copy gets its own sha256 and source, its
decision dates moved by whole days across about two years, and its item and rationale texts made
unique (so that Parquet cannot store the copies as one dictionary entry, which real letters never
allow). The report then runs in a fresh process, as `imr-llm report BIG.parquet -o DIR`.

    python -m benchmarks.report_scale --letters 200000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from imr_llm.analytics import MEMORY_LIMIT

from .parser_speed import DEFAULT_DOCS

__all__ = ["MEMORY_LIMIT", "Scale", "make_rows", "measure"]

_DATES = ("date_assigned", "date_injury", "date_decision", "date_ur_denial", "date_application_received")

# The report as `python -m imr_llm report`, then its own peak RSS (VmHWM: since its exec).
_CHILD = """
import runpy, sys
sys.argv = ["imr-llm", "report", *sys.argv[1:]]
try:
    runpy.run_module("imr_llm", run_name="__main__")
except SystemExit as exit:
    if exit.code:
        raise
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


@dataclass(frozen=True)
class Scale:
    letters: int
    decisions: int
    file_mib: float
    seconds: float
    peak_rss_mib: float


def _dev_parquet(folder: str, docs: Path) -> str:
    path = os.path.join(folder, "dev.parquet")
    subprocess.run([sys.executable, "-m", "imr_llm", "extract", str(docs), "-o", path, "--no-llm"], check=True,
                   capture_output=True)
    return path


def make_rows(letters: int, out: str, docs: Path = DEFAULT_DOCS) -> int:
    """Write ``out`` with ``letters`` letters copied from the dev extraction; the decisions written."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as folder:
        seed = pq.read_table(_dev_parquet(folder, docs))
    per_copy = len(pc.unique(seed["sha256"]))
    copies = -(-letters // per_copy)
    decisions = 0
    with pq.ParquetWriter(out, seed.schema) as writer:
        for copy in range(copies):
            table = seed
            if (copy + 1) * per_copy > letters:  # the last copy: only the letters still wanted
                keep = pc.unique(seed["sha256"])[: letters - copy * per_copy]
                table = seed.filter(pc.is_in(seed["sha256"], keep))
            tag = pa.scalar(f"{copy:07d}-")
            columns = {"sha256": pc.binary_join_element_wise(tag, table["sha256"], ""),
                       "source": pc.binary_join_element_wise(tag, table["source"], ""),
                       "item": pc.binary_join_element_wise(tag, table["item"], ""),
                       "rationale": pc.binary_join_element_wise(tag, table["rationale"], "")}
            shift = (copy * 7) % 730  # two years of decision dates, a week a copy
            for name in _DATES:
                days = pc.add(table[name].cast(pa.int32()), shift)
                columns[name] = days.cast(pa.int32()).cast(pa.date32())
            for name, column in columns.items():
                table = table.set_column(table.schema.get_field_index(name), name, column)
            writer.write_table(table, row_group_size=100_000)
            decisions += len(table)
    return decisions


def measure(letters: int, docs: Path = DEFAULT_DOCS) -> Scale:
    with tempfile.TemporaryDirectory() as folder:
        rows = os.path.join(folder, "big.parquet")
        decisions = make_rows(letters, rows, docs)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", _CHILD, rows, "-o", os.path.join(folder, "report")],
                                capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - started
        rss = int(result.stdout.strip().splitlines()[-1]) / 1024
        return Scale(letters, decisions, os.path.getsize(rows) / 2**20, seconds, rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, nargs="+", default=[200_000])
    args = parser.parse_args()
    print("| letters | decisions | Parquet file | `imr-llm report` wall time | peak RSS |")
    print("|---|---|---|---|---|")
    for letters in args.letters:
        s = measure(letters)
        print(f"| {s.letters:,} | {s.decisions:,} | {s.file_mib:.0f} MiB | {s.seconds:.1f} s | "
              f"{s.peak_rss_mib:.0f} MiB |", flush=True)


if __name__ == "__main__":
    main()
