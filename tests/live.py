"""A real CKAN web process and a real background worker for tests.

The CKAN pytest plugin gives an in-process Flask client; some behaviour only
exists across processes (xloader downloads the file over HTTP and reports
back to the web app, the view polls the API from a browser). These helpers
start gunicorn and ``ckan jobs worker`` against the test databases.
"""
from __future__ import annotations

import configparser
import os
import pathlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]

def test_ini() -> pathlib.Path:
    """The config the suite runs with (CKAN's pytest plugin exports it once
    the app is configured, so ask at call time, not at import)."""
    return pathlib.Path(os.environ.get("CKAN_CONFIG") or ROOT / "test.ini")

LIVE_PORT = int(os.environ.get("ELECTIONS_TEST_LIVE_PORT", "5001"))
LIVE_URL = f"http://127.0.0.1:{LIVE_PORT}"
BIN = pathlib.Path(sys.executable).parent


@contextmanager
def derived_ini(**options: str) -> Iterator[pathlib.Path]:
    """A copy of test.ini with ``options`` set in its app section.

    A copy rather than ``use = config:test.ini``: CKAN's CLI reads the logging
    sections from the file it is given, and those are not inherited.
    """
    parser = configparser.RawConfigParser()
    parser.optionxform = str  # keep the case of option names
    parser.read_string(test_ini().read_text(encoding="utf-8").replace("%(here)s", str(ROOT)))
    parser.set("app:main", "ckan.site_url", LIVE_URL)
    for key, value in options.items():
        parser.set("app:main", key, value)
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "test-live.ini"
        with path.open("w", encoding="utf-8") as ini:
            parser.write(ini)
        yield path


def redis_url(ini: pathlib.Path) -> str:
    """The ini's Redis, with the short timeouts the portal's web processes
    have (deploy/supervisord.conf.in)."""
    parser = configparser.RawConfigParser()
    parser.read(ini)
    url = parser.get("app:main", "ckan.redis.url", fallback="redis://127.0.0.1:56379/1")
    return f"{url}?socket_timeout=0.05&socket_connect_timeout=0.05"


@contextmanager
def web_process(ini: pathlib.Path, port: int, log_path: pathlib.Path,
                startup: float = 60) -> Iterator[subprocess.Popen]:
    """gunicorn serving CKAN with ``ini`` on ``port``, as the portal's web
    processes run (deploy/supervisord.conf.in), until the block ends."""
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"), "--chdir", str(ROOT / "deploy"),
                "--bind", f"127.0.0.1:{port}", "--workers", "1",
                "--threads", "4", "--worker-class", "gthread", "wsgi:application",
            ],
            env={**os.environ, "CKAN_INI": str(ini), "CKAN_REDIS_URL": redis_url(ini)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + startup
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"CKAN stopped, see {log_path}")
            try:
                requests.get(f"{url}/api/3/action/status_show", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def live_ckan(ini: pathlib.Path, port: int = LIVE_PORT) -> Iterator[str]:
    """Serve CKAN with ``ini`` on ``port`` (LIVE_URL's) until the block ends."""
    with web_process(ini, port, ROOT / ".state" / "logs" / "test-live-web.log"):
        yield f"http://127.0.0.1:{port}"


def run_jobs(ini: pathlib.Path, timeout: float = 120) -> str:
    """Run a real RQ worker until the queues are empty; return its output."""
    result = subprocess.run(
        [str(BIN / "ckan"), "-c", str(ini), "jobs", "worker", "--burst"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = result.stdout + result.stderr
    if result.returncode:
        raise RuntimeError(f"ckan jobs worker failed ({result.returncode}):\n{output}")
    return output


def webassets_folder() -> pathlib.Path:
    """Where the suite's CKAN writes its webassets: the ini's storage path's
    (each suite's own, so suites side by side serve their own bundles)."""
    parser = configparser.RawConfigParser()
    parser.read_string(test_ini().read_text(encoding="utf-8").replace("%(here)s", str(ROOT)))
    storage = parser.get("app:main", "ckan.storage_path", fallback=str(ROOT / ".state" / "storage-test"))
    return pathlib.Path(parser.get("app:main", "ckan.webassets.path", fallback=f"{storage}/webassets"))


def free_port() -> int:
    """A port nothing listens on now (the OS's choice)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def open_files() -> int:
    """What scripts/services.sh gives nginx: the hard limit, at most 65536."""
    import resource

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)


def usage_log(socket_path: str) -> str:
    """The ``${USAGE_LOG}`` line scripts/services.sh writes for the portal."""
    return (f"access_log syslog:server=unix:{socket_path},nohostname,tag=usagestats "
            "elections_usage if=$elections_from_cache;")


@contextmanager
def nginx(upstream: str, folder: pathlib.Path | None = None, usage: str = "",
          listen_port: int | None = None) -> Iterator[str]:
    """The project's nginx (deploy/nginx.conf.in, rendered as scripts/services.sh
    does) in front of ``upstream`` (host:port) until the block ends; yields its URL.

    Its files go to ``folder`` (a temporary one if None); ``usage`` is the
    ``${USAGE_LOG}`` line (see :func:`usage_log`), none by default.
    """
    import re
    import shutil

    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary):
        raise RuntimeError("nginx is not installed (make test installs it)")
    port = listen_port or free_port()
    name = "proxytest"
    with tempfile.TemporaryDirectory() as scratch:
        state = folder or pathlib.Path(scratch)
        for sub in ("run", "logs", "nginx", f"nginx/{name}-tmp", f"nginx/{name}-cache"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        files = open_files()
        values = {
            "NGINX_USER": "user root;" if os.geteuid() == 0 else "", "STATE": str(state),
            "LOGS": str(state / "logs"), "NAME": name, "LISTEN": f"127.0.0.1:{port}", "MAX_BODY": "210m",
            "WEBASSETS": str(webassets_folder()), "USAGE_LOG": usage,
            "UPSTREAM_SERVERS": f"        server {upstream} max_fails=0;",
            "OPEN_FILES": str(files), "WORKER_CONNECTIONS": str(min(16384, files * 4 // 5)),
        }

        def render(template: str, target: pathlib.Path) -> None:
            text = (ROOT / "deploy" / template).read_text(encoding="utf-8")
            # Only the names given are replaced (the comments mention others).
            rendered = re.sub(r"\$\{([A-Z_]+)\}", lambda m: values.get(m.group(1), m.group(0)), text)
            target.write_text(rendered, encoding="utf-8")

        conf = state / "nginx" / f"{name}.conf"
        render("nginx.conf.in", conf)
        render("nginx-microcache.conf.in", state / "nginx" / f"microcache-{name}.conf")
        output = state / "logs" / "nginx.out"
        with open(output, "ab") as sink:
            process = subprocess.Popen([binary, "-c", str(conf), "-g", "daemon off;"],
                                       stdout=subprocess.DEVNULL, stderr=sink)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 20
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"nginx stopped: {output.read_text()[-1000:]}")
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
            process.wait(timeout=30)


def caching_proxy(upstream_port: int, listen_port: int):
    """The project's nginx on ``listen_port`` in front of a live CKAN on ``upstream_port``."""
    return nginx(f"127.0.0.1:{upstream_port}", listen_port=listen_port)
