"""Benchmarks of ckanext-elections (issue 3), each against a baseline measured
in the same run. Run on demand, with the portal up (``make up``)::

    .venv/bin/python bench/elections_bench.py import   # France 2017 T1 vs xloader
    .venv/bin/python bench/elections_bench.py api      # canton answer vs datastore_search pages
    .venv/bin/python bench/elections_bench.py push     # push -> visible in the API

They create an organisation ``benchmarks`` and datasets in it, in the portal
configured by ``ckan.ini``; ``--clean`` purges them afterwards. Real files are
read from ``../shared/data/elections`` (or ``$ELECTIONS_DATA_DIR``).
"""
from __future__ import annotations

import argparse
import gzip
import logging
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]
INI = pathlib.Path(os.environ.get("BENCH_INI") or ROOT / "ckan.ini")
# CKAN itself, behind nginx: the benchmarks compare CKAN's work, not the
# proxy's cache (bench/night.py measures that).
URL = os.environ.get("BENCH_URL", "http://127.0.0.1:5081")
DATA = pathlib.Path(os.environ.get("ELECTIONS_DATA_DIR") or ROOT.parent / "shared" / "data" / "elections")
FRANCE = DATA / "results/bureau/2017-presidentielle-t1_france.csv.gz"
STRASBOURG = DATA / "results/bureau/2017-presidentielle-t1_strasbourg.csv"
ORG = "benchmarks"


@contextmanager
def ckan_app():
    """The portal's CKAN, in this process (for what has no HTTP API)."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(str(INI)))
    with app._wsgi_app.test_request_context():
        yield


def site_context() -> dict:
    import ckan.plugins.toolkit as tk

    return {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}


def ensure_election(name: str, **fields) -> str:
    import ckan.plugins.toolkit as tk
    from ckan import model

    if model.Group.get(ORG) is None:
        tk.get_action("organization_create")(site_context(), {"name": ORG, "title": "Benchmarks"})
    package = model.Package.get(name)
    if package is not None:
        return package.id
    return tk.get_action("package_create")(site_context(), {
        "type": "election", "name": name, "owner_org": ORG, "election_kind": "presidentielle",
        "election_round": "1", "polling_date": "2017-04-23", "results_status": "final", **fields,
    })["id"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- import ------------------------------------------------------------------

def run_import_part(part: str) -> None:
    """One side of the import benchmark, in its own process (for peak RSS)."""
    logging.disable(logging.INFO)
    with ckan_app():
        import ckan.plugins.toolkit as tk

        if part == "ours":
            from ckanext.elections import jobs

            package_id = ensure_election("bench-france-2017-t1", territory_name="France")
            started = time.perf_counter()
            record = jobs.import_file(package_id, FRANCE)
            elapsed = time.perf_counter() - started
            assert record.status == "complete", record.as_dict()["problems"][:3]
        else:
            from ckanext.xloader import loader

            package_id = ensure_election("bench-france-2017-t1-xloader", territory_name="France")
            res = tk.get_action("resource_create")(site_context(), {
                "package_id": package_id, "url": "http://example.invalid/france.csv", "format": "TXT"})
            with tempfile.NamedTemporaryFile(suffix=".csv") as plain:
                with gzip.open(FRANCE, "rb") as packed:
                    shutil.copyfileobj(packed, plain)
                plain.flush()
                log = logging.getLogger("bench")
                started = time.perf_counter()
                fields = loader.load_csv(plain.name, resource_id=res["id"], mimetype="text/csv", logger=log)
                loader.calculate_record_count(resource_id=res["id"], logger=log)
                loader.create_column_indexes(fields=fields, resource_id=res["id"], logger=log)
                elapsed = time.perf_counter() - started
    print(f"{elapsed:.3f} {peak_rss_mb():.0f}")


def bench_import(rounds: int) -> None:
    clean()  # a fresh election each time: the first import creates the tables
    def measure(part):
        out = subprocess.run([sys.executable, __file__, "_import_part", part], check=True,
                             capture_output=True, text=True).stdout.split()
        return float(out[-2]), float(out[-1])

    results = {"ours": [], "xloader": []}
    for _ in range(rounds):
        for part in results:
            results[part].append(measure(part))
    ours_t = statistics.median(t for t, _ in results["ours"])
    base_t = statistics.median(t for t, _ in results["xloader"])
    print(f"France 2017 T1 (69,242 bureaux x 11 candidates), median of {rounds}:")
    print(f"  ckanext-elections import (parse, check, COPY, rollups): {ours_t:6.2f} s, "
          f"peak RSS {max(m for _, m in results['ours']):.0f} MB")
    print(f"  xloader load_csv + indexes of the plain CSV (baseline): {base_t:6.2f} s, "
          f"peak RSS {max(m for _, m in results['xloader']):.0f} MB")
    print(f"  ratio ours / xloader: {ours_t / base_t:.2f}x  (target <= 1.5x)")


# -- api -----------------------------------------------------------------------

def bench_api(requests_count: int) -> None:
    with ckan_app():
        from ckanext.elections import jobs
        from ckanext.elections.results import derive_strasbourg_cantons, import_results

        package_id = ensure_election("bench-strasbourg-2017-t1", territory_name="Strasbourg")
        reference = derive_strasbourg_cantons(import_results(STRASBOURG).areas)
        jobs.import_file(package_id, STRASBOURG, reference=reference)
        from ckanext.elections.model import ElectionResults

        areas_resource = ElectionResults.get(package_id).areas_resource_id
    session = requests.Session()

    def ours():
        answer = session.get(f"{URL}/api/3/action/elections_results_show",
                             params={"id": "bench-strasbourg-2017-t1", "level": "canton"}).json()
        return answer["result"]["areas"]

    def baseline():
        # What a reuser does today: page through the bureau rows of a DataStore
        # table with datastore_search and sum them per canton.
        rows, offset = [], 0
        while True:
            page = session.get(f"{URL}/api/3/action/datastore_search", params={
                "resource_id": areas_resource, "filters": '{"level": "bureau"}', "limit": 100,
                "offset": offset}).json()["result"]
            rows += page["records"]
            offset += 100
            if offset >= page["total"]:
                break
        cantons: dict[str, dict[str, int]] = {}
        for row in rows:
            total = cantons.setdefault(row["canton"], dict.fromkeys(
                ("inscrits", "votants", "exprimes"), 0))
            for key in total:
                total[key] += row[key] or 0
        return cantons

    def timed(fn):
        fn()  # warm up
        samples = []
        for _ in range(requests_count):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    ours_ms, base_ms = timed(ours), timed(baseline)
    print(f"Strasbourg 2017 T1, canton level, median of {requests_count} over HTTP:")
    print(f"  elections_results_show:               {ours_ms:7.1f} ms  (target < 30 ms)")
    print(f"  datastore_search pages + aggregation: {base_ms:7.1f} ms  (baseline; counts only, no votes)")
    print(f"  speed-up: {base_ms / ours_ms:.1f}x  (target >= 10x)")
    bench_outcomes(requests_count)


def bench_outcomes(rounds: int) -> None:
    """What the rules (outcomes, seats, nuances) cost an answer computed
    afresh (the answer cache bypassed), against the same answer with the
    decisions left out, in this process."""
    with ckan_app():
        from unittest import mock

        from ckan import model

        from ckanext.elections import answers

        package = model.Package.get("bench-strasbourg-2017-t1")

        def once(level: str) -> float:
            started = time.perf_counter()
            answers.results(package, level)
            return (time.perf_counter() - started) * 1000

        for level in ("territory", "canton", "bureau"):
            once(level)  # warm up
            samples: dict[bool, list[float]] = {True: [], False: []}
            for _ in range(rounds):  # interleaved, so that load on the machine weighs on both
                samples[True].append(once(level))
                with mock.patch.object(answers, "_decide", return_value=None):
                    samples[False].append(once(level))
            with_rules, without = statistics.median(samples[True]), statistics.median(samples[False])
            print(f"  {level:9} answer computed afresh: {with_rules:6.2f} ms with outcomes and seats, "
                  f"{without:6.2f} ms without (baseline): ratio {with_rules / without:.2f}x")


# -- push ----------------------------------------------------------------------

def bench_push(rounds: int) -> None:
    token = (ROOT / ".state" / "xloader-token").read_text().strip()  # the admin's token
    session = requests.Session()
    session.headers["Authorization"] = token
    name = "bench-strasbourg-2017-t1"
    shown = session.get(f"{URL}/api/3/action/elections_results_show",
                        params={"id": name, "level": "bureau", "code": "67482_0101"}).json()["result"]
    area = shown["areas"][0]

    def canton_voix(candidate: str) -> int:
        seen = session.get(f"{URL}/api/3/action/elections_results_show",
                           params={"id": name, "level": "canton", "code": "67017"}).json()["result"]
        return {c["id"]: c["voix"] for c in seen["areas"][0]["candidates"]}[candidate]

    samples = []
    for i in range(rounds):
        votes = {c["id"]: c["voix"] for c in area["candidates"]}
        first, second = sorted(votes)[:2]
        shift = 1 if i % 2 == 0 else -1  # move one vote back and forth
        votes[first] += shift
        votes[second] -= shift
        payload = {k: area[k] for k in ("inscrits", "votants", "blancs", "nuls", "exprimes")}
        expected = canton_voix(first) + shift
        started = time.perf_counter()
        session.post(f"{URL}/api/3/action/elections_results_push",
                     json={"id": name, "areas": [{"code": "67482_0101", **payload, "candidates": votes}]}
                     ).raise_for_status()
        while canton_voix(first) != expected:
            pass
        samples.append((time.perf_counter() - started) * 1000)
        area["candidates"] = [{"id": k, "voix": v} for k, v in votes.items()]
    print(f"Push of one bureau until its canton shows it, median of {rounds}: "
          f"{statistics.median(samples):.0f} ms (target < 1000 ms)")


def clean() -> None:
    for name in ("bench-france-2017-t1", "bench-france-2017-t1-xloader", "bench-strasbourg-2017-t1"):
        subprocess.run([str(ROOT / ".venv/bin/ckan"), "-c", str(INI), "dataset", "purge", name],
                       capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["import", "api", "push", "_import_part"])
    parser.add_argument("part", nargs="?")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clean", action="store_true", help="purge the benchmark datasets afterwards")
    args = parser.parse_args()
    if args.what == "_import_part":
        run_import_part(args.part)
        return
    {"import": lambda: bench_import(args.rounds), "api": lambda: bench_api(args.requests),
     "push": lambda: bench_push(args.requests // 10)}[args.what]()
    if args.clean:
        clean()


if __name__ == "__main__":
    main()
