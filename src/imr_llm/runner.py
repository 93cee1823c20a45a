"""Many letters at once: documents in flight bounded, one shared client within the endpoint's limits.

Results come back as each document finishes (not in input order), so a writer can put every line
on disk at once. Documents whose content hash is in ``done`` are skipped: that is how a run
resumes, and why a renamed file is not done twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Collection, Iterable, Optional

from .calling import ModelError
from .errors import DocumentError, ReadError
from .extraction import aextract, resolve_endpoint
from .limits import Limits, limited_client
from .policy import check_judgement
from .reading import read_letter_bytes
from .schema import Determination


@dataclass(frozen=True)
class Outcome:
    """One document's result: a Determination, or a one-line error; or skipped (already done)."""

    source: str
    sha256: Optional[str]  # of the file's bytes; None when the file cannot be read
    determination: Optional[Determination] = None
    error: Optional[str] = None
    skipped: bool = False


def content_hash(path: str) -> Optional[str]:
    """SHA-256 of a file's bytes (a renamed copy has the same), None when it cannot be read."""
    try:
        return hashlib.sha256(read_letter_bytes(Path(path))).hexdigest()
    except ReadError:  # what cannot be read as a letter (a FIFO, a device) is not hashed either
        return None


async def aextract_many(
    sources: Iterable[str],
    *,
    limits: Optional[Limits] = None,
    done: Collection[str] = (),
    llm: Optional[bool] = None,
    model: Optional[str] = None,
    base_url: Optional[str] = None,
    api_key: Optional[str] = None,
    prompt: Optional[str] = None,
    max_retries: Optional[int] = None,
    timeout: Optional[float] = None,
    judgement: str = "parser",
) -> AsyncIterator[Outcome]:
    """`aextract` over many files, yielding each `Outcome` as it completes.

    At most ``limits.concurrency`` model requests are in flight (and four times as many documents
    started, so that the requests never wait on a document), keeping to ``limits.rpm``/``limits.tpm``.
    A document that fails yields an Outcome with ``error``; the
    run goes on. Closing the iterator early cancels the documents in flight.
    """
    limits = limits or Limits()
    check_judgement(judgement)  # a bad policy is the caller's error, not every document's
    endpoint = resolve_endpoint(llm, model, base_url, api_key, timeout, max_retries)
    client = None
    options: dict = {"llm": False}
    if endpoint is not None:
        client = limited_client(limits, base_url=endpoint.base_url, api_key=endpoint.api_key)
        options = {"llm": True, "model": endpoint.model, "base_url": endpoint.base_url, "api_key": endpoint.api_key,
                   "prompt": prompt, "client": client, "max_retries": endpoint.max_retries,
                   "timeout": endpoint.timeout, "judgement": judgement}

    async def one(source: str, sha256: Optional[str]) -> Outcome:
        try:
            return Outcome(source, sha256, await aextract(Path(source), **options))
        except (DocumentError, ModelError) as exc:
            return Outcome(source, sha256, error=str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must cost one document, never the batch
            return Outcome(source, sha256, error=f"internal error: {type(exc).__name__}: {exc}".splitlines()[0])

    # More letters than request slots: a letter spends part of its time with fewer calls out than
    # it will make (parsing, waiting on its last re-ask), and the slots must not sit idle meanwhile.
    window = limits.concurrency * 4 if endpoint is not None else limits.concurrency
    pending: set[asyncio.Task[Outcome]] = set()
    order: dict[asyncio.Task[Outcome], int] = {}  # documents finishing together come out in input order
    queue, submitted = iter(sources), itertools.count()
    try:
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                source = next(queue, None)
                if source is None:
                    exhausted = True
                    break
                sha256 = content_hash(source)
                if sha256 is not None and sha256 in done:
                    yield Outcome(source, sha256, skipped=True)
                    continue
                task = asyncio.ensure_future(one(source, sha256))
                order[task] = next(submitted)
                pending.add(task)
            if not pending:
                return
            finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(finished, key=order.__getitem__):
                del order[task]
                yield task.result()
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        if client is not None:
            await client.close()
