"""An election copied to another portal with ckanapi (``dump``, then ``load
--upload-resources``) is the same election there: its results file is
imported on arrival and its DataStore tables are rebuilt, not copied as
resources without a table behind them.

The other portal is a second site on the same services: its own site id,
databases, storage, Redis database and web process (scripts/site.sh makes
its databases afresh for each run).
"""
from __future__ import annotations

import configparser
import contextlib
import json
import os
import pathlib
import subprocess
import tempfile
from collections.abc import Iterator

import ckan.plugins.toolkit as tk
import ckanapi
import pytest
import requests
from ckan import model
from ckan.tests import factories, helpers
from sqlalchemy.engine import make_url
from werkzeug.datastructures import FileStorage

from tests import live
from tests.elections.conftest import STRASBOURG_2017_T1
from tests.live import BIN, LIVE_PORT, ROOT, derived_ini, live_ckan, run_jobs

COPY_PORT = LIVE_PORT + 2
COPY_URL = f"http://127.0.0.1:{COPY_PORT}"
LEVELS = ("territory", "circonscription", "commune", "bureau")
# What differs between two portals holding the same results: when they were
# published, and the dataset's own dates.
MOVING = ("updated", "counted_at", "metadata_modified")


def _renamed(url: str, suffix: str) -> str:
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}{suffix}").render_as_string(hide_password=False)


def copy_settings(source: configparser.RawConfigParser) -> dict[str, str]:
    """The second portal: the test site's settings with other names."""
    app = source["app:main"]
    redis_db = int(app["ckan.redis.url"].rsplit("/", 1)[1])
    return {
        "ckan.site_id": app["ckan.site_id"] + "-copy",
        "ckan.site_url": COPY_URL,
        "ckanext.xloader.site_url": COPY_URL,
        "ckan.storage_path": app["ckan.storage_path"] + "-copy",
        "sqlalchemy.url": _renamed(app["sqlalchemy.url"], "_copy"),
        "ckan.datastore.write_url": _renamed(app["ckan.datastore.write_url"], "_copy"),
        "ckan.datastore.read_url": _renamed(app["ckan.datastore.read_url"], "_copy"),
        "ckanext.xloader.jobs_db.uri": _renamed(app["ckanext.xloader.jobs_db.uri"], "_copy"),
        "ckan.redis.url": app["ckan.redis.url"].rsplit("/", 1)[0] + f"/{(redis_db + 8) % 16}",
    }


@contextlib.contextmanager
def copy_ini() -> Iterator[pathlib.Path]:
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    parser.read_string(live.test_ini().read_text(encoding="utf-8").replace("%(here)s", str(ROOT)))
    for key, value in copy_settings(parser).items():
        parser.set("app:main", key, value)
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "test-copy.ini"
        with path.open("w", encoding="utf-8") as ini:
            parser.write(ini)
        yield path


def ckan_cli(ini: pathlib.Path, *args: str) -> str:
    result = subprocess.run([str(BIN / "ckan"), "-c", str(ini), *args], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def new_site(ini: pathlib.Path) -> str:
    """Fresh databases and search index for the second portal; a sysadmin's API token."""
    app = configparser.RawConfigParser()
    app.read(ini)
    settings = app["app:main"]
    # site.sh's CKAN picks the virtualenv whose `ckan db init` builds the
    # tables: the release under test, whichever way pytest was started.
    release = "2.12" if tk.check_ckan_version(min_version="2.12") else "2.11"
    env = {**os.environ, "CKAN": release, "TEST_INI": str(ini),
           "TEST_DB": make_url(settings["sqlalchemy.url"]).database,
           "TEST_DATASTORE_DB": make_url(settings["ckan.datastore.write_url"]).database}
    subprocess.run([str(ROOT / "scripts" / "site.sh"), "test"], env=env, check=True, capture_output=True,
                   timeout=600)
    requests.post(f"{settings['solr_url']}/update?commit=true", timeout=30, json={
        "delete": {"query": f'site_id:"{settings["ckan.site_id"]}"'}}).raise_for_status()
    ckan_cli(ini, "user", "add", "copier", "email=copier@example.org", "password=copier-password-1")
    ckan_cli(ini, "sysadmin", "add", "copier")
    return ckan_cli(ini, "user", "token", "add", "copier", "roundtrip").strip().splitlines()[-1].strip()


@contextlib.contextmanager
def served(ini: pathlib.Path, port: int) -> Iterator[str]:
    """A gunicorn of its own for the second portal (tests.live serves the first)."""
    log = open(ROOT / ".state" / "logs" / "test-copy-web.log", "ab")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--chdir", str(ROOT / "deploy"), "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "4", "--worker-class", "gthread", "wsgi:application"],
        env={**os.environ, "CKAN_INI": str(ini)}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):  # bounded: 60 s at most
            if process.poll() is not None:
                raise RuntimeError(f"the second CKAN stopped, see {log.name}")
            try:
                requests.get(f"{url}/api/3/action/status_show", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                subprocess.run(["sleep", "0.3"], check=False)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def ckanapi_cli(*args: str) -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # it starts workers by name
    result = subprocess.run([str(BIN / "ckanapi"), *args], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    failures = [line for line in result.stdout.splitlines() if line.strip() and json.loads(line)[2]]
    assert not failures, failures


def comparable(answer: dict) -> dict:
    """An answer without what only says when it was published."""
    if isinstance(answer, dict):
        return {k: comparable(v) for k, v in answer.items() if k not in MOVING}
    if isinstance(answer, list):
        return [comparable(v) for v in answer]
    return answer


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")
class TestCopyWithCkanapi:
    def test_dump_then_load_gives_the_same_election(self, make_election, real_file, tmp_path):
        admin = factories.Sysadmin()
        token = factories.APIToken(user=admin["name"])["token"]
        organization = factories.Organization(user=admin, name="strasbourg")
        election = make_election(organization, name="presidentielle-2017-t1")
        path = real_file(STRASBOURG_2017_T1)
        results = helpers.call_action(
            "resource_create", context={"user": admin["name"]}, package_id=election["id"], name="Résultats",
            resource_type="results", format="CSV", url=path.name,
            upload=FileStorage(path.open("rb"), filename=path.name))
        model.Session.expire_all()
        organizations, datasets = tmp_path / "organizations.jsonl", tmp_path / "datasets.jsonl"

        with derived_ini(**{"ckanext.xloader.api_token": token}) as source_ini, live_ckan(source_ini) as source:
            run_jobs(source_ini)
            original = ckanapi.RemoteCKAN(source, apikey=token)
            dumped_tables = {r["id"] for r in original.action.package_show(id=election["id"])["resources"]
                             if r.get("generated_by") == "ckanext-elections"}
            assert len(dumped_tables) == 3, "the import did not run on the first portal"
            ckanapi_cli("dump", "organizations", "--all", "-r", source, "-a", token, "-O", str(organizations))
            ckanapi_cli("dump", "datasets", "--all", "-r", source, "-a", token, "-O", str(datasets))
            lines = [json.loads(line) for line in organizations.read_text().splitlines()]
            organizations.write_text("".join(  # the users stay on the first portal
                json.dumps({k: v for k, v in o.items() if k != "users"}) + "\n" for o in lines))

            with copy_ini() as target_ini:
                copier = new_site(target_ini)
                with served(target_ini, COPY_PORT) as target:
                    ckanapi_cli("load", "organizations", "-I", str(organizations), "-r", target, "-a", copier)
                    ckanapi_cli("load", "datasets", "--upload-resources", "-I", str(datasets),
                                "-r", target, "-a", copier)
                    run_jobs(target_ini)
                    copy = ckanapi.RemoteCKAN(target, apikey=copier)
                    answers = {level: (original.action.elections_results_show(id=election["id"], level=level),
                                       copy.action.elections_results_show(id=election["id"], level=level))
                               for level in LEVELS}
                    copied = copy.action.package_show(id=election["id"])
                    status = copy.action.elections_import_status(id=election["id"], resource_id=results["id"])
                    tables = [r for r in copied["resources"] if r.get("generated_by") == "ckanext-elections"]
                    rows = {r["elections_table"]: copy.action.datastore_search(resource_id=r["id"], limit=0)["total"]
                            for r in tables}

        assert (status["status"], status["areas"]) == ("complete", 143), status
        for level, (first, second) in answers.items():
            assert second["progress"]["total"] > 0, level
            assert comparable(second) == comparable(first), level
        assert {r["id"] for r in tables}.isdisjoint(dumped_tables)  # rebuilt, not copied
        assert all(r["datastore_active"] for r in tables)
        assert rows["areas"] > 143 and rows["candidates"] == 11
        assert [r["name"] for r in copied["resources"] if not r.get("generated_by")] == ["Résultats"]
