"""The big read caches: bounded, expiring, and invisible to the cycle collector."""

from __future__ import annotations

import gc

from backend.catalog import AtomCache


def test_entries_expire_after_the_ttl_and_a_cached_none_is_a_hit() -> None:
    cache: AtomCache[str, tuple[int, bytes] | None] = AtomCache(10, ttl_s=5)
    cache.put("a", (1, b"x"), now=100)
    cache.put("gone", None, now=100)
    assert cache.get("a", 105) == (100, (1, b"x"))
    assert cache.get("gone", 105) == (100, None)
    assert cache.get("a", 105.1) is None
    assert cache.get("missing", 100) is None


def test_the_bound_holds_and_recently_read_entries_survive() -> None:
    cache: AtomCache[int, int] = AtomCache(10, ttl_s=60)
    for key in range(5):
        cache.put(key, key, now=0)
    for key in range(5, 12):
        cache.get(0, 0)  # read often: copied forward each time its generation ages
        cache.put(key, key, now=0)
    assert len(cache) <= 10
    assert cache.get(0, 0) == (0, 0)
    assert cache.get(11, 0) == (0, 11)
    assert cache.get(1, 0) is None
    cache.clear()
    assert len(cache) == 0 and cache.get(11, 0) is None


def test_a_full_cache_is_not_tracked_by_the_cycle_collector() -> None:
    cache: AtomCache[int, tuple[float, tuple[int, str, bytes, tuple[tuple[None, tuple[str], tuple[bytes]]]]]]
    cache = AtomCache(1000, ttl_s=60)
    for key in range(2000):
        cache.put(key, (float("inf"), (key, "de", b"{}", ((None, ("de",), (b"{}",)),))), now=0)
    assert cache.get(1999, 0) == (0, (float("inf"), (1999, "de", b"{}", ((None, ("de",), (b"{}",)),))))
    gc.collect()
    assert not any(gc.is_tracked(generation) for generation in vars(cache).values())
