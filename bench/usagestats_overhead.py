"""What usagestats' recorder costs a request, run on demand, never by pytest.

Two real CKANs (gunicorn, tests/live.py) on the same database, one with the
configured plugins, one with the same list less ``usagestats`` (the
tracking plugin kept, so the difference is ours), answer the same requests,
taken in turn so that both see the same machine:

* a plain dataset page (what every visitor loads; the target is under 5 %);
* an Action API call that the recorder records (``package_show``: a hit
  buffered in Redis);
* the tracking beacon (``POST /_tracking``: our salted recorder against the
  tracking plugin's).

Printed: the median of each, and the overhead as a same-run ratio.

Usage::

    ELECTIONS_TEST_LIVE_PORT=5025 .venv/bin/python bench/usagestats_overhead.py --ini test-us.ini [--requests 300]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _live():
    spec = importlib.util.spec_from_file_location("usagestats_live", ROOT / "tests" / "live.py")
    live = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(live)
    return live


def _dataset(ini: str) -> str:
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(ini))
    import ckan.plugins.toolkit as tk
    from ckan import model

    from ckanext.elections.utils import site_context

    with app._wsgi_app.test_request_context():
        if model.Package.get("usagestats-overhead") is None:
            org = model.Group.get("usagestats-overhead") or None
            if org is None:
                tk.get_action("organization_create")(site_context(), {"name": "usagestats-overhead"})
            tk.get_action("package_create")(site_context(), {
                "name": "usagestats-overhead", "title": "Overhead", "owner_org": "usagestats-overhead",
                "notes": "A plain dataset page.",
                "resources": [{"url": "https://files.example.org/overhead.csv", "format": "CSV"}]})
    return "usagestats-overhead"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ini", default=str(ROOT / "test.ini"))
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    os.environ["CKAN_INI"] = os.environ["CKAN_CONFIG"] = args.ini
    import requests

    name = _dataset(args.ini)
    live = _live()
    from ckan.cli import load_config

    plugins = load_config(args.ini).get("ckan.plugins")
    plugins = plugins.split() if isinstance(plugins, str) else list(plugins)
    without = " ".join(p for p in plugins if p != "usagestats")
    checks = {
        "dataset page": ("GET", f"/dataset/{name}", None),
        "API call (package_show)": ("GET", f"/api/3/action/package_show?id={name}", None),
        "beacon (POST /_tracking)": ("POST", "/_tracking", {"url": f"/dataset/{name}", "type": "page"}),
    }
    settings = {"ckanext.usagestats.rollup_interval": "0", "ckanext.usagestats.beacon_rate_limit": "0"}
    with live.derived_ini(**settings) as ours, live.derived_ini(**{"ckan.plugins": without}) as theirs, \
            live.live_ckan(ours, live.LIVE_PORT) as with_url, live.live_ckan(theirs, live.LIVE_PORT + 1) as plain:
        sessions = {url: requests.Session() for url in (with_url, plain)}
        headers = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "Accept-Language": "fr-FR"}
        print(f"{'request':28} {'with usagestats ms':>19} {'without ms':>11} {'overhead':>9}")
        for label, (method, path, data) in checks.items():
            times: dict[str, list[float]] = {with_url: [], plain: []}
            for i in range(args.requests + 20):
                for url in ((with_url, plain) if i % 2 else (plain, with_url)):
                    started = time.perf_counter()
                    answer = sessions[url].request(method, url + path, data=data, headers=headers, timeout=60)
                    elapsed = (time.perf_counter() - started) * 1000
                    if answer.status_code >= 400:
                        raise RuntimeError(f"{url}{path}: {answer.status_code}")
                    if i >= 20:  # warmed up
                        times[url].append(elapsed)
            ours_ms, theirs_ms = statistics.median(times[with_url]), statistics.median(times[plain])
            print(f"{label:28} {ours_ms:19.2f} {theirs_ms:11.2f} {100 * (ours_ms / theirs_ms - 1):+8.1f}%",
                  flush=True)


if __name__ == "__main__":
    main()
