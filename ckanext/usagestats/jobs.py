"""Rollups that run themselves, without cron.

CKAN has no scheduler, and ``ckan jobs worker`` runs rq without its
scheduler, so ``Queue.enqueue_in`` would park jobs in rq's scheduled
registry for ever. Instead, the hits schedule their own rollup: after
recording a hit, the recorder sets a Redis key that expires after
``ckanext.usagestats.rollup_interval`` seconds (``SET NX EX``); whoever
creates the key enqueues one rollup job for the worker. So at most one job
per interval is enqueued, by whichever process saw traffic, and none while
nothing happens (when there is nothing to roll up anyway). The job takes a
PostgreSQL advisory lock, so two workers never roll up at once, and the
rollup itself is idempotent and resumable (:mod:`ckanext.usagestats.rollup`):
a crashed or skipped job is caught up by the next one. The job also purges
raw rows past their retention, once a day.

``ckan usagestats rollup`` runs the same code by hand (or from cron, for
those who prefer it).
"""
from __future__ import annotations

import logging

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

__all__ = ["maybe_schedule", "rollup_job"]

log = logging.getLogger(__name__)


def maybe_schedule() -> bool:
    interval = tk.config.get("ckanext.usagestats.rollup_interval") or 0
    if interval <= 0:
        return False
    key = f"ckanext-usagestats:{tk.config['ckan.site_id']}:rollup-due"
    try:
        if not connect_to_redis().set(key, "1", nx=True, ex=int(interval)):
            return False
        tk.enqueue_job(rollup_job, title="usagestats rollup",
                       rq_kwargs={"timeout": 3600, "result_ttl": 0, "failure_ttl": 86400})
    except Exception:
        log.exception("usagestats: could not schedule a rollup")
        return False
    return True


def rollup_job() -> None:
    from ckanext.usagestats import rollup

    report = rollup.run()
    log.info("usagestats rollup: %s", report)
