"""Fixtures of the integration tests of ckanext-elections (real CKAN, DataStore, Solr)."""
from __future__ import annotations

import pytest
from ckan.tests import factories

from tests.elections.unit._paths import DATA_DIR, NO_DATA

STRASBOURG_2017_T1 = "results/bureau/2017-presidentielle-t1_strasbourg.csv"


@pytest.fixture
def real_file():
    """Path of a file of the shared real data (tests skip if it is absent)."""
    def path(relative: str):
        target = DATA_DIR / relative
        if not target.is_file():
            pytest.skip(NO_DATA)
        return target
    return path


@pytest.fixture
def make_election():
    """Create an election dataset in a new organisation (or a given one)."""
    def factory(organization=None, **fields):
        organization = organization or factories.Organization()
        defaults = {
            "type": "election",
            "owner_org": organization["id"],
            "election_kind": "presidentielle",
            "election_round": "1",
            "polling_date": "2017-04-23",
            "territory_name": "Strasbourg",
            "results_status": "counting",
        }
        return factories.Dataset(**{**defaults, **fields})
    return factory
