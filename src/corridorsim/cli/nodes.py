"""``corridorsim nodes``: the places on the network."""

from __future__ import annotations

from pathlib import Path

import click

from corridorsim.cli.common import emit_csv
from corridorsim.cli.options import format_option, handle_errors, out_option
from corridorsim.errors import ScenarioError

__all__ = ["command"]


@click.command("nodes")
@click.option("--country", help="Only nodes in this country (ISO3, e.g. KAZ).")
@click.option("--kind", help="Only nodes of this kind or role (terminal, port, border, "
              "gauge_change, hub, chokepoint; od, deep_sea, gateway).")
@format_option
@out_option("Write CSV here instead of stdout.")
@handle_errors
def command(country: str | None, kind: str | None, fmt: str, out: Path | None) -> None:
    """The places on the network: id, name, country, kind and roles."""
    from corridorsim.network import load_network
    from corridorsim.network.places import nodes_table

    table = nodes_table(load_network(), country=country, kind=kind)
    if table.empty:
        raise ScenarioError(f"no node matches --country {country!r} --kind {kind!r}; "
                            "`corridorsim nodes` lists them all")
    if fmt == "csv":
        emit_csv(table, out)
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"{len(table)} places (ids or names work wherever a place is asked for)",
              title_justify="left")
    for head in ("id", "name", "country", "kind", "roles"):
        t.add_column(head, overflow="fold")
    for row in table.itertuples(index=False):
        t.add_row(str(row.id), str(row.name), str(row.country), str(row.kind), str(row.roles))
    Console().print(t)
