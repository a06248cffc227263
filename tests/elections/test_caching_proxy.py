"""The caching tier, through the project's real nginx (deploy/nginx.conf.in)
in front of a real CKAN web process: what it may keep, and only that."""
from __future__ import annotations

import time

import pytest
import requests
from ckan.tests import factories, helpers

from ckanext.elections import demo, jobs
from ckanext.elections.demo import portal as demo_portal
from ckanext.elections.results import Reference, ReferenceEntry
from tests import live

PROXY_PORT = live.LIVE_PORT + 7
OUTAGE_PORT = live.LIVE_PORT + 8
OUTAGE_PROXY_PORT = live.LIVE_PORT + 9
SETTINGS = {"ckanext.elections.cache.shared_max_age": "1"}

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.fixture(scope="module")
def proxy():
    with live.derived_ini(**SETTINGS) as ini, live.live_ckan(ini) as upstream, \
            live.caching_proxy(live.LIVE_PORT, PROXY_PORT) as url:
        yield url, upstream


def prepared(make_election, **fields):
    city = demo.build_city()
    regionales, _ = demo.build_elections(city)
    editor = factories.User()
    organization = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    election = make_election(organization, election_kind="regionales", territory_name=city.name,
                             candidates=[{"id": c["id"], "name": c["name"]} for c in regionales.candidates],
                             **fields)
    jobs.prepare(election["id"], Reference(
        ReferenceEntry(b.area_code, b.name, b.canton, None, city.code, city.name) for b in city.bureaux))
    return election, editor, regionales


def results_url(base, name, level="territory"):
    return f"{base}/api/3/action/elections_results_show?id={name}&level={level}"


def control(response) -> set[str]:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}


def test_anonymous_answers_of_public_elections_are_kept_briefly(proxy, make_election):
    url, _ = proxy
    election, _, _ = prepared(make_election, name="public")

    first = requests.get(results_url(url, "public"), timeout=10)
    second = requests.get(results_url(url, "public"), timeout=10)

    assert first.status_code == second.status_code == 200
    assert second.headers["X-Cache-Status"] == "HIT"
    assert {"public", "s-maxage=1"} <= control(first) and "Set-Cookie" not in first.headers
    assert first.headers["ETag"] == second.headers["ETag"]


def test_a_private_election_is_never_served_from_the_cache(proxy, make_election):
    url, _ = proxy
    election, editor, _ = prepared(make_election, name="secret", private=True)
    token = factories.APIToken(user=editor["name"])["token"]

    member = requests.get(results_url(url, "secret"), headers={"Authorization": token}, timeout=10)
    anonymous = [requests.get(results_url(url, "secret"), timeout=10) for _ in range(2)]

    assert member.status_code == 200 and {"private"} <= control(member) and "public" not in control(member)
    assert member.headers["X-Cache-Status"] == "BYPASS"
    for answer in anonymous:
        assert answer.status_code == 403 and answer.headers.get("X-Cache-Status") != "HIT"
        assert "secret" not in answer.text.replace('"secret"', "") or "result" not in answer.json()


def embed_of(election):
    cantons = helpers.call_action("resource_create", package_id=election["id"], url="cantons.geojson",
                                  resource_type="boundaries", level="canton", format="GeoJSON")
    view = helpers.call_action("resource_view_create", resource_id=cantons["id"],
                               view_type="elections_summary_widget", title="Synthèse")
    return f"/dataset/{election['name']}/resource/{cantons['id']}/view/{view['id']}"


def test_an_embed_fetched_by_an_editor_never_reaches_an_anonymous_reader(proxy, make_election):
    url, _ = proxy
    election, editor, _ = prepared(make_election, name="embedded")
    path = embed_of(election)
    session = requests.Session()
    session.cookies.set("ckan", "an-editors-session")  # any session cookie: the proxy steps aside

    personal = session.get(url + path, timeout=10)
    anonymous = requests.get(url + path, timeout=10)
    again = requests.get(url + path, timeout=10)

    assert personal.headers["X-Cache-Status"] == "BYPASS"
    assert anonymous.headers["X-Cache-Status"] in ("MISS", "EXPIRED")
    assert again.headers["X-Cache-Status"] == "HIT"
    assert "Set-Cookie" not in anonymous.headers and 'name="_csrf_token"' not in anonymous.text
    assert {"public"} <= control(anonymous)
    assert "frame-ancestors *" in anonymous.headers["Content-Security-Policy"]


def test_a_push_shows_through_the_cache_within_seconds(proxy, make_election):
    url, _ = proxy
    election, editor, regionales = prepared(make_election, name="pushed")
    requests.get(results_url(url, "pushed"), timeout=10)  # in the cache

    helpers.call_action("elections_results_push", context={"user": editor["name"]}, id=election["id"],
                        areas=[demo_portal.payload(regionales, regionales.order[0])])
    pushed_at = time.monotonic()

    while True:
        seen = requests.get(results_url(url, "pushed"), timeout=10).json()["result"]["progress"]["counted"]
        if seen == 1:
            break
        assert time.monotonic() - pushed_at < 3, "not visible through the cache within 3 s"
        time.sleep(0.1)


def test_while_ckan_is_down_readers_get_the_last_good_results(make_election):
    prepared(make_election, name="outage")
    with live.derived_ini(**SETTINGS) as ini, live.caching_proxy(OUTAGE_PORT, OUTAGE_PROXY_PORT) as url:
        with live.live_ckan(ini, port=OUTAGE_PORT):
            good = requests.get(results_url(url, "outage"), timeout=10)
        time.sleep(2)  # past s-maxage: the entry is stale, and CKAN is gone

        stale = requests.get(results_url(url, "outage"), timeout=10)

    assert good.status_code == 200
    assert stale.status_code == 200 and stale.headers["X-Cache-Status"] == "STALE"
    assert stale.json() == good.json()
