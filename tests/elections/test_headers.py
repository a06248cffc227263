"""Every page says who may frame it; only the embeds of public elections may
be framed by other sites."""
from __future__ import annotations

import pytest
from ckan.tests import factories, helpers

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def embed_path(election):
    cantons = helpers.call_action("resource_create", package_id=election["id"], url="cantons.geojson",
                                  resource_type="boundaries", level="canton", format="GeoJSON")
    view = helpers.call_action("resource_view_create", resource_id=cantons["id"],
                               view_type="elections_map_widget", title="Carte")
    return f"/dataset/{election['name']}/resource/{cantons['id']}/view/{view['id']}"


@pytest.mark.parametrize("path", ["/", "/dataset/", "/election/", "/user/login", "/api/3/action/status_show"])
def test_pages_may_only_be_framed_by_the_portal_itself(app, path):
    page = app.get(path)

    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]


def test_dataset_pages_and_forms_of_elections_too(app, make_election):
    make_election(name="framed")
    sysadmin = factories.Sysadmin()
    token = factories.APIToken(user=sysadmin["name"])["token"]

    for path in ("/election/framed", "/election/edit/framed", "/usage"):
        page = app.get(path, headers={"Authorization": token})
        assert page.headers["X-Frame-Options"] == "SAMEORIGIN", path


@pytest.mark.ckan_config("ckanext.elections.views.frame_ancestors", "https://news.example")
def test_the_embed_of_a_public_election_may_be_framed_by_the_configured_sites(app, make_election):
    path = embed_path(make_election(name="public"))

    page = app.get(path)

    assert "X-Frame-Options" not in page.headers
    assert "frame-ancestors https://news.example" in page.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in page.headers


def test_the_embed_of_a_private_election_is_not_found_and_not_frameable(app, make_election):
    path = embed_path(make_election(name="hidden", private=True))

    page = app.get(path, expect_errors=True)

    assert page.status_code == 404
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
