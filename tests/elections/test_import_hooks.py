"""When a file is imported: only an election's results, turnout and reference
files, once per new file whatever action saved it, queued after the commit
(never inside a transaction that may roll back), and not again when
xloader updates the resource after loading it."""
from __future__ import annotations

import io

import ckanapi
import pytest
from ckan import model
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories, helpers
from werkzeug.datastructures import FileStorage

from ckanext.elections import jobs
from ckanext.elections.model import ElectionImport
from tests.elections.conftest import STRASBOURG_2017_T1
from tests.live import derived_ini, live_ckan, run_jobs

REFERENCE = "bureau,canton,commune,canton_nom\n0101,01,99001,Nord\n0102,01,99001,Nord\n"


def upload(content: str | bytes, name: str = "file.csv") -> FileStorage:
    data = content.encode() if isinstance(content, str) else content
    return FileStorage(io.BytesIO(data), filename=name)


def imports(resource_id: str) -> list[ElectionImport]:
    model.Session.expire_all()
    return model.Session.query(ElectionImport).filter_by(resource_id=resource_id).order_by(
        ElectionImport.created).all()


def queued_imports() -> list[str]:
    """Record ids of the import jobs waiting in the queue."""
    return [job.args[0] for job in ckan_jobs.get_queue().jobs
            if job.func_name == "ckanext.elections.jobs.import_resource_job"]


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")
class TestWhichFilesAreImported:
    def test_a_plain_dataset_is_never_imported(self):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"])

        resource = helpers.call_action("resource_create", package_id=dataset["id"], resource_type="results",
                                       format="CSV", url="results.csv", upload=upload(REFERENCE))

        assert imports(resource["id"]) == []
        assert queued_imports() == []
        shown = helpers.call_action("package_show", id=dataset["id"])
        assert [r["id"] for r in shown["resources"]] == [resource["id"]]

    def test_an_election_file_is_queued_once_with_a_pending_record(self, make_election):
        election = make_election()

        resource = helpers.call_action("resource_create", package_id=election["id"], resource_type="reference",
                                       format="CSV", url="reference.csv", upload=upload(REFERENCE))

        (record,) = imports(resource["id"])
        assert record.status == "pending"
        assert queued_imports() == [record.id]

    def test_other_kinds_of_files_are_not_imported(self, make_election):
        election = make_election()

        resource = helpers.call_action("resource_create", package_id=election["id"], resource_type="other",
                                       format="PDF", url="https://example.org/notice.pdf")

        assert imports(resource["id"]) == []

    def test_linked_outlines_are_queued_to_be_copied_uploaded_ones_are_not(self, make_election):
        election = make_election()

        linked = helpers.call_action("resource_create", package_id=election["id"], resource_type="boundaries",
                                     format="GeoJSON", url="https://example.org/cantons.geojson")
        uploaded = helpers.call_action("resource_create", package_id=election["id"], resource_type="boundaries",
                                       format="GeoJSON", url="cantons.geojson",
                                       upload=upload('{"type": "FeatureCollection", "features": []}'))

        (record,) = imports(linked["id"])
        assert queued_imports() == [record.id]
        assert imports(uploaded["id"]) == []

    def test_metadata_and_xloader_updates_are_not_a_new_file(self, make_election):
        election = make_election()
        resource = helpers.call_action("resource_create", package_id=election["id"], resource_type="reference",
                                       format="CSV", url="reference.csv", upload=upload(REFERENCE))

        helpers.call_action("resource_patch", id=resource["id"], description="Bureaux of the city")
        # What xloader does once it has loaded the file: its hash, then the flags.
        helpers.call_action("resource_patch", id=resource["id"], hash="0123456789abcdef")
        helpers.call_action("resource_patch", id=resource["id"], datastore_active=True)
        helpers.call_action("package_patch", id=election["id"], notes="Updated")

        assert len(imports(resource["id"])) == 1
        assert len(queued_imports()) == 1

    def test_a_new_upload_is_a_new_file(self, make_election):
        election = make_election()
        resource = helpers.call_action("resource_create", package_id=election["id"], resource_type="reference",
                                       format="CSV", url="reference.csv", upload=upload(REFERENCE))

        helpers.call_action("resource_patch", id=resource["id"], upload=upload(REFERENCE, "reference.csv"))

        assert [r.status for r in imports(resource["id"])] == ["pending", "pending"]
        assert len(queued_imports()) == 2

    def test_a_link_is_imported_again_when_its_url_or_hash_changes(self, make_election):
        election = make_election()
        resource = helpers.call_action("resource_create", package_id=election["id"], resource_type="results",
                                       format="CSV", url="https://example.org/results.csv")
        helpers.call_action("resource_patch", id=resource["id"], hash="aaaa")  # filled in (xloader)
        assert len(imports(resource["id"])) == 1

        helpers.call_action("resource_patch", id=resource["id"], url="https://example.org/results-2.csv")
        helpers.call_action("resource_patch", id=resource["id"], hash="bbbb")  # the new link's file
        assert len(imports(resource["id"])) == 2

        helpers.call_action("resource_patch", id=resource["id"], name="Résultats")
        helpers.call_action("resource_patch", id=resource["id"], hash="cccc")  # the file at the link changed
        assert len(imports(resource["id"])) == 3

    def test_a_resource_becoming_a_results_file_is_imported(self, make_election):
        election = make_election()
        resource = helpers.call_action("resource_create", package_id=election["id"], resource_type="other",
                                       format="CSV", url="https://example.org/results.csv")

        helpers.call_action("resource_patch", id=resource["id"], resource_type="results")

        assert len(imports(resource["id"])) == 1

    def test_files_created_with_their_dataset_are_imported(self, make_election):
        organization = factories.Organization()

        election = helpers.call_action(
            "package_create", type="election", name="created-with-files", owner_org=organization["id"],
            election_kind="presidentielle", election_round="1", polling_date="2017-04-23",
            territory_name="Strasbourg", results_status="final",
            resources=[{"url": "https://example.org/results.csv", "resource_type": "results", "format": "CSV"},
                       {"url": "https://example.org/notice.pdf", "resource_type": "other"}])

        (results, notice) = election["resources"]
        assert len(imports(results["id"])) == 1
        assert imports(notice["id"]) == []

    def test_nothing_is_queued_before_the_commit_nor_after_a_rollback(self, make_election):
        election = make_election()
        linked = {"url": "https://example.org/results.csv", "resource_type": "results", "format": "CSV"}

        helpers.call_action("package_patch", context={"defer_commit": True}, id=election["id"],
                            resources=[linked])
        assert queued_imports() == []
        model.Session.rollback()
        assert queued_imports() == []
        assert model.Session.query(ElectionImport).count() == 0

        helpers.call_action("package_patch", context={"defer_commit": True}, id=election["id"],
                            resources=[linked])
        assert queued_imports() == []
        model.repo.commit()
        (record,) = model.Session.query(ElectionImport).all()
        assert queued_imports() == [record.id]

    def test_an_import_replaced_by_a_newer_file_stands_aside(self, make_election):
        election = make_election(candidates=[{"id": "1", "name": "A"}, {"id": "2", "name": "B"}])
        resource = helpers.call_action("resource_create", package_id=election["id"], resource_type="reference",
                                       format="CSV", url="reference.csv", upload=upload(REFERENCE))
        helpers.call_action("resource_patch", id=resource["id"], upload=upload(REFERENCE, "reference.csv"))
        first, second = imports(resource["id"])

        jobs.import_resource_job(first.id)
        jobs.import_resource_job(second.id)

        first, second = imports(resource["id"])
        assert (first.status, first.message) == ("error", "A newer file replaced this one before it was imported")
        assert (second.status, second.areas) == ("complete", 2), (second.message, second.problems)


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")
class TestWithARealWorkerAndXLoader:
    def test_an_upload_loaded_by_xloader_is_imported_once(self, make_election, real_file):
        admin = factories.Sysadmin()
        token = factories.APIToken(user=admin["name"])["token"]
        election = make_election(factories.Organization(user=admin))
        path = real_file(STRASBOURG_2017_T1)

        with derived_ini(**{"ckanext.xloader.api_token": token}) as ini, live_ckan(ini) as url:
            with path.open("rb") as file:  # through the web process, as people do: xloader queues its job
                resource = ckanapi.RemoteCKAN(url, apikey=token).action.resource_create(
                    package_id=election["id"], name="Résultats", resource_type="results", format="CSV",
                    upload=file)
            first = run_jobs(ini)  # our import and xloader's load, which then updates the resource
            again = run_jobs(ini)  # whatever those updates queued

        model.Session.expire_all()
        shown = helpers.call_action("resource_show", id=resource["id"])
        assert shown["datastore_active"] is True and shown["hash"], "xloader did not load the file"
        assert [(r.status, r.areas) for r in imports(resource["id"])] == [("complete", 143)]
        assert (first + again).count(f"(elections import {resource['id']})") == 2  # starts, finishes
        election_resources = helpers.call_action("package_show", id=election["id"])["resources"]
        assert sum(1 for r in election_resources if r.get("generated_by") == "ckanext-elections") == 3
