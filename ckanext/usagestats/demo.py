"""Generated traffic for the demo portal (``ckan usagestats demo``).

Months of visits to the datasets already in the portal (those of
``ckanext.usagestats.demo_organization`` first, as the elections demo makes
them; a small fictitious catalogue of its own when the portal is empty):
weekly cycles (quiet week-ends), daily cycles (busy mornings and early
afternoons), slow growth, searches (some finding nothing), downloads, API
clients, sites embedding views, a few bots, and an election night on the
last Sunday: the results' datasets and their API polled minute by minute
from 18:00 to midnight.

The hits go through :func:`ckanext.usagestats.store.store` and visitor
keys through :func:`ckanext.usagestats.privacy.visitor_key`, like real
hits, only batched per day; addresses come from the documentation ranges
(RFC 5737). A marker in ``usagestats_state`` makes a second run a no-op.
"""
from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model

from ckanext.elections.utils import utcnow
from ckanext.usagestats import privacy, rollup, store

__all__ = ["load"]

MARKER = "demo"
ADDRESSES = [f"{net}.{host}" for net in ("192.0.2", "198.51.100", "203.0.113") for host in range(1, 255)]
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
]
API_AGENTS = ["python-requests/2.32", "curl/8.5.0", "R (4.4.1 x86_64-pc-linux-gnu)", "ckanapi/4.8"]
BOT_AGENTS = ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
              "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"]
LANGUAGES = ["fr-FR,fr;q=0.9", "fr-FR,fr;q=0.9,en;q=0.8", "en-GB,en;q=0.9", "de-DE,de;q=0.8,fr;q=0.6"]
EMBED_HOSTS = ["www.journal-exemple.fr", "blog.example.org", "mairie.example.net", "data.example.com"]
ZERO_RESULT_TERMS = ["budget participatif 2031", "velos en libre service", "qualite de l'air horaire",
                     "bruit routier"]
# Local hours 0-23: a weekday's shape of visits.
HOURS = [1, 0.5, 0.3, 0.3, 0.4, 0.8, 2, 4, 7, 9, 10, 9, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1.5]


@dataclass
class Dataset:
    id: str
    name: str
    type: str
    path: str
    terms: list[str]
    resources: list[tuple[str, str, str]]  # id, url, url_type


def _catalogue() -> list[Dataset]:
    organization = model.Group.get(tk.config.get("ckanext.usagestats.demo_organization") or "")
    query = model.Session.query(model.Package).filter(model.Package.state == "active")
    packages = []
    if organization is not None:
        packages = query.filter(model.Package.owner_org == organization.id).order_by(model.Package.name).all()
    if not packages:
        packages = query.order_by(model.Package.name).limit(50).all()
    if not packages:
        packages = _create_catalogue()
    datasets = []
    for package in packages:
        prefix = "dataset" if package.type == "dataset" else package.type
        words = [w for w in (package.title or package.name).lower().replace("-", " ").split() if len(w) > 3]
        datasets.append(Dataset(
            package.id, package.name, package.type, f"/{prefix}/{package.name}", words[:3] or [package.name],
            [(r.id, r.url or "", r.url_type or "") for r in package.resources]))
    return datasets


def _create_catalogue() -> list[model.Package]:
    """A few fictitious datasets, for a portal that has none."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    context = {"user": site_user["name"], "ignore_auth": True}
    organization = tk.get_action("organization_create")(dict(context), {
        "name": "usagestats-demo", "title": tk._("Demo city (usage statistics)")})
    specs = [
        ("budget-2027", "Budget primitif 2027", ["budget", "finances"], "CSV"),
        ("arbres-d-alignement", "Arbres d'alignement", ["environnement", "arbres"], "GeoJSON"),
        ("stationnement-temps-reel", "Stationnement en temps réel", ["mobilite", "parkings"], "JSON"),
        ("equipements-sportifs", "Équipements sportifs", ["sport", "equipements"], "CSV"),
        ("qualite-eau", "Qualité de l'eau potable", ["environnement", "eau"], "XLSX"),
        ("deliberations", "Délibérations du conseil municipal", ["citoyennete"], "PDF"),
    ]
    for name, title, tags, fmt in specs:
        tk.get_action("package_create")(dict(context), {
            "name": name, "title": title, "owner_org": organization["id"], "license_id": "odc-odbl",
            "tags": [{"name": t} for t in tags],
            "resources": [{"name": title, "format": fmt, "url": f"https://files.example.org/{name}.{fmt.lower()}"}],
        })
    return model.Session.query(model.Package).filter(model.Package.owner_org == organization["id"]).all()


def _zipf(rng: random.Random, n: int) -> int:
    weights = [1 / (i + 1) for i in range(n)]
    return rng.choices(range(n), weights)[0]


class _Day:
    """The hits of one day, batched for store.store."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now
        self.pages: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def visitor(self, address: str, agent: str, language: str, ts: datetime.datetime) -> str:
        return privacy.visitor_key(address, agent, language, ts)

    def page(self, url: str, kind: str, visitor: str, ts: datetime.datetime, bot: bool = False) -> None:
        if ts <= self.now:
            self.pages.append({"url": url, "kind": kind, "visitor": visitor, "ts": ts, "bot": bot})

    def event(self, ts: datetime.datetime, **values: Any) -> None:
        if ts <= self.now:
            self.events.append({"ts": ts, **values})

    def __len__(self) -> int:
        return len(self.pages) + len(self.events)


def _visit(day: _Day, rng: random.Random, datasets: list[Dataset], ts: datetime.datetime,
           site_url: str) -> None:
    address, agent, language = rng.choice(ADDRESSES), rng.choice(USER_AGENTS), rng.choice(LANGUAGES)
    visitor = day.visitor(address, agent, language, ts)
    if rng.random() < 0.4:
        if rng.random() < 0.12:
            terms, found = rng.choice(ZERO_RESULT_TERMS), 0
        else:
            dataset = datasets[_zipf(rng, len(datasets))]
            terms, found = " ".join(dataset.terms[:rng.randint(1, 2)]), rng.randint(1, 12)
        day.page("/dataset", "page", visitor, ts)
        day.event(ts, kind="search" if found else "search0", visitor=visitor, detail=terms, results=found)
        ts += datetime.timedelta(seconds=rng.randint(5, 60))
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        dataset = datasets[_zipf(rng, len(datasets))]
        day.page(dataset.path, "page", visitor, ts)
        ts += datetime.timedelta(seconds=rng.randint(10, 120))
        if dataset.resources and rng.random() < 0.35:
            resource_id, url, url_type = rng.choice(dataset.resources)
            day.page(f"{dataset.path}/resource/{resource_id}", "page", visitor, ts)
            ts += datetime.timedelta(seconds=rng.randint(5, 90))
            if rng.random() < 0.5:
                if url_type == "upload":
                    day.event(ts, kind="download", visitor=visitor, package_id=dataset.id, resource_id=resource_id)
                else:
                    day.page(url if url.startswith("http") else site_url + url, "resource", visitor, ts)


def _api_call(day: _Day, rng: random.Random, datasets: list[Dataset], ts: datetime.datetime,
              action: str | None = None, dataset: Dataset | None = None) -> None:
    dataset = dataset or datasets[_zipf(rng, len(datasets))]
    if action is None:
        action = rng.choices(["package_show", "package_search", "datastore_search", "resource_show", "status_show"],
                             [5, 3, 3, 1, 1])[0]
    authenticated = rng.random() < 0.15
    status = 200 if rng.random() > 0.03 else rng.choice((404, 409))
    package_id = resource_id = None
    if action in ("package_show", "elections_results_show", "elections_turnout_show"):
        package_id = dataset.id
    elif action in ("datastore_search", "resource_show") and dataset.resources:
        package_id, resource_id = dataset.id, rng.choice(dataset.resources)[0]
    agent = rng.choice(API_AGENTS)
    visitor = day.visitor(rng.choice(ADDRESSES[:60]), agent, "", ts)
    day.event(ts, kind="api", visitor=visitor, package_id=package_id, resource_id=resource_id,
              detail=f"{action}|{'auth' if authenticated else 'anon'}|{status}")


def _at(day: datetime.date, hour: int, rng: random.Random, tz: Any) -> datetime.datetime:
    local = datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz) + datetime.timedelta(
        seconds=rng.randint(0, 3599), microseconds=rng.randint(0, 999999))
    return local.astimezone(datetime.UTC).replace(tzinfo=None)


def _ordinary_day(batch: _Day, rng: random.Random, datasets: list[Dataset], day: datetime.date,
                  growth: float, tz: Any, site_url: str) -> None:
    weekday = day.weekday()
    factor = (1.0, 1.05, 1.0, 0.95, 0.85, 0.45, 0.35)[weekday] * growth * rng.uniform(0.85, 1.15)
    for _ in range(int(160 * factor)):
        _visit(batch, rng, datasets, _at(day, rng.choices(range(24), HOURS)[0], rng, tz), site_url)
    for _ in range(int(90 * factor)):
        _api_call(batch, rng, datasets, _at(day, rng.choices(range(24), HOURS)[0], rng, tz))
    for _ in range(int(12 * factor)):
        dataset = datasets[_zipf(rng, len(datasets))]
        if dataset.resources:
            ts = _at(day, rng.choices(range(24), HOURS)[0], rng, tz)
            visitor = batch.visitor(rng.choice(ADDRESSES), rng.choice(USER_AGENTS), rng.choice(LANGUAGES), ts)
            batch.event(ts, kind="embed", visitor=visitor, package_id=dataset.id,
                        resource_id=rng.choice(dataset.resources)[0],
                        detail=rng.choices(EMBED_HOSTS + [""], [6, 3, 2, 1, 1])[0])
    for _ in range(rng.randint(20, 40)):
        ts = _at(day, rng.randrange(24), rng, tz)
        dataset = datasets[rng.randrange(len(datasets))]
        batch.page(dataset.path, "page", batch.visitor(rng.choice(ADDRESSES), rng.choice(BOT_AGENTS), "", ts),
                   ts, bot=True)


def _election_night(batch: _Day, rng: random.Random, datasets: list[Dataset], day: datetime.date,
                    tz: Any, site_url: str) -> None:
    """18:00-24:00 local: a peak when polls close at 20:00, then the count."""
    elections = [d for d in datasets if d.type == tk.config.get("ckanext.usagestats.election_dataset_type")]
    elections = elections or datasets[:2]
    start = datetime.datetime.combine(day, datetime.time(18), tzinfo=tz)
    for minute in range(6 * 60):
        t = minute / 60 + 18  # local hour, fractional
        rate = 2 + 45 * math.exp(-((t - 20.2) ** 2) / 0.35) + 12 * math.exp(-((t - 21.5) ** 2) / 1.5)
        moment = (start + datetime.timedelta(minutes=minute)).astimezone(datetime.UTC).replace(tzinfo=None)
        for _ in range(int(rng.gauss(rate, math.sqrt(rate)))):
            ts = moment + datetime.timedelta(seconds=rng.uniform(0, 59.999))
            dataset = rng.choice(elections)
            address, agent, language = rng.choice(ADDRESSES), rng.choice(USER_AGENTS), rng.choice(LANGUAGES)
            visitor = batch.visitor(address, agent, language, ts)
            batch.page(dataset.path, "page", visitor, ts)
            # Widgets and newsrooms poll the results.
            for _ in range(rng.randint(1, 3)):
                _api_call(batch, rng, datasets, ts + datetime.timedelta(seconds=rng.uniform(0, 30)),
                          action="elections_results_show" if dataset.type == "election" else "package_show",
                          dataset=dataset)
            if rng.random() < 0.15 and dataset.resources:
                batch.event(ts, kind="embed", visitor=visitor, package_id=dataset.id,
                            resource_id=rng.choice(dataset.resources)[0], detail=rng.choice(EMBED_HOSTS[:2]))
            if rng.random() < 0.05:
                _visit(batch, rng, datasets, ts, site_url)


def load(days: int = 120, seed: int = 2028, force: bool = False) -> dict[str, int] | None:
    """Generate ``days`` days of traffic up to now and roll it up; None if already done."""
    with model.meta.engine.connect() as connection:
        done = connection.execute(sa.text("SELECT 1 FROM usagestats_state WHERE name = :name"),
                                  {"name": MARKER}).scalar()
    if done and not force:
        return None
    datasets = _catalogue()
    rng = random.Random(seed)
    tz = privacy.timezone()
    now = utcnow()
    today = rollup.local_date(now, tz)
    first = today - datetime.timedelta(days=days - 1)
    # The last Sunday whose evening is over.
    night = today - datetime.timedelta(days=(today.weekday() + 1) % 7 or 7)
    site_url = (tk.config.get("ckan.site_url") or "").rstrip("/")
    hits = 0
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        batch = _Day(now)
        _ordinary_day(batch, rng, datasets, day, 0.7 + 0.6 * offset / max(days, 1), tz, site_url)
        if day == night:
            _election_night(batch, rng, datasets, day, tz, site_url)
        store.store(batch.pages, batch.events)
        hits += len(batch)
    with model.meta.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO usagestats_state (name, value) VALUES (:name, :value) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value"), {"name": MARKER, "value": now})
    rollup.run(since=first, now=now)
    return {"hits": hits, "days": days, "datasets": len(datasets)}
