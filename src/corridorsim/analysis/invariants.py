"""End-of-run checks: what must hold in every run, or corridorsim has a bug."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corridorsim.analysis.tables import chunk_bounds
from corridorsim.errors import InternalError
from corridorsim.sim.records import RunRecords

if TYPE_CHECKING:
    from corridorsim.result import RunResult

__all__ = ["check_invariants", "check_run"]


def check_invariants(res: RunResult) -> None:
    """:func:`check_run` on a finished result (one with a trace)."""
    if res.trace is None:
        raise TypeError("check_invariants needs a result with the engine's records (a trace)")
    check_run(res.trace.records, res.info, res.facilities, res.vehicles)


def check_run(rec: RunRecords, info: Mapping[str, Any], facilities: pd.DataFrame,
              vehicles: pd.DataFrame) -> None:
    """Cheap end-of-run checks; a violation is a bug in corridorsim (:class:`InternalError`).

    TEU conserved (created = delivered + in system, per consignment and run.json),
    waiting + moving = time in each stage, each stage starting when the previous ends (so
    waiting + moving = transit for each delivered consignment), no stage ending before it
    starts (clock monotone), no facility busier than its servers and no vehicle loaded above
    its capacity. Works on the run's arrays, so no table is built.
    """

    def bug(what: str) -> InternalError:
        return InternalError(
            f"internal error (a bug in corridorsim, not in your input): {what}. "
            f"Run of scenario {info.get('scenario', '?')!r} with seed "
            f"{info.get('seed', '?')} (scenario_hash "
            f"{str(info.get('scenario_hash', '?'))[:12]}); please report it at the "
            "corridorsim issue tracker with the scenario file and this message"
        )

    _check_teu(info, rec.teu, ~np.isnan(rec.delivered_h), bug)
    _check_records(rec, bug)
    _check_places(facilities, vehicles, bug)


def _check_teu(info: Mapping[str, Any], teu: np.ndarray, done: np.ndarray,
               bug: Callable[[str], InternalError]) -> None:
    created, delivered = float(teu.sum()), float(teu[done].sum())
    if not (np.isclose(info["teu_created"], info["teu_delivered"] + info["teu_in_system"])
            and np.isclose(created, info["teu_created"])
            and np.isclose(delivered, info["teu_delivered"])):
        raise bug(f"TEU not conserved: created {info['teu_created']:g} != delivered "
                  f"{info['teu_delivered']:g} + in system {info['teu_in_system']:g} "
                  f"(consignments: {created:g} created, {delivered:g} delivered)")


def _check_records(rec: RunRecords, bug: Callable[[str], InternalError],
                   chunk_rows: int = 2_000_000) -> None:
    """Stage by stage: moving + waiting = time in the stage, each stage starts when the
    previous one ends, the first when booked and the last ends at delivery. Together these
    give waiting + moving = transit for every delivered consignment, without summing per
    consignment. One pass over the records in chunks."""
    done = ~np.isnan(rec.delivered_h)
    neg = done & (rec.delivered_h < rec.created_h - 1e-9)
    if neg.any():
        raise bug(f"negative transit time (consignment {int(np.flatnonzero(neg)[0])})")
    if rec.n == 0:
        return
    if not np.array_equal(rec.t_in[rec.first_row], rec.created_h):
        raise bug("a consignment's first stage does not start at its booking")
    for lo, hi in chunk_bounds(rec, chunk_rows):
        r0 = int(rec.first_row[lo])
        r1 = int(rec.first_row[hi]) if hi < rec.n else rec.n_rows
        t_in, t_out = rec.t_in[r0:r1], rec.t_out[r0:r1]
        spent = t_out - t_in  # NaN where not entered or not left: every comparison False
        if (spent < -1e-9).any():
            raise bug("clock not monotone: a stage ends before it starts")
        booked = rec.wait[:, r0:r1].sum(axis=0)  # float32, a few terms per stage
        booked += rec.moving[r0:r1]
        err = np.abs(spent - booked)
        off = err > 1e-3 + 1e-5 * np.abs(spent)
        if off.any():
            row = r0 + int(np.flatnonzero(off)[0])
            cid = int(np.searchsorted(rec.first_row, row, side="right") - 1)
            raise bug(f"waiting + moving != transit for {int(off.sum())} stage(s), e.g. "
                      f"consignment {cid} stage {row - int(rec.first_row[cid])}")
        idle = np.isnan(t_in)  # rows never entered carry no time
        if (booked[idle] != 0).any():
            raise bug("waiting or moving recorded on a stage that was never entered")
        # each entered stage starts when the previous stage of its consignment ends
        gap = t_in[1:] != t_out[:-1]
        gap &= ~np.isnan(t_in[1:])
        gap[rec.first_row[lo + 1:hi] - r0 - 1] = False  # row pairs across two consignments
        if gap.any():
            raise bug("a stage does not start when the previous one ends")
        last = rec.first_row[lo:hi] + rec.last_stage[lo:hi] - r0
        d = done[lo:hi]
        if (t_out[last[d]] != rec.delivered_h[lo:hi][d]).any():
            raise bug("a delivered consignment's last stage does not end at delivery")


def _check_places(fac: pd.DataFrame, veh: pd.DataFrame,
                  bug: Callable[[str], InternalError]) -> None:
    if len(fac) and "utilisation" in fac and (fac["utilisation"] > 1.0 + 1e-6).any():
        node = str(fac.loc[fac["utilisation"] > 1.0 + 1e-6, "node"].iloc[0])
        raise bug(f"facility {node} above capacity (utilisation > 1)")
    if len(veh) and (veh["load_teu"] > veh["capacity_teu"] + 1e-6).any():
        svc = str(veh.loc[veh["load_teu"] > veh["capacity_teu"] + 1e-6, "service"].iloc[0])
        raise bug(f"vehicle of {svc} loaded above its capacity")
