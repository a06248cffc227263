"""An nginx of our own, rendered from deploy/nginx.conf.in, in front of a live CKAN.

The tests start it on a free port in a temporary folder, with its usage log
sent to a socket of that folder: it runs the same under ``make test``
(CKAN on 5001, the suite's nginx-test on 5008 untouched) and beside it.
"""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render(template: pathlib.Path, values: dict[str, str]) -> str:
    text = template.read_text(encoding="utf-8")
    return re.sub(r"\$\{([A-Z_]+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def usage_log(socket_path: str) -> str:
    """The ``${USAGE_LOG}`` line scripts/services.sh writes for the portal."""
    return (f"access_log syslog:server=unix:{socket_path},nohostname,tag=usagestats "
            "elections_usage if=$elections_from_cache;")


@contextmanager
def nginx(upstream: str, folder: pathlib.Path, usage: str = "") -> Iterator[str]:
    """Serve ``upstream`` (host:port) through nginx until the block ends; yields its URL."""
    if shutil.which("nginx") is None:
        raise RuntimeError("nginx is not installed")
    port = free_port()
    name = "usagestats"
    for sub in ("run", "logs", "nginx", f"nginx/{name}-tmp", f"nginx/{name}-cache", "webassets"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    values = {
        "NGINX_USER": "user root;" if os.geteuid() == 0 else "",
        "STATE": str(folder), "LOGS": str(folder / "logs"), "NAME": name, "MAX_BODY": "10m",
        "LISTEN": f"127.0.0.1:{port}", "WEBASSETS": str(folder / "webassets"),
        "UPSTREAM_SERVERS": f"        server {upstream} max_fails=0;", "USAGE_LOG": usage,
    }
    (folder / "nginx" / f"microcache-{name}.conf").write_text(render(DEPLOY / "nginx-microcache.conf.in", values))
    conf = folder / "nginx" / f"{name}.conf"
    conf.write_text(render(DEPLOY / "nginx.conf.in", values))
    process = subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                               stderr=open(folder / "logs" / "nginx.out", "ab"))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError((folder / "logs" / "nginx.out").read_text() + (
                    folder / "logs" / f"nginx-{name}-error.log").read_text())
            try:
                requests.get(f"{url}/api/3/action/status_show", timeout=2)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
