"""``corridorsim run SCENARIO``: simulate a scenario and write its results folder."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from corridorsim.cli.common import load_checked
from corridorsim.cli.options import (
    err_console,
    force_option,
    handle_errors,
    handle_signals,
    out_option,
    quiet_option,
    scheduler_option,
    workers_option,
)
from corridorsim.errors import OutputError

if TYPE_CHECKING:
    from corridorsim.network import Network
    from corridorsim.result import RunResult
    from corridorsim.scenario.model import Scenario

__all__ = ["command"]


@click.command("run")
@click.argument("scenario")
@out_option("Results folder (default results/<name>).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Override the scenario's seed.")
@click.option("--horizon-days", type=click.FloatRange(1, 3650), help="Override horizon_d.")
@click.option("--replications", type=click.IntRange(1, 10000), default=1, show_default=True,
              help="Independent replications (common random numbers across routes).")
@workers_option
@scheduler_option
@quiet_option
@force_option("Overwrite a folder holding another scenario's results.")
@click.option("--no-viz", is_flag=True, help="Skip map.html and report.html.")
@handle_errors
def command(scenario: str, out: Path | None, seed: int | None, horizon_days: float | None,
            replications: int, workers: int, scheduler: str | None, quiet: bool, force: bool,
            no_viz: bool) -> None:
    """Run SCENARIO (a YAML file or a shipped scenario's name) and write its results."""
    from corridorsim.outputs import check_output_dir, output_lock, write_run

    handle_signals()
    t0 = time.perf_counter()
    scn, net = load_checked(scenario)
    scn = _overridden(scn, scenario, seed, horizon_days)
    if out is None:  # the default folder is ours to create; an explicit --out must exist
        out = Path("results") / scn.name
        try:
            out.parent.mkdir(exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{out.parent}: cannot create the results folder ({exc.strerror})") from exc
    check_output_dir(out, scn.name, force=force)
    with output_lock(out):
        res = _simulate(scn, net, quiet=quiet, replications=replications, workers=workers,
                        scheduler=scheduler)
        extras = [] if no_viz else _viz_writers()
        paths = write_run(res, out, extras=extras)
    if not quiet:
        _print_summary(res)
    for w in res.info.get("warnings", []):
        err_console.print(f"[yellow]warning:[/] {w}", markup=True, highlight=False,
                          soft_wrap=True)
    for p in paths:
        click.echo(str(p))
    if not quiet:
        click.echo(f"done in {time.perf_counter() - t0:.1f} s; results in {out}/")
        views = [p for p in paths if p.name in ("map.html", "report.html")]
        if views:
            click.echo("open in a browser (works offline): " + "  ".join(str(p) for p in views))


def _overridden(scn: Scenario, scenario: str, seed: int | None,
                horizon_days: float | None) -> Scenario:
    """``scn`` with ``--seed`` and ``--horizon-days`` applied (a warm-up as long as the new
    horizon shrinks to a quarter of it)."""
    from corridorsim.scenario.load import scenario_from_dict

    if seed is None and horizon_days is None:
        return scn
    data = scn.model_dump()
    if seed is not None:
        data["seed"] = seed
    if horizon_days is not None:
        data["horizon_d"] = horizon_days
        if data["warmup_d"] >= horizon_days:
            data["warmup_d"] = min(data["warmup_d"], horizon_days / 4)
    return scenario_from_dict(data, source=f"{scenario} (with command-line overrides)")


def _viz_writers() -> list[Callable[[RunResult, Path], list[Path]]]:
    try:
        from corridorsim.viz import write_map, write_report
    except ImportError:
        return []
    return [write_map, write_report]


def _simulate(scn: Scenario, net: Network, *, quiet: bool, replications: int, workers: int,
              scheduler: str | None) -> RunResult:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from corridorsim.run import run_scenario

    if replications > 1 or workers or scheduler:
        from corridorsim.experiments import run_replications

        return run_replications(scn, net, replications=replications, workers=workers,
                                scheduler=scheduler, quiet=quiet)
    if quiet:
        return run_scenario(scn, network=net)
    progress = Progress(TextColumn("simulating {task.description}"), BarColumn(),
                        TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                        console=err_console, transient=True)
    started = time.perf_counter()
    task = progress.add_task(scn.name, total=1.0)
    shown = False

    def tick(share: float) -> None:
        nonlocal shown
        if not shown and time.perf_counter() - started > 1.0:
            progress.start()
            shown = True
        progress.update(task, completed=share)

    try:
        return run_scenario(scn, network=net, progress=tick)
    finally:
        if shown:
            progress.stop()


SUMMARY_COLUMNS = [("route", "route", "{}"), ("TEU delivered", "teu_delivered", "{:,.0f}"),
                   ("p50 d", "transit_days_p50", "{:.1f}"), ("p90 d", "transit_days_p90", "{:.1f}"),
                   ("on time", "on_time_share", "{:.0%}"),
                   ("kg CO2e/TEU", "co2e_wtw_kg_per_teu", "{:,.0f}"),
                   ("USD/TEU", "cost_usd_per_teu", "{:,.0f}")]


def _print_summary(res: RunResult) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{res.scenario.name}: door-to-door per route")
    rows = res.summary.to_dict("records")
    if "origin" in res.summary and len({(r["origin"], r["destination"]) for r in rows}) > 1:
        # several pairs: each route cell names its pair on a second line
        rows = [{**r, "route": f"{r['route']}\n  {r['origin']} → {r['destination']}"}
                for r in rows]
    for head, _, _ in SUMMARY_COLUMNS:
        if head == "route":
            table.add_column(head, justify="left", no_wrap=True, min_width=22)
        else:
            table.add_column(head, justify="right")
    for row in rows:
        cells = []
        for _, key, fmt in SUMMARY_COLUMNS:
            v = row.get(key)
            try:
                cells.append(fmt.format(v) if v == v and v is not None else "–")
            except (TypeError, ValueError):
                cells.append(str(v))
        table.add_row(*cells)
    Console(stderr=True).print(table)
