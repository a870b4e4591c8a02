"""Tests of corridorsim.viz: map.html, report.html and compare.html (no browser)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from corridorsim.outputs import write_run
from corridorsim.result import RunResult
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict
from corridorsim.viz import write_compare_report, write_map, write_report
from corridorsim.viz.assets import esc, strip_external
from corridorsim.viz.layers import closed_targets

EXTERNAL = re.compile(r"<(?:script|link)\b[^>]*(?:src|href)\s*=\s*[\"']?https?://", re.I)


def _short_run(**update: object) -> RunResult:
    """baseline_2024's Xi'an -> Duisburg rows (one O/D pair; the baseline also carries the
    Almaty -> Alat Trans-Caspian flow), 60 days."""
    scn, _ = load_scenario("baseline_2024")
    data = {**scn.model_dump(mode="json"), "horizon_d": 60.0, **update}
    data["demand"] = [r for r in data["demand"] if r["origin"] == "CN_XIY"]
    return run_scenario(scenario_from_dict(data))


@pytest.fixture(scope="module")
def res() -> RunResult:
    return _short_run()


@pytest.fixture(scope="module")
def run_dir(res: RunResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("viz") / "run"
    write_run(res, out, extras=[write_map, write_report])
    return out


@pytest.fixture(scope="module")
def map_text(run_dir: Path) -> str:
    return (run_dir / "map.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report_text(run_dir: Path) -> str:
    return (run_dir / "report.html").read_text(encoding="utf-8")


def test_files_written_and_checksummed(run_dir: Path) -> None:
    assert (run_dir / "map.html").stat().st_size > 10_000
    assert (run_dir / "report.html").stat().st_size > 10_000
    info = (run_dir / "run.json").read_text(encoding="utf-8")
    assert "map.html" in info and "report.html" in info


@pytest.mark.parametrize("name", ["map_text", "report_text"])
def test_no_external_scripts_or_stylesheets(name: str, request: pytest.FixtureRequest) -> None:
    text = request.getfixturevalue(name)
    assert not EXTERNAL.search(text)
    assert "cdn.jsdelivr" not in text and "code.jquery.com" not in text
    assert "bootstrapcdn" not in text and "cdnjs" not in text


def test_map_http_only_in_attribution_or_tile_template(map_text: str) -> None:
    allowed = ("basemaps.cartocdn.com/light_all/{z}", "leafletjs.com", "www.w3.org/2000/svg",
               "bugzilla.mozilla.org")
    for url in re.findall(r"https?://[^\s\"'<>)]+", map_text):
        assert any(a in url for a in allowed), url


def test_map_inlines_leaflet(map_text: str) -> None:
    assert "L.map" in map_text or "L.Map" in map_text
    assert 'version="1.9' in map_text.replace("t.version=", 'version=') or "1.9.3" in map_text
    assert "images/layers.png" not in map_text  # inlined as data: URI


def test_one_feature_group_per_route(res: RunResult, map_text: str) -> None:
    families = {inst.family for inst in res.routes.values()}
    assert map_text.count("L.featureGroup(") >= len(families)
    for fam in families:
        assert len(re.findall(rf'data-route=\\?"{fam}\\?"', map_text)) == 1, fam
        assert f'"className": "route-line route-{fam}"' in map_text
    lines = re.findall(r'"className": "route-line route-([\w]+)"', map_text)
    assert sorted(set(lines)) == sorted(families)


def test_map_layers_and_furniture(map_text: str) -> None:
    assert "Natural Earth countries (offline)" in map_text
    assert "CartoDB Positron" in map_text
    assert "L.control.layers" in map_text
    assert "L.control.scale" in map_text
    assert "map-legend" in map_text
    assert "searoute-py / Eurostat SeaRoute" in map_text
    assert "OpenStreetMap contributors (ODbL)" in map_text
    assert "assumed-geom" in map_text
    assert "chokepoint-icon" in map_text
    assert "facility" in map_text


def test_map_marks_origin_and_destination(res: RunResult, map_text: str) -> None:
    # baseline_2024: one O/D pair, Xi'an -> Duisburg, each a ring with a permanent label
    assert map_text.count("od-marker od-origin") == 1
    assert map_text.count("od-marker od-destination") == 1
    assert map_text.count('"className": "od-label"') == 2
    names = res.network.nodes["name"]
    for node in ("CN_XIY", "DE_DUI"):
        assert esc(str(names[node])) in map_text
    assert "O/D pairs run" in map_text  # legend


def test_report_header_names_the_od_pair(res: RunResult, report_text: str) -> None:
    names = res.network.nodes["name"]
    head = report_text[:report_text.index('id="kpis"')]
    assert "O/D pair: " in head
    assert f'{esc(str(names["CN_XIY"]))} → {esc(str(names["DE_DUI"]))}' in head
    # one pair: per-route labels stay the family's
    assert "Middle Corridor ·" not in report_text


def test_positron_not_shown_by_default(map_text: str) -> None:
    # the tile layer is created but not added to the map: only the layer control holds it
    m = re.search(r"var (tile_layer_\w+) = L\.tileLayer\(", map_text)
    assert m is not None
    assert f"{m.group(1)}.addTo(" not in map_text


def test_map_popup_shows_na_when_missing(res: RunResult, tmp_path: Path) -> None:
    r = res.replace(summary=res.summary.drop(columns=[c for c in res.summary.columns
                                                      if c.startswith(("co2e", "cost"))]))
    text = write_map(r, tmp_path)[0].read_text(encoding="utf-8")
    assert "Cost / TEU</th><td>n/a" in text


def test_closures_drawn_dashed_red(res: RunResult, tmp_path: Path) -> None:
    r = _short_run(disruptions=[{"target": "suez", "start_d": 0, "end_d": 400}])
    links, nodes = closed_targets(r)
    assert "YE_BAB-EG_SUZ" in links and "EG_SUZ" in nodes
    text = write_map(r, tmp_path)[0].read_text(encoding="utf-8")
    assert "closed-link" in text and "closed-node" in text and "#e31a1c" in text


def test_report_has_charts_and_sections(report_text: str, res: RunResult) -> None:
    assert report_text.count("<svg") >= 3
    assert "<?xml" not in report_text and "<!DOCTYPE svg" not in report_text
    assert res.scenario.name in report_text
    assert str(res.scenario.seed) in report_text
    for title in ("KPIs per route", "Time/cost–distance", "Transit-time distributions",
                  "Bottlenecks per route", "Emissions and cost breakdown", "Assumptions"):
        assert title in report_text
    assert "(leg)" in report_text
    assert "Emissions per TEU by country" in report_text  # breakdown by country (issue #5)


def test_report_assumptions_flag_assumed_values(report_text: str) -> None:
    section = report_text[report_text.index('id="assumptions"'):]
    assert '<span class="badge assumed">assumed</span>' in section
    assert "black_sea_feeder" in section  # a default marked assumed
    assert "Scenario provenance" in section
    assert "demand[1].teu_per_week" in section


def test_report_without_accounting_columns(res: RunResult, tmp_path: Path) -> None:
    keep = [c for c in res.summary.columns if not c.startswith(("co2e", "cost"))]
    legs = res.legs.drop(columns=[c for c in res.legs.columns if c.startswith(("co2e", "cost"))])
    r = res.replace(summary=res.summary[keep], legs=legs)
    text = write_report(r, tmp_path)[0].read_text(encoding="utf-8")
    assert "Accounting is not available" in text
    assert text.count("<svg") >= 3


def test_compare_report(run_dir: Path, tmp_path: Path) -> None:
    a = pd.read_csv(run_dir / "summary.csv")
    table = pd.DataFrame({"route": a["route"], "teu_delivered_a": a["teu_delivered"],
                          "teu_delivered_b": a["teu_delivered"] + 10.0,
                          "teu_delivered_delta": 10.0})
    (tmp_path / "cmp").mkdir()
    paths = write_compare_report(run_dir, run_dir, table, tmp_path / "cmp")
    text = paths[0].read_text(encoding="utf-8")
    assert paths[0].name == "compare.html"
    assert text.count("<iframe") == 2
    assert "map.html" in text and "TEU delivered" in text and "B − A" in text
    assert 'class="num better">+10<' in text
    assert "Waiting by cause" in text and "What differs between the runs" in text
    assert "<th>teu_delivered" not in text  # KPI rows x A/B/diff, not one raw column each
    assert not EXTERNAL.search(text)


def test_strip_external() -> None:
    page = ('<head><script src="https://x.org/a.js"></script>'
            '<link rel="stylesheet" href="http://x.org/b.css"/><script>1</script></head>')
    assert strip_external(page) == "<head><script>1</script></head>"


def test_report_on_a_sampled_run_says_so(res: RunResult, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the report's sample size per route the distributions come from every k-th
    consignment of that route; the report says so next to each sampled figure, and the
    KPI table and per-place waits (bottlenecks) are still over every consignment."""
    import corridorsim.result

    fresh = res.replace(consignments=None, legs=None)  # as a big run: tables not built
    largest = int(fresh.consignments_chunk()["route_key"].value_counts().max())
    monkeypatch.setattr(corridorsim.result, "SAMPLE_PER_ROUTE", largest // 4)
    text = write_report(fresh, tmp_path)[0].read_text(encoding="utf-8")
    assert text.count("Based on a systematic sample of") == 2  # time–distance, ECDF
    assert (f"of {fresh.n_consignments:,} consignments (of each route with more than "
            f"{largest // 4:,} bookings, every k-th by booking)") in text
    assert "legs" not in fresh._built and "consignments" not in fresh._built  # only the sample
    assert text.count("<svg") >= 3


# ---------------------------------------------------------------- report over time (#17)
CLOSURE = {"name": "Caspian closure", "target": "caspian", "start": "2024-02-10",
           "end": "2024-02-23", "capacity_factor": 0}


@pytest.fixture(scope="module")
def closure_res() -> RunResult:
    return _short_run(horizon_d=90.0, disruptions=[CLOSURE])


@pytest.fixture(scope="module")
def closure_report(closure_res: RunResult) -> str:
    from corridorsim.viz.report import report_html

    return report_html(closure_res)


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


def test_over_time_section_shades_the_dated_disruption(closure_res: RunResult,
                                                       closure_report: str) -> None:
    windows = closure_res.info["windows"]
    assert any(w["cause"] == "disruption" and w["start"] == "2024-02-10" for w in windows)
    sec = _section(closure_report, 'id="over-time"', 'id="time"')
    assert "<h2" in sec and "Over time" in sec
    assert sec.count("<svg") >= 2  # transit by booking week, queues
    assert "Transit time by booking week" in sec
    # the closure is shaded and labelled in the chart (SVG text), with a legend entry
    svg = sec[sec.index("<svg"):sec.index("</svg>")]
    assert "Caspian closure" in svg
    assert "closure / disruption" in svg
    assert "Queues over time" in sec and "Aktau" in sec  # the yard before the closed sea


def test_over_time_report_is_deterministic(closure_res: RunResult, closure_report: str) -> None:
    from corridorsim.viz.report import report_html

    assert report_html(closure_res) == closure_report


def test_in_transit_is_not_called_backlog(report_text: str) -> None:
    sec = report_text[report_text.index('id="saturation"'):]
    assert "No facility or service is saturated" in sec
    assert "in transit at the end of the horizon" in sec
    assert "queued at saturated places" in sec
    assert "backlog" not in report_text.lower()
    kpis = _section(report_text, 'id="kpis"', "</table>")
    assert "TEU in transit at end" in kpis and "backlog" not in kpis.lower()


def test_bottlenecks_per_route_show_the_middle_corridor(closure_res: RunResult,
                                                       closure_report: str) -> None:
    from corridorsim.viz.bottlenecks import route_bottlenecks

    bn = route_bottlenecks(closure_res)
    mc = bn[bn["route_key"].str.startswith("middle_corridor:")]
    assert len(mc), bn
    # the closed Caspian crossing is the Middle Corridor's worst excess wait
    assert mc.iloc[0]["place"].startswith("Aktau port → Port of Baku (Alat) (leg")
    assert mc.iloc[0]["excess_h"] > 24.0
    assert "disruption" in mc.iloc[0]["causes"]
    # no route lists another route's places: Suez never shows the Caspian
    suez = bn[bn["route_key"].str.startswith("suez:")]
    assert not suez["place"].str.contains("Aktau|Baku|Poti").any()
    sec = _section(closure_report, 'id="bottlenecks"', 'id="saturation"')
    assert "Bottlenecks per route" in sec and "excess h" in sec
    assert "Aktau port → Port of Baku (Alat) (leg)" in sec
