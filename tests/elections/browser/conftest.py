"""A real CKAN web process, a real headless Chromium (Debian's), and the demo
city's election night, for the browser tests of the election views."""
from __future__ import annotations

import functools
import http.server
import io
import json
import os
import pathlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from ckan.tests import factories, helpers
from ckan.tests.pytest_ckan.fixtures import FakeFileStorage

from ckanext.elections import demo, jobs
from ckanext.elections.results import Reference, ReferenceEntry

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Views poll this often in tests (the portal's minimum is 10 s).
INTERVAL = 2
SETTINGS = {"ckanext.elections.views.min_refresh_interval": "1"}
SHOTS = pathlib.Path("/tmp/shots")
OTHER_ORIGIN_PORT = int(os.environ.get("ELECTIONS_TEST_LIVE_PORT", "5001")) + 1


@pytest.fixture(scope="session")
def chromium():
    # make test installs both; a missing one is a broken set-up, not a skip.
    import playwright.sync_api as playwright_api
    assert pathlib.Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    # Imported here, not at the top: pytest loads this conftest before CKAN's
    # plugin has exported the test config (CKAN_CONFIG) that tests.live reads.
    from tests import live
    with live.derived_ini(**SETTINGS) as ini, live.live_ckan(ini) as url:
        yield url


@pytest.fixture
def page(chromium, request):
    """A fresh page (French, as the portal) that fails the test on JS errors."""
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    page.errors = errors
    yield page
    context.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def other_origin(tmp_path_factory) -> Iterator[tuple[str, pathlib.Path]]:
    """A static site on another origin (localhost, not 127.0.0.1): a newsroom."""
    folder = tmp_path_factory.mktemp("newsroom")
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", OTHER_ORIGIN_PORT), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{OTHER_ORIGIN_PORT}", folder
    finally:
        server.shutdown()
        server.server_close()


def _upload(package_id: str, name: str, data: dict[str, Any], **fields: Any) -> dict[str, Any]:
    stream = io.BytesIO(json.dumps(data).encode("utf-8"))
    return helpers.call_action("resource_create", package_id=package_id, name=name, url=name,
                               format="GeoJSON", upload=FakeFileStorage(stream, name), **fields)


class Night:
    """The demo night as published in the test database, views included."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.city = demo.build_city()
        self.regionales, self.departementales = demo.build_elections(self.city)
        self.organization = factories.Organization(name="ville-de-villeneuve", title="Ville de Villeneuve")
        self.editor = factories.User()
        helpers.call_action("organization_member_create", id=self.organization["id"],
                            username=self.editor["name"], role="editor")
        reference = Reference(
            ReferenceEntry(b.area_code, b.name, b.canton, self.city.canton(b.canton).name,
                           self.city.code, self.city.name)
            for b in self.city.bureaux)
        self.reg = self._election(self.regionales, "regionales-2028-t1-villeneuve", self._candidates(self.regionales))
        self.dep = self._election(self.departementales, "departementales-2028-t1-villeneuve",
                                  self._candidates(self.departementales), sibling_election=self.reg["name"])
        helpers.call_action("package_patch", id=self.reg["id"], sibling_election=self.dep["name"])
        self.reference = reference
        self.outlines: dict[str, dict[str, Any]] = {}
        for package in (self.reg, self.dep):
            jobs.prepare(package["id"], reference)
        self.cantons = _upload(self.reg["id"], "cantons.geojson", demo.boundaries_geojson(self.city, "canton"),
                               resource_type="boundaries", level="canton", join_property="code")
        self.bureaux = _upload(self.reg["id"], "bureaux.geojson", demo.boundaries_geojson(self.city, "bureau"),
                               resource_type="boundaries", level="bureau", join_property="area_code")
        self.order = demo.counting_order(self.regionales)
        self.counted = 0
        self.count(40)
        self.views: dict[str, dict[str, Any]] = {}

    @staticmethod
    def _candidates(election: demo.DemoElection) -> list[dict[str, Any]]:
        # Départementales number their binômes per canton: make the keys unique.
        return [{"id": _key(c), "name": c["name"], "nuance": c["nuance"], "color": c["color"],
                 **({"area": c["canton"]} if c.get("canton") else {})}
                for c in election.candidates]

    def _election(self, election: demo.DemoElection, name: str, candidates: list[dict[str, Any]],
                  **fields: Any) -> dict[str, Any]:
        return factories.Dataset(
            type="election", name=name, title=election.title, owner_org=self.organization["id"],
            election_kind=election.kind, election_round=str(election.round), polling_date=election.date,
            territory_name=self.city.name, results_status="counting", candidates=candidates, **fields)

    def count(self, how_many: int) -> None:
        """Push the next ``how_many`` bureaux, in the night's order, to both elections."""
        codes = self.order[self.counted:self.counted + how_many]
        self.counted += len(codes)
        for package, election in ((self.reg, self.regionales), (self.dep, self.departementales)):
            areas = []
            for code in codes:
                payload = demo.bureau_payload(election, code)
                canton = election.results[code].canton if election is self.departementales else None
                payload["candidates"] = {_key({"id": k, "canton": canton}): v for k, v in payload["candidates"].items()}
                areas.append(payload)
            helpers.call_action("elections_results_push", context={"user": self.editor["name"]},
                                id=package["id"], areas=areas)

    def view(self, view_type: str, package: dict[str, Any] | None = None, **settings: Any) -> str:
        """The embed URL of a view of the régionales, or of ``package`` (created
        once per election, type and settings, on the election's cantons)."""
        package = package or self.reg
        cantons = self.cantons if package is self.reg else self._cantons(package)
        key = package["name"] + view_type + repr(sorted(settings.items()))
        if key not in self.views:
            self.views[key] = helpers.call_action(
                "resource_view_create", resource_id=cantons["id"], view_type=view_type,
                title=view_type, **{"refresh_interval": INTERVAL, **settings})
        view = self.views[key]
        return f"{self.base_url}/dataset/{package['name']}/resource/{cantons['id']}/view/{view['id']}"

    def _cantons(self, package: dict[str, Any]) -> dict[str, Any]:
        if package["name"] not in self.outlines:
            self.outlines[package["name"]] = _upload(
                package["id"], "cantons.geojson", demo.boundaries_geojson(self.city, "canton"),
                resource_type="boundaries", level="canton", join_property="code")
        return self.outlines[package["name"]]

    def municipales(self) -> dict[str, Any]:
        """The council election before the night, every bureau counted, final."""
        election = self.demo_municipales = demo.build_municipales(self.city)
        package = self._election(election, "municipales-2026-t2-villeneuve", self._candidates(election),
                                 seats=str(demo.MUNICIPAL_SEATS), community_seats=str(demo.COMMUNITY_SEATS))
        jobs.prepare(package["id"], self.reference)
        helpers.call_action("elections_results_push", context={"user": self.editor["name"]}, id=package["id"],
                            areas=[demo.bureau_payload(election, b.area_code) for b in self.city.bureaux])
        return helpers.call_action("package_patch", id=package["id"], results_status="final")

    def turnout(self, package: dict[str, Any], election: demo.DemoElection) -> None:
        """Publish the turnout at 12:00, 17:00 and closing of an election."""
        jobs.import_turnout(package["id"], io.BytesIO(demo.turnout_csv(election).encode("utf-8")))


def _key(candidate: dict[str, Any]) -> str:
    canton = candidate.get("canton")
    return f"{canton[-2:]}-{candidate['id']}" if canton else str(candidate["id"])


@pytest.fixture
def night(live_url, with_plugins, clean_db, ckan_config, monkeypatch) -> Night:
    monkeypatch.setitem(ckan_config, "ckanext.elections.views.min_refresh_interval", 1)
    return Night(live_url)


@pytest.fixture(scope="session", autouse=True)
def _shots_folder():
    SHOTS.mkdir(parents=True, exist_ok=True)
