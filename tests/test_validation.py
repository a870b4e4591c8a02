"""Model validation (issue #11): observations, measurement, calibration, check-model."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from corridorsim.cli import main
from corridorsim.scenario.defaults import NODE_DEFAULTS, SERVICE_DEFAULTS
from corridorsim.scenario.load import load_scenario
from corridorsim.validation import ObservationError, load_observations, run_check
from corridorsim.validation.calibrate import (
    calibrations,
    lognormal_from_mean_ratio,
    lognormal_from_mean_sd,
    lognormal_from_median_mean,
    lognormal_mean_sd,
    speed_for_crossing,
    turnaround_for_throughput,
)
from corridorsim.validation.observations import observations_path


@pytest.fixture(scope="module")
def check(network):
    scn, _ = load_scenario("baseline_2024")
    return run_check(scn, network=network)


# --------------------------------------------------------------------------- the must-show
def test_every_component_observation_passes(check):
    t = check.table
    comp = t[t["kind"] == "component"]
    assert len(comp) >= 10
    failed = comp[~comp["pass"]]
    assert failed.empty, failed[["id", "quantity", "simulated", "accept_low", "accept_high"]].to_string()


def test_table_has_every_observation_with_source_and_band(check):
    obs = load_observations()
    t = check.table
    assert list(t["id"]) == list(obs["id"])
    assert t["simulated"].map(math.isfinite).all()
    assert (t["accept_low"] <= t["low"]).all() and (t["accept_high"] >= t["high"]).all()
    assert t["source"].str.match(r"^S\d+").all() and (t["year"] >= 2000).all()
    assert set(t["kind"]) == {"component", "schedule"}


# --------------------------------------------------------------------------- observations file
def test_observations_file_is_versioned_and_sourced():
    obs = load_observations()
    assert obs.attrs["version"] >= 1 and (obs["version"] == obs.attrs["version"]).all()
    assert (obs["source"] != "").all() and obs["year"].between(2000, 2030).all()
    assert obs["id"].is_unique


def _rewrite(tmp_path: Path, fn) -> Path:  # type: ignore[no-untyped-def]
    lines = observations_path().read_text(encoding="utf-8").splitlines()
    head = [ln for ln in lines if ln.startswith("#")]
    df = pd.read_csv(observations_path(), comment="#", dtype=str, keep_default_na=False)
    df = fn(df)
    p = tmp_path / "obs.csv"
    p.write_text("\n".join(head) + "\n" + df.to_csv(index=False), encoding="utf-8")
    return p


@pytest.mark.parametrize("field", ["source", "year"])
def test_loader_rejects_row_without_source_or_year(tmp_path, field):
    def blank(df):  # type: ignore[no-untyped-def]
        df.loc[2, field] = ""
        return df
    with pytest.raises(ObservationError, match=field):
        load_observations(_rewrite(tmp_path, blank))


def test_loader_rejects_unknown_measure_and_bad_band(tmp_path):
    def bad_measure(df):  # type: ignore[no-untyped-def]
        df.loc[0, "measure"] = "vibes"
        return df
    with pytest.raises(ObservationError, match="unknown measure"):
        load_observations(_rewrite(tmp_path, bad_measure))

    def bad_band(df):  # type: ignore[no-untyped-def]
        df.loc[0, "observed"] = "999"
        return df
    with pytest.raises(ObservationError, match="outside its band"):
        load_observations(_rewrite(tmp_path, bad_band))


def test_loader_requires_version_header(tmp_path):
    p = tmp_path / "obs.csv"
    text = observations_path().read_text(encoding="utf-8")
    p.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("#")) + "\n")
    with pytest.raises(ObservationError, match="version"):
        load_observations(p)


# --------------------------------------------------------------------------- calibration helpers
def test_lognormal_recovered_from_its_mean_and_sd():
    rng = np.random.default_rng(11)
    mu, sigma = math.log(24.0), 0.8
    x = rng.lognormal(mu, sigma, 400_000)
    median, p90 = lognormal_from_mean_sd(float(x.mean()), float(x.std()))
    assert median == pytest.approx(24.0, rel=0.02)
    assert p90 == pytest.approx(24.0 * math.exp(sigma * 1.2815515655446004), rel=0.02)
    # exact round trip through the analytic moments
    m, s = lognormal_mean_sd(24.0, 72.0)
    assert lognormal_from_mean_sd(m, s) == pytest.approx((24.0, 72.0))


def test_other_fits_round_trip():
    med, p90 = lognormal_from_mean_ratio(40.0, 3.0)
    assert p90 / med == pytest.approx(3.0) and lognormal_mean_sd(med, p90)[0] == pytest.approx(40.0)
    med, p90 = lognormal_from_median_mean(1.0, 1.3)
    assert lognormal_mean_sd(med, p90)[0] == pytest.approx(1.3)
    assert speed_for_crossing(500.0, 21.0, 1.0) == pytest.approx(25.0)
    # 2 ships x 100 TEU, 10 h sailing, 10 h turnaround: 40 h cycle, 219 round trips/yr
    assert turnaround_for_throughput(2, 100, 2 * 100 * 8760 / 40, 10.0) == pytest.approx(10.0)
    with pytest.raises(ValueError):
        lognormal_from_mean_sd(-1, 2)


def test_calibration_file_matches_fits_and_defaults():
    cal = calibrations()
    assert cal["calibrated"].astype(bool).all()
    assert cal["source"].astype(str).str.match(r"^S\d+").all()
    for row in cal.itertuples():
        assert row.fit == pytest.approx(row.value, rel=0.05), row.parameter
    value = dict(zip(cal["parameter"], cal["value"], strict=True))
    feeder = SERVICE_DEFAULTS["caspian_feeder"].params
    assert feeder.speed_kmh == value["SERVICE_DEFAULTS.caspian_feeder.speed_kmh"]
    assert feeder.turnaround_h == value["SERVICE_DEFAULTS.caspian_feeder.turnaround_h"]
    alt = NODE_DEFAULTS["KZ_ALT"].params
    assert alt.servers == value["NODE_DEFAULTS.KZ_ALT.servers"]
    assert alt.service.lognormal.p90_h == value["NODE_DEFAULTS.KZ_ALT.service.p90_h"]
    assert alt.service.mean_h == pytest.approx(value["NODE_DEFAULTS.KZ_ALT.service.mean_h"], rel=0.01)


def test_calibrated_crossing_uses_the_network_distance(network):
    cal = calibrations().set_index("parameter")
    inputs = cal.loc["SERVICE_DEFAULTS.caspian_feeder.speed_kmh", "inputs"]
    km = float(dict(p.split("=") for p in inputs.split(";"))["km"])
    assert network.links.loc["KZ_AKU-AZ_ALT", "length_km"] == pytest.approx(km, rel=0.01)


# --------------------------------------------------------------------------- CLI and report
def test_cli_check_model_writes_validation_csv(tmp_path):
    out = tmp_path / "v"
    res = CliRunner().invoke(main, ["check-model", "baseline_2024", "--out", str(out),
                                    "--only", "C09,C10,S01", "--no-report"])
    assert res.exit_code == 0, res.output
    assert "share passing" in res.stdout
    t = pd.read_csv(out / "validation.csv")
    assert list(t["id"]) == ["C09", "C10", "S01"]
    assert {"observed", "accept_low", "accept_high", "simulated", "pass", "source", "year"} <= set(t.columns)
    html = (out / "validation.html").read_text(encoding="utf-8")
    assert "Validation" in html and "Calibrated parameters" in html


def test_cli_check_model_rejects_unknown_id(tmp_path):
    res = CliRunner().invoke(main, ["check-model", "--out", str(tmp_path / "v"), "--only", "X99"])
    assert res.exit_code == 2 and "X99" in res.output


def test_report_renders_validation_section(check):
    import inspect
    from types import SimpleNamespace

    from corridorsim.viz import report
    from corridorsim.viz.validation_section import validation_section

    assert validation_section(SimpleNamespace(extra_tables={})) == ""
    html = validation_section(SimpleNamespace(extra_tables={"validation.csv": check.table}))
    assert 'id="validation"' in html and "observations pass" in html and "C01" in html
    assert "validation_section(res)" in inspect.getsource(report.report_html)
