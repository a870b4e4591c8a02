"""``corridorsim compare RUN_A RUN_B``: per-route differences between two results folders."""

from __future__ import annotations

from pathlib import Path

import click

from corridorsim.cli.options import handle_errors, out_option

__all__ = ["command"]


@click.command("compare")
@click.argument("run_a", type=click.Path(path_type=Path))
@click.argument("run_b", type=click.Path(path_type=Path))
@out_option("Write the comparison here.")
@handle_errors
def command(run_a: Path, run_b: Path, out: Path | None) -> None:
    """Delta table per route between two results folders (B − A)."""
    from corridorsim.analysis.compare import compare_runs

    table, paths = compare_runs(run_a, run_b, out=out)
    click.echo(table.to_string(index=False))
    for p in paths:
        click.echo(str(p))
