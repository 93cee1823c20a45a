"""Many letters at once: results as they finish, skipping what is done, limits on requests."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import threading

import httpx2 as httpx
import pytest
from benchmarks.latency_server import serve
from conftest import seed

from imr_llm import ExtractOptions, Limits, aextract_many, extract
from imr_llm.errors import DocumentError
from imr_llm.reading import content_hash
from imr_llm.transport import LimitedTransport, estimate_tokens

PARSER = ExtractOptions(llm=False)


async def collect(sources, options=PARSER, **kwargs):
    return [outcome async for outcome in aextract_many(sources, options, **kwargs)]


def test_every_document_once_in_input_order_when_no_model_waits(tmp_path):
    sources = [str(seed(n)) for n in ("000", "001", "002", "003", "004")] + [str(tmp_path / "missing.pdf")]
    outcomes = asyncio.run(collect(sources, limits=Limits(3)))
    assert [o.source for o in outcomes] == sources
    assert [o.error is None for o in outcomes] == [True] * 5 + [False]
    assert outcomes[-1].error.startswith("no such file") and outcomes[-1].sha256 is None
    assert outcomes[0].sha256 == content_hash(sources[0])


def test_a_batch_in_one_process_reads_beside_the_parser_and_gives_what_extract_does(tmp_path):
    # The files are read in a thread while the loop parses; each outcome is what `extract` gives
    # that letter alone, or the one-line error it raises, and every hash is of the file's bytes.
    (tmp_path / "blank.txt").write_text("   \n")
    (tmp_path / "fake.pdf").write_text("not a pdf at all")
    sources = [str(seed(n)) for n in ("000", "001", "002", "003", "004")] + \
        [str(tmp_path / "blank.txt"), str(tmp_path / "fake.pdf"), str(tmp_path / "missing.pdf")]
    readers: set[str] = set()

    async def run():
        outcomes = []
        async for outcome in aextract_many(sources, PARSER):
            readers.update(t.name for t in threading.enumerate() if t.name.startswith("imr-llm-reader"))
            outcomes.append(outcome)
        return outcomes

    for outcome in asyncio.run(run()):
        try:
            expected, error = extract(outcome.source, llm=False), None
        except DocumentError as exc:
            expected, error = None, str(exc)
        assert (outcome.determination, outcome.error) == (expected, error)
        assert outcome.sha256 == content_hash(outcome.source)
    assert readers and not any(t.name.startswith("imr-llm-reader") for t in threading.enumerate())


def test_reading_in_a_thread_shortens_the_switch_interval_until_the_last_run_ends():
    # PDFium's calls return to wait for the GIL while the loop parses; with the default 5 ms
    # interval the reading thread stalls. Two runs overlapping: the first to end leaves the short
    # interval to the other, the last puts back the caller's.
    before = sys.getswitchinterval()
    seen = []

    async def overlapping():
        first = aextract_many([str(seed("000")), str(seed("001"))], PARSER)
        second = aextract_many([str(seed("002")), str(seed("003"))], PARSER)
        await first.__anext__()
        await second.__anext__()
        seen.append(sys.getswitchinterval())
        await first.aclose()
        seen.append(sys.getswitchinterval())
        await second.aclose()
        seen.append(sys.getswitchinterval())

    asyncio.run(overlapping())
    assert seen[0] == seen[1] < before / 100 and seen[2] == before == sys.getswitchinterval()


def test_a_batch_that_cannot_start_leaves_no_thread_and_the_switch_interval_as_it_was():
    before = sys.getswitchinterval()
    with pytest.raises(TypeError):
        asyncio.run(collect(42))  # not an iterable of paths
    assert sys.getswitchinterval() == before
    assert not any(t.name.startswith("imr-llm-reader") for t in threading.enumerate())


def test_documents_already_done_are_skipped_by_content_not_name(tmp_path):
    renamed = tmp_path / "renamed.txt"
    shutil.copy(seed("000"), renamed)
    done = {content_hash(str(seed("000")))}
    outcomes = asyncio.run(collect([str(renamed), str(seed("001"))], done=done))
    assert [(o.source, o.skipped) for o in outcomes] == [(str(renamed), True), (str(seed("001")), False)]
    assert outcomes[0].determination is None


@pytest.fixture(scope="module")
def slow_server():
    """The fixed-latency server (0.05 s an answer) in a thread: enough to overlap requests."""
    server = serve(0.05)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_closing_the_iterator_early_leaves_nothing_running(slow_server):
    """Letters still waiting on the model when the caller stops reading are cancelled, not left
    running (and sending) in the background."""
    options = ExtractOptions(model="local", base_url=f"{slow_server}/v1", prompt="segmented-v1")

    async def first_only():
        iterator = aextract_many([str(seed(n)) for n in ("000", "001", "002", "003", "004")] * 4, options,
                                 limits=Limits(4))
        async for outcome in iterator:
            await iterator.aclose()
            left = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            return outcome, left

    outcome, left = asyncio.run(first_only())
    assert outcome.error is None and left == []


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


def test_requests_per_minute_wait_for_the_allowance_to_refill(slow_server, monkeypatch):
    """rpm=6, on a fake clock: the first six requests of a run leave at once (a minute's
    allowance), and each one after waits ten seconds for its share to refill."""
    import types

    clock = [0.0]
    real_sleep = asyncio.sleep

    async def sleep(seconds):
        clock[0] += seconds
        await real_sleep(0)

    monkeypatch.setattr("imr_llm.transport.time", types.SimpleNamespace(monotonic=lambda: clock[0]))
    monkeypatch.setattr("imr_llm.transport.asyncio", types.SimpleNamespace(**{**vars(asyncio), "sleep": sleep}))
    options = ExtractOptions(model="local", base_url=f"{slow_server}/v1", prompt="segmented-v1")
    outcomes = asyncio.run(collect([str(seed("000")), str(seed("003"))], options, limits=Limits(8, rpm=6)))
    requests = sum(outcome.determination.usage.calls for outcome in outcomes)
    assert requests > 6 and all(outcome.error is None for outcome in outcomes)
    assert clock[0] == pytest.approx((requests - 6) * 10.0, abs=0.5)


def test_token_estimate_is_characters_over_four_plus_the_answer_budget():
    body = json.dumps({"messages": [{"role": "user", "content": "x" * 400}], "max_tokens": 300}).encode()
    assert estimate_tokens(body) == len(body) // 4 + 300


def test_a_model_run_shares_one_limited_client(slow_server):
    """The seeds through the fixed-latency server, which answers with the recorded model answers."""
    sources = [str(seed(n)) for n in ("000", "001", "002", "003", "004")]
    options = ExtractOptions(model="local", base_url=f"{slow_server}/v1", prompt="segmented-v1")
    outcomes = asyncio.run(collect(sources, options, limits=Limits(4)))
    assert sorted(o.source for o in outcomes) == sorted(sources)
    for outcome in outcomes:
        assert outcome.error is None, outcome.error
        assert outcome.determination.model == "local" and outcome.determination.usage.calls >= 2


def test_a_model_run_collects_garbage_less_often_and_puts_the_collector_back(slow_server):
    import gc

    before = gc.get_threshold()
    options = ExtractOptions(model="local", base_url=f"{slow_server}/v1", prompt="segmented-v1")
    during = []

    async def run():
        async for outcome in aextract_many([str(seed("000")), str(seed("003"))], options, limits=Limits(4)):
            during.append((gc.get_threshold()[0], gc.get_freeze_count() > 0, outcome.error))

    asyncio.run(run())
    assert during and all(threshold >= 10 * before[0] and frozen and error is None
                          for threshold, frozen, error in during)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_parser_workers_yield_what_one_process_does(tmp_path):
    # More letters than one task of a worker takes, the bad ones among them: each bad letter fails
    # alone, with the same error, and every letter's sha256 is of its bytes as in one process.
    (tmp_path / "blank.txt").write_text("   \n")
    (tmp_path / "fake.pdf").write_text("not a pdf at all")
    seeds = [str(seed(n)) for n in ("000", "001", "002", "003", "004")]
    sources = seeds[:2] + [str(tmp_path / "missing.pdf"), str(tmp_path / "blank.txt")] + seeds[2:] + \
        [str(tmp_path / "fake.pdf")] + seeds
    one = asyncio.run(collect(sources))
    two = asyncio.run(collect(sources, workers=2))
    assert len(two) == len(sources)

    def by_source(outcomes):
        return sorted(((o.source, o.sha256, o.error, o.determination) for o in outcomes), key=repr)

    assert by_source(two) == by_source(one)
    assert [o.sha256 is None for o in two if o.source.endswith("missing.pdf")] == [True]
    assert sum(o.error is not None for o in two) == 3


@pytest.mark.parametrize("other_thread", [False, True])
def test_parser_workers_fork_only_where_no_other_thread_runs(other_thread):
    # A forked worker starts with everything imported (a spawned one imports for 0.7 s); a fork
    # copies only the thread that forks, so with another thread alive the workers are spawned.
    import sys

    from imr_llm.runner import _parser_pool

    stop = threading.Event()
    extra = threading.Thread(target=stop.wait) if other_thread else None
    if extra:
        extra.start()
    try:
        alone = threading.active_count() == 1
        pool = _parser_pool(2)
        try:
            expected = "fork" if sys.platform == "linux" and alone else "spawn"
            assert pool._mp_context.get_start_method() == expected
            assert pool.submit(sum, [1, 2]).result() == 3
        finally:
            pool.shutdown()
    finally:
        stop.set()
        if extra:
            extra.join()


def test_requests_are_made_as_slots_free_not_all_at_a_letters_start(slow_server, monkeypatch):
    """Two slots, ten letters started at once: no more than two requests exist at any moment
    (before, every letter built all its requests at once and they queued at the transport)."""
    waiting, most = [0], [0]
    handle = LimitedTransport.handle_async_request

    async def counted(self, request):
        waiting[0] += 1
        most[0] = max(most[0], waiting[0])
        try:
            return await handle(self, request)
        finally:
            waiting[0] -= 1

    monkeypatch.setattr(LimitedTransport, "handle_async_request", counted)
    options = ExtractOptions(model="local", base_url=f"{slow_server}/v1", prompt="segmented-v1")
    sources = [str(seed(n)) for n in ("000", "001", "002", "003", "004")] * 2
    outcomes = asyncio.run(collect(sources, options, limits=Limits(2)))
    assert all(outcome.error is None for outcome in outcomes) and most[0] == 2
