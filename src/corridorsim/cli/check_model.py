"""``corridorsim check-model``: observed vs simulated for every published observation."""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from corridorsim.cli.common import load_checked
from corridorsim.cli.options import handle_errors, out_option, table_console
from corridorsim.errors import OutputError, ScenarioError

if TYPE_CHECKING:
    import pandas as pd

    from corridorsim.network import Network

__all__ = ["command", "format_value"]


def format_value(v: float | None, unit: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if unit in ("TEU/yr",):
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}"


COLUMNS: tuple[tuple[str, Literal["left", "right"]], ...] = (
    ("id", "left"), ("role", "left"), ("quantity", "left"), ("observed", "right"),
    ("accepted band", "right"), ("simulated", "right"), ("residual", "right"), ("unit", "left"),
    ("result", "left"), ("source", "left"))


def _result(r: Mapping[Hashable, Any]) -> str:
    ok = "[green]pass[/]" if r["pass"] else "[red]FAIL[/]"
    return ok if r.get("role", "validation") == "validation" else ok + " (not counted)"


#: the columns of the default (80-column) table; ``--wide`` prints :data:`COLUMNS`
NARROW = ("id", "quantity", "simulated", "accepted band", "unit", "result")


def _print_table(table: pd.DataFrame, title: str, *, wide: bool) -> None:
    from rich.table import Table

    t = Table(title=title)
    shown = [(h, j) for h, j in COLUMNS if wide or h in NARROW]
    for head, just in shown:
        t.add_column(head, justify=just, overflow="fold")
    for r in table.to_dict("records"):
        u = r["unit"]
        band = f"{format_value(r['accept_low'], u)}–{format_value(r['accept_high'], u)}"
        pct = r["error_pct"]
        cells = {"id": r["id"], "role": r.get("role", "validation"), "quantity": r["quantity"],
                 "observed": format_value(r["observed"], u), "accepted band": band,
                 "simulated": format_value(r["simulated"], u),
                 "residual": "n/a" if math.isnan(pct) else f"{pct:+.1f}%", "unit": u,
                 "result": _result(r), "source": f"{r['source']} {r['year']}"}
        t.add_row(*(cells[h] for h, _ in shown))
    table_console(wide=wide).print(t)


@click.command("check-model")
@click.argument("scenario", default="baseline_2024")
@out_option("Folder for validation.csv and validation.html (default results/<scenario>-validation).")
@click.option("--observations", "obs_path", type=click.Path(path_type=Path),
              help="Observations file (default: the one shipped with corridorsim).")
@click.option("--only", help="Comma-separated observation ids to check (default: all).")
@click.option("--kind", type=click.Choice(["component", "schedule"]),
              help="Check only component figures or only schedule claims.")
@click.option("--report/--no-report", default=True, show_default=True,
              help="Also write report.html of the baseline-condition run with a Validation section.")
@click.option("--strict", is_flag=True, help="Exit 1 if any component observation fails.")
@click.option("--episodes/--no-episodes", default=True, show_default=True,
              help="Also run the real-episode scenarios and show their simulated effects.")
@click.option("--episode-horizon-days", type=click.FloatRange(min=1.0, max=3650.0),
              help="Cut each episode run to this many days (default: its own horizon).")
@click.option("--wide", is_flag=True,
              help="Print every column (observed, residual, role, source) however wide.")
@handle_errors
def command(scenario: str, out: Path | None, obs_path: Path | None, only: str | None,
            kind: str | None, report: bool, strict: bool, episodes: bool,
            episode_horizon_days: float | None, wide: bool) -> None:
    """Run SCENARIO under each observation's conditions; print observed vs simulated.

    Writes validation.csv (one row per observation: role, observed, tolerance band, simulated,
    pass/fail, source) and validation.html, and prints the validation pass rate (role
    validation only) and, apart, the residuals of the calibration targets and inputs. With
    --episodes (default) it also runs the shipped real-episode scenarios and writes their
    simulated effects (extra days, queue peak, recovery) to episodes.csv and the page.
    """
    from corridorsim.validation.check import calibration_residuals, counted, run_check, summary_line
    from corridorsim.viz.validation_section import validation_page

    t0 = time.perf_counter()
    scn, net = load_checked(scenario)
    obs = _observations(obs_path, only, kind)
    out = out if out is not None else Path("results") / f"{scn.name}-validation"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create folder ({exc.strerror})") from exc
    res = run_check(scn, network=net, observations=obs,
                    progress=lambda c: click.echo(f"running condition {c} ...", err=True))
    table = res.table
    _print_table(counted(table), f"check-model · {scn.name} · observations v{res.version} · "
                 "validation (counted in the pass rate)", wide=wide)
    cal = calibration_residuals(table)
    if len(cal):
        _print_table(cal, "calibration targets and inputs (residuals; not in the pass rate)",
                     wide=wide)
    eps = _episodes(net, episode_horizon_days, wide=wide) if episodes else None
    csv_path, html_path = out / "validation.csv", out / "validation.html"
    paths = [csv_path, html_path]
    try:
        table.to_csv(csv_path, index=False, float_format="%.6g")
        html_path.write_text(validation_page(table, scenario=scn.name, version=res.version,
                                             episodes=eps), encoding="utf-8")
        if eps is not None:
            eps.to_csv(out / "episodes.csv", index=False, float_format="%.6g")
            paths.append(out / "episodes.csv")
    except OSError as exc:
        raise OutputError(f"{out}: cannot write ({exc.strerror})") from exc
    if report and res.runs:
        run = res.runs.get("baseline") or next(iter(res.runs.values()))
        run = run.replace(extra_tables={**run.extra_tables, "validation.csv": table})
        try:
            from corridorsim.viz import write_report
        except ImportError:
            pass
        else:
            paths += write_report(run, out)
    table_console().print(summary_line(table), markup=False)
    for p in paths:
        click.echo(str(p))
    click.echo(f"done in {time.perf_counter() - t0:.1f} s", err=True)
    comp = table[table["kind"] == "component"]
    if strict and len(comp) and not comp["pass"].all():
        raise SystemExit(1)


def _episodes(net: Network, horizon_d: float | None, *, wide: bool) -> pd.DataFrame:
    """Run every shipped episode, print and return their effects (one row each)."""
    from rich.table import Table

    from corridorsim.validation.episodes import (
        EPISODE_COLUMNS,
        EPISODES,
        episode_cells,
        episode_effect,
        episodes_table,
        run_episode,
    )

    effects = []
    for name in EPISODES:
        click.echo(f"running episode {name} ...", err=True)
        effects.append(episode_effect(run_episode(name, network=net, horizon_d=horizon_d)))
    eps = episodes_table(effects)
    t = Table(title="real episodes: simulated effects (the model decides; compare with what "
                    "you know)")
    for head in EPISODE_COLUMNS:
        numeric = head in ("affected TEU", "extra days mean / P90", "before")
        t.add_column(head, justify="right" if numeric else "left", overflow="fold")
    for r in eps.to_dict("records"):
        t.add_row(*episode_cells(r))
    table_console(wide=wide).print(t)
    return eps


def _observations(obs_path: Path | None, only: str | None, kind: str | None) -> pd.DataFrame:
    """The observations to check: those of ``--only`` and ``--kind`` (default: all)."""
    from corridorsim.validation.observations import load_observations

    obs = load_observations(obs_path)
    if only:
        ids = [x.strip() for x in only.split(",") if x.strip()]
        unknown = sorted(set(ids) - set(obs["id"]))
        if unknown:
            raise ScenarioError(f"--only: unknown observation id(s) {', '.join(unknown)}; "
                                f"known: {', '.join(obs['id'])}")
        obs = obs[obs["id"].isin(ids)]
    if kind:
        obs = obs[obs["kind"] == kind]
    if obs.empty:
        raise ScenarioError("no observations selected")
    return obs
