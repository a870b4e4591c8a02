"""Replications, parameter sweeps and where they run (local processes or Dask).

* :func:`run_replications` — ``corridorsim run --replications N``: mean and 95 % intervals.
* :func:`run_paired` — ``corridorsim compare A B --replications N``: both scenarios with
  common random numbers, for paired differences (:mod:`corridorsim.experiments.paired`).
* :func:`load_sweep`, :func:`run_sweep`, :func:`write_sweep` — ``corridorsim sweep``.
* :class:`Executor` — in-process, local worker processes (``workers``) or an existing Dask
  cluster (``scheduler``); results never depend on which, nor on the order tasks finish in.
* :class:`ResultStore` — finished tasks by scenario hash and seed, for resumption.
"""

from corridorsim.experiments.executor import Executor, ExperimentError
from corridorsim.experiments.paired import run_paired
from corridorsim.experiments.replications import run_replications
from corridorsim.experiments.store import ResultStore
from corridorsim.experiments.sweep import (
    SweepResult,
    SweepSpec,
    load_sweep,
    run_sweep,
    write_sweep,
)
from corridorsim.experiments.tasks import replication_seed, simulate_task

__all__ = [
    "Executor",
    "ExperimentError",
    "ResultStore",
    "SweepResult",
    "SweepSpec",
    "load_sweep",
    "replication_seed",
    "run_paired",
    "run_replications",
    "run_sweep",
    "simulate_task",
    "write_sweep",
]
