"""What may be kept of a visitor: a salted hash, never an address.

The visitor key is ``sha256(salt_of_the_day | address | user agent |
language)``, cut to 32 hex digits. The salt is 32 random bytes made on the
first hit of each UTC day and kept in Redis only, with a two-day expiry:
once it is gone, nobody (the portal's own administrators included) can
recompute the key of a known address, and keys of different days cannot be
linked. The price: "unique visitors" only exist per day; weekly or monthly
figures are sums of daily visitors (visitor-days).

The same key is made by the middleware (hits that reach CKAN) and by the
ingestion of nginx's log (hits nginx answers from its cache), so a visitor
is one visitor whichever of the two saw them.

When Redis cannot be asked for the day's salt (and this process has not
kept it), there is no key: the hit is dropped and counted as such
(:mod:`ckanext.usagestats.buffer`), rather than stored under a key that is
unsalted (reversible by trying every IPv4 address) or that no other process
could reproduce.
"""
from __future__ import annotations

import datetime
import functools
import hashlib
import re
import secrets
import threading
import uuid
import zoneinfo
from collections.abc import Callable, Iterable

import ckan.plugins.toolkit as tk

from ckanext.usagestats import redisio

__all__ = ["bot_detector", "client_address", "daily_salt", "forget_salts", "hash_key", "is_bot",
           "normalise_terms", "timezone", "visitor_key"]

_SALT_TTL = 2 * 24 * 3600
# The salts of the last days this process used: today's, and yesterday's
# for the hits ingested a little late.
_salts: dict[str, bytes] = {}
_salts_lock = threading.Lock()


def daily_salt(day: datetime.date) -> bytes:
    """The salt of a UTC day; :class:`redisio.Unavailable` if Redis cannot tell."""
    name = day.isoformat()
    salt = _salts.get(name)
    if salt is not None:
        return salt
    redis_key = redisio.key("salt", name)
    candidate = secrets.token_bytes(32)
    # NX: the first process of the day wins; the others read its salt.
    _created, salt = redisio.call(
        lambda r: r.pipeline(transaction=False).set(redis_key, candidate, ex=_SALT_TTL, nx=True).get(redis_key)
        .execute())
    if not salt:
        raise redisio.Unavailable("no salt")
    with _salts_lock:
        for old in sorted(_salts)[:-1]:
            del _salts[old]
        _salts[name] = salt
    return salt


def forget_salts() -> None:
    """Forget the salts this process holds (tests)."""
    with _salts_lock:
        _salts.clear()


def visitor_key(address: str, user_agent: str, language: str, now: datetime.datetime) -> str:
    """The key of a visitor on the UTC day of ``now``; raises :class:`redisio.Unavailable`."""
    if not tk.config.get("ckanext.usagestats.count_visitors"):
        # Every hit its own visitor (and a unique key for tracking_raw's primary key).
        return uuid.uuid4().hex
    return hash_key(daily_salt(now.date()), address, user_agent, language)


def hash_key(salt: bytes, address: str, user_agent: str, language: str) -> str:
    """The visitor key, given the day's salt."""
    digest = hashlib.sha256(salt)
    digest.update("\x1f".join((address, user_agent, language)).encode("utf-8", "replace"))
    return digest.hexdigest()[:32]


def client_address(remote_addr: str | None, forwarded_for: str | None) -> str:
    """The visitor's address: ``X-Forwarded-For``'s last hop when the request
    comes from a trusted proxy (nginx in front of CKAN), else the peer's."""
    address = remote_addr or ""
    if forwarded_for and address in _trusted_proxies(tuple(tk.config.get("ckanext.usagestats.trusted_proxies"))):
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return address


@functools.lru_cache(maxsize=4)
def _trusted_proxies(addresses: tuple[str, ...]) -> frozenset[str]:
    return frozenset(addresses)


def bot_pattern(fragments: Iterable[str]) -> re.Pattern[str] | None:
    fragments = [re.escape(f.strip().lower()) for f in fragments if f.strip()]
    return re.compile("|".join(fragments)) if fragments else None


@functools.lru_cache(maxsize=4)
def _bot_pattern(fragments: tuple[str, ...]) -> re.Pattern[str] | None:
    return bot_pattern(fragments)


def is_bot(user_agent: str) -> bool:
    return bot_detector()(user_agent)


def bot_detector() -> Callable[[str], bool]:
    """Whether a user agent is a bot's, by the configuration of now (read once, for batches)."""
    if not tk.config.get("ckanext.usagestats.exclude_bots"):
        return _never
    pattern = _bot_pattern(tuple(tk.config.get("ckanext.usagestats.bot_user_agents") or ()))
    search = pattern.search if pattern else _never

    def detect(user_agent: str) -> bool:
        # No user agent: browsers and HTTP libraries all send one.
        return not user_agent or bool(search(user_agent.lower()))
    return detect


def _never(_value: str) -> bool:
    return False


_SPACES = re.compile(r"\s+")


def normalise_terms(q: str) -> str:
    """Search terms as counted: lower case, single spaces, 100 characters."""
    return _SPACES.sub(" ", q).strip().lower()[:100]


def timezone() -> zoneinfo.ZoneInfo:
    """The time zone of days and hours in rollups and dashboards."""
    name = tk.config.get("ckanext.usagestats.timezone") or tk.config.get("ckan.display_timezone") or "UTC"
    if name == "server":
        name = "UTC"
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
