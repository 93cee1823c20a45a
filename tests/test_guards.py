"""Nothing lost: an output is never an input, two runs never write one output, a resume never
follows a planted link, and a run's own files are written whole or not at all."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest
from conftest import seed

from imr_llm.cli import main
from imr_llm.errors import OutputError
from imr_llm.guards import OutputLock, refuse_inputs


@pytest.fixture
def letter(tmp_path):
    path = tmp_path / "a.txt"
    shutil.copy(seed("000"), path)
    return path


@pytest.mark.parametrize("resume", [[], ["--resume"]])
def test_an_output_that_is_the_input_is_refused_before_it_is_opened(letter, capsys, resume):
    before = letter.read_bytes()
    assert main(["extract", str(letter), "-o", str(letter), "--no-llm", *resume]) == 2
    assert "is also an input" in capsys.readouterr().err
    assert letter.read_bytes() == before


def test_an_output_that_is_the_input_under_another_name_is_refused(letter, tmp_path, capsys):
    os.link(letter, tmp_path / "hard.txt")
    (tmp_path / "sym.jsonl").symlink_to(letter)
    for output in ("hard.txt", "sym.jsonl"):
        assert main(["extract", str(letter), "-o", str(tmp_path / output), "--no-llm"]) == 2
    assert letter.read_bytes() == seed("000").read_bytes()


def test_a_letter_named_output_inside_an_input_folder_is_refused(letter, tmp_path, capsys):
    assert main(["extract", str(tmp_path), "-o", str(tmp_path / "results.txt"), "--no-llm"]) == 2
    assert "would be read as a letter" in capsys.readouterr().err
    assert not (tmp_path / "results.txt").exists()
    assert main(["extract", str(tmp_path), "-o", str(tmp_path / "results.jsonl"), "--no-llm"]) == 0  # not read


def test_review_and_collect_never_write_over_their_inputs(letter, tmp_path):
    rows = tmp_path / "rows.jsonl"
    assert main(["extract", str(letter), "-o", str(rows), "--no-llm"]) == 0
    before = rows.read_bytes()
    assert main(["review", str(rows), "-o", str(rows)]) == 2
    assert main(["batch", "collect", str(rows), str(tmp_path / "results.jsonl"), "-o", str(rows)]) == 2
    assert rows.read_bytes() == before


def test_a_second_run_on_one_output_stops_at_once_naming_the_first(letter, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    held = OutputLock(str(out)).acquire()  # as a running extract holds it
    try:
        for resume in ([], ["--resume"]):
            assert main(["extract", str(letter), "-o", str(out), "--no-llm", *resume]) == 2
            assert f"being written by another imr-llm run (pid {os.getpid()})" in capsys.readouterr().err
        assert not out.exists()
    finally:
        held.release()
    assert main(["extract", str(letter), "-o", str(out), "--no-llm"]) == 0
    assert not (tmp_path / ".out.jsonl.lock").exists()  # released and removed at the end


def test_the_lock_is_released_when_opening_fails(tmp_path):
    out = tmp_path / "out.parquet"
    with pytest.raises(OutputError):
        from imr_llm.outputs import open_output

        open_output(str(out), resume=True)  # Parquet cannot resume
    OutputLock(str(out)).acquire().release()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_run_killed_leaves_no_lock_behind_in_its_forked_children(tmp_path):
    # A run holds the lock and forks a worker, then is killed (no release: the lock file stays).
    # The worker, still alive, must not keep the output locked.
    path = str(tmp_path / "out.jsonl")
    read_end, write_end = os.pipe()
    run = os.fork()
    if run == 0:
        OutputLock(path).acquire()
        worker = os.fork()
        if worker == 0:
            time.sleep(5)
            os._exit(0)
        os.write(write_end, f"{worker}\n".encode())
        os.kill(os.getpid(), 9)
    os.waitpid(run, 0)
    worker = int(os.read(read_end, 32))
    try:
        OutputLock(path).acquire().release()  # at once, with the worker still alive
    finally:
        os.kill(worker, 9)
        os.close(read_end)
        os.close(write_end)


def test_resume_never_follows_a_link_planted_at_its_temporary_name(letter, tmp_path):
    out, target = tmp_path / "out.jsonl", tmp_path / "precious.txt"
    target.write_text("keep me")
    failed = {"source": "x.txt", "sha256": "b" * 64, "error": "model call timed out", "decisions": []}
    out.write_text(json.dumps(failed) + "\n")
    (tmp_path / "out.jsonl.resuming").symlink_to(target)
    assert main(["extract", str(letter), "-o", str(out), "--no-llm", "--resume"]) == 0
    assert target.read_text() == "keep me"
    assert [json.loads(line)["source"] for line in out.read_text().splitlines()] == [str(letter)]


def test_parquet_is_written_under_a_temporary_name_and_an_unwritable_folder_is_a_usage_error(letter, tmp_path,
                                                                                              capsys):
    out = tmp_path / "out.parquet"
    assert main(["extract", str(letter), "-o", str(out), "--no-llm"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "out.parquet"]
    assert main(["extract", str(letter), "-o", str(tmp_path / "no" / "such" / "out.parquet"), "--no-llm"]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_refuse_inputs_lets_an_unrelated_output_pass(tmp_path):
    refuse_inputs(str(tmp_path / "out.jsonl"), [str(tmp_path / "a.txt"), str(tmp_path)])
    refuse_inputs(None, [str(tmp_path)])
