"""``corridorsim run SCENARIO``: simulate a scenario and write its results folder."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from corridorsim.cli.common import load_checked, with_overrides
from corridorsim.cli.options import (
    WIDTH,
    err_console,
    force_option,
    handle_errors,
    handle_signals,
    out_option,
    print_warning,
    quiet_option,
    scheduler_option,
    workers_option,
)
from corridorsim.errors import OutputError

if TYPE_CHECKING:
    from rich.table import Table

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
    scn, net = load_checked(scenario, lambda s: with_overrides(s, scenario, seed, horizon_days))
    if out is None:  # the default folder is ours to create; an explicit --out must exist
        out = Path("results") / scn.name
        try:
            out.parent.mkdir(exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{out.parent}: cannot create the results folder ({exc.strerror})") from exc
    check_output_dir(out, scn.name, force=force)
    with output_lock(out):
        extras = [] if no_viz else _viz_writers()
        with RunProgress(scn.name, enabled=not quiet, writers=len(extras)) as bar, \
                _charts_beside(bool(extras)):
            res = _simulate(scn, net, bar, replications=replications, workers=workers,
                            scheduler=scheduler)
            bar.phase("writing tables")
            paths = write_run(res, out, extras=[bar.wrap(w) for w in extras])
    if not quiet:
        _print_summary(res)
    for w in res.info.get("warnings", []):
        print_warning(w)  # as written: "disruptions[0]" is no markup
    for p in paths:
        click.echo(str(p))
    if not quiet:
        click.echo(f"done in {time.perf_counter() - t0:.1f} s; results in {out}/")
        if "replications_per_min" in res.info:
            click.echo(replications_line(res.info))
        views = [p for p in paths if p.name in ("map.html", "report.html")]
        if views:  # one path a line: long result folders stay within 80 columns
            click.echo("open in a browser (works offline):")
            for p in views:
                click.echo(f"  {p}")


def replications_line(info: Mapping[str, Any]) -> str:
    """How fast the replications ran and in how much memory (from ``run.json``)."""
    line = (f"{info['replications']} replications in {info['replications_wall_s']:.0f} s: "
            f"{info['replications_per_min']:.1f} per minute on {info['executor']}")
    peak = info.get("peak_rss_mb")
    if isinstance(peak, dict) and peak:
        line += "; peak memory " + ", ".join(
            f"{k.replace('_', ' ')} {v / 1024:.2f} GB" for k, v in peak.items())
    return line


def _charts_beside(on: bool) -> contextlib.AbstractContextManager[None]:
    """The report's charts rendered in a process of their own, started now so that it
    imports matplotlib while this one simulates (:mod:`corridorsim.viz.render`)."""
    if not on:
        return contextlib.nullcontext()
    from corridorsim.viz.render import elsewhere

    return elsewhere()


def _viz_writers() -> list[Callable[[RunResult, Path], list[Path]]]:
    try:
        from corridorsim.viz.pages import run_page_writers

        return run_page_writers()
    except ImportError as exc:  # an install problem: say so rather than leave the map out
        print_warning(f"map.html and report.html are not written: {exc}. Reinstall corridorsim "
                      "(pip install -e .) or run with --no-viz")
        return []


class RunProgress:
    """One bar on stderr from the first simulated day to the last page written: the
    simulation fills :data:`SIM_SHARE` of it, then each viz writer an equal part (its file
    named). Shown only once the run has taken a second; silent when ``enabled`` is false."""

    SIM_SHARE = 0.7

    def __init__(self, name: str, *, enabled: bool, writers: int) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.enabled, self.writers = enabled, writers
        self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                  TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                                  console=err_console, transient=True)
        self._task = self._progress.add_task(f"simulating {name}", total=1.0)
        self._started = time.perf_counter()
        self._shown = False
        self._done = 0.0

    def __enter__(self) -> RunProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._shown:
            self._progress.stop()

    def _update(self, completed: float, description: str | None = None) -> None:
        if not self.enabled:
            return
        if not self._shown and time.perf_counter() - self._started > 1.0:
            self._progress.start()
            self._shown = True
        self._done = max(self._done, completed)
        self._progress.update(self._task, completed=self._done, description=description)

    def simulated(self, share: float) -> None:
        """The simulation has reached ``share`` (0..1) of its horizon."""
        self._update(share * (self.SIM_SHARE if self.writers else 1.0))

    def phase(self, description: str) -> None:
        """The simulation is over; ``description`` says what is being written."""
        self._update(self.SIM_SHARE if self.writers else 1.0, description)

    def wrap(self, writer: Callable[[RunResult, Path], list[Path]]
             ) -> Callable[[RunResult, Path], list[Path]]:
        """``writer`` reporting its start and end on the bar."""
        step = (1.0 - self.SIM_SHARE) / max(self.writers, 1)
        name = writer.__name__.removeprefix("write_") + ".html"

        def run(res: RunResult, out: Path) -> list[Path]:
            self._update(self._done, f"writing {name}")
            try:
                return writer(res, out)
            finally:
                self._update(self._done + step)

        return run


def _simulate(scn: Scenario, net: Network, bar: RunProgress, *, replications: int,
              workers: int, scheduler: str | None) -> RunResult:
    from corridorsim.run import run_scenario

    if replications > 1 or workers or scheduler:
        from corridorsim.experiments import run_replications

        return run_replications(scn, net, replications=replications, workers=workers,
                                scheduler=scheduler, quiet=not bar.enabled)
    if not bar.enabled:
        return run_scenario(scn, network=net)
    return run_scenario(scn, network=net, progress=bar.simulated)


SUMMARY_COLUMNS = [("route", "route", "{}"), ("TEU", "teu_delivered", "{:,.0f}"),
                   ("P50 d", "transit_days_p50", "{:.1f}"), ("P90 d", "transit_days_p90", "{:.1f}"),
                   ("on\ntime", "on_time_share", "{:.0%}"),
                   ("CO2e\nkg/TEU", "co2e_wtw_kg_per_teu", "{:,.0f}"),
                   ("cost\nUSD/TEU", "cost_usd_per_teu", "{:,.0f}")]


def _cell(fmt: str, v: object) -> str:
    try:
        return fmt.format(v) if v == v and v is not None else "–"
    except (TypeError, ValueError):
        return str(v)


def summary_table(res: RunResult) -> Table:
    """The run's door-to-door KPIs per route instance as a rich table of at most 80
    columns (the full set is in summary.csv)."""
    from rich import box
    from rich.table import Table

    from corridorsim.network.places import short_name
    from corridorsim.viz.compare_report import route_label

    reps = int(res.info.get("replications", 1) or 1)
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), title_justify="left",
                  title=f"{res.scenario.name}: door-to-door per route"
                        + (f" (mean of {reps} replications)" if reps > 1 else ""))
    names = res.network.names
    rows = res.summary.to_dict("records")
    several = ("origin" in res.summary
               and len({(r["origin"], r["destination"]) for r in rows}) > 1)
    for head, _, _ in SUMMARY_COLUMNS:
        if head == "route":  # long names wrap; the numbers never do
            table.add_column(head, max_width=28)
        else:
            table.add_column(head, justify="right", no_wrap=True)
    blank = False
    for row in rows:
        label = route_label(row["route"])[0]
        if several:  # several pairs: each route cell names its pair on a second line
            label += (f"\n  {short_name(names.get(row['origin'], row['origin']))} → "
                      f"{short_name(names.get(row['destination'], row['destination']))}")
        cells = [_cell(f, row.get(k)) for _, k, f in SUMMARY_COLUMNS[1:]]
        blank = blank or "–" in cells[1:]
        table.add_row(label, *cells)
    table.caption = ("TEU delivered, warm-up included; transit P50/P90 in days; CO2e well-to-wheel; "
                     "all KPIs in summary.csv"
                     + (", 95 % intervals there and replications in replications.csv"
                        if reps > 1 else "")
                     + (f". –: nothing booked after the warm-up ({res.scenario.warmup_d:g} days) "
                        "arrived within the horizon" if blank else ""))
    table.caption_justify = "left"
    return table


def _print_summary(res: RunResult) -> None:
    """The summary table on stdout, a terminal or not (80 columns when not)."""
    import sys

    from rich.console import Console

    Console(highlight=False, width=None if sys.stdout.isatty() else WIDTH).print(
        summary_table(res))
