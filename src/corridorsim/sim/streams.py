"""Random streams and distribution sampling.

One :class:`numpy.random.SeedSequence` per run; every process draws from its own stream,
keyed by a stable name, so that changing one route's parameters leaves every other
process's draws unchanged (common random numbers across routes and scenarios).
"""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt

from corridorsim.scenario.params import Distribution
from corridorsim.units import lognormal_sigma


class Streams:
    """Independent random generators keyed by name, all derived from one seed."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._cache: dict[str, np.random.Generator] = {}

    def get(self, name: str) -> np.random.Generator:
        gen = self._cache.get(name)
        if gen is None:
            key = zlib.crc32(name.encode("utf-8"))
            ss = np.random.SeedSequence(entropy=self.seed, spawn_key=(key,))
            gen = np.random.Generator(np.random.PCG64(ss))
            self._cache[name] = gen
        return gen


def sample(dist: Distribution | None, rng: np.random.Generator, size: int | None = None
           ) -> float | npt.NDArray[np.float64]:
    """Draw from a duration distribution (hours). ``None`` means zero."""
    if dist is None:
        return 0.0 if size is None else np.zeros(size)
    if dist.fixed_h is not None:
        return dist.fixed_h if size is None else np.full(size, dist.fixed_h)
    out: float | npt.NDArray[np.float64]
    if dist.lognormal is not None:
        mu = np.log(dist.lognormal.median_h)
        sigma = lognormal_sigma(dist.lognormal.median_h, dist.lognormal.p90_h)
        out = rng.lognormal(mu, sigma, size)
    elif dist.uniform is not None:
        out = rng.uniform(dist.uniform.low_h, dist.uniform.high_h, size)
    elif dist.triangular is not None:
        t = dist.triangular
        out = t.low_h if t.low_h == t.high_h else rng.triangular(t.low_h, t.mode_h, t.high_h, size)
    else:
        assert dist.exponential is not None
        out = rng.exponential(dist.exponential.mean_h, size)
    return float(out) if size is None else np.asarray(out, dtype=float)
