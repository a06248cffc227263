"""Template helpers of ckanext-elections.

The vocabulary of elections (levels, kinds, statuses, counts) is defined
once, in ``results.model``; these helpers give its labels in the reader's
language to scheming's forms (``choices_helper``), to templates, and through
templates to the JavaScript modules (``data-module-vocabulary``).
"""
from __future__ import annotations

import functools
import json
import os
import struct
from typing import Any

import ckan
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import i18n, webassets_tools
from webassets import Bundle
from webassets.env import RegisterError

from ckanext.elections.results import model as vocabulary
from ckanext.elections.results.messages import N_
from ckanext.elections.utils import user_context

__all__ = [
    "elections_embed_base",
    "elections_embed_views",
    "elections_import_outcome",
    "elections_js_translations",
    "elections_kind_choices",
    "elections_level_choices",
    "elections_live_results_url",
    "elections_logo_size",
    "elections_status_choices",
    "elections_title",
    "elections_vocabulary",
    "humanize_entity_type",
]


def elections_import_outcome(package_id: str, resource_id: str) -> dict[str, Any] | None:
    """The latest import of a results resource, for those who may see it."""
    try:
        return tk.get_action("elections_import_status")(
            user_context(), {"id": package_id, "resource_id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None


def elections_kind_choices(field: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """Choices of ``election_kind`` (scheming's ``choices_helper``)."""
    return [{"value": kind.value, "label": tk._(label)} for kind, label in vocabulary.KIND_LABELS.items()]


def elections_status_choices(field: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """Choices of ``results_status``."""
    return [{"value": status.value, "label": tk._(short)}
            for status, (short, _long) in vocabulary.STATUS_LABELS.items()]


def elections_level_choices(field: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """Choices of the levels a dataset publishes, and of a resource's level."""
    return [{"value": level.value, "label": tk._(vocabulary.LEVEL_LABELS[level][0])}
            for level in vocabulary.RESULT_LEVELS]


def elections_vocabulary() -> dict[str, Any]:
    """Every label of the vocabulary, translated, for templates and scripts."""
    return {
        "levels": {level.value: {"one": tk._(one), "other": tk._(other)}
                   for level, (one, other) in vocabulary.LEVEL_LABELS.items()},
        "kinds": {kind.value: tk._(label) for kind, label in vocabulary.KIND_LABELS.items()},
        "statuses": {status.value: {"short": tk._(short), "long": tk._(long)}
                     for status, (short, long) in vocabulary.STATUS_LABELS.items()},
        "counts": {name: tk._(label) for name, label in vocabulary.COUNT_LABELS.items()},
    }


_EMBEDDABLE = ("elections_results_view", "elections_summary_widget", "elections_map_widget",
               "elections_participation_widget")


def elections_embed_views(package: dict[str, Any], resource_id: str) -> list[dict[str, Any]]:
    """The election views of a resource, for its embed dialog: id, type,
    title and embed URL of each."""
    try:
        views = tk.get_action("resource_view_list")(user_context(), {"id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return []
    return [{"id": view["id"], "type": view["view_type"], "title": view["title"],
             "url": tk.url_for(f"{package['type']}_resource.view", id=package["name"], resource_id=resource_id,
                               view_id=view["id"], locale="default", qualified=True)}
            for view in views if view["view_type"] in _EMBEDDABLE]


def elections_live_results_url(package: dict[str, Any]) -> str | None:
    """The page of the first "Live results" view of an election, for the
    links to it from the dataset page and the list of elections (one query:
    the package is already one the reader may see)."""
    found = (model.Session.query(model.ResourceView.id, model.ResourceView.resource_id)
             .join(model.Resource, model.Resource.id == model.ResourceView.resource_id)
             .filter(model.Resource.package_id == package["id"], model.Resource.state == "active",
                     model.ResourceView.view_type == "elections_results_view")
             .order_by(model.Resource.position, model.ResourceView.order).first())
    if found is None:
        return None
    return tk.url_for(f"{package.get('type') or 'election'}_resource.read", id=package["name"],
                      resource_id=found.resource_id, view_id=found.id)


# CKAN names a custom dataset type by gluing its English name into English
# templates ("Search Elections..."), which no catalogue translates.
_ELECTION_WORDING = {
    "add link": N_("Add election"),
    "breadcrumb": N_("Elections"),
    "content tab": N_("Elections"),
    "create label": N_("Create election"),
    "create title": N_("Create election"),
    "delete confirmation": N_("Are you sure you want to delete this election?"),
    "description placeholder": N_("A few words about this election..."),
    "edit label": N_("Edit election"),
    "facet label": N_("Elections"),
    "main nav": N_("Elections"),
    "my label": N_("My elections"),
    "view label": N_("View election"),
    "name placeholder": N_("My election"),
    "no any objects": N_("There are no elections on this site yet"),
    "no description": N_("There is no description of this election"),
    "page title": N_("Elections"),
    "save label": N_("Save election"),
    "search placeholder": N_("Search elections..."),
    "search_placeholder": N_("Search elections..."),
    "update label": N_("Update election"),
}


@tk.chained_helper
def humanize_entity_type(next_helper: Any, entity_type: str, object_type: str, purpose: str) -> str | None:
    """The words of CKAN's templates for the ``election`` dataset type, in
    the reader's language; other types as CKAN names them."""
    if entity_type == "package" and object_type == "election" and purpose in _ELECTION_WORDING:
        return tk._(_ELECTION_WORDING[purpose])
    return next_helper(entity_type, object_type, purpose)


# The views' own start: CKAN's files that ckan.module needs, not base/main.
_EMBED_BASE = "ckanext-elections/embed-base"
_EMBED_BASE_FILES = (
    "vendor/jquery.js", "vendor/jed.js",
    "javascript/plugins/jquery.inherit.js", "javascript/plugins/jquery.proxy-all.js",
    "javascript/sandbox.js", "javascript/module.js", "javascript/pubsub.js", "javascript/i18n.js",
)


def elections_embed_base() -> str:
    """The webassets bundle the election views start from, registered on
    first use: jQuery, Jed, the sandbox, modules, pub/sub and i18n, from
    the files CKAN installed (not copied), without the rest of CKAN's
    ``base/main`` (moment, select2, Bootstrap, htmx and their stylesheets),
    which an embed never uses. ``elections-boot.js`` (in the ``live``
    bundle) does what CKAN's main.js would.

    ``{% asset h.elections_embed_base() %}`` in a template.
    """
    if not webassets_tools.is_registered(_EMBED_BASE):
        public = tk.config.get("ckan.base_public_folder") or "public"
        base = os.path.join(os.path.dirname(ckan.__file__), public, "base")
        bundle = Bundle(*(os.path.join(base, name) for name in _EMBED_BASE_FILES), filters="rjsmin",
                        output="ckanext-elections/%(version)s_embed_base.js")
        try:
            webassets_tools.env.register(_EMBED_BASE, bundle)
        except RegisterError:
            pass  # another thread was first
    return _EMBED_BASE


def elections_js_translations() -> dict[str, Any]:
    """The JavaScript catalogue of the page's language, as ``/api/i18n/<lang>``
    serves it: the election views carry it in the page, so that their modules
    start without asking for it."""
    path = os.path.join(i18n.get_js_translations_dir(), f"{tk.h.lang()}.js")
    try:
        return _catalogue(path, os.stat(path).st_mtime)
    except OSError:
        return {}


@functools.lru_cache(maxsize=16)
def _catalogue(path: str, mtime: float) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as catalogue:
            return json.load(catalogue)
    except (OSError, ValueError):
        return {}


def elections_title(name: str) -> str:
    """The title of another election (a sibling, the previous one), for
    those who may read it; its name otherwise."""
    try:
        package = tk.get_action("package_show")(user_context(), {"id": name})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return name
    return package.get("title") or name


def elections_logo_size() -> tuple[int, int] | None:
    """Width and height of the site's logo when it is a PNG of CKAN's or an
    extension's public folders that CKAN's theme shows at its own size (at
    most 60 px high), so that the header can reserve its place: CKAN's
    ``<img>`` has no size, and the page moves down once it has loaded.
    None otherwise (an external logo, another format, a larger one)."""
    logo = str(tk.config.get("ckan.site_logo") or "")
    if not logo.startswith("/") or logo.startswith("//") or ".." in logo:
        return None
    # Where CKAN's Flask app looks for static files, in its order.
    folders = [folder for folder in str(tk.config.get("extra_public_paths") or "").split(",") if folder]
    folders += list(tk.config.get("plugin_public_paths") or [])
    folders.append(os.path.join(os.path.dirname(ckan.__file__), tk.config.get("ckan.base_public_folder") or "public"))
    for folder in folders:
        size = _png_size(os.path.join(folder, logo.lstrip("/")))
        if size:
            return size if size[1] <= 60 else None
    return None


@functools.lru_cache(maxsize=4)
def _png_size(path: str) -> tuple[int, int] | None:
    try:
        with open(path, "rb") as image:
            head = image.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])
