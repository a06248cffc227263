"""What the middleware records, and that no address is stored anywhere."""
from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories

from ckanext.usagestats import buffer, rollup

IPS = ("198.51.100.77", "203.0.113.199")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


def _text_columns():
    return model.Session.execute(sa.text(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'json', "
        "'jsonb', 'ARRAY', 'USER-DEFINED')")).all()


def _events():
    buffer.drain()
    return model.Session.execute(sa.text(
        "SELECT kind, bot, package_id, resource_id, detail, results FROM usagestats_event ORDER BY id")).all()


@pytest.mark.ckan_config("ckanext.usagestats.rollup_interval", 0)
@pytest.mark.ckan_config("ckanext.usagestats.reindex", False)
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestRecording:
    def test_no_address_is_stored_anywhere(self, app, usage_redis):
        sysadmin = factories.Sysadmin()
        token = factories.APIToken(user=sysadmin["name"])["token"]
        dataset = factories.Dataset(owner_org=factories.Organization()["id"],
                                    resources=[{"url": "https://files.example.org/a.csv"}])
        resource = dataset["resources"][0]
        view = factories.ResourceView(resource_id=resource["id"], view_type="datatables_view")
        for ip in IPS:
            env = {"REMOTE_ADDR": ip}
            headers = {"User-Agent": BROWSER, "Accept-Language": "fr-FR"}
            app.post("/_tracking", data=f"url=%2Fdataset%2F{dataset['name']}&type=page",
                     headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
                     environ_overrides=env)
            app.get("/api/3/action/package_show", query_string={"id": dataset["name"]}, headers=headers,
                    environ_overrides=env)
            app.get("/api/3/action/status_show", headers={**headers, "Authorization": token},
                    environ_overrides=env)
            app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}/download", headers=headers,
                    environ_overrides=env, follow_redirects=False)
            app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}/view/{view['id']}",
                    headers={**headers, "Referer": "https://news.example.com/article"}, environ_overrides=env)
            app.post("/_tracking", data="url=%2F&type=page",
                     headers={"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)",
                              "Content-Type": "application/x-www-form-urlencoded"}, environ_overrides=env)
        buffered = usage_redis.lrange(buffer.redisio.key("events"), 0, -1)
        assert len(buffered) == 8 and not [ip for ip in IPS for item in buffered if ip.encode() in item]
        rollup.run()

        found = []
        for table, column in _text_columns():
            for ip in IPS:
                count = model.Session.execute(sa.text(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE :ip'), {"ip": f"%{ip}%"}).scalar()
                if count:
                    found.append((table, column, ip))
        assert found == []
        keys = model.Session.execute(sa.text("SELECT user_key FROM tracking_raw")).scalars().all()
        assert len(keys) == 4 and sum(key.startswith("bot-") for key in keys) == 2
        kinds = sorted((e.kind, e.bot) for e in _events())
        assert kinds == sorted([("api", False)] * 4 + [("download", False)] * 2 + [("embed", False)] * 2)
        for key in usage_redis.scan_iter(buffer.redisio.key("*")):
            value = usage_redis.dump(key) or b""
            assert not [ip for ip in IPS if ip.encode() in key or ip.encode() in value], key

    def test_visitor_key_is_salted_not_the_tracking_md5(self, app):
        app.post("/_tracking", data="url=%2Fabout&type=page", environ_overrides={"REMOTE_ADDR": IPS[0]},
                 headers={"User-Agent": BROWSER, "Content-Type": "application/x-www-form-urlencoded"})
        key = model.Session.execute(sa.text("SELECT user_key FROM tracking_raw")).scalar()
        unsalted = hashlib.md5((BROWSER + IPS[0]).encode()).hexdigest()
        assert len(key) == 32 and key != unsalted

    def test_api_call_records_action_auth_status_and_dataset(self, app):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"])
        app.get("/api/3/action/package_show", query_string={"id": dataset["name"]})
        app.get("/api/3/action/package_show", query_string={"id": "no-such-dataset"}, status=404)
        events = _events()
        assert [(e.kind, e.detail, e.package_id) for e in events] == [
            ("api", "package_show|anon|200", dataset["id"]),
            ("api", "package_show|anon|404", None),
        ]

    def test_embed_from_own_site_is_not_counted(self, app):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"],
                                    resources=[{"url": "https://files.example.org/a.csv"}])
        resource = dataset["resources"][0]
        view = factories.ResourceView(resource_id=resource["id"], view_type="datatables_view")
        url = f"/dataset/{dataset['id']}/resource/{resource['id']}/view/{view['id']}"
        app.get(url, headers={"Referer": "http://127.0.0.1:5001/dataset/x"})
        app.get(url, headers={"Referer": "https://Blog.Example.org/post"})
        assert [(e.kind, e.detail) for e in _events()] == [("embed", "blog.example.org")]

    def test_searches_with_zero_results_are_noted(self, app):
        # The Solr core is shared with other suites: exercise the search hook directly.
        import flask

        from ckanext.usagestats import recorder

        with app.flask_app.test_request_context("/api/3/action/package_search"):
            recorder.note_search({"count": 0}, {"q": "  Budget  2031 "})
            assert flask.g.usagestats_search == ("budget 2031", 0)
        with app.flask_app.test_request_context("/api/3/action/group_show"):
            recorder.note_search({"count": 3}, {"q": "budget"})
            assert "usagestats_search" not in flask.g

    @pytest.mark.ckan_config("ckanext.usagestats.record_api", False)
    def test_recording_can_be_switched_off(self, app):
        app.get("/api/3/action/status_show")
        assert _events() == []
