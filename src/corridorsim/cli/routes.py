"""``corridorsim routes``: each route family's route between two places, or why it has none."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from corridorsim.cli.common import emit_csv, load_checked
from corridorsim.cli.options import format_option, handle_errors, out_option

if TYPE_CHECKING:
    from corridorsim.routing import Route
    from corridorsim.routing.options import RouteOption

__all__ = ["command", "route_schedule_days", "route_summary_text"]


@click.command("routes")
@click.option("--origin", default="CN_XIY", show_default=True,
              help="Origin: a node id or a place name (\"Chongqing\", \"Lodz\").")
@click.option("--destination", default="DE_DUI", show_default=True,
              help="Destination: a node id or a place name.")
@click.option("--route", "families", multiple=True,
              help="Only this route family (repeatable); default: every family.")
@click.option("--scenario", "scenario_file",
              help="Include this scenario's own places and links (its network: section).")
@format_option
@out_option("Write CSV here instead of stdout.")
@handle_errors
def command(origin: str, destination: str, families: tuple[str, ...], scenario_file: str | None,
            fmt: str, out: Path | None) -> None:
    """Each route family's route between two places (or why it has none)."""
    from corridorsim.network import load_network
    from corridorsim.network.places import resolve_place
    from corridorsim.routing.options import route_options

    if scenario_file:
        from corridorsim.scenario.check import scenario_network

        scn, net = load_checked(scenario_file)
        net = scenario_network(scn, net, source=scenario_file)
    else:
        net = load_network()
    o = resolve_place(net, origin, what="origin")
    d = resolve_place(net, destination, what="destination")
    options = route_options(net, families or None, origin=o, destination=d)
    if fmt == "csv":
        _emit_route_csv(options, o, d, out)
    else:
        click.echo(_route_text(options, o, d, net.nodes["name"]))


def _emit_route_csv(options: list[RouteOption], o: str, d: str, out: Path | None) -> None:
    """The route table, with a row and its note for each family that has no route."""
    import pandas as pd

    from corridorsim.routing.tables import ROUTE_TABLE_COLUMNS, route_table

    table = route_table({op.family: op.route for op in options if op.route is not None})
    na = [{"route": op.family, "origin": o, "destination": d, "note": op.reason}
          for op in options if op.route is None]
    table = table.reindex(columns=ROUTE_TABLE_COLUMNS)
    table["note"] = ""
    full = pd.concat([table, pd.DataFrame(na, columns=["route", "origin", "destination",
                                                       "note"])], ignore_index=True)
    order = {op.family: i for i, op in enumerate(options)}
    full = full.sort_values("route", key=lambda s: s.map(order), kind="stable")
    for col in ("legs", "transshipments", "gauge_changes", "borders"):
        full[col] = full[col].astype("Int64")
    emit_csv(full, out)


def _route_text(options: list[RouteOption], o: str, d: str, names: Mapping[str, object]) -> str:
    """The terminal view: one line of distances per family, then its places (or reason)."""
    import shutil
    import textwrap

    from corridorsim.network.places import short_name

    width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 120))
    lines = [f"{short_name(names[o])} → {short_name(names[d])}  ({o} → {d})", "",
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
    return "\n".join(lines)


def _days(d: float) -> str:
    return f"{d:.1f}" if d < 10 else f"{d:.0f}"


def route_schedule_days(route: Route) -> float:
    from corridorsim.routing.schedule import undisturbed_days

    return undisturbed_days(route)


def route_summary_text(route: Route, names: Mapping[str, object]) -> str:
    """The places a route is known by: its stops and the straits and canals it passes."""
    from corridorsim.network.places import short_name
    from corridorsim.routing import Stop

    seen: list[str] = []
    for stage in route.stages:
        nodes = [stage.node] if isinstance(stage, Stop) else [w.node for w in stage.waypoints
                                                               if w.kind == "chokepoint"]
        for n in nodes:
            label = short_name(names[n])
            if label not in seen:
                seen.append(label)
    return " – ".join(seen)
