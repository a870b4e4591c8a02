"""Bad scenario files: exit code 2, a one-screen message naming file, field and line,
no traceback and no results folder. Table-driven through the CLI ``run`` command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from corridorsim.cli import main

DEMAND = "demand:\n  - route: northern\n    teu_per_week: 10\n"

# id, file content (str or bytes), fragments the message must contain, line (None: n/a)
CASES: list[tuple[str, str | bytes, tuple[str, ...], int | None]] = [
    ("misspelt_key", "name: x\nhorizon_days: 40\n" + DEMAND,
     ("horizon_days", "unknown key", "did you mean 'horizon_d'"), 2),
    ("wrong_type", "name: x\nhorizon_d: abc\n" + DEMAND,
     ("horizon_d", "valid number", "'abc'"), 2),
    ("missing_demand", "name: x\nhorizon_d: 40\n",
     ("demand", "required field is missing"), None),
    ("negative_teu", "name: x\ndemand:\n  - route: northern\n    teu_per_week: -5\n",
     ("demand[0].teu_per_week", "greater than or equal to 0", "-5"), 4),
    ("nan", "name: x\nhorizon_d: .nan\n" + DEMAND,
     ("horizon_d", "NaN and infinite numbers are not allowed", ".nan"), 2),
    ("infinity", "name: x\nhorizon_d: .inf\n" + DEMAND,
     ("horizon_d", "NaN and infinite numbers are not allowed", ".inf"), 2),
    ("absurd_magnitude", "name: x\nhorizon_d: 1e9\n" + DEMAND,
     ("horizon_d", "less than or equal to 3650"), 2),
    ("duplicate_key", "name: x\nhorizon_d: 40\nhorizon_d: 50\n" + DEMAND,
     ("horizon_d", "duplicate key", "first given at line 2"), 3),
    ("empty_file", "", ("empty file", "name and demand"), None),
    ("list_not_mapping", "- name: x\n- demand: []\n", ("holds a list", "expected a mapping"), 1),
    ("not_utf8", b"name: caf\xe9\n" + DEMAND.encode(), ("not UTF-8", "byte 9"), None),
    ("broken_yaml", "name: x\ndemand: [\n  - route: northern\n", ("not valid YAML",), 3),
    ("unknown_route_family", "name: x\ndemand:\n  - route: nothern\n    teu_per_week: 10\n",
     ("demand[0].route", "unknown route family 'nothern'", "did you mean 'northern'",
      "allowed:"), 3),
    ("unknown_origin_node",
     "name: x\ndemand:\n  - route: northern\n    origin: CN_XIX\n    teu_per_week: 10\n",
     ("demand[0].origin", "unknown origin 'CN_XIX'", "did you mean Xi'an"), 4),
    ("disruption_date_before_start", "name: x\n" + DEMAND
     + "disruptions:\n  - {target: suez, start: 2023-03-12}\n",
     ("disruptions[0].start", "2023-03-12 is before the scenario's start_date 2024-01-01"), None),
    ("disruption_date_and_days", "name: x\n" + DEMAND
     + "disruptions:\n  - {target: suez, start: 2024-03-12, start_d: 4}\n",
     ("disruptions[0]", "give start (a date) or start_d (days), not both"), None),
    ("unknown_disruption_target", "name: x\n" + DEMAND + "disruptions:\n  - target: suezz\n",
     ("disruptions[0].target", "unknown disruption target", "did you mean 'suez'"), 6),
    ("warmup_not_shorter", "name: x\nhorizon_d: 20\nwarmup_d: 20\n" + DEMAND,
     ("warmup_d", "must be shorter than horizon_d"), 3),
    ("lognormal_p90_below_median",
     "name: x\n" + DEMAND + "facilities:\n  port:\n    dwell: {lognormal: {median_h: 30, p90_h: 10}}\n",
     ("facilities.port.dwell.lognormal.p90_h", "must be >= median_h"), 7),
    ("extends_missing_file", "extends: not_here.yaml\nname: x\n" + DEMAND,
     ("extends", "'not_here.yaml' not found", "baseline_2024"), 1),
    ("unknown_service_kind", "name: x\n" + DEMAND + "services:\n  barge:\n    capacity_teu: 10\n",
     ("services.barge", "unknown service kind 'barge'", "caspian_feeder"), 6),
    ("two_distributions", "name: x\n" + DEMAND
     + "facilities:\n  border:\n    dwell: {fixed_h: 2, exponential: {mean_h: 3}}\n",
     ("facilities.border.dwell", "exactly one of"), 7),
    ("bad_start_date", 'name: x\nstart_date: "2024-13-01"\n' + DEMAND,
     ("start_date", "YYYY-MM-DD"), 2),
    ("end_before_start", "name: x\n" + DEMAND
     + "disruptions:\n  - target: suez\n    start_d: 20\n    end_d: 10\n",
     ("disruptions[0].end_d", "must be after start_d"), 8),
    ("seasonality_length", "name: x\ndemand:\n  - route: northern\n    teu_per_week: 10\n"
     "    seasonality_monthly: [1, 1, 1]\n",
     ("demand[0].seasonality_monthly", "12 monthly factors"), 5),
]


@pytest.mark.parametrize(("content", "fragments", "line"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_scenario_is_refused_clearly(tmp_path: Path, content: str | bytes,
                                         fragments: tuple[str, ...], line: int | None) -> None:
    f = tmp_path / "bad_scenario.yaml"
    if isinstance(content, bytes):
        f.write_bytes(content)
    else:
        f.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(f), "--out", str(out), "--no-viz",
                                    "--horizon-days", "30"])
    msg = " ".join(res.output.split())  # immune to any line wrapping
    assert res.exit_code == 2, res.output
    assert "error:" in msg
    assert "Traceback" not in res.output
    assert str(f) in msg, "the message must name the file"
    for frag in fragments:
        assert frag in msg, f"{frag!r} missing from: {msg}"
    if line is not None:
        assert f"{f}:{line}:" in msg, f"line {line} missing from: {msg}"
    assert not out.exists(), "no results folder may be written"
    assert not list(tmp_path.glob(".out.lock"))
    assert len(res.output.splitlines()) <= 12, "the message must fit on one screen"


def test_enough_distinct_cases() -> None:
    assert len({c[0] for c in CASES}) >= 15
    assert len({c[1] for c in CASES}) == len(CASES)


def test_error_in_a_list_replacing_the_base_files_points_at_this_file(tmp_path: Path) -> None:
    """An overlay's ``demand`` replaces the base's whole: a field missing from it is this
    file's error, at its own line — not at the base scenario's entry it replaced."""
    p = tmp_path / "mine.yaml"
    p.write_text("extends: baseline_2024\nname: mine\ndemand:\n  - route: northern\n"
                 "    origin: Xi'an\n    destination: Duisburg\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["run", str(p), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert f"{p}:4:5: demand[0].teu_per_week: required field is missing" in r.output
    assert "baseline_2024.yaml" not in r.output
