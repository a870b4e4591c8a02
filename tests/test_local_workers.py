"""``--workers N``: N local processes in all, this one included (issue #20).

The worker processes are real (spawned); every result is compared byte for byte with the
in-process one, a failing task is reported without stopping the others, and an exception
in this process stops the workers at once.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from corridorsim.cli import main
from corridorsim.experiments import Executor, load_sweep, run_replications, run_sweep
from corridorsim.experiments.executor import TaskProgress
from corridorsim.experiments.tasks import simulate_task
from corridorsim.outputs import write_run
from corridorsim.scenario.load import load_scenario


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, small_scenario_text: str,
           two_fleets_sweep: str) -> Path:
    d = tmp_path_factory.mktemp("workers")
    (d / "small.yaml").write_text(small_scenario_text, encoding="utf-8")
    (d / "two.yaml").write_text(two_fleets_sweep.format(name="two", reps=1), encoding="utf-8")
    return d


def _workers(ex: Executor) -> list[multiprocessing.process.BaseProcess]:
    """The executor's worker processes (other tests' processes, Dask's, are not ours)."""
    assert ex.pool is not None
    return list(ex.pool._processes.values())  # type: ignore[attr-defined]


def _all_stopped(procs: list[multiprocessing.process.BaseProcess],
                 grace_s: float = 10.0) -> bool:
    """Every one of ``procs`` has exited, given ``grace_s`` to be reaped on a busy machine."""
    for proc in procs:
        proc.join(grace_s)
    return not any(proc.is_alive() for proc in procs)


# module level, so that spawned workers can import them
def where(payload: dict[str, Any]) -> dict[str, Any]:
    """A task that tells which process ran it."""
    return {"ok": True, "key": payload["key"], "label": payload["label"],
            "rows": [{"pid": os.getpid(), "i": payload["i"]}]}


def slow(payload: dict[str, Any]) -> dict[str, Any]:
    time.sleep(60)
    return where(payload)


def fails_on_variant_1(payload: dict[str, Any]) -> dict[str, Any]:
    if payload["label"].startswith("variant 1 "):
        raise ValueError("worker-side failure")
    return simulate_task(payload)


def test_this_process_and_the_workers_share_the_tasks() -> None:
    payloads = [{"key": str(i), "label": f"task {i}", "i": i} for i in range(6)]
    with Executor(workers=2) as ex:
        assert ex.description == "2 local processes"
        with TaskProgress(6, "t", enabled=False) as bar:
            rows, errors = ex.submit(where, payloads).summary_rows(bar)
        procs = _workers(ex)
    assert not errors
    assert sorted(rows) == list(range(6))  # each task once, by its index
    assert [r[0]["i"] for _, r in sorted(rows.items())] == list(range(6))
    pids = {r[0]["pid"] for r in rows.values()}
    assert os.getpid() in pids and len(pids) == 2  # the worker took task 0, this one others
    assert procs and _all_stopped(procs)  # the worker stopped with the executor


def test_replications_on_local_workers_are_byte_identical(folder: Path, network: Any,
                                                          tmp_path: Path) -> None:
    small = load_scenario(folder / "small.yaml")[0]
    here = run_replications(small, network, replications=3, quiet=True)
    spread = run_replications(small, network, replications=3, workers=2, quiet=True)
    assert spread.info["executor"] == "2 local processes"
    # run.json says how fast and in how much memory (each process held one replication)
    assert spread.info["replications_per_min"] > 0
    assert set(spread.info["peak_rss_mb"]) == {"this_process", "largest_worker"}
    assert all(v > 50 for v in spread.info["peak_rss_mb"].values())
    assert "largest_worker" not in here.info["peak_rss_mb"]
    write_run(here, tmp_path / "here")
    write_run(spread, tmp_path / "spread")
    for name in ("summary.csv", "replications.csv", "consignments.parquet", "legs.parquet"):
        assert (tmp_path / "here" / name).read_bytes() == \
            (tmp_path / "spread" / name).read_bytes(), name


def test_failed_task_on_local_workers(folder: Path, network: Any, tmp_path: Path) -> None:
    spec = load_sweep(folder / "two.yaml", network=network)
    res = run_sweep(spec, tmp_path / "store", quiet=True, task_fn=fails_on_variant_1,
                    workers=2)
    assert [e["variant"] for e in res.errors] == [1]
    assert "worker-side failure" in res.errors[0]["error"]
    assert list(res.table["variant"].unique()) == [0]


def test_an_exception_here_stops_the_workers() -> None:
    payloads = [{"key": str(i), "label": f"task {i}", "i": i} for i in range(3)]

    def boom() -> None:
        raise KeyboardInterrupt

    procs: list[multiprocessing.process.BaseProcess] = []
    with pytest.raises(KeyboardInterrupt), Executor(workers=2) as ex:
        batch = ex.submit(slow, payloads[:1])  # the worker sleeps a minute on it
        procs += _workers(ex)
        with TaskProgress(1, "t", enabled=False) as bar:
            batch.summary_rows(bar, then=boom)
    assert procs and _all_stopped(procs)  # terminated: its task would sleep another minute


def test_cli_compare_with_workers_matches_in_process(folder: Path, tmp_path: Path) -> None:
    outs = {}
    for kind, extra in (("here", []), ("spread", ["--workers", "2"])):
        out = tmp_path / kind
        r = CliRunner().invoke(main, ["compare", str(folder / "small.yaml"),
                                      str(folder / "small.yaml"), "--replications", "2",
                                      "--horizon-days", "20", "--out", str(out), "-q", *extra])
        assert r.exit_code == 0, r.output
        outs[kind] = out
    assert (outs["here"] / "compare.csv").read_bytes() == \
        (outs["spread"] / "compare.csv").read_bytes()


def test_cli_run_with_workers_states_throughput_and_memory(folder: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["run", str(folder / "small.yaml"), "--replications", "3",
                                  "--workers", "2", "--horizon-days", "20", "--no-viz",
                                  "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    line = next(x for x in r.stdout.splitlines() if x.startswith("3 replications in "))
    assert "per minute on 2 local processes; peak memory this process " in line
    assert "largest worker" in line


def test_killed_workers_leave_the_tasks_to_this_process() -> None:
    payloads = [{"key": str(i), "label": f"task {i}", "i": i} for i in range(4)]
    with Executor(workers=2) as ex:
        batch = ex.submit(slow, payloads[:1])  # the worker is busy on task 0 ...
        assert ex.pool is not None
        for proc in list(ex.pool._processes.values()):  # ... and is killed
            proc.kill()
            proc.join()
        with TaskProgress(4, "t", enabled=False) as bar:
            dead, dead_errors = batch.summary_rows(bar)
            more = ex.submit(where, payloads[1:])  # the pool is known broken by now
            rows, errors = more.summary_rows(bar)
    assert not dead and len(dead_errors) == 1  # the killed task is reported, not lost
    assert not errors and sorted(rows) == [0, 1, 2]  # the rest ran here
    assert {r[0]["pid"] for r in rows.values()} == {os.getpid()}
