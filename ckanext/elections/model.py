"""Tables of our own in CKAN's database (migration/elections).

The results themselves live in the DataStore, where reusers can query them;
these rows say where they are, which version is published (for ETags), and
how each import went (for the resource page and the CLI).
"""
from __future__ import annotations

import json
import uuid
from typing import Any

import ckan.model.meta as meta
from ckan.model.base import BaseModel
from ckan.model.domain_object import DomainObject
from sqlalchemy import Column, DateTime, ForeignKey, Integer, UnicodeText

from ckanext.elections.utils import utcnow

__all__ = ["ElectionImport", "ElectionResults"]


class ElectionResults(DomainObject, BaseModel):  # type: ignore[misc]
    """The published results of one election dataset."""

    __tablename__ = "elections_results"

    package_id = Column(UnicodeText, ForeignKey("package.id", ondelete="CASCADE"), primary_key=True)
    version = Column(Integer, nullable=False, default=0)
    updated = Column(DateTime, nullable=False, default=utcnow)
    layout = Column(UnicodeText)
    base_level = Column(UnicodeText, nullable=False)
    areas_resource_id = Column(UnicodeText, nullable=False)
    votes_resource_id = Column(UnicodeText, nullable=False)
    candidates_resource_id = Column(UnicodeText, nullable=False)
    turnout_resource_id = Column(UnicodeText)

    @classmethod
    def get(cls, package_id: str) -> ElectionResults | None:
        return meta.Session.get(cls, package_id)

    def bump(self) -> None:
        """Mark the results changed: new ETag, new Last-Modified."""
        self.version = (self.version or 0) + 1
        self.updated = utcnow()


class ElectionImport(DomainObject, BaseModel):  # type: ignore[misc]
    """One import of a results file: its outcome and problems, if any."""

    __tablename__ = "elections_import"

    id = Column(UnicodeText, primary_key=True, default=lambda: str(uuid.uuid4()))
    package_id = Column(UnicodeText, ForeignKey("package.id", ondelete="CASCADE"), nullable=False)
    resource_id = Column(UnicodeText)
    status = Column(UnicodeText, nullable=False, default="pending")
    created = Column(DateTime, nullable=False, default=utcnow)
    finished = Column(DateTime)
    areas = Column(Integer)
    problems = Column(UnicodeText)
    problems_total = Column(Integer, nullable=False, default=0)
    message = Column(UnicodeText)

    @classmethod
    def latest_for_resource(cls, resource_id: str) -> ElectionImport | None:
        return (
            meta.Session.query(cls)
            .filter(cls.resource_id == resource_id)
            .order_by(cls.created.desc())
            .first()
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "package_id": self.package_id,
            "resource_id": self.resource_id,
            "status": self.status,
            "created": self.created.isoformat() if self.created else None,
            "finished": self.finished.isoformat() if self.finished else None,
            "areas": self.areas,
            "problems": json.loads(self.problems) if self.problems else [],
            "problems_total": self.problems_total,
            "message": self.message,
        }
