"""Lighthouse (mobile) figures of the election views through the portal's
nginx (issues 9 and 13). Run on demand, never part of the test suite::

    make up                                   # the portal and its demo
    npm ci                                    # Lighthouse (a devDependency)
    .venv/bin/python bench/lighthouse.py [--url http://127.0.0.1:5000]
        [--election regionales-2028-t1-villeneuve] [--locale fr|en]
        [--runs 3] [--json out.json]

It finds the demo election through the CKAN API (``package_search`` of the
``election`` type; ``--election`` chooses one, by default the first whose
resources have election views), then its views (``resource_view_list`` of
each resource), and runs Lighthouse from ``node_modules`` with Debian's
Chromium (``/usr/bin/chromium``, or ``CHROME_PATH``; headless, with
``--no-sandbox``, which running as root needs) in Lighthouse's default mobile
mode: a Moto G Power screen, 4x CPU slowdown and a simulated slow 4G. Pages:

    resource page   CKAN's page of the resource with the "Live results" view
                    (the theme, and the view in its frame)
    <view type>     the embed URL of each election view and widget
    big screen      the "Live results" embed with ?screen=1

It prints, for each page: the performance and accessibility scores, the
cumulative layout shift, the total blocking time and the largest contentful
paint; with ``--runs N``, those of the run with the median performance.
Targets: performance >= 90, accessibility 100, CLS < 0.1, TBT < 200 ms.

Each page is fetched once before it is measured, so that CKAN has built its
webassets bundles and Lighthouse measures a warm portal, as readers meet it.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH") or "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
VIEW_TYPES = ("elections_results_view", "elections_summary_widget", "elections_map_widget",
              "elections_participation_widget")
TARGETS = {"performance": 90, "accessibility": 100, "cls": 0.1, "tbt": 200}


def api(base: str, action: str, **params: str) -> object:
    url = f"{base}/api/3/action/{action}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.load(answer)["result"]


def election_views(base: str, wanted: str | None) -> tuple[dict, list[dict]]:
    """The election and its election views (resource_view_list of each
    resource), the full view first."""
    found = api(base, "package_search", fq="type:election", rows="100", sort="metadata_modified desc")
    elections = found["results"]
    if wanted:
        elections = [e for e in elections if e["name"] == wanted]
        if not elections:
            sys.exit(f"No election named {wanted!r} at {base}")
    for election in elections:
        views = [view for resource in election.get("resources", [])
                 for view in api(base, "resource_view_list", id=resource["id"])
                 if view["view_type"] in VIEW_TYPES]
        if views:
            views.sort(key=lambda view: VIEW_TYPES.index(view["view_type"]))
            return election, views
    sys.exit(f"No election with election views at {base} (make up loads the demo)")


def pages(base: str, election: dict, views: list[dict]) -> list[tuple[str, str]]:
    """(label, URL) of each page to measure."""
    prefix = f"{base}/election/{election['name']}/resource"
    out = []
    full = next((view for view in views if view["view_type"] == "elections_results_view"), None)
    if full:
        out.append(("resource page", f"{prefix}/{full['resource_id']}?view_id={full['id']}"))
    for view in views:
        out.append((view["view_type"].removeprefix("elections_"),
                    f"{prefix}/{view['resource_id']}/view/{view['id']}"))
    if full:
        out.append(("big screen", f"{prefix}/{full['resource_id']}/view/{full['id']}?screen=1"))
    return out


def localised(base: str, locale: str | None, url: str) -> str:
    return url.replace(base, f"{base}/{locale}", 1) if locale else url


def warm(url: str) -> None:
    with urllib.request.urlopen(url, timeout=60) as answer:
        answer.read()


def lighthouse(url: str, folder: pathlib.Path) -> dict:
    report = folder / "report.json"
    command = [str(LIGHTHOUSE), url, f"--chrome-flags={CHROME_FLAGS}",
               "--only-categories=performance,accessibility", "--output=json",
               f"--output-path={report}", "--quiet"]
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
    data = json.loads(report.read_text(encoding="utf-8"))
    audits = data["audits"]
    failed = [audit_id for audit_id, audit in audits.items()
              if audit.get("score") is not None and audit["score"] < 1
              and audit_id in {ref["id"] for ref in data["categories"]["accessibility"]["auditRefs"]}]
    return {
        "performance": round(100 * (data["categories"]["performance"]["score"] or 0)),
        "accessibility": round(100 * (data["categories"]["accessibility"]["score"] or 0)),
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "tbt": audits["total-blocking-time"]["numericValue"],
        "lcp": audits["largest-contentful-paint"]["numericValue"],
        "fcp": audits["first-contentful-paint"]["numericValue"],
        "a11y_failed": failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000", help="the portal, through nginx")
    parser.add_argument("--election", help="the election's name (default: the first with election views)")
    parser.add_argument("--locale", choices=("fr", "en"), help="a /fr/ or /en/ prefix (default: none)")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median is shown")
    parser.add_argument("--json", type=pathlib.Path, help="also write every figure to this file")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit(f"{LIGHTHOUSE} is missing: npm ci")
    base = args.url.rstrip("/")
    election, views = election_views(base, args.election)
    print(f"{election['name']}: {len(views)} views, Lighthouse (mobile), {args.runs} run(s) each", flush=True)
    rows = []
    header = f"{'view':<24} {'perf':>5} {'a11y':>5} {'CLS':>6} {'TBT ms':>7} {'LCP s':>6} {'FCP s':>6}"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as folder:
        for label, url in pages(base, election, views):
            url = localised(base, args.locale, url)
            warm(url)
            runs = sorted((lighthouse(url, pathlib.Path(folder)) for _ in range(max(1, args.runs))),
                          key=lambda run: run["performance"])
            result = {"view": label, "url": url, **runs[len(runs) // 2]}
            rows.append(result)
            missed = ("" if result["performance"] >= TARGETS["performance"]
                      and result["accessibility"] >= TARGETS["accessibility"]
                      and result["cls"] < TARGETS["cls"] and result["tbt"] < TARGETS["tbt"] else "  <- target missed")
            print(f"{label:<24} {result['performance']:>5} {result['accessibility']:>5} {result['cls']:>6.3f} "
                  f"{result['tbt']:>7.0f} {result['lcp'] / 1000:>6.2f} {result['fcp'] / 1000:>6.2f}{missed}",
                  flush=True)
            if result["a11y_failed"]:
                print(f"{'':<24} accessibility: {', '.join(result['a11y_failed'])}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
