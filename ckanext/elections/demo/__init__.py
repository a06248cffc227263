"""A fictitious city's election night, generated for the demo (``make up``).

The demo needs a whole election night to show: outlines, a reference table,
results per polling station, turnout during the day and the order in which
stations report. Real data must never be copied into the repository, so this
package *invents* it, deterministically from a seed:

* ``city``: the geometry of Villeneuve-sur-Ill, its bureaux and cantons;
* ``votes``: the two elections of the night and every bureau's results;
* ``files``: the night as CSV and GeoJSON files and push payloads;
* ``portal``: the night put into a CKAN portal (``ckan elections demo``).

Typical use::

    city = build_city()                    # seed 2028
    elections = build_elections(city)      # [régionales, départementales]
    files = demo_files()                   # {"reference.csv": b"...", ...}
"""
from __future__ import annotations

from .city import (
    COMMUNE_CODE,
    COMMUNE_NAME,
    DEFAULT_SEED,
    N_BUREAUX,
    N_CANTONS,
    DemoBureau,
    DemoCanton,
    DemoCity,
    DemoError,
    Sociology,
    build_city,
)
from .files import (
    LEVELS,
    REFERENCE_HEADER,
    RESULTS_HEADER,
    TURNOUT_HEADER,
    TURNOUT_HOURS,
    boundaries_geojson,
    bureau_payload,
    contrast_ratio,
    counting_order,
    demo_files,
    election_metadata,
    reference_csv,
    results_csv,
    turnout_csv,
)
from .votes import (
    COMMUNITY_SEATS,
    ELECTION_DATE,
    MUNICIPAL_SEATS,
    MUNICIPALES_DATE,
    PREVIOUS_DATE,
    BureauResult,
    DemoElection,
    build_elections,
    build_municipales,
)

__all__ = [
    "COMMUNITY_SEATS",
    "COMMUNE_CODE",
    "COMMUNE_NAME",
    "DEFAULT_SEED",
    "ELECTION_DATE",
    "LEVELS",
    "MUNICIPALES_DATE",
    "MUNICIPAL_SEATS",
    "N_BUREAUX",
    "N_CANTONS",
    "PREVIOUS_DATE",
    "REFERENCE_HEADER",
    "RESULTS_HEADER",
    "TURNOUT_HEADER",
    "TURNOUT_HOURS",
    "BureauResult",
    "DemoBureau",
    "DemoCanton",
    "DemoCity",
    "DemoElection",
    "DemoError",
    "Sociology",
    "boundaries_geojson",
    "build_city",
    "build_elections",
    "build_municipales",
    "bureau_payload",
    "contrast_ratio",
    "counting_order",
    "demo_files",
    "election_metadata",
    "reference_csv",
    "results_csv",
    "turnout_csv",
]
