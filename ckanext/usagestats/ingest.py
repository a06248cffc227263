"""Hits nginx answers from its cache, which CKAN never sees, from nginx's log.

nginx's micro-cache answers most polls of election nights without CKAN, so
the middleware cannot count them. nginx writes them instead, and only them
(``access_log ... if=$elections_from_cache``: what reached CKAN is the
middleware's, never counted twice), as JSON (``log_format elections_usage``
in ``deploy/nginx.conf.in``; Matomo's log importer is the model). Two ways:

* best, to a unix datagram socket (nginx's ``syslog:server=unix:...``)
  read by ``ckan usagestats listen`` (:mod:`ckanext.usagestats.listener`),
  which makes each line's visitor key with the day's salt and drops the
  address at once: the address never reaches a disk. It spools the keyed
  lines into files, which this module ingests;
* or to a file, which holds addresses: ``ckan usagestats ingest --log FILE``
  (or ``ckanext.usagestats.nginx_logs`` for the rollup job) keys its lines
  the same way at ingestion and deletes the file once ingested. Give it
  files nginx has finished with (rotated), every day at least.

Either way a file is ingested in chunks; each chunk's rows and the file's
position are written in one transaction, so an ingestion that crashes
resumes after its last chunk, and a file is never ingested twice (its
identity is the hash of its beginning). Lines are classified as the
middleware classifies the hits CKAN answers (:mod:`ckanext.usagestats.classify`):
API calls with the dataset of their ``id``, embedded views with the
embedding site's host, downloads; bots apart.
"""
from __future__ import annotations

import datetime
import glob
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model

from ckanext.elections.utils import utcnow
from ckanext.usagestats import classify, privacy, store

__all__ = ["ingest_file", "ingest_logs", "ingest_spool", "keyed_line", "raw_line", "served_from_cache", "spool_dir"]

log = logging.getLogger(__name__)

_CHUNK_LINES = 50_000
_EPOCH = datetime.datetime(1970, 1, 1)


def served_from_cache(line: dict[str, Any]) -> bool:
    """Whether nginx answered without CKAN, whose middleware counted the
    rest: the same rule as ``$elections_from_cache`` in nginx.conf, a second
    guard for logs written without it. A STALE answer whose refresh went to
    CKAN in the background has no upstream status: CKAN counted the refresh."""
    cache, upstream = line.get("cache"), str(line.get("upstream") or "")
    if cache in ("HIT", "UPDATING"):
        return not upstream
    return cache == "STALE" and upstream.startswith("502")


def spool_dir() -> str:
    return tk.config.get("ckanext.usagestats.spool_dir") or os.path.join(
        tk.config.get("ckan.storage_path") or "/tmp", "usagestats-spool")


class Context:
    """What classifying a line needs to know about the portal, read once."""

    def __init__(self) -> None:
        config = tk.config
        site = urlsplit(config.get("ckan.site_url") or "")
        self.own_hosts = {(site.hostname or "").lower()}
        self.root_path = re.sub(r"/?\{\{LANG\}\}", "", config.get("ckan.root_path") or "").rstrip("/")
        self.locales = frozenset(config.get("ckan.locales_offered") or []) | {config.get("ckan.locale_default")}
        self.count_visitors = bool(config.get("ckanext.usagestats.count_visitors"))
        self.is_bot = privacy.bot_detector()
        self._salts: dict[datetime.date, bytes] = {}

    def visitor(self, address: str, agent: str, language: str, ts: datetime.datetime) -> str:
        """:func:`privacy.visitor_key`, with the configuration and the salts read once per batch."""
        if not self.count_visitors:
            return privacy.visitor_key(address, agent, language, ts)
        day = ts.date()
        salt = self._salts.get(day)
        if salt is None:
            salt = self._salts[day] = privacy.daily_salt(day)
        return privacy.hash_key(salt, address, agent, language)

    def hit(self, ts: datetime.datetime, visitor: str, bot: bool, line: dict[str, Any],
            checked: bool = False) -> dict[str, Any] | None:
        if not checked and not served_from_cache(line):
            return None
        host = (line.get("host") or "").split(":")[0].lower()
        found = classify.classify_path(str(line.get("method")), str(line.get("uri")), int(line.get("status") or 0),
                                       line.get("referer") or None, self.own_hosts | {host}, self.root_path,
                                       self.locales)
        if found is None:
            return None
        return {**found, "ts": ts, "visitor": visitor, "bot": bot, "cached": True}


def keyed_line(context: Context, raw: bytes) -> dict[str, Any] | None:
    """A line the listener spooled (already keyed, no address)."""
    line = json.loads(raw)
    ts = _EPOCH + datetime.timedelta(seconds=float(line["msec"]))
    return context.hit(ts, str(line["visitor"])[:32], bool(line.get("bot")), line)


def raw_line(context: Context, raw: bytes) -> dict[str, Any] | None:
    """A line of nginx's own log: keyed here, its address forgotten at once."""
    line = json.loads(raw)
    if not served_from_cache(line):
        return None
    ts = _EPOCH + datetime.timedelta(seconds=float(line["msec"]))
    agent = line.get("agent") or ""
    visitor = context.visitor(line.pop("address", ""), agent, line.get("language") or "", ts)
    return context.hit(ts, visitor, context.is_bot(agent), line, checked=True)


def _identity(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha1(f.read(4096)).hexdigest()


def _chunks(f: BinaryIO, lines: int) -> Iterator[tuple[list[bytes], int]]:
    """Lists of lines, and the position after each list."""
    chunk: list[bytes] = []
    position = f.tell()
    for line in f:
        position += len(line)
        chunk.append(line)
        if len(chunk) >= lines:
            yield chunk, position
            chunk = []
    if chunk:
        yield chunk, position


def _state(connection: sa.engine.Connection, path: str) -> sa.engine.Row | None:
    return connection.execute(sa.text("SELECT identity, position, done FROM usagestats_ingest WHERE source = :s"),
                              {"s": path}).first()


def _set_state(connection: sa.engine.Connection, path: str, identity: str, position: int, done: bool) -> None:
    connection.execute(sa.text(
        "INSERT INTO usagestats_ingest (source, identity, position, done, updated) "
        "VALUES (:s, :i, :p, :d, :now) ON CONFLICT (source) DO UPDATE SET identity = excluded.identity, "
        "position = excluded.position, done = excluded.done, updated = excluded.updated"),
        {"s": path, "i": identity, "p": position, "d": done, "now": utcnow()})


def _parse(context: Context, lines: list[bytes],
           parse: Callable[[Context, bytes], dict[str, Any] | None]) -> tuple[list[dict[str, Any]], int]:
    hits, unreadable = [], 0
    for raw in lines:
        if not raw.strip():
            continue
        try:
            hit = parse(context, raw)
        except (ValueError, KeyError, TypeError, OverflowError):
            unreadable += 1
            continue
        if hit is not None:
            hits.append(hit)
    return hits, unreadable


def ingest_file(path: str, parse: Callable[[Context, bytes], dict[str, Any] | None],
                chunk_lines: int = _CHUNK_LINES, context: Context | None = None) -> int:
    """Ingest one finished file from where a previous run stopped, then delete it; the rows added."""
    path = os.path.abspath(path)
    identity = _identity(path)
    context = context or Context()
    with model.meta.engine.connect() as connection:
        state = _state(connection, path)
    known = state is not None and state.identity == identity
    if known and state.done:
        _forget(path)
        return 0
    added = 0
    with open(path, "rb") as f:
        f.seek(state.position if known else 0)
        for lines, position in _chunks(f, chunk_lines):
            hits, unreadable = _parse(context, lines, parse)
            with model.meta.engine.begin() as connection:
                added += store.copy_rows(connection, "usagestats_event", store.EVENT_COLUMNS,
                                         store.event_rows(connection, hits))
                if unreadable:
                    store.add_dropped(connection, {(utcnow().date(), "unreadable"): unreadable})
                _set_state(connection, path, identity, position, False)
    with model.meta.engine.begin() as connection:
        _set_state(connection, path, identity, os.path.getsize(path), True)
    _forget(path)
    return added


def _modified(path: str) -> float:
    try:
        return os.path.getmtime(path)
    except OSError:  # ingested and deleted by another run meanwhile
        return float("inf")


def _forget(path: str) -> None:
    """Delete an ingested file, then its state (a crash in between only leaves a row)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    with model.meta.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM usagestats_ingest WHERE source = :s"), {"s": path})


def ingest_spool(folder: str | None = None) -> int:
    """Ingest every file the listener finished spooling, oldest first."""
    folder = folder or spool_dir()
    if not os.path.isdir(folder):
        return 0
    context = Context()
    return sum(ingest_file(path, keyed_line, context=context)
               for path in sorted(glob.glob(os.path.join(folder, "*.jsonl"))))


# A configured log file untouched for this long is finished: nginx writes
# the portal's a file a minute.
SETTLED_SECONDS = 75


def ingest_logs(paths: list[str] | None = None) -> int:
    """Ingest finished nginx log files, then delete them.

    By default the files of ``ckanext.usagestats.nginx_logs`` that nginx has
    not written to for ``SETTLED_SECONDS`` (the portal's nginx starts a new
    file every minute); ``paths`` are taken as finished.
    """
    if paths is None:
        settled = time.time() - SETTLED_SECONDS
        paths = sorted(p for pattern in tk.config.get("ckanext.usagestats.nginx_logs") or []
                       for p in glob.glob(pattern) if _modified(p) < settled)
    context = Context()
    return sum(ingest_file(path, raw_line, context=context) for path in paths if os.path.isfile(path))
