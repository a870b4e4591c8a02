"""Benchmark suite for issue #8 (``make bench``; not part of ``make test``).

Runs ``scenarios/benchmark_1m.yaml`` and ``scenarios/benchmark_10m.yaml``, each in a fresh
child process so that peak RSS (``resource.getrusage``) belongs to that scale alone. Each
child measures, in the same process:

* ``simpy_events_per_s`` - a raw SimPy loop of 1 million timeouts (one process yielding
  ``env.timeout(1)``), so figures can be compared across machines; the median of five
  measurements, three before the run and two after (one swings by ±30 % on a shared
  2-core machine);
* ``wall_s`` - ``run_scenario``: demand generation, simulation, KPIs, emissions/cost
  accounting, saturation and the end-of-run invariant checks, i.e. every number of
  summary.csv and run.json (what a caller of the API gets; the consignment and leg tables
  are built lazily, so they are not in it); loading the network and the scenario file is
  excluded;
* ``write_s`` - ``outputs.write_run`` into a temporary folder: building and writing
  consignments/legs/vehicles.parquet chunk by chunk, summary.csv, facilities.csv, run.json
  with checksums; ``end_to_end_s`` = ``wall_s + write_s`` and ``ratio_end_to_end`` the ratio
  on that time (no map or report);
* ``peak_rss_mb`` - the child's peak resident memory over all of the above.

Prints a human table, then one JSON object as the LAST line: the top-level figures are the
10 M TEU benchmark; ``scales`` holds both; ``linearity`` is the ratio of seconds per
consignment at full scale to that at 1/10 scale (1.0 = perfectly linear).

Issue #20 adds, in the 10 M TEU child after the run, ``naive_consignments_per_s``: the
naive per-consignment SimPy model of ``naive_model.py`` (a comparator, not a product) on
the first ``BENCH_NAIVE_N`` (default 30,000) bookings of the same demand, and
``speedup_vs_naive`` = ``consignments_per_s`` / that (the whole run: demand, simulation and
every analysis) and ``speedup_vs_naive_simulation`` = consignments per second of the
``simulate`` step alone / that (the naive model's own scope: it draws its demand before its
clock starts and analyses nothing); the raw-SimPy ``ratio`` stays for reference. Then, in the parent, the planner's runs through the CLI (``cli_bench.py``):
``viz_overhead``, ``viz_memory_ratio``, ``cli_overhead`` (``BENCH_CLI10M=0`` skips the
10 M TEU CLI run), replication throughput and parallel efficiency (``BENCH_REPLICATIONS``,
default 100; 0 skips; ``BENCH_WORKERS``, default 2); ``--no-cli`` skips them all.

Usage: ``python benchmarks/run_bench.py [--only benchmark_1m] [--no-write] [--no-cli]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parent / "scenarios"
SCALES = ("benchmark_1m", "benchmark_10m")


def simpy_rates(n: int = 1_000_000, repeats: int = 3) -> list[float]:
    """Raw SimPy rates: one process yielding ``n`` timeouts, ``repeats`` times."""
    import simpy

    def once() -> float:
        env = simpy.Environment()

        def proc(env: simpy.Environment):  # type: ignore[no-untyped-def]
            for _ in range(n):
                yield env.timeout(1)

        env.process(proc(env))
        t0 = time.perf_counter()
        env.run()
        return n / (time.perf_counter() - t0)

    return [once() for _ in range(repeats)]


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return kb / 1024.0


def one(name: str, write: bool) -> dict[str, object]:
    """Run one benchmark scenario in this process; return its figures."""
    from corridorsim.network import load_network
    from corridorsim.run import run_scenario
    from corridorsim.scenario.load import load_scenario

    rates = simpy_rates(repeats=3)  # before the run ...
    scn, _ = load_scenario(SCENARIOS / f"{name}.yaml")
    net = load_network()
    t0 = time.perf_counter()
    res = run_scenario(scn, network=net)
    wall = time.perf_counter() - t0
    out: dict[str, object] = {
        "scenario": name,
        "teu": round(float(res.info["teu_created"]), 1),
        "consignments": int(res.info["consignments"]),
        "leg_rows": int(res.info.get("leg_rows", 0)) or None,
        "vehicle_trips": int(res.info["vehicle_trips"]),
        "wall_s": round(wall, 3),
        "timings_s": res.info.get("timings_s", {}),
    }
    if write:
        from corridorsim.outputs import write_run

        with tempfile.TemporaryDirectory(prefix="corridorsim-bench-") as tmp:
            t1 = time.perf_counter()
            write_run(res, Path(tmp) / "run")
            out["write_s"] = round(time.perf_counter() - t1, 3)
            out["legs_built_whole"] = getattr(res, "_legs", None) is not None
    rates += simpy_rates(repeats=2)  # ... and after it: the host's speed drifts
    ev = statistics.median(rates)
    cps = out["consignments"] / wall  # type: ignore[operator]
    if name == "benchmark_10m" and int(os.environ.get("BENCH_NAIVE_N", "30000")) > 0:
        sys.path.insert(0, str(HERE))
        from naive_model import run_naive

        naive = run_naive(str(SCENARIOS / f"{name}.yaml"),
                          int(os.environ.get("BENCH_NAIVE_N", "30000")))
        out["naive"] = {"consignments": naive.consignments, "wall_s": round(naive.wall_s, 3),
                        "vehicle_trips": naive.vehicle_trips,
                        "sim_days": round(naive.sim_h / 24.0, 1)}
        out["naive_consignments_per_s"] = round(naive.consignments_per_s, 1)
        out["speedup_vs_naive"] = round(cps / naive.consignments_per_s, 2)
        # the same scope as the naive model's timed part: the simulation alone (the naive
        # model generates its demand before its clock starts and analyses nothing)
        sim_s = float(out["timings_s"].get("simulate", 0.0))  # type: ignore[union-attr]
        if sim_s > 0:
            out["speedup_vs_naive_simulation"] = round(
                out["consignments"] / sim_s / naive.consignments_per_s, 2)  # type: ignore[operator]
    out["consignments_per_s"] = round(cps, 1)
    out["simpy_events_per_s"] = round(ev, 1)
    out["ratio"] = round(cps / ev, 4)
    if "write_s" in out:
        e2e = wall + float(out["write_s"])  # type: ignore[arg-type]
        out["end_to_end_s"] = round(e2e, 3)
        out["ratio_end_to_end"] = round(out["consignments"] / e2e / ev, 4)  # type: ignore[operator]
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=SCALES, help="run one scale (no child process)")
    ap.add_argument("--no-write", action="store_true", help="skip writing the outputs")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI runs (cli_bench.py)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.only:
        res = one(args.only, not args.no_write)
        if args.child:
            print(json.dumps(res))
            return 0
        results = {args.only: res}
    else:
        results = {}
        for name in SCALES:
            cmd = [sys.executable, __file__, "--only", name, "--child"]
            if args.no_write:
                cmd.append("--no-write")
            print(f"running {name} ...", file=sys.stderr, flush=True)
            # within the default consignment cap (limits.py): no override needed
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                sys.stderr.write(proc.stderr)
                return proc.returncode
            results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    cols = ["teu", "consignments", "vehicle_trips", "wall_s", "write_s", "consignments_per_s",
            "simpy_events_per_s", "ratio", "peak_rss_mb"]
    print(f"{'scenario':<16}" + "".join(f"{c:>20}" for c in cols))
    for name, r in results.items():
        print(f"{name:<16}" + "".join(f"{r.get(c, '')!s:>20}" for c in cols))
    print("seconds by step (run.json timings_s):")
    for name, r in results.items():
        steps = r.get("timings_s") or {}
        print(f"  {name:<16}" + "  ".join(f"{k} {v:.2f}" for k, v in steps.items()))
    main_name = "benchmark_10m" if "benchmark_10m" in results else next(iter(results))
    summary: dict[str, object] = {k: results[main_name][k] for k in
                                  ("scenario", "teu", "consignments", "wall_s",
                                   "consignments_per_s", "simpy_events_per_s", "ratio",
                                   "peak_rss_mb")}
    for k in ("write_s", "end_to_end_s", "ratio_end_to_end", "naive_consignments_per_s",
              "speedup_vs_naive", "speedup_vs_naive_simulation"):
        if k in results[main_name]:
            summary[k] = results[main_name][k]
    if len(results) == 2:
        a, b = results["benchmark_1m"], results["benchmark_10m"]
        per_a = a["wall_s"] / a["consignments"]  # type: ignore[operator]
        per_b = b["wall_s"] / b["consignments"]  # type: ignore[operator]
        summary["linearity"] = round(per_b / per_a, 3)
    if not args.no_cli and not args.child:
        sys.path.insert(0, str(HERE))
        from cli_bench import main as cli_main

        cli = cli_main()
        for k in ("viz_overhead", "viz_memory_ratio", "viz_memory_ratio_tree", "cli_overhead",
                  "replications_per_min",
                  "parallel_efficiency", "replications_peak_tree_rss_mb",
                  "peak_mb_per_replication"):
            if k in cli:
                summary[k] = cli[k]
        summary["cli"] = cli
    summary["scales"] = results
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
