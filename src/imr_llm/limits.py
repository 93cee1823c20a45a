"""Staying within an endpoint's capacity: requests in flight, requests and tokens per minute.

The limits sit in the HTTP transport of the one client a batch shares, so they count every
request that leaves: first asks, validation re-asks and transport retries alike. Tokens per
minute are charged when a request leaves (an estimate: its characters / 4 plus its answer budget)
and corrected by the usage its answer reports. This module is only the settings; the buckets,
the estimates and the limited client are in `transport`, imported only when a model run starts
(its HTTP library is not needed to parse letters or print --help).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


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
