"""Import a results file into an election: check it whole, then publish it.

Used by the background job that follows the upload of a ``results``
resource, and by ``ckan elections import``. Every attempt is logged in
``elections_import`` with its outcome, so the resource page and the CLI can
say what happened, line by line when the file was rejected.
"""
from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import uploader

from ckanext.elections import boundaries, import_queue
from ckanext.elections.datastore import publish as store
from ckanext.elections.fetch import FetchRefused, fetch
from ckanext.elections.model import ElectionImport, ElectionResults
from ckanext.elections.results import (
    Candidate,
    ImportRejected,
    Level,
    Limits,
    Reference,
    ResultFile,
    SourceInfo,
    import_results,
    read_reference,
    read_turnout,
)
from ckanext.elections.results.declared import match as declared_match
from ckanext.elections.results.declared import rename as declared_rename
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
        result = import_results(source, reference=reference, max_problems=_max_problems(), limits=import_limits())
        declared = declared_candidates(package)
        if declared:
            result = with_declared_candidates(result, declared)
        record.areas = store.publish(
            package_id, result, reference, territory_name=package.extras.get("territory_name")).areas
        if not declared:
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
    except Exception as error:
        log.exception("Import for %s failed", record.package_id)
        model.Session.rollback()
        record.status = "error"
        record.message = tk._("The import failed: {error}").format(error=f"{type(error).__name__}: {error}"[:500])
    except store.StorageError as refused:
        model.Session.rollback()
        record.status = "error"
        record.message = str(refused)
    record.finished = utcnow()
    model.Session.add(record)
    model.Session.commit()


def _max_problems() -> int:
    return tk.config.get("ckanext.elections.max_reported_problems")


def import_limits() -> Limits:
    """The limits of an import on this portal (``ckanext.elections.import.max_megabytes``)."""
    megabytes = tk.config.get("ckanext.elections.import.max_megabytes") or (
        25 * (tk.config.get("ckan.max_resource_size") or 10))
    return Limits(max_bytes=megabytes * 1024 * 1024)


def prepare(package_id: str, reference: Reference, level: Level = Level.BUREAU) -> store.Published:
    """Publish an election night's empty results: every area of ``reference``
    awaited, the candidates those of the dataset's form. Pushes fill it in."""
    dataset = tk.get_action("package_show")({"ignore_auth": True}, {"id": package_id})
    declared = dataset.get("candidates") or []
    candidates = [Candidate(str(c["id"]), c.get("name") or str(c["id"]), c.get("nuance") or None)
                  for c in declared]
    if not candidates:
        raise tk.ValidationError({"candidates": [tk._("List the candidates of the election first")]})
    empty = ResultFile(layout="reference", level=level, areas=[], candidates=candidates,
                       source=SourceInfo("csv"))
    standing = {c: d.get("area") or None for c, d in zip(candidates, declared, strict=True)}
    return store.publish(package_id, empty, reference, territory_name=dataset.get("territory_name"),
                         standing=standing)


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
        rows = read_turnout(source, reference=known, max_problems=_max_problems(), limits=import_limits())
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
        reference = read_reference(source, limits=import_limits())
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
                return read_reference(path, limits=import_limits())
    return None


@contextlib.contextmanager
def resource_file(resource_id: str) -> Iterator[str]:
    """A local path to the content of a resource (uploaded or linked)."""
    resource = tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})
    if resource.get("url_type") == "upload":
        upload = uploader.get_resource_uploader(resource)
        storage = getattr(upload, "storage", None)
        if storage is None:  # under ckan.storage_path
            yield upload.get_path(resource["id"])
            return
        # A file storage (CKAN 2.12, ckan.files.storage.*): get_path is a
        # location in the storage, which may not be on this disk.
        from ckan.lib import files
        with tempfile.NamedTemporaryFile() as copy:
            for chunk in storage.stream(files.FileData(files.Location(upload.get_path(resource["id"])))):
                copy.write(chunk)
            copy.flush()
            yield copy.name
        return
    with tempfile.NamedTemporaryFile(suffix=os.path.basename(resource["url"])[-20:]) as copy:
        fetch(resource["url"], copy, max_bytes=import_limits().max_bytes)
        copy.flush()
        yield copy.name


def import_resource_job(record_id: str) -> None:
    """Background job: import an uploaded or linked results file."""
    record = model.Session.get(ElectionImport, record_id)
    if record is None:  # the database was reset since
        return
    resource = model.Resource.get(record.resource_id)
    refusal = _refusal(record, resource)
    if refusal:
        _finish(record, refusal)
        log.info("Import of resource %s skipped: %s", record.resource_id, refusal)
        return
    recover_stalled()
    importer = {"turnout": import_turnout, "reference": prepare_from_reference}.get(
        resource.resource_type, import_file)
    try:
        if resource.resource_type == "boundaries":
            copy_boundaries(record, resource)
        else:
            with resource_file(resource.id) as path:
                importer(resource.package_id, path, resource_id=resource.id, record=record)
    except FetchRefused as refused:
        model.Session.rollback()
        _finish(record, tk._(refused.template).format(**refused.params))
    except Exception as error:  # the outcome must reach the resource page
        log.exception("Import of resource %s failed", resource.id)
        model.Session.rollback()
        _finish(record, str(error))
    log.info("Import of resource %s: %s", resource.id, record.status)


def copy_boundaries(record: ElectionImport, resource: model.Resource) -> None:
    """Keep the portal's own copy of linked outlines (``boundaries``)."""
    record.status = "running"
    model.Session.commit()
    record.areas = boundaries.store_copy(resource.id, resource.url)
    record.status = "complete"
    record.finished = utcnow()
    model.Session.add(record)
    model.Session.commit()


def recover_stalled(now: datetime.datetime | None = None) -> int:
    """Mark as failed the imports still "running" long after any job could:
    their worker stopped (killed, or the machine restarted) during the job.
    Run by each import job and by ``ckan elections recover``."""
    timeout = tk.config.get("ckan.jobs.timeout") or 180
    cutoff = (now or utcnow()) - datetime.timedelta(seconds=timeout + 60)
    stalled = (model.Session.query(ElectionImport)
               .filter(ElectionImport.status == "running", ElectionImport.created < cutoff).all())
    for record in stalled:
        record.status = "error"
        record.finished = now or utcnow()
        record.message = tk._("The worker stopped during this import: upload the file again, or run "
                              "ckan elections import")
    if stalled:
        model.Session.commit()
    return len(stalled)


def _refusal(record: ElectionImport, resource: model.Resource | None) -> str | None:
    """Why a queued import must not run any more, if it must not."""
    if resource is None or resource.state != "active":
        return tk._("The file was deleted before it could be imported")
    if resource.package is None or resource.package.type != import_queue.ELECTION_TYPE:
        return tk._("Only the files of an election are imported")
    latest = ElectionImport.latest_for_resource(resource.id)
    if latest is not None and latest.id != record.id:
        # The later job imports the file as it is now: this one would do it twice.
        return tk._("A newer file replaced this one before it was imported")
    return None


def _finish(record: ElectionImport, message: str) -> None:
    record.status = "error"
    record.message = message
    record.finished = utcnow()
    model.Session.add(record)
    model.Session.commit()


def declared_candidates(package: model.Package) -> list[dict[str, Any]]:
    """The candidates listed in the dataset's form (scheming keeps them as JSON)."""
    raw = package.extras.get("candidates")
    try:
        listed = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return []
    return [c for c in listed or [] if isinstance(c, dict) and str(c.get("id") or "").strip()]


def with_declared_candidates(result: ResultFile, declared: Sequence[dict[str, Any]]) -> ResultFile:
    """``result`` with its candidates renamed to those the dataset declares
    (see ``results.declared``); ``ValidationError`` naming what does not match."""
    matched, mismatch = declared_match(result, declared)
    if mismatch:
        raise tk.ValidationError({"candidates": [
            tk._(template).format(names=names) for template, names in mismatch.problems]})
    return declared_rename(result, matched)


def _fill_candidates(package_id: str, result: ResultFile) -> None:
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
