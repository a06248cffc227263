"""Tables of usagestats (migration/usagestats).

Raw hits live in two places:

* ``tracking_raw`` (CKAN's tracking plugin): page views and clicks on
  resource links sent by the tracking beacon (``POST /_tracking``), every
  one the tracking plugin would store, which our recorder writes instead of
  the tracking plugin's own, with a salted visitor key (``bot-`` and the
  key for bots, which ``ckan tracking update`` counts as the tracking plugin
  would, and our rollups count apart);
* ``usagestats_event`` (ours): what only the server sees: Action API calls,
  downloads, embedded views, searches; those CKAN answered come from the
  middleware through a Redis buffer, those nginx answered from its cache
  (``cached``) from nginx's log (:mod:`ckanext.usagestats.ingest`).

Bookkeeping:

* ``usagestats_dropped``: hits that could not be recorded, per day and
  reason (Redis unavailable, rate limit, cross-site beacon, unreadable log
  line), shown on the dashboards;
* ``usagestats_ingest``: how far each source (the Redis buffer, a spool or
  log file) is ingested, written in the transaction of the rows it covers.

Rollups, rebuilt from the raw rows by :mod:`ckanext.usagestats.rollup`:

* ``usagestats_day``: hits and unique visitors per local day, kept for
  ever. Each row is one cell of a ``GROUPING SETS`` cube: a column holding
  ``*`` was aggregated away (``owner_org = '*'`` is the whole site), ``''``
  means "none" (a page view outside any dataset);
* ``usagestats_dataset_day``: the figures of ``usagestats_day`` for each
  dataset and day, pivoted into one narrow row, with running totals;
* ``usagestats_hour``: hits per local hour, site and organisations only
  (the hour x weekday heat map);
* ``usagestats_minute``: hits and visitors per UTC minute, for the recent
  window only (election nights);
* ``usagestats_url``: which dataset and resource a tracked URL belongs to,
  resolved once per distinct URL;
* ``usagestats_state``: how far each rollup is complete (its watermark).
"""
from __future__ import annotations

from ckan.model.base import BaseModel
from ckan.model.domain_object import DomainObject
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Unicode,
    UnicodeText,
)

__all__ = ["Event", "DayRollup", "DatasetDay", "HourRollup", "MinuteRollup", "TrackedUrl", "RollupState", "Dropped",
           "IngestState", "ALL", "BOT_PREFIX"]

ALL = "*"  # the value of a rollup column that was aggregated away


class Event(DomainObject, BaseModel):  # type: ignore[misc]
    """One hit the server saw. ``visitor`` is a salted, daily-rotating hash."""

    __tablename__ = "usagestats_event"

    id = Column(BigInteger, primary_key=True, autoincrement=True)
    ts = Column(DateTime, nullable=False)  # UTC
    kind = Column(Unicode(16), nullable=False)  # api, download, embed, search, search0
    visitor = Column(Unicode(32), nullable=False)
    bot = Column(Boolean, nullable=False, default=False)
    package_id = Column(UnicodeText)
    resource_id = Column(UnicodeText)
    detail = Column(UnicodeText)  # action|auth|status, embedding host, search terms
    results = Column(Integer)
    cached = Column(Boolean, nullable=False, default=False)  # answered by nginx's cache


Index("usagestats_event_ts", Event.ts)


class DayRollup(DomainObject, BaseModel):  # type: ignore[misc]
    __tablename__ = "usagestats_day"

    day = Column(Date, primary_key=True)
    kind = Column(Unicode(16), primary_key=True)  # view, download, api, embed, search, search0, bot
    owner_org = Column(UnicodeText, primary_key=True)
    package_id = Column(UnicodeText, primary_key=True)
    resource_id = Column(UnicodeText, primary_key=True)
    detail = Column(UnicodeText, primary_key=True)
    hits = Column(BigInteger, nullable=False)
    visitors = Column(BigInteger, nullable=False)


Index("usagestats_day_org_kind_day", DayRollup.owner_org, DayRollup.kind, DayRollup.day)
Index("usagestats_day_package", DayRollup.package_id, DayRollup.day)


class DatasetDay(DomainObject, BaseModel):  # type: ignore[misc]
    """usagestats_day's figures of one dataset and day in one narrow row, and
    their running totals up to that day: a period's figures are the totals
    of its last day less those of the day before it (the datasets and
    catalogue panels, the dataset pages)."""

    __tablename__ = "usagestats_dataset_day"

    day = Column(Date, primary_key=True)
    package_id = Column(UnicodeText, primary_key=True)
    owner_org = Column(UnicodeText, nullable=False)
    views = Column(BigInteger, nullable=False)
    visitors = Column(BigInteger, nullable=False)  # daily visitors: summed, visitor-days
    downloads = Column(BigInteger, nullable=False)
    api_calls = Column(BigInteger, nullable=False)
    views_total = Column(BigInteger, nullable=False)
    visitors_total = Column(BigInteger, nullable=False)
    downloads_total = Column(BigInteger, nullable=False)
    api_calls_total = Column(BigInteger, nullable=False)


# usagestats_dataset_day_totals, (package_id, day) holding the totals, and
# usagestats_day_resources, a partial covering index, are made by the migration.


class HourRollup(DomainObject, BaseModel):  # type: ignore[misc]
    __tablename__ = "usagestats_hour"

    hour = Column(DateTime, primary_key=True)  # local time
    kind = Column(Unicode(16), primary_key=True)
    owner_org = Column(UnicodeText, primary_key=True)
    hits = Column(BigInteger, nullable=False)


class MinuteRollup(DomainObject, BaseModel):  # type: ignore[misc]
    __tablename__ = "usagestats_minute"

    minute = Column(DateTime, primary_key=True)  # UTC
    kind = Column(Unicode(16), primary_key=True)
    owner_org = Column(UnicodeText, primary_key=True)
    package_id = Column(UnicodeText, primary_key=True)
    hits = Column(BigInteger, nullable=False)
    visitors = Column(BigInteger, nullable=False)


class TrackedUrl(DomainObject, BaseModel):  # type: ignore[misc]
    __tablename__ = "usagestats_url"

    url = Column(UnicodeText, primary_key=True)
    package_id = Column(UnicodeText)
    resource_id = Column(UnicodeText)
    # A download CKAN serves itself: the server-side event counts it, the
    # beacon's click must not count it twice.
    served = Column(Boolean, nullable=False, default=False)


class RollupState(DomainObject, BaseModel):  # type: ignore[misc]
    __tablename__ = "usagestats_state"

    name = Column(Unicode(32), primary_key=True)
    value = Column(DateTime)


class Dropped(DomainObject, BaseModel):  # type: ignore[misc]
    """Hits that could not be recorded, per UTC day and reason."""

    __tablename__ = "usagestats_dropped"

    day = Column(Date, primary_key=True)
    reason = Column(Unicode(16), primary_key=True)  # unavailable, rate, foreign, unreadable
    hits = Column(BigInteger, nullable=False)


class IngestState(DomainObject, BaseModel):  # type: ignore[misc]
    __tablename__ = "usagestats_ingest"

    source = Column(UnicodeText, primary_key=True)  # redis:events, a file's path
    identity = Column(UnicodeText, nullable=False)  # which incarnation of the source
    position = Column(BigInteger, nullable=False)  # items or bytes ingested
    done = Column(Boolean, nullable=False, default=False)
    updated = Column(DateTime, nullable=False)

# The prefix of a bot's visitor key in tracking_raw.
BOT_PREFIX = "bot-"
