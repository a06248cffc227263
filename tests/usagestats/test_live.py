"""Against real processes: a live CKAN, our nginx in front of it, the listener,
the supervisor's Redis (frozen with SIGSTOP).

* every request counted once, whether CKAN (middleware) or nginx's cache
  (log, listener, ingestion) answered it; one visitor whoever answered;
* no address anywhere: tables, spool files, Redis;
* Redis frozen: pages and API calls answer at once, the hits that cannot be
  recorded are counted as dropped.
"""
from __future__ import annotations

import contextlib
import http.client
import os
import pathlib
import signal
import subprocess
import threading
import time

import pytest
import requests
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories

from ckanext.elections import jobs
from ckanext.elections.results import Reference, ReferenceEntry
from ckanext.usagestats import buffer, ingest, listener, redisio
from tests import live
from tests.elections.conftest import make_election  # noqa: F401 (a fixture)

ROOT = pathlib.Path(__file__).resolve().parents[2]
SUPERVISOR_CONF = ROOT / ".state" / "supervisor" / "supervisord.conf"
CLIENT = "127.0.0.77"  # a loopback address of its own: findable wherever it would be kept
CANDIDATES = [{"id": "1", "name": "Alice Martin"}, {"id": "2", "name": "Bruno Petit"}]
SETTINGS = {"ckanext.usagestats.rollup_interval": "0", "ckanext.usagestats.reindex": "false"}

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.fixture(scope="module")
def live_url():
    with live.derived_ini(**SETTINGS) as ini, live.live_ckan(ini) as url:
        yield url


@pytest.fixture
def night(make_election):  # noqa: F811
    election = make_election(candidates=CANDIDATES, territory_name="Villeneuve", name="usage-night")
    jobs.prepare(election["id"], Reference([
        ReferenceEntry("99001_0101", "Bureau 1", "99001-01", "Nord", "99001", "Villeneuve"),
        ReferenceEntry("99001_0201", "Bureau 2", "99001-02", "Sud", "99001", "Villeneuve")]))
    return election


def get(base: str, path: str, source: str = CLIENT, **headers: str) -> tuple[int, str, float]:
    """GET from a source address of our choosing; (status, X-Cache-Status, seconds)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    started = time.monotonic()
    try:
        connection.request("GET", path, headers={"User-Agent": "Mozilla/5.0 Firefox/128.0",
                                                 "Accept-Language": "fr-FR", **headers})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("X-Cache-Status") or "", time.monotonic() - started
    finally:
        connection.close()


@contextlib.contextmanager
def listening(folder: pathlib.Path):
    """The listener on a socket of ``folder``, in a thread, until the block ends."""
    path = str(folder / "usage.sock")
    stop = threading.Event()
    thread = threading.Thread(target=listener.listen, args=(path, str(folder / "spool")),
                              kwargs={"seconds": 1.0, "stop": stop}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield path
    finally:
        time.sleep(1.5)  # the last datagrams
        stop.set()
        thread.join(timeout=10)


def text_cells_with(needle: str) -> list[tuple[str, str]]:
    found = []
    columns = model.Session.execute(sa.text(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')")).all()
    for table, column in columns:
        if model.Session.execute(sa.text(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE :n'),
                                 {"n": f"%{needle}%"}).scalar():
            found.append((table, column))
    return found


def test_each_request_counted_once_whoever_answered_and_no_address_kept(live_url, night, tmp_path):
    upstream = live_url.removeprefix("http://")
    api = f"/api/3/action/elections_results_show?id={night['name']}&level=canton"
    download = f"/election/{night['name']}/results/canton.csv"
    statuses = []
    with listening(tmp_path) as socket_path, \
            live.nginx(upstream, tmp_path / "nginx", live.usage_log(socket_path)) as url:
        for round_ in range(3):
            for path in (api, api, api, download, download):
                status, cache, _seconds = get(url, path)
                assert status == 200
                statuses.append((path, cache))
            if round_ < 2:
                time.sleep(2.6)  # past s-maxage: stale, refreshed through CKAN in the background
        spooled = sorted((tmp_path / "spool").glob("*.jsonl"))
        spooled_text = "".join(p.read_text() for p in spooled)

    caches = [cache for _path, cache in statuses]
    assert "MISS" in caches and "HIT" in caches and "STALE" in caches
    assert CLIENT not in spooled_text and spooled_text

    assert buffer.drain() > 0
    assert ingest.ingest_spool(str(tmp_path / "spool")) > 0
    rows = model.Session.execute(sa.text(
        "SELECT kind, detail, cached, visitor FROM usagestats_event WHERE package_id = :id"),
        {"id": night["id"]}).all()
    api_rows = [r for r in rows if r.kind == "api" and r.detail.startswith("elections_results_show|anon|")]
    download_rows = [r for r in rows if r.kind == "download"]
    assert len(api_rows) == sum(p == api for p, _c in statuses)
    assert len(download_rows) == sum(p == download for p, _c in statuses)
    assert sum(r.cached for r in rows) == caches.count("HIT") + caches.count("UPDATING")
    assert len({r.visitor for r in rows}) == 1  # one visitor, whether CKAN or nginx answered

    assert text_cells_with(CLIENT) == []
    client = redisio.client(5000)
    for key in client.scan_iter("*"):
        assert CLIENT.encode() not in key and CLIENT.encode() not in (client.dump(key) or b""), key


def supervisor_pid(program: str) -> int:
    answer = subprocess.run(["supervisorctl", "-c", str(SUPERVISOR_CONF), "pid", program], capture_output=True,
                            text=True, timeout=30).stdout.strip()
    if not answer.isdigit() or answer == "0":
        pytest.skip(f"{program} is not run by this checkout's supervisord")
    return int(answer)


@contextlib.contextmanager
def frozen(program: str):
    """Alive but answering nothing (SIGSTOP) until the block ends, whatever happens in it."""
    target = supervisor_pid(program)
    os.kill(target, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(target, signal.SIGCONT)


@pytest.mark.skipif(not SUPERVISOR_CONF.exists(), reason="the services are not run by this checkout's supervisord")
def test_redis_frozen_pages_answer_at_once_and_hits_are_counted_as_dropped(live_url, night):
    dataset = factories.Dataset(owner_org=factories.Organization()["id"],
                                resources=[{"url": "https://files.example.org/a.csv"}])
    resource = dataset["resources"][0]
    view = factories.ResourceView(resource_id=resource["id"], view_type="datatables_view")
    embed = f"/dataset/{dataset['id']}/resource/{resource['id']}/view/{view['id']}"
    recorded = [f"/api/3/action/elections_results_show?id={night['name']}&level=territory",
                f"/api/3/action/package_show?id={dataset['name']}", embed]
    for path in recorded:  # the live process has the day's salt
        assert get(live_url, path, Referer="https://news.example.com/a")[0] == 200
    buffer.drain()

    answers = []
    with frozen("redis"):
        for _ in range(3):
            for path in [*recorded, f"/dataset/{dataset['name']}"]:
                answers.append((path, *get(live_url, path, Referer="https://news.example.com/a")))
        beacon = requests.post(f"{live_url}/_tracking", data={"url": "/about", "type": "page"}, timeout=30)

    slow = [(path, seconds) for path, _status, _cache, seconds in answers if seconds > 1.0]
    assert slow == [] and {status for _p, status, _c, _s in answers} == {200}
    assert beacon.status_code == 204  # its salt was kept, its rate limit kept in the process
    # The process writes its count of dropped hits at most every 10 s: one more hit, later, flushes it.
    time.sleep(10.5)
    assert get(live_url, recorded[1])[0] == 200
    model.Session.expire_all()
    dropped = model.Session.execute(sa.text(
        "SELECT coalesce(sum(hits), 0) FROM usagestats_dropped WHERE reason = 'unavailable'")).scalar()
    assert dropped == 3 * len(recorded)
    assert model.Session.execute(sa.text("SELECT count(*) FROM tracking_raw WHERE url = '/about'")).scalar() == 1
