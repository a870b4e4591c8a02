"""``corridorsim validate SCENARIO``: check a scenario without running it."""

from __future__ import annotations

import textwrap

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
    named = "" if scn.name == scenario else f" (scenario {scn.name})"
    click.echo(f"{scenario}: valid{named}")
    what = (f"{len(scn.demand)} demand rows over {scn.horizon_d:g} days; "
            f"routes {', '.join(scn.routes)}")
    click.echo(textwrap.fill(what, width=80, initial_indent="  ", subsequent_indent="  ",
                             break_on_hyphens=False))
