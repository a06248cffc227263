"""Put the fictitious election night into the portal.

Its content (names, descriptions) is data, written in the portal's first
language, French; the messages it prints are translatable.

``ckan elections demo`` (run by ``make up``) creates the organisation, the
two elections of the night as datasets with their boundaries, reference and
turnout resources, publishes every bureau as awaited and pushes the first
ones, through the same actions an editor would use. Before them it loads,
fully counted and final, the same two elections held before (each night's
election names its ``previous_election``) and the municipales whose
council seats the rules share. It is idempotent: an election that already
has results is left as it is. ``--simulate`` then pushes the bureaux not
counted yet, one by one, as on the night.
"""
from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from werkzeug.datastructures import FileStorage

from ckanext.elections import demo, jobs
from ckanext.elections.model import ElectionResults
from ckanext.elections.results import read_reference
from ckanext.elections.utils import site_user

log = logging.getLogger(__name__)

TERRITORY_SUFFIX = "villeneuve"
PUBLISHED_SHARE = 0.6  # of bureaux already counted when the demo starts


def dataset_name(election: demo.DemoElection) -> str:
    return f"{election.slug}-{TERRITORY_SUFFIX}"


def candidate_key(candidate: dict[str, Any]) -> str:
    """Départementales number their binômes from 1 in every canton."""
    return f"{candidate['canton']}_{candidate['id']}" if candidate["canton"] else candidate["id"]


def payload(election: demo.DemoElection, code: str) -> dict[str, Any]:
    area = demo.bureau_payload(election, code)
    canton = election.results[area["code"]].canton
    keys = {c["id"]: candidate_key(c) for c in election.candidates_of(canton)}
    area["candidates"] = {keys[i]: voix for i, voix in area["candidates"].items()}
    return area


def load(say: Callable[[str], None] = log.info, *, seed: int = demo.DEFAULT_SEED) -> list[str]:
    """Create what is missing; return the names of the elections of the night."""
    context = {"user": site_user()}
    organization = _ensure_organization(context)
    city = demo.build_city(seed)
    before = demo.build_elections(city, demo.PREVIOUS_DATE)
    for election in [*before, demo.build_municipales(city)]:
        _load(context, organization, city, election, share=1.0, status="final", say=say)
    elections = demo.build_elections(city)
    names = [dataset_name(e) for e in elections]
    for election, previous in zip(elections, before, strict=True):
        _load(context, organization, city, election, share=PUBLISHED_SHARE, status="counting", say=say,
              previous_election=dataset_name(previous))
    for name, sibling in zip(names, reversed(names), strict=True):
        if model.Package.get(name).extras.get("sibling_election") != sibling:
            tk.get_action("package_patch")(dict(context), {"id": name, "sibling_election": sibling})
    return names


def _load(context: dict[str, Any], organization: str, city: demo.DemoCity, election: demo.DemoElection, *,
          share: float, status: str, say: Callable[[str], None], **fields: Any) -> None:
    """One election with ``share`` of its bureaux counted, unless it has results already."""
    name = dataset_name(election)
    package = model.Package.get(name)
    if package is not None and ElectionResults.get(package.id) is not None:
        say(tk._("{name}: already loaded").format(name=name))
        return
    package_id = package.id if package is not None else _create_election(
        context, organization, city, election, status=status, **fields)
    jobs.prepare(package_id, read_reference(io.BytesIO(demo.reference_csv(city).encode())))
    jobs.import_turnout(package_id, io.BytesIO(demo.turnout_csv(election).encode()))
    counted = election.order[: int(len(election.order) * share)]
    tk.get_action("elections_results_push")(
        dict(context), {"id": package_id, "areas": [payload(election, code) for code in counted]})
    say(tk._("{name}: {counted} of {total} bureaux published").format(
        name=name, counted=len(counted), total=len(election.order)))


def simulate(say: Callable[[str], None] = log.info, *, interval: float = 5.0,
             seed: int = demo.DEFAULT_SEED) -> None:
    """Push the bureaux not counted yet, one every ``interval`` seconds.

    It carries on from where the count is: the bureaux already counted are
    left as they are, so something changes at every step.
    """
    context = {"user": site_user()}
    elections = demo.build_elections(demo.build_city(seed))
    waiting = {}
    for election in elections:
        name = dataset_name(election)
        _set_status(context, name, "counting")
        answer = tk.get_action("elections_results_show")(dict(context), {"id": name, "level": "bureau"})
        counted = {area["code"] for area in answer["areas"] if area["counted"]}
        waiting[name] = [code for code in election.order if code not in counted]
    say(tk._("{count} bureaux to count").format(count=max(len(codes) for codes in waiting.values())))
    for step in range(max(len(codes) for codes in waiting.values())):
        for election in elections:
            name = dataset_name(election)
            if step >= len(waiting[name]):
                continue
            code = waiting[name][step]
            outcome = tk.get_action("elections_results_push")(
                dict(context), {"id": name, "areas": [payload(election, code)]})
            say(tk._("{name}: bureau {code} pushed ({counted}/{total})").format(
                name=name, code=code, counted=outcome["progress"]["counted"], total=outcome["progress"]["total"]))
        if interval:
            time.sleep(interval)
    for election in elections:
        _set_status(context, dataset_name(election), "provisional")


def _set_status(context: dict[str, Any], name: str, status: str) -> None:
    tk.get_action("package_patch")(dict(context), {"id": name, "results_status": status})


def _ensure_organization(context: dict[str, Any]) -> str:
    name = tk.config.get("ckanext.elections.demo_organization")
    if model.Group.get(name) is None:
        tk.get_action("organization_create")(dict(context), {
            "name": name,
            "title": f"Ville de {demo.COMMUNE_NAME} (fictive)",
            "description": ("Ville fictive dont la soirée électorale est générée par la démonstration "
                            "de ckanext-elections."),
        })
    return name


def _create_election(context: dict[str, Any], organization: str, city: demo.DemoCity,
                     election: demo.DemoElection, *, status: str, **fields: Any) -> str:
    dataset = tk.get_action("package_create")(dict(context), {
        "type": "election",
        "name": dataset_name(election),
        "title": f"{election.title} – {city.name}",
        "notes": "Résultats fictifs d'une ville générée, pour la démonstration. Rien n'y est réel.",
        "owner_org": organization,
        "election_kind": election.kind,
        "election_round": str(election.round),
        "polling_date": election.date,
        "territory_name": city.name,
        "territory_codes": [city.code],
        "result_levels": ["bureau", "canton", "commune"],
        "results_status": status,
        "candidates": [
            {"id": candidate_key(c), "name": c["name"], "nuance": c["nuance"], "color": c["color"],
             **({"area": c["canton"]} if c["canton"] else {})}
            for c in election.candidates
        ],
        **({"seats": demo.MUNICIPAL_SEATS, "community_seats": demo.COMMUNITY_SEATS}
           if election.kind == "municipales" else {}),
        **fields,
        "spatial": json.dumps(demo.boundaries_geojson(city, "commune")["features"][0]["geometry"]),
        "license_id": "lov2",
    })
    files = [
        ("boundaries_bureaux.geojson", json.dumps(demo.boundaries_geojson(city, "bureau")),
         {"resource_type": "boundaries", "level": "bureau", "join_property": "area_code",
          "format": "GeoJSON", "name": "Contours des bureaux de vote"}),
        ("boundaries_cantons.geojson", json.dumps(demo.boundaries_geojson(city, "canton")),
         {"resource_type": "boundaries", "level": "canton", "join_property": "code",
          "format": "GeoJSON", "name": "Contours des cantons"}),
        ("reference.csv", demo.reference_csv(city),
         {"resource_type": "reference", "format": "CSV", "name": "Bureaux de vote, cantons et commune"}),
        ("turnout.csv", demo.turnout_csv(election),
         {"resource_type": "turnout", "format": "CSV", "name": "Participation à 12 h, 17 h et à la clôture"}),
    ]
    created = [
        tk.get_action("resource_create")(dict(context), {
            "package_id": dataset["id"],
            "upload": FileStorage(io.BytesIO(content.encode("utf-8")), filename=filename),
            "url": filename,
            **fields,
        })
        for filename, content, fields in files
    ]
    cantons = created[1]
    for view in VIEWS:
        tk.get_action("resource_view_create")(dict(context), {"resource_id": cantons["id"], **view})
    return dataset["id"]


# The live views of each demo election, on its cantons' outlines: the full
# view first (the resource page opens it), then the widgets to embed.
VIEWS = [
    {"view_type": "elections_results_view", "title": "Résultats en direct",
     "level": "canton", "colour_mode": "leader", "refresh_interval": 30},
    {"view_type": "elections_summary_widget", "title": "Widget : synthèse", "top": 5, "refresh_interval": 30},
    {"view_type": "elections_map_widget", "title": "Widget : carte",
     "level": "canton", "colour_mode": "leader", "refresh_interval": 30},
    {"view_type": "elections_participation_widget", "title": "Widget : participation",
     "level": "canton", "refresh_interval": 30},
]
