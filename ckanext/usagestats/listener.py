"""``ckan usagestats listen``: nginx's log of cached hits, read from a socket.

nginx sends each hit it answered from its cache as one syslog datagram to a
unix socket (``access_log syslog:server=unix:<socket>,nohostname,tag=usagestats
elections_usage if=$elections_from_cache``). This process reads them and,
for each, makes the visitor key with the day's salt
(:mod:`ckanext.usagestats.privacy`), keeps the host of the ``Referer`` only,
and forgets the address, user agent and language: what it writes to its
spool files holds no address, so an address never reaches a disk. Every
few seconds it closes the spool file (``*.part`` renamed ``*.jsonl``) for the
rollup job to ingest (:mod:`ckanext.usagestats.ingest`), and schedules that
job as the middleware does.

A datagram whose key cannot be made (Redis unreachable and no salt kept)
is dropped and counted, as is one that is not the JSON we asked nginx for
(nginx cuts syslog messages at about 2 KB). Datagrams nginx could not send
(this process stopped, its socket buffer full) are lost without a count:
nginx does not wait for a log.
"""
from __future__ import annotations

import datetime
import json
import logging
import os
import socket
import time
from typing import Any
from urllib.parse import urlsplit

from ckanext.usagestats import buffer, jobs, privacy, redisio

__all__ = ["Spool", "keyed", "listen"]

log = logging.getLogger(__name__)

_EPOCH = datetime.datetime(1970, 1, 1)
_KEPT = ("msec", "method", "uri", "status", "cache", "upstream", "host")


def keyed(datagram: bytes) -> dict[str, Any] | None:
    """The spooled form of one datagram: keyed, without address; None if unreadable.

    Raises :class:`redisio.Unavailable` when the day's salt cannot be had.
    """
    start = datagram.find(b"{")
    if start < 0:
        return None
    try:
        line = json.loads(datagram[start:].decode("utf-8", "replace"))
        ts = _EPOCH + datetime.timedelta(seconds=float(line["msec"]))
    except (ValueError, KeyError, TypeError, OverflowError):
        return None
    agent = str(line.get("agent") or "")
    visitor = privacy.visitor_key(str(line.get("address") or ""), agent, str(line.get("language") or ""), ts)
    referrer = urlsplit(str(line.get("referer") or ""))
    out = {key: line.get(key) for key in _KEPT}
    out.update(visitor=visitor, bot=privacy.is_bot(agent),
               referer=f"{referrer.scheme}://{referrer.netloc}" if referrer.netloc else "")
    return out


class Spool:
    """The file being written, closed for ingestion every ``seconds``."""

    def __init__(self, folder: str, seconds: float) -> None:
        self.folder, self.seconds = folder, seconds
        os.makedirs(folder, exist_ok=True)
        self.file: Any = None
        self.path = ""
        self.opened = 0.0
        self.serial = 0
        self.lines = 0
        self._finish_leftovers()

    def _finish_leftovers(self) -> None:
        """Files a stopped listener left open: their whole lines are good."""
        for name in os.listdir(self.folder):
            if name.endswith(".part"):
                path = os.path.join(self.folder, name)
                os.replace(path, path[:-5] + ".jsonl")

    def write(self, record: dict[str, Any]) -> None:
        if self.file is None:
            self.serial += 1
            self.path = os.path.join(self.folder, f"{time.time():.6f}-{os.getpid()}-{self.serial}.part")
            self.file = open(self.path, "w", encoding="utf-8")
            self.opened = time.monotonic()
        self.file.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
        self.file.write("\n")
        self.lines += 1

    def due(self) -> bool:
        return self.file is not None and time.monotonic() - self.opened >= self.seconds

    def close(self) -> None:
        if self.file is None:
            return
        self.file.close()
        os.replace(self.path, self.path[:-5] + ".jsonl")
        self.file = None


def _bind(path: str) -> socket.socket:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    # Room for bursts (the kernel caps it at net.core.rmem_max).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
    sock.bind(path)
    os.chmod(path, 0o660)
    sock.settimeout(1.0)
    return sock


def _receive(sock: socket.socket, spool: Spool) -> bool:
    """Handle one datagram, if one comes within a second; whether one came."""
    try:
        datagram = sock.recv(65536)
    except TimeoutError:
        return False
    try:
        record = keyed(datagram)
    except redisio.Unavailable:
        buffer.drop("unavailable")
        return True
    if record is None:
        buffer.drop("unreadable")
    else:
        spool.write(record)
    return True


def listen(path: str, folder: str, seconds: float = 5.0, until: float | None = None,
           stop: Any = None) -> int:
    """Receive until ``stop`` (an Event) is set or ``until`` (monotonic) is reached; the lines spooled."""
    sock = _bind(path)
    spool = Spool(folder, seconds)
    log.info("usagestats: listening on %s, spooling into %s", path, folder)
    try:
        while not (stop is not None and stop.is_set()) and (until is None or time.monotonic() < until):
            received = _receive(sock, spool)
            # Closed when due, or at the first quiet second: ingested sooner.
            if spool.file is not None and (spool.due() or not received):
                spool.close()
                jobs.maybe_schedule()
            buffer.flush_dropped()
    finally:
        spool.close()
        sock.close()
        if os.path.exists(path):
            os.unlink(path)
        buffer.flush_dropped(force=True)
    return spool.lines
