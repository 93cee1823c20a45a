"""Chaos: 200 letters of ours against a server mixing every fault at random (seeded), the run
SIGTERM'd twice and resumed: every letter exactly once, each extracted or with a one-line reason,
and the key nowhere in any output, log or page."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

from fault_server import ChaosServer
from letters import letter

from imr_llm.reading import content_hash

LETTERS = 200
CANARY = "sk-canary-chaos-0c1d2e3f4a5b6c7d8e9f"
ITEMS = ("Physical therapy x {n} visits for the lumbar spine", "MRI of the right knee",
         "Norco 10/325mg #{n}", "Acupuncture x {n} sessions")


def write_letters(folder) -> list[str]:
    folder.mkdir()
    for n in range(LETTERS):
        blocks = [(ITEMS[(n + k) % len(ITEMS)].format(n=n % 24 + 1), ("Upheld", "Overturned")[(n + k) % 5 == 0],
                   f"Letter {n}, item {k}: not medically necessary per the guidelines.") for k in range(1 + n % 2)]
        text = letter(*blocks).replace("CM16-0000001", f"CM16-{n:07d}")
        (folder / f"letter-{n:04d}.txt").write_text(text)
    return sorted(str(p) for p in folder.iterdir())


def test_two_sigterms_and_resumes_under_every_fault_leave_every_letter_exactly_once(tmp_path):
    paths = write_letters(tmp_path / "letters")
    out, logs = tmp_path / "out.jsonl", []
    env = {**os.environ, "OPENAI_API_KEY": CANARY}
    with ChaosServer(seed=13) as server:
        command = [sys.executable, "-m", "imr_llm", "-v", "extract", str(tmp_path / "letters"), "-o", str(out),
                   "--model", "local", "--base-url", server.base_url, "--timeout", "2", "--max-retries", "1",
                   "--concurrency", "8"]
        for round_ in range(2):  # two runs stopped by SIGTERM part-way, each resumed by the next
            run = subprocess.Popen(command + (["--resume"] if round_ else []), env=env, stderr=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, text=True)
            lines = out.read_text().count("\n") if out.exists() else 0
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < lines + 20):
                time.sleep(0.1)
            run.send_signal(signal.SIGTERM)
            _, err = run.communicate(timeout=60)
            logs.append(err)
            assert run.returncode == 143 and "--resume" in err, err[-2000:]
        final = subprocess.run(command + ["--resume"], env=env, capture_output=True, text=True, timeout=600)
        logs.append(final.stderr + final.stdout)
        assert final.returncode in (0, 1), final.stderr[-2000:]
        drawn = Counter(server.drawn)
    assert set(ChaosServer.FAULTS) <= set(drawn), drawn  # every fault was met

    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(row["sha256"] for row in rows) == sorted(content_hash(p) for p in paths)  # each exactly once
    for row in rows:
        assert row["error"] is None or (row["error"] and "\n" not in row["error"]), row["error"]
    assert sum(row["error"] is None for row in rows) > LETTERS // 2

    page = tmp_path / "review.html"
    review = subprocess.run([sys.executable, "-m", "imr_llm", "review", str(out), "-o", str(page)], env=env,
                            capture_output=True)
    assert review.returncode == (1 if any(row["error"] for row in rows) else 0)  # 1: letters with errors to check
    for text in (out.read_text(), page.read_text(), *logs):
        assert CANARY not in text and CANARY[8:24] not in text
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no lock or temporary left
