"""Ingestion of nginx's log: keyed without addresses, classified like the middleware, exactly once."""
from __future__ import annotations

import datetime
import json
import os

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories

from ckanext.elections.utils import utcnow
from ckanext.usagestats import buffer, ingest, listener, privacy, rollup, store

ADDRESS = "198.51.100.203"
AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


def nginx_line(uri: str, cache: str = "HIT", upstream: str = "", referer: str = "", status: int = 200,
               agent: str = AGENT, when: datetime.datetime | None = None) -> dict:
    """A line of log_format elections_usage (deploy/nginx.conf.in)."""
    when = when or utcnow()
    msec = (when - datetime.datetime(1970, 1, 1)).total_seconds()
    return {"time": when.isoformat(), "msec": f"{msec:.3f}", "method": "GET", "uri": uri, "status": str(status),
            "cache": cache, "upstream": upstream, "host": "127.0.0.1:5021", "address": ADDRESS, "agent": agent,
            "language": "fr-FR", "referer": referer}


def datagram(line: dict) -> bytes:
    return b"<190>Dec  3 10:00:00 usagestats: " + json.dumps(line).encode()


def spool(folder, lines: list[dict]) -> str:
    """What the listener writes for these lines."""
    path = os.path.join(folder, f"{utcnow().timestamp():.6f}-1-1.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            record = listener.keyed(datagram(line))
            f.write(json.dumps(record) + "\n")
    return path


def events():
    return model.Session.execute(sa.text(
        "SELECT kind, detail, package_id, resource_id, visitor, bot, cached FROM usagestats_event ORDER BY id")).all()


def dropped():
    buffer.flush_dropped(force=True)
    return dict(model.Session.execute(sa.text("SELECT reason, sum(hits) FROM usagestats_dropped GROUP BY 1")).all())


class TestServedFromCache:
    @pytest.mark.parametrize("cache, upstream, expected", [
        ("HIT", "", True), ("UPDATING", "", True), ("STALE", "502", True), ("STALE", "502, 502", True),
        # Refreshed through CKAN in the background, or answered by CKAN: the middleware counted them.
        ("STALE", "", False), ("STALE", "500", False), ("REVALIDATED", "304", False), ("MISS", "200", False),
        ("EXPIRED", "200", False), ("BYPASS", "200", False), ("", "200", False),
    ])
    def test_the_rule_of_nginx_conf(self, cache, upstream, expected):
        assert ingest.served_from_cache({"cache": cache, "upstream": upstream}) is expected


@pytest.mark.ckan_config("ckanext.usagestats.rollup_interval", 0)
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestIngestion:
    @pytest.fixture
    def dataset(self):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"],
                                    resources=[{"url": "https://files.example.org/a.csv"}])
        return dataset, dataset["resources"][0]

    def test_the_listener_keeps_no_address(self):
        line = nginx_line("/api/3/action/elections_results_show?id=x&level=commune",
                          referer="https://news.example.com/2026/article?reader=42")
        record = listener.keyed(datagram(line))

        assert ADDRESS not in json.dumps(record) and AGENT not in json.dumps(record)
        assert set(record) == {"msec", "method", "uri", "status", "cache", "upstream", "host", "visitor", "bot",
                               "referer"}
        assert record["referer"] == "https://news.example.com"
        assert record["visitor"] == privacy.visitor_key(ADDRESS, AGENT, "fr-FR", utcnow())
        assert listener.keyed(b"<190>Dec  3 10:00:00 usagestats: {\"msec\": \"cut") is None

    def test_spooled_lines_are_classified_like_the_middleware(self, dataset, tmp_path):
        dataset, resource = dataset
        path = spool(tmp_path, [
            nginx_line(f"/api/3/action/elections_results_show?id={dataset['name']}&level=commune"),
            nginx_line(f"/fr/api/action/resource_show?id={resource['id']}", cache="UPDATING"),
            nginx_line(f"/dataset/{dataset['id']}/resource/{resource['id']}/view/v1",
                       referer="https://Blog.Example.org/post"),
            nginx_line(f"/dataset/{dataset['id']}/resource/{resource['id']}/view/v1",
                       referer="http://127.0.0.1:5021/dataset/x"),  # the portal itself: not an embed
            nginx_line(f"/election/{dataset['name']}/results/canton.csv", agent="Googlebot/2.1"),
            nginx_line("/api/3/action/status_show", cache="MISS", upstream="200"),  # CKAN counted it
        ])
        with open(path, "a", encoding="utf-8") as f:
            f.write('{"msec": "cut in the midd\n')

        assert ingest.ingest_spool(str(tmp_path)) == 4

        visitor = privacy.visitor_key(ADDRESS, AGENT, "fr-FR", utcnow())
        assert [tuple(e) for e in events()] == [
            ("api", "elections_results_show|anon|200", dataset["id"], None, visitor, False, True),
            ("api", "resource_show|anon|200", dataset["id"], resource["id"], visitor, False, True),
            ("embed", "blog.example.org", dataset["id"], resource["id"], visitor, False, True),
            ("download", None, dataset["id"], None, privacy.visitor_key(ADDRESS, "Googlebot/2.1", "fr-FR", utcnow()),
             True, True),
        ]
        assert not os.path.exists(path)
        assert dropped() == {"unreadable": 1}
        assert model.Session.execute(sa.text("SELECT count(*) FROM usagestats_ingest")).scalar() == 0

    def test_an_ingestion_that_crashes_resumes_without_counting_twice(self, dataset, tmp_path, monkeypatch):
        dataset, _resource = dataset
        path = spool(tmp_path, [nginx_line(f"/api/3/action/package_show?id={dataset['name']}&n={i}")
                                for i in range(7)])
        calls = []
        copy = store.copy_rows

        def crash_on_the_third_chunk(*args, **kwargs):
            calls.append(1)
            if len(calls) == 3:
                raise RuntimeError("killed")
            return copy(*args, **kwargs)

        monkeypatch.setattr(store, "copy_rows", crash_on_the_third_chunk)
        with pytest.raises(RuntimeError):
            ingest.ingest_file(path, ingest.keyed_line, chunk_lines=2)
        assert len(events()) == 4 and os.path.exists(path)
        monkeypatch.setattr(store, "copy_rows", copy)

        assert ingest.ingest_file(path, ingest.keyed_line, chunk_lines=2) == 3
        assert len(events()) == 7 and not os.path.exists(path)

    def test_a_file_ingested_but_not_deleted_is_not_ingested_again(self, dataset, tmp_path, monkeypatch):
        dataset, _resource = dataset
        path = spool(tmp_path, [nginx_line(f"/api/3/action/package_show?id={dataset['name']}")])
        monkeypatch.setattr(ingest, "_forget", lambda path: None)  # the process dies before the unlink
        ingest.ingest_file(path, ingest.keyed_line)
        monkeypatch.undo()

        assert ingest.ingest_spool(str(tmp_path)) == 0
        assert len(events()) == 1 and not os.path.exists(path)

    def test_an_nginx_log_file_is_keyed_at_ingestion_then_deleted(self, dataset, tmp_path):
        dataset, _resource = dataset
        path = tmp_path / "usage.json.1"
        path.write_text("".join(json.dumps(nginx_line(f"/api/3/action/package_show?id={dataset['id']}",
                                                      cache=cache)) + "\n"
                                for cache in ("HIT", "HIT", "MISS")), encoding="utf-8")

        assert ingest.ingest_logs([str(path)]) == 2

        assert not path.exists()
        assert {e.visitor for e in events()} == {privacy.visitor_key(ADDRESS, AGENT, "fr-FR", utcnow())}
        for table, column in model.Session.execute(sa.text(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND data_type IN ('text', 'character varying')")).all():
            assert not model.Session.execute(sa.text(
                f'SELECT count(*) FROM "{table}" WHERE "{column}" LIKE :ip'), {"ip": f"%{ADDRESS}%"}).scalar()

    def test_the_configured_files_are_ingested_once_nginx_has_left_them(self, dataset, tmp_path):
        """The portal's nginx writes a file a minute: the current one is left alone."""
        dataset, _resource = dataset
        line = json.dumps(nginx_line(f"/api/3/action/package_show?id={dataset['id']}")) + "\n"
        current, finished = tmp_path / "portal-2026-12-06T20:01.log", tmp_path / "portal-2026-12-06T20:00.log"
        for path in (current, finished):
            path.write_text(line, encoding="utf-8")
        past = os.path.getmtime(finished) - ingest.SETTLED_SECONDS - 1
        os.utime(finished, (past, past))

        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(ingest.tk.config, "ckanext.usagestats.nginx_logs", [str(tmp_path / "*.log")])
            assert ingest.ingest_logs() == 1

        assert current.exists() and not finished.exists()

    def test_hits_ingested_minutes_late_count_in_their_minutes(self, dataset, tmp_path):
        """A file is ingested once nginx has left it: its minutes were rolled up before."""
        dataset, _resource = dataset
        rollup.run()
        when = utcnow() - datetime.timedelta(minutes=3)
        path = tmp_path / "portal-late.log"
        path.write_text("".join(json.dumps(nginx_line(f"/api/3/action/package_show?id={dataset['id']}&n={i}",
                                                      when=when)) + "\n" for i in range(3)), encoding="utf-8")

        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(ingest.tk.config, "ckanext.usagestats.nginx_logs", [str(path)])
            patch.setattr(ingest, "SETTLED_SECONDS", 0)
            rollup.run()

        hits = model.Session.execute(sa.text(
            "SELECT sum(hits) FROM usagestats_minute WHERE kind = 'api' AND owner_org = '*' "
            "AND package_id = '*' AND minute = :minute"), {"minute": when.replace(second=0, microsecond=0)})
        assert hits.scalar() == 3

    def test_same_request_same_event_whoever_answered(self, app, dataset, tmp_path):
        """The middleware's event for a request CKAN answers equals the ingestion's for nginx's answer."""
        dataset, resource = dataset
        uris = [f"/api/3/action/package_show?id={dataset['name']}",
                f"/api/3/action/resource_show?id={resource['id']}",
                f"/api/3/action/datastore_search?resource_id={resource['id']}"]
        for uri in uris:
            app.get(uri, headers={"User-Agent": AGENT, "Accept-Language": "fr-FR"},
                    environ_overrides={"REMOTE_ADDR": ADDRESS})
        buffer.drain()
        by_ckan = [tuple(e)[:6] for e in events()]
        model.Session.execute(sa.text("DELETE FROM usagestats_event"))
        model.Session.commit()

        spool(tmp_path, [nginx_line(uri, status=status) for uri, (_k, detail, *_rest) in zip(
            uris, by_ckan, strict=True) for status in [int(detail.split("|")[2])]])
        ingest.ingest_spool(str(tmp_path))

        assert [tuple(e)[:6] for e in events()] == by_ckan


@pytest.mark.ckan_config("ckanext.usagestats.rollup_interval", 0)
@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_the_command_ingests_a_log_the_buffer_and_the_spool(cli, tmp_path, ckan_config, monkeypatch):
    from ckan.cli.cli import ckan

    dataset = factories.Dataset(owner_org=factories.Organization()["id"])
    monkeypatch.setitem(ckan_config, "ckanext.usagestats.spool_dir", str(tmp_path / "spool"))
    os.makedirs(tmp_path / "spool")
    spool(tmp_path / "spool", [nginx_line(f"/api/3/action/package_show?id={dataset['name']}")])
    log = tmp_path / "usage.json.1"
    log.write_text(json.dumps(nginx_line(f"/election/{dataset['name']}/results/canton.csv")) + "\n")
    buffer.push([{"ts": utcnow(), "kind": "api", "visitor": "v", "p": dataset["id"], "detail": "x|anon|200"}])

    result = cli.invoke(ckan, ["usagestats", "ingest", "--log", str(log)])

    assert result.exit_code == 0, result.output
    assert "Ingested 1 buffered hits, 1 from the listener's spool and 1 from nginx log files" in result.output
    assert sorted((e.kind, e.cached) for e in events()) == [("api", False), ("api", True), ("download", True)]
    assert not log.exists() and not list((tmp_path / "spool").iterdir())
