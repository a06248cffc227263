"""CKAN 2.12's file storages (``ckan.files.storage.*``): an upload kept in a
storage rather than under ``ckan.storage_path`` is read through the storage.
Skipped on CKAN 2.11, which has no file storages."""
from __future__ import annotations

import io
import pathlib
import tempfile

import pytest

pytest.importorskip("ckan.lib.files", reason="file storages are new in CKAN 2.12")

from ckan.tests import helpers
from werkzeug.datastructures import FileStorage

from ckanext.elections import jobs
from ckanext.elections.model import ElectionImport

REFERENCE = "bureau,canton,commune,canton_nom\n0101,01,99001,Nord\n0102,01,99001,Nord\n"
# The marker's values are read before any fixture runs: a folder made once.
STORAGE = pathlib.Path(tempfile.mkdtemp(prefix="elections-test-storage-"))


@pytest.mark.ckan_config("ckan.files.storage.resources.type", "ckan:fs")
@pytest.mark.ckan_config("ckan.files.storage.resources.path", str(STORAGE))
@pytest.mark.ckan_config("ckan.files.storage.resources.initialize", "true")
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")
def test_an_upload_in_a_file_storage_is_read_through_it(make_election):
    election = make_election()

    resource = helpers.call_action(
        "resource_create", package_id=election["id"], resource_type="reference", format="CSV",
        url="reference.csv", upload=FileStorage(io.BytesIO(REFERENCE.encode()), filename="reference.csv"))

    stored = [path for path in STORAGE.rglob("*") if path.is_file()]
    assert [path.read_text(encoding="utf-8") for path in stored] == [REFERENCE]
    with jobs.resource_file(resource["id"]) as path:
        assert pathlib.Path(path).read_text(encoding="utf-8") == REFERENCE


@pytest.mark.ckan_config("ckan.files.storage.resources.type", "ckan:fs")
@pytest.mark.ckan_config("ckan.files.storage.resources.path", str(STORAGE))
@pytest.mark.ckan_config("ckan.files.storage.resources.initialize", "true")
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")
def test_an_upload_not_in_the_storage_yet_is_imported_once_it_is(make_election):
    """``ckanapi load --upload-resources``: the resource first, its file with a resource_patch."""
    election = make_election()

    resource = helpers.call_action("resource_create", package_id=election["id"], resource_type="reference",
                                   format="CSV", url="reference.csv", url_type="upload")
    assert ElectionImport.latest_for_resource(resource["id"]) is None

    helpers.call_action("resource_patch", id=resource["id"],
                        upload=FileStorage(io.BytesIO(REFERENCE.encode()), filename="reference.csv"))
    assert ElectionImport.latest_for_resource(resource["id"]).status == "pending"
