"""Real 2024–2026 episodes (addendum §3, T-D1…T-D5): what the model makes of them.

``check-model`` runs each shipped episode scenario (its own dates and demand; optionally cut
to a shorter horizon) and reads three effects from the run's own tables — nothing observed is
an input, so readers can compare them with what they know happened:

extra days
    consignments that waited for a closure (``wait_disruption_h > 0``), their mean transit
    less the mean transit of the consignments of the same route booked in the four weeks
    before the episode and untouched by it;
queue peak
    on the routes the episode's disruptions act on (their nodes), among the facilities that
    had traffic before it, the facility (node, direction) whose weekly peak of TEU held — at
    the facility or waiting there for the next vehicle out (``facility_timeseries.csv``) —
    rose most above its pre-episode level, with the peak, its week and that level; and where
    the consignments of the first point were held (the node most of them waited at);
recovery
    days from the end of the episode (the last disruption window) to the start of the first
    week in which that facility's peak is back within 10 % (+20 TEU) of its pre-episode level,
    to the week; empty if it is not back by the horizon.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corridorsim.units import WEEK_H

if TYPE_CHECKING:
    from corridorsim.network import Network
    from corridorsim.result import RunResult

__all__ = ["EPISODES", "EPISODE_COLUMNS", "EpisodeEffect", "episode_cells", "episode_effect",
           "episodes_table", "run_episode"]

EPISODES = ("pl_by_closure_2025", "dostyk_eastbound_ban_2024", "kuryk_ban_2025",
            "suez_return_2026")
REFERENCE_D = 28.0  #: bookings this many days before the episode are the reference
RECOVERED_RATIO, RECOVERED_SLACK_TEU = 1.10, 20.0


@dataclass(frozen=True)
class EpisodeEffect:
    """One episode's simulated effect (``math.nan`` / empty where the run cannot say)."""

    scenario: str
    episode: str  #: the first disruption's label
    start: str
    end: str  #: the last day of the episode, or of the run if it ends first (``end_cut``)
    end_cut: bool
    horizon_d: float
    affected_consignments: int
    affected_teu: float
    extra_days_mean: float
    extra_days_p90: float
    held_at: str  #: where the consignments that waited for the closure were held (most of them)
    queue_node: str
    queue_name: str
    queue_direction: str
    queue_peak_teu: float
    queue_peak_week: str
    queue_before_teu: float
    recovery_d: float


def run_episode(name: str, *, network: Network | None = None,
                horizon_d: float | None = None) -> RunResult:
    """The shipped episode ``name`` with its own dates, cut to ``horizon_d`` days if given."""
    from corridorsim.run import run_scenario
    from corridorsim.scenario.load import load_scenario, scenario_from_dict

    scn, _ = load_scenario(name)
    if horizon_d is not None and horizon_d < scn.horizon_d:
        data = scn.model_dump(mode="json")
        data.pop("provenance", None)
        data["horizon_d"] = horizon_d
        scn = scenario_from_dict(data, source=f"{name} (cut to {horizon_d:g} days)")
    return run_scenario(scn, network=network)


def _date(res: RunResult, h: float) -> str:
    return str(dt.date.fromisoformat(res.scenario.start_date) + dt.timedelta(hours=h))


def _window(res: RunResult) -> tuple[float, float, str, bool] | None:
    """First start, last end (cut to the horizon, and whether it was) and the first label."""
    ws = res.closures.windows()
    if not ws:
        return None
    horizon_h = float(res.scenario.horizon_d) * 24.0
    t0 = min(w.start_h for w in ws)
    end = max(w.end_h for w in ws)
    return t0, min(end, horizon_h), ws[0].label.partition(":")[0], end > horizon_h


def _extra_days(res: RunResult, t0: float) -> tuple[int, float, float, float]:
    c = res.consignments
    done = c[c["delivered"]]
    hit = done[done["wait_disruption_h"] > 0]
    ref = done[(done["wait_disruption_h"] == 0) & (done["created_h"] >= t0 - REFERENCE_D * 24)
               & (done["created_h"] < t0)]
    base = ref.groupby("route_key", observed=True)["transit_h"].mean()
    extra = (hit["transit_h"] - hit["route_key"].map(base).astype(float)).dropna() / 24.0
    n = int((c["wait_disruption_h"] > 0).sum())
    teu = float(c.loc[c["wait_disruption_h"] > 0, "teu"].sum())
    if extra.empty:
        return n, teu, math.nan, math.nan
    return n, teu, float(extra.mean()), float(extra.quantile(0.9))


def _held_at(res: RunResult) -> str:
    """The node most consignments waited at for a closure (a stop, or the departure node of
    the leg whose vehicle waited); empty if none did."""
    legs = res.legs
    at = legs.loc[legs["wait_disruption_h"] > 0, "node_from"].astype(str)
    if at.empty:
        return ""
    node = str(at.value_counts().sort_index().idxmax())
    return str(res.network.nodes.loc[node, "name"]) if node in res.network.nodes.index else node


def _route_nodes(res: RunResult) -> set[str]:
    """Nodes of the routes the run's disruptions act on."""
    out: set[str] = set()
    for inst in res.routes.values():
        if res.closures.on_route(inst):
            out.update(inst.route.nodes)
    return out


def _queue(res: RunResult, t0: float, t1: float) -> dict[str, Any]:
    ft = res.extra_tables["facility_timeseries.csv"].copy()
    nodes = _route_nodes(res)
    if nodes & set(ft["node"]):
        ft = ft[ft["node"].isin(nodes)]
    ft["held"] = ft[["teu_at_facility_max", "teu_waiting_onward_max"]].max(axis=1)
    start = pd.Timestamp(res.scenario.start_date)
    ws = (pd.to_datetime(ft["week_start"]) - start) / pd.Timedelta(hours=1)
    ft["start_h"] = ws.clip(lower=0.0)
    warm = float(res.scenario.warmup_d) * 24.0
    before = ft[(ft["start_h"] >= warm) & (ft["start_h"] + WEEK_H <= t0)]
    if before.empty:  # an episode from the end of the warm-up: the weeks before it
        before = ft[ft["start_h"] + WEEK_H <= t0]
    level = before.groupby(["node", "direction"])["held"].max()
    busy = before.groupby(["node", "direction"])["vehicles"].sum()
    after = ft[ft["start_h"] + WEEK_H > t0]
    if (busy > 0).any():  # facilities the traffic had reached before the episode
        keys = pd.MultiIndex.from_frame(after[["node", "direction"]])
        after = after[busy.reindex(keys).fillna(0).to_numpy() > 0]
    if after.empty:
        return {}
    key = list(zip(after["node"], after["direction"], strict=True))
    pre = pd.Series(level.reindex(key).to_numpy(), index=after.index).fillna(0.0)
    best = int(np.argmax((after["held"] - pre).to_numpy()))
    row, pre_level = after.iloc[best], float(pre.iloc[best])
    same = ft[(ft["node"] == row["node"]) & (ft["direction"] == row["direction"])
              & (ft["start_h"] >= t1 - WEEK_H + 1e-9)]
    back = same[same["held"] <= pre_level * RECOVERED_RATIO + RECOVERED_SLACK_TEU]
    back = back[back["start_h"] >= row["start_h"]]
    rec = max(0.0, (float(back["start_h"].iloc[0]) - t1) / 24.0) if len(back) else math.nan
    return {"queue_node": str(row["node"]), "queue_name": str(row["name"]),
            "queue_direction": str(row["direction"]), "queue_peak_teu": float(row["held"]),
            "queue_peak_week": str(row["week_start"]), "queue_before_teu": pre_level,
            "recovery_d": rec}


def episode_effect(res: RunResult) -> EpisodeEffect:
    """The effects of the run's disruptions, read from its tables (see the module doc)."""
    win = _window(res)
    empty: dict[str, Any] = {"held_at": "", "queue_node": "", "queue_name": "", "queue_direction": "",
             "queue_peak_teu": math.nan, "queue_peak_week": "", "queue_before_teu": math.nan,
             "recovery_d": math.nan}
    if win is None:
        return EpisodeEffect(res.scenario.name, "no disruption", "", "", False,
                             float(res.scenario.horizon_d), 0, 0.0, math.nan, math.nan, **empty)
    t0, t1, label, cut = win
    n, teu, mean, p90 = _extra_days(res, t0)
    q = {**empty, **_queue(res, t0, t1), "held_at": _held_at(res)}
    return EpisodeEffect(res.scenario.name, label, _date(res, t0), _date(res, t1 - 1e-6), cut,
                         float(res.scenario.horizon_d), n, teu, mean, p90, **q)


EPISODE_COLUMNS = ("episode scenario", "window", "affected TEU", "extra days mean / P90",
                   "held at", "queue peak (where, week)", "before", "recovery")


def episode_cells(r: Mapping[Hashable, Any]) -> list[str]:
    """An episode row as text: scenario, window, affected TEU, extra days, queue, recovery."""
    def num(v: Any, spec: str, unit: str = "") -> str:
        return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) \
            else f"{v:{spec}}{unit}"

    window = f"{r['start']} → {r['end']}" if r["start"] else "no disruption"
    if r["start"] and str(r["end_cut"]) == "True":
        window += " (end of run)"
    extra = f"{num(r['extra_days_mean'], '.1f')} / {num(r['extra_days_p90'], '.1f')} d"
    if r["start"] and not r["affected_consignments"]:
        extra = "nobody waited"  # e.g. bookings closed: shippers chose another route
    queue = (f"{num(r['queue_peak_teu'], ',.0f')} TEU at {r['queue_name']} "
             f"({r['queue_direction']}), week of {r['queue_peak_week']}"
             if r["queue_node"] else "n/a")
    rec = num(r["recovery_d"], ".0f", " d after the end") if r["queue_node"] else "n/a"
    if r["queue_node"] and isinstance(r["recovery_d"], float) and math.isnan(r["recovery_d"]):
        rec = f"not by the horizon ({r['horizon_d']:.0f} d)"
    held = str(r["held_at"]) if r["held_at"] and r["held_at"] == r["held_at"] else "—"
    return [str(r["scenario"]), window, num(r["affected_teu"], ",.0f"), extra, held, queue,
            num(r["queue_before_teu"], ",.0f", " TEU"), rec]


def episodes_table(effects: list[EpisodeEffect]) -> pd.DataFrame:
    """One row per episode (``episodes.csv``)."""
    return pd.DataFrame([asdict(e) for e in effects])
