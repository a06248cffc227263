"""Sysadmins see the whole site, organisation admins their organisation, nobody else."""
from __future__ import annotations

import datetime

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers

from ckanext.elections.utils import utcnow
from ckanext.usagestats import rollup, store

SCOPED = ["usagestats_traffic", "usagestats_api_calls", "usagestats_datasets", "usagestats_resources",
          "usagestats_catalogue", "usagestats_growth", "usagestats_embeds", "usagestats_searches",
          "usagestats_heatmap", "usagestats_live"]


@pytest.fixture
def portal(clean_db):
    users = {role: factories.User() for role in ("admin_a", "editor_a", "admin_b", "member_a", "nobody")}
    users["sysadmin"] = factories.Sysadmin()
    org_a = factories.Organization(users=[
        {"name": users["admin_a"]["name"], "capacity": "admin"},
        {"name": users["editor_a"]["name"], "capacity": "editor"},
        {"name": users["member_a"]["name"], "capacity": "member"}])
    org_b = factories.Organization(users=[{"name": users["admin_b"]["name"], "capacity": "admin"}])
    a = factories.Dataset(owner_org=org_a["id"], resources=[{"url": "https://files.example.org/a.csv"}])
    b = factories.Dataset(owner_org=org_b["id"], resources=[{"url": "https://files.example.org/b.csv"}])
    now = utcnow() - datetime.timedelta(hours=1)
    pages = ([{"url": f"/dataset/{a['name']}", "kind": "page", "visitor": f"a{i}", "ts": now} for i in range(3)]
             + [{"url": f"/dataset/{b['name']}", "kind": "page", "visitor": f"b{i}", "ts": now} for i in range(7)])
    events = [{"ts": now, "kind": "api", "visitor": "x", "package_id": b["id"], "detail": "package_show|anon|200"},
              {"ts": now, "kind": "embed", "visitor": "x", "package_id": b["id"],
               "resource_id": b["resources"][0]["id"], "detail": "secret-partner.example.com"},
              {"ts": now, "kind": "search", "visitor": "x", "detail": "budget", "results": 2}]
    store.store(pages, events)
    rollup.run()
    return {"users": users, "a": org_a, "b": org_b, "dataset_a": a, "dataset_b": b}


def _allowed(action, user, data):
    try:
        helpers.call_auth(action, {"user": user["name"] if user else ""}, **data)
    except tk.NotAuthorized:
        return False
    return True


@pytest.mark.ckan_config("ckanext.usagestats.rollup_interval", 0)
@pytest.mark.ckan_config("ckanext.usagestats.reindex", False)
@pytest.mark.usefixtures("with_plugins")
class TestAuthMatrix:
    @pytest.mark.parametrize("action", SCOPED)
    def test_actions(self, portal, action):
        users, a = portal["users"], portal["a"]
        matrix = {
            # (user, scope): allowed
            ("sysadmin", None): True, ("sysadmin", "a"): True,
            ("admin_a", None): False, ("admin_a", "a"): True, ("admin_a", "b"): False,
            ("admin_b", "a"): False, ("editor_a", "a"): False, ("member_a", "a"): False,
            ("nobody", None): False, ("nobody", "a"): False, ("anonymous", None): False, ("anonymous", "a"): False,
        }
        for (role, scope), expected in matrix.items():
            user = users.get(role)
            data = {"organization": portal[scope]["name"]} if scope else {}
            if role == "sysadmin":
                # Sysadmins pass every auth function; check the action answers.
                helpers.call_action(action, {"user": user["name"]}, **data)
                continue
            assert _allowed(action, user, data) is expected, (role, scope)
            if not expected:
                with pytest.raises(tk.NotAuthorized):
                    helpers.call_action(action, {"user": user["name"] if user else "",
                                                 "ignore_auth": False}, **data)
        del a

    def test_org_admin_never_sees_other_orgs_figures(self, portal):
        context = {"user": portal["users"]["admin_a"]["name"], "ignore_auth": False}
        scope = {"organization": portal["a"]["name"]}
        traffic = helpers.call_action("usagestats_traffic", dict(context), **scope)
        assert sum(r["views"] for r in traffic["rows"]) == 3
        assert sum(r["api_calls"] for r in traffic["rows"]) == 0
        assert "bots" not in {c["id"] for c in traffic["columns"]}
        datasets = helpers.call_action("usagestats_datasets", dict(context), **scope)
        assert [r["name"] for r in datasets["rows"]] == [portal["dataset_a"]["name"]]
        for action in ("usagestats_api_calls", "usagestats_embeds", "usagestats_searches", "usagestats_resources"):
            assert helpers.call_action(action, dict(context), **scope)["rows"] == [], action
        catalogue = helpers.call_action("usagestats_catalogue", dict(context), by="organization", **scope)
        assert [(r["value"], r["datasets"], r["views"]) for r in catalogue["rows"]] == [
            (portal["a"]["title"], 1, 3)]

    def test_site_figures_for_sysadmins(self, portal):
        context = {"user": portal["users"]["sysadmin"]["name"]}
        traffic = helpers.call_action("usagestats_traffic", context)
        assert sum(r["views"] for r in traffic["rows"]) == 10
        embeds = helpers.call_action("usagestats_embeds", context)
        assert embeds["rows"] == [{"host": "secret-partner.example.com", "embed": 1}]

    @pytest.mark.parametrize("role, scope, status", [
        ("sysadmin", None, 200), ("sysadmin", "a", 200), ("admin_a", "a", 200), ("admin_a", "b", 403),
        ("admin_a", None, 403), ("admin_b", "a", 403), ("editor_a", "a", 403), ("member_a", "a", 403),
        ("nobody", None, 403), ("nobody", "a", 403), ("anonymous", None, 403), ("anonymous", "a", 403),
    ])
    def test_pages_and_exports(self, app, portal, role, scope, status):
        user = portal["users"].get(role)
        headers = {"Authorization": factories.APIToken(user=user["name"])["token"]} if user else {}
        page = f"/organization/usage/{portal[scope]['name']}" if scope else "/usage"
        response = app.get(page, headers=headers, status=status)
        query = {"organization": portal[scope]["name"]} if scope else {}
        app.get("/usage/export/traffic.csv", query_string=query, headers=headers, status=status)
        app.get("/usage/export/embeds.json", query_string=query, headers=headers, status=status)
        if status == 200 and scope == "a":
            assert "secret-partner.example.com" not in response.body
            assert portal["dataset_b"]["name"] not in response.body

    def test_dataset_page_counts_follow_dataset_visibility(self, app, portal):
        answer = helpers.call_action("usagestats_dataset_show", {"user": ""}, id=portal["dataset_b"]["id"])
        assert answer["views"] == 7 and answer["views_recent"] == 7
        private = factories.Dataset(owner_org=portal["b"]["id"], private=True)
        assert not _allowed("usagestats_dataset_show", None, {"id": private["id"]})
