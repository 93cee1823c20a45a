import csv
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import seed

from imr_llm.cli import main


@pytest.fixture
def folder(tmp_path):
    """Two seeds (one in a sub-folder), a file that is not a letter, a non-letter extension."""
    shutil.copy(seed("000"), tmp_path / "a.txt")
    (tmp_path / "sub").mkdir()
    shutil.copy(seed("003"), tmp_path / "sub" / "b.TXT")
    (tmp_path / "notes.txt").write_text("Grocery list: milk, eggs.\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    return tmp_path


def test_jsonl_one_line_per_document_errors_included(folder, capsys):
    out = folder / "out.jsonl"
    status = main(["extract", str(folder), str(folder / "missing.pdf"), "-o", str(out), "--no-llm"])
    assert status == 1  # some documents failed
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    by_name = {row["source"].split("/")[-1]: row for row in rows}
    assert sorted(by_name) == ["a.txt", "b.TXT", "missing.pdf", "notes.txt"]
    assert by_name["a.txt"]["error"] is None and by_name["a.txt"]["decisions"][0]["item"] == "Physical therapy x 12"
    assert len(by_name["b.TXT"]["decisions"]) == 2
    assert "text" not in by_name["a.txt"]
    assert by_name["notes.txt"]["error"].startswith("unknown layout")
    assert by_name["missing.pdf"]["error"].startswith("no such file")
    assert set(by_name["notes.txt"]) == set(by_name["a.txt"])  # error rows have the same keys
    assert "4 documents, 2 failed" in capsys.readouterr().err


def test_all_good_exits_zero_and_text_on_request(folder, capsys):
    status = main(["extract", str(folder / "a.txt"), "--include-text"])
    assert status == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    start, end = row["decisions"][0]["item_span"]
    assert row["text"][start:end] == "Physical therapy x 12"


def test_csv_one_row_per_decision(folder):
    out = folder / "out.csv"
    main(["extract", str(folder / "sub"), str(folder / "notes.txt"), "-o", str(out)])
    rows = list(csv.DictReader(out.open()))
    assert [row["item"] for row in rows] == ["PT 2X4 FOR THE L/S", "MRI FOR THE C/S AND L/S", ""]
    assert rows[0]["quantity"] == "8" and rows[0]["case_outcome"] == "upheld"
    assert json.loads(rows[1]["body_regions"]) == ["cervical spine", "lumbar spine"]  # lists as JSON arrays
    assert rows[2]["error"].startswith("unknown layout")


def test_unwritable_output_is_a_usage_error(folder, capsys):
    assert main(["extract", str(folder / "a.txt"), "-o", str(folder / "no" / "such" / "dir.jsonl")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_python_dash_m_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "imr_llm", "extract", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--no-llm" in result.stdout


def test_usage_error_exit_status():
    with pytest.raises(SystemExit) as caught:
        main(["extract"])
    assert caught.value.code == 2


def test_model_flags_end_to_end(folder, cassette, model_base_url, capsys):
    with cassette("segmented-v1/seed-000"):
        status = main(["extract", str(folder / "a.txt"), "--model", "local", "--base-url", model_base_url,
                       "--prompt", "segmented-v1", "--max-retries", "2", "--timeout", "300"])
    assert status == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (row["model"], row["prompt"], row["error"]) == ("local", "segmented-v1", None)
    assert row["usage"]["calls"] >= 2


def test_unknown_prompt_is_a_usage_error(folder, capsys):
    assert main(["extract", str(folder / "a.txt"), "--model", "local", "--prompt", "clever-v9"]) == 2
    assert "unknown prompt 'clever-v9'" in capsys.readouterr().err


def test_an_endpoint_that_is_down_fails_each_document_not_the_run(folder, capsys):
    status = main(["extract", str(folder / "a.txt"), str(folder / "sub"), "--model", "some-model",
                   "--base-url", "http://127.0.0.1:9/v1", "--max-retries", "0"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1 and len(rows) == 2
    assert {row["error"] for row in rows} == {"could not connect to the model endpoint"}


def test_closing_summary_and_no_progress_bar_when_not_a_terminal(folder, capsys):
    main(["extract", str(folder / "a.txt"), str(folder / "sub"), "-o", str(folder / "out.jsonl")])
    err = capsys.readouterr().err
    assert re.fullmatch(r"imr-llm: 2 documents, 0 failed, 3 decisions, 0 tokens, \$0\.0000, \d+\.\ds\n", err)


def test_progress_bar_with_rate_and_eta_on_a_terminal(folder):
    import fcntl
    import os
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 wide
    result = subprocess.run([sys.executable, "-m", "imr_llm", "extract", str(folder), "-o", str(folder / "o.jsonl")],
                            stderr=follower, stdout=subprocess.DEVNULL, timeout=60)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    text = shown.decode(errors="replace")
    assert result.returncode == 1  # notes.txt is not a letter
    assert "3/3" in text and "doc/s" in text and "100%" in text  # count and rate (ETA while running)
    assert "imr-llm: 3 documents, 1 failed" in text


def test_table_alone_prints_the_table_alone_and_with_o_writes_the_file_too(folder, capsys):
    assert main(["extract", str(folder / "a.txt"), "--table"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["document", "item", "outcome", "category"]
    assert len(out) == 2 and not any(line.startswith("{") for line in out)
    assert "Rehabilitation" in out[1]
    assert main(["extract", str(folder / "a.txt"), "--table", "-o", str(folder / "rows.jsonl")]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert json.loads((folder / "rows.jsonl").read_text())["decisions"][0]["category"] == "Rehabilitation"


def many_letters(folder, count: int):
    from letters import letter

    folder.mkdir()
    for n in range(count):
        text = letter((f"Physical therapy x {n % 24 + 1} visits", "Upheld", f"Letter {n}: not indicated."))
        (folder / f"letter-{n:04d}.txt").write_text(text)
    return folder


def test_a_table_reader_that_goes_away_stops_the_table_not_the_output(tmp_path):
    letters, out = many_letters(tmp_path / "letters", 300), tmp_path / "out.jsonl"
    run = subprocess.Popen([sys.executable, "-m", "imr_llm", "extract", str(letters), "--no-llm", "--table",
                            "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run.stdout.readline()  # `| head -1`
    run.stdout.close()
    err = run.stderr.read().decode()
    assert run.wait(timeout=120) == 0, err
    assert len(out.read_text().splitlines()) == 300 and "Traceback" not in err


def test_a_closed_stdout_with_nowhere_else_to_write_is_a_usage_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "imr_llm", "extract", str(seed("000")), "--no-llm"],
                            preexec_fn=lambda: os.close(1), stderr=subprocess.PIPE, text=True)
    assert result.returncode == 2 and "standard output is closed" in result.stderr, result.stderr


def test_control_characters_never_reach_the_terminal(tmp_path, capsys):
    named = tmp_path / "evil\x1b[2J\x1b]0;owned\x07.txt"
    named.write_text(seed("000").read_text().replace("Physical therapy", "Physical\x1b[31m therapy"))
    main(["extract", str(named), str(tmp_path / "gone\x1b[5m.pdf"), "--no-llm", "--table"])
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out and "\x07" not in captured.out and "\x1b" not in captured.err
    assert "evil[2J]0;owned.txt" in captured.out and "Physical[31m therapy" in captured.out


@pytest.mark.parametrize("output", ["out.jsonl", "out.csv", "out.parquet", "requests.jsonl"])
def test_a_file_name_that_is_not_utf8_is_one_row_like_any_other(tmp_path, output):
    folder = tmp_path / "letters"
    folder.mkdir()
    raw = os.fsencode(str(folder)) + b"/bad\xffbyte.txt"
    with open(raw, "wb") as out:
        out.write(seed("000").read_bytes())
    shutil.copy(seed("003"), folder / "good.txt")
    path = tmp_path / output
    command = ["batch", "prepare", str(folder), "-o", str(path), "--model", "m"] if output == "requests.jsonl" \
        else ["extract", str(folder), "-o", str(path), "--no-llm"]
    assert main(command) == 0
    if output == "out.jsonl":
        rows = [json.loads(line) for line in path.read_bytes().decode("utf-8").splitlines()]  # valid UTF-8
        assert sorted(os.fsencode(row["source"]) for row in rows) == sorted([raw, os.fsencode(str(folder / "good.txt"))])
        assert main(["extract", str(folder), "-o", str(path), "--no-llm", "--resume"]) == 0
        assert len(path.read_text().splitlines()) == 2  # resumed: both done, neither again
    elif output == "out.csv":
        assert "bad\\xffbyte.txt" in path.read_text(encoding="utf-8")
    elif output == "out.parquet":
        import pyarrow.parquet as pq

        assert any(s.endswith("bad\\xffbyte.txt") for s in pq.read_table(path)["source"].to_pylist())
    else:
        manifest = (tmp_path / "requests.manifest.jsonl").read_bytes().decode("utf-8")
        assert len(manifest.splitlines()) == 2
