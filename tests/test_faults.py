"""Endpoint faults, injected by a server on 127.0.0.1 that otherwise answers with the real model's
recorded answers: each is retried or re-asked within --max-retries, then reported per document,
and the run ends in a time bounded by the retry settings."""

from __future__ import annotations

import json
import time

import pytest
from conftest import CASSETTES, seed
from fault_server import RecordedFaultServer

from imr_llm.cli import main
from imr_llm.runner import MODEL_PART_FAILED

RETRIES, TIMEOUT = 2, 1.0
FIRST_ASKS = 2  # seed 000 with segmented-v1: one decision call and one case-summary call


def _recorded_requests() -> int:
    """The requests the real model needed for seed 000 (re-asks of answers it got wrong included)."""
    import yaml
    from evals.cassettes import comparable

    recorded = yaml.safe_load((CASSETTES / "segmented-v1" / "seed-000.yaml").read_text())["interactions"]
    return len({comparable(exchange["request"]["body"]) for exchange in recorded})


CALLS = _recorded_requests()


def extract_with(server, capsys, *letters):
    started = time.monotonic()
    status = main(["extract", *(str(seed(n)) for n in letters or ("000",)), "--model", "local",
                   "--base-url", server.base_url, "--prompt", "segmented-v1", "--max-retries", str(RETRIES),
                   "--timeout", str(TIMEOUT)])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return status, rows, time.monotonic() - started


@pytest.mark.parametrize("fault", ["429", "500", "503", "hang", "reset", "malformed"])
def test_a_passing_transport_fault_is_retried_and_the_letter_done(fault, capsys):
    with RecordedFaultServer([fault]) as server:
        status, (row,), _ = extract_with(server, capsys)
    assert status == 0 and row["error"] is None
    assert server.injected == [fault]
    if fault == "malformed":
        # A reply that does not parse is re-asked like any answer that fails: one of the call's
        # 1 + RETRIES attempts. Hitting the decision call (whose recorded answer is re-asked twice)
        # it replaces a recorded re-ask; hitting the case call, it adds one.
        assert server.seen in (CALLS, CALLS + 1)
    else:
        assert server.seen == CALLS + 1  # one request again


@pytest.mark.parametrize("fault, reason", [
    ("429", "model endpoint answered HTTP 429"),
    ("500", "model endpoint answered HTTP 500"),
    ("503", "model endpoint answered HTTP 503"),
    ("hang", "model call timed out"),
    ("reset", "could not connect to the model endpoint"),
    ("malformed", "the model endpoint's reply is not valid JSON"),
])
def test_a_lasting_transport_fault_fails_that_letter_only_in_bounded_time(fault, reason, capsys):
    with RecordedFaultServer([fault], repeat=True) as server:
        status, rows, elapsed = extract_with(server, capsys, "000", "003")
    assert status == 1 and [row["error"] for row in rows] == [f"{MODEL_PART_FAILED}: {reason}"] * 2
    assert sorted(len(row["decisions"]) for row in rows) == [1, 2]  # what the parser read stands
    # every call tried 1 + RETRIES times, no more; wait: timeouts, Retry-After (1 s), backoff (< 1.5 s)
    assert server.seen <= (CALLS + 3) * (1 + RETRIES)
    assert elapsed < 2 * (1 + RETRIES) * (TIMEOUT + 1.5) + 5


def test_an_answer_that_breaks_the_schema_is_re_asked_then_salvaged(capsys):
    with RecordedFaultServer(["schema"], repeat=True) as server:
        status, (row,), _ = extract_with(server, capsys)
    assert status == 0 and row["error"] is None
    assert server.seen == FIRST_ASKS * (1 + RETRIES)  # every call re-asked RETRIES times
    assert any("failed validation after retries" in w for w in row["warnings"])
    assert row["decisions"][0]["item"] == "Physical therapy x 12"  # the parser's fields stand


def test_an_answer_cut_off_at_the_token_limit_is_reported_not_resent(capsys):
    """At temperature 0 the same request is cut at the same place: not sent again, what holds is
    kept, and the letter says why in its warnings."""
    with RecordedFaultServer(["cutoff"], repeat=True) as server:
        status, (row,), _ = extract_with(server, capsys)
    assert status == 0 and server.seen == FIRST_ASKS
    assert any("cut off at the token limit" in w for w in row["warnings"])


def test_one_fault_among_many_letters_costs_nothing_else(capsys):
    with RecordedFaultServer(["500", "hang"]) as server:
        status, rows, _ = extract_with(server, capsys, "000", "001", "002", "003", "004")
    assert status == 0 and len(rows) == 5 and all(row["error"] is None for row in rows)


class _Slow:
    """A server that sends headers and then a body a few bytes at a time, or headers slowly, or a
    body that never ends once decompressed."""

    def __init__(self, how: str) -> None:
        import gzip
        import socket
        import threading

        self.how, self._socket = how, socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(8)
        self.base_url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/v1"
        self._bomb = gzip.compress(b"0" * (64 * 2**20)) if how == "bomb" else b""
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import threading

        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection) -> None:
        import time

        try:
            connection.recv(1 << 20)
            if self.how == "bomb":
                connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
                                   + f"content-length: {len(self._bomb)}\r\n\r\n".encode() + self._bomb)
            elif self.how == "body":
                connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n")
                while not self._stop.is_set():
                    connection.sendall(b" ")
                    time.sleep(0.2)
            else:  # headers, a byte at a time
                for byte in b"HTTP/1.1 200 OK\r\nx-slow: " + b"a" * 10_000:
                    if self._stop.is_set():
                        break
                    connection.sendall(bytes([byte]))
                    time.sleep(0.2)
        except OSError:
            pass
        finally:
            connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._socket.close()


@pytest.mark.parametrize("how", ["body", "headers"])
def test_the_timeout_is_the_whole_requests_deadline_even_when_bytes_trickle(how):
    from imr_llm import extract
    from imr_llm.calling import ModelError

    with _Slow(how) as server:
        started = time.monotonic()
        with pytest.raises(ModelError, match="model call timed out"):
            extract(seed("000"), model="m", base_url=server.base_url, timeout=1.5, max_retries=1)
        took = time.monotonic() - started
    # (N + 1) x (S + 8): two requests of 1.5 s and one backoff of at most 8 s
    assert took < 2 * (1.5 + 8), took


def test_an_answer_that_never_ends_once_decompressed_is_cut_with_its_reason():
    from imr_llm import extract
    from imr_llm.calling import ModelError

    with _Slow("bomb") as server:  # 64 KB on the wire, 64 MiB once decompressed
        with pytest.raises(ModelError, match="larger than 4 MiB; not read on"):  # (read whole: "not valid JSON")
            extract(seed("000"), model="m", base_url=server.base_url, timeout=30, max_retries=1)
