"""In-memory rate limits for the visitor form: per stop and per client, nothing persisted.

Token buckets in a bounded, least-recently-used dict: a key that has been quiet long enough
to refill its bucket is forgotten, and the dict never holds more than `max_keys` keys, so
memory stays bounded whatever the traffic. Nothing survives a restart, nothing is logged.

A client is keyed by a keyed hash of its socket address (HMAC with a random per-process
salt): the address itself is never kept, even in memory. Limits are per process; with several
processes behind a proxy each one limits on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

_SALT = secrets.token_bytes(32)


def client_key(address: str | None) -> str:
    """An opaque key for a client address (unrecoverable without this process's salt)."""
    return hmac.new(_SALT, (address or "?").encode(), hashlib.sha256).hexdigest()[:24]


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`burst` requests at once, then `per_minute` a minute, per key."""

    def __init__(
        self,
        *,
        burst: int,
        per_minute: float,
        max_keys: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1 or per_minute <= 0 or max_keys < 1:
            raise ValueError("burst, per_minute and max_keys must be positive")
        self.burst = burst
        self.rate = per_minute / 60.0  # tokens per second
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()
        self._full_after = burst / self.rate  # seconds of quiet after which a key is forgotten

    def __len__(self) -> int:
        return len(self._buckets)

    def _expire(self, now: float) -> None:
        while self._buckets:
            key, bucket = next(iter(self._buckets.items()))
            if len(self._buckets) > self.max_keys or now - bucket.updated >= self._full_after:
                del self._buckets[key]
            else:
                break

    def hit(self, key: str) -> float:
        """Take one token for `key`: 0.0 when allowed, else the seconds to wait."""
        now = self._clock()
        with self._lock:
            self._expire(now)
            bucket = self._buckets.pop(key, None)
            if bucket is None:
                bucket = _Bucket(tokens=float(self.burst), updated=now)
            else:
                elapsed = max(0.0, now - bucket.updated)
                bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
                bucket.updated = now
            self._buckets[key] = bucket  # most recently used at the end
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                wait = 0.0
            else:
                wait = (1.0 - bucket.tokens) / self.rate
            self._expire(now)
            return wait

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


def retry_after_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))


class OnceSet:
    """Bounded, expiring memory of values already seen (a form's one-time token)."""

    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_items: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_items = max_items
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def add(self, value: str) -> bool:
        """Remember `value`; False when it was already there (a second use)."""
        now = self._clock()
        with self._lock:
            while self._seen:
                first, at = next(iter(self._seen.items()))
                if len(self._seen) >= self.max_items or now - at > self.ttl:
                    del self._seen[first]
                else:
                    break
            if value in self._seen:
                return False
            self._seen[value] = now
            return True

    def discard(self, value: str) -> None:
        """Forget `value` (its use failed: the visitor may try again)."""
        with self._lock:
            self._seen.pop(value, None)

    def __contains__(self, value: object) -> bool:
        with self._lock:
            return value in self._seen

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()
