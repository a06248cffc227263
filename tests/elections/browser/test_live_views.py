"""The election views in a real headless Chromium against a real CKAN:
the map, choosing an area, live updates, phones, embedding elsewhere."""
from __future__ import annotations

import re
import urllib.request

import pytest
from ckan.tests import helpers

from tests.elections.browser.conftest import INTERVAL, SHOTS

pytestmark = [pytest.mark.browser]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}
VIEWS = ["elections_results_view", "elections_summary_widget", "elections_map_widget",
         "elections_participation_widget"]
SHAPES = ".el-map path.leaflet-interactive"


def progress(page_or_frame):
    return page_or_frame.locator("[data-role=progress]").inner_text()


def open_view(page, url):
    response = page.goto(url)
    assert response.status == 200
    page.wait_for_selector(".el-bar-row, .el-table tbody tr, .el-legend-list")


class TestMap:
    def test_one_shape_per_canton(self, page, night):
        open_view(page, night.view("elections_results_view"))

        page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === {len(night.city.cantons)}")

        labels = page.locator(SHAPES).evaluate_all("paths => paths.map(p => p.getAttribute('aria-label'))")
        assert len(labels) == len(night.city.cantons) == 6
        assert all(labels)
        assert not page.errors

    def test_choosing_a_canton_shows_its_figures_and_lives_in_the_url(self, page, night):
        canton = night.city.cantons[0]
        open_view(page, night.view("elections_results_view"))
        page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === 6")

        page.get_by_role("button", name=canton.name, exact=True).first.click()

        card = page.locator(".el-card--area")
        assert card.locator(".el-card-title").inner_text() == canton.name
        assert re.search(r"Turnout\s*\d+\.\d%", card.inner_text())
        assert f"area={canton.code}" in page.url
        page.screenshot(path=str(SHOTS / "results-canton-1366.png"), full_page=True)

        # Tapping the map works too, and the same link reopens the same choice.
        page.locator(SHAPES).nth(1).click()
        chosen = page.locator(".el-card--area .el-card-title").inner_text()
        assert chosen != canton.name
        link = page.url
        page.goto("about:blank")
        open_view(page, link)
        assert page.locator(".el-card--area .el-card-title").inner_text() == chosen
        assert not page.errors

    def test_from_a_canton_down_to_its_bureaux(self, page, night):
        canton = night.city.cantons[2]
        open_view(page, night.view("elections_results_view") + f"#area={canton.code}")

        page.locator(f"[data-role=drill][data-code='{canton.code}']").click()

        page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === {len(canton.bureaux)}")
        page.wait_for_function(
            f"document.querySelectorAll('.el-table tbody [data-area]').length === {len(canton.bureaux)}")
        counted = [code for code in night.order[:night.counted] if code[6:8] == canton.code[-2:]]
        assert f"{len(counted)} / {len(canton.bureaux)}" in page.locator(".el-card--area").inner_text()
        assert "level=bureau" in page.url and f"canton={canton.code}" in page.url
        page.locator("[data-role=back]").click()
        page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === 6")

    def test_colour_by_participation_changes_the_legend(self, page, night):
        open_view(page, night.view("elections_results_view"))
        page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === 6")

        page.locator("[data-role=mode]").select_option("participation")

        legend = page.locator(".el-legend").inner_text()
        assert "Turnout" in legend and "%" in legend
        assert "mode=participation" in page.url


class TestRefresh:
    def test_a_pushed_bureau_appears_without_reload(self, page, night):
        open_view(page, night.view("elections_summary_widget"))
        assert progress(page).startswith(f"{night.counted} / 120")
        # Nothing changed: after the first poll fetched validators, polls are answered 304.
        with page.expect_response(lambda r: "elections_results_show" in r.url and r.status == 304,
                                  timeout=1000 * (INTERVAL * 3 + 5)):
            pass

        night.count(1)

        page.wait_for_function(
            f"document.querySelector('[data-role=progress]').textContent.startsWith('{night.counted} / 120')",
            timeout=1000 * (INTERVAL * 3 + 5))
        assert "Results updated" in page.locator("[data-role=announce]").inner_text()
        assert not page.errors

    def test_a_failed_refresh_keeps_the_results_and_says_so(self, page, night):
        open_view(page, night.view("elections_summary_widget"))
        bars = page.locator(".el-bar-row").count()

        page.route("**/api/3/action/elections_results_show*", lambda route: route.abort())

        page.wait_for_selector("[data-role=stale]:not([hidden])", timeout=1000 * (INTERVAL * 3 + 5))
        assert page.locator(".el-bar-row").count() == bars > 0
        assert "could not be refreshed" in page.locator("[data-role=stale]").inner_text()
        page.screenshot(path=str(SHOTS / "summary-stale-360.png"))


class TestPhonesAndScreens:
    @pytest.mark.parametrize("view_type", VIEWS)
    def test_no_horizontal_scroll_at_360(self, page, night, view_type):
        page.set_viewport_size(PHONE)
        open_view(page, night.view(view_type))
        if view_type in ("elections_results_view", "elections_map_widget"):
            page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === 6")

        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(SHOTS / f"{view_type}-360.png"), full_page=True)
        assert not page.errors

    def test_desktop_and_big_screen(self, page, night):
        open_view(page, night.view("elections_results_view"))
        page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === 6")
        page.screenshot(path=str(SHOTS / "elections_results_view-1366.png"), full_page=True)

        open_view(page, night.view("elections_summary_widget", big_screen=True))
        assert page.evaluate("document.documentElement.classList.contains('is-screen')")
        assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") > 16
        assert page.evaluate("document.documentElement.scrollHeight") <= DESKTOP["height"]
        page.screenshot(path=str(SHOTS / "summary-big-1366.png"))

    def test_french_numbers(self, page, night):
        open_view(page, night.view("elections_summary_widget").replace("/dataset/", "/fr/dataset/"))

        figures = page.locator(".el-figures").inner_text()
        assert page.evaluate("document.documentElement.lang") == "fr"
        assert re.search(r"Participation\s*\d+,\d\s%", figures), figures
        assert re.search(r"\d\s\d{3}", figures), figures  # 12 345, with a narrow space


class TestEmbedding:
    def test_a_widget_works_inside_a_frame_of_another_site(self, page, night, other_origin):
        origin, folder = other_origin
        url = night.view("elections_summary_widget")
        (folder / "index.html").write_text(
            f'<!doctype html><title>Newsroom</title><h1>Our live coverage</h1>'
            f'<iframe title="Résultats" src="{url}" width="360" height="600"></iframe>', encoding="utf-8")

        page.goto(f"{origin}/index.html")
        frame = page.frame_locator("iframe")
        frame.locator(".el-bar-row").first.wait_for()

        assert progress(frame).startswith(f"{night.counted} / 120")
        night.count(2)
        frame.locator("[data-role=progress]").filter(has_text=f"{night.counted} / 120").wait_for(
            timeout=1000 * (INTERVAL * 3 + 5))
        page.screenshot(path=str(SHOTS / "newsroom-frame.png"))
        assert not page.errors

    def test_a_private_election_is_refused_in_a_frame(self, page, night, other_origin):
        origin, folder = other_origin
        url = night.view("elections_summary_widget")
        helpers.call_action("package_patch", id=night.reg["id"], private=True)
        (folder / "private.html").write_text(
            f'<!doctype html><title>Newsroom</title><iframe src="{url}"></iframe>', encoding="utf-8")

        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url)
        page.goto(f"{origin}/private.html")
        page.wait_for_load_state("load")

        # Like any page that is not a public embed: only the portal may frame it.
        assert refused.value.code == 404
        assert refused.value.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
        assert page.frames[1].locator(".elections").count() == 0


class TestInsideCkan:
    def test_the_resource_page_frame_follows_the_view(self, page, night):
        night.view("elections_results_view")
        page.goto(f"{night.base_url}/dataset/{night.reg['name']}/resource/{night.cantons['id']}")
        frame = page.frame_locator("iframe[data-module=data-viewer]")
        frame.locator(".el-table tbody [data-area]").first.wait_for()

        page.wait_for_function("""() => {
            const frame = document.querySelector('iframe[data-module=data-viewer]');
            return frame.getBoundingClientRect().height >= frame.contentDocument.body.scrollHeight;
        }""")
        page.screenshot(path=str(SHOTS / "resource-page-1366.png"), full_page=True)
