"""Resource limits checked before a run allocates anything.

A run keeps every consignment in its engine arrays (the consignment and leg tables are
written chunk by chunk, never held whole): at peak about :data:`BYTES_PER_CONSIGNMENT` plus
:data:`BYTES_PER_STAGE` per stage of its route — ~370 bytes for a port-to-port sea
consignment (3–4 stages; measured: the 10-million-TEU benchmark year, 5.57 M consignments,
2.0 GB with every table written), ~1 kB for a Xi'an–Duisburg rail one (13 stages); the
report adds a bounded sample (≤ 5,000 consignments per route). Demand that would create more consignments
than :func:`max_consignments` is refused with a :class:`~corridorsim.errors.ScenarioError`
*before* any array is allocated, naming the demand rows that drive the estimate.
See ``docs/limits.md``.
"""

from __future__ import annotations

import os

from corridorsim.errors import ScenarioError
from corridorsim.scenario.model import Scenario

__all__ = ["DEFAULT_MAX_CONSIGNMENTS", "ENV_VAR", "check_limits", "expected_bytes",
           "expected_consignments", "max_consignments"]

#: Default cap: a year of all China–Europe container trade (10 M TEU, ~5.6 M consignments,
#: ~2 GB) fits; 6 M consignments of rail (13 stages) would need ~6 GB.
DEFAULT_MAX_CONSIGNMENTS = 6_000_000
ENV_VAR = "CORRIDORSIM_MAX_CONSIGNMENTS"
#: Peak bytes per consignment and per stage of its route (measured, see module docstring).
BYTES_PER_CONSIGNMENT = 110
BYTES_PER_STAGE = 75
#: Stages assumed when the routes are not known yet.
DEFAULT_STAGES = 4


def max_consignments() -> int:
    """The cap in force: ``$CORRIDORSIM_MAX_CONSIGNMENTS`` or the default."""
    raw = os.environ.get(ENV_VAR, "").strip().replace("_", "")
    if not raw:
        return DEFAULT_MAX_CONSIGNMENTS
    try:
        value = int(float(raw))
    except (ValueError, OverflowError):
        raise ScenarioError(
            f"{ENV_VAR}={os.environ[ENV_VAR]!r}: expected a positive whole number"
        ) from None
    if value <= 0:
        raise ScenarioError(f"{ENV_VAR}={value}: expected a positive whole number")
    return value


def expected_consignments(scn: Scenario) -> list[float]:
    """Expected consignments per demand row: ``teu_per_week × horizon/7 / (1 + feu_share)``.

    Seasonality and weekday profiles average to 1; their peak factor bounds the estimate
    from above only when the horizon is shorter than their period, so they are ignored.
    """
    weeks = scn.horizon_d / 7.0
    return [row.teu_per_week * weeks / (1.0 + row.feu_share) for row in scn.demand]


def expected_bytes(scn: Scenario, stages: list[int] | None = None) -> float:
    """Peak memory the demand would need: per demand row, consignments × (bytes per
    consignment + bytes per stage × the row's route stages)."""
    per_row = expected_consignments(scn)
    st = stages if stages is not None else [DEFAULT_STAGES] * len(per_row)
    return sum(n * (BYTES_PER_CONSIGNMENT + BYTES_PER_STAGE * k)
               for n, k in zip(per_row, st, strict=True))


def check_limits(scn: Scenario, *, source: str | None = None,
                 stages: list[int] | None = None) -> None:
    """Raise :class:`ScenarioError` if ``scn`` would create more consignments than the cap.

    ``stages`` (per demand row, the stages of its route) sharpens the memory estimate in
    the message.
    """
    cap = max_consignments()
    per_row = expected_consignments(scn)
    total = sum(per_row)
    if total <= cap:
        return
    where = source or f"scenario {scn.name!r}"
    top = sorted(range(len(per_row)), key=lambda i: -per_row[i])[:5]
    rows = "; ".join(
        f"demand[{i}] ({scn.demand[i].route}, {scn.demand[i].teu_per_week:,.0f} TEU/week) "
        f"≈ {per_row[i]:,.0f}" for i in top
    )
    gb = expected_bytes(scn, stages) / 1e9
    raise ScenarioError(
        f"{where}: demand.teu_per_week: about {total:,.0f} consignments over "
        f"horizon_d {scn.horizon_d:g} (≈ {gb:,.1f} GB of memory); the cap is {cap:,} "
        f"({rows}). Lower the demand or horizon_d, or raise the cap with the environment "
        f"variable {ENV_VAR} if the machine has the memory (see docs/limits.md)"
    )
