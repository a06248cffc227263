"""Bytes a browser downloads for the election views and widgets (issue 4),
against CKAN's stock DataTables view of the same resource, measured in the
same run. Run on demand, never part of the test suite::

    BENCH_INI=test-views.ini .venv/bin/python bench/views_bytes.py

It publishes the demo night (``ckanext.elections.demo``: 6 cantons, 120
bureaux, 40 counted) in the databases of ``BENCH_INI`` (default: test.ini,
the test databases, never the portal's), starts its own CKAN web process on
``ELECTIONS_TEST_LIVE_PORT`` (tests/live.py) and loads each view in Debian's
headless Chromium, recording every response. Sizes are gzip -6 of each body,
as a compressing front server would send them.

"Base" is what any CKAN page loads (``base/``, ``vendor/`` and theme assets,
``/api/i18n``); the targets of the issue count what comes beyond it: the
page itself, the extension's assets and the data it fetches.
Targets: summary widget <= 60 KB, full view <= 250 KB.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import pathlib
import sys
from contextlib import contextmanager
from urllib.parse import urlparse

ROOT = pathlib.Path(__file__).resolve().parents[1]
INI = pathlib.Path(os.environ.get("BENCH_INI") or ROOT / "test.ini").resolve()
os.environ["CKAN_CONFIG"] = str(INI)  # read by tests/live.py
sys.path.insert(0, str(ROOT))

ORG = "bench-villeneuve"
REGIONALES = "bench-regionales-2028-t1"
DEPARTEMENTALES = "bench-departementales-2028-t1"
VIEWS = ("elections_results_view", "elections_summary_widget", "elections_map_widget",
         "elections_participation_widget")
BASE_PREFIXES = ("/webassets/base/", "/webassets/vendor/", "/webassets/css/", "/base/", "/api/i18n/")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
COUNTED = 40


@contextmanager
def ckan_app():
    """CKAN of BENCH_INI, in this process, to publish the data."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(str(INI)))
    with app._wsgi_app.test_request_context():
        yield


def _candidates(election) -> list[dict]:
    # Départementales number their binômes per canton: make the keys unique.
    return [{"id": _key(c["id"], c["canton"]), "name": c["name"], "nuance": c["nuance"], "color": c["color"]}
            for c in election.candidates]


def _key(candidate_id: str, canton: str | None) -> str:
    return f"{canton[-2:]}-{candidate_id}" if canton else str(candidate_id)


def ensure_night() -> dict:
    """The demo night in the database (created once): ids of what views need."""
    import ckan.plugins.toolkit as tk
    from ckan import model
    from werkzeug.datastructures import FileStorage

    from ckanext.elections import demo, jobs
    from ckanext.elections.model import ElectionResults
    from ckanext.elections.results import Reference, ReferenceEntry

    site = {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}
    def act(action: str, **data):
        return tk.get_action(action)(dict(site), data)

    if model.Package.get(REGIONALES) is None:
        city = demo.build_city()
        regionales, departementales = demo.build_elections(city)
        if model.Group.get(ORG) is None:
            act("organization_create", name=ORG, title="Bench Villeneuve")
        for name, election, sibling in ((REGIONALES, regionales, None), (DEPARTEMENTALES, departementales, REGIONALES)):
            act("package_create", type="election", name=name, title=election.title, owner_org=ORG,
                election_kind=election.kind, election_round=str(election.round), polling_date=election.date,
                territory_name=city.name, results_status="counting", candidates=_candidates(election),
                **({"sibling_election": sibling} if sibling else {}))
        act("package_patch", id=REGIONALES, sibling_election=DEPARTEMENTALES)
        reference = Reference(ReferenceEntry(b.area_code, b.name, b.canton, city.canton(b.canton).name,
                                             city.code, city.name) for b in city.bureaux)
        for name, election in ((REGIONALES, regionales), (DEPARTEMENTALES, departementales)):
            package_id = model.Package.get(name).id
            jobs.prepare(package_id, reference)
            areas = []
            for code in demo.counting_order(election)[:COUNTED]:
                payload = demo.bureau_payload(election, code)
                canton = election.results[code].canton if election is departementales else None
                payload["candidates"] = {_key(k, canton): v for k, v in payload["candidates"].items()}
                areas.append(payload)
            act("elections_results_push", id=package_id, areas=areas)
        for level, join in (("canton", "code"), ("bureau", "area_code")):
            data = json.dumps(demo.boundaries_geojson(city, level)).encode("utf-8")
            act("resource_create", package_id=REGIONALES, name=f"{level}.geojson", url=f"{level}.geojson",
                format="GeoJSON", resource_type="boundaries", level=level, join_property=join,
                upload=FileStorage(io.BytesIO(data), f"{level}.geojson"))
    package = model.Package.get(REGIONALES)
    # The same resource for every view: the published areas table, in the DataStore.
    resource_id = ElectionResults.get(package.id).areas_resource_id
    existing = {v["view_type"]: v for v in act("resource_view_list", id=resource_id)}
    views = {}
    for view_type in (*VIEWS, "datatables_view"):
        views[view_type] = existing.get(view_type) or act(
            "resource_view_create", resource_id=resource_id, view_type=view_type, title=view_type)
    return {"package": package.name, "resource": resource_id, "views": {k: v["id"] for k, v in views.items()}}


def measure(browser, url: str, ready: str) -> dict:
    """Every response of one page load: gzip bytes, base or beyond."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    bodies: list[tuple[str, int]] = []

    def record(response):
        try:
            body = response.body()
        except Exception:  # redirects and aborted requests have none
            return
        bodies.append((response.url, len(gzip.compress(body, 6))))

    page.on("response", record)
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    context.close()
    base = sum(size for u, size in bodies if urlparse(u).path.startswith(BASE_PREFIXES))
    total = sum(size for _, size in bodies)
    return {"total": total, "base": base, "beyond": total - base, "requests": len(bodies), "bodies": bodies}


def main() -> None:
    from playwright.sync_api import sync_playwright

    from tests import live

    with ckan_app():
        night = ensure_night()
    embed = "{url}/dataset/{package}/resource/{resource}/view/{view}"
    pages = [
        ("datatables_view (baseline)", "datatables_view", "#dtprv tbody tr"),
        ("full results view", "elections_results_view", ".el-map path.leaflet-interactive"),
        ("summary widget", "elections_summary_widget", ".el-bar-row"),
        ("map widget", "elections_map_widget", ".el-map path.leaflet-interactive"),
        ("participation widget", "elections_participation_widget", ".el-bar-row"),
    ]
    with live.derived_ini() as ini, live.live_ckan(ini) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        results = {}
        for label, view_type, ready in pages:
            page_url = embed.format(url=url, package=night["package"], resource=night["resource"],
                                    view=night["views"][view_type])
            measure(browser, page_url, ready)  # warm the webassets cache
            results[label] = measure(browser, page_url, ready)
        browser.close()

    baseline = results["datatables_view (baseline)"]
    print(f"Bytes per page load, gzip -6 (resource: the published areas table, {COUNTED}/120 bureaux counted)")
    print(f"{'page':30} {'requests':>8} {'total KB':>9} {'base KB':>8} {'beyond KB':>9} "
          f"{'total/DT':>9} {'beyond/DT':>10}")
    for label, result in results.items():
        print(f"{label:30} {result['requests']:8d} {result['total'] / 1024:9.1f} {result['base'] / 1024:8.1f} "
              f"{result['beyond'] / 1024:9.1f} {result['total'] / baseline['total']:8.2f}x "
              f"{result['beyond'] / baseline['beyond']:9.2f}x")
    print("Targets beyond base: summary widget <= 60 KB, full view <= 250 KB")
    for label in ("summary widget", "full results view"):
        print(f"\n{label}, beyond base:")
        for u, size in sorted(results[label]["bodies"], key=lambda item: -item[1]):
            if not urlparse(u).path.startswith(BASE_PREFIXES):
                print(f"  {size / 1024:7.1f} KB  {urlparse(u).path[:90]}")


if __name__ == "__main__":
    main()
