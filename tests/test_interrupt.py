"""Ctrl-C during a model run: the lines written are whole, the message says how to resume, and
--resume completes the set exactly once."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from benchmarks.latency_server import LatencyServer
from conftest import SEEDS

from imr_llm.reading import content_hash


def variants(folder):
    """The five seeds four ways each (LF or CRLF, with or without a BOM): 20 files, 20 content
    hashes, one text per seed, so the recorded answers fit every one."""
    folder.mkdir()
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text()
        for crlf in (False, True):
            for bom in (False, True):
                data = (text.replace("\n", "\r\n") if crlf else text).encode("utf-8")
                (folder / f"{path.stem}-{int(crlf)}{int(bom)}.txt").write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return sorted(folder.iterdir())


def test_sigint_stops_cleanly_and_resume_completes_exactly_once(tmp_path):
    letters, out = variants(tmp_path / "letters"), tmp_path / "out.jsonl"
    with LatencyServer(0.3) as base_url:
        command = [sys.executable, "-m", "imr_llm", "extract", str(tmp_path / "letters"), "-o", str(out),
                   "--model", "local", "--base-url", base_url, "--concurrency", "2"]
        # As from a terminal, Ctrl-C's default action: in the full suite of a fresh clone the child
        # inherited SIGINT ignored (twice in .ci/run, never alone), and a Python started so rightly
        # never sees Ctrl-C; what the test asks is how the tool meets Ctrl-C, not what it inherited.
        run = subprocess.Popen(command, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < 3):
            time.sleep(0.05)
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=30)
        assert run.returncode == 130, err
        assert "interrupted after" in err and "--resume" in err and "Traceback" not in err
        first = out.read_text()
        assert first.endswith("\n") and 3 <= first.count("\n") < len(letters)
        assert all(json.loads(line)["error"] is None for line in first.splitlines())

        resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(row["sha256"] for row in rows) == sorted(content_hash(str(p)) for p in letters)


@pytest.mark.parametrize("stop, status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_sigterm_and_sighup_stop_as_ctrl_c_does(tmp_path, stop, status, suffix):
    """Whole lines (a readable Parquet file), the resume message, and Python's exit handlers run:
    the one that stops the local model server among them."""
    variants(tmp_path / "letters")
    out, ran = tmp_path / f"out{suffix}", tmp_path / "atexit-ran"
    with LatencyServer(0.3) as base_url:
        child = (f"import atexit, sys; atexit.register(lambda: open({str(ran)!r}, 'w').close()); "
                 "from imr_llm.cli import main; sys.exit(main(sys.argv[1:]))")
        command = [sys.executable, "-c", child, "extract", str(tmp_path / "letters"), "-o", str(out),
                   "--model", "local", "--base-url", base_url, "--concurrency", "2"]
        run = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while suffix == ".jsonl" and time.monotonic() < deadline and (not out.exists() or
                                                                      out.read_text().count("\n") < 2):
            time.sleep(0.05)
        time.sleep(0.5 if suffix == ".jsonl" else 10.0)  # Parquet shows nothing until the end: letters in flight
        run.send_signal(stop)
        _, err = run.communicate(timeout=30)
    assert run.returncode == status, err
    assert f"stopped by {stop.name} after" in err and "Traceback" not in err
    assert ran.exists(), "exit handlers did not run: a local model server would be left behind"
    if suffix == ".jsonl":
        text = out.read_text()
        assert text.count("\n") >= 2 and text.endswith("\n") and all(json.loads(line)["error"] is None for line in text.splitlines())
    else:
        import pyarrow.parquet as pq

        documents = int(re.search(r"after (\d+) documents", err).group(1))
        rows = pq.read_table(out)  # complete: footer written, renamed into place
        assert len(set(rows["sha256"].to_pylist())) == documents > 0
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_ctrl_c_stops_parser_workers_cleanly_and_resume_completes_exactly_once(tmp_path, dev_dir):
    """Ctrl-C reaches the whole terminal's process group: the workers ignore it, the run stops
    them between documents, and no document in flight is written as failed."""
    letters = tmp_path / "letters"
    for copy in range(4):
        (letters / str(copy)).mkdir(parents=True)
        for pdf in sorted(dev_dir.glob("*.pdf")):
            (letters / str(copy) / pdf.name).symlink_to(pdf)
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "imr_llm", "extract", str(letters), "-o", str(out), "--no-llm", "--workers", "2"]
    run = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < 20):
        time.sleep(0.02)
    os.killpg(run.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the parent and its workers alike
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    first = out.read_text().splitlines()
    assert 20 <= len(first) < 4 * 94 and all(json.loads(line)["error"] is None for line in first)
    resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    # The copies share their content hash: resuming skips every copy of a letter done
    assert {row["sha256"] for row in rows} == {content_hash(str(p)) for p in dev_dir.glob("*.pdf")}
    assert all(row["error"] is None for row in rows) and len(rows) >= len(first)
