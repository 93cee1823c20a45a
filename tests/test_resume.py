"""A run killed mid-way and resumed holds every document exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from letters import letter

from imr_llm.reading import content_hash

LETTERS = 3000


def write_letters(folder):
    folder.mkdir()
    for n in range(LETTERS):
        text = letter((f"Physical therapy x {n % 24 + 1} visits", "Upheld", f"Letter {n}: not indicated."))
        (folder / f"letter-{n:05d}.txt").write_text(text.replace("CM16-0000001", f"CM16-{n:07d}"))


def test_killed_then_resumed_every_document_exactly_once(tmp_path):
    letters, out = tmp_path / "letters", tmp_path / "out.jsonl"
    write_letters(letters)
    command = [sys.executable, "-m", "imr_llm", "extract", str(letters), "-o", str(out), "--no-llm"]
    run = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 200_000):
        time.sleep(0.01)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert not _processes_naming(out), "a parser process outlived the killed run"
    written = out.read_text().count("\n")
    assert 0 < written < LETTERS, "the run was not killed mid-way"

    resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert "already done, skipped" in resumed.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    hashes = [row["sha256"] for row in rows]
    assert len(hashes) == len(set(hashes)) == LETTERS
    assert set(hashes) == {content_hash(str(path)) for path in letters.iterdir()}
    assert all(row["error"] is None for row in rows)


def _processes_naming(path, wait=5.0):
    """The processes whose command line names ``path``, after up to ``wait`` s for them to end."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    if str(path).encode() in cmdline.read():
                        found.append(int(entry))
            except (OSError, ValueError):
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)
