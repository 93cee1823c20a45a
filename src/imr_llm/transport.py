"""The HTTP transports under every model client: a whole-request deadline and a size cap on each
answer (`BoundedTransport`), and `limits.Limits` over a shared client (`LimitedTransport`, its
per-minute buckets and token estimates, and `limited_client`)."""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
import time
from typing import TYPE_CHECKING, Any, Optional

import httpx2 as httpx  # the HTTP library openai 3 is built on

from .limits import Limits

if TYPE_CHECKING:
    from openai import AsyncOpenAI

# An answer of ours is a few KB (the largest recorded, 3,875 bytes); past this it is not read on.
MAX_ANSWER_BYTES = 4 * 2**20


@functools.lru_cache(maxsize=1)
def shared_ssl_context() -> ssl.SSLContext:
    """The TLS settings of every model client in this process, made once (httpx's own defaults:
    its CA bundle, ``SSL_CERT_FILE``/``SSL_CERT_DIR`` as set at the first call). httpx builds a new
    context and loads the bundle for each transport: 26-28 ms here, which every `extract` call paid
    for the client it makes, even over http://."""
    return httpx.create_ssl_context()


class AnswerTooLarge(httpx.TransportError):
    """The answer grew past `MAX_ANSWER_BYTES` once decompressed (a runaway stream or a gzip bomb)."""


class BoundedTransport(httpx.AsyncBaseTransport):
    """Each request within one deadline, from connecting to its last byte, and its answer read whole
    (decompressed) up to `MAX_ANSWER_BYTES`.

    httpx's timeout bounds each phase: a body trickled a byte a second, or headers trickled, never
    trips it (60 s took 125.7 s). The deadline is the request's own timeout (the largest of its
    phases, as the openai client sets them), so ``--timeout S`` is what one request may take.
    """

    def __init__(self, inner: Optional[httpx.AsyncBaseTransport] = None) -> None:
        self._inner = inner or httpx.AsyncHTTPTransport(verify=shared_ssl_context())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        phases = [v for v in (request.extensions.get("timeout") or {}).values() if isinstance(v, (int, float))]
        deadline = max(phases) if phases else None
        try:
            return await asyncio.wait_for(self._whole(request), deadline)
        except asyncio.TimeoutError:
            raise httpx.ReadTimeout(f"no whole answer within {deadline:g} s", request=request) from None

    async def _whole(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        try:
            decoded = httpx.Response(response.status_code, headers=response.headers, stream=response.stream,
                                     request=request)
            chunks, size = [], 0
            async for chunk in decoded.aiter_bytes():  # decompressed as it comes: a bomb stops early
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise AnswerTooLarge(f"the answer is larger than {MAX_ANSWER_BYTES // 2**20} MiB; not read on",
                                         request=request)
                chunks.append(chunk)
        finally:
            await response.aclose()
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(response.status_code, headers=headers, content=b"".join(chunks),
                              extensions=response.extensions, request=request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Bucket:
    """A token bucket holding at most a minute's allowance, refilled continuously."""

    def __init__(self, per_minute: float) -> None:
        self.capacity = per_minute
        self.level = per_minute
        self.rate = per_minute / 60.0
        self.stamp = time.monotonic()
        self.lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    async def take(self, amount: float) -> None:
        amount = min(amount, self.capacity)  # a request larger than a minute's allowance waits for a full bucket
        async with self.lock:  # first come, first served
            self._refill()
            while self.level < amount:
                await asyncio.sleep((amount - self.level) / self.rate)
                self._refill()
            self.level -= amount

    def give_back(self, amount: float) -> None:
        """Correct an estimate (negative: the request cost more than charged)."""
        self._refill()
        self.level = min(self.capacity, self.level + amount)


def estimate_tokens(body: bytes) -> int:
    """What a chat request may cost: its characters / 4 and its answer budget."""
    try:
        budget = int(json.loads(body).get("max_tokens") or 0)
    except (ValueError, AttributeError):
        budget = 0
    return len(body) // 4 + budget


def reported_tokens(body: bytes) -> Optional[int]:
    try:
        return int(json.loads(body)["usage"]["total_tokens"])
    except (ValueError, KeyError, TypeError):
        return None


class LimitedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that waits for a slot (and the per-minute buckets) before each request."""

    def __init__(self, limits: Limits, inner: Optional[httpx.AsyncBaseTransport] = None) -> None:
        self.limits = limits
        self._inner = inner or httpx.AsyncHTTPTransport(verify=shared_ssl_context())
        self._slots: Optional[asyncio.Semaphore] = None
        self._requests = _Bucket(limits.rpm) if limits.rpm else None
        self._tokens = _Bucket(limits.tpm) if limits.tpm else None
        self.in_flight = 0
        self.most_in_flight = 0  # for benchmarks and tests: the limit was reached, never passed

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._slots is None:  # made in the running loop
            self._slots = asyncio.Semaphore(self.limits.concurrency)
        body = request.content if isinstance(request.stream, httpx.ByteStream) else b""
        charged = estimate_tokens(body) if self._tokens else 0
        async with self._slots:
            if self._requests:
                await self._requests.take(1)
            if self._tokens:
                await self._tokens.take(charged)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                response = await self._inner.handle_async_request(request)
                try:  # the answer in hand while the slot is held; raw: the client still decodes it
                    try:
                        raw = response.content  # read already (by BoundedTransport), and decoded
                    except httpx.ResponseNotRead:
                        raw = b"".join([chunk async for chunk in response.aiter_raw()])
                finally:
                    await response.aclose()
            finally:
                self.in_flight -= 1
        if self._tokens:
            used = reported_tokens(httpx.Response(200, headers=response.headers, content=raw).read())
            if used is not None:
                self._tokens.give_back(charged - used)
        return httpx.Response(response.status_code, headers=response.headers, content=raw,
                              extensions=response.extensions, request=request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def limited_http_client(limits: Limits) -> httpx.AsyncClient:
    """A connection pool as wide as the slots, behind the limited transport."""
    pool = httpx.Limits(max_connections=limits.concurrency, max_keepalive_connections=limits.concurrency)
    inner = BoundedTransport(httpx.AsyncHTTPTransport(limits=pool, verify=shared_ssl_context()))
    return httpx.AsyncClient(transport=LimitedTransport(limits, inner))


def limited_client(limits: Limits, **client_options: Any) -> AsyncOpenAI:
    """An ``openai.AsyncOpenAI`` whose requests keep within ``limits`` (pass it as ``client=``)."""
    from openai import AsyncOpenAI

    return AsyncOpenAI(http_client=limited_http_client(limits), **client_options)
