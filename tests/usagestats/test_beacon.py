"""The beacon: what the tracking plugin stores, salted; cross-site posts and floods refused."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories
from ckanext.tracking.cli.tracking import update_all
from ckanext.tracking.model import TrackingSummary

from ckanext.elections.utils import utcnow
from ckanext.usagestats import buffer, rollup

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


def _post(app, url: str, kind: str = "page", status: int = 204, ip: str = "192.0.2.10", **headers):
    return app.post("/_tracking", data={"url": url, "type": kind}, status=status,
                    headers={"User-Agent": BROWSER, **headers}, environ_overrides={"REMOTE_ADDR": ip})


def _raw():
    return model.Session.execute(sa.text("SELECT user_key, url, tracking_type FROM tracking_raw ORDER BY url")).all()


def _dropped():
    buffer.flush_dropped(force=True)
    return dict(model.Session.execute(sa.text("SELECT reason, sum(hits) FROM usagestats_dropped GROUP BY 1")).all())


@pytest.mark.ckan_config("ckanext.usagestats.rollup_interval", 0)
@pytest.mark.ckan_config("ckanext.usagestats.reindex", False)
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestWhatIsStored:
    def test_every_url_the_tracking_plugin_stores_the_front_page_included(self, app):
        for url in ("", "/organization", "/about"):
            _post(app, url)
        _post(app, "https://files.example.org/a.csv", kind="resource")

        rows = _raw()
        assert [(r.url, r.tracking_type) for r in rows] == [
            ("", "page"), ("/about", "page"), ("/organization", "page"),
            ("https://files.example.org/a.csv", "resource")]
        assert len({r.user_key for r in rows}) == 1 and len(rows[0].user_key) == 32

        update_all(start_date=utcnow().strftime("%Y-%m-%d"))
        assert model.Session.query(TrackingSummary).filter_by(url="").one().count == 1

    def test_unknown_types_are_refused(self, app):
        _post(app, "/about", kind="click", status=400)
        assert _raw() == []

    def test_bots_are_stored_as_the_tracking_plugin_would_and_counted_apart(self, app):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"])
        _post(app, f"/dataset/{dataset['name']}", **{"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
        _post(app, f"/dataset/{dataset['name']}")

        assert sorted(r.user_key.startswith("bot-") for r in _raw()) == [False, True]
        update_all(start_date=utcnow().strftime("%Y-%m-%d"))
        assert TrackingSummary.get_for_package(dataset["id"])["total"] == 2
        rollup.run()
        kinds = dict(model.Session.execute(sa.text(
            "SELECT kind, hits FROM usagestats_day WHERE owner_org = '*' AND detail = '*'")).all())
        assert kinds == {"view": 1, "bot": 1}

    def test_tracking_fields_stay_the_tracking_plugins(self, app):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"])
        _post(app, f"/dataset/{dataset['name']}")
        rollup.run()
        from ckan.lib.search import rebuild
        from ckan.lib.search.query import PackageSearchQuery

        rebuild(dataset["id"])
        indexed = PackageSearchQuery().run({"q": f"id:{dataset['id']}",
                                            "fl": "id,views_total,usagestats_views_total"})
        assert indexed["count"] == 1
        # Ours is counted from the rollups; the tracking plugin's waits for `ckan tracking update`.
        answer = app.get("/api/3/action/package_search", query_string={
            "q": f"id:{dataset['id']}", "sort": "usagestats_views_recent desc"}).json["result"]
        assert answer["count"] == 1 and answer["results"][0]["tracking_summary"] == {"total": 0, "recent": 0}


@pytest.mark.ckan_config("ckanext.usagestats.rollup_interval", 0)
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestAbuse:
    def test_cross_site_posts_without_the_token_are_refused(self, app):
        _post(app, "/about", status=403, Origin="https://evil.example")
        _post(app, "/about", status=403, Referer="https://evil.example/page")
        _post(app, "/about", status=403, Origin="null")
        assert _raw() == []
        assert _dropped() == {"foreign": 3}

    def test_our_pages_and_scripts_pass(self, app):
        site = tk.config["ckan.site_url"]  # the suite's own (test.ini's, or a side-by-side suite's)
        _post(app, "/about", Origin=site)
        _post(app, "/", Referer=f"{site}/dataset")
        _post(app, "/organization")  # a browser always says; a script may not
        assert len(_raw()) == 3

    def test_a_cross_site_post_with_the_visitors_token_passes(self, app):
        browser = app.test_client()  # one client: it keeps the session, which holds the token
        page = browser.get("/about", headers={"User-Agent": BROWSER})
        token = page.text.split('name="_csrf_token" content="')[1].split('"')[0]
        _post(browser, "/about", Origin="https://proxy.example", **{"X-CSRFToken": token})
        _post(browser, "/", status=403, Origin="https://proxy.example", **{"X-CSRFToken": "forged"})
        _post(app, "/", status=403, Origin="https://proxy.example", **{"X-CSRFToken": token})  # another session
        assert [r.url for r in _raw()] == ["/about"]

    def test_pages_carry_the_script_that_sends_the_token(self, app):
        assert "usagestats-beacon" in app.get("/about").body

    @pytest.mark.ckan_config("ckanext.usagestats.beacon_rate_limit", 5)
    def test_a_visitor_posting_too_fast_is_refused(self, app):
        for i in range(5):
            _post(app, f"/page/{i}")
        _post(app, "/page/6", status=429)
        _post(app, "/page/6", ip="192.0.2.11")  # another visitor
        assert len(_raw()) == 6
        assert _dropped() == {"rate": 1}
