"""The static part of route choice: priors, rates, constants, nests and caps per route.

(The weekly booking process is :mod:`corridorsim.sim.choice`.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from corridorsim.errors import ScenarioError
from corridorsim.routing.schedule import undisturbed_days
from corridorsim.scenario.choice_config import (
    ChoiceConfig,
    ChoiceSegment,
    ReferenceSegment,
    RoutePrior,
)
from corridorsim.scenario.model import Scenario
from corridorsim.sim.choice import ChoiceModel
from corridorsim.units import lognormal_mean

if TYPE_CHECKING:
    from corridorsim.accounting.route_rates import ChoiceRates
    from corridorsim.routing.instances import RouteInstance
    from corridorsim.sim.records import RunRecords

__all__ = ["DEFAULT_PRIORS", "PRIOR_PAIR", "build_choice", "prior_for"]

#: Prior door-to-door transit Xi'an -> Duisburg (days, p50 / p90): the undisturbed
#: baseline_2024 run (corridorsim 120-day run, seed 20240101), in line with the schedule
#: claims S23, S39, S41. They hold for that pair only (:data:`PRIOR_PAIR`); other pairs and
#: families start from the route's undisturbed schedule (corridorsim.routing.schedule) with a p90
#: 20 % above it (assumed) until the run has delivered enough to learn from.
PRIOR_PAIR = ("CN_XIY", "DE_DUI")
DEFAULT_PRIORS: dict[str, RoutePrior] = {
    "middle_corridor": RoutePrior(p50_d=24.7, p90_d=31.6),
    "middle_corridor_turkey": RoutePrior(p50_d=24.6, p90_d=29.5),
    "northern": RoutePrior(p50_d=14.2, p90_d=17.6),
    "suez": RoutePrior(p50_d=35.3, p90_d=40.2),
    "cape": RoutePrior(p50_d=44.5, p90_d=48.6),
}


def prior_for(inst: RouteInstance, cfg: ChoiceConfig, scn: Scenario | None = None,
              *, reference: bool = False) -> RoutePrior:
    """Where a route instance's expected transit starts (see :data:`DEFAULT_PRIORS`);
    ``reference=True``: the transit shippers expected when the reference shares were
    observed (``choice.reference.initial``, else the same prior)."""
    family = inst.family
    if reference and family in cfg.reference.initial:
        return cfg.reference.initial[family]
    if family in cfg.initial:
        return cfg.initial[family]
    if family in DEFAULT_PRIORS and (inst.origin, inst.destination) == PRIOR_PAIR:
        return DEFAULT_PRIORS[family]
    p50 = max(undisturbed_days(inst.route, scn), 0.1)
    return RoutePrior(p50_d=p50, p90_d=1.2 * p50)


def asc_table(scn: Scenario, families: list[str], keys: list[str],
              routes: Mapping[str, RouteInstance], seg_ids: list[str],
              static_ref: np.ndarray, nest: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Alternative-specific constants (S, R) USD/TEU.

    Explicit ``asc_usd_per_teu`` plus, with ``reference_shares``, constants that reproduce
    the shares under the reference conditions (``static_ref``: generalised cost at
    ``choice.reference``), per O-D:
    ``V_r = lam_m ln s_r + (1 - lam_m) ln S_m`` (nested logit), ``ASC_r = -scale V_r - GC_r``.
    """
    cfg = scn.choice
    out = np.zeros((len(seg_ids), len(keys)))
    for ri, k in enumerate(keys):
        out[:, ri] = cfg.asc_usd_per_teu.get(routes[k].family, 0.0)
    if not cfg.reference_shares and not any(p.reference_shares for p in cfg.segments.values()):
        return out
    ods: dict[tuple[str, str], list[int]] = {}
    for ri, k in enumerate(keys):
        if routes[k].family in families:
            ods.setdefault((routes[k].origin, routes[k].destination), []).append(ri)
    for ris in ods.values():
        fams = [routes[keys[ri]].family for ri in ris]
        fidx = np.array([families.index(f) for f in fams])
        nests = nest[fidx]
        lam_r = lam[nests]
        for si, seg in enumerate(seg_ids):
            p = cfg.segments.get(seg)
            if p is None:
                continue
            ref = p.reference_shares or cfg.reference_shares
            if not ref:
                continue
            s = np.array([ref.get(f, 0.0) for f in fams], dtype=float)
            if s.sum() <= 0:
                continue
            s = s / s.sum()
            s_nest = np.array([s[nests == m].sum() for m in nests])
            with np.errstate(divide="ignore"):
                v_target = lam_r * np.log(s) + (1 - lam_r) * np.log(s_nest)
            gc = static_ref[si, ris]
            asc = np.where(np.isfinite(v_target), -p.scale_usd * v_target - gc, 1e6)
            out[si, ris] = out[si, ris] + asc
    return out


@dataclass(frozen=True)
class _SegmentTerms:
    """Per cargo segment (arrays over the run's segments): value of time, reliability and
    carbon price, in the scenario and at the reference; logit scale."""

    vot: np.ndarray
    vor: np.ndarray
    carbon: np.ndarray
    scale: np.ndarray
    vot_ref: np.ndarray
    vor_ref: np.ndarray
    carbon_ref: np.ndarray


def _segment_terms(cfg: ChoiceConfig, seg_ids: list[str]) -> _SegmentTerms:
    default = next(iter(cfg.segments.values()), None)
    own = [cfg.segments.get(s, default) or ChoiceSegment(
        value_of_time_usd_per_teu_day=0.0, reliability_usd_per_teu_day=0.0, scale_usd=1.0)
        for s in seg_ids]
    refs = [cfg.reference.segments.get(s, ReferenceSegment()) for s in seg_ids]
    carbon0 = cfg.reference.carbon_price_usd_per_t

    def at_ref(mine: float, ref: float | None) -> float:
        return mine if ref is None else ref

    return _SegmentTerms(
        vot=np.array([p.value_of_time_usd_per_teu_day for p in own]),
        vor=np.array([p.reliability_usd_per_teu_day for p in own]),
        carbon=np.array([p.carbon_price_usd_per_t for p in own]),
        scale=np.array([p.scale_usd for p in own]),
        vot_ref=np.array([at_ref(p.value_of_time_usd_per_teu_day, r.value_of_time_usd_per_teu_day)
                          for p, r in zip(own, refs, strict=True)]),
        vor_ref=np.array([at_ref(p.reliability_usd_per_teu_day, r.reliability_usd_per_teu_day)
                          for p, r in zip(own, refs, strict=True)]),
        carbon_ref=np.array([at_ref(carbon0, r.carbon_price_usd_per_t) for r in refs]))


def _nests(cfg: ChoiceConfig, families: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Nest index of every family and dissimilarity per nest; the unnested families each
    alone with dissimilarity 1."""
    nest = np.full(len(families), -1, dtype=np.int64)
    lam: list[float] = []
    for n in cfg.nests.values():
        members = [families.index(f) for f in n.routes if f in families]
        if members:
            nest[members] = len(lam)
            lam.append(n.dissimilarity)
    for f in range(len(families)):
        if nest[f] < 0:
            nest[f] = len(lam)
            lam.append(1.0)
    return nest, np.array(lam)


def _check_route_names(scn: Scenario) -> None:
    """Families named under ``subsidy_usd_per_teu`` and ``reference.initial`` must be
    among the choice's routes."""
    cfg = scn.choice
    allowed = set(cfg.routes if cfg.routes is not None else scn.routes)
    for where, names in (("choice.subsidy_usd_per_teu", cfg.subsidy_usd_per_teu),
                         ("choice.reference.initial", cfg.reference.initial)):
        unknown = sorted(set(names) - allowed)
        if unknown:
            raise ScenarioError(f"{where}: {unknown} not among the route families of route "
                                f"choice {sorted(allowed)}")


def _static_costs(scn: Scenario, routes: Mapping[str, RouteInstance], seg_ids: list[str],
                  terms: _SegmentTerms, rates: ChoiceRates) -> tuple[np.ndarray, np.ndarray,
                                                                    np.ndarray, np.ndarray]:
    """(S, R) static generalised cost in the scenario (freight + carbon - subsidy, no
    constant) and the full generalised cost at the reference (with the reference transit
    priors); (R,) prior mean transit and spread (days) of the scenario."""
    cfg = scn.choice
    keys = list(routes)
    n_r = len(keys)
    freight, co2, freight_ref, co2_ref, subsidy = (np.zeros(n_r) for _ in range(5))
    prior = np.zeros((2, n_r))
    prior_ref = np.zeros((2, n_r))
    for ri, k in enumerate(keys):
        freight[ri] = rates.scenario[k].freight_usd_per_teu
        co2[ri] = rates.scenario[k].co2e_t_per_teu
        subsidy[ri] = cfg.subsidy_usd_per_teu.get(routes[k].family, 0.0)
        if rates.reference is not None:
            freight_ref[ri] = rates.reference[k].freight_usd_per_teu
            co2_ref[ri] = rates.reference[k].co2e_t_per_teu
        for out, ref in ((prior, False), (prior_ref, True)):
            pr = prior_for(routes[k], cfg, scn, reference=ref)
            out[:, ri] = lognormal_mean(pr.p50_d, pr.p90_d), pr.p90_d - pr.p50_d
    gc = freight[None, :] + terms.carbon[:, None] * co2[None, :] - subsidy[None, :]
    time_ref = (terms.vot_ref[:, None] * prior_ref[0][None, :]
                + terms.vor_ref[:, None] * prior_ref[1][None, :])
    gc_ref = freight_ref[None, :] + terms.carbon_ref[:, None] * co2_ref[None, :] + time_ref
    return gc, gc_ref, prior[0], prior[1]


def build_choice(scn: Scenario, routes: Mapping[str, RouteInstance], rec: RunRecords,
                 families: list[str], book: np.ndarray, inst: np.ndarray, avail: np.ndarray,
                 due_given_h: np.ndarray, fixed_idx: np.ndarray,
                 due_route_h: np.ndarray, rates: ChoiceRates) -> ChoiceModel:
    """Static parts of the choice model: rates, emissions, priors, constants, nests, caps.

    ``due_route_h``: each route instance's due hours (:func:`corridorsim.routing.schedule.due_days`
    at the volume the reference shares put on it)."""
    cfg = scn.choice
    _check_route_names(scn)
    keys = list(routes)
    seg_ids = list(rec.segment_ids)
    terms = _segment_terms(cfg, seg_ids)
    gc, gc_ref, prior_mean, prior_spread = _static_costs(scn, routes, seg_ids, terms, rates)
    nest, lam = _nests(cfg, families)
    asc = asc_table(scn, families, keys, routes, seg_ids, gc_ref, nest, lam)
    fam_idx = {f: i for i, f in enumerate(families)}
    cap = np.array([cfg.capacity_teu_per_week.get(f, np.inf) for f in families], dtype=float)
    fam_of_inst = np.array([fam_idx.get(routes[k].family, -1) for k in keys], dtype=np.int64)
    cm = ChoiceModel(scn=scn, families=families, inst=inst, avail=avail, book=book,
                     due_given_h=due_given_h,
                     due_route_h=due_route_h,
                     gc_static=gc + asc, vot=terms.vot, vor=terms.vor, scale=terms.scale,
                     prior_mean_d=prior_mean, prior_spread_d=prior_spread, nest=nest, lam=lam,
                     cap_teu=cap)
    cm.fixed_idx = fixed_idx.astype(np.int64)
    cm.fam_of_inst = fam_of_inst
    return cm
