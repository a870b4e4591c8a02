"""The planner's waits (issue #20), measured by ``make bench`` through the CLI.

Each command runs in a subprocess (``python -m corridorsim.cli run ... -q --force`` into a
temporary folder) and is measured from outside:

* ``wall_s`` - the subprocess's wall time (interpreter start-up and imports included, as a
  planner waits for them);
* ``peak_rss_mb`` - the peak resident memory of the largest single process
  (``/usr/bin/time -f %M``, or ``resource.getrusage(RUSAGE_CHILDREN)`` of a wrapper when it
  is missing);
* ``peak_tree_rss_mb`` - the peak of the summed resident memory of the process and every
  descendant (the local worker processes of ``--workers``), sampled every 0.1 s with psutil
  (a lower bound: short peaks between samples are missed).

Figures:

* ``viz_overhead`` / ``viz_memory_ratio`` - ``run baseline_2024`` (map + report) over the
  same run with ``--no-viz``: wall and peak-memory ratios (the largest process);
  ``viz_memory_ratio_tree`` the same with every process summed (the chart renderer);
* ``cli_overhead`` - ``run benchmark_10m`` end to end (every output) over the ``wall_s`` its
  own run.json records (skip with ``BENCH_CLI10M=0``);
* replications - ``run baseline_2024 --replications N --workers 2 --no-viz`` (N from
  ``BENCH_REPLICATIONS``, default 100 as in issue #20) against one in-process replication
  (``--replications 1 --workers 0 --no-viz``): ``replications_per_min``,
  ``parallel_efficiency`` = (N x one replication's simulation wall, the ``wall_s`` its
  run.json records: no start-up, no writing) / (2 processes x the N run's whole CLI wall,
  start-up, worker start-up and writing included), and peak memory of the run and per
  process (tree peak / min(N, workers): ``--workers 2`` is two processes in all).

Usage: ``python benchmarks/cli_bench.py`` prints one JSON object (also called by run_bench).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def measure(args: list[str]) -> dict[str, float]:
    """Run ``python -m corridorsim.cli run <args> --out <tmp> --force -q``; wall and memory."""
    import psutil

    with tempfile.TemporaryDirectory(prefix="corridorsim-clibench-") as tmp:
        out = Path(tmp) / "run"
        cmd = [sys.executable, "-m", "corridorsim.cli", "run", *args,
               "--out", str(out), "--force", "-q"]
        timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists()
                                          else None)
        if timer:
            cmd = [timer, "-f", "MAXRSS_KB %M", *cmd]
        peak_tree = 0
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_tree
            try:
                root = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not done.is_set():
                total = 0
                try:
                    for p in [root, *root.children(recursive=True)]:
                        with contextlib.suppress(psutil.Error):
                            total += p.memory_info().rss
                except psutil.Error:
                    break
                peak_tree = max(peak_tree, total)
                done.wait(0.1)

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        _stdout, stderr = proc.communicate()
        wall = time.perf_counter() - t0
        done.set()
        th.join()
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{stderr[-2000:]}")
        if timer:
            line = [x for x in stderr.splitlines() if x.startswith("MAXRSS_KB")][-1]
            peak = float(line.split()[1]) / 1024.0
        else:
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
        res: dict[str, float] = {"wall_s": round(wall, 2), "peak_rss_mb": round(peak, 1),
                                 "peak_tree_rss_mb": round(peak_tree / 2**20, 1)}
        run_json = out / "run.json"
        if run_json.exists():
            info = json.loads(run_json.read_text())
            if "wall_s" in info:
                res["run_json_wall_s"] = float(info["wall_s"])
            if "consignments" in info:
                res["consignments"] = int(info["consignments"])
        return res


def main() -> dict[str, object]:
    out: dict[str, object] = {}
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    say("cli: baseline_2024 with map and report ...")
    viz = measure(["baseline_2024"])
    say("cli: baseline_2024 --no-viz ...")
    noviz = measure(["baseline_2024", "--no-viz"])
    out["baseline_viz"], out["baseline_no_viz"] = viz, noviz
    out["viz_overhead"] = round(viz["wall_s"] / noviz["wall_s"], 3)
    out["viz_memory_ratio"] = round(viz["peak_rss_mb"] / noviz["peak_rss_mb"], 3)
    # the same with every process summed (the report's chart renderer included)
    out["viz_memory_ratio_tree"] = round(viz["peak_tree_rss_mb"] / noviz["peak_tree_rss_mb"], 3)
    if os.environ.get("BENCH_CLI10M", "1") != "0":
        say("cli: benchmark_10m, every output ...")
        big = measure([str(ROOT / "scenarios" / "benchmark_10m.yaml")])
        out["cli_10m"] = big
        if "run_json_wall_s" in big:
            out["cli_overhead"] = round(big["wall_s"] / big["run_json_wall_s"], 3)
    n = int(os.environ.get("BENCH_REPLICATIONS", "100"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    if n > 0:
        say("cli: baseline_2024, one in-process replication ...")
        one = measure(["baseline_2024", "--replications", "1", "--workers", "0", "--no-viz"])
        say(f"cli: baseline_2024 --replications {n} --workers {workers} ...")
        many = measure(["baseline_2024", "--replications", str(n), "--workers", str(workers),
                        "--no-viz"])
        out["replication_one"], out["replications"] = one, many
        out["replications_n"], out["replications_workers"] = n, workers
        out["replications_per_min"] = round(n / many["wall_s"] * 60.0, 2)
        t1 = one.get("run_json_wall_s", one["wall_s"])
        out["parallel_efficiency"] = round(n * t1 / (workers * many["wall_s"]), 3)
        out["replications_peak_tree_rss_mb"] = many["peak_tree_rss_mb"]
        out["peak_mb_per_replication"] = round(
            many["peak_tree_rss_mb"] / max(1, min(n, workers)), 1)
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
