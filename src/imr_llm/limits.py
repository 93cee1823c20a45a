"""Staying within an endpoint's capacity: requests in flight, requests and tokens per minute.

The limits sit in the HTTP transport of the one client a batch shares, so they count every
request that leaves: first asks, validation re-asks and transport retries alike. Tokens per
minute are charged when a request leaves (an estimate: its characters / 4 plus its answer budget)
and corrected by the usage its answer reports. The transport itself is in `transport`, imported
only when a model run starts (its HTTP library is not needed to parse letters or print --help).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, Optional


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


def limited_client(limits: Limits, **client_options: Any) -> Any:
    """An ``openai.AsyncOpenAI`` whose requests keep within ``limits`` (pass it as ``client=``)."""
    from openai import AsyncOpenAI

    from .transport import limited_http_client

    return AsyncOpenAI(http_client=limited_http_client(limits), **client_options)
