"""``corridorsim sweep SWEEP.yaml``: run a parameter sweep, in-process or on Dask."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import click

from corridorsim.cli.options import (
    err_console,
    handle_errors,
    handle_signals,
    out_option,
    print_error,
    quiet_option,
    scheduler_option,
    workers_option,
)
from corridorsim.errors import OutputError

__all__ = ["command"]


@click.command("sweep")
@click.argument("sweep_file", metavar="SWEEP.yaml")
@out_option("Results folder (default results/<sweep name>).")
@workers_option
@scheduler_option
@click.option("--fresh", is_flag=True,
              help="Empty the result store first (recompute every variant).")
@click.option("--no-report", is_flag=True, help="Skip sweep_report.html.")
@quiet_option
@handle_errors
def command(sweep_file: str, out: Path | None, workers: int, scheduler: str | None,
            fresh: bool, no_report: bool, quiet: bool) -> None:
    """Run the variants of SWEEP.yaml (grid and/or Latin hypercube over scenario parameters).

    Writes sweep.csv (one row per variant × route), sweep_sensitivity.csv,
    sweep_report.html and sweep.json; finished tasks are kept in <out>/store/, so a rerun
    after an interruption computes only the missing variants.
    """
    from corridorsim.experiments import load_sweep, run_sweep, write_sweep
    from corridorsim.outputs import output_lock

    handle_signals()
    t0 = time.perf_counter()
    spec = load_sweep(sweep_file)
    out = out if out is not None else Path("results") / spec.name
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the results folder ({exc.strerror})") from exc
    with output_lock(out):
        store = out / "store"
        if fresh and store.exists():
            shutil.rmtree(store)
        if not quiet:
            n = len(spec.variants) * spec.replications
            err_console.print(f"sweep {spec.name}: {len(spec.variants)} variant(s) × "
                              f"{spec.replications} replication(s) = {n} task(s)",
                              highlight=False)
        res = run_sweep(spec, store, workers=workers, scheduler=scheduler, quiet=quiet)
        paths = write_sweep(res, out, report=not no_report)
    for p in paths:
        click.echo(str(p))
    for e in res.errors if quiet else []:  # (shown live above the progress bar otherwise)
        print_error(f"variant {e['variant']} replication {e['replication']}: {e['error']}",
                    label="failed")
    if not quiet:
        click.echo(f"{len(res.computed)} task(s) computed, {len(res.reused)} reused from "
                   f"{out / 'store'}, {len(res.errors)} failed ({res.executor}); "
                   f"done in {time.perf_counter() - t0:.1f} s; results in {out}/")
    if res.errors:
        err_console.print(f"[red]{len(res.errors)} task(s) failed[/] (see "
                          f"{out / 'sweep_errors.csv'}); the others are kept in "
                          f"{out / 'store'}: rerun the same command to retry only those")
        sys.exit(1)
