"""Units and the lognormal parametrisation used throughout (one home each)."""

from __future__ import annotations

import math

__all__ = ["HOURS_PER_YEAR", "KN_TO_KMH", "WEEK_H", "Z90", "lognormal_mean", "lognormal_sigma"]

#: the standard normal's 90th percentile: a duration's p90 = median × exp(Z90 × sigma)
Z90 = 1.2815515655446004
KN_TO_KMH = 1.852
HOURS_PER_YEAR = 8760.0
WEEK_H = 168.0


def lognormal_sigma(median: float, p90: float) -> float:
    """Sigma of the lognormal with this median and 90th percentile."""
    return math.log(p90 / median) / Z90


def lognormal_mean(median: float, p90: float) -> float:
    """Mean of the lognormal with this median and 90th percentile."""
    return median * math.exp(lognormal_sigma(median, p90) ** 2 / 2)
