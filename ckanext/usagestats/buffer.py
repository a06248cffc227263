"""The buffer between requests and the database, and the count of dropped hits.

A request that CKAN answers records its hits with one round trip to Redis:
``RPUSH`` of compact JSON to a list, pipelined with the ``SET NX EX`` that
schedules the next rollup (:mod:`ckanext.usagestats.jobs`). The rollup job
drains the list into ``usagestats_event`` with ``COPY``, resolving the
datasets and resources the hits name once per batch.

The drain is exactly-once: it renames the list (new hits go to a new one),
then copies it in chunks, each chunk's rows and the number of items done
written in one transaction; the renamed list is deleted at the end. A drain
that crashes resumes after the last chunk it committed.

When Redis does not answer (see :mod:`ckanext.usagestats.redisio`), hits
are not waited for but dropped, and counted: per process, by UTC day and
reason, flushed into ``usagestats_dropped`` at most every few seconds (and
when the process exits), which the dashboards show.

The price of the buffer: Redis here keeps nothing on disk, so the hits of
the last minute (one rollup interval) are lost if Redis itself dies.
"""
from __future__ import annotations

import atexit
import collections
import datetime
import json
import logging
import threading
import time
import uuid
from typing import Any

import sqlalchemy as sa
from ckan import model

from ckanext.elections.utils import utcnow
from ckanext.usagestats import redisio, store

__all__ = ["decode", "drain", "drop", "dropped", "encode", "flush_dropped", "push"]

log = logging.getLogger(__name__)

_SOURCE = "redis:events"
_CHUNK = 20_000
_FLUSH_EVERY = 10.0
_DRAIN_TIMEOUT_MS = 10_000

_dropped: collections.Counter[tuple[datetime.date, str]] = collections.Counter()
_dropped_lock = threading.Lock()
_last_flush = 0.0
_last_warning = 0.0


def encode(hit: dict[str, Any]) -> str:
    """A hit as compact JSON: ``[epoch, kind, visitor, bot, p, r, detail, results, cached]``."""
    ts: datetime.datetime = hit["ts"]
    epoch = (ts - datetime.datetime(1970, 1, 1)).total_seconds()
    return json.dumps([round(epoch, 6), hit["kind"], hit["visitor"], 1 if hit.get("bot") else 0, hit.get("p"),
                       hit.get("r"), hit.get("detail"), hit.get("results"), 1 if hit.get("cached") else 0],
                      separators=(",", ":"), ensure_ascii=False)


def decode(item: bytes | str) -> dict[str, Any]:
    epoch, kind, visitor, bot, p, r, detail, results, cached = json.loads(item)
    return {"ts": datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=epoch), "kind": str(kind)[:16],
            "visitor": str(visitor)[:32], "bot": bool(bot), "p": p, "r": r, "detail": detail,
            "results": results, "cached": bool(cached)}


def push(hits: list[dict[str, Any]]) -> bool:
    """Buffer hits in one round trip; count them as dropped if Redis does not answer."""
    from ckanext.usagestats import jobs

    interval = jobs.interval()

    def run(r: Any) -> list[Any]:
        pipe = r.pipeline(transaction=False)
        pipe.rpush(redisio.key("events"), *(encode(h) for h in hits))
        if interval:
            pipe.set(redisio.key("rollup-due"), "1", nx=True, ex=interval)
        return pipe.execute()

    try:
        answers = redisio.call(run)
    except redisio.Unavailable:
        drop("unavailable", len(hits))
        return False
    if interval and answers[-1]:
        jobs.enqueue_rollup()
    flush_dropped()
    return True


def drop(reason: str, count: int = 1, day: datetime.date | None = None) -> None:
    """Count hits that could not be recorded (kept in this process until flushed)."""
    global _last_warning
    day = day or utcnow().date()
    with _dropped_lock:
        _dropped[(day, reason)] += count
    now = time.monotonic()
    if reason == "unavailable" and now - _last_warning > 60:
        _last_warning = now
        log.warning("usagestats: Redis unavailable, hits are dropped (and counted)")
    flush_dropped()


def dropped() -> dict[tuple[datetime.date, str], int]:
    """What this process dropped and has not written yet."""
    with _dropped_lock:
        return dict(_dropped)


def flush_dropped(force: bool = False) -> None:
    """Write the counts of dropped hits, at most every few seconds unless forced."""
    global _last_flush
    now = time.monotonic()
    if not _dropped or (not force and now - _last_flush < _FLUSH_EVERY):
        return
    _last_flush = now
    with _dropped_lock:
        counts = dict(_dropped)
        _dropped.clear()
    try:
        with model.meta.engine.begin() as connection:
            store.add_dropped(connection, counts)
    except Exception:
        log.warning("usagestats: could not write %s dropped hits, kept for later", sum(counts.values()),
                    exc_info=True)
        with _dropped_lock:
            _dropped.update(counts)
        return
    log.info("usagestats: %s hits dropped: %s", sum(counts.values()),
             ", ".join(f"{day} {reason}: {n}" for (day, reason), n in sorted(counts.items())))


@atexit.register
def _flush_at_exit() -> None:
    try:
        flush_dropped(force=True)
    except Exception:  # the interpreter is going away: nothing else to do
        pass


# --------------------------------------------------------------------------
# Drain


def _progress(connection: sa.engine.Connection, identity: str) -> int:
    row = connection.execute(sa.text("SELECT identity, position FROM usagestats_ingest WHERE source = :source"),
                             {"source": _SOURCE}).first()
    return int(row.position) if row is not None and row.identity == identity else 0


def _set_progress(connection: sa.engine.Connection, identity: str, position: int) -> None:
    connection.execute(sa.text(
        "INSERT INTO usagestats_ingest (source, identity, position, done, updated) "
        "VALUES (:source, :identity, :position, false, :now) ON CONFLICT (source) DO UPDATE "
        "SET identity = excluded.identity, position = excluded.position, updated = excluded.updated"),
        {"source": _SOURCE, "identity": identity, "position": position, "now": utcnow()})


def _take(r: Any) -> str | None:
    """The generation of the list being drained: the one a crash left, or the buffer renamed now."""
    draining, generation = redisio.key("events", "draining"), redisio.key("events", "generation")
    if r.exists(draining):
        found = r.get(generation)
        return found.decode() if found else "unknown"
    if not r.exists(redisio.key("events")):
        return None
    identity = uuid.uuid4().hex
    pipe = r.pipeline(transaction=True)
    pipe.rename(redisio.key("events"), draining)
    pipe.set(generation, identity)
    pipe.execute()
    return identity


def drain(chunk: int = _CHUNK) -> int:
    """Move the buffered hits into ``usagestats_event``; the number moved.

    Run by the rollup, under its lock: there is only one drain at a time.
    """
    r = redisio.client(_DRAIN_TIMEOUT_MS)
    identity = _take(r)
    if identity is None:
        return 0
    draining = redisio.key("events", "draining")
    with model.meta.engine.connect() as connection:
        start = _progress(connection, identity)
    moved = 0
    while True:
        items = r.lrange(draining, start, start + chunk - 1)
        if not items:
            break
        hits, unreadable = [], 0
        for item in items:
            try:
                hits.append(decode(item))
            except (ValueError, TypeError, OverflowError):
                unreadable += 1
        with model.meta.engine.begin() as connection:
            moved += store.copy_rows(connection, "usagestats_event", store.EVENT_COLUMNS,
                                     store.event_rows(connection, hits))
            if unreadable:
                store.add_dropped(connection, {(utcnow().date(), "unreadable"): unreadable})
            start += len(items)
            _set_progress(connection, identity, start)
    r.delete(draining, redisio.key("events", "generation"))
    return moved
