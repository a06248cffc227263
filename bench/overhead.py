"""What our plugins cost a plain dataset page, run on demand, never by pytest.

Two real CKANs (gunicorn, one worker, as tests/live.py starts them) on the
same databases of their own (``ckan_bench``, ``datastore_bench``; site_id
``elections-bench``, Redis database 8): one with test.ini's plugins, one with
the same list less ours (elections, usagestats and the four views; the
election schema left out of scheming's list, the tracking plugin kept).
They answer the same requests, taken in turn (which goes first alternates)
so that both see the same machine, on loopback only, for a bounded number
of rounds.

Printed for each page: the median time of each and the overhead as a
same-run ratio of the medians and as the median of the per-round ratios;
and the CPU time each CKAN process spent per request (from /proc, user and
system), whose ratio a busy machine (a test suite running beside) disturbs
far less than the times. The target for a plain dataset page is under 5 %.

Usage::

    .venv/bin/python bench/overhead.py --prepare      # (re)create the databases once
    .venv/bin/python bench/overhead.py [--rounds 300] [--drop usagestats]

``--drop`` names the plugins the second CKAN goes without (all of ours by
default), to find which one costs what. ``--app N`` measures instead, in
this process, what building CKAN's app costs with and without them (N
times each, in turn): what CKAN's own tests pay once per test that uses the
``app`` fixture, which is where they are slower with our plugins.
"""
from __future__ import annotations

import argparse
import configparser
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import live  # noqa: E402  (the tests' web process, shared)

BIN = pathlib.Path(sys.executable).parent
OURS = ("elections", "usagestats", "elections_results_view", "elections_summary_widget", "elections_map_widget",
        "elections_participation_widget")
ELECTION_SCHEMA = "ckanext.elections.schemas:election.yaml"
DATASET = "overhead-plain"
BENCH = {
    "ckan.site_id": "elections-bench",
    "sqlalchemy.url": "postgresql://ckan_default:ckan_default@127.0.0.1:55432/ckan_bench",
    "ckan.datastore.write_url": "postgresql://ckan_default:ckan_default@127.0.0.1:55432/datastore_bench",
    "ckan.datastore.read_url": "postgresql://datastore_ro:datastore_ro@127.0.0.1:55432/datastore_bench",
    "ckanext.xloader.jobs_db.uri": "postgresql://ckan_default:ckan_default@127.0.0.1:55432/ckan_bench",
    "ckan.redis.url": "redis://127.0.0.1:56379/8",
    "ckan.storage_path": str(ROOT / ".state" / "storage-bench"),
    # Rollups run by the job worker only, and no beacon limit: steady requests.
    "ckanext.usagestats.rollup_interval": "0",
    "ckanext.usagestats.beacon_rate_limit": "0",
}


def write_ini(path: pathlib.Path, drop: tuple[str, ...] = (), **options: str) -> pathlib.Path:
    """test.ini with the bench's databases, less the plugins in ``drop``."""
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    parser.read_string((ROOT / "test.ini").read_text(encoding="utf-8").replace("%(here)s", str(ROOT)))
    for key, value in {**BENCH, **options}.items():
        parser.set("app:main", key, value)
    if drop:
        plugins = parser.get("app:main", "ckan.plugins").split()
        parser.set("app:main", "ckan.plugins", " ".join(p for p in plugins if p not in drop))
        if "elections" in drop:
            schemas = parser.get("app:main", "scheming.dataset_schemas").split()
            parser.set("app:main", "scheming.dataset_schemas", " ".join(s for s in schemas if s != ELECTION_SCHEMA))
    with path.open("w", encoding="utf-8") as ini:
        parser.write(ini)
    return path


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its children (gunicorn's
    worker), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            fields = pathlib.Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = pathlib.Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
        pids.extend(int(child) for child in children)
    return total


@contextmanager
def serve(ini: pathlib.Path, log: pathlib.Path) -> Iterator[tuple[str, int]]:
    """gunicorn on ``ini``, on a free loopback port, until the block ends:
    its URL and process id."""
    port = live.free_port()
    with live.web_process(ini, port, log, startup=90) as process:
        yield f"http://127.0.0.1:{port}", process.pid


def prepare(ini: pathlib.Path) -> None:
    env = {**os.environ, "TEST_INI": str(ini), "TEST_DB": "ckan_bench", "TEST_DATASTORE_DB": "datastore_bench"}
    subprocess.run([str(ROOT / "scripts" / "site.sh"), "test"], env=env, check=True)


def ensure_dataset(ini: pathlib.Path) -> None:
    """A plain dataset (CKAN's type) with one resource, created once."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(str(ini)))
    import ckan.plugins.toolkit as tk
    from ckan import model

    from ckanext.elections.utils import site_context

    with app._wsgi_app.test_request_context():
        if model.Package.get(DATASET) is None:
            if model.Group.get("overhead") is None:
                tk.get_action("organization_create")(site_context(), {"name": "overhead", "title": "Overhead"})
            tk.get_action("package_create")(site_context(), {
                "name": DATASET, "title": "A plain dataset", "owner_org": "overhead",
                "notes": "A plain dataset page, with one resource and two tags.",
                "tags": [{"name": "budget"}, {"name": "open-data"}],
                "resources": [{"url": "https://files.example.org/overhead.csv", "format": "CSV",
                               "name": "overhead.csv"}]})


def measure(servers: tuple[tuple[str, int], tuple[str, int]], path: str, rounds: int,
            warmup: int) -> tuple[list[float], list[float], list[float]]:
    """Times (ms) of each side's requests, and each side's CPU ms per request."""
    import requests

    urls = [url for url, _ in servers]
    cpu = [0.0, 0.0]
    sessions = [requests.Session() for _ in urls]
    headers = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "Accept-Language": "fr-FR"}
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(rounds + warmup):
        for side in ((0, 1) if i % 2 else (1, 0)):
            started = time.perf_counter()
            answer = sessions[side].get(urls[side] + path, headers=headers, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code >= 400:
                raise RuntimeError(f"{urls[side]}{path}: {answer.status_code}")
            if i >= warmup:
                times[side].append(elapsed)
        if i + 1 == warmup:
            cpu = [cpu_seconds(pid) for _, pid in servers]
    spent = [1000 * (cpu_seconds(pid) - before) / rounds for (_, pid), before in zip(servers, cpu, strict=True)]
    return times[0], times[1], spent


def app_creation(ours: pathlib.Path, theirs: pathlib.Path, times: int) -> None:
    """CPU ms of ``make_app`` with each ini, in turn."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    configs = (load_config(str(ours)), load_config(str(theirs)))
    spent: tuple[list[float], list[float]] = ([], [])
    for i in range(times + 1):
        for side in ((0, 1) if i % 2 else (1, 0)):
            started = time.process_time()
            make_app(configs[side])
            if i:  # the first builds warm the imports up
                spent[side].append((time.process_time() - started) * 1000)
    with_ms, without_ms = statistics.median(spent[0]), statistics.median(spent[1])
    print(f"make_app CPU ms: with {with_ms:.0f}, without {without_ms:.0f}, {100 * (with_ms / without_ms - 1):+.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prepare", action="store_true", help="recreate the bench's databases first")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--drop", default=",".join(OURS), help="plugins the second CKAN goes without")
    parser.add_argument("--page", action="append", help="paths to measure (default: the plain dataset page)")
    parser.add_argument("--app", type=int, metavar="N", help="measure building CKAN's app instead, N times each")
    args = parser.parse_args()
    drop = tuple(p for p in args.drop.split(",") if p)
    log = ROOT / ".state" / "logs" / "bench-overhead-web.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        folder = pathlib.Path(folder)
        # The same site_url for both: it is in the pages, whose sizes must match.
        ours = write_ini(folder / "with.ini")
        theirs = write_ini(folder / "without.ini", drop)
        if args.prepare:
            prepare(ours)
        if args.app:
            app_creation(ours, theirs, args.app)
            return
        os.environ["CKAN_INI"] = str(ours)
        ensure_dataset(ours)
        servers = (stack.enter_context(serve(ours, log)), stack.enter_context(serve(theirs, log)))
        pages = args.page or [f"/dataset/{DATASET}"]
        print(f"without: {', '.join(drop)}; {args.rounds} rounds after {args.warmup} to warm up")
        print(f"{'page':28} {'with ms':>8} {'without':>8} {'ratio':>7} {'per-round':>9} "
              f"{'CPU with':>9} {'without':>8} {'ratio':>7}")
        for path in pages:
            with_ms, without_ms, (cpu_with, cpu_without) = measure(servers, path, args.rounds, args.warmup)
            ratio = statistics.median(with_ms) / statistics.median(without_ms)
            per_round = statistics.median(a / b for a, b in zip(with_ms, without_ms, strict=True))
            print(f"{path:28} {statistics.median(with_ms):8.2f} {statistics.median(without_ms):8.2f} "
                  f"{100 * (ratio - 1):+6.1f}% {100 * (per_round - 1):+8.1f}% "
                  f"{cpu_with:9.2f} {cpu_without:8.2f} {100 * (cpu_with / cpu_without - 1):+6.1f}%", flush=True)


if __name__ == "__main__":
    main()
