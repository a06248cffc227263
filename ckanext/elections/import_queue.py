"""When a file of an election is imported.

An import is queued when a file of an election (a resource whose
``resource_type`` is one of IMPORTED_TYPES) is created, or when its file
changes, whichever action does it: ``resource_create``, ``resource_update``
or ``resource_patch``, but also ``package_create``, ``package_update`` or
``package_revise`` with resources (``ckanapi load`` creates datasets with
their resources, and fires no resource hook). So the decision is taken on
the database session, as CKAN's search indexing and xloader take theirs,
in three steps:

* ``before_flush``: note the resources that are new, or whose file changed
  (history is only there before the flush);
* ``before_commit``: for those of an election, add a pending ``ElectionImport``
  to the same transaction (a rolled-back action leaves no record, and the
  resource page says "pending" as soon as the file is saved);
* ``after_commit``: enqueue the jobs. Never earlier: a worker would race the
  commit, and a job queued in a transaction that rolls back would import a
  file that does not exist. Hooks never commit anyone's transaction.

What a change of file is: CKAN sets ``last_modified`` on every upload, a
link changes its ``url``; a new ``resource_type`` makes a file one we import.
A new ``hash`` alone is a new file only for a link (an uploaded file cannot
change without an upload), only when there was a hash before (xloader fills
it in after each load), and only when the resource changed since its last
import was queued (xloader's hash after a new link is that link's file).
Everything else (a name, a description, ``datastore_active``) is not.
"""
from __future__ import annotations

import datetime
import logging
import os
import uuid
from dataclasses import dataclass
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import uploader
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect

from ckanext.elections.model import ElectionImport
from ckanext.elections.utils import utcnow

log = logging.getLogger(__name__)

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
    storage = getattr(upload, "storage", None)
    if storage is not None:
        # A file storage (CKAN 2.12, ckan.files.storage.*): asked, when it can tell.
        from ckan.lib import files
        if not storage.supports(files.Capability.EXISTS):
            return True
        return storage.exists(files.FileData(files.Location(upload.get_path(resource.id))))
    path = getattr(upload, "get_path", None)
    if path is None or not getattr(upload, "storage_path", None):
        return True  # stored elsewhere (an IUploader): let the job fetch it
    return os.path.exists(path(resource.id))


def _enqueue_queued(session: Any) -> None:
    from ckanext.elections.jobs import import_resource_job  # the job imports this module

    if session.in_nested_transaction():
        # SQLAlchemy says after_commit for a SAVEPOINT's release too (CKAN
        # 2.12's package_update saves in one): nothing is committed yet.
        return
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
