"""Import a results file into an election: check it whole, then publish it.

Used by the background job that follows the upload of a ``results``
resource, and by ``ckan elections import``. Every attempt is logged in
``elections_import`` with its outcome, so the resource page and the CLI can
say what happened, line by line when the file was rejected.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import logging
import os
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import uploader
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect

from ckanext.elections import boundaries
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
from ckanext.elections.results.codes import panel_id, slugify
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
    if resource.package is None or resource.package.type != ELECTION_TYPE:
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


# When a file is imported
# =======================
#
# An import is queued when a file of an election (a resource whose
# ``resource_type`` is one of IMPORTED_TYPES) is created, or when its file
# changes, whichever action does it: ``resource_create``, ``resource_update``
# or ``resource_patch``, but also ``package_create``, ``package_update`` or
# ``package_revise`` with resources (``ckanapi load`` creates datasets with
# their resources, and fires no resource hook). So the decision is taken on
# the database session, as CKAN's search indexing and xloader take theirs,
# in three steps:
#
# * ``before_flush``: note the resources that are new, or whose file changed
#   (history is only there before the flush);
# * ``before_commit``: for those of an election, add a pending ``ElectionImport``
#   to the same transaction (a rolled-back action leaves no record, and the
#   resource page says "pending" as soon as the file is saved);
# * ``after_commit``: enqueue the jobs. Never earlier: a worker would race the
#   commit, and a job queued in a transaction that rolls back would import a
#   file that does not exist. Hooks never commit anyone's transaction.
#
# What a change of file is: CKAN sets ``last_modified`` on every upload, a
# link changes its ``url``; a new ``resource_type`` makes a file one we import.
# A new ``hash`` alone is a new file only for a link (an uploaded file cannot
# change without an upload), only when there was a hash before (xloader fills
# it in after each load), and only when the resource changed since its last
# import was queued (xloader's hash after a new link is that link's file).
# Everything else (a name, a description, ``datastore_active``) is not.

IMPORTED_TYPES = ("results", "turnout", "reference")
ELECTION_TYPE = "election"
_FILE_ATTRIBUTES = ("url", "last_modified", "resource_type")
_NOTED = "ckanext.elections.changed_files"
_QUEUED = "ckanext.elections.queued_imports"


@dataclass(frozen=True)
class _FileChange:
    resource: model.Resource
    reason: str  # "new", "file" or "hash"
    previous_change: datetime.datetime | None = None


def _file_change(resource: model.Resource) -> _FileChange | None:
    """How the file of a modified resource changed in this flush, if it did."""
    state = sa_inspect(resource)
    if any(state.attrs[name].history.has_changes() for name in _FILE_ATTRIBUTES):
        return _FileChange(resource, "file")
    hashes = state.attrs.hash.history
    if hashes.has_changes() and hashes.deleted and hashes.deleted[0] and resource.url_type != "upload":
        modified = state.attrs.metadata_modified.history
        return _FileChange(resource, "hash", modified.deleted[0] if modified.deleted else None)
    return None


def _note_changes(session: Any, flush_context: Any, instances: Any) -> None:
    if not p.plugin_loaded("elections"):
        return
    noted: dict[int, _FileChange] = session.info.setdefault(_NOTED, {})
    for obj in session.new:
        if isinstance(obj, model.Resource):
            noted[id(obj)] = _FileChange(obj, "new")
    for obj in session.dirty:
        if isinstance(obj, model.Resource) and id(obj) not in noted:
            change = _file_change(obj)
            if change is not None:
                noted[id(obj)] = change


def _queue_imports(session: Any) -> None:
    if session.in_nested_transaction() or not p.plugin_loaded("elections"):
        return
    noted: dict[int, _FileChange] = session.info.pop(_NOTED, {})
    queued = session.info.setdefault(_QUEUED, [])
    for change in noted.values():
        if _imports(change):
            record = ElectionImport(id=str(uuid.uuid4()), package_id=change.resource.package_id,
                                    resource_id=change.resource.id, status="pending", created=utcnow())
            session.add(record)
            queued.append((record.id, change.resource.id))


def _imports(change: _FileChange) -> bool:
    """Whether this change of a resource's file calls for an import."""
    resource = change.resource
    if resource.resource_type == "boundaries" and resource.url_type != "upload":
        # Linked outlines: the portal keeps a copy, so that readers never
        # fetch them from another site.
        return resource.state == "active" and resource.package is not None \
            and resource.package.type == ELECTION_TYPE
    if resource.state != "active" or resource.resource_type not in IMPORTED_TYPES:
        return False
    if resource.package is None or resource.package.type != ELECTION_TYPE:
        return False
    if resource.url_type == "upload" and not _uploaded(resource):
        # ``ckanapi load --upload-resources`` creates the resource first and
        # uploads its file with a resource_patch: that one is imported.
        return False
    if change.reason == "hash":
        latest = ElectionImport.latest_for_resource(resource.id)
        return latest is None or change.previous_change is None or latest.created < change.previous_change
    return True


def _uploaded(resource: model.Resource) -> bool:
    upload = uploader.get_resource_uploader({"id": resource.id, "url": resource.url, "url_type": "upload"})
    path = getattr(upload, "get_path", None)
    if path is None or not getattr(upload, "storage_path", None):
        return True  # stored elsewhere (an IUploader): let the job fetch it
    return os.path.exists(path(resource.id))


def _enqueue_queued(session: Any) -> None:
    session.info.pop(_NOTED, None)
    unqueued = []
    for record_id, resource_id in session.info.pop(_QUEUED, []):
        try:
            tk.enqueue_job(import_resource_job, [record_id], title=f"elections import {resource_id}")
        except Exception:  # the commit happened: it must not look failed
            log.exception("Cannot queue the import of resource %s (import %s)", resource_id, record_id)
            unqueued.append(record_id)
    if unqueued:
        _say_unqueued(unqueued)


def _say_unqueued(record_ids: list[str]) -> None:
    """The file is saved but its import could not be queued (the job queue,
    Redis, is down or hung): the record says so, rather than "pending" for
    ever, in a transaction of its own (the request's is over)."""
    message = tk._("The file is saved, but its import could not be queued (the job queue does not answer): "
                   "upload it again later, or run ckan elections import")
    with model.meta.engine.begin() as connection:
        connection.execute(ElectionImport.__table__.update().where(ElectionImport.id.in_(record_ids)).values(
            status="error", message=message, finished=utcnow()))


def _forget(session: Any, transaction: Any) -> None:
    if transaction.parent is None:  # committed (jobs queued) or rolled back
        session.info.pop(_NOTED, None)
        session.info.pop(_QUEUED, None)


def watch_sessions() -> None:
    """Queue imports from CKAN's database session (idempotent)."""
    for name, listener in (("before_flush", _note_changes), ("before_commit", _queue_imports),
                           ("after_commit", _enqueue_queued), ("after_transaction_end", _forget)):
        if not event.contains(model.Session, name, listener):
            event.listen(model.Session, name, listener)


watch_sessions()


# Candidates: the dataset's ids are the stored keys
# =================================================
#
# Editors declare the candidates in the dataset (id or panel number, name,
# nuance, colour); a file names them by its headers or panel numbers. Each
# column of the file must be one declared candidate and each declared
# candidate one column, found by id, panel number or name (accents, case
# and punctuation aside, then the file's words within the declared name:
# "LE PEN" is "Marine Le Pen"). The results are then stored under the
# declared ids, so colours, nuances and pushes by those ids all hold.

def declared_candidates(package: model.Package) -> list[dict[str, Any]]:
    """The candidates listed in the dataset's form (scheming keeps them as JSON)."""
    raw = package.extras.get("candidates")
    try:
        listed = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return []
    return [c for c in listed or [] if isinstance(c, dict) and str(c.get("id") or "").strip()]


def _words(text: str) -> set[str]:
    return set(filter(None, slugify(text).split("-")))


def _same(declared: dict[str, Any], candidate: Candidate, result: ResultFile) -> bool:
    key = str(declared["id"]).strip()
    if key in (candidate.id, result.uid(candidate)) or panel_id(key) == panel_id(candidate.id):
        return True
    names = {slugify(candidate.name), slugify(candidate.id)}
    return bool({slugify(key), slugify(declared.get("name") or "")} & names - {""})


def _alike(declared: dict[str, Any], candidate: Candidate) -> bool:
    words = _words(candidate.name)
    return bool(words) and words <= _words(declared.get("name") or "")


def _label(declared: dict[str, Any]) -> str:
    name = declared.get("name")
    return f"{declared['id']} ({name})" if name and name != declared["id"] else str(declared["id"])


def match_candidates(result: ResultFile, declared: Sequence[dict[str, Any]]) -> dict[Candidate, dict[str, Any]]:
    """The declared candidate of each candidate of the file.

    Raises ``ValidationError`` naming every declared candidate the file
    lacks, every column that matches none, and every match that is not one
    to one.
    """
    matched: dict[Candidate, dict[str, Any]] = {}
    errors: list[str] = []
    unmatched, ambiguous, doubtful = [], [], set()
    for candidate in result.candidates:
        found = [d for d in declared if _same(d, candidate, result)] or [
            d for d in declared if _alike(d, candidate)]
        if len(found) == 1:
            matched[candidate] = found[0]
        elif found:
            ambiguous.append(f"{candidate.name}: {', '.join(_label(d) for d in found)}")
            doubtful.update(id(d) for d in found)
        else:
            unmatched.append(candidate.name)
    if unmatched:
        errors.append(tk._("Columns of the file that match no candidate of the dataset: {names}").format(
            names=", ".join(unmatched)))
    if ambiguous:
        errors.append(tk._("Columns of the file that match several candidates of the dataset: {names}").format(
            names="; ".join(ambiguous)))
    errors.extend(_one_to_one(matched, [d for d in declared if id(d) not in doubtful]))
    if errors:
        raise tk.ValidationError({"candidates": errors})
    return matched


def _one_to_one(matched: dict[Candidate, dict[str, Any]], declared: Sequence[dict[str, Any]]) -> list[str]:
    columns: dict[int, list[str]] = {}
    for candidate, found in matched.items():
        columns.setdefault(id(found), []).append(candidate.name)
    missing = [_label(d) for d in declared if id(d) not in columns]
    shared = [f"{_label(d)}: {', '.join(columns[id(d)])}" for d in declared if len(columns.get(id(d), [])) > 1]
    errors = []
    if missing:
        errors.append(tk._("Candidates of the dataset missing from the file: {names}").format(
            names=", ".join(missing)))
    if shared:
        errors.append(tk._("Candidates of the dataset that match several columns of the file: {names}").format(
            names="; ".join(shared)))
    return errors


def with_declared_candidates(result: ResultFile, declared: Sequence[dict[str, Any]]) -> ResultFile:
    """``result`` with its candidates renamed to those the dataset declares."""
    matched = match_candidates(result, declared)
    renamed = {
        candidate: Candidate(str(found["id"]).strip(), found.get("name") or candidate.name,
                             found.get("nuance") or candidate.nuance)
        for candidate, found in matched.items()}
    # Large layouts share one tuple of candidates between areas: rename it once.
    tuples: dict[int, tuple[Candidate, ...]] = {}
    for area in result.areas:
        key = id(area.candidates)
        if key not in tuples:
            tuples[key] = tuple(renamed[c] for c in area.candidates)
        area.candidates = tuples[key]
    return dataclasses.replace(result, candidates=[renamed[c] for c in result.candidates], _uids={},
                               _by_code={})


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
