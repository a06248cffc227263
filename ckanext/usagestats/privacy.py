"""What may be kept of a visitor: a salted hash, never an address.

The visitor key is ``sha256(salt_of_the_day | address | user agent |
language)``, cut to 32 hex digits. The salt is 32 random bytes made on the
first hit of each UTC day and kept in Redis only, with a two-day expiry:
once it is gone, nobody (the portal's own administrators included) can
recompute the key of a known address, and keys of different days cannot be
linked. The price: "unique visitors" only exist per day; weekly or monthly
figures are sums of daily visitors (visitor-days).
"""
from __future__ import annotations

import datetime
import hashlib
import re
import secrets
import uuid
import zoneinfo
from collections.abc import Iterable

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

__all__ = ["visitor_key", "is_bot", "normalise_terms", "timezone", "daily_salt"]

_SALT_TTL = 2 * 24 * 3600
# One salt per process and day: the dict never holds more than a few days.
_salts: dict[str, bytes] = {}


def daily_salt(day: datetime.date) -> bytes:
    key = day.isoformat()
    salt = _salts.get(key)
    if salt is None:
        redis_key = f"ckanext-usagestats:{tk.config['ckan.site_id']}:salt:{key}"
        redis = connect_to_redis()
        # NX: the first process of the day wins; the others read its salt.
        redis.set(redis_key, secrets.token_bytes(32), nx=True, ex=_SALT_TTL)
        salt = redis.get(redis_key) or secrets.token_bytes(32)
        _salts.clear()
        _salts[key] = salt
    return salt


def visitor_key(address: str, user_agent: str, language: str, now: datetime.datetime) -> str:
    if not tk.config.get("ckanext.usagestats.count_visitors"):
        # Every hit its own visitor (and a unique key for tracking_raw's primary key).
        return uuid.uuid4().hex
    digest = hashlib.sha256(daily_salt(now.date()))
    digest.update("\x1f".join((address, user_agent, language)).encode("utf-8", "replace"))
    return digest.hexdigest()[:32]


def bot_pattern(fragments: Iterable[str]) -> re.Pattern[str] | None:
    fragments = [re.escape(f.strip().lower()) for f in fragments if f.strip()]
    return re.compile("|".join(fragments)) if fragments else None


def is_bot(user_agent: str) -> bool:
    if not tk.config.get("ckanext.usagestats.exclude_bots"):
        return False
    if not user_agent:
        return True  # browsers and HTTP libraries all send one
    pattern = bot_pattern(tk.config.get("ckanext.usagestats.bot_user_agents") or [])
    return bool(pattern and pattern.search(user_agent.lower()))


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
