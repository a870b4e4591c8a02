"""Replications, sweeps, the result store and Dask distribution (issue #7).

One LocalCluster of 2 worker processes serves the whole module; every distributed result is
compared byte for byte with the in-process one. Scenarios are short (40 days, two routes).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from corridorsim.cli import main
from corridorsim.errors import ScenarioError
from corridorsim.experiments import (
    ResultStore,
    load_sweep,
    replication_seed,
    run_replications,
    run_sweep,
    simulate_task,
    write_sweep,
)
from corridorsim.experiments.stats import CI_KPIS, t_quantile_975
from corridorsim.outputs import write_run
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario

SWEEP = """\
name: {name}
base: small.yaml
seed: 11
replications: {reps}
grid:
  services.caspian_feeder.fleet: [3, 8]
  demand[0].teu_per_week: [300, 700]
lhs:
  samples: 2
  seed: 5
  ranges:
    demand[1].teu_per_week: [400, 900]
"""

@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, small_scenario_text: str,
           two_fleets_sweep: str) -> Path:
    d = tmp_path_factory.mktemp("experiments")
    (d / "small.yaml").write_text(small_scenario_text, encoding="utf-8")
    (d / "sweep.yaml").write_text(SWEEP.format(name="grid_lhs", reps=1), encoding="utf-8")
    (d / "sweep_reps.yaml").write_text(two_fleets_sweep.format(name="grid_reps", reps=2), encoding="utf-8")
    (d / "sweep_two.yaml").write_text(two_fleets_sweep.format(name="two", reps=1), encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def small(folder: Path) -> Any:
    return load_scenario(folder / "small.yaml")[0]


@pytest.fixture(scope="module")
def cluster() -> Any:
    distributed = pytest.importorskip("distributed")
    cl = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None)
    yield cl
    cl.close()


@pytest.fixture(scope="module")
def reps_local(small: Any, network: Any) -> Any:
    return run_replications(small, network, replications=3, quiet=True)


@pytest.fixture(scope="module")
def sweep_local(folder: Path, network: Any) -> tuple[Any, Path]:
    spec = load_sweep(folder / "sweep.yaml", network=network)
    res = run_sweep(spec, folder / "local" / "store", quiet=True, network=network)
    write_sweep(res, folder / "local")
    return res, folder / "local"


def _bytes(p: Path) -> bytes:
    return p.read_bytes()


# ------------------------------------------------------------------------------ statistics
def test_t_quantiles_match_tables() -> None:
    for df, t in [(1, 12.706205), (2, 4.302653), (4, 2.776445), (9, 2.262157),
                  (29, 2.045230), (120, 1.979930)]:
        assert t_quantile_975(df) == pytest.approx(t, abs=2e-6)


def test_replication_seeds_are_deterministic_and_distinct() -> None:
    seeds = [replication_seed(42, r) for r in range(50)]
    assert seeds[0] == 42
    assert len(set(seeds)) == 50
    assert all(0 <= s < 2**63 for s in seeds)
    assert seeds == [replication_seed(42, r) for r in range(50)]
    assert int(np.random.SeedSequence(42).spawn(3)[2].generate_state(1, np.uint64)[0]) \
        & (2**63 - 1) == seeds[2]


# ------------------------------------------------------------------------------ replications
def test_replications_summary_has_ci_columns(reps_local: Any) -> None:
    s = reps_local.summary
    assert list(s["route"]) == ["middle_corridor", "northern"]
    assert (s["replications"] == 3).all()
    for kpi in ("transit_days_p50", "transit_days_p90", "on_time_share",
                "co2e_wtw_kg_per_teu", "cost_usd_per_teu"):
        assert kpi in CI_KPIS
        lo, hi = s[f"{kpi}_ci95_low"], s[f"{kpi}_ci95_high"]
        ok = s[kpi].notna() & lo.notna()
        assert ok.any(), kpi
        assert (lo[ok] <= s[kpi][ok] + 1e-9).all() and (s[kpi][ok] <= hi[ok] + 1e-9).all()
    northern = s.set_index("route").loc["northern"]
    assert northern["transit_days_p90_ci95_high"] > northern["transit_days_p90_ci95_low"]


def test_replications_table_and_first_replication(reps_local: Any, small: Any,
                                                  network: Any) -> None:
    per = reps_local.extra_tables["replications.csv"]
    assert list(per["replication"]) == [0, 0, 1, 1, 2, 2]
    assert per["seed"].iloc[0] == small.seed
    assert per["seed"].nunique() == 3
    plain = run_scenario(small, network=network)
    rep0 = per[per["replication"] == 0].drop(columns=["replication", "seed"])
    pd.testing.assert_frame_equal(rep0.reset_index(drop=True), plain.summary,
                                  check_dtype=False)
    pd.testing.assert_frame_equal(reps_local.consignments, plain.consignments)
    # the mean really is the mean of the replication rows
    north = per[per["route"] == "northern"]["transit_days_p50"]
    got = reps_local.summary.set_index("route").loc["northern", "transit_days_p50"]
    assert got == pytest.approx(north.mean(), abs=1e-6)
    assert reps_local.info["replications"] == 3


def test_replications_on_cluster_are_byte_identical(reps_local: Any, small: Any,
                                                    network: Any, cluster: Any,
                                                    tmp_path: Path) -> None:
    dist = run_replications(small, network, replications=3, quiet=True,
                            scheduler=cluster.scheduler_address)
    write_run(reps_local, tmp_path / "local")
    write_run(dist, tmp_path / "dask")
    for name in ("summary.csv", "replications.csv", "consignments.parquet"):
        assert _bytes(tmp_path / "local" / name) == _bytes(tmp_path / "dask" / name), name


# ------------------------------------------------------------------------------ sweeps
def test_sweep_variants_and_tidy_table(sweep_local: tuple[Any, Path]) -> None:
    res, out = sweep_local
    spec = res.spec
    assert len(spec.variants) == 6
    assert [v.design for v in spec.variants] == ["grid"] * 4 + ["lhs"] * 2
    assert spec.parameters == ["services.caspian_feeder.fleet", "demand[0].teu_per_week",
                               "demand[1].teu_per_week"]
    t = pd.read_csv(out / "sweep.csv")
    assert len(t) == 6 * 2
    assert list(t.columns[:8]) == ["variant", "design", *spec.parameters, "route", "origin",
                                   "destination"]
    assert set(zip(t["origin"], t["destination"], strict=True)) == {("CN_XIY", "DE_DUI")}
    assert list(t["services.caspian_feeder.fleet"][:8]) == [3, 3, 3, 3, 8, 8, 8, 8]
    lhs = t[t["design"] == "lhs"]
    assert lhs["demand[1].teu_per_week"].between(400, 900).all()
    assert (lhs["services.caspian_feeder.fleet"] == 6).all()  # base value kept
    assert (t["design"] == "grid").sum() == 8
    assert len(res.computed) == 6 and not res.reused and not res.errors
    sens = pd.read_csv(out / "sweep_sensitivity.csv")
    assert set(sens["parameter"]) == set(spec.parameters)
    assert list(sens.columns[:5]) == ["parameter", "route", "origin", "destination", "kpi"]
    html = (out / "sweep_report.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 3
    assert not re.search(r"(src|href)=\"https?://", html)
    # the collapsed sensitivity tables name routes and KPIs as the charts and the map do
    tables = "".join(re.findall(r"<details>.*?</details>", html, flags=re.S))
    assert tables.count("<td>Northern rail corridor</td>") == 3 * 6
    assert "<td>northern</td>" not in tables and "<td>middle_corridor</td>" not in tables
    assert "<td>transit p50 (days)</td>" in tables and "transit_days_p50" not in tables
    info = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert info["variants_complete"] == 6


def test_sweep_on_cluster_is_byte_identical(sweep_local: tuple[Any, Path], folder: Path,
                                            network: Any, cluster: Any) -> None:
    spec = load_sweep(folder / "sweep.yaml", network=network)
    res = run_sweep(spec, folder / "dask" / "store", quiet=True,
                    scheduler=cluster.scheduler_address)
    assert res.executor.startswith("Dask cluster at tcp://")
    write_sweep(res, folder / "dask", report=False)
    for name in ("sweep.csv", "sweep_sensitivity.csv", "sweep.json"):
        assert _bytes(sweep_local[1] / name) == _bytes(folder / "dask" / name), name


def test_sweep_with_replications_cluster_identical(folder: Path, network: Any,
                                                   cluster: Any) -> None:
    spec = load_sweep(folder / "sweep_reps.yaml", network=network)
    outs = {}
    for kind, sched in (("local", None), ("dask", cluster.scheduler_address)):
        res = run_sweep(spec, folder / f"reps_{kind}" / "store", quiet=True,
                        scheduler=sched, network=network)
        assert len(res.computed) == 2 * 2
        write_sweep(res, folder / f"reps_{kind}", report=False)
        outs[kind] = folder / f"reps_{kind}"
    for name in ("sweep.csv", "sweep_replications.csv"):
        assert _bytes(outs["local"] / name) == _bytes(outs["dask"] / name), name
    t = pd.read_csv(outs["local"] / "sweep.csv")
    assert {"transit_days_p50_ci95_low", "cost_usd_per_teu_ci95_high"} <= set(t.columns)
    assert (t["replications"] == 2).all()
    per = pd.read_csv(outs["local"] / "sweep_replications.csv")
    assert len(per) == 2 * 2 * 2


def test_resume_after_deleting_store_entries(sweep_local: tuple[Any, Path], folder: Path,
                                             network: Any, tmp_path: Path) -> None:
    import shutil

    _, out0 = sweep_local
    store_dir = tmp_path / "store"
    shutil.copytree(out0 / "store", store_dir)
    store = ResultStore(store_dir)
    assert len(store.keys()) == 6
    lost = sorted(store.keys())[:2]
    for k in lost:
        store.delete(k)
    events: list[tuple[str, str]] = []
    spec = load_sweep(folder / "sweep.yaml", network=network)
    res = run_sweep(spec, store_dir, quiet=True, network=network,
                    on_event=lambda kind, info: events.append((kind, info["key"])))
    assert sorted(k for kind, k in events if kind == "computed") == lost
    assert len([1 for kind, _ in events if kind == "reused"]) == 4
    assert res.computed == lost
    write_sweep(res, tmp_path / "out", report=False)
    assert _bytes(tmp_path / "out" / "sweep.csv") == _bytes(out0 / "sweep.csv")


def test_sweep_recomputes_tasks_stored_per_route_family(sweep_local: tuple[Any, Path],
                                                        folder: Path, network: Any,
                                                        tmp_path: Path) -> None:
    """A task stored by an older corridorsim (summary rows per route family, without
    origin/destination) is computed again, so the sweep's rows all name their instance."""
    import shutil

    res0, out0 = sweep_local
    store_dir = tmp_path / "store"
    shutil.copytree(out0 / "store", store_dir)
    store = ResultStore(store_dir)
    old = sorted(store.keys())[0]
    rec = store.get(old)
    assert rec is not None
    rec["rows"] = [{k: v for k, v in row.items() if k not in ("origin", "destination")}
                   for row in rec["rows"]]
    store.put(old, rec)
    spec = load_sweep(folder / "sweep.yaml", network=network)
    res = run_sweep(spec, store_dir, quiet=True, network=network)
    assert res.computed == [old] and len(res.reused) == 5
    pd.testing.assert_frame_equal(res.table, res0.table)


class _Interrupt:
    """A task function that lets ``n`` tasks finish, then stops the sweep like Ctrl-C."""

    def __init__(self, n: int) -> None:
        self.n, self.calls = n, 0

    def __call__(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        if self.calls > self.n:
            raise KeyboardInterrupt
        return simulate_task(payload)


def _partial_store(sweep_local: tuple[Any, Path], dest: Path, drop: list[int]) -> list[str]:
    """Copy the full sweep's store without the tasks of variants ``drop``; their keys."""
    import shutil

    res, out = sweep_local
    shutil.copytree(out / "store", dest)
    keys = [_key_of(res.spec.variants[i]) for i in drop]
    for k in keys:
        ResultStore(dest).delete(k)
    return sorted(keys)


def _key_of(variant: Any) -> str:
    from corridorsim.experiments.store import task_key
    from corridorsim.run import scenario_hash

    return task_key(scenario_hash(variant.scenario), variant.scenario.seed)


def test_interrupted_sweep_resumes_only_missing(sweep_local: tuple[Any, Path], folder: Path,
                                                network: Any, tmp_path: Path) -> None:
    spec = load_sweep(folder / "sweep.yaml", network=network)
    store_dir = tmp_path / "store"
    missing = _partial_store(sweep_local, store_dir, [0, 3, 5])
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C after one more task finished
        run_sweep(spec, store_dir, quiet=True, network=network, task_fn=_Interrupt(1))
    assert len(ResultStore(store_dir).keys()) == 4
    counter = _Interrupt(10**6)
    res = run_sweep(spec, store_dir, quiet=True, network=network, task_fn=counter)
    assert counter.calls == 2
    assert len(res.computed) == 2 and len(res.reused) == 4
    assert set(res.computed) < set(missing)
    write_sweep(res, tmp_path / "out", report=False)
    assert _bytes(tmp_path / "out" / "sweep.csv") == _bytes(sweep_local[1] / "sweep.csv")


def _fail_variant_1(payload: dict[str, Any]) -> dict[str, Any]:
    if payload["label"].startswith("variant 1 "):
        raise RuntimeError("boom in variant 1")
    return simulate_task(payload)


def test_failed_variant_reported_others_kept(sweep_local: tuple[Any, Path], folder: Path,
                                             network: Any, tmp_path: Path) -> None:
    spec = load_sweep(folder / "sweep.yaml", network=network)
    store_dir = tmp_path / "store"
    _partial_store(sweep_local, store_dir, [1, 3])
    res = run_sweep(spec, store_dir, quiet=True, network=network, task_fn=_fail_variant_1)
    assert [(e["variant"], e["replication"]) for e in res.errors] == [(1, 0)]
    assert "boom in variant 1" in res.errors[0]["error"]
    assert len(res.computed) == 1  # variant 3
    assert sorted(res.table["variant"].unique()) == [0, 2, 3, 4, 5]
    write_sweep(res, tmp_path)
    errs = pd.read_csv(tmp_path / "sweep_errors.csv")
    assert list(errs["variant"]) == [1]
    assert "1 failed task(s)" in (tmp_path / "sweep_report.html").read_text(encoding="utf-8")
    # the retry computes the failed variant only, and the error file goes away
    res2 = run_sweep(spec, store_dir, quiet=True, network=network)
    assert len(res2.computed) == 1 and len(res2.reused) == 5 and not res2.errors
    write_sweep(res2, tmp_path, report=False)
    assert not (tmp_path / "sweep_errors.csv").exists()
    assert _bytes(tmp_path / "sweep.csv") == _bytes(sweep_local[1] / "sweep.csv")


def test_failed_task_on_cluster(folder: Path, network: Any, cluster: Any,
                                tmp_path: Path) -> None:
    def flaky(payload: dict[str, Any]) -> dict[str, Any]:  # pickled by value to workers
        if payload["label"].startswith("variant 1 "):
            raise ValueError("worker-side failure")
        from corridorsim.experiments.tasks import simulate_task as real

        return real(payload)

    spec = load_sweep(folder / "sweep_two.yaml", network=network)
    res = run_sweep(spec, tmp_path / "store", quiet=True, task_fn=flaky,
                    scheduler=cluster.scheduler_address)
    assert [e["variant"] for e in res.errors] == [1]
    assert "worker-side failure" in res.errors[0]["error"]
    assert len(res.computed) == 1
    assert list(res.table["variant"].unique()) == [0]


# ------------------------------------------------------------------------------ sweep file errors
@pytest.mark.parametrize(("text", "expected"), [
    ("base: small.yaml\ngird:\n  seed: [1]\n", r"sweep\.yaml:2: gird: unknown key 'gird'; did you mean 'grid'"),
    ("base: small.yaml\ngrid:\n  services.caspian_feeder.flet: [4]\n", r"unknown key 'flet'; did you mean 'fleet'"),
    ("base: small.yaml\ngrid:\n  demand[7].teu_per_week: [4]\n", r"sweep\.yaml:3: grid\.demand\[7\]\.teu_per_week: demand\[7\]: index out of range"),
    ("base: small.yaml\ngrid:\n  horizon_d: []\n", r"expected a non-empty list"),
    ("base: small.yaml\ngrid:\n  services.caspian_feeder.fleet: [0]\n", r"fleet.*greater than or equal to 1"),
    ("base: nowhere\ngrid:\n  seed: [1]\n", r"base: 'nowhere' is neither"),
    ("base: small.yaml\n", r"give grid"),
    ("base: small.yaml\nlhs:\n  samples: 3\n  ranges:\n    seed: [5, 1]\n", r"sweep\.yaml:5: lhs\.ranges\.seed: high \(1\) must be >= low \(5\)"),
    ("base: small.yaml\ngrid:\n  demand[0].origin: [CN_XIY, CN_XYZ]\n", r"variant 1 .*unknown origin 'CN_XYZ'"),
    ("base: small.yaml\nreplications: 2.5\ngrid:\n  seed: [1]\n", r"sweep\.yaml:2: replications: expected an integer 1\.\.10000, found 2\.5"),
    ("base: small.yaml\nlhs:\n  sample: 3\n  ranges:\n    seed: [1, 5]\n", r"^\S*sweep\.yaml:3: lhs\.sample: unknown key 'sample'; did you mean 'samples'\?\n.*lhs\.samples: required"),
    ("base: small.yaml\ngrid:\n  'a..b': [1]\n", r"sweep\.yaml:3: grid\.a\.\.b: expected a dotted path"),
    ("base: small.yaml\ngrid:\n  seed: [1, 2]\nlhs:\n  samples: 3\n  ranges:\n    seed: [1, 5]\n", r"sweep\.yaml:7: lhs\.ranges\.seed: is also a grid parameter"),
    ("base: small.yaml\nlhs:\n  samples: 3\n  ranges:\n    seed: [1, .nan]\n", r"sweep\.yaml:5: lhs\.ranges\.seed: expected \[low, high\] numbers, found \[1, nan\]"),
])
def test_sweep_file_errors(folder: Path, network: Any, text: str, expected: str,
                           tmp_path: Path, small_scenario_text: str) -> None:
    (tmp_path / "small.yaml").write_text(small_scenario_text, encoding="utf-8")
    p = tmp_path / "sweep.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=expected):
        load_sweep(p, network=network)


# ------------------------------------------------------------------------------ CLI
def test_cli_sweep_and_resume(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "sw"
    args = ["sweep", str(folder / "sweep_two.yaml"), "--out", str(out)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert str(out / "sweep.csv") in r.stdout
    assert "2 task(s) computed, 0 reused" in r.stdout
    r2 = CliRunner().invoke(main, [*args, "--no-report", "-q"])
    assert r2.exit_code == 0, r2.output
    assert r2.stdout.strip().splitlines() == sorted(
        str(out / n) for n in ("sweep.csv", "sweep.json", "sweep_sensitivity.csv"))
    r3 = CliRunner().invoke(main, [*args, "--no-report"])
    assert "0 task(s) computed, 2 reused" in r3.stdout


def test_cli_sweep_bad_file_exit_2(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("base: baseline_2024\nrepetitions: 3\ngrid:\n  seed: [1, 2]\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["sweep", str(p), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert "did you mean 'replications'" in r.output


def test_cli_run_replications_on_scheduler(folder: Path, cluster: Any, tmp_path: Path) -> None:
    outs = {}
    for kind, extra in (("local", []), ("dask", ["--scheduler", cluster.scheduler_address])):
        out = tmp_path / kind
        r = CliRunner().invoke(main, ["run", str(folder / "small.yaml"), "--out", str(out),
                                      "--replications", "2", "--no-viz", "-q", *extra])
        assert r.exit_code == 0, r.output
        outs[kind] = out
    for name in ("summary.csv", "replications.csv"):
        assert _bytes(outs["local"] / name) == _bytes(outs["dask"] / name)
    s = pd.read_csv(outs["local"] / "summary.csv")
    assert "on_time_share_ci95_low" in s.columns
    info = json.loads((outs["dask"] / "run.json").read_text(encoding="utf-8"))
    assert info["replications"] == 2 and len(info["replication_seeds"]) == 2
    assert not math.isnan(s["transit_days_p50"].iloc[1])


def test_unreachable_scheduler_is_a_clear_error() -> None:
    from corridorsim.experiments import Executor, ExperimentError

    with (pytest.raises(ExperimentError, match="cannot reach the Dask scheduler at tcp://"),
          Executor(scheduler="tcp://127.0.0.1:9", connect_timeout_s=1)):
        pass
    assert ExperimentError("x").exit_code == 2
    with pytest.raises(ExperimentError, match="not both"):
        Executor(workers=2, scheduler="tcp://127.0.0.1:9")
