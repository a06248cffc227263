"""Which pages other sites may frame: the embeds of public election views, and
nothing else.

Every response says whether it may be framed. The embed of one of our views
of a public election (CKAN's view route, ``<type>_resource.view``, with a
saved view of ours, of an active public dataset, whose resource is the one
in the URL) gets ``Content-Security-Policy: frame-ancestors`` with the
configured sources (``ckanext.elections.views.frame_ancestors``, ``*`` by
default); every other page only its own site (``X-Frame-Options:
SAMEORIGIN`` and ``frame-ancestors 'self'``), so that no other site can
frame the portal's forms, dashboards or dataset pages.
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import flask
from ckan import model
from flask import request

__all__ = ["VIEW_TYPES", "framing_headers", "public_embed"]

VIEW_TYPES = frozenset({
    "elections_results_view", "elections_summary_widget", "elections_map_widget",
    "elections_participation_widget",
})


def public_embed() -> bool:
    """Whether this request is the embed of one of our views of a public election."""
    endpoint = request.endpoint or ""
    args = request.view_args or {}
    if not endpoint.endswith("_resource.view") or not args.get("view_id"):
        return False
    cached = flask.g.get("elections_public_embed")
    if cached is not None:
        return cached
    view = model.ResourceView.get(args["view_id"])
    answer = False
    if view is not None and view.view_type in VIEW_TYPES and view.resource_id == args.get("resource_id"):
        resource = model.Resource.get(view.resource_id)
        package = resource.package if resource is not None else None
        answer = not (package is None or resource.state != "active" or package.state != "active"
                      or package.private or args.get("id") not in (package.id, package.name))
    flask.g.elections_public_embed = answer
    return answer


def _add_directive(response: flask.Response, directive: str) -> None:
    policy = response.headers.get("Content-Security-Policy")
    if policy and "frame-ancestors" in policy:
        return  # someone stricter already decided
    response.headers["Content-Security-Policy"] = f"{policy}; {directive}" if policy else directive


def framing_headers(response: flask.Response) -> flask.Response:
    if response.status_code == 200 and public_embed():
        sources = " ".join(str(tk.config.get("ckanext.elections.views.frame_ancestors") or "*").split())
        _add_directive(response, f"frame-ancestors {sources}")
        response.headers.pop("X-Frame-Options", None)
        return response
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    _add_directive(response, "frame-ancestors 'self'")
    return response
