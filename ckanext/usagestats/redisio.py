"""Redis for the request path: short timeouts, a circuit breaker, no waiting.

CKAN's own connection (``ckan.lib.redis.connect_to_redis``) has no timeout:
a Redis that is alive but does not answer (swapping, ``SIGSTOP``, a full
network buffer) would hold every request that records a hit. Everything
usagestats asks Redis goes through :func:`call` instead:

* a connection pool of our own, whose connect and read timeouts are
  ``ckanext.usagestats.redis_timeout_ms`` (default 50 ms);
* after a failure the breaker opens for ``ckanext.usagestats.redis_backoff``
  seconds: the calls of that time fail at once, without touching the
  network, so a dead or frozen Redis costs one timeout per process and
  period, not one per request.

A failed call raises :class:`Unavailable`; callers fall back (a hit is
counted as dropped, the rate limit is kept in the process).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import ckan.plugins.toolkit as tk
import redis

__all__ = ["Unavailable", "call", "client", "key", "reset"]

T = TypeVar("T")

_lock = threading.Lock()
_clients: dict[tuple[str, int], redis.Redis] = {}
_down_until = 0.0


class Unavailable(Exception):
    """Redis did not answer in time, or the breaker is open."""


def key(*parts: str) -> str:
    """A key of this site (several sites may share one Redis)."""
    return ":".join(("ckanext-usagestats", tk.config["ckan.site_id"], *parts))


def client(timeout_ms: int | None = None) -> redis.Redis:
    """A client of our pool; ``timeout_ms`` for jobs that may wait (the drain)."""
    url = tk.config.get("ckan.redis.url")
    timeout_ms = timeout_ms or int(tk.config.get("ckanext.usagestats.redis_timeout_ms"))
    found = _clients.get((url, timeout_ms))
    if found is None:
        with _lock:
            found = _clients.get((url, timeout_ms))
            if found is None:
                found = redis.Redis.from_url(url, socket_timeout=timeout_ms / 1000,
                                             socket_connect_timeout=timeout_ms / 1000,
                                             retry_on_timeout=False, health_check_interval=0)
                _clients[(url, timeout_ms)] = found
    return found


def call(operation: Callable[[redis.Redis], T]) -> T:
    """``operation(client)``, or :class:`Unavailable` without waiting longer than the timeout."""
    global _down_until
    if time.monotonic() < _down_until:
        raise Unavailable("circuit open")
    try:
        return operation(client())
    except (redis.RedisError, OSError) as error:
        _down_until = time.monotonic() + int(tk.config.get("ckanext.usagestats.redis_backoff"))
        raise Unavailable(str(error)) from error


def reset() -> None:
    """Close the breaker and forget the connections (tests, after a fork)."""
    global _down_until
    _down_until = 0.0
    with _lock:
        for found in _clients.values():
            found.connection_pool.disconnect()
        _clients.clear()
