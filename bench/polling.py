"""Polling load of the election views (issue 4): N viewers poll the results
API every P seconds for D seconds against one CKAN web process (gunicorn,
one worker, 4 threads, as tests/live.py starts it), first revalidating with
If-None-Match as the views do (304 when nothing changed), then fetching the
full JSON each time, in the same run. Run on demand::

    BENCH_INI=test-views.ini .venv/bin/python bench/polling.py --viewers 200

The data is the demo night of bench/views_bytes.py (in BENCH_INI's
databases, default test.ini); a bureau is pushed every --push-every seconds
during each phase, so the ETag changes as on election night. Load stays on
127.0.0.1 and is bounded by --viewers, --period and --duration.
Target: no errors, p99 under 100 ms for the 304s at 200 viewers.
"""
from __future__ import annotations

import argparse
import heapq
import queue
import random
import statistics
import threading
import time

import requests
from views_bytes import REGIONALES, ckan_app, ensure_night


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_phase(url: str, args: argparse.Namespace, revalidate: bool, push) -> dict:
    """Every viewer polls at its own phase of the period; a pool of workers sends."""
    params = {"id": REGIONALES, "level": args.level}
    etags: dict[int, str] = {}
    todo: queue.Queue = queue.Queue()
    results: list[tuple[int, float, int]] = []  # status (0: error), seconds, bytes
    lock = threading.Lock()
    stop = threading.Event()
    failures: list[str] = []
    retries: list[int] = []

    def worker() -> None:
        session = requests.Session()
        while not stop.is_set():
            try:
                viewer = todo.get(timeout=0.2)
            except queue.Empty:
                continue
            headers = {"If-None-Match": etags[viewer]} if revalidate and viewer in etags else {}
            started = time.perf_counter()
            try:
                try:
                    response = session.get(f"{url}/api/3/action/elections_results_show", params=params,
                                           headers=headers, timeout=10)
                except requests.ConnectionError:
                    # The server closed an idle kept-alive connection as it was
                    # reused: browsers resend such a GET once, so do we.
                    with lock:
                        retries.append(1)
                    response = session.get(f"{url}/api/3/action/elections_results_show", params=params,
                                           headers=headers, timeout=10)
                size = len(response.content)
                status = response.status_code
                if status == 200 and response.headers.get("ETag"):
                    etags[viewer] = response.headers["ETag"]
            except requests.RequestException as error:
                status, size = 0, 0
                with lock:
                    failures.append(type(error).__name__)
            with lock:
                results.append((status, time.perf_counter() - started, size))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.workers)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    schedule = [(start + random.uniform(0, args.period), viewer) for viewer in range(args.viewers)]
    heapq.heapify(schedule)
    next_push = start + args.push_every if args.push_every else float("inf")
    pushes = 0
    while schedule:
        when, viewer = schedule[0]
        now = time.perf_counter()
        if now >= next_push:
            push()
            pushes += 1
            next_push += args.push_every
            continue
        if when > now:
            time.sleep(min(when, next_push) - now)
            continue
        heapq.heappop(schedule)
        todo.put(viewer)
        if when + args.period < start + args.duration:
            heapq.heappush(schedule, (when + args.period, viewer))
    while not todo.empty():
        time.sleep(0.05)
    time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    ok = [seconds for status, seconds, _ in results if status in (200, 304)]
    return {
        "requests": len(results),
        "per_second": len(results) / elapsed,
        "median_ms": 1000 * statistics.median(ok) if ok else float("nan"),
        "p99_ms": 1000 * percentile(ok, 0.99),
        "p99_304_ms": 1000 * percentile([s for status, s, _ in results if status == 304], 0.99),
        "errors": sum(1 for status, _, _ in results if status not in (200, 304)),
        "304s": sum(1 for status, _, _ in results if status == 304),
        "kilobytes": sum(size for _, _, size in results) / 1024,
        "pushes": pushes,
        "retries": len(retries),
        "failures": sorted({str(status) for status, _, _ in results if status not in (0, 200, 304)} | set(failures)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--period", type=float, default=10, help="seconds between two polls of a viewer")
    parser.add_argument("--duration", type=float, default=60, help="seconds per phase")
    parser.add_argument("--level", default="canton")
    parser.add_argument("--push-every", type=float, default=20, help="seconds between pushed bureaux (0: none)")
    parser.add_argument("--workers", type=int, default=32, help="client threads sending the polls")
    args = parser.parse_args()
    if args.viewers > 2000 or args.period < 1 or args.duration > 600:
        parser.error("keep the load bounded: at most 2000 viewers, a period of 1 s or more, 600 s per phase")

    import ckan.plugins.toolkit as tk

    from ckanext.elections import demo
    from tests import live

    election = demo.build_elections(demo.build_city())[0]
    order = demo.counting_order(election)

    with ckan_app():
        ensure_night()
        site = {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}

        def push() -> None:
            counted = tk.get_action("elections_results_show")(
                {"ignore_auth": True}, {"id": REGIONALES, "level": "territory"})["progress"]["counted"]
            if counted < len(order):
                tk.get_action("elections_results_push")(
                    dict(site), {"id": REGIONALES, "areas": [demo.bureau_payload(election, order[counted])]})

        with live.derived_ini() as ini, live.live_ckan(ini) as url:
            for _ in range(20):  # warm up the worker
                requests.get(f"{url}/api/3/action/elections_results_show",
                             params={"id": REGIONALES, "level": args.level}, timeout=10)
            phases = {
                "If-None-Match (views)": run_phase(url, args, True, push),
                "full JSON every time": run_phase(url, args, False, push),
            }

    print(f"{args.viewers} viewers polling level={args.level} every {args.period:g} s for {args.duration:g} s, "
          "one CKAN process (gunicorn gthread, 1 worker x 4 threads), "
          + (f"a bureau pushed every {args.push_every:g} s" if args.push_every else "no push"))
    print(f"{'phase':24} {'requests':>8} {'req/s':>7} {'304s':>6} {'median ms':>10} {'p99 ms':>8} "
          f"{'p99 304 ms':>11} {'errors':>7} {'retried':>8} {'KB recv':>9}")
    for label, r in phases.items():
        print(f"{label:24} {r['requests']:8d} {r['per_second']:7.1f} {r['304s']:6d} {r['median_ms']:10.1f} "
              f"{r['p99_ms']:8.1f} {r['p99_304_ms']:11.1f} {r['errors']:7d} {r['retries']:8d} {r['kilobytes']:9.0f}")
    for label, r in phases.items():
        if r["failures"]:
            print(f"  errors in {label}: {', '.join(r['failures'])}")
    with_etag, full = phases.values()
    print(f"ratios (If-None-Match / full): median {with_etag['median_ms'] / full['median_ms']:.2f}, "
          f"p99 {with_etag['p99_ms'] / full['p99_ms']:.2f}, bytes {with_etag['kilobytes'] / full['kilobytes']:.2f}")


if __name__ == "__main__":
    main()
