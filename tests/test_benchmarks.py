"""`python -m benchmarks --quick` runs end to end and prints every figure, so the suite cannot rot.

Nothing here times anything: the figures are the benchmark's to report, not the test's to judge.
"""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

FIGURES = ["parser, a batch in one process", "parser only", "PDF reading alone", "reference: pypdf",
           "parser in processes", "library overhead per model call",
           "concurrency: 1 requests in flight, server answering in 0.2", "concurrency: 4 ", "concurrency: 16 ",
           "concurrency: 64 requests in flight, server answering in 0.2",
           "concurrency: 64 requests in flight, server answering in 0.5", "request bytes a letter",
           "cost: segmented-v3", "cost: segmented-v2", "cost: monolithic-v2", "memory: peak RSS", "report: ", "start-up"]


def test_quick_benchmarks_print_every_figure():
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick"], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [next(f for f in FIGURES if f in row) for row in rows] == FIGURES
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 3 and all(cells), row
        assert "nan" not in row.lower() and " 0 docs/s" not in row
