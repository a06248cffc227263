"""Rollups that run themselves, without cron.

CKAN has no scheduler, and ``ckan jobs worker`` runs rq without its
scheduler, so ``Queue.enqueue_in`` would park jobs in rq's scheduled
registry for ever. Instead, the hits schedule their own rollup: with each
batch of hits it buffers, a process sets a Redis key that expires after
``ckanext.usagestats.rollup_interval`` seconds (``SET NX EX``); whoever
creates the key enqueues one rollup job for the worker. So at most one job
per interval is enqueued, by whichever process saw traffic (a web process,
or the listener of nginx's log), and none while nothing happens (when there
is nothing to roll up anyway). The job takes a PostgreSQL advisory lock, so
two workers never roll up at once, and the rollup itself is idempotent and
resumable (:mod:`ckanext.usagestats.rollup`): a crashed or skipped job is
caught up by the next one.

Every call to Redis here has the short timeout of
:mod:`ckanext.usagestats.redisio`: a Redis that does not answer delays the
rollup, never a request.

``ckan usagestats rollup`` runs the same code by hand (or from cron, for
those who prefer it).
"""
from __future__ import annotations

import logging

import ckan.plugins.toolkit as tk
import rq
from ckan.lib import jobs as ckan_jobs

from ckanext.usagestats import redisio

__all__ = ["enqueue_rollup", "interval", "maybe_schedule", "rollup_job"]

log = logging.getLogger(__name__)


def interval() -> int:
    return max(int(tk.config.get("ckanext.usagestats.rollup_interval") or 0), 0)


def maybe_schedule() -> bool:
    """Enqueue a rollup unless one was enqueued less than an interval ago."""
    seconds = interval()
    if not seconds:
        return False
    try:
        if not redisio.call(lambda r: r.set(redisio.key("rollup-due"), "1", nx=True, ex=seconds)):
            return False
    except redisio.Unavailable:
        return False
    return enqueue_rollup()


def enqueue_rollup() -> bool:
    """CKAN's ``enqueue_job``, through our connection with its short timeout."""
    def enqueue(r: object) -> None:
        queue = rq.Queue(ckan_jobs.add_queue_name_prefix(ckan_jobs.DEFAULT_QUEUE_NAME), connection=r)
        queue.enqueue_call(func=rollup_job, timeout=3600, result_ttl=0, failure_ttl=86400,
                           meta={"title": "usagestats rollup"})
    try:
        redisio.call(enqueue)
    except redisio.Unavailable:
        log.warning("usagestats: could not enqueue a rollup (Redis unavailable)")
        return False
    return True


def rollup_job() -> None:
    from ckanext.usagestats import rollup

    report = rollup.run()
    log.info("usagestats rollup: %s", report)
