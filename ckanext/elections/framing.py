"""Which pages other sites may frame: the embeds of public election views.

Only CKAN's view route (``<type>_resource.view``) with a saved view of ours,
of an active public dataset, whose resource is the one in the URL, gets a
``Content-Security-Policy: frame-ancestors`` of the configured sources
(``ckanext.elections.views.frame_ancestors``).
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import flask
from ckan import model
from flask import request

__all__ = ["VIEW_TYPES", "allow_framing"]

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
    view = model.ResourceView.get(args["view_id"])
    if view is None or view.view_type not in VIEW_TYPES or view.resource_id != args.get("resource_id"):
        return False
    resource = model.Resource.get(view.resource_id)
    package = resource.package if resource is not None else None
    return not (package is None or resource.state != "active" or package.state != "active" or package.private
                or args.get("id") not in (package.id, package.name))


def allow_framing(response: flask.Response) -> flask.Response:
    if response.status_code != 200 or not public_embed():
        return response
    sources = " ".join(str(tk.config.get("ckanext.elections.views.frame_ancestors") or "*").split())
    policy = response.headers.get("Content-Security-Policy")
    if policy and "frame-ancestors" in policy:
        return response  # someone stricter already decided
    directive = f"frame-ancestors {sources}"
    response.headers["Content-Security-Policy"] = f"{policy}; {directive}" if policy else directive
    return response
