"""``corridorsim compare`` of two scenarios (issue #18, "is the change real?"): paired
replications with common random numbers, 95 % intervals of B − A, the parameters that differ.

Scenarios are short (40 days, two routes); A and B differ in the Northern route's demand.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from corridorsim.analysis.compare import compare_scenarios, parameter_diff
from corridorsim.cli import main
from corridorsim.experiments import ExperimentError
from corridorsim.experiments.paired import PAIRED_COLUMNS, paired_differences, run_paired
from corridorsim.experiments.stats import paired_interval, t_quantile_975
from corridorsim.scenario.load import load_scenario

CLOSED = """\
disruptions:
  - {name: Caspian closed, target: caspian, start_d: 5, end_d: 12, capacity_factor: 0}
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, small_scenario_template: str) -> Path:
    small = small_scenario_template
    d = tmp_path_factory.mktemp("compare")
    (d / "a.yaml").write_text(small.format(name="small_a", nt=300), encoding="utf-8")
    (d / "b.yaml").write_text(small.format(name="small_b", nt=600), encoding="utf-8")
    (d / "closed.yaml").write_text(small.format(name="small_c", nt=300) + CLOSED,
                                   encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def scn(folder: Path) -> dict[str, Any]:
    return {k: load_scenario(folder / f"{k}.yaml")[0] for k in ("a", "b", "closed")}


@pytest.fixture(scope="module")
def paired(scn: dict[str, Any], network: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("paired")
    cmp, paths = compare_scenarios(scn["a"], scn["b"], network, replications=3, quiet=True,
                                   out=out)
    return cmp, paths, out


# ------------------------------------------------------------------------------ statistics
def test_paired_interval_by_hand() -> None:
    d = [1.0, 2.0, 4.0, float("nan")]
    iv = paired_interval(d)
    sd = float(np.std([1.0, 2.0, 4.0], ddof=1))
    half = t_quantile_975(2) * sd / math.sqrt(3)
    assert iv.pairs == 3 and iv.mean == pytest.approx(7 / 3)
    assert (iv.low, iv.high) == pytest.approx((7 / 3 - half, 7 / 3 + half))
    assert iv.distinguishable is False  # 4.30 x 1.53 / 1.73 > 2.33: the interval holds 0
    assert paired_interval([5.0, 5.2, 4.9, 5.1]).distinguishable is True
    zero = paired_interval([0.0, 0.0, 0.0])
    assert (zero.mean, zero.low, zero.high, zero.distinguishable) == (0.0, 0.0, 0.0, False)
    assert paired_interval([3.0]).distinguishable is None
    assert math.isnan(paired_interval([]).mean)


# ------------------------------------------------------------------------------ paired runs
def test_paired_interval_on_a_real_short_run(paired: Any) -> None:
    cmp, _, _ = paired
    t, ra, rb = cmp.table, cmp.runs.rep_a, cmp.runs.rep_b
    assert list(t.columns) == ["route", "origin", "destination", *PAIRED_COLUMNS]
    # common random numbers: replication r of A and of B ran with the same seed
    assert list(ra["seed"]) == list(rb["seed"]) and ra["seed"].nunique() == 3
    assert cmp.runs.seeds[0] == cmp.runs.a.seed
    # the interval is the t-interval of the per-replication differences, recomputed here
    row = t[(t["route"] == "northern") & (t["kpi"] == "teu_delivered")].iloc[0]
    diffs = (rb[rb["route"] == "northern"]["teu_delivered"].to_numpy()
             - ra[ra["route"] == "northern"]["teu_delivered"].to_numpy())
    half = t_quantile_975(2) * float(np.std(diffs, ddof=1)) / math.sqrt(3)
    assert row["diff_mean"] == pytest.approx(diffs.mean(), abs=1e-6)
    assert row["diff_ci95_low"] == pytest.approx(diffs.mean() - half, abs=1e-5)
    assert row["diff_ci95_high"] == pytest.approx(diffs.mean() + half, abs=1e-5)
    assert row["pairs"] == 3
    # doubled demand delivers more: distinguishable from zero
    assert row["diff_mean"] > 0 and row["distinguishable"] == "yes"
    ok = t["pairs"] >= 2
    assert (t.loc[ok, "diff_ci95_low"] <= t.loc[ok, "diff_mean"] + 1e-9).all()
    assert (t.loc[ok, "diff_mean"] <= t.loc[ok, "diff_ci95_high"] + 1e-9).all()
    assert set(t["distinguishable"]) <= {"yes", "no", "n/a"}
    assert list(cmp.parameters["parameter"]) == ["demand[1].teu_per_week"]


def test_compare_outputs(paired: Any) -> None:
    cmp, paths, out = paired
    assert [p.name for p in paths] == ["compare.csv", "compare_parameters.csv",
                                       "compare_replications.csv", "compare.html"]
    csv = pd.read_csv(out / "compare.csv")
    assert len(csv) == len(cmp.table) == 2 * 7
    reps = pd.read_csv(out / "compare_replications.csv")
    assert list(reps.columns[:4]) == ["side", "scenario", "replication", "seed"]
    assert len(reps) == 2 * 3 * 2
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert "distinguishable from 0" in html and "demand[1].teu_per_week" in html
    assert "small_b vs small_a" in html and "95 % interval" in html


def test_same_scenario_differences_are_exactly_zero(scn: dict[str, Any], network: Any) -> None:
    runs = run_paired(scn["a"], scn["a"], network, replications=3, quiet=True)
    t = paired_differences(runs.rep_a, runs.rep_b, ["teu_delivered", "transit_days_p50",
                                                    "on_time_share", "cost_usd_per_teu"])
    ok = t["pairs"] > 0
    assert ok.sum() >= 6
    assert (t.loc[ok, "diff_mean"] == 0).all()
    assert (t.loc[ok, "diff_ci95_low"] == 0).all() and (t.loc[ok, "diff_ci95_high"] == 0).all()
    assert set(t["distinguishable"]) <= {"no", "n/a"}
    assert (t.loc[ok, "distinguishable"] == "no").all()
    assert parameter_diff(scn["a"], scn["a"]).empty


def test_compare_csv_identical_on_dask(paired: Any, scn: dict[str, Any], network: Any,
                                       tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    try:
        compare_scenarios(scn["a"], scn["b"], network, replications=3, quiet=True,
                          scheduler=cluster.scheduler_address, out=tmp_path)
    finally:
        cluster.close()
    _, _, out = paired
    for name in ("compare.csv", "compare_replications.csv", "compare_parameters.csv"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


# ------------------------------------------------------------------------------ parameters
def test_parameter_diff_lists_changed_fields(scn: dict[str, Any]) -> None:
    d = parameter_diff(scn["closed"], scn["a"]).set_index("parameter")
    assert d.loc["disruptions[0].target", "a"] == "caspian"
    assert d.loc["disruptions[0].target", "b"] == "—"
    assert d.loc["disruptions[0].capacity_factor"].tolist() == ["0", "—"]
    assert "seed" not in d.index and "name" not in d.index
    d2 = parameter_diff(scn["a"], scn["b"])
    assert d2.to_dict("records") == [{"parameter": "demand[1].teu_per_week", "a": "300",
                                      "b": "600"}]


# ------------------------------------------------------------------------------ CLI
def test_cli_same_scenario(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "same"
    r = CliRunner().invoke(main, ["compare", str(folder / "a.yaml"), str(folder / "a.yaml"),
                                  "--replications", "2", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "B − A: small_a − small_a · 2 paired replications" in r.stdout
    assert "Parameters that differ (0)" in r.stdout and "none" in r.stdout
    table = [ln for ln in r.stdout.splitlines() if not ln.startswith((str(out), "done in"))]
    assert max(len(ln) for ln in table) <= 100
    t = pd.read_csv(out / "compare.csv")
    assert (t["diff_mean"].dropna() == 0).all()
    assert set(t["distinguishable"]) <= {"no", "n/a"}


@pytest.mark.parametrize(("args", "expected"), [
    (["no_such_scenario", "baseline_2024", "--replications", "3"],
     "no_such_scenario: neither a results folder nor a scenario"),
    (["baseline_2024", "baseline_2024", "--replications", "1"],
     "needs --replications N with N >= 2 (found 1)"),
    (["baseline_2024", "world_bank_2030"], "needs --replications N with N >= 2"),
])
def test_cli_bad_input_exit_2(args: list[str], expected: str) -> None:
    r = CliRunner().invoke(main, ["compare", *args])
    assert r.exit_code == 2, r.output
    assert expected in " ".join(r.output.split())
    assert "Traceback" not in r.output


def test_cli_mixed_and_run_folder_options(folder: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    r = CliRunner().invoke(main, ["compare", str(run), "baseline_2024", "--replications", "2"])
    assert r.exit_code == 2 and "cannot compare a results folder" in r.output
    r = CliRunner().invoke(main, ["compare", str(run), str(run), "--replications", "2"])
    assert r.exit_code == 2 and "are results folders" in " ".join(r.output.split())


def test_run_paired_needs_two_replications(scn: dict[str, Any]) -> None:
    with pytest.raises(ExperimentError, match="at least 2"):
        run_paired(scn["a"], scn["b"], replications=1, quiet=True)
