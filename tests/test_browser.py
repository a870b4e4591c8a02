"""Open map.html and report.html in headless Chromium with the network blocked.

A missing browser or playwright is a failure, not a skip: the maps must be checked in a real
browser. Screenshots go to ``test-artifacts/`` under the repository root.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browserkit import ARTIFACTS, Page, launch

from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario
from corridorsim.viz import write_map, write_report

pytestmark = pytest.mark.browser


COUNT_LINES = """() => {
    const out = {};
    document.querySelectorAll('path.route-line').forEach(p => {
        const c = [...p.classList].find(c => c.startsWith('route-') && c !== 'route-line');
        out[c] = (out[c] || 0) + 1;
    });
    return out;
}"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, set[str]]:
    scn, _ = load_scenario("baseline_2024")
    # the Xi'an -> Duisburg rows: one O/D pair, one line per family (the baseline also
    # carries the Almaty -> Alat Trans-Caspian flow)
    xian = tuple(r for r in scn.demand if r.origin == "CN_XIY")
    res = run_scenario(scn.model_copy(update={"horizon_d": 60.0, "demand": xian}))
    out = tmp_path_factory.mktemp("browser")
    (m,) = write_map(res, out)
    (r,) = write_report(res, out)
    return m, r, {inst.family for inst in res.routes.values()}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()



def test_map_renders_offline(browser: Any, pages: tuple[Path, Path, set[str]]) -> None:
    map_path, _, families = pages
    pg = Page(browser)
    page = pg.open(map_path)
    page.wait_for_selector("path.route-line")
    counts = page.evaluate(COUNT_LINES)
    assert set(counts) == {f"route-{f}" for f in families}
    assert all(n == 1 for n in counts.values()), counts
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".map-legend").count() == 1
    assert "searoute-py" in page.locator(".leaflet-control-attribution").inner_text()
    assert page.locator("path.leaflet-interactive").count() > 100  # countries drawn
    assert page.locator(".leaflet-tile").count() == 0  # online tiles off by default
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"))
    assert pg.errors == []
    assert pg.blocked == []


def test_layer_control_toggles_a_route(browser: Any,
                                       pages: tuple[Path, Path, set[str]]) -> None:
    map_path, _, families = pages
    pg = Page(browser)
    page = pg.open(map_path)
    fam = sorted(families)[0]
    page.hover(".leaflet-control-layers")  # collapsed: it opens on hover
    box = page.locator(f".leaflet-control-layers label:has([data-route='{fam}']) input")
    assert box.count() == 1
    assert page.locator(f"path.route-{fam}").count() == 1
    box.uncheck()
    assert page.locator(f"path.route-{fam}").count() == 0
    others = page.evaluate(COUNT_LINES)
    assert set(others) == {f"route-{f}" for f in families if f != fam}
    box.check()
    assert page.locator(f"path.route-{fam}").count() == 1
    assert pg.errors == []


MAP = "Object.values(window).find(v => v instanceof L.Map)"

#: share of the Middle Corridor's drawn points between Xi'an and Tbilisi where it is the
#: topmost element (facility markers and labels cover some of it)
VISIBLE = """([xian, tbilisi]) => {
    const map = MAP;
    const rect = map.getContainer().getBoundingClientRect();
    const xa = map.latLngToContainerPoint(xian).x + rect.left;
    const xt = map.latLngToContainerPoint(tbilisi).x + rect.left;
    const path = document.querySelector('path.route-middle_corridor');
    const m = path.getScreenCTM(), n = path.getTotalLength();
    let seen = 0, top = 0;
    for (let i = 0; i <= 400; i++) {
        const p = path.getPointAtLength(n * i / 400).matrixTransform(m);
        if (p.x < Math.min(xa, xt) || p.x > Math.max(xa, xt)) continue;
        if (p.y < rect.top || p.y > rect.bottom) continue;
        seen += 1;
        if (document.elementFromPoint(p.x, p.y) === path) top += 1;
    }
    return [seen, top];
}""".replace("MAP", MAP)

VIEW = """() => {
    const b = MAP.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
}""".replace("MAP", MAP)


def test_map_opens_on_the_corridors(browser: Any, pages: tuple[Path, Path, set[str]]) -> None:
    """The Middle Corridor stays visible beside the routes that share its track, the view
    opens on the rail corridors and the Caspian, places are named, nothing scrolls."""
    map_path, _, families = pages
    assert "middle_corridor" in families
    pg = Page(browser)
    page = pg.open(map_path)
    seen, top = page.evaluate(VISIBLE, [[34.38, 108.94], [41.72, 44.79]])
    assert seen >= 50 and top / seen >= 0.6, (seen, top)
    west, south, east, north = page.evaluate(VIEW)
    assert west < 47 and east > 55 and south < 37 and north > 47  # the Caspian
    assert east > 108.9 and south > -20  # Xi'an in view, the Cape loop not
    labels = page.locator(".place-label").all_inner_texts()
    assert {"Aktau port", "Dostyk", "Brest"} <= set(labels)
    assert page.locator(".leaflet-control-layers-expanded").count() == 0  # collapsed
    legend = page.locator(".map-legend").bounding_box()
    assert legend is not None and legend["width"] * legend["height"] < 0.1 * 1400 * 850
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    page.evaluate(MAP + ".setZoom(2)")
    page.wait_for_timeout(300)
    assert page.evaluate(VIEW)[1] < -35  # zoomed out: the Cape is there
    assert pg.errors == []
    assert pg.blocked == []


def test_report_renders_offline(browser: Any, pages: tuple[Path, Path, set[str]]) -> None:
    _, report_path, _ = pages
    pg = Page(browser)
    page = pg.open(report_path)
    assert page.locator(".chart svg").count() >= 3
    box = page.locator(".chart svg").first.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 200
    assert page.locator(".badge.assumed").count() > 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert pg.errors == []
    assert pg.blocked == []


SET_WEEK = """k => {
    const s = document.getElementById('week-slider');
    s.value = String(k);
    s.dispatchEvent(new Event('input', {bubbles: true}));
    return s.value;
}"""

SHAPES = """() => {
    const out = {};
    document.querySelectorAll('path.facility, path.route-line').forEach(p => {
        const c = [...p.classList].find(c => c.startsWith('fac-') || c.startsWith('rk-'));
        out[c] = [p.getAttribute('d'), p.getAttribute('fill'), p.getAttribute('stroke-width')];
    });
    return out;
}"""


def test_time_slider_changes_the_map(browser: Any, pages: tuple[Path, Path, set[str]]) -> None:
    map_path, _, _ = pages
    pg = Page(browser)
    page = pg.open(map_path)
    slider = page.locator("#week-slider")
    assert slider.count() == 1
    n_weeks = int(slider.get_attribute("max") or 0)
    assert n_weeks >= 8  # a 60-day run spans 9 or 10 ISO weeks
    assert page.inner_text("#week-label") == "whole run"
    before = page.evaluate(SHAPES)
    assert any(k.startswith("fac-") for k in before) and any(k.startswith("rk-") for k in before)
    week = n_weeks // 2
    assert page.evaluate(SET_WEEK, week) == str(week)
    label = page.inner_text("#week-label")
    assert label.startswith("2024-W") and "2024" in label.split("·")[1]
    assert page.get_attribute(".leaflet-container", "data-week") == label.split(" ·")[0]
    after = page.evaluate(SHAPES)
    assert after.keys() == before.keys()
    moved_facilities = [k for k in before if k.startswith("fac-") and after[k] != before[k]]
    moved_routes = [k for k in before if k.startswith("rk-") and after[k][2] != before[k][2]]
    assert moved_facilities and moved_routes
    detail = page.inner_text("#week-detail")
    assert "booked" in detail and "Most TEU queued" in detail
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map_week.png"))
    page.evaluate(SET_WEEK, 0)  # back to the whole run: the map as drawn
    assert page.inner_text("#week-label") == "whole run"
    assert page.evaluate(SHAPES) == before
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert all(s in attribution for s in ("OpenStreetMap", "Natural Earth", "searoute-py"))
    assert pg.errors == []
    assert pg.blocked == []
