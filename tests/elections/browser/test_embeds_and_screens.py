"""What newsrooms, phones, city halls' screens and assistive technologies get:
embeds sized to their content on another site, the phone flow, the big
screen, keyboard use, axe-core's audit, and the election switch."""
from __future__ import annotations

import json
import pathlib

import pytest

from tests.elections.browser.conftest import SHOTS

pytestmark = [pytest.mark.browser]

ROOT = pathlib.Path(__file__).resolve().parents[3]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHAPES = ".el-map path.leaflet-interactive"
WIDGETS = ["elections_summary_widget", "elections_map_widget", "elections_participation_widget",
           "elections_results_view"]


def embed_code(page, night, view_type):
    """The snippet of the view's own embed dialog, on its resource page."""
    url = night.view(view_type)
    view_id = url.rsplit("/", 1)[-1]
    page.goto(f"{night.base_url}/dataset/{night.reg['name']}/resource/{night.cantons['id']}?view_id={view_id}")
    page.get_by_role("button", name="Embed").click()
    dialog = page.locator(f"#embed-{view_id}")
    dialog.get_by_label("Compact").check()
    code = dialog.locator("[data-role=code]").input_value()
    dialog.locator("[data-role=preview-box] iframe").wait_for()
    return code


def settled_frame_heights(page):
    """Each frame's height and its content's, once they stop changing."""
    inner = """() => [document.body.getBoundingClientRect().height,
                      document.documentElement.scrollHeight, document.documentElement.clientHeight]"""
    before = None
    for _ in range(40):
        outer = page.evaluate(
            "Array.from(document.querySelectorAll('iframe')).map(f => f.getBoundingClientRect().height)")
        now = [[height, *frame.evaluate(inner)] for height, frame in zip(outer, page.frames[1:], strict=False)]
        if now == before:
            return now
        before = now
        page.wait_for_timeout(250)
    return before


class TestEmbeds:
    def test_the_dialog_gives_a_responsive_snippet(self, page, night):
        code = embed_code(page, night, "elections_summary_widget")

        assert 'style="width:100%;border:0"' in code
        assert "compact=1" in code
        assert "/elections/embed.js" in code
        assert 'title="elections_summary_widget"' in code
        page.screenshot(path=str(SHOTS / "embed-dialog-1366.png"))
        assert not page.errors

    @pytest.mark.parametrize("view_type", WIDGETS)
    def test_frames_on_another_site_fit_their_content(self, page, night, other_origin, view_type):
        origin, folder = other_origin
        code = embed_code(page, night, view_type)
        # The other origin is localhost: the frame's postMessage comes from 127.0.0.1.
        (folder / f"{view_type}.html").write_text(
            "<!doctype html><html lang=fr><meta name=viewport content='width=device-width'>"
            "<title>Newsroom</title><body style='margin:0 8px'><h1>Our live coverage</h1>"
            f"<p>Text of the article.</p>{code}<p>End of the article.</p></body></html>", encoding="utf-8")

        for width in (320, 360, 768, 1366):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(f"{origin}/{view_type}.html")
            frame = page.frame_locator("iframe")
            frame.locator(".el-bar-row, .el-table tbody tr, .el-legend-list").first.wait_for()
            frame_height, content, inner_scroll, inner_client = settled_frame_heights(page)[0]

            assert abs(frame_height - content) <= 2, (width, frame_height, content)
            assert inner_scroll <= inner_client, (width, inner_scroll, inner_client)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(SHOTS / f"embed-{view_type}-{width}.png"), full_page=True)
        assert not [e for e in page.errors if "favicon" not in e]

    def test_embed_js_ignores_other_origins(self, page, night, other_origin):
        origin, folder = other_origin
        url = night.view("elections_summary_widget")
        (folder / "spoof.html").write_text(
            f'<!doctype html><title>x</title><iframe src="{url}" style="width:100%;border:0" height="300"></iframe>'
            f'<iframe srcdoc="<p>x</p>" style="width:100%;border:0" height="50"></iframe>'
            f'<script src="{night.base_url}/elections/embed.js"></script>', encoding="utf-8")
        page.goto(f"{origin}/spoof.html")
        page.frame_locator("iframe").first.locator(".el-bar-row").first.wait_for()

        # A frame of the host's own origin claiming to be a widget.
        page.evaluate("""() => window.postMessage({type: 'elections:height', height: 5}, '*')""")
        page.frames[2].evaluate("""() => parent.postMessage({type: 'elections:height', height: 9999}, '*')""")
        page.wait_for_timeout(300)

        heights = page.evaluate("Array.from(document.querySelectorAll('iframe')).map(f => f.style.height)")
        assert heights[0] not in ("", "5px") and heights[1] == ""


class TestPhone:
    def test_a_tap_brings_the_figures_and_the_focus(self, page, night):
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(night.view("elections_results_view"))
        page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === 6")
        # The first screen already says who leads.
        first_bar = page.locator(".el-card--territory .el-bar-row").first.bounding_box()
        assert first_bar["y"] + first_bar["height"] <= 740

        page.locator(SHAPES).nth(0).scroll_into_view_if_needed()
        page.locator(SHAPES).nth(0).click()

        page.wait_for_function("document.activeElement.matches('.el-card--area .el-card-title')")
        page.wait_for_function("""() => { const r = document.activeElement.getBoundingClientRect();
                                          return r.top >= 0 && r.bottom <= innerHeight; }""")
        page.screenshot(path=str(SHOTS / "phone-tap-360.png"))

    def test_a_drill_down_brings_the_new_map(self, page, night):
        canton = night.city.cantons[1]
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(night.view("elections_results_view") + f"#area={canton.code}")
        page.locator(f"[data-role=drill][data-code='{canton.code}']").click()

        page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === {len(canton.bureaux)}")
        page.wait_for_function("document.activeElement.matches('.el-map')")
        page.wait_for_function("""() => { const r = document.querySelector('.el-map').getBoundingClientRect();
                                          return r.top >= -1 && r.top < innerHeight / 2; }""")
        # Bureaux big enough to tap once the map has zoomed on the canton.
        sizes = page.locator(SHAPES).evaluate_all(
            "paths => paths.map(p => { const r = p.getBoundingClientRect(); return Math.min(r.width, r.height); })")
        assert min(sizes) >= 24, sizes
        page.screenshot(path=str(SHOTS / "phone-drill-360.png"))

    def test_the_table_is_readable_at_360(self, page, night):
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(night.view("elections_results_view"))
        page.locator(".el-leader-name").first.wait_for()

        lines = page.locator(".el-leader-name").evaluate_all(
            "spans => spans.map(s => Math.round(s.getBoundingClientRect().height"
            " / parseFloat(getComputedStyle(s).lineHeight)))")
        assert max(lines) <= 2, lines
        assert page.evaluate("document.documentElement.scrollWidth") <= 360


class TestBigScreen:
    @pytest.mark.parametrize("size", [{"width": 1920, "height": 1080}, {"width": 1280, "height": 720}])
    def test_fits_the_screen_and_rotates(self, page, night, size):
        page.set_viewport_size(size)
        page.goto(night.view("elections_results_view") + "?screen=1&every=5")
        page.wait_for_selector(".elections [data-screen].is-current")
        first = page.locator("[data-screen].is-current").get_attribute("data-screen")

        assert page.evaluate("document.documentElement.scrollHeight") <= size["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        assert page.locator(".el-controls").is_hidden() and page.locator(".el-table-block").is_hidden()
        page.screenshot(path=str(SHOTS / f"screen-{first}-{size['width']}.png"))

        page.wait_for_function(f"document.querySelector('[data-screen].is-current').dataset.screen !== '{first}'",
                               timeout=8000)
        second = page.locator("[data-screen].is-current").get_attribute("data-screen")
        page.wait_for_timeout(500)
        assert page.evaluate("document.documentElement.scrollHeight") <= size["height"]
        page.screenshot(path=str(SHOTS / f"screen-{second}-{size['width']}.png"))


class TestKeyboardAndSwitch:
    def test_find_my_bureau_by_keyboard(self, page, night):
        bureau = night.city.bureaux[5]
        page.goto(night.view("elections_results_view"))
        page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === 6")

        page.get_by_label("Find my polling station").focus()
        page.keyboard.type(bureau.area_code[-4:])
        page.locator(".el-find-option").first.wait_for()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")

        page.wait_for_function(f"location.hash.includes('area={bureau.area_code}')")
        assert "level=bureau" in page.url
        page.wait_for_function("document.activeElement.matches('.el-card--area .el-card-title')")
        assert bureau.area_code[-4:] in page.locator(".el-card--area .el-card-title").inner_text()

    def test_enter_on_a_map_area_moves_the_focus_to_its_figures(self, page, night):
        page.goto(night.view("elections_results_view"))
        page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === 6")

        page.locator(SHAPES).nth(2).focus()
        assert page.locator(".el-focus-ring").count() == 1
        page.keyboard.press("Enter")

        page.wait_for_function("document.activeElement.matches('.el-card--area .el-card-title')")

    def test_the_election_switch_updates_title_and_footer(self, page, night):
        page.goto(night.view("elections_results_view"))
        page.locator(".el-table tbody [data-area]").first.wait_for()

        page.get_by_role("button", name=night.dep["title"]).click()

        assert page.locator("[data-role=title]").inner_text() == night.dep["title"]
        assert night.dep["title"] in page.title()
        assert night.reg["title"] not in page.title()
        source = page.locator("[data-role=source]")
        assert night.dep["title"] in source.inner_text()
        assert source.get_attribute("href").endswith(f"/election/{night.dep['name']}")
        assert f"/election/{night.dep['name']}/results/" in page.locator("[data-role=csv]").get_attribute("href")

    def test_only_real_changes_are_announced(self, page, night):
        page.goto(night.view("elections_summary_widget"))
        with page.expect_response(lambda r: "elections_results_show" in r.url, timeout=10000):
            pass
        page.wait_for_timeout(500)

        assert page.locator("[data-role=announce]").inner_text() == ""

    def test_leaflet_speaks_french(self, page, night):
        page.goto(night.view("elections_map_widget").replace("/dataset/", "/fr/dataset/"))
        page.locator(".leaflet-control-zoom-in").wait_for()

        assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Zoomer"
        assert page.locator(".leaflet-control-zoom-out").get_attribute("title") == "Dézoomer"


class TestAxe:
    @pytest.mark.parametrize("lang", ["fr", "en"])
    @pytest.mark.parametrize("width", [360, 1366])
    def test_no_violations(self, page, night, lang, width):
        page.set_viewport_size({"width": width, "height": 900})
        found = {}
        for view_type in WIDGETS:
            page.goto(night.view(view_type).replace("/dataset/", f"/{lang}/dataset/"))
            page.locator(".el-bar-row, .el-table tbody tr, .el-legend-list").first.wait_for()
            page.wait_for_timeout(300)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            found[view_type] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
        assert not any(found.values()), json.dumps(found, indent=1)
