"""Benchmark of the ingestion of nginx's log (ckanext-usagestats), run on demand, never by pytest.

Writes an access log of N lines (default 10 million) in nginx's
``elections_usage`` format (deploy/nginx.conf.in), today's hits of a few
thousand visitors on 500 datasets: results API polls, embeds with their
sites, results downloads, a few lines that reached CKAN (which ingestion
skips). Then, each in a fresh process that loads CKAN first:

* the baseline: reading the file and parsing every line's JSON, the least
  any ingester does;
* the ingestion, as ``ckan usagestats ingest --log FILE`` runs it: keyed
  with the day's salt, classified, datasets looked up, ``COPY`` into
  ``usagestats_event``, the file deleted;

and prints each one's time and peak RSS, and the ingestion's as ratios of
the baseline's. The events it added are deleted at the end.

Usage (a database of its own: it writes 10 M rows into usagestats_event)::

    .venv/bin/python bench/usagestats_ingest.py --ini bench.ini [--lines 10000000]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import random
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
from ckan.cli import load_config
from ckan.config.middleware import make_app
app = make_app(load_config({ini!r}))
path, mode = {path!r}, {mode!r}
with app._wsgi_app.test_request_context():
    started = time.perf_counter()
    if mode == "cleanup":
        import sqlalchemy as sa
        from ckan import model
        with model.meta.engine.begin() as connection:
            connection.execute(sa.text("TRUNCATE usagestats_event, usagestats_ingest"))
        lines = 0
    elif mode == "baseline":
        lines = 0
        with open(path, "rb") as f:
            for line in f:
                json.loads(line)
                lines += 1
    else:
        from ckanext.usagestats import ingest
        lines = ingest.ingest_logs([path])
    seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "lines": lines,
                  # VmHWM: this program's own peak (ru_maxrss keeps the parent's size at fork)
                  "rss_mb": next(int(line.split()[1]) for line in open("/proc/self/status")
                                 if line.startswith("VmHWM:")) / 1024}}))
"""


def write_log(path: pathlib.Path, lines: int, datasets: int, seed: int = 2028) -> None:
    rng = random.Random(seed)
    visitors = [(f"198.51.{rng.randrange(256)}.{rng.randrange(256)}",
                 f"Mozilla/5.0 (X11; Linux x86_64) Firefox/{rng.randrange(100, 130)}.0",
                 rng.choice(["fr-FR,fr;q=0.9", "en-GB,en;q=0.8", "de-DE"])) for _ in range(5000)]
    sites = [f"https://www.site{i}.example.org/article" for i in range(40)]
    start = datetime.datetime.now(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    epoch = start.timestamp()
    step = min(86400 / lines, (datetime.datetime.now(datetime.UTC) - start).total_seconds() / lines)
    with path.open("w", encoding="utf-8") as f:
        for i in range(lines):
            address, agent, language = visitors[rng.randrange(len(visitors))]
            n = int(datasets * rng.random() ** 3)
            kind = rng.random()
            referer, cache, upstream = "", "HIT", ""
            if kind < 0.70:
                uri = f"/api/3/action/elections_results_show?id=bench-{n}&level=commune"
            elif kind < 0.85:
                uri = f"/dataset/bench-{n}/resource/bench-r-{n}/view/v{n}"
                referer = sites[rng.randrange(len(sites))]
            elif kind < 0.95:
                uri = f"/election/bench-{n}/results/canton.csv"
            else:
                uri, cache, upstream = f"/api/3/action/package_show?id=bench-{n}", "MISS", "200"
            f.write(json.dumps({
                "time": "", "msec": f"{epoch + i * step:.3f}", "method": "GET", "uri": uri, "status": "200",
                "cache": cache, "upstream": upstream, "host": "127.0.0.1:5000", "address": address,
                "agent": agent, "language": language, "referer": referer}, separators=(",", ":")))
            f.write("\n")


def run_child(ini: str, path: pathlib.Path, mode: str) -> dict:
    code = _CHILD.format(root=str(ROOT), ini=ini, path=str(path), mode=mode)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=6 * 3600,
                            env={**os.environ, "CKAN_INI": ini})
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ini", default=str(ROOT / "test-usage.ini"))
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--datasets", type=int, default=500)
    parser.add_argument("--folder", default=None, help="Where to write the log (default: a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        path = pathlib.Path(folder) / "usage.json"
        started = time.monotonic()
        write_log(path, args.lines, args.datasets)
        size = path.stat().st_size
        print(f"log of {args.lines:,} lines ({size / 1e9:.2f} GB) written in {time.monotonic() - started:.0f} s",
              flush=True)
        baseline = run_child(args.ini, path, "baseline")
        ingested = run_child(args.ini, path, "ingest")
        assert not path.exists(), "the ingested log must be deleted"

    print(f"\n{'':34} {'seconds':>9} {'lines/s':>10} {'peak RSS MB':>12}")
    print(f"{'baseline (read and parse JSON)':34} {baseline['seconds']:9.1f} "
          f"{baseline['lines'] / baseline['seconds']:10,.0f} {baseline['rss_mb']:12.0f}")
    print(f"{'ingestion (ckan usagestats ingest)':34} {ingested['seconds']:9.1f} "
          f"{args.lines / ingested['seconds']:10,.0f} {ingested['rss_mb']:12.0f}")
    print(f"\nratios of the ingestion to the baseline: time {ingested['seconds'] / baseline['seconds']:.1f}x, "
          f"peak RSS {ingested['rss_mb'] / baseline['rss_mb']:.2f}x; events added: {ingested['lines']:,}")
    run_child(args.ini, pathlib.Path("-"), "cleanup")


if __name__ == "__main__":
    main()
