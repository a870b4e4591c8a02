"""The unit of distributed work: simulate one scenario with one seed, return small rows.

A task's payload is plain data (the scenario as a JSON-ready dict, the seed, the store key),
so that it pickles cheaply to any Dask worker; the scenario is validated again inside the
task and the shipped network is loaded once per worker process. A task never raises: a
failure comes back as an error record naming the task, and the other tasks go on.
"""

from __future__ import annotations

import functools
import time
import traceback
from typing import TYPE_CHECKING, Any

import numpy as np

from corridorsim.memory import release_freed_heap

if TYPE_CHECKING:
    from corridorsim.network import Network
    from corridorsim.result import RunResult
    from corridorsim.scenario.model import Scenario

__all__ = ["payload_network", "replication_seed", "simulate_task", "summary_rows",
           "task_payload"]


def replication_seed(seed: int, replication: int) -> int:
    """The seed of replication ``replication`` of a scenario whose seed is ``seed``.

    Replication 0 keeps the scenario's own seed (so one replication reproduces a plain run);
    replication r ≥ 1 uses ``SeedSequence(seed).spawn(...)[r]`` reduced to 63 bits. The value
    depends only on (seed, r), never on the number of replications or of workers.
    """
    if replication == 0:
        return int(seed)
    child = np.random.SeedSequence(int(seed), spawn_key=(int(replication),))
    return int(child.generate_state(1, np.uint64)[0]) & (2**63 - 1)


def payload_network(net: Network | None) -> Network | None:
    """The network a task's payload carries: none for the shipped one (a process that runs
    tasks loads its own copy once), the object itself for any other."""
    from corridorsim.network import default_geodata_dir

    shipped = net is None or str(getattr(net, "source", "")) == str(default_geodata_dir())
    return None if shipped else net


@functools.lru_cache(maxsize=1)
def _shipped_network() -> Network:
    from corridorsim.network import load_network

    return load_network()


def summary_rows(res: RunResult) -> list[dict[str, Any]]:
    """A run's summary as plain-Python rows (the same values in-process and on Dask)."""
    return [{str(k): v for k, v in r.items()} for r in res.summary.to_dict("records")]


def task_payload(scenario: Scenario, *, key: str, label: str,
                 network: Network | None = None) -> dict[str, Any]:
    """The payload of one task: ``scenario`` is a validated Scenario (seed already set)."""
    return {"scenario": scenario.model_dump(mode="json"), "key": key, "label": label,
            "network": network}


def simulate_task(payload: dict[str, Any]) -> dict[str, Any]:
    """Run one scenario; return ``{ok, key, label, rows, info}`` or ``{ok: False, error}``."""
    t0 = time.perf_counter()
    try:
        from corridorsim.run import run_scenario
        from corridorsim.scenario.load import scenario_from_dict

        scn = scenario_from_dict(payload["scenario"], source=f"task {payload['label']}")
        net = payload.get("network") or _shipped_network()
        res = run_scenario(scn, network=net, views=False)  # summary rows only
        info = {k: res.info[k] for k in ("consignments", "teu_created", "teu_delivered",
                                         "teu_in_system", "vehicle_trips")}
        out = {"ok": True, "key": payload["key"], "label": payload["label"],
               "rows": summary_rows(res), "info": info,
               "wall_s": round(time.perf_counter() - t0, 3)}
    except Exception as exc:
        return error_record(payload, exc)
    del res
    release_freed_heap()  # between tasks: a process running many would climb otherwise
    return out


def error_record(payload: dict[str, Any], exc: BaseException) -> dict[str, Any]:
    return {"ok": False, "key": payload["key"], "label": payload["label"],
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": "".join(traceback.format_exception(exc))[-4000:]}
