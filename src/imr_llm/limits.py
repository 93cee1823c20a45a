"""Staying within an endpoint's capacity: requests in flight, requests and tokens per minute.

The limits sit in the HTTP transport of the one client a batch shares, so they count every
request that leaves: first asks, validation re-asks and transport retries alike. Tokens per
minute are charged when a request leaves (an estimate: its characters / 4 plus its answer budget)
and corrected by the usage its answer reports.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, Optional

import httpx2 as httpx  # the HTTP library openai 3 is built on


@dataclass(frozen=True)
class Limits:
    """``concurrency`` requests in flight at most; ``rpm``/``tpm`` per minute when set."""

    concurrency: int = 8
    rpm: Optional[float] = None
    tpm: Optional[float] = None

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        for name in ("rpm", "tpm"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive")


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
        self._inner = inner or httpx.AsyncHTTPTransport()
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


def limited_client(limits: Limits, **client_options: Any) -> Any:
    """An ``openai.AsyncOpenAI`` whose requests keep within ``limits`` (pass it as ``client=``)."""
    from openai import AsyncOpenAI

    pool = httpx.Limits(max_connections=limits.concurrency, max_keepalive_connections=limits.concurrency)
    http_client = httpx.AsyncClient(transport=LimitedTransport(limits, httpx.AsyncHTTPTransport(limits=pool)))
    return AsyncOpenAI(http_client=http_client, **client_options)
