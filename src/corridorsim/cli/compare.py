"""``corridorsim compare A B``: two results folders (a delta table per route, B − A), or two
scenarios run ``--replications N`` times with common random numbers (paired differences with
95 % intervals, and the scenario parameters that differ)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from corridorsim.cli.options import (
    handle_errors,
    handle_signals,
    out_option,
    quiet_option,
    scheduler_option,
    table_console,
    workers_option,
)
from corridorsim.errors import CorridorSimError

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from corridorsim.analysis.compare import ScenarioComparison

__all__ = ["command"]

PARAMETERS_SHOWN = 15


class CompareError(CorridorSimError, ValueError):
    """The two arguments cannot be compared as given."""


def _kind(arg: str) -> str:
    """``run`` (a folder), ``scenario`` (a file or a shipped name) or ``missing``."""
    from corridorsim.scenario.load import shipped_dir

    p = Path(arg)
    if p.is_dir():
        return "run"
    if p.is_file() or (not p.exists() and not p.suffix
                       and (shipped_dir() / f"{p.name}.yaml").exists()):
        return "scenario"
    return "missing"


def _check_args(a: str, b: str, replications: int | None, scenario_options: bool) -> str:
    """The comparison's mode (``runs`` or ``scenarios``), or a clear error."""
    from corridorsim.scenario.load import shipped_scenarios

    kinds = {a: _kind(a), b: _kind(b)}
    for arg, kind in kinds.items():
        if kind == "missing":
            raise CompareError(f"{arg}: neither a results folder nor a scenario (a YAML file "
                               f"or a shipped name: {', '.join(shipped_scenarios())})")
    if kinds[a] != kinds[b]:
        run, scn = (a, b) if kinds[a] == "run" else (b, a)
        raise CompareError(f"cannot compare a results folder ({run}) with a scenario ({scn}): "
                           "give two results folders, or two scenarios with --replications N")
    if kinds[a] == "run":
        if replications is not None or scenario_options:
            raise CompareError(f"{a} and {b} are results folders (already simulated): "
                               "--replications, --seed, --horizon-days, --workers and "
                               "--scheduler apply to two scenarios")
        return "runs"
    if replications is None or replications < 2:
        found = "" if replications is None else f" (found {replications})"
        raise CompareError("comparing two scenarios runs each of them N times with the same "
                           "seeds and gives each KPI's paired difference a 95 % interval, "
                           f"which needs --replications N with N >= 2{found}")
    return "scenarios"


@click.command("compare")
@click.argument("a")
@click.argument("b")
@click.option("--replications", type=click.IntRange(1, 10000),
              help="Compare two scenarios: run each N times (N >= 2) with common seeds.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1),
              help="Seed of the replications of both scenarios (default: A's seed).")
@click.option("--horizon-days", type=click.FloatRange(1, 3650),
              help="Override horizon_d of both scenarios.")
@workers_option
@scheduler_option
@quiet_option
@out_option("Write the comparison here (scenarios: default results/compare_<A>_vs_<B>).")
@click.option("--wide", is_flag=True,
              help="Print every column (two folders: the full delta table) however wide.")
@handle_errors
def command(a: str, b: str, replications: int | None, seed: int | None,
            horizon_days: float | None, workers: int, scheduler: str | None, quiet: bool,
            out: Path | None, wide: bool) -> None:
    """Compare A and B (B − A): two results folders, or two scenarios (YAML files or shipped
    names) with --replications N: each KPI's paired difference per route with its 95 %
    interval and whether it is distinguishable from zero."""
    scenario_options = seed is not None or horizon_days is not None or bool(workers or scheduler)
    if _check_args(a, b, replications, scenario_options) == "runs":
        _compare_runs(Path(a), Path(b), out, wide=wide)
        return
    assert replications is not None  # _check_args
    _compare_scenarios(a, b, replications=replications, seed=seed, horizon_days=horizon_days,
                       workers=workers, scheduler=scheduler, quiet=quiet, out=out, wide=wide)


def _compare_runs(run_a: Path, run_b: Path, out: Path | None, *, wide: bool) -> None:
    from corridorsim.analysis.compare import compare_runs

    table, paths = compare_runs(run_a, run_b, out=out)
    if wide:
        import pandas as pd

        with pd.option_context("display.width", None, "display.max_columns", None):
            click.echo(table.to_string(index=False))
    else:
        table_console(wide=False).print(delta_table(table, run_a, run_b))
    for p in paths:
        click.echo(str(p))


def _compare_scenarios(a: str, b: str, *, replications: int, seed: int | None,
                       horizon_days: float | None, workers: int, scheduler: str | None,
                       quiet: bool, out: Path | None, wide: bool) -> None:
    from corridorsim.analysis.compare import compare_scenarios
    from corridorsim.cli.common import load_checked, with_overrides

    handle_signals()
    t0 = time.perf_counter()
    scn_a, net = load_checked(a, lambda s: with_overrides(s, a, None, horizon_days))
    scn_b, _ = load_checked(b, lambda s: with_overrides(s, b, None, horizon_days), net=net)
    if out is None:
        out = Path("results") / f"compare_{scn_a.name}_vs_{scn_b.name}"
    cmp, paths = compare_scenarios(scn_a, scn_b, net, replications=replications, seed=seed,
                                   workers=workers, scheduler=scheduler, quiet=quiet, out=out)
    if not quiet:
        console = table_console(wide=wide)
        console.print(paired_table(cmp))
        _print_parameters(console, cmp)
    for p in paths:
        click.echo(str(p))
    if not quiet:
        click.echo(f"done in {time.perf_counter() - t0:.1f} s ({2 * replications} runs, "
                   f"{cmp.runs.executor}); results in {out}/")


def delta_table(table: pd.DataFrame, run_a: Path, run_b: Path) -> Table:
    """Two run folders' KPIs per route instance (A, B, B − A) as a rich table of at most
    :data:`WIDTH` columns."""

    from corridorsim.viz.compare_report import KPI_LABELS, delta_records, kpi_text, tone

    out = _kpi_table(f"B − A: {run_b} − {run_a}")
    several = {"origin", "destination"} <= set(table.columns) and len(
        table[["origin", "destination"]].drop_duplicates()) > 1
    for row in _by_instance(out, delta_records(table), several):
        kpi = str(row["kpi"])
        style = {"better": "green", "worse": "red"}.get(tone(kpi, row["diff"]), "")
        diff = kpi_text(kpi, row["diff"], signed=True)
        out.add_row(f"  {KPI_LABELS.get(kpi, (kpi, ''))[0]}", kpi_text(kpi, row["a"]),
                    kpi_text(kpi, row["b"]), f"[{style}]{diff}[/]" if style else diff)
    out.caption = "green: B better, red: B worse; every column: --wide or compare.csv"
    out.caption_justify = "left"
    return out


def _kpi_table(title: str) -> Table:
    """A terminal KPI table: route instance headings, then A, B and B − A per KPI."""
    from rich import box
    from rich.table import Table

    out = Table(box=box.SIMPLE_HEAD, padding=(0, 1), title_justify="left", title=title)
    out.add_column("route / KPI", max_width=26)  # long route names wrap
    for head in ("A", "B", "B − A"):
        out.add_column(head, justify="right", no_wrap=True)
    return out


def _by_instance(out: Table, rows: Iterable[Mapping[Any, object]], several_pairs: bool
                 ) -> Iterator[Mapping[Any, object]]:
    """``rows`` in order; before each route instance's first, a section and its heading
    row are added to ``out``."""
    current: tuple[object, ...] | None = None
    for row in rows:
        key = (row["route"], row.get("origin"), row.get("destination"))
        if key != current:
            if current is not None:
                out.add_section()
            out.add_row(_instance_label(row, several_pairs))
            current = key
        yield row


def _instance_label(row: Mapping[Any, object], several_pairs: bool) -> str:
    from rich.markup import escape

    from corridorsim.viz.compare_report import route_label

    label = f"[bold]{escape(route_label(row['route'])[0])}[/]"
    if several_pairs and "origin" in row:
        label += f"\n[dim]{row['origin']} → {row['destination']}[/]"
    return label


def paired_table(cmp: ScenarioComparison) -> Table:
    """The paired differences as a rich table of at most :data:`WIDTH` columns."""

    from corridorsim.viz.compare_report import KPI_LABELS, kpi_text, tone

    runs, t = cmp.runs, cmp.table
    table = _kpi_table(f"B − A: {runs.b.name} − {runs.a.name} · {runs.replications} paired "
                       "replications")
    table.add_column("95 % interval", justify="right", no_wrap=True)
    table.add_column("real?", justify="center", no_wrap=True)
    keys = [k for k in ("route", "origin", "destination") if k in t.columns]
    several = "origin" in t.columns and len(t.drop_duplicates(keys)) > len(set(t["route"]))
    shown_rows = (r for r in t.to_dict("records")  # left out: nothing delivered in A nor B
                  if r["pairs"] or r["a_mean"] == r["a_mean"] or r["b_mean"] == r["b_mean"])
    for row in _by_instance(table, shown_rows, several):
        kpi = str(row["kpi"])
        verdict = str(row["distinguishable"])
        style = {"better": "green", "worse": "red"}.get(tone(kpi, row["diff_mean"]), "")
        shown = f"[{style}]{verdict}[/]" if verdict == "yes" and style else f"[dim]{verdict}[/]"
        interval = (f"[{kpi_text(kpi, row['diff_ci95_low'], signed=True)}, "
                    f"{kpi_text(kpi, row['diff_ci95_high'], signed=True)}]")
        table.add_row(f"  {KPI_LABELS.get(kpi, (kpi, ''))[0]}", kpi_text(kpi, row["a_mean"]),
                      kpi_text(kpi, row["b_mean"]), kpi_text(kpi, row["diff_mean"], signed=True),
                      interval.replace("[", "\\["), shown)
    table.caption = ("A, B: means over the replications; real? yes = the 95 % t-interval of "
                     "the paired differences excludes 0 (green: B better, red: B worse); "
                     "KPIs with no delivery in A nor B left out")
    table.caption_justify = "left"
    return table


def _print_parameters(console: Console, cmp: ScenarioComparison) -> None:
    from rich.markup import escape

    params, runs = cmp.parameters, cmp.runs
    console.print(f"A = {runs.a.name}, B = {runs.b.name}: common random numbers (the same "
                  f"replication seeds for both, from {runs.seeds[0]}).")
    console.print(f"Parameters that differ ({len(params)}):")
    for row in params.head(PARAMETERS_SHOWN).to_dict("records"):
        console.print(escape(f"  {row['parameter']}: {row['a']} → {row['b']}"), soft_wrap=True)
    if len(params) > PARAMETERS_SHOWN:
        console.print(f"  … {len(params) - PARAMETERS_SHOWN} more in compare_parameters.csv")
    if params.empty:
        console.print("  none: A and B simulate the same scenario")
