"""Linked files: fetched by the portal within its rules, never by readers;
an import never stays "running"."""
from __future__ import annotations

import datetime
import functools
import http.server
import io
import json
import threading

import pytest
from ckan import model
from ckan.tests import helpers

from ckanext.elections import boundaries, demo, jobs
from ckanext.elections.fetch import FetchRefused, fetch
from ckanext.elections.model import ElectionImport


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def site(tmp_path):
    """A web site on loopback serving tmp_path."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    server.shutdown()
    server.server_close()


@pytest.mark.usefixtures("with_plugins")
class TestFetch:
    def test_the_portal_does_not_fetch_from_its_own_network(self, site):
        url, folder = site
        (folder / "x.csv").write_text("a,b\n")

        with pytest.raises(FetchRefused, match="private network"):
            fetch(f"{url}/x.csv", io.BytesIO(), max_bytes=1000)

    @pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://x"])
    def test_only_http_and_https(self, url):
        with pytest.raises(FetchRefused, match="Only http and https"):
            fetch(url, io.BytesIO(), max_bytes=1000)

    @pytest.mark.ckan_config("ckanext.elections.fetch.allow_private", "true")
    def test_size_is_bounded_while_reading(self, site):
        url, folder = site
        (folder / "big.csv").write_bytes(b"x" * 5000)
        into = io.BytesIO()

        with pytest.raises(FetchRefused, match="larger than"):
            fetch(f"{url}/big.csv", into, max_bytes=1000)
        assert len(into.getvalue()) <= 1000 + (1 << 16)


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestLinkedBoundaries:
    @pytest.mark.ckan_config("ckanext.elections.fetch.allow_private", "true")
    def test_linked_outlines_are_copied_and_served_by_the_portal(self, app, site, make_election):
        url, folder = site
        (folder / "cantons.geojson").write_text(json.dumps(demo.boundaries_geojson(demo.build_city(), "canton")))
        election = make_election(name="linked")
        resource = helpers.call_action("resource_create", package_id=election["id"], url=f"{url}/cantons.geojson",
                                       resource_type="boundaries", level="canton", join_property="code",
                                       format="GeoJSON")
        record = ElectionImport(package_id=election["id"], resource_id=resource["id"], status="pending")
        model.Session.add(record)
        model.Session.commit()

        jobs.import_resource_job(record.id)

        assert model.Session.get(ElectionImport, record.id).status == "complete"
        served = app.get(f"/election/linked/boundaries/{resource['id']}.geojson")
        assert len(served.json["features"]) == 6
        assert boundaries.copy_path(resource["id"]).is_file()

    @pytest.mark.ckan_config("ckanext.elections.fetch.allow_private", "true")
    def test_a_linked_file_that_is_not_geojson_is_refused_with_the_reason(self, site, make_election):
        url, folder = site
        (folder / "x.geojson").write_text("not json")
        election = make_election(name="linked")
        resource = helpers.call_action("resource_create", package_id=election["id"], url=f"{url}/x.geojson",
                                       resource_type="boundaries", level="canton", format="GeoJSON")
        record = ElectionImport(package_id=election["id"], resource_id=resource["id"], status="pending")
        model.Session.add(record)
        model.Session.commit()

        jobs.import_resource_job(record.id)

        done = model.Session.get(ElectionImport, record.id)
        assert done.status == "error" and "not GeoJSON" in done.message


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestNeverRunning:
    def test_a_database_failure_ends_the_import_in_error_with_the_reason(self, make_election, real_file,
                                                                         monkeypatch):
        election = make_election(name="failing")

        def broken(*args, **kwargs):
            raise RuntimeError("the database went away")

        monkeypatch.setattr(jobs.store, "publish", broken)
        record = jobs.import_file(election["id"], real_file("results/bureau/2017-presidentielle-t1_strasbourg.csv"))

        assert record.status == "error" and "the database went away" in record.message

    def test_imports_left_running_by_a_dead_worker_are_marked_failed(self, make_election):
        election = make_election(name="stalled")
        old = ElectionImport(package_id=election["id"], status="running",
                             created=datetime.datetime(2020, 1, 1))
        fresh = ElectionImport(package_id=election["id"], status="running")
        model.Session.add_all([old, fresh])
        model.Session.commit()

        assert jobs.recover_stalled() == 1

        assert model.Session.get(ElectionImport, old.id).status == "error"
        assert model.Session.get(ElectionImport, fresh.id).status == "running"
