"""Calibration helpers: fit a parameter that is not published directly to the figures that are.

Every fit used by a default is recorded in ``corridorsim/data/calibration.csv`` with its
inputs, method, source and year, flagged ``calibrated``. :func:`calibrations` recomputes
each recorded fit from its inputs, so a test can check the file, the helpers and
``scenario/defaults.py`` agree.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pandas as pd

from corridorsim.units import HOURS_PER_YEAR, Z90, lognormal_mean, lognormal_sigma

__all__ = [
    "calibration_path",
    "calibrations",
    "load_calibrations",
    "lognormal_from_mean_ratio",
    "lognormal_from_mean_sd",
    "lognormal_from_median_mean",
    "lognormal_mean_sd",
    "speed_for_crossing",
    "turnaround_for_throughput",
]



def lognormal_mean_sd(median_h: float, p90_h: float) -> tuple[float, float]:
    """Mean and standard deviation of the lognormal with this median and 90th percentile."""
    sigma = lognormal_sigma(median_h, p90_h)
    mean = lognormal_mean(median_h, p90_h)
    sd = mean * math.sqrt(math.expm1(sigma**2))
    return mean, sd


def lognormal_from_mean_sd(mean_h: float, sd_h: float) -> tuple[float, float]:
    """(median_h, p90_h) of the lognormal with this mean and standard deviation.

    For a border's dwell published as an average and a spread (e.g. CAREC mean and SD).
    """
    if mean_h <= 0 or sd_h <= 0:
        raise ValueError("mean and sd must be positive")
    s2 = math.log1p((sd_h / mean_h) ** 2)
    median = mean_h / math.exp(s2 / 2)
    return median, median * math.exp(math.sqrt(s2) * Z90)


def lognormal_from_mean_ratio(mean_h: float, p90_over_median: float) -> tuple[float, float]:
    """(median_h, p90_h) with this mean when only the spread's shape (p90/median) is known."""
    if mean_h <= 0 or p90_over_median < 1:
        raise ValueError("mean must be positive and p90/median >= 1")
    sigma = math.log(p90_over_median) / Z90
    median = mean_h / math.exp(sigma**2 / 2)
    return median, median * p90_over_median


def lognormal_from_median_mean(median_h: float, mean_h: float) -> tuple[float, float]:
    """(median_h, p90_h) from a typical (median) value and a mean (e.g. implied by capacity)."""
    if not 0 < median_h <= mean_h:
        raise ValueError("need 0 < median <= mean")
    sigma = math.sqrt(2 * math.log(mean_h / median_h))
    return median_h, median_h * math.exp(sigma * Z90)


def speed_for_crossing(km: float, crossing_h: float, delay_median_h: float = 0.0) -> float:
    """Speed (km/h) for which the median crossing (distance / speed + delay) takes ``crossing_h``."""
    run = crossing_h - delay_median_h
    if km <= 0 or run <= 0:
        raise ValueError("distance and crossing time (after delay) must be positive")
    return km / run


def turnaround_for_throughput(fleet: int, capacity_teu: float, teu_per_year: float,
                              sailing_mean_h: float) -> float:
    """Port turnaround (h, each end) for a shuttle fleet to carry ``teu_per_year`` one way.

    A round trip is ``2 x sailing + 2 x turnaround``; full vessels one way.
    """
    cycle = fleet * capacity_teu * HOURS_PER_YEAR / teu_per_year
    t = (cycle - 2 * sailing_mean_h) / 2
    if t < 0:
        raise ValueError("the fleet cannot carry so little: sailing alone exceeds the cycle")
    return t


def calibration_path() -> Path:
    return Path(str(resources.files("corridorsim") / "data" / "calibration.csv"))


CAL_COLUMNS = ("parameter", "value", "unit", "method", "inputs", "source", "year", "calibrated",
               "targets", "note")


def load_calibrations(path: str | Path | None = None) -> pd.DataFrame:
    """The recorded calibrations (``#`` lines are comments)."""
    p = Path(path) if path is not None else calibration_path()
    df = pd.read_csv(io.StringIO(p.read_text(encoding="utf-8")), comment="#")
    missing = [c for c in CAL_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{p}: missing column(s) {', '.join(missing)}")
    if df["source"].isna().any() or df["year"].isna().any():
        raise ValueError(f"{p}: every calibration needs a source and a year")
    return df


def _inputs(text: str) -> dict[str, float]:
    out = {}
    for part in str(text).split(";"):
        k, _, v = part.partition("=")
        if k.strip():
            out[k.strip()] = float(v)
    return out


def _sailing_mean(i: dict[str, float]) -> float:
    from corridorsim.scenario.params import lognormal

    return i["km"] / i["speed_kmh"] + lognormal(i["delay_median_h"], i["delay_p90_h"]).mean_h


FITS: dict[str, Callable[[dict[str, float]], float]] = {
    "lognormal_from_mean_ratio.median": lambda i: lognormal_from_mean_ratio(
        i["mean_h"] - i.get("minus_h", 0.0), i["p90_over_median"])[0],
    "lognormal_from_median_mean.p90": lambda i: lognormal_from_median_mean(
        i["median_h"], i["mean_h"])[1],
    "servers_for_capacity": lambda i: math.ceil(i["trains_per_day"] * i["median_h"] / 24 - 1e-9),
    "capacity_mean": lambda i: i["servers"] * 24 / i["trains_per_day"],
    "speed_for_crossing": lambda i: speed_for_crossing(i["km"], i["crossing_h"],
                                                       i["delay_median_h"]),
    "turnaround_for_throughput": lambda i: turnaround_for_throughput(
        int(i["fleet"]), i["capacity_teu"], i["teu_per_year"], _sailing_mean(i)),
}


def calibrations(path: str | Path | None = None) -> pd.DataFrame:
    """The recorded calibrations with each fit recomputed from its inputs (column ``fit``)."""
    df = load_calibrations(path)
    fits: list[float] = []
    for method, inputs in zip(df["method"], df["inputs"], strict=True):
        fn = FITS.get(str(method))
        fits.append(fn(_inputs(inputs)) if fn else math.nan)
    df["fit"] = fits
    return df
