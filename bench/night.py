"""Election night at city scale, through the caching tier (issue "Election night").

Run on demand, with the portal up (``make up``: nginx on port 5000 in front
of CKAN, the demo night loaded)::

    .venv/bin/python bench/night.py [--quick] [--skip-faults]

Every figure is a ratio to the same URL fetched with a request that
bypasses the cache (it carries a session cookie, as a logged-in reader's
would), measured in the same run, on the same machine, load generator
included (wrk from Debian). Loopback only; every loop is bounded in count
and time.

1. Results JSON, anonymous, through nginx vs bypassing: requests/s, errors.
2. A public embed page, the same.
3. A stampede: 2,000 first visits to a cold embed page within 10 s; all
   answered, and how many times CKAN rendered it (its web log).
4. Sustained: 10,000 viewers polling every 10 s for 60 s (wrk, one
   connection per viewer, If-None-Match like the views), a bureau pushed
   every second; p99 latency, errors, and push -> visible to an anonymous
   poller (p95).
5. CKAN's web processes stopped for 60 s in the middle of a poll: errors
   seen by anonymous viewers, and how long they take to catch up after.
6. Usage analytics: hits counted by ckanext-usagestats after the run (the
   cached ones from nginx's files a minute, once ingested), against the
   requests the load generator made.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]
PORTAL = "http://127.0.0.1:5000"
ELECTION = "regionales-2028-t1-villeneuve"
RESULTS = f"{PORTAL}/api/3/action/elections_results_show?id={ELECTION}&level=canton"
BYPASS = {"Cookie": "ckan=bench-bypass"}
CKAN = ROOT / ".venv" / "bin" / "ckan"
SUPERVISOR = ["supervisorctl", "-c", str(ROOT / ".state" / "supervisor" / "supervisord.conf")]
# Readers' browsers: wrk sends no User-Agent, which usagestats counts as a bot.
AGENT = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"

POLL_LUA = """
-- One viewer per connection: polls every 10 s at its own phase, revalidating with its ETag.
local etag = nil
local first = true
request = function()
  local headers = {["User-Agent"] = wrk.headers["User-Agent"]}
  if etag then headers["If-None-Match"] = etag end
  return wrk.format("GET", wrk.path, headers)
end
response = function(status, headers, body)
  if headers["ETag"] then etag = headers["ETag"] end
end
delay = function()
  if first then first = false; return math.random(0, %(period_ms)d) end
  return %(period_ms)d
end
"""
HEADER_LUA = 'wrk.headers["Cookie"] = "ckan=bench-bypass"\n'


def wrk(url: str, *, seconds: int, connections: int, threads: int = 2, script: str | None = None,
        timeout: int = 10) -> dict:
    """Run wrk once; requests/s, latency percentiles (ms), errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script or "")
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
               "--timeout", f"{timeout}s", "-H", f"User-Agent: {AGENT}", "-s", lua.name, url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120).stdout
    pathlib.Path(lua.name).unlink()
    figures = {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
               "requests": int(re.search(r"(\d+) requests in", out).group(1))}
    for share in ("50", "99"):
        found = re.search(rf"\s{share}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(found.group(1)), found.group(2)
        figures[f"p{share}_ms"] = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["errors"] = (sum(map(int, errors.groups())) if errors else 0) + (int(bad.group(1)) if bad else 0)
    return figures


def embed_url() -> str:
    package = requests.get(f"{PORTAL}/api/3/action/package_show", params={"id": ELECTION}, timeout=10).json()
    cantons = next(r for r in package["result"]["resources"] if r.get("level") == "canton")
    views = requests.get(f"{PORTAL}/api/3/action/resource_view_list", params={"id": cantons["id"]},
                         timeout=10).json()["result"]
    widget = next(v for v in views if v["view_type"] == "elections_summary_widget")
    return f"{PORTAL}/dataset/{ELECTION}/resource/{cantons['id']}/view/{widget['id']}"


def ratio_phase(name: str, url: str, seconds: int) -> dict:
    cached = wrk(url, seconds=seconds, connections=64)
    bypass = wrk(url, seconds=seconds, connections=16, script=HEADER_LUA)
    result = {"phase": name, "cached": cached, "bypass": bypass,
              "ratio": round(cached["requests_per_s"] / max(bypass["requests_per_s"], 0.01), 1)}
    print(f"{name}: {cached['requests_per_s']:.0f} req/s through the cache vs "
          f"{bypass['requests_per_s']:.1f} bypassing: {result['ratio']}x; errors {cached['errors']} / "
          f"{bypass['errors']}; p99 {cached['p99_ms']:.1f} ms vs {bypass['p99_ms']:.1f} ms", flush=True)
    return result


def web_logs() -> str:
    return "".join(p.read_text(errors="replace") for p in (ROOT / ".state" / "logs").glob("web-*.log"))


def stampede(url: str, visits: int = 2000, seconds: float = 10.0) -> dict:
    cold = f"{url}?bench={uuid.uuid4().hex}"
    before = web_logs().count(cold.split("?", 1)[1])
    statuses: list[int] = []
    start = time.monotonic()

    def visit(i: int) -> None:
        time.sleep(max(0.0, start + i * seconds / visits - time.monotonic()))
        try:
            statuses.append(requests.get(cold, timeout=30).status_code)
        except requests.RequestException:
            statuses.append(0)

    with ThreadPoolExecutor(max_workers=200) as pool:
        list(pool.map(visit, range(visits)))
    elapsed = time.monotonic() - start
    time.sleep(1)
    renders = web_logs().count(cold.split("?", 1)[1]) - before
    answered = sum(1 for s in statuses if s == 200)
    print(f"stampede: {answered}/{visits} answered in {elapsed:.1f} s; CKAN rendered the page {renders} time(s)",
          flush=True)
    return {"phase": "stampede", "visits": visits, "answered": answered, "seconds": round(elapsed, 1),
            "renders": renders}


def admin_token() -> str:
    out = subprocess.run([str(CKAN), "-c", str(ROOT / "ckan.ini"), "user", "token", "add", "admin", "bench-night"],
                         capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1].strip()


class Pusher(threading.Thread):
    """Pushes one awaited bureau a second; an anonymous poller times when it shows."""

    def __init__(self, token: str, seconds: int) -> None:
        super().__init__(daemon=True)
        sys.path.insert(0, str(ROOT))
        from ckanext.elections import demo
        from ckanext.elections.demo.portal import payload

        self.election = demo.build_elections(demo.build_city())[0]
        self.payload = payload
        self.token, self.seconds = token, seconds
        self.delays: list[float] = []
        self.pushed = 0

    def counted(self) -> tuple[int, set[str]]:
        answer = requests.get(f"{PORTAL}/api/3/action/elections_results_show",
                              params={"id": ELECTION, "level": "bureau"}, timeout=10).json()["result"]
        return answer["progress"]["counted"], {a["code"] for a in answer["areas"] if a["counted"]}

    def territory(self) -> dict:
        return requests.get(RESULTS.replace("level=canton", "level=territory"), timeout=10).json()["result"]

    def run(self) -> None:
        _, done = self.counted()
        # The bureaux still awaited, then (once the demo's night is all
        # counted) corrections of counted ones, as an editor fixing a typo.
        codes = [code for code in self.election.order if code not in done] + list(self.election.order)
        for code in codes[: self.seconds]:
            step = time.monotonic()
            area = self.payload(self.election, code)
            if code in done:
                area["inscrits"] += random.randint(1, 500)
            before = self.territory()["updated"]
            requests.post(f"{PORTAL}/api/3/action/elections_results_push", headers={"Authorization": self.token},
                          json={"id": ELECTION, "areas": [area]}, timeout=10).raise_for_status()
            self.pushed += 1
            started = time.monotonic()  # the push is done: from now on, readers should see it
            while time.monotonic() - started < 15:
                if self.territory()["updated"] != before:
                    self.delays.append(time.monotonic() - started)
                    break
                time.sleep(0.1)
            time.sleep(max(0.0, 1.0 - (time.monotonic() - step)))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def sustained(viewers: int, seconds: int, token: str) -> dict:
    script = POLL_LUA % {"period_ms": 10_000}
    pusher = Pusher(token, seconds)
    pusher.start()
    figures = wrk(RESULTS, seconds=seconds, connections=viewers, threads=2, script=script)
    pusher.join(timeout=30)
    p95 = percentile(pusher.delays, 0.95)
    print(f"sustained: {viewers} viewers polling every 10 s for {seconds} s: {figures['requests']} requests, "
          f"{figures['errors']} errors, p99 {figures['p99_ms']:.1f} ms; {pusher.pushed} pushes, "
          f"push -> visible p95 {p95:.2f} s (max {max(pusher.delays, default=float('nan')):.2f} s)", flush=True)
    return {"phase": "sustained", "viewers": viewers, **figures, "pushes": pusher.pushed,
            "push_visible_p95_s": round(p95, 2)}


def outage(embed: str, seconds: int) -> dict:
    """Stop CKAN's web processes for ``seconds`` while anonymous viewers poll."""
    results: dict = {}

    def poll(url: str, key: str) -> None:
        results[key] = wrk(url, seconds=seconds + 20, connections=50, threads=1)

    pollers = [threading.Thread(target=poll, args=(RESULTS, "results")),
               threading.Thread(target=poll, args=(embed, "embed"))]
    for thread in pollers:
        thread.start()
    time.sleep(10)
    subprocess.run([*SUPERVISOR, "stop", "web:*"], check=True, capture_output=True)
    stopped = time.monotonic()
    time.sleep(seconds)
    subprocess.run([*SUPERVISOR, "start", "web:*"], check=True, capture_output=True)
    restarted = time.monotonic() - stopped
    for thread in pollers:
        thread.join()
    started = time.monotonic()
    while time.monotonic() - started < 120:
        try:
            if requests.get(RESULTS, headers=BYPASS, timeout=5).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.5)
    caught_up = time.monotonic() - started
    print(f"outage: web stopped {restarted:.0f} s; errors seen by anonymous viewers: results "
          f"{results['results']['errors']}/{results['results']['requests']}, embed "
          f"{results['embed']['errors']}/{results['embed']['requests']}; CKAN answered again "
          f"{caught_up:.1f} s after its restart", flush=True)
    return {"phase": "outage", **{k: v for k, v in results.items()}, "caught_up_s": round(caught_up, 1)}


def settle_usage() -> None:
    """nginx writes the cached hits a file a minute; the rollup ingests a file
    once nginx has left it (ckanext.usagestats.nginx_logs): roll up until
    every file is in (10 minutes at most)."""
    logs = ROOT / ".state" / "run" / "usagestats" / "nginx"
    deadline = time.monotonic() + 600
    while True:
        subprocess.run([str(CKAN), "-c", str(ROOT / "ckan.ini"), "usagestats", "rollup"], capture_output=True)
        if not any(logs.glob("*.log")) or time.monotonic() > deadline:
            break
        time.sleep(10)


def usage(requests_made: int, since: str, token: str) -> dict:
    settle_usage()
    answer = requests.get(f"{PORTAL}/api/3/action/usagestats_live", params={"hours": 2},
                          headers={"Authorization": token}, timeout=60)
    try:
        rows = answer.json()["result"]["rows"]
        counted = sum(r["api_calls"] + r["embeds"] for r in rows if r["minute"] >= since)
    except (ValueError, KeyError):
        print("usage: no answer from usagestats_live:", answer.text[-300:], flush=True)
        return {"phase": "usage", "counted": None}
    share = counted / requests_made if requests_made else float("nan")
    print(f"usage: usagestats counted {counted} API calls and embeds for {requests_made} requests made "
          f"({100 * share:.1f} %)", flush=True)
    return {"phase": "usage", "counted": counted, "made": requests_made}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases (smoke run)")
    parser.add_argument("--skip-faults", action="store_true", help="do not stop CKAN's web processes")
    parser.add_argument("--viewers", type=int, default=10_000)
    args = parser.parse_args()
    seconds = 5 if args.quick else 15
    requests.get(RESULTS, timeout=10).raise_for_status()
    # Usage is counted by the minute: start on a minute of this run's own,
    # the hits of an earlier run all counted.
    settle_usage()
    time.sleep(60.5 - time.time() % 60)
    since = time.strftime("%Y-%m-%d %H:%M", time.localtime())
    embed = embed_url()
    report = [ratio_phase("results JSON", RESULTS, seconds), ratio_phase("embed page", embed, seconds),
              stampede(embed, 500 if args.quick else 2000)]
    token = admin_token()
    report.append(sustained(1000 if args.quick else args.viewers, 20 if args.quick else 60, token))
    made = sum(p["cached"]["requests"] + p["bypass"]["requests"] for p in report[:2]) + report[2]["visits"] + \
        report[3]["requests"]
    report.append(usage(made, since, token))
    if not args.skip_faults:
        report.append(outage(embed, 15 if args.quick else 60))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
