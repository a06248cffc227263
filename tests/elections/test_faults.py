"""Faults on election night, against the real services under supervisord.

Each fault is done to the running service ("stopped" means killed, or
frozen with SIGSTOP: alive but not answering, as under overload or a network
partition), while a real CKAN web process (tests/live.py) serves the test
databases. For each, what a reader sees is checked, and that nothing
published was lost: the results are the same before and after.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import signal
import subprocess
import time

import pytest
import requests
from ckan import model
from ckan.tests import factories, helpers

from ckanext.elections import demo, jobs
from ckanext.elections.demo import portal as demo_portal
from ckanext.elections.model import ElectionImport
from ckanext.elections.results import Reference, ReferenceEntry

ROOT = pathlib.Path(__file__).resolve().parents[2]
SUPERVISOR_CONF = ROOT / ".state" / "supervisor" / "supervisord.conf"

pytestmark = [
    pytest.mark.skipif(not SUPERVISOR_CONF.exists() or not (ROOT / ".state" / "run" / "supervisor.sock").exists(),
                       reason="the services are not run by this checkout's supervisord (make test starts it)"),
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]


def supervisor(*args: str) -> str:
    return subprocess.run(["supervisorctl", "-c", str(SUPERVISOR_CONF), *args], capture_output=True, text=True,
                          timeout=120).stdout


def pid(program: str) -> int:
    return int(supervisor("pid", program).strip())


@contextlib.contextmanager
def frozen(program: str):
    """The program is alive but answers nothing until the block ends."""
    target = pid(program)
    os.kill(target, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(target, signal.SIGCONT)


@contextlib.contextmanager
def stopped(program: str):
    supervisor("stop", program)
    try:
        yield
    finally:
        supervisor("start", program)


def timed_get(url: str, **kwargs) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.get(url, timeout=30, **kwargs)
    return response, time.monotonic() - started


@pytest.fixture(scope="module")
def live_url():
    from tests import live
    with live.derived_ini() as ini, live.live_ckan(ini) as url:
        yield url


@pytest.fixture
def night(live_url, make_election):
    """The demo's régionales prepared, 40 bureaux counted, an editor with a token."""
    city = demo.build_city()
    regionales, _ = demo.build_elections(city)
    editor = factories.User()
    organization = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    election = make_election(organization, name="night", election_kind="regionales", territory_name=city.name,
                             candidates=[{"id": c["id"], "name": c["name"]} for c in regionales.candidates])
    jobs.prepare(election["id"], Reference(
        ReferenceEntry(b.area_code, b.name, b.canton, None, city.code, city.name) for b in city.bureaux))
    token = factories.APIToken(user=editor["name"])["token"]
    push(live_url, token, regionales, regionales.order[:40])
    return live_url, token, regionales, election


def push(url: str, token: str, election, codes) -> requests.Response:
    return requests.post(f"{url}/api/3/action/elections_results_push", headers={"Authorization": token},
                         json={"id": "night", "areas": [demo_portal.payload(election, c) for c in codes]},
                         timeout=30)


def territory(url: str) -> dict:
    answer, _ = timed_get(f"{url}/api/3/action/elections_results_show?id=night&level=territory")
    return answer.json()["result"]["areas"][0]


@pytest.mark.parametrize("fault", [frozen, stopped], ids=["frozen", "killed"])
def test_redis_down_in_the_middle_of_the_count(night, fault):
    url, token, regionales, election = night
    before = territory(url)

    with fault("redis"):
        pushed = push(url, token, regionales, regionales.order[40:41])
        answer, seconds = timed_get(f"{url}/api/3/action/elections_results_show?id=night&level=territory")
        upload = requests.post(
            f"{url}/api/3/action/resource_create", headers={"Authorization": token},
            data={"package_id": election["id"], "resource_type": "turnout", "format": "CSV", "url": "t.csv"},
            files={"upload": ("t.csv", io.BytesIO(demo.turnout_csv(regionales).encode()))}, timeout=60)

    # Pushes still publish, reads still answer, at once.
    assert pushed.status_code == 200 and pushed.json()["result"]["updated"] == 1
    assert answer.status_code == 200 and seconds < 5
    assert answer.json()["result"]["areas"][0]["progress"]["counted"] == before["progress"]["counted"] + 1
    # The upload is saved, and its record says it could not be queued.
    assert upload.status_code == 200
    model.Session.expire_all()
    record = ElectionImport.latest_for_resource(upload.json()["result"]["id"])
    assert record.status == "error" and "could not be queued" in record.message
    # Nothing published was lost.
    after = territory(url)
    assert after["progress"]["counted"] == before["progress"]["counted"] + 1


def test_solr_stopped_results_still_answer_and_search_fails_as_ckan_does(night):
    url, _, _, _ = night
    before = territory(url)

    with stopped("solr"):
        answer, seconds = timed_get(f"{url}/api/3/action/elections_results_show?id=night&level=canton")
        # CKAN's own dataset page counts the organisation's datasets in Solr
        # (a 500 without it, plugins or not): the downloads do not need it.
        download = requests.get(f"{url}/election/night/results/canton.csv", timeout=30)
        search = requests.get(f"{url}/api/3/action/package_search?q=night", timeout=30)

    assert answer.status_code == 200 and seconds < 5
    assert download.status_code == 200 and download.text.count("\n") > 1
    assert search.status_code >= 400 and search.headers["Content-Type"].startswith("application/json")
    assert territory(url) == before


def test_postgresql_restarted_the_web_reconnects_without_a_restart(night):
    url, _, _, _ = night
    before = territory(url)

    supervisor("restart", "postgres")
    deadline = time.monotonic() + 60
    while True:
        try:
            answer = requests.get(f"{url}/api/3/action/elections_results_show?id=night&level=territory", timeout=10)
            if answer.status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "CKAN did not reconnect within 60 s"
        time.sleep(0.5)

    assert answer.json()["result"]["areas"][0] == before


def test_a_worker_killed_during_an_import_leaves_no_import_running(night, real_file):
    url, token, _, election = night
    from tests import live
    with live.derived_ini() as ini:
        upload = requests.post(
            f"{url}/api/3/action/resource_create", headers={"Authorization": token},
            data={"package_id": election["id"], "resource_type": "results", "format": "CSV", "url": "france.csv.gz"},
            files={"upload": ("france.csv.gz",
                              real_file("results/bureau/2017-presidentielle-t1_france.csv.gz").read_bytes())},
            timeout=120)
        worker = subprocess.Popen([str(live.BIN / "ckan"), "-c", str(ini), "jobs", "worker", "--burst"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        resource_id = upload.json()["result"]["id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            model.Session.expire_all()
            record = ElectionImport.latest_for_resource(resource_id)
            if record is not None and record.status == "running":
                break
            time.sleep(0.2)
        worker.kill()
        worker.wait()

    model.Session.expire_all()
    assert ElectionImport.latest_for_resource(resource_id).status == "running"
    # The next job (or `ckan elections recover`) finds it once no job could still be running it.
    assert jobs.recover_stalled(now=record.created.replace(year=record.created.year + 1)) >= 1
    model.Session.expire_all()
    assert ElectionImport.latest_for_resource(resource_id).status == "error"
    assert json.dumps(territory(url))  # the published results still answer
    helpers.call_action("elections_results_show", id="night", level="territory")
