"""Helpers several commands use: a checked scenario with its network, CSV to a file or stdout.

Heavy modules (the network's geopandas, pandas) are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from corridorsim.errors import OutputError

if TYPE_CHECKING:
    import pandas as pd

    from corridorsim.network import Network
    from corridorsim.scenario.model import Scenario

__all__ = ["emit_csv", "load_checked", "with_overrides"]


def load_checked(scenario: str, adjust: Callable[[Scenario], Scenario] | None = None,
                 net: Network | None = None) -> tuple[Scenario, Network]:
    """SCENARIO (a file or a shipped scenario's name), checked against the shipped network
    (``net`` when already loaded), then ``adjust``-ed (command-line overrides); legal but
    suspicious values of the scenario that will run are warned about on stderr."""
    from corridorsim.cli.options import print_warning
    from corridorsim.network import load_network
    from corridorsim.scenario.check import check_scenario
    from corridorsim.scenario.load import load_scenario, scenario_warnings

    scn, pos = load_scenario(scenario)
    net = net if net is not None else load_network()
    scn = check_scenario(scn, net, positions=pos, source=str(scenario))
    if adjust is not None:
        scn = adjust(scn)
    for w in scenario_warnings(scn, pos, str(scenario)):
        print_warning(w)
    return scn, net


def with_overrides(scn: Scenario, scenario: str, seed: int | None,
                horizon_days: float | None) -> Scenario:
    """``scn`` with ``--seed`` and ``--horizon-days`` applied (a warm-up as long as the new
    horizon shrinks to a quarter of it)."""
    from corridorsim.cli.options import print_warning
    from corridorsim.scenario.load import scenario_from_dict

    if seed is None and horizon_days is None:
        return scn
    data = scn.model_dump()
    if seed is not None:
        data["seed"] = seed
    if horizon_days is not None:
        data["horizon_d"] = horizon_days
        if data["warmup_d"] >= horizon_days:
            clipped = horizon_days / 4
            print_warning(f"--horizon-days {horizon_days:g} is not longer than the scenario's "
                          f"warm-up (warmup_d {data['warmup_d']:g}): the warm-up is cut to "
                          f"{clipped:g} days (a quarter of the horizon); give a longer "
                          "horizon or set warmup_d in the scenario")
            data["warmup_d"] = clipped
    return scenario_from_dict(data, source=f"{scenario} (with command-line overrides)")




def emit_csv(table: pd.DataFrame, out: Path | None) -> None:
    """``table`` as CSV into ``out`` (then its path on stdout), or onto stdout."""
    text = table.to_csv(index=False)
    if out:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"{out}: cannot write ({exc.strerror})") from exc
        click.echo(str(out))
    else:
        click.echo(text, nl=False)
