"""What each election's rules decide, as readers see it: badges that never
call anyone elected before the results are final, honest totals, nuances
where areas have their own candidates, a candidate's share only where it
stands, the seats of a council, turnout during the day, and the map
compared with the previous election."""
from __future__ import annotations

import re

import pytest
from ckan.tests import helpers

from tests.elections.browser.conftest import SHOTS

pytestmark = [pytest.mark.browser]

SHAPES = ".el-map path.leaflet-interactive"


def open_view(page, url):
    assert page.goto(url).status == 200
    page.wait_for_selector(".el-bar-row, .el-table tbody tr, .el-legend-list")


class TestWhileCounting:
    def test_nobody_is_elected_before_the_results_are_final(self, page, night):
        open_view(page, night.view("elections_summary_widget"))

        tags = page.locator(".el-summary .el-tag").evaluate_all(
            "tags => tags.map(t => [t.textContent, t.classList.contains('is-so-far')])")
        # 40 of 120 counted: the régionales' lists qualify "so far", nothing more.
        assert tags and all(so_far for _, so_far in tags), tags
        assert all("so far" in text or "if confirmed" in text for text, _ in tags), tags
        assert re.search(r"Totals over 40 polling stations counted \(of 120\)",
                         page.locator(".el-summary .el-partial").inner_text())

    def test_a_counted_area_shows_its_share_of_registered_voters(self, page, night):
        canton = night.city.cantons[0]
        open_view(page, night.view("elections_results_view") + f"#area={canton.code}")

        more = page.locator(".el-card--area .el-bar-more").first.inner_text()
        assert re.search(r"\d+\.\d% of registered voters", more), more


class TestAreasWithTheirOwnCandidates:
    def test_the_territory_shows_nuances_never_binomes_ranked_together(self, page, night):
        open_view(page, night.view("elections_summary_widget", package=night.dep))

        names = page.locator(".el-summary .el-bar-name").all_inner_texts()
        nuances = {c["nuance"] for c in night.departementales.candidates}
        assert names and all(name.split()[0] in nuances for name in names), names
        assert "Ahead in" in page.locator(".el-summary .el-bar-more").first.inner_text()

    def test_a_binomes_share_is_drawn_only_where_it_stands(self, page, night):
        open_view(page, night.view("elections_results_view", package=night.dep))
        page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === 6")

        page.locator("[data-role=mode]").select_option("candidate")

        page.wait_for_function(f"document.querySelectorAll('{SHAPES}.is-absent').length === 5")
        assert "Does not stand here" in page.locator(".el-legend").inner_text()
        # The choice is grouped by canton.
        assert page.locator("[data-role=candidate] optgroup").count() == 6
        page.screenshot(path=str(SHOTS / "departementales-candidate-1366.png"), full_page=True)


class TestSeatsAndTurnout:
    def test_a_councils_seats_as_a_half_circle_beside_its_table(self, page, night):
        municipales = night.municipales()
        open_view(page, night.view("elections_results_view", package=municipales))

        block = page.locator(".el-seats-block")
        block.wait_for()
        answer = helpers.call_action("elections_results_show", id=municipales["id"], level="territory")
        lists = answer["areas"][0]["candidates"]
        tables = block.locator("table")
        assert tables.count() == 2  # the council and the community council
        rows = tables.first.locator("tbody tr").evaluate_all("rows => rows.map(r => Number(r.cells[1].textContent))")
        assert rows == [c["seats"] for c in lists]
        assert block.locator("svg circle").count() == sum(c["seats"] + c["community_seats"] for c in lists)
        assert block.locator("svg").first.get_attribute("aria-hidden") == "true"
        # Final: the words say so, without "so far".
        assert "so far" not in page.locator(".el-card--territory").inner_text()
        page.screenshot(path=str(SHOTS / "municipales-seats-1366.png"), full_page=True)

    def test_turnout_during_the_day_beside_the_previous_elections(self, page, night):
        previous = night.municipales()
        helpers.call_action("package_patch", id=night.reg["id"], previous_election=previous["name"])
        night.turnout(night.reg, night.regionales)
        night.turnout(previous, night.demo_municipales)
        open_view(page, night.view("elections_participation_widget"))

        table = page.locator(".el-turnout")
        table.wait_for()
        assert table.locator("tbody tr").count() == 3
        assert table.locator("thead th").count() == 3  # the hour, this election, the previous one
        assert re.search(r"12:00\s+\d+\.\d%", table.inner_text())


class TestComparedWithThePreviousElection:
    def test_the_map_by_change_of_participation(self, page, night):
        previous = night.municipales()
        helpers.call_action("package_patch", id=night.reg["id"], previous_election=previous["name"])
        open_view(page, night.view("elections_results_view"))
        page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === 6")

        page.locator("[data-role=mode]").select_option("participation_change")

        legend = page.locator(".el-legend").inner_text()
        assert "Participation compared with 2026 (points)" in legend
        assert re.search(r"[−-]\d+\.\d pts", legend), legend
        page.locator("[data-role=mode]").select_option("leader_change")
        assert "Change of leader since 2026" in page.locator(".el-legend").inner_text()
