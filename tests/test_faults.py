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
    assert status == 1 and [row["error"] for row in rows] == [reason, reason]
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
