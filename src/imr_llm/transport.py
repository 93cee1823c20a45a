"""The HTTP transport that applies `limits.Limits` to every request a shared client sends."""

from __future__ import annotations

import asyncio
from typing import Optional

import httpx2 as httpx  # the HTTP library openai 3 is built on

from .limits import Limits, _Bucket, estimate_tokens, reported_tokens


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


def limited_http_client(limits: Limits) -> httpx.AsyncClient:
    """A connection pool as wide as the slots, behind the limited transport."""
    pool = httpx.Limits(max_connections=limits.concurrency, max_keepalive_connections=limits.concurrency)
    return httpx.AsyncClient(transport=LimitedTransport(limits, httpx.AsyncHTTPTransport(limits=pool)))
