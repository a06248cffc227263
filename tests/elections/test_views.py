"""The election views and widgets on a real CKAN: which resources get them,
their settings, who may open them, and which pages other sites may frame."""
from __future__ import annotations

import json
import re

import ckan.plugins.toolkit as tk
import pytest
from ckan.lib import datapreview
from ckan.tests import factories, helpers

from ckanext.elections import jobs
from tests.elections.test_results_api import CANDIDATES, bureau, night_reference

VIEW_TYPES = ["elections_results_view", "elections_summary_widget", "elections_map_widget",
              "elections_participation_widget"]


def embed_url(package, resource, view, prefix="dataset"):
    return f"/{prefix}/{package['name']}/resource/{resource['id']}/view/{view['id']}"


def token(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def initial_data(html):
    """The results a view page starts from (its embedded JSON)."""
    found = re.search(r'<script type="application/json" id="elections-initial">(.*?)</script>', html, re.S)
    assert found, "no initial results in the page"
    return json.loads(found.group(1))


@pytest.fixture
def people():
    people = {role: factories.User() for role in ("editor", "member", "stranger")}
    organization = factories.Organization(users=[
        {"name": people["editor"]["name"], "capacity": "editor"},
        {"name": people["member"]["name"], "capacity": "member"},
    ])
    return organization, people


@pytest.fixture
def night(make_election, people):
    """A public election with two cantons of outlines and one bureau counted."""
    organization, people = people

    def factory(private=False, **fields):
        election = make_election(organization, candidates=CANDIDATES, territory_name="Villeneuve",
                                 private=private, **fields)
        jobs.prepare(election["id"], night_reference())
        helpers.call_action("elections_results_push", context={"user": people["editor"]["name"]},
                            id=election["id"], areas=[bureau("99001_0101")])
        cantons = factories.Resource(
            package_id=election["id"], url="http://example.org/cantons.geojson", format="GeoJSON",
            resource_type="boundaries", level="canton", join_property="code")
        return election, cantons
    return factory


def own_site_only(response):
    """Whether only the portal itself may frame this page (every page but a public embed)."""
    return (response.headers.get("Content-Security-Policy") == "frame-ancestors 'self'"
            and response.headers.get("X-Frame-Options") == "SAMEORIGIN")


def create_view(resource, view_type, **settings):
    return helpers.call_action("resource_view_create", resource_id=resource["id"], view_type=view_type,
                               title=view_type, **settings)


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestWhichResources:
    @pytest.mark.parametrize("view_type", VIEW_TYPES)
    def test_resources_of_elections_only(self, view_type, night):
        election, cantons = night()
        other = factories.Dataset(owner_org=factories.Organization()["id"])
        plugin = datapreview.get_view_plugin(view_type)

        assert plugin.can_view({"package": election, "resource": cantons})
        assert not plugin.can_view({"package": other, "resource": factories.Resource(package_id=other["id"])})

    def test_offered_for_an_election_resource(self, night):
        election, cantons = night()

        offered = {p.info()["name"] for p in datapreview.get_allowed_view_plugins(
            {"package": election, "resource": cantons})}

        assert offered >= set(VIEW_TYPES)


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestSettings:
    def test_defaults(self, night):
        _, cantons = night()

        full = create_view(cantons, "elections_results_view")
        summary = create_view(cantons, "elections_summary_widget")

        assert (full["refresh_interval"], full["level"], full["colour_mode"], full["big_screen"]) == (
            30, "canton", "leader", False)
        assert (summary["top"], summary["refresh_interval"]) == (5, 30)

    @pytest.mark.parametrize("settings, field", [
        ({"refresh_interval": 5}, "refresh_interval"),
        ({"refresh_interval": "soon"}, "refresh_interval"),
        ({"refresh_interval": 99999}, "refresh_interval"),
        ({"level": "planet"}, "level"),
        ({"colour_mode": "rainbow"}, "colour_mode"),
        ({"tile_url": "http://tile.example.org/{z}/{x}/{y}.png"}, "tile_url"),
        ({"tile_url": "https://tile.example.org/static.png"}, "tile_url"),
        ({"tile_url": "https://t.example.org/{z}/{x}/{y}.png\" onload=\"alert(1)"}, "tile_url"),
    ])
    def test_wrong_settings_are_refused(self, night, settings, field):
        _, cantons = night()

        with pytest.raises(tk.ValidationError) as refused:
            create_view(cantons, "elections_map_widget", **settings)

        assert field in refused.value.error_dict

    def test_summary_shows_one_to_twenty_candidates(self, night):
        _, cantons = night()

        with pytest.raises(tk.ValidationError):
            create_view(cantons, "elections_summary_widget", top=0)
        assert create_view(cantons, "elections_summary_widget", top="8")["top"] == 8

    def test_good_settings_are_kept(self, night):
        _, cantons = night()

        view = create_view(cantons, "elections_results_view", refresh_interval="10", level="bureau",
                           colour_mode="candidate", candidate="2", big_screen="true",
                           tile_url="https://tile.example.org/{z}/{x}/{y}.png")

        assert (view["refresh_interval"], view["level"], view["colour_mode"], view["candidate"]) == (
            10, "bureau", "candidate", "2")
        assert view["big_screen"] is True

    @pytest.mark.ckan_config("ckanext.elections.views.min_refresh_interval", "2")
    def test_the_minimum_interval_is_a_setting(self, night):
        _, cantons = night()

        assert create_view(cantons, "elections_summary_widget", refresh_interval=2)["refresh_interval"] == 2

    def test_settings_reach_the_page(self, app, night):
        election, cantons = night()
        view = create_view(cantons, "elections_results_view", refresh_interval=45, colour_mode="participation")

        html = app.get(embed_url(election, cantons, view)).body

        assert 'data-module="elections-live"' in html
        assert 'data-module-interval="45"' in html
        assert 'data-module-colour-mode="participation"' in html
        assert 'data-module="elections-map"' in html
        assert initial_data(html)["territory"]["progress"] == {"counted": 1, "total": 3}
        assert initial_data(html)["canton"]["areas"][0]["code"] == "99001-01"


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestPages:
    @pytest.mark.parametrize("view_type, module", [
        ("elections_results_view", "elections-table"),
        ("elections_summary_widget", "elections-summary"),
        ("elections_map_widget", "elections-map"),
        ("elections_participation_widget", "elections-participation"),
    ])
    def test_each_view_renders(self, app, night, view_type, module):
        election, cantons = night()
        view = create_view(cantons, view_type)

        html = app.get(embed_url(election, cantons, view, prefix="election")).body

        assert f'data-module="{module}"' in html
        assert "1 / 3 polling stations counted" in html

    def test_the_elections_of_the_night_can_be_switched(self, app, night):
        first, _ = night(name="regionales")
        second, cantons = night(name="departementales", sibling_election="regionales")
        view = create_view(cantons, "elections_summary_widget")

        html = app.get(embed_url(second, cantons, view)).body

        # A widget switches with a select (the full view with buttons).
        switch = re.search(r'<select id="el-election".*?</select>', html, re.S).group(0)
        assert re.findall(r'<option value="([^"]+)"', switch) == ["departementales", "regionales"]

    @pytest.mark.parametrize("view_type", VIEW_TYPES)
    def test_views_start_without_ckans_main_bundle(self, app, night, view_type):
        election, cantons = night()
        view = create_view(cantons, view_type)

        html = app.get(embed_url(election, cantons, view)).body

        scripts = re.findall(r'<(?:script src|link href)="([^"]+)"', html)
        assert any("_embed_base.js" in url for url in scripts), scripts
        # Neither moment, select2, Bootstrap, htmx nor Font Awesome: an embed uses none of them.
        assert not [url for url in scripts if re.search(r"_(main|vendor|bootstrap|htmx|fontawesome|select2)\.", url)]
        assert ("_leaflet.js" in html) == (view_type in ("elections_results_view", "elections_map_widget"))

    def test_the_translations_come_with_the_page(self, app, night):
        election, cantons = night()
        view = create_view(cantons, "elections_summary_widget")

        html = app.get(embed_url(election, cantons, view, prefix="fr/dataset")).body

        found = re.search(r'<script type="application/json" id="elections-i18n">(.*?)</script>', html, re.S)
        catalogue = json.loads(found.group(1))
        assert catalogue[""]["lang"] == "fr"

    def test_the_turnout_api_reaches_the_page(self, app, night):
        election, cantons = night()
        view = create_view(cantons, "elections_participation_widget")

        html = app.get(embed_url(election, cantons, view)).body

        assert 'data-module="elections-turnout"' in html
        assert 'data-module-api="/api/3/action/elections_turnout_show"' in html

    def test_the_resource_page_speaks_of_the_election(self, app, night):
        election, cantons = night(notes="A night of counting.")
        # The factory describes its resources: this one, as most, has no description.
        helpers.call_action("resource_patch", id=cantons["id"], description="")

        html = app.get(f"/fr/dataset/{election['name']}/resource/{cantons['id']}").body

        assert "Dataset description:" not in html
        assert "À propos de cette élection" in html
        assert "A night of counting." in html

    def test_the_embed_dialog_names_the_sibling_by_its_title(self, app, night):
        night(name="regionales", title="Régionales, 1er tour")
        second, cantons = night(name="departementales", sibling_election="regionales")
        create_view(cantons, "elections_summary_widget")

        html = app.get(f"/dataset/{second['name']}/resource/{cantons['id']}").body

        assert '<option value="regionales">Régionales, 1er tour</option>' in html

    def test_a_private_sibling_is_not_shown_to_strangers(self, app, night):
        night(name="regionales", private=True)
        second, cantons = night(name="departementales", sibling_election="regionales")
        view = create_view(cantons, "elections_summary_widget")

        html = app.get(embed_url(second, cantons, view)).body

        assert "data-election=" not in html
        listed = json.loads(re.search(r"data-module-elections='([^']*)'", html).group(1))
        assert [e["name"] for e in listed] == ["departementales"]

    def test_user_strings_are_escaped(self, app, make_election, people):
        organization, people = people
        hostile = "<script>alert('x')</script>"
        election = make_election(organization, title=f"Vote {hostile}", territory_name=hostile,
                                 candidates=[{"id": "1", "name": hostile, "color": "#123456"},
                                             {"id": "2", "name": "B", "color": "#654321"}])
        jobs.prepare(election["id"], night_reference())
        helpers.call_action("elections_results_push", context={"user": people["editor"]["name"]},
                            id=election["id"], areas=[bureau("99001_0101")])
        resource = factories.Resource(package_id=election["id"], url="http://example.org/x.geojson",
                                      resource_type="boundaries", level="canton", join_property="code")
        view = create_view(resource, "elections_results_view", tile_attribution=hostile)

        html = app.get(embed_url(election, resource, view)).body

        assert hostile not in html
        assert "&lt;script&gt;" in html
        assert initial_data(html)["territory"]["areas"][0]["candidates"][0]["name"] == hostile


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestFramingAndPrivacy:
    def test_only_the_embed_of_a_public_view_may_be_framed(self, app, night):
        election, cantons = night()
        view = create_view(cantons, "elections_summary_widget")

        embed = app.get(embed_url(election, cantons, view))
        typed = app.get(embed_url(election, cantons, view, prefix="election"))

        assert embed.headers["Content-Security-Policy"] == "frame-ancestors *"
        assert typed.headers["Content-Security-Policy"] == "frame-ancestors *"
        for url in (f"/dataset/{election['name']}", f"/dataset/{election['name']}/resource/{cantons['id']}",
                    f"/election/{election['name']}", "/",
                    f"/api/3/action/elections_results_show?id={election['name']}&level=territory"):
            assert own_site_only(app.get(url)), url

    def test_a_preview_is_not_an_embed(self, app, night):
        election, cantons = night()
        preview = json.dumps({"view_type": "elections_summary_widget", "title": "x", "refresh_interval": 30})

        response = app.get(f"/dataset/{election['name']}/resource/{cantons['id']}/view",
                           query_string={"resource_view": preview})

        assert response.status_code == 200
        assert own_site_only(response)

    def test_a_view_named_under_another_resource_is_not_framed(self, app, night):
        election, cantons = night()
        other = factories.Resource(package_id=election["id"], url="http://example.org/other.csv")
        view = create_view(cantons, "elections_summary_widget")

        response = app.get(embed_url(election, other, view))

        assert own_site_only(response)

    @pytest.mark.ckan_config("ckanext.elections.views.frame_ancestors", "https://news.example  https://*.city.example")
    def test_the_framing_sites_are_a_setting(self, app, night):
        election, cantons = night()
        view = create_view(cantons, "elections_map_widget")

        response = app.get(embed_url(election, cantons, view))

        assert response.headers["Content-Security-Policy"] == (
            "frame-ancestors https://news.example https://*.city.example")

    @pytest.mark.parametrize("view_type", VIEW_TYPES)
    def test_a_private_election_is_refused_to_outsiders(self, app, night, people, view_type):
        _, people = people
        election, cantons = night(private=True)
        view = create_view(cantons, view_type)
        url = embed_url(election, cantons, view)

        anonymous = app.get(url, status=404)
        stranger = app.get(url, headers=token(people["stranger"]), status=404)
        member = app.get(url, headers=token(people["member"]), status=200)

        assert "elections-initial" not in anonymous.body + stranger.body
        for response in (anonymous, stranger, member):
            assert own_site_only(response)
        assert initial_data(member.body)["territory"]["progress"]["counted"] == 1

    def test_a_dataset_made_private_stops_being_framed(self, app, night):
        election, cantons = night()
        view = create_view(cantons, "elections_summary_widget")
        assert app.get(embed_url(election, cantons, view)).headers["Content-Security-Policy"]

        helpers.call_action("package_patch", id=election["id"], private=True)

        response = app.get(embed_url(election, cantons, view), status=404)
        assert own_site_only(response)
