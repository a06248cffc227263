"""No input makes an ``elections_*`` action answer 500.

Random JSON (of the right names and of wrong types, with odd strings: NUL
bytes, huge numbers, quotes that would break a Solr query) is posted to
every action, as anonymous, as a plain user and as a sysadmin, over HTTP:
the answer is always one of CKAN's own (200, 400, 403, 404, 409), in JSON.
"""
from __future__ import annotations

import pytest
from ckan.tests import factories
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ACTIONS = ("elections_results_show", "elections_turnout_show", "elections_election_list",
           "elections_results_push", "elections_import_status")
NAMES = ("id", "level", "code", "organization", "include_private", "areas", "resource_id")
ALLOWED = {200, 400, 403, 404, 409}

odd_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x00", 'x" OR "y', '"', "*:*", "territory", "bureau", "canton", "election", "1e999",
                     "inf", "-1", "2147483648", " ", "%20", "../../etc/passwd"]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), odd_text)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(odd_text, inner, max_size=4)), max_leaves=12)
payloads = st.dictionaries(st.one_of(st.sampled_from(NAMES), odd_text), values, max_size=5)


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_no_input_is_a_server_error(app, make_election):
    election = make_election(name="fuzzed")
    user = factories.User()
    sysadmin = factories.Sysadmin()
    tokens = {
        "anonymous": None,
        "user": factories.APIToken(user=user["name"])["token"],
        "sysadmin": factories.APIToken(user=sysadmin["name"])["token"],
    }
    known = {"id": [election["name"], election["id"]]}

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(ACTIONS), st.sampled_from(list(tokens)), payloads, st.booleans(), st.data())
    def check(action, who, payload, use_known_id, data):
        if use_known_id:
            payload = {**payload, "id": data.draw(st.sampled_from(known["id"]))}
        headers = {"Authorization": tokens[who]} if tokens[who] else {}
        answer = app.post(f"/api/3/action/{action}", json=payload, headers=headers, expect_errors=True)
        assert answer.status_code in ALLOWED, (action, who, payload, answer.status_code, answer.body[:500])
        assert answer.headers["Content-Type"].startswith("application/json")

    check()
