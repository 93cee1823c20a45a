"""Many letters at once: results as they finish, skipping what is done, limits on requests."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading

import httpx2 as httpx
import pytest
from benchmarks.latency_server import serve
from conftest import seed

from imr_llm import Limits, aextract_many
from imr_llm.limits import _Bucket, estimate_tokens
from imr_llm.runner import content_hash
from imr_llm.transport import LimitedTransport


async def collect(*args, **kwargs):
    return [outcome async for outcome in aextract_many(*args, **kwargs)]


def test_every_document_once_in_input_order_when_no_model_waits(tmp_path):
    sources = [str(seed(n)) for n in ("000", "001", "002", "003", "004")] + [str(tmp_path / "missing.pdf")]
    outcomes = asyncio.run(collect(sources, llm=False, limits=Limits(3)))
    assert [o.source for o in outcomes] == sources
    assert [o.error is None for o in outcomes] == [True] * 5 + [False]
    assert outcomes[-1].error.startswith("no such file") and outcomes[-1].sha256 is None
    assert outcomes[0].sha256 == content_hash(sources[0])


def test_documents_already_done_are_skipped_by_content_not_name(tmp_path):
    renamed = tmp_path / "renamed.txt"
    shutil.copy(seed("000"), renamed)
    done = {content_hash(str(seed("000")))}
    outcomes = asyncio.run(collect([str(renamed), str(seed("001"))], llm=False, done=done))
    assert [(o.source, o.skipped) for o in outcomes] == [(str(renamed), True), (str(seed("001")), False)]
    assert outcomes[0].determination is None


def test_closing_the_iterator_early_leaves_nothing_running():
    async def first_only():
        iterator = aextract_many([str(seed("000"))] * 10, llm=False, limits=Limits(4))
        async for outcome in iterator:
            await iterator.aclose()
            return outcome

    assert asyncio.run(first_only()).error is None


@pytest.fixture(scope="module")
def slow_server():
    """The fixed-latency server (0.05 s an answer) in a thread: enough to overlap requests."""
    server = serve(0.05)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("concurrency", [1, 4])
def test_requests_in_flight_reach_the_limit_and_never_pass_it(slow_server, concurrency):
    transport = LimitedTransport(Limits(concurrency))

    async def many():
        async with httpx.AsyncClient(transport=transport) as client:
            replies = await asyncio.gather(*(client.post(f"{slow_server}/v1/chat/completions", content=b"{}")
                                             for _ in range(12)))
        return [reply.status_code for reply in replies]

    assert asyncio.run(many()) == [404] * 12  # not a recorded request: the server says so, after its delay
    assert transport.most_in_flight == concurrency and transport.in_flight == 0


def test_limits_must_make_sense():
    with pytest.raises(ValueError, match="concurrency"):
        Limits(0)
    with pytest.raises(ValueError, match="rpm"):
        Limits(4, rpm=0)


def test_requests_per_minute_bucket_waits_for_its_refill(monkeypatch):
    """60 per minute: the first 60 go at once, the next waits one second (a fake clock)."""
    clock = [0.0]
    monkeypatch.setattr("imr_llm.limits.time.monotonic", lambda: clock[0])

    async def fake_sleep(seconds):
        clock[0] += seconds

    monkeypatch.setattr("imr_llm.limits.asyncio.sleep", fake_sleep)

    async def take(bucket, times):
        for _ in range(times):
            await bucket.take(1)

    bucket = _Bucket(60)
    asyncio.run(take(bucket, 60))
    assert clock[0] == 0.0
    asyncio.run(take(bucket, 1))
    assert clock[0] == pytest.approx(1.0)
    bucket.give_back(-30)  # a request cost more than estimated: the bucket goes into debt
    asyncio.run(take(bucket, 1))
    assert clock[0] == pytest.approx(32.0)


def test_token_estimate_is_characters_over_four_plus_the_answer_budget():
    body = json.dumps({"messages": [{"role": "user", "content": "x" * 400}], "max_tokens": 300}).encode()
    assert estimate_tokens(body) == len(body) // 4 + 300


def test_a_model_run_shares_one_limited_client(slow_server):
    """The seeds through the fixed-latency server, which answers with the recorded model answers."""
    sources = [str(seed(n)) for n in ("000", "001", "002", "003", "004")]
    outcomes = asyncio.run(collect(sources, model="local", base_url=f"{slow_server}/v1", prompt="segmented-v1",
                                   limits=Limits(4)))
    assert sorted(o.source for o in outcomes) == sorted(sources)
    for outcome in outcomes:
        assert outcome.error is None, outcome.error
        assert outcome.determination.model == "local" and outcome.determination.usage.calls >= 2
