"""The election schema in CKAN's own web forms, as an organisation editor uses them."""
from __future__ import annotations

import json

import pytest
from ckan.tests import factories, helpers


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestElectionForm:
    @pytest.fixture
    def editor(self):
        user = factories.User()
        organization = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
        return user, organization, factories.APIToken(user=user["name"])["token"]

    def test_the_form_offers_the_election_fields_in_french(self, app, editor):
        _, _, token = editor

        page = app.get("/fr/election/new", headers={"Authorization": token})

        assert page.status_code == 200
        for field in ("election_kind", "election_round", "polling_date", "results_status",
                      "candidates-0-name", "candidates-0-color", "spatial"):
            assert f'id="field-{field}"' in page.body, field
        assert "Type de scrutin" in page.body and "Dépouillement en cours" in page.body

    def test_an_editor_creates_an_election_through_the_form(self, app, editor):
        user, organization, token = editor

        response = app.post("/election/new", headers={"Authorization": token}, data={
            "title": "Municipales 2026 – Villeneuve", "name": "municipales-2026", "owner_org": organization["id"],
            "election_kind": "municipales", "election_round": "1", "polling_date": "2026-03-15",
            "territory_name": "Villeneuve", "results_status": "upcoming", "license_id": "lov2",
            "candidates-0-id": "1", "candidates-0-name": "Liste A", "candidates-0-color": "#1F5FA8",
            "save": "continue",
        }, follow_redirects=False)

        assert response.status_code == 302, response.body
        created = helpers.call_action("package_show", id="municipales-2026")
        assert created["type"] == "election"
        assert created["candidates"] == [{"id": "1", "name": "Liste A", "color": "#1f5fa8"}]

    @pytest.mark.parametrize("field, value, message", [
        ("spatial", '{"type": "Feature"}', "GeoJSON geometry"),
        ("spatial", '{"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}', "Invalid GeoJSON"),
        ("candidates", [{"id": "1", "name": "A", "color": "blue"}], "#1f77b4"),
        ("territory_codes", ["67482", "Strasbourg"], "Strasbourg"),
        ("sibling_election", "no-such-election", "no-such-election"),
    ])
    def test_bad_values_are_refused_with_a_reason(self, editor, field, value, message):
        user, organization, _ = editor
        with pytest.raises(helpers.logic.ValidationError) as refused:
            helpers.call_action("package_create", context={"user": user["name"]}, type="election",
                                name="bad", owner_org=organization["id"], election_kind="other",
                                election_round="1", polling_date="2026-03-15", territory_name="X",
                                **{field: value})
        assert message in json.dumps(refused.value.error_dict, ensure_ascii=False)

    def test_licence_defaults_to_licence_ouverte(self, editor):
        user, organization, _ = editor

        created = helpers.call_action("package_create", context={"user": user["name"]}, type="election",
                                      name="default-licence", owner_org=organization["id"],
                                      election_kind="other", election_round="1",
                                      polling_date="2026-03-15", territory_name="X")

        assert created["license_id"] == "lov2"
        assert created["license_title"] == "Licence Ouverte / Open Licence 2.0"
