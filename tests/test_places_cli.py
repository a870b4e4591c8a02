"""Places a planner can find and add: `corridorsim nodes`, names wherever a place is asked
for, `routes` for any pair, and a scenario's own `network:` section."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner, Result

from corridorsim.cli import main
from corridorsim.run import run_scenario
from corridorsim.scenario.load import scenario_from_dict


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_nodes_lists_places_by_country_and_kind() -> None:
    res = invoke("nodes", "--country", "KAZ")
    assert res.exit_code == 0, res.output
    for name in ("Aktau", "Dostyk", "Almaty", "Astana"):
        assert name in res.stdout
    assert "Duisburg" not in res.stdout
    rows = _rows(invoke("nodes", "--kind", "port", "--format", "csv").stdout)
    ids = {r["id"] for r in rows}
    assert {"CN_SHA", "NL_RTM", "KZ_AKU", "GR_PIR", "SI_KOP", "PL_GDN"} <= ids
    assert all(r["kind"] == "port" for r in rows)
    assert {"id", "name", "country", "kind", "roles", "lon", "lat", "source"} <= set(rows[0])
    bad = invoke("nodes", "--country", "XXX")
    assert bad.exit_code == 2 and "no node matches" in bad.output


def test_routes_by_name_both_directions() -> None:
    west = invoke("routes", "--origin", "Chongqing", "--destination", "Lodz")
    assert west.exit_code == 0, west.output
    assert "Chongqing → Łódź" in west.stdout and "(CN_CKG → PL_LOD)" in west.stdout
    assert "northern" in west.stdout and "Małaszewicze" in west.stdout
    east = invoke("routes", "--origin", "Duisburg", "--destination", "Xi'an")
    assert east.exit_code == 0, east.output
    line = next(ln for ln in east.stdout.splitlines() if ln.startswith("middle_corridor "))
    assert "Duisburg – " in east.stdout.split(line, 1)[1].splitlines()[1]
    na = invoke("routes", "--origin", "xian", "--destination", "almaty")
    assert "not applicable" in na.stdout and "China and Europe" in na.stdout


def test_routes_csv_has_via_and_reasons() -> None:
    none = invoke("routes", "--origin", "Baku", "--destination", "Duisburg", "--route",
                  "northern", "--format", "csv")
    assert none.exit_code == 0 and "AZE" in _rows(none.stdout)[0]["note"]
    res = invoke("routes", "--origin", "CN_XIY", "--destination", "TR_HAL", "--format", "csv")
    assert res.exit_code == 0, res.output
    rows = {r["route"]: r for r in _rows(res.stdout)}
    via = rows["middle_corridor_turkey"]["via"].split(";")
    assert via[0] == "CN_XIY" and via[-1] == "TR_HAL" and "GE_AKH" in via
    assert len(via) == len(set(via))
    assert rows["northern"]["via"] == "" and "TUR" in rows["northern"]["note"]
    assert rows["middle_corridor"]["note"] == ""


def test_misspelt_place_gets_a_suggestion() -> None:
    res = invoke("routes", "--origin", "Duisbrug", "--destination", "Xi'an")
    assert res.exit_code == 2
    assert "unknown origin 'Duisbrug'" in res.output and "Duisburg" in res.output
    assert "Traceback" not in res.output


def _verona(**extra):  # type: ignore[no-untyped-def]
    data = {
        "name": "verona", "seed": 3, "horizon_d": 40, "warmup_d": 5,
        "routes": ["northern"],
        "network": {
            "nodes": [{"id": "IT_VRN", "name": "Verona Quadrante Europa", "country": "ITA",
                       "kind": "terminal", "lon": 10.93, "lat": 45.41, "aliases": ["Verona"]}],
            "links": [{"from": "IT_MIL", "to": "IT_VRN", "mode": "rail", "traction": "electric"}],
        },
        "demand": [{"route": "northern", "origin": "Xi'an", "destination": "Verona",
                    "teu_per_week": 200}],
    }
    data.update(extra)
    return scenario_from_dict(data)


def test_scenario_adds_a_place_and_uses_names(tmp_path: Path) -> None:
    res = run_scenario(_verona())
    inst = next(iter(res.routes.values()))
    assert (inst.origin, inst.destination) == ("CN_XIY", "IT_VRN")
    assert inst.route.nodes[-2:] == ("IT_MIL", "IT_VRN")
    assert inst.route.legs[-1].assumed  # straight line: flagged assumed
    assert res.info["teu_delivered"] > 0
    assert "1 node(s), 1 link(s)" in res.info["network"]
    assert any("IT_MIL-IT_VRN is a straight line" in w for w in res.info["warnings"])
    # map and report draw the added place (the basemap still comes from the shipped geodata)
    from corridorsim.viz import write_map, write_report

    html = write_map(res, tmp_path)[0].read_text(encoding="utf-8")
    assert "Verona Quadrante Europa" in html and "IT_MIL-IT_VRN" in html
    assert write_report(res, tmp_path)[0].exists()


def test_bad_network_section_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("name: bad\nnetwork:\n  links:\n    - {from: IT_MIL, to: IT_XXX}\n"
                 "demand:\n  - {route: northern, teu_per_week: 10}\n", encoding="utf-8")
    res = invoke("validate", str(f))
    assert res.exit_code == 2, res.output
    assert "network.links[0]" in res.output and "IT_XXX" in res.output
    assert "Traceback" not in res.output


def test_validate_refuses_a_family_that_cannot_serve_the_pair(tmp_path: Path) -> None:
    f = tmp_path / "na.yaml"
    f.write_text("name: na\nroutes: [northern, suez]\ndemand:\n"
                 "  - {route: northern, origin: Xi'an, destination: Duisburg, teu_per_week: 100}\n"
                 "  - {route: suez, origin: Xi'an, destination: Almaty, teu_per_week: 100}\n",
                 encoding="utf-8")
    res = invoke("validate", str(f))
    assert res.exit_code == 2, res.output
    msg = " ".join(res.output.split())
    assert f"{f}:5:" in msg and "demand[1].route" in msg
    assert "suez cannot serve CN_XIY → KZ_ALA" in msg and "China and Europe" in msg


def test_fleet_in_both_directions_is_flagged() -> None:
    def scn(rows):  # type: ignore[no-untyped-def]
        return scenario_from_dict({"name": "dirs", "horizon_d": 30, "warmup_d": 5,
                                   "routes": ["middle_corridor"], "demand": rows})
    west = {"route": "middle_corridor", "origin": "Xi'an", "destination": "Duisburg",
            "teu_per_week": 200}
    east = {**west, "origin": "Duisburg", "destination": "Xi'an"}
    assert run_scenario(scn([west])).info["warnings"] == []
    warned = run_scenario(scn([west, east])).info["warnings"]
    assert len(warned) == 1 and "caspian_feeder" in warned[0] and "both directions" in warned[0]


def test_disruption_of_a_place_no_route_passes_is_flagged() -> None:
    scn = scenario_from_dict({
        "name": "dz", "horizon_d": 30, "warmup_d": 5, "routes": ["northern", "middle_corridor"],
        "demand": [{"route": "northern", "teu_per_week": 100},
                   {"route": "middle_corridor", "teu_per_week": 100}],
        "disruptions": [{"target": "Baku", "start_d": 5, "end_d": 9},
                        {"target": "aktau", "start_d": 5, "end_d": 9}]})
    warnings = run_scenario(scn).info["warnings"]
    assert len(warnings) == 1 and "AZ_BAK" in warnings[0] and "changes nothing" in warnings[0]


def test_disruption_by_dates() -> None:
    """A closure written with calendar dates is the same as the days it covers, and the run
    says when a window lies beyond the horizon or is partly hidden by the warm-up."""
    base = {"name": "dates", "start_date": "2025-01-01", "horizon_d": 100, "warmup_d": 14,
            "routes": ["northern"], "demand": [{"route": "northern", "teu_per_week": 300}]}
    by_date = scenario_from_dict({**base, "disruptions": [
        {"target": "Brest", "start": "2025-03-12", "end": "2025-03-25"},
        {"target": "PL_MAL", "start": "2025-01-05", "end": "2025-01-20"},
        {"target": "PL_MAL", "start": "2025-09-12"}]})
    d = by_date.disruptions[0]
    assert (d.start_d, d.end_d) == (70.0, 84.0)  # 12–25 March inclusive
    assert d.window("2025-01-01") == "2025-03-12 → 2025-03-25 (days 70–84)"
    by_days = scenario_from_dict({**base, "disruptions": [
        {"target": "BY_BRS", "start_d": 70, "end_d": 84}]})
    a = run_scenario(by_date.model_copy(update={"disruptions": by_date.disruptions[:1]}))
    b = run_scenario(by_days)
    assert a.summary.equals(b.summary)
    warnings = run_scenario(by_date).info["warnings"]
    assert any("2025-01-05" in w and "warm-up" in w for w in warnings)
    assert any("2025-09-12" in w and "after the horizon" in w for w in warnings)


def test_routes_previews_a_scenarios_own_place(tmp_path: Path) -> None:
    f = tmp_path / "verona.yaml"
    f.write_text("name: verona\nroutes: [northern]\nnetwork:\n"
                 "  nodes: [{id: IT_VRN, name: Verona Quadrante Europa, country: ITA, "
                 "kind: terminal, lon: 10.93, lat: 45.41}]\n"
                 "  links: [{from: IT_MIL, to: IT_VRN, mode: rail, traction: electric}]\n"
                 "demand:\n  - {route: northern, destination: IT_VRN, teu_per_week: 100}\n",
                 encoding="utf-8")
    res = invoke("routes", "--scenario", str(f), "--origin", "xian", "--destination", "Verona",
                 "--route", "northern")
    assert res.exit_code == 0, res.output
    assert "Verona Quadrante Europa" in res.stdout and "(CN_XIY → IT_VRN)" in res.stdout
    assert invoke("routes", "--origin", "xian", "--destination", "Verona").exit_code == 2
