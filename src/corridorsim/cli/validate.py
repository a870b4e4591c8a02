"""``corridorsim validate SCENARIO``: check a scenario without running it."""

from __future__ import annotations

import click

from corridorsim.cli.common import load_checked
from corridorsim.cli.options import handle_errors

__all__ = ["command"]


@click.command("validate")
@click.argument("scenario")
@handle_errors
def command(scenario: str) -> None:
    """Check SCENARIO without running it."""
    scn, _ = load_checked(scenario)
    click.echo(f"{scenario}: valid ({scn.name}: {len(scn.demand)} demand rows, "
               f"routes {', '.join(scn.routes)}, {scn.horizon_d:g} days)")
