"""Import a results file into an election: check it whole, then publish it.

Used by the background job that follows the upload of a ``results``
resource, and by ``ckan elections import``. Every attempt is logged in
``elections_import`` with its outcome, so the resource page and the CLI can
say what happened, line by line when the file was rejected.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import ckan.plugins.toolkit as tk
import requests
from ckan import model
from ckan.lib import uploader

from ckanext.elections.datastore import publish as store
from ckanext.elections.model import ElectionImport, ElectionResults
from ckanext.elections.results import (
    Candidate,
    ImportRejected,
    Level,
    Reference,
    ResultFile,
    SourceInfo,
    import_results,
    read_reference,
    read_turnout,
)
from ckanext.elections.utils import site_context, utcnow

log = logging.getLogger(__name__)


def import_file(
    package_id: str,
    source: Any,
    *,
    reference: Reference | None = None,
    resource_id: str | None = None,
    record: ElectionImport | None = None,
) -> ElectionImport:
    """Check ``source`` and, if it passes, publish it as the election's results.

    ``source`` is a path or a binary file object. A rejected file leaves the
    published results untouched. The returned record says how it went.
    """
    if record is None:
        record = ElectionImport(package_id=package_id, resource_id=resource_id)
    record.status = "running"
    model.Session.add(record)
    model.Session.commit()
    package = model.Package.get(package_id)
    if reference is None:
        reference = dataset_reference(package_id)
    with _outcome(record):
        result = import_results(source, reference=reference, max_problems=_max_problems())
        record.areas = store.publish(
            package_id, result, reference, territory_name=package.extras.get("territory_name")).areas
        _fill_candidates(package_id, result)
    return record


@contextlib.contextmanager
def _outcome(record: ElectionImport) -> Iterator[None]:
    """Run one import, then write its outcome in ``record``: complete, or
    rejected with the file's problems, or refused with the reason."""
    try:
        yield
        record.status = "complete"
    except ImportRejected as rejected:
        model.Session.rollback()
        record.status = "error"
        record.problems = json.dumps([p.as_dict() for p in rejected.problems], ensure_ascii=False)
        record.problems_total = rejected.total
        log.info("Rejected file for %s: %s", record.package_id, rejected)
    except tk.ValidationError as refused:
        model.Session.rollback()
        record.status = "error"
        record.message = "; ".join(m for messages in refused.error_dict.values() for m in messages)
    except store.StorageError as refused:
        model.Session.rollback()
        record.status = "error"
        record.message = str(refused)
    record.finished = utcnow()
    model.Session.add(record)
    model.Session.commit()


def _max_problems() -> int:
    return tk.config.get("ckanext.elections.max_reported_problems")


def prepare(package_id: str, reference: Reference, level: Level = Level.BUREAU) -> store.Published:
    """Publish an election night's empty results: every area of ``reference``
    awaited, the candidates those of the dataset's form. Pushes fill it in."""
    dataset = tk.get_action("package_show")({"ignore_auth": True}, {"id": package_id})
    candidates = [Candidate(str(c["id"]), c.get("name") or str(c["id"]), c.get("nuance") or None)
                  for c in dataset.get("candidates") or []]
    if not candidates:
        raise tk.ValidationError({"candidates": [tk._("List the candidates of the election first")]})
    empty = ResultFile(layout="reference", level=level, areas=[], candidates=candidates,
                       source=SourceInfo("csv"))
    return store.publish(package_id, empty, reference, territory_name=dataset.get("territory_name"))


def import_turnout(package_id: str, source: Any, *, resource_id: str | None = None,
                   record: ElectionImport | None = None) -> ElectionImport:
    """Check a turnout file (12h, 17h, closing) and publish it, or reject it whole."""
    if record is None:
        record = ElectionImport(package_id=package_id, resource_id=resource_id)
    state = ElectionResults.get(package_id)
    known = None
    if state is not None:
        known = Reference.from_codes(store.base_codes(state))
    with _outcome(record):
        rows = read_turnout(source, reference=known, max_problems=_max_problems())
        record.areas = store.publish_turnout(package_id, rows)
    return record


def prepare_from_reference(package_id: str, source: Any, *, resource_id: str | None = None,
                           record: ElectionImport | None = None) -> ElectionImport:
    """A reference table uploaded before the count: every area becomes awaited.

    Once results are published, a new reference only serves later imports.
    """
    if record is None:
        record = ElectionImport(package_id=package_id, resource_id=resource_id)
    with _outcome(record):
        reference = read_reference(source)
        if ElectionResults.get(package_id) is None:
            record.areas = prepare(package_id, reference).areas
        else:
            record.areas = len(reference)
    return record


def dataset_reference(package_id: str) -> Reference | None:
    """The reference table of the election, from its ``reference`` resource."""
    package = model.Package.get(package_id)
    for resource in package.resources:
        if resource.resource_type == "reference":
            with resource_file(resource.id) as path:
                return read_reference(path)
    return None


@contextlib.contextmanager
def resource_file(resource_id: str) -> Iterator[str]:
    """A local path to the content of a resource (uploaded or linked)."""
    resource = tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})
    if resource.get("url_type") == "upload":
        yield uploader.get_resource_uploader(resource).get_path(resource["id"])
        return
    with tempfile.NamedTemporaryFile(suffix=os.path.basename(resource["url"])[-20:]) as copy:
        with requests.get(resource["url"], stream=True, timeout=60) as response:
            response.raise_for_status()
            shutil.copyfileobj(response.raw, copy)
        copy.flush()
        yield copy.name


def import_resource_job(record_id: str) -> None:
    """Background job: import an uploaded or linked results file."""
    record = model.Session.get(ElectionImport, record_id)
    resource = model.Resource.get(record.resource_id) if record else None
    if resource is None or resource.state != "active":
        return
    importer = {"turnout": import_turnout, "reference": prepare_from_reference}.get(
        resource.resource_type, import_file)
    try:
        with resource_file(resource.id) as path:
            importer(resource.package_id, path, resource_id=resource.id, record=record)
    except Exception as error:  # the outcome must reach the resource page
        log.exception("Import of resource %s failed", resource.id)
        model.Session.rollback()
        record.status = "error"
        record.message = str(error)
        record.finished = utcnow()
        model.Session.add(record)
        model.Session.commit()
    log.info("Import of resource %s: %s", resource.id, record.status)


IMPORTED_TYPES = ("results", "turnout", "reference")


def import_if_results(resource: dict[str, Any]) -> None:
    """Queue the import of a resource that holds results, turnout or a reference table."""
    if resource.get("resource_type") in IMPORTED_TYPES:
        enqueue_import(resource["id"], resource["package_id"])


def enqueue_import(resource_id: str, package_id: str) -> None:
    """Queue the import of a results resource; the record shows it pending."""
    record = ElectionImport(package_id=package_id, resource_id=resource_id, status="pending")
    model.Session.add(record)
    model.Session.commit()  # before the worker looks for it
    tk.enqueue_job(import_resource_job, [record.id], title=f"elections import {resource_id}")


def _fill_candidates(package_id: str, result) -> None:
    """Give the dataset the file's candidates when its form lists none yet, so
    editors only have to pick colours."""
    dataset = tk.get_action("package_show")({"ignore_auth": True}, {"id": package_id})
    if dataset.get("candidates"):
        return
    candidates = [{"id": result.uid(c), "name": c.name, "nuance": c.nuance or ""}
                  for c in result.candidates]
    if len(candidates) > 60:  # per-area candidates (départementales): too many for a form
        return
    tk.get_action("package_patch")(site_context(), {"id": package_id, "candidates": candidates})
