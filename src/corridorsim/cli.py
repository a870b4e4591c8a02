"""The ``corridorsim`` command line: a thin shell over the library.

Every :class:`~corridorsim.errors.CorridorSimError` becomes a short red message and exit
code 2 (``--debug`` shows the traceback); Ctrl-C exits 130 and SIGTERM 143, leaving either
the previous complete results or none.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from corridorsim._cli_common import err_console, handle_errors, handle_signals
from corridorsim._version import __version__
from corridorsim.errors import OutputError, ScenarioError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corridorsim")
@click.option("--debug", is_flag=True, help="Show full tracebacks for errors.")
def main(debug: bool) -> None:
    """Simulate China–Europe container freight: Middle Corridor, Northern rail, Suez, Cape."""


def _load(scenario: str):  # type: ignore[no-untyped-def]
    from corridorsim.network import load_network
    from corridorsim.scenario.check import check_scenario
    from corridorsim.scenario.load import load_scenario

    scn, pos = load_scenario(scenario)
    net = load_network()
    scn = check_scenario(scn, net, positions=pos, source=str(scenario))
    return scn, net


@main.command()
@click.argument("scenario")
@click.option("--out", type=click.Path(path_type=Path), help="Results folder (default results/<name>).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Override the scenario's seed.")
@click.option("--horizon-days", type=click.FloatRange(1, 3650), help="Override horizon_d.")
@click.option("--replications", type=click.IntRange(1, 10000), default=1, show_default=True,
              help="Independent replications (common random numbers across routes).")
@click.option("--workers", type=click.IntRange(0, 256), default=0,
              help="Dask workers on a local cluster (0 = in-process).")
@click.option("--scheduler", help="Address of an existing Dask scheduler (tcp://HOST:PORT).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the output paths.")
@click.option("--force", is_flag=True, help="Overwrite a folder holding another scenario's results.")
@click.option("--no-viz", is_flag=True, help="Skip map.html and report.html.")
@handle_errors
def run(scenario: str, out: Path | None, seed: int | None, horizon_days: float | None,
        replications: int, workers: int, scheduler: str | None, quiet: bool, force: bool,
        no_viz: bool) -> None:
    """Run SCENARIO (a YAML file or a shipped scenario's name) and write its results."""
    from corridorsim.outputs import check_output_dir, output_lock, write_run
    from corridorsim.scenario.load import scenario_from_dict

    handle_signals()
    t0 = time.perf_counter()
    scn, net = _load(scenario)
    if seed is not None or horizon_days is not None:
        data = scn.model_dump()
        if seed is not None:
            data["seed"] = seed
        if horizon_days is not None:
            data["horizon_d"] = horizon_days
            if data["warmup_d"] >= horizon_days:
                data["warmup_d"] = min(data["warmup_d"], horizon_days / 4)
        scn = scenario_from_dict(data, source=f"{scenario} (with command-line overrides)")
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


def _viz_writers() -> list[Callable[..., Any]]:
    try:
        from corridorsim.viz import write_map, write_report
    except ImportError:
        return []
    return [write_map, write_report]


def _simulate(scn: Any, net: Any, *, quiet: bool, replications: int, workers: int,
              scheduler: str | None) -> Any:
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


def _print_summary(res: Any) -> None:
    from rich.table import Table

    cols = [("route", "route", "{}"), ("TEU delivered", "teu_delivered", "{:,.0f}"),
            ("p50 d", "transit_days_p50", "{:.1f}"), ("p90 d", "transit_days_p90", "{:.1f}"),
            ("on time", "on_time_share", "{:.0%}"),
            ("kg CO2e/TEU", "co2e_wtw_kg_per_teu", "{:,.0f}"),
            ("USD/TEU", "cost_usd_per_teu", "{:,.0f}")]
    table = Table(title=f"{res.scenario.name}: door-to-door per route")
    rows = res.summary.to_dict("records")
    if "origin" in res.summary and len({(r["origin"], r["destination"]) for r in rows}) > 1:
        # several pairs: each route cell names its pair on a second line
        rows = [{**r, "route": f"{r['route']}\n  {r['origin']} → {r['destination']}"}
                for r in rows]
    for head, _, _ in cols:
        if head == "route":
            table.add_column(head, justify="left", no_wrap=True, min_width=22)
        else:
            table.add_column(head, justify="right")
    for row in rows:
        cells = []
        for _, key, fmt in cols:
            v = row.get(key)
            try:
                cells.append(fmt.format(v) if v == v and v is not None else "–")
            except (TypeError, ValueError):
                cells.append(str(v))
        table.add_row(*cells)
    Console(stderr=True).print(table)


@main.command()
@click.argument("scenario")
@handle_errors
def validate(scenario: str) -> None:
    """Check SCENARIO without running it."""
    scn, _ = _load(scenario)
    click.echo(f"{scenario}: valid ({scn.name}: {len(scn.demand)} demand rows, "
               f"routes {', '.join(scn.routes)}, {scn.horizon_d:g} days)")


def _emit_csv(table: Any, out: Path | None) -> None:
    text = table.to_csv(index=False)
    if out:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"{out}: cannot write ({exc.strerror})") from exc
        click.echo(str(out))
    else:
        click.echo(text, nl=False)


@main.command()
@click.option("--origin", default="CN_XIY", show_default=True,
              help="Origin: a node id or a place name (\"Chongqing\", \"Lodz\").")
@click.option("--destination", default="DE_DUI", show_default=True,
              help="Destination: a node id or a place name.")
@click.option("--route", "families", multiple=True,
              help="Only this route family (repeatable); default: every family.")
@click.option("--scenario", "scenario_file",
              help="Include this scenario's own places and links (its network: section).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table",
              show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Write CSV here instead of stdout.")
@handle_errors
def routes(origin: str, destination: str, families: tuple[str, ...], scenario_file: str | None,
           fmt: str, out: Path | None) -> None:
    """Each route family's route between two places (or why it has none)."""
    from corridorsim.network import load_network
    from corridorsim.places import resolve_place
    from corridorsim.routing import ROUTE_TABLE_COLUMNS, route_options, route_table

    if scenario_file:
        from corridorsim.scenario.check import scenario_network

        scn, net = _load(scenario_file)
        net = scenario_network(scn, net, source=scenario_file)
    else:
        net = load_network()
    o = resolve_place(net, origin, what="origin")
    d = resolve_place(net, destination, what="destination")
    options = route_options(net, families or None, origin=o, destination=d)
    table = route_table({op.family: op.route for op in options if op.route is not None})
    na = [{"route": op.family, "origin": o, "destination": d, "note": op.reason}
          for op in options if op.route is None]
    if fmt == "csv":
        import pandas as pd

        table = table.reindex(columns=ROUTE_TABLE_COLUMNS)
        table["note"] = ""
        full = pd.concat([table, pd.DataFrame(na, columns=["route", "origin", "destination",
                                                           "note"])], ignore_index=True)
        order = {op.family: i for i, op in enumerate(options)}
        full = full.sort_values("route", key=lambda s: s.map(order), kind="stable")
        for col in ("legs", "transshipments", "gauge_changes", "borders"):
            full[col] = full[col].astype("Int64")
        _emit_csv(full, out)
        return
    import shutil
    import textwrap

    names = net.nodes["name"]
    width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 120))
    lines = [f"{_short(names[o])} → {_short(names[d])}  ({o} → {d})", "",
             f"{'route':<30}{'km':>8}{'rail':>8}{'sea':>8}{'days*':>7}"]
    for op in options:
        r = op.route
        if r is None:
            lines.append(f"{op.family:<30}{'not applicable':>31}")
            text = op.reason
        else:
            lines.append(f"{op.family:<30}{r.total_km:>8,.0f}{r.km_by_mode('rail'):>8,.0f}"
                         f"{r.km_by_mode('sea'):>8,.0f}{_days(route_schedule_days(r)):>7}")
            text = route_summary_text(r, names)
        lines += textwrap.wrap(text, width=width - 4, initial_indent="    ",
                               subsequent_indent="    ")
    lines += ["", textwrap.fill(
        "* undisturbed schedule: running time at default speeds, typical dwell at stops, no "
        "queues; the simulation gives the distribution. `--format csv` adds countries, legs, "
        "borders and the node ids of each route (via).", width=width)]
    click.echo("\n".join(lines))


def _days(d: float) -> str:
    return f"{d:.1f}" if d < 10 else f"{d:.0f}"


def _short(name: object) -> str:
    """A place's plain name: "Altynkol / Khorgos Gateway" → "Altynkol"."""
    return str(name).split(" (")[0].split(" / ")[0]


def route_schedule_days(route: Any) -> float:
    from corridorsim.schedule import undisturbed_days

    return undisturbed_days(route)


def route_summary_text(route: Any, names: Any) -> str:
    """The places a route is known by: its stops and the straits and canals it passes."""
    from corridorsim.routing import Stop

    seen: list[str] = []
    for stage in route.stages:
        nodes = [stage.node] if isinstance(stage, Stop) else [w.node for w in stage.waypoints
                                                               if w.kind == "chokepoint"]
        for n in nodes:
            label = _short(names[n])
            if label not in seen:
                seen.append(label)
    return " – ".join(seen)


@main.command()
@click.option("--country", help="Only nodes in this country (ISO3, e.g. KAZ).")
@click.option("--kind", help="Only nodes of this kind or role (terminal, port, border, "
              "gauge_change, hub, chokepoint; od, deep_sea, gateway).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table",
              show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Write CSV here instead of stdout.")
@handle_errors
def nodes(country: str | None, kind: str | None, fmt: str, out: Path | None) -> None:
    """The places on the network: id, name, country, kind and roles."""
    from corridorsim.network import load_network
    from corridorsim.places import nodes_table

    table = nodes_table(load_network(), country=country, kind=kind)
    if table.empty:
        raise ScenarioError(f"no node matches --country {country!r} --kind {kind!r}; "
                            "`corridorsim nodes` lists them all")
    if fmt == "csv":
        _emit_csv(table, out)
        return
    from rich.table import Table

    t = Table(title=f"{len(table)} places (ids or names work wherever a place is asked for)",
              title_justify="left")
    for head in ("id", "name", "country", "kind", "roles"):
        t.add_column(head, overflow="fold")
    for row in table.itertuples(index=False):
        t.add_row(row.id, row.name, row.country, row.kind, row.roles)
    Console().print(t)


@main.command()
@click.argument("run_a", type=click.Path(path_type=Path))
@click.argument("run_b", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Write the comparison here.")
@handle_errors
def compare(run_a: Path, run_b: Path, out: Path | None) -> None:
    """Delta table per route between two results folders (B − A)."""
    from corridorsim.compare import compare_runs

    table, paths = compare_runs(run_a, run_b, out=out)
    click.echo(table.to_string(index=False))
    for p in paths:
        click.echo(str(p))


@main.command()
@click.argument("name")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@handle_errors
def new(name: str, force: bool) -> None:
    """Write a commented scenario template to NAME.yaml."""
    path = Path(name if name.endswith((".yaml", ".yml")) else f"{name}.yaml")
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; use --force to overwrite")
    template = (resources.files("corridorsim") / "data" / "template.yaml").read_text("utf-8")
    stem = path.stem
    if not all(c.isalnum() or c in "_.-" for c in stem):
        raise ScenarioError(f"{name}: a scenario name may use letters, digits, '_', '.', '-'")
    try:
        path.write_text(template.replace("__NAME__", stem), encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from exc
    click.echo(str(path))


@main.command()
def schema() -> None:
    """Print the scenario JSON Schema (for editor completion)."""
    from corridorsim.scenario.model import Scenario

    click.echo(json.dumps(Scenario.model_json_schema(), indent=2))


# Commands that live in their own modules register here (one line each).
for _module in ("corridorsim.cli_sweep", "corridorsim.cli_check_model"):
    try:
        _mod = __import__(_module, fromlist=["command"])
    except ModuleNotFoundError as _exc:  # not written yet
        if _exc.name != _module:
            raise
    else:
        main.add_command(_mod.command)


if __name__ == "__main__":  # pragma: no cover
    main()
