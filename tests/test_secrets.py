"""The API key never appears in cassettes, logs, error messages, reports or output, at any verbosity.

A canary key is set and everything a run writes is scanned for it: the output file, stdout and
stderr at -v and -vv, a cassette recorded with the project's settings, a sealed evaluation
cassette, the review page, and the messages of errors the endpoint causes.
"""

from __future__ import annotations

import json
import logging

import pytest
from conftest import recorder, seed
from evals.cassettes import sealed_cassette
from fault_server import RecordedFaultServer

from imr_llm import extract
from imr_llm.cli import main

CANARY = "sk-canary-9f3b2c7d1e8a4f60b5c2d9e7a1f3b8c4"


@pytest.fixture(autouse=True)
def canary(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    yield
    for name in ("imr_llm", "instructor", "openai", "httpx", "httpcore"):  # -v handlers off again
        logger = logging.getLogger(name)
        logger.handlers = [h for h in logger.handlers if isinstance(h, logging.NullHandler)]
        logger.setLevel(logging.NOTSET)


@pytest.mark.parametrize("verbosity", [[], ["-v"], ["-vv"]])
def test_no_key_in_output_logs_or_errors(tmp_path, capsys, verbosity):
    out = tmp_path / "out.jsonl"
    with RecordedFaultServer(["500", "429", "schema", "reset"]) as server:
        main([*verbosity, "extract", str(seed("000")), str(seed("003")), "--model", "local", "--base-url",
              server.base_url, "--max-retries", "2", "--timeout", "2", "-o", str(out)])
    with RecordedFaultServer(["500"], repeat=True) as server:  # errors past the retries
        main([*verbosity, "extract", str(seed("001")), "--model", "local", "--base-url", server.base_url,
              "--max-retries", "1", "-o", str(tmp_path / "failed.jsonl")])
    captured = capsys.readouterr()
    written = out.read_text() + (tmp_path / "failed.jsonl").read_text() + captured.out + captured.err
    assert json.loads((tmp_path / "failed.jsonl").read_text())["error"] .endswith(": model endpoint answered HTTP 500")
    if verbosity == ["-vv"]:
        assert "Request options" in captured.err and "retrying in" in captured.err  # the logs did run
    assert CANARY not in written and CANARY[8:24] not in written

    assert main(["review", str(out), "-o", str(tmp_path / "review.html")]) == 0
    assert CANARY not in (tmp_path / "review.html").read_text()


def test_no_key_in_recorded_cassettes(tmp_path):
    with RecordedFaultServer([]) as server:
        with recorder("all").use_cassette(str(tmp_path / "plain.yaml")):
            extract(seed("000"), model="local", base_url=server.base_url)
        letter = seed("003").read_bytes()
        with sealed_cassette(tmp_path / "sealed.json", letter, record=True) as sealed:
            extract(seed("003"), model="local", base_url=server.base_url)
            sealed.seconds = 1.0
    plain, sealed_text = (tmp_path / "plain.yaml").read_text(), (tmp_path / "sealed.json").read_text()
    assert "chat/completions" in plain and "interactions" in sealed_text
    assert CANARY not in plain and CANARY not in sealed_text
    assert "authorization" not in plain.lower()


def test_the_key_is_kept_out_of_the_endpoints_repr():
    from imr_llm.calling import endpoint_from_env

    endpoint = endpoint_from_env("gpt-4o-mini")
    assert endpoint.api_key == CANARY and CANARY not in repr(endpoint) and CANARY not in str(endpoint)


@pytest.mark.parametrize("key", [CANARY + "\n", CANARY + "\r\n", " " + CANARY + " "])
def test_a_key_pasted_with_whitespace_is_used_stripped_and_never_printed(monkeypatch, tmp_path, capsys, key):
    monkeypatch.setenv("OPENAI_API_KEY", key)
    with RecordedFaultServer(["500"], repeat=True) as server:
        main(["-vv", "extract", str(seed("001")), "--model", "local", "--base-url", server.base_url,
              "--max-retries", "0", "-o", str(tmp_path / "out.jsonl")])
    captured = capsys.readouterr()
    assert "Illegal header value" not in captured.err  # the key reached the server as a valid header
    assert CANARY not in captured.err + captured.out + (tmp_path / "out.jsonl").read_text()


def test_a_short_key_is_redacted_in_messages_and_tracebacks():
    from imr_llm.cli import _Redacted

    record = logging.LogRecord("httpx", logging.DEBUG, __file__, 1, "sent %s", ("Bearer k9Z",), None)
    try:
        raise ValueError("Illegal header value b'Bearer k9Z\\n'")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert _Redacted(["k9Z\n"]).filter(record)
    assert "k9Z" not in record.getMessage() and "k9Z" not in record.exc_text and "[key]" in record.exc_text
