"""Validators of the election schema (schemas/election.yaml), of pushed
results, and of the settings of the resource views."""
from __future__ import annotations

import json
import re
from typing import Any

import ckan.plugins.toolkit as tk
import geojson
from ckan import model

__all__ = [
    "elections_boolean",
    "elections_candidates_shown",
    "elections_geojson_geometry",
    "elections_hex_colour",
    "elections_identifier",
    "elections_insee_codes",
    "elections_not_negative",
    "elections_refresh_interval",
    "elections_other_election",
    "elections_tile_url",
]

MAX_REFRESH_INTERVAL = 3600
MAX_CANDIDATES_SHOWN = 20

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Département (2A, 2B, 971...) or commune (67482, 2A004, 97101) codes.
_INSEE_CODE = re.compile(r"^(\d{2}|2[AB]|97\d)(\d{3})?$|^97\d\d{2}$")
_GEOMETRY_TYPES = {"Polygon", "MultiPolygon", "Point", "MultiPoint", "LineString", "MultiLineString"}


def elections_geojson_geometry(value: Any) -> Any:
    """A GeoJSON geometry (what ckanext-spatial indexes), checked by ``geojson``."""
    if value in (None, ""):
        return value
    try:
        geometry = geojson.loads(value if isinstance(value, str) else json.dumps(value))
    except ValueError:
        raise tk.Invalid(tk._("Not valid JSON"))
    if getattr(geometry, "type", None) not in _GEOMETRY_TYPES:
        raise tk.Invalid(tk._("Expected a GeoJSON geometry (Polygon, MultiPolygon, …), not a Feature"))
    if not geometry.is_valid:
        raise tk.Invalid(tk._("Invalid GeoJSON geometry: {errors}").format(
            errors="; ".join(str(e) for e in geometry.errors()) or geometry.type))
    return json.dumps(geometry, separators=(",", ":")) if not isinstance(value, str) else value


def elections_hex_colour(value: Any) -> Any:
    if value in (None, ""):
        return value
    if not isinstance(value, str) or not _HEX_COLOUR.match(value.strip()):
        raise tk.Invalid(tk._("Expected a colour like #1f77b4"))
    return value.strip().lower()


def elections_insee_codes(value: Any) -> Any:
    """INSEE codes; after ``scheming_multiple_text`` the list is a JSON string."""
    codes = value
    if isinstance(value, str):
        codes = json.loads(value) if value.startswith("[") else [value]
    bad = [c for c in codes if c and not _INSEE_CODE.match(str(c).strip().upper())]
    if bad:
        raise tk.Invalid(tk._("Not an INSEE commune or département code: {codes}").format(
            codes=", ".join(map(str, bad))))
    return value


def elections_not_negative(value: Any) -> Any:
    if value not in (None, "") and int(value) < 0:
        raise tk.Invalid(tk._("Must not be negative"))
    return value


def elections_other_election(value: Any, context: dict[str, Any]) -> Any:
    """The name (or id) of another election the user may read.

    Used by ``sibling_election``, ``previous_election`` and ``other_round``.
    An election the user may not read is refused exactly as a missing one,
    so that a private election can neither be named nor its existence probed.
    """
    if value in (None, ""):
        return value
    refused = tk.Invalid(tk._("No election named {name}").format(name=value))
    if not isinstance(value, str) or _CONTROL.search(value) or len(value) > MAX_IDENTIFIER:
        raise refused
    other = model.Package.get(value)
    if other is None or other.state != "active" or other.type != "election":
        raise refused
    try:
        tk.check_access("package_show", {key: context[key] for key in ("user", "auth_user_obj", "ignore_auth")
                                         if key in context}, {"id": other.id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        raise refused
    return other.name


def translate_problem(problem) -> str:
    """A domain ``Problem`` in the user's language."""
    return tk._(problem.template).format(**problem.format_params())


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_IDENTIFIER = 200


_TRUE = {"true", "1", "yes", "on", "y", "t"}
_FALSE = {"false", "0", "no", "off", "n", "f", ""}


def elections_boolean(value: Any) -> bool:
    """A yes or no, as JSON or a query string gives it (CKAN's own
    ``boolean_validator`` fails on a number)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise tk.Invalid(tk._("Expected true or false"))


def elections_identifier(value: Any) -> Any:
    """An id, name or code as people type them: no control characters, and
    short (the database refuses NUL bytes outright)."""
    if not isinstance(value, str):
        raise tk.Invalid(tk._("Expected text"))
    if _CONTROL.search(value) or len(value) > MAX_IDENTIFIER:
        raise tk.Invalid(tk._("Not a valid identifier"))
    return value


def elections_refresh_interval(value: Any) -> int:
    """Seconds between two refreshes of a view, within the portal's bounds."""
    minimum = tk.config.get("ckanext.elections.views.min_refresh_interval")
    try:
        seconds = int(str(value).strip())
    except ValueError:
        raise tk.Invalid(tk._("Give a whole number of seconds"))
    if not minimum <= seconds <= MAX_REFRESH_INTERVAL:
        raise tk.Invalid(tk._("Refresh every {minimum} to {maximum} seconds").format(
            minimum=minimum, maximum=MAX_REFRESH_INTERVAL))
    return seconds


def elections_tile_url(value: Any) -> Any:
    """A tile URL template: https, with {z}, {x} and {y}, nothing to break out
    of an attribute or a CSS url()."""
    if not value:
        return value
    text = str(value).strip()
    if (not text.startswith("https://") or any(part not in text for part in ("{z}", "{x}", "{y}"))
            or any(c in text for c in "\"'<>\\ ()")):
        raise tk.Invalid(tk._("Give an https:// tile URL with {z}, {x} and {y}, "
                              "e.g. https://tile.example.org/{z}/{x}/{y}.png"))
    return text


def elections_candidates_shown(value: Any) -> Any:
    if not 1 <= int(value) <= MAX_CANDIDATES_SHOWN:
        raise tk.Invalid(tk._("Give a number from {low} to {high}").format(low=1, high=MAX_CANDIDATES_SHOWN))
    return value
