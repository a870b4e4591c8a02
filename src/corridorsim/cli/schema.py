"""``corridorsim schema``: the scenario JSON Schema."""

from __future__ import annotations

import json

import click

__all__ = ["command"]


@click.command("schema")
def command() -> None:
    """Print the scenario JSON Schema (for editor completion)."""
    from corridorsim.scenario.model import Scenario

    click.echo(json.dumps(Scenario.model_json_schema(), indent=2))
