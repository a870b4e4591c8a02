"""``corridorsim new NAME``: a commented scenario template to start from."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from corridorsim.cli.options import force_option, handle_errors
from corridorsim.errors import OutputError, ScenarioError

__all__ = ["command"]


@click.command("new")
@click.argument("name")
@force_option("Overwrite an existing file.")
@handle_errors
def command(name: str, force: bool) -> None:
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
