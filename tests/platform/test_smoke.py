"""One test per real part of the stack: if one of these fails, the platform
(not our extensions) is broken. They run against the real PostgreSQL,
DataStore, Solr, Redis and a real worker that `make test` starts."""
from __future__ import annotations

import ckanapi
import pytest
from ckan import model
from ckan.tests import factories, helpers
from ckanext.tracking.model import TrackingRaw

from tests.live import derived_ini, live_ckan, run_jobs

STRASBOURG_EXTENT = (
    '{"type": "Polygon", "coordinates": [[[7.68, 48.49], [7.84, 48.49], '
    '[7.84, 48.65], [7.68, 48.65], [7.68, 48.49]]]}'
)


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
class TestSearch:
    def test_created_dataset_is_found_by_solr(self):
        organization = factories.Organization()
        factories.Dataset(name="municipales-2026", title="Municipales 2026", owner_org=organization["id"])

        result = helpers.call_action("package_search", q="Municipales")

        assert [d["name"] for d in result["results"]] == ["municipales-2026"]

    @pytest.mark.ckan_config("scheming.dataset_schemas", "tests.platform:spatial_dataset.yaml")
    def test_spatial_extent_is_found_by_bbox(self):
        organization = factories.Organization()
        factories.Dataset(name="strasbourg", owner_org=organization["id"], spatial=STRASBOURG_EXTENT)
        factories.Dataset(name="elsewhere", owner_org=organization["id"])

        inside = helpers.call_action(
            "package_search", extras={"ext_bbox": "7.7,48.5,7.8,48.6"}
        )
        outside = helpers.call_action(
            "package_search", extras={"ext_bbox": "2.2,48.8,2.4,48.9"}
        )

        assert [d["name"] for d in inside["results"]] == ["strasbourg"]
        assert outside["count"] == 0


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestDataStore:
    def test_create_then_search(self):
        resource = factories.Resource(package_id=factories.Dataset(owner_org=factories.Organization()["id"])["id"])
        helpers.call_action(
            "datastore_create",
            resource_id=resource["id"],
            force=True,
            fields=[{"id": "bureau", "type": "text"}, {"id": "votants", "type": "int"}],
            records=[{"bureau": "0101", "votants": 682}, {"bureau": "0102", "votants": 685}],
        )

        result = helpers.call_action(
            "datastore_search", resource_id=resource["id"], filters={"bureau": "0102"}
        )

        assert [r["votants"] for r in result["records"]] == [685]


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestXLoader:
    def test_uploaded_csv_is_loaded_by_a_worker(self, tmp_path):
        admin = factories.Sysadmin()
        token = factories.APIToken(user=admin["name"])["token"]
        organization = factories.Organization(user=admin)
        csv = tmp_path / "bureaux.csv"
        csv.write_text("bureau,inscrits,votants\n0101,960,682\n0102,820,685\n", encoding="utf-8")

        with derived_ini(**{"ckanext.xloader.api_token": token}) as ini, live_ckan(ini) as url:
            remote = ckanapi.RemoteCKAN(url, apikey=token)
            dataset = remote.action.package_create(name="xloader-smoke", owner_org=organization["id"])
            with csv.open("rb") as upload:
                resource = remote.action.resource_create(
                    package_id=dataset["id"], name="bureaux", format="CSV", upload=upload
                )
            run_jobs(ini)

            records = remote.action.datastore_search(resource_id=resource["id"])["records"]
            status = remote.action.xloader_status(resource_id=resource["id"])

        assert [(r["bureau"], r["votants"]) for r in records] == [("0101", "682"), ("0102", "685")]
        assert status["status"] == "complete"


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestTracking:
    def test_page_view_lands_in_tracking_raw(self, app):
        app.post(
            "/_tracking",
            data="url=%2Fdataset%2Fmunicipales-2026&type=page",
            headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "pytest"},
            environ_overrides={"REMOTE_ADDR": "192.0.2.10"},
        )

        rows = model.Session.query(TrackingRaw).all()

        assert [(r.url, r.tracking_type) for r in rows] == [("/dataset/municipales-2026", "page")]


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestScheming:
    def test_dataset_form_renders_scheming_fields(self, app):
        admin = factories.Sysadmin()
        factories.Organization(user=admin)
        token = factories.APIToken(user=admin["name"])["token"]

        response = app.get("/dataset/new", headers={"Authorization": token})

        assert response.status_code == 200
        assert 'id="field-title"' in response.body
        assert "scheming" in response.body
