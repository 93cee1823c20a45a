"""Many letters at once: documents in flight bounded, one shared client within the endpoint's limits.

Results come back as each document finishes (not in input order), so a writer can put every line
on disk at once. Documents whose content hash is in ``done`` are skipped: that is how a run
resumes, and why a renamed file is not done twice.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gc
import hashlib
import itertools
import os
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Collection, Coroutine, Iterable, Optional

from .errors import AccessDenied, DocumentError, ModelError, UsageError
from .extraction import aextract_resolved
from .limits import Limits
from .options import ExtractOptions, Resolved
from .parsing import parse_letter
from .reading import content_hash, read_letter_bytes, text_of_bytes
from .schema import Determination

# The start of a row's error when the model part failed and the parser's fields were kept.
MODEL_PART_FAILED = "model part failed, the parser's fields kept"

# Letters go to the parser's processes this many at a time: a task cost the run's own process
# 0.17-0.20 ms a letter (pickling, the pool's wake-ups; 1,880 tasks of 2 processes), a task of 4
# letters 0.04 ms a letter; and a run's last task keeps one process busy 4 letters longer at most.
_LETTERS_A_TASK = 4


@dataclass(frozen=True)
class Outcome:
    """One document's result: a Determination, or a one-line error (with the parser's Determination
    when only the model part failed); or skipped (already done)."""

    source: str
    sha256: Optional[str]  # of the file's bytes; None when the file cannot be read
    determination: Optional[Determination] = None
    error: Optional[str] = None
    skipped: bool = False


async def aextract_many(
    sources: Iterable[str],
    options: ExtractOptions | Resolved | None = None,
    *,
    limits: Optional[Limits] = None,
    done: Collection[str] = (),
    workers: int = 1,
) -> AsyncIterator[Outcome]:
    """`aextract` over many files with one set of ``options``, yielding each `Outcome` as it
    completes. The options are resolved once, before the first letter (`UsageError`,
    `LocalModelError`), unless they come resolved already (`ExtractOptions.resolve`).

    At most ``limits.concurrency`` model requests are in flight (and four times as many documents
    started, so that the requests never wait on a document), keeping to ``limits.rpm``/``limits.tpm``.
    A document that fails yields an Outcome with ``error`` (and, where only the model part failed,
    the parser's ``determination``); the run goes on. ``workers`` > 1 parses in that many
    processes (the parser alone only: a model run waits on its endpoint, not on a core); with one,
    the parser alone reads the files in a thread while it parses, the interpreter's switch
    interval shortened until the run ends (`sys.setswitchinterval`). An
    endpoint that refuses the key raises `AccessDenied` at the first refusal: every letter would
    be refused. Closing the iterator early cancels the documents in flight.
    """
    limits = limits or Limits()
    resolved = options if isinstance(options, Resolved) else (options or ExtractOptions()).resolve()
    endpoint = resolved.endpoint
    check_workers(workers, resolved)
    client = None
    # A letter's requests are made as slots free, not all at its start: 256 letters started at
    # once (64 in flight) built every request before the first answer could be read.
    slots = asyncio.Semaphore(limits.concurrency)
    if endpoint is not None:
        from .transport import limited_client  # the HTTP stack, for model runs only

        client = limited_client(limits, base_url=endpoint.base_url, api_key=endpoint.client_key)

    async def one(source: str, sha256: Optional[str]) -> list[Outcome]:
        try:
            return [Outcome(source, sha256, await aextract_resolved(Path(source), resolved, client, slots))]
        except AccessDenied:
            raise
        except ModelError as exc:
            if exc.partial is None:
                return [Outcome(source, sha256, error=str(exc))]
            return [Outcome(source, sha256, exc.partial, error=f"{MODEL_PART_FAILED}: {exc}")]
        except DocumentError as exc:
            return [Outcome(source, sha256, error=str(exc))]
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must cost one document, never the batch
            return [Outcome(source, sha256, error=_internal_error(exc))]

    async def parsed_here(source: str) -> list[Outcome]:
        assert reader is not None
        sha256, text, error = await reader.read(source, done)
        if text is None:
            return [Outcome(source, sha256, error=error, skipped=error is None)]
        return [Outcome(source, sha256, *_parsed(text))]

    async def in_processes(sources: list[str]) -> list[Outcome]:
        assert pool is not None
        try:
            parsed = await asyncio.get_running_loop().run_in_executor(pool, _parse_files, sources)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the pool broke (a worker killed): the task's letters fail, the run goes on
            return [Outcome(source, content_hash(source), error=_internal_error(exc)) for source in sources]
        return [Outcome(source, sha256, determination, error) for source, (sha256, determination, error)
                in zip(sources, parsed, strict=True)]

    # More letters than request slots: a letter spends part of its time with fewer calls out than
    # it will make (parsing, waiting on its last re-ask), and the slots must not sit idle meanwhile.
    window = limits.concurrency * 4 if endpoint is not None else max(limits.concurrency, workers * 4)
    pending: set[asyncio.Task[list[Outcome]]] = set()
    order: dict[asyncio.Task[list[Outcome]], int] = {}  # documents finishing together come out in input order
    queue, submitted = iter(sources), itertools.count()
    collector = _FewerCollections() if endpoint is not None else contextlib.nullcontext()
    task_sources: list[str] = []  # letters for the parser's processes, until there are enough for a task

    def submit(work: Coroutine[Any, Any, list[Outcome]]) -> None:
        task = asyncio.ensure_future(work)
        order[task] = next(submitted)
        pending.add(task)

    # Started last, just before the `finally` that stops them (nothing between can fail).
    pool = _parser_pool(workers) if workers > 1 else None
    # The parser alone in this process: one thread reads the files while the loop parses the
    # letters read before (PDFium lets go of the GIL, the regular expressions do not).
    reader = _Reader() if pool is None and endpoint is None else None
    try:
        collector.__enter__()
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                source = next(queue, None)
                if source is None:
                    exhausted = True
                    break
                if reader is not None:  # it hashes the bytes it reads, and skips what is done
                    submit(parsed_here(source))
                    continue
                # A worker hashes the very bytes it parses; the run hashes first only to skip.
                sha256 = content_hash(source) if pool is None or done else None
                if sha256 is not None and sha256 in done:
                    yield Outcome(source, sha256, skipped=True)
                    continue
                if pool is None:
                    submit(one(source, sha256))
                    continue
                task_sources.append(source)
                if len(task_sources) == _LETTERS_A_TASK:
                    submit(in_processes(task_sources))
                    task_sources = []
            if exhausted and task_sources:
                submit(in_processes(task_sources))
                task_sources = []
            if not pending:
                return
            finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(finished, key=order.__getitem__):
                del order[task]
                for outcome in task.result():
                    yield outcome
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        if client is not None:
            await client.close()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if reader is not None:
            reader.close()
        collector.__exit__(None, None, None)


def check_workers(workers: int, resolved: Resolved) -> None:
    """UsageError unless ``workers`` can run: at least 1, and more only for the parser alone."""
    if workers < 1:
        raise UsageError("workers must be at least 1")
    if workers > 1 and resolved.endpoint is not None:
        raise UsageError("--workers parse in parallel for the parser alone (--no-llm); a model run is bound by its "
                         "requests in flight: see --concurrency")


def workers_fork() -> bool:
    """Whether parser processes started now would be forked (and start at once), not spawned."""
    import threading

    return sys.platform == "linux" and threading.active_count() == 1


def _parser_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """Processes for the parser, each ignoring Ctrl-C: the run itself stops them, between documents.

    Forked where that is safe (Linux, and this process runs no other thread): a forked worker
    starts with everything imported, where a spawned one spends 0.7 s importing (`--workers 2`
    against `--workers 1` on 2 cores, `python -m benchmarks`: 470 letters 1.45x spawned, 1.58x
    forked; 1,880 letters 1.58x, 1.88x). The worker never touches the parent's event loop; the
    workers start here, before this run writes anything, so that no buffered output of the
    parent is copied into them (a child flushes it at exit)."""
    import multiprocessing

    method = "fork" if workers_fork() else "spawn"
    if method == "fork":
        sys.stdout.flush()
        sys.stderr.flush()
    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                                                  initializer=_start_worker, initargs=(os.getpid(),))
    if method == "fork":
        pool.submit(int).result()  # the processes fork now (all at once, at the first task)
    return pool


def _start_worker(parent: int) -> None:
    """A parser process ignores Ctrl-C (the run stops it, between documents) and dies with the
    run: on Linux the kernel kills it when its parent dies, even by SIGKILL (else a forked worker
    would wait on its queue for ever)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before that took hold
        os._exit(1)


def _parse_files(sources: list[str]) -> list[tuple[Optional[str], Optional[Determination], Optional[str]]]:
    """Letters through the parser, in a worker process: for each, the SHA-256 of the bytes parsed
    (None when the file cannot be read) and its Determination, or its one-line error."""
    parsed: list[tuple[Optional[str], Optional[Determination], Optional[str]]] = []
    for source in sources:
        sha256, text, error = _read_unless_done(source, ())
        parsed.append((sha256, *_parsed(text)) if text is not None else (sha256, None, error))
    return parsed


def _parsed(text: str) -> tuple[Optional[Determination], Optional[str]]:
    """The letter's Determination, or its one-line error."""
    try:
        return parse_letter(text), None
    except DocumentError as exc:
        return None, str(exc)
    except Exception as exc:  # a bug must cost one document, never the batch
        return None, _internal_error(exc)


def _read_unless_done(source: str, done: Collection[str]) -> tuple[Optional[str], Optional[str], Optional[str]]:
    """(SHA-256 of the file's bytes, its text, its one-line error), read in the reading thread: no
    text for a letter whose hash is in ``done``, no hash for a file that cannot be read."""
    sha256 = None
    try:
        data = read_letter_bytes(Path(source))
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 in done:
            return sha256, None, None
        return sha256, text_of_bytes(data, Path(source).suffix), None
    except DocumentError as exc:
        return sha256, None, str(exc)
    except Exception as exc:  # a bug must cost one document, never the batch
        return sha256, None, _internal_error(exc)


class _Reader:
    """One thread that reads letters for a run of the parser alone, and the interpreter's switch
    interval shortened while it runs. PDFium works without the GIL, but each of its calls returns
    to wait for the GIL while the loop parses, by default for up to 5 ms: the 94 dev PDFs read in
    a thread while the main thread parsed them ran at 0.74 of reading alone with the default, 0.90
    at 0.2 ms, 0.93 at 0.05 ms (one after another: 0.75); this batch at 0.82-0.85 with 0.05 ms and
    0.84-0.91 with 0.02 ms (10 rounds each, side by side). The shortest interval asked for holds
    while runs overlap, and the last run to end puts back the one before the first."""

    _INTERVAL = 0.00002
    _open = 0
    _before = 0.0
    _lock = threading.Lock()

    def __init__(self) -> None:
        self._thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="imr-llm-reader")
        with _Reader._lock:
            if _Reader._open == 0:
                _Reader._before = sys.getswitchinterval()
                sys.setswitchinterval(min(self._INTERVAL, _Reader._before))
            _Reader._open += 1

    async def read(self, source: str, done: Collection[str]) -> tuple[Optional[str], Optional[str], Optional[str]]:
        return await asyncio.get_running_loop().run_in_executor(self._thread, _read_unless_done, source, done)

    def close(self) -> None:
        self._thread.shutdown(wait=True, cancel_futures=True)
        with _Reader._lock:
            _Reader._open -= 1
            if _Reader._open == 0:
                sys.setswitchinterval(_Reader._before)


def _internal_error(exc: Exception) -> str:
    return f"internal error: {type(exc).__name__}: {exc}".splitlines()[0]


class _FewerCollections:
    """The garbage collector tuned for a model run, and put back after it. Each call leaves objects
    in reference cycles (re-asks' tracebacks, retry state), and full collections stall the event
    loop with answers waiting unread: 64 requests in flight against a server answering in 0.5 s,
    2,541 requests, took 8 full collections, 1.17 s in all, the longest 0.25 s; tuned, 2 taking
    0.07 s (measured with gc.callbacks around benchmarks.throughput.measure). What was alive before the run is
    frozen out of every collection, and the youngest generation collects every 50,000
    allocations instead of 700."""

    def __enter__(self) -> None:
        self.thresholds = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)

    def __exit__(self, *_: object) -> None:
        gc.set_threshold(*self.thresholds)
        gc.unfreeze()
