"""Fuzzing: mutated scenarios and geodata either work or fail with a clear CorridorSimError.

Hypothesis mutates a small valid scenario (wrong types, missing and extra keys, extreme and
non-finite numbers, unknown node and route ids, non-string keys, broken YAML, aliases, wrong
encodings) and copies of the shipped geodata (broken geometries, dangling links, wrong CRS,
garbage properties, unreadable files). The property: loading, checking and (for a sample of
small scenarios) running either succeeds or raises :class:`CorridorSimError` whose message
names the file; never another exception, a hang (per-example time limit) or a runaway
allocation (peak RSS guard).

``CORRIDORSIM_FUZZ_EXAMPLES`` sets the total number of examples over the three properties
(default 200 for ``make test``; ``make fuzz`` uses 5000).
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import resource
import shutil
import signal
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from corridorsim.errors import CorridorSimError
from corridorsim.limits import check_limits, expected_consignments
from corridorsim.network import default_geodata_dir, load_network
from corridorsim.scenario.check import check_scenario
from corridorsim.scenario.load import load_scenario

TOTAL = int(os.environ.get("CORRIDORSIM_FUZZ_EXAMPLES", "200"))
N_STRUCT = max(10, TOTAL * 45 // 100)
N_TEXT = max(10, TOTAL * 25 // 100)
N_GEO = max(10, TOTAL - N_STRUCT - N_TEXT)
EXAMPLE_TIMEOUT_S = 120  # a hang is a failure (generous: CI machines may be loaded)
MAX_RSS_MB = 4000  # a runaway allocation is a failure: peak memory of ONE example
RUN_MAX_CONSIGNMENTS = 4000  # size guard: only small scenarios are simulated
RUN_MAX_HORIZON_D = 40

BASE: dict[str, Any] = {
    "name": "fuzz",
    "description": "small valid scenario for fuzzing",
    "start_date": "2024-01-01",
    "seed": 7,
    "horizon_d": 20,
    "warmup_d": 4,
    "routes": ["middle_corridor", "northern", "suez"],
    "demand": [
        {"route": "middle_corridor", "teu_per_week": 40},
        {"route": "northern", "origin": "CN_XIY", "destination": "DE_DUI", "teu_per_week": 40,
         "feu_share": 0.5, "arrival": "uniform", "due_d": 25,
         "weekday_profile": [1, 1, 1, 1, 1, 0.5, 0.5]},
        {"route": "suez", "teu_per_week": {"value": 60, "source": "S1", "year": 2024}},
    ],
    "services": {"caspian_feeder": {"fleet": 2, "capacity_teu": 300},
                 "block_train": {"max_hold_h": 48}},
    "facilities": {"port": {"dwell": {"lognormal": {"median_h": 30, "p90_h": 80}}},
                   "KZ_AKU": {"yard_teu": 2000, "servers": 2}},
    "weather": {"caspian": {"storms_per_month": [1] * 12, "duration": {"fixed_h": 24}}},
    "disruptions": [{"target": "suez", "start_d": 5, "end_d": 10, "capacity_factor": 0.5}],
    "accounting": {"cargo_t_per_teu": 10},
}

NODES = ["CN_XIY", "DE_DUI", "KZ_AKU", "AZ_ALT", "CN_SHA", "NL_RTM", "XX_NOPE", "", "cn_xiy",
         "KZ_AKU-AZ_ALT"]
ROUTES = ["middle_corridor", "northern", "suez", "cape", "middle_corridor_turkey", "nothern",
          "", "route:suez"]

# ------------------------------------------------------------------------------ guards


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def boom(signum: int, frame: Any) -> None:
        raise TimeoutError(f"example took more than {seconds} s (a hang?)")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def rss_mb() -> float:
    """Peak resident memory of this process since the last :func:`reset_peak` (MB).

    Linux lets a process reset its own high-water mark (``/proc/self/clear_refs`` ← 5), so
    each example is measured on its own, whatever earlier tests in the same process used.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        pass


def assert_clear(exc: CorridorSimError, *names: str) -> None:
    msg = str(exc)
    assert any(n in msg for n in names), f"message does not name {names}: {msg}"
    assert len(msg) < 4000 and msg.count("\n") <= 12, f"message too long: {msg[:500]}"


@cache
def _net():  # type: ignore[no-untyped-def]
    return load_network()


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="corridorsim-fuzz-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


# ------------------------------------------------------------------------------ scenarios
weird_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e-300, 1e300, 1e7, 1e9, 3650, 3651, 2**63, -0.0, 0.5]),
    st.text(max_size=12),
    st.sampled_from(["abc", "1e400", "nan", ".inf", "2024-13-01", "yes", "~", "0x10", "1_000"]),
)
weird_values = st.one_of(
    weird_scalars,
    st.lists(weird_scalars, max_size=4),
    st.dictionaries(st.text(max_size=6), weird_scalars, max_size=3),
    st.sampled_from(NODES), st.sampled_from(ROUTES),
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


def _get(obj: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        obj = obj[p]
    return obj


@st.composite
def mutated_scenario(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["replace", "delete", "extra", "ids", "extreme", "key"]))
        if not path:
            if op == "delete":
                data = draw(st.sampled_from([{}, {"name": "fuzz"}]))
            continue
        parent, last = _get(data, path[:-1]), path[-1]
        if op == "replace":
            parent[last] = draw(weird_values)
        elif op == "delete":
            del parent[last]
        elif op == "extra" and isinstance(_get(data, path), dict):
            _get(data, path)[draw(st.text(min_size=1, max_size=10))] = draw(weird_scalars)
        elif op == "ids":
            parent[last] = draw(st.sampled_from(NODES + ROUTES))
        elif op == "extreme":
            parent[last] = draw(st.sampled_from(
                [1e7, 1e9, 3650, 3650.0, 1e-9, 0, -1e-9, float("nan"), float("inf"),
                 -float("inf"), 10**30, 2**63 - 1]))
        elif op == "key" and isinstance(parent, dict):
            # non-string keys: ints, floats, booleans, null
            parent[draw(st.sampled_from([1, 2.5, True, None]))] = parent.pop(last)
    if draw(st.booleans()):  # sometimes a large demand, to exercise the memory cap
        data["horizon_d"] = draw(st.sampled_from([20, 365, 3650, 1000.5]))
        if isinstance(data.get("demand"), list) and data["demand"] and isinstance(data["demand"][0], dict):
            data["demand"][0]["teu_per_week"] = draw(st.sampled_from([40, 1e4, 1e6, 1e7]))
    return data


def _check_scenario_file(path: Path, *, run: bool) -> str:
    """Load, check, limit-check and maybe run; return what happened."""
    from corridorsim.run import run_scenario

    try:
        scn, pos = load_scenario(path)
        check_scenario(scn, _net(), positions=pos, source=str(path))
        check_limits(scn, source=str(path))
    except CorridorSimError as exc:
        assert_clear(exc, str(path))
        return "refused"
    small = (sum(expected_consignments(scn)) <= RUN_MAX_CONSIGNMENTS
             and scn.horizon_d <= RUN_MAX_HORIZON_D)
    if not (run and small):
        return "valid"
    try:
        res = run_scenario(scn, network=_net())
    except CorridorSimError as exc:
        assert_clear(exc, str(path), repr(scn.name))
        return "run refused"
    assert res.info["scenario"] == scn.name
    return "ran"


@settings(max_examples=N_STRUCT, deadline=None, derandomize=False,
          suppress_health_check=list(HealthCheck))
@given(data=mutated_scenario(), run=st.integers(0, 9))
def test_fuzz_scenario_structure(workdir: Path, data: dict[str, Any], run: int) -> None:
    path = workdir / "fuzz_scenario.yaml"
    try:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return
    path.write_text(text, encoding="utf-8")
    reset_peak()
    with time_limit(EXAMPLE_TIMEOUT_S):
        event(_check_scenario_file(path, run=run == 0))
    assert rss_mb() < MAX_RSS_MB


BASE_TEXT = yaml.safe_dump(BASE, sort_keys=False)
TEXT_SNIPPETS = [
    "{", "}", "[", "]", ":", "- ", "\t", "'", '"', "&a ", "*a", "!!python/object:os.system ",
    "!!binary ", "? ", "%YAML 1.1\n", "---\n", "...\n", "\x00", "\ufeff", "#", "|", ">",
    "\n  ", "<<: *a\n", ".nan", "-.inf", "1e999", "0o777", "!!float ", "!!set ", "é",
]
BOMBS = [
    # billion laughs: aliases expand into a huge structure
    "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    "g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nname: x\n",
    "name: x\ndemand: " + "[" * 5000 + "]" * 5000 + "\n",
    "name: x\ndemand: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
    "name: &n x\nextends: *n\ndemand: [{route: northern, teu_per_week: 1}]\n",
    "a: &a\n  b: *a\nname: x\n",
    "name: x\nhorizon_d: " + "9" * 5000 + "\ndemand: [{route: northern, teu_per_week: 1}]\n",
    "? [a, b]\n: 1\nname: x\n",
    "? {a: 1}\n: 1\nname: x\n",
    "1: x\nname: x\n",
    "null: x\nname: x\n",
    "name: x\ndemand:\n  - route: northern\n    teu_per_week: 10\n    <<: {origin: XX}\n",
    "extends: fuzz_scenario.yaml\nname: x\n",
    "extends: /etc/passwd\nname: x\n",
    "extends: ../../../../../../dev/zero\nname: x\n",
    "extends: .\nname: x\n",
]


@st.composite
def broken_text(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["edit", "edit", "edit", "bomb", "encoding", "truncate"]))
    text = BASE_TEXT
    if kind == "bomb":
        text = draw(st.sampled_from(BOMBS))
    elif kind == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif kind == "edit":
        for _ in range(draw(st.integers(1, 5))):
            i = draw(st.integers(0, len(text)))
            if draw(st.booleans()):
                ins = draw(st.one_of(st.sampled_from(TEXT_SNIPPETS), st.text(max_size=5)))
                text = text[:i] + ins + text[i:]
            else:
                j = min(len(text), i + draw(st.integers(1, 20)))
                text = text[:i] + text[j:]
    if kind == "encoding":
        enc = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252",
                                    "utf-8-sig"]))
        return (text.replace("small", "smäll café")).encode(enc, errors="replace")
    raw = text.encode("utf-8", errors="surrogatepass")
    if draw(st.integers(0, 5)) == 0:  # a stray invalid byte
        i = draw(st.integers(0, len(raw)))
        raw = raw[:i] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xe9", b"\x80"])) + raw[i:]
    return raw


@settings(max_examples=N_TEXT, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=broken_text(), run=st.integers(0, 9))
def test_fuzz_scenario_text(workdir: Path, raw: bytes, run: int) -> None:
    path = workdir / "fuzz_scenario.yaml"
    path.write_bytes(raw)
    reset_peak()
    with time_limit(EXAMPLE_TIMEOUT_S):
        event(_check_scenario_file(path, run=run == 0))
    assert rss_mb() < MAX_RSS_MB


def test_the_base_scenario_is_valid_and_runs(workdir: Path) -> None:
    path = workdir / "base.yaml"
    path.write_text(BASE_TEXT, encoding="utf-8")
    assert _check_scenario_file(path, run=True) == "ran"


def test_runaway_demand_is_refused_before_allocating(workdir: Path) -> None:
    data = copy.deepcopy(BASE)
    data["horizon_d"] = 3650
    data["demand"][0]["teu_per_week"] = 1e7
    path = workdir / "huge.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    scn, _ = load_scenario(path)
    from corridorsim.errors import ScenarioError
    from corridorsim.run import run_scenario

    reset_peak()
    before = rss_mb()
    with pytest.raises(ScenarioError) as exc:
        run_scenario(scn, network=_net())
    msg = str(exc.value)
    assert "demand[0]" in msg and "consignments" in msg and "CORRIDORSIM_MAX_CONSIGNMENTS" in msg
    assert "'fuzz'" in msg
    assert rss_mb() - before < 200


def test_consignment_cap_env_override(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from corridorsim.errors import ScenarioError
    from corridorsim.limits import max_consignments

    path = workdir / "base.yaml"
    path.write_text(BASE_TEXT, encoding="utf-8")
    scn, _ = load_scenario(path)
    monkeypatch.setenv("CORRIDORSIM_MAX_CONSIGNMENTS", "10")
    assert max_consignments() == 10
    with pytest.raises(ScenarioError, match=r"the cap is 10 "):
        check_limits(scn, source=str(path))
    monkeypatch.setenv("CORRIDORSIM_MAX_CONSIGNMENTS", "lots")
    with pytest.raises(ScenarioError, match="CORRIDORSIM_MAX_CONSIGNMENTS='lots'"):
        max_consignments()


# ------------------------------------------------------------------------------ geodata
@cache
def _geo_json() -> dict[str, str]:
    d = default_geodata_dir()
    return {n: (d / n).read_text(encoding="utf-8") for n in ("nodes.geojson", "links.geojson")}


GEOMS = [
    None, {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
    {"type": "Point", "coordinates": [10, 10]}, {"type": "LineString", "coordinates": []},
    {"type": "LineString", "coordinates": [[10, 10]]},
    {"type": "LineString", "coordinates": [[10, 10], [10, 10]]},
    {"type": "LineString", "coordinates": [[1e10, 0], [0, 1e10]]},
    {"type": "LineString", "coordinates": [[500, 95], [510, 96]]},
    {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]], [[2, 2], [3, 3]]]},
    {"type": "GeometryCollection", "geometries": []},
    {"type": "Point", "coordinates": []}, {"type": "Point", "coordinates": ["a", "b"]},
    {"type": "Nonsense", "coordinates": [1, 2]}, "not a geometry", 42,
    {"type": "LineString", "coordinates": [[0, 0], [0, 0], [0, 0]]},
    {"type": "Point", "coordinates": [0, 0, 0]},
]
PROP_VALUES = [None, "", "XX_NOPE", "KZ_AKU", "CN_XIY", "air", "rail", "sea", 1435, 1520, "1520",
               -5, 0, 1e308, 10**20, "NaN", [], {}, [1, 2], True, "electric", "caspian",
               '{"KAZ": -1}', '{"KAZ": "x"}', "[1, 2]", "{not json", '{"KAZ": 1e400}',
               '{"KAZ": {"a": 1}}', "port", "terminal", "airport", "é" * 3]
CRS_VALUES = [
    {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
    {"type": "name", "properties": {"name": "EPSG:4326"}},
    {"type": "name", "properties": {"name": "garbage"}},
    {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32639"}},
    {"type": "unknown"}, "EPSG:4326", None,
]


@st.composite
def mutated_geodata(draw: st.DrawFn) -> dict[str, bytes]:
    src = _geo_json()
    files = {n: json.loads(t) for n, t in src.items()}
    raw: dict[str, bytes] = {}
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(files)))
        data = files[name]
        feats = data.get("features") or []
        op = draw(st.sampled_from(["geom", "prop", "prop", "delprop", "newprop", "crs", "dup",
                                   "drop", "coords", "file"]))
        if op == "file":
            raw[name] = draw(st.sampled_from([
                b"", b"{", b"[]", b"null", b'{"type": "FeatureCollection"}',
                b'{"type": "FeatureCollection", "features": []}',
                b'{"type": "FeatureCollection", "features": [null]}',
                b'{"type": "Feature"}', b"\xff\xfe\x00garbage", "é".encode("latin-1"),
                b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
                b'"properties": {}, "geometry": null}]}',
            ]))
            continue
        if op == "crs":
            value = draw(st.sampled_from(CRS_VALUES))
            if value is None:
                data.pop("crs", None)
            else:
                data["crs"] = value
            continue
        if not feats:
            continue
        f = feats[draw(st.integers(0, len(feats) - 1))]
        props = f.setdefault("properties", {}) or {}
        if op == "geom":
            f["geometry"] = copy.deepcopy(draw(st.sampled_from(GEOMS)))
        elif op == "coords" and isinstance(f.get("geometry"), dict):
            coords = f["geometry"].get("coordinates")
            if isinstance(coords, list) and coords:
                v = draw(st.sampled_from([0.0, -200.0, 1e6, 181.0, 91.0, 1e-9]))
                if isinstance(coords[0], list):
                    coords[draw(st.integers(0, len(coords) - 1))] = [v, v]
                else:
                    f["geometry"]["coordinates"] = [v, v]
        elif op == "prop":
            key = draw(st.sampled_from(["id", "from", "to", "mode", "gauge_mm", "traction",
                                        "sea_area", "km_by_country", "length_km", "kind",
                                        "name", "country", "chokepoints", "countries"]))
            props[key] = draw(st.sampled_from(PROP_VALUES))
        elif op == "delprop" and props:
            props.pop(draw(st.sampled_from(sorted(props))), None)
        elif op == "newprop":
            props[draw(st.text(min_size=1, max_size=8))] = draw(st.sampled_from(PROP_VALUES))
        elif op == "dup":
            feats.append(copy.deepcopy(f))
        elif op == "drop":
            feats.remove(f)
    for name, data in files.items():
        if name not in raw:
            raw[name] = json.dumps(data).encode("utf-8")
    return raw


@settings(max_examples=N_GEO, deadline=None, suppress_health_check=list(HealthCheck))
@given(files=mutated_geodata())
def test_fuzz_geodata(workdir: Path, files: dict[str, bytes]) -> None:
    geo = workdir / "geo"
    geo.mkdir(exist_ok=True)
    for name, raw in files.items():
        (geo / name).write_bytes(raw)
    reset_peak()
    with time_limit(EXAMPLE_TIMEOUT_S):
        try:
            net = load_network(geo)
        except CorridorSimError as exc:
            assert_clear(exc, "nodes.geojson", "links.geojson")
            event("refused")
            return
        event("loaded")
        # a network that loads is usable: every link has a positive finite length
        assert all(math.isfinite(x) and x > 0 for x in net.links["length_km"])
        from corridorsim.routing.options import resolve_routes

        with contextlib.suppress(CorridorSimError):
            resolve_routes(net)
    assert rss_mb() < MAX_RSS_MB
