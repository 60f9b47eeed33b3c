"""In-memory rate limits: token buckets per key, bounded memory, nothing but opaque keys."""

from __future__ import annotations

from booking.feedback.ratelimit import OnceSet, RateLimiter, client_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_steady_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(burst=3, per_minute=6, clock=clock)  # one token every 10 s
    assert [limiter.hit("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.hit("a")
    assert 9.9 < wait <= 10.0
    clock.now += 10
    assert limiter.hit("a") == 0.0
    assert limiter.hit("b") == 0.0  # another key has its own bucket


def test_quiet_keys_are_forgotten() -> None:
    clock = Clock()
    limiter = RateLimiter(burst=2, per_minute=60, clock=clock)
    limiter.hit("a")
    assert len(limiter) == 1
    clock.now += 2.5  # the bucket refilled: nothing worth remembering
    limiter.hit("b")
    assert len(limiter) == 1


def test_memory_is_bounded_whatever_the_traffic() -> None:
    clock = Clock()
    limiter = RateLimiter(burst=5, per_minute=1, max_keys=100, clock=clock)
    for i in range(10_000):
        limiter.hit(f"client-{i}")
    assert len(limiter) == 100
    # The most recent keys are the ones kept.
    assert limiter.hit("client-9999") == 0.0 and len(limiter) == 100


def test_client_keys_are_opaque() -> None:
    key = client_key("192.0.2.17")
    assert "192" not in key and len(key) == 24
    assert key == client_key("192.0.2.17") != client_key("192.0.2.18")
    assert client_key(None) == client_key(None)


def test_a_one_time_token_is_used_once_and_can_be_given_back() -> None:
    clock = Clock()
    once = OnceSet(ttl_seconds=60, max_items=3, clock=clock)
    assert once.add("t1") and not once.add("t1")
    once.discard("t1")
    assert once.add("t1")
    for i in range(10):
        once.add(f"x{i}")
    assert len(once) <= 3
    clock.now += 61
    once.add("y")
    assert len(once) == 1
