"""Schedule reliability: each arrival of a service is late with a probability, by a drawn delay.

Deep-sea carriers publish schedules and miss them: in 2024 about half of all arrivals were
late, in 2025 about 60 % were on time, with large differences between alliances (T-S1, T-S2;
the figures are in :data:`corridorsim.scenario.defaults.SCHEDULE_RELIABILITY`). A service whose
spec has ``on_time_share`` draws, for every arrival, whether it is late (probability
``1 - on_time_share``) and, if so, by how many hours (``late_delay``; the shape is ASSUMED, an
exponential with the sourced mean of late vessels' delays unless the scenario gives another).

The hours are added to the trip's running time, as the service's ``delay`` is: the vessel
arrives late, everyone on board with it. The draws come from a stream of their own per
service (``sea_reliability:<service key>``), so switching reliability on or off, or changing
its parameters, leaves every other stream's draws as they were.
"""

from __future__ import annotations

import numpy as np

from corridorsim.scenario.params import Distribution
from corridorsim.scenario.specs import ServiceSpec
from corridorsim.sim.streams import Streams, sample

__all__ = ["LateArrivals", "late_arrivals"]


class LateArrivals:
    """Draws how late each arrival of one service is (0 for an arrival on time)."""

    def __init__(self, on_time_share: float, late_delay: Distribution,
                 rng: np.random.Generator) -> None:
        self.on_time_share = on_time_share
        self.late_delay = late_delay
        self.rng = rng
        #: arrivals drawn and how many of them were late (for the run's own check)
        self.arrivals = 0
        self.late = 0

    def draw(self) -> float:
        """Hours the next arrival is late: one uniform number decides whether it is late,
        a second (only then) how late."""
        self.arrivals += 1
        if self.rng.random() < self.on_time_share:
            return 0.0
        self.late += 1
        return float(sample(self.late_delay, self.rng))


def late_arrivals(spec: ServiceSpec, streams: Streams, service_key: str) -> LateArrivals | None:
    """The late-arrival process of a service, or None when its spec has no reliability."""
    if spec.on_time_share is None or spec.late_delay is None:
        return None
    return LateArrivals(spec.on_time_share, spec.late_delay,
                        streams.get(f"sea_reliability:{service_key}"))
