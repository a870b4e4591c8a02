"""Read scenario YAML files into a validated :class:`Scenario`.

Errors name ``file:line:column``, the field path, what was found and what is allowed, and
suggest the closest known key for a misspelt one. ``extends:`` builds a scenario as an
overlay on another (a path relative to the file, or the name of a shipped scenario).
A value may be written with its provenance: ``{value: 82, source: S65, year: 2022}``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

import corridorsim.scenario.model as m
from corridorsim.errors import ScenarioError
from corridorsim.scenario.model import Scenario
from corridorsim.scenario.params import overlay
from corridorsim.scenario.yaml_messages import yaml_error_message

__all__ = ["Positions", "load_scenario", "scenario_from_dict", "scenario_warnings",
           "shipped_scenarios"]

PROVENANCE_KEYS = {"value", "source", "year", "note", "assumed"}
MAX_FILE_BYTES = 2_000_000
MAX_EXTENDS_DEPTH = 8
# YAML aliases can make a tiny file expand into a huge (or cyclic) structure, and deep nesting
# exhausts the stack: a scenario holds a few hundred values at most, a few levels deep.
MAX_NESTING = 40
MAX_VALUES = 100_000


@dataclass(frozen=True)
class Pos:
    file: str
    line: int
    col: int


#: where each value of a scenario file was written, by its path of keys and list indices
Positions = dict[tuple[object, ...], Pos]


def shipped_dir() -> Path:
    return Path(str(resources.files("corridorsim") / "data" / "scenarios"))


def shipped_scenarios() -> list[str]:
    """Names of the scenarios shipped with corridorsim."""
    d = shipped_dir()
    return sorted(p.stem for p in d.glob("*.yaml")) if d.exists() else []


def _all_field_names() -> set[str]:
    names: set[str] = {"extends"}
    for obj in vars(m).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel):
            names.update(obj.model_fields)
    return names


def _compose(text: str, file: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError(yaml_error_message(exc, text, file)) from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{file}: not valid YAML: {exc}") from exc
    except RecursionError:
        raise ScenarioError(
            f"{file}: not valid YAML for a scenario: nested more than {MAX_NESTING} levels deep"
        ) from None


def _guard(node: yaml.Node, where: str, path: tuple[object, ...], open_: frozenset[int],
           count: list[int]) -> None:
    """Count ``node`` and refuse alias cycles (``a: &a {b: *a}``), alias bombs and deep
    nesting."""
    if id(node) in open_:
        raise ScenarioError(f"{where}: {_fmt(path) or '<top>'}: an alias refers to a value "
                            "that contains it (a cycle)")
    if len(path) > MAX_NESTING:
        raise ScenarioError(f"{where}: {_fmt(path[:3])}...: nested more than {MAX_NESTING} "
                            "levels deep")
    count[0] += 1
    if count[0] > MAX_VALUES:
        raise ScenarioError(f"{where}: {_fmt(path) or '<top>'}: more than {MAX_VALUES:,} values "
                            "(aliases expanding into a huge structure?)")


def _convert(node: yaml.Node, file: str, path: tuple[object, ...], pos: Positions,
             prov: dict[str, dict[str, Any]], _open: frozenset[int] = frozenset(),
             _count: list[int] | None = None) -> Any:
    """The plain value of a YAML node (dict, list, scalar); records each value's position
    in ``pos`` and each ``{value: ..., source: ...}``'s provenance in ``prov``."""
    where = f"{file}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"
    _count = _count if _count is not None else [0]
    _guard(node, where, path, _open, _count)
    _open = _open | {id(node)}
    pos[path] = Pos(file, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        return _convert_mapping(node, file, path, pos, prov, _open, _count)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(v, file, (*path, i), pos, prov, _open, _count)
                for i, v in enumerate(node.value)]
    return _convert_scalar(node, where, path, pos)


def _convert_mapping(node: yaml.MappingNode, file: str, path: tuple[object, ...],
                     pos: Positions, prov: dict[str, dict[str, Any]], _open: frozenset[int],
                     _count: list[int]) -> Any:
    out: dict[str, Any] = {}
    for knode, vnode in node.value:
        key = yaml.SafeLoader.construct_scalar(yaml.SafeLoader(""), knode) if isinstance(knode, yaml.ScalarNode) else None
        if key is None or not isinstance(key, str):
            raise ScenarioError(
                f"{file}:{knode.start_mark.line + 1}:{knode.start_mark.column + 1}: "
                f"{_fmt(path) or '<top>'}: keys must be plain strings"
            )
        if key in out:
            raise ScenarioError(
                f"{file}:{knode.start_mark.line + 1}:{knode.start_mark.column + 1}: "
                f"{_fmt((*path, key))}: duplicate key {key!r} (first given at line "
                f"{pos[(*path, key)].line})"
            )
        pos[(*path, key)] = Pos(file, knode.start_mark.line + 1, knode.start_mark.column + 1)
        out[key] = _convert(vnode, file, (*path, key), pos, prov, _open, _count)
        pos[(*path, key)] = Pos(file, knode.start_mark.line + 1, knode.start_mark.column + 1)
    if out and "value" in out and set(out) <= PROVENANCE_KEYS:
        info = {k: v for k, v in out.items() if k != "value"}
        prov[_fmt(path)] = info
        return out["value"]
    return out


def _convert_scalar(node: yaml.Node, where: str, path: tuple[object, ...], pos: Positions
                    ) -> Any:
    try:
        value = yaml.SafeLoader("").construct_object(node)
    except (ValueError, TypeError, OverflowError, yaml.YAMLError) as exc:
        # e.g. an integer literal longer than Python's 4300-digit conversion limit
        shown = str(node.value)
        shown = shown[:40] + "..." if len(shown) > 40 else shown
        raise ScenarioError(f"{where}: {_fmt(path) or '<top>'}: cannot read value {shown!r} "
                            f"({str(exc).split(';')[0][:120]})") from None
    if isinstance(value, float) and not math.isfinite(value):
        p = pos[path]
        raise ScenarioError(
            f"{p.file}:{p.line}:{p.col}: {_fmt(path)}: found {node.value!r}; "
            "NaN and infinite numbers are not allowed"
        )
    return value


def _fmt(path: tuple[object, ...]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _did_you_mean(path: Path) -> str:
    """``"; did you mean baseline_2024?"``: the nearest shipped scenario or YAML file next
    to ``path`` (empty when none is near)."""
    stem = path.name.removesuffix(".yaml").removesuffix(".yml")
    near = difflib.get_close_matches(stem, shipped_scenarios(), n=1, cutoff=0.6)
    if near and path.parent == Path("."):
        return f"; did you mean {near[0]} (a shipped scenario)?"
    try:
        here = sorted(p.name for p in path.parent.glob("*.y*ml"))
    except OSError:
        here = []
    near_file = difflib.get_close_matches(path.name, here, n=1, cutoff=0.6)
    if near_file:
        return f"; did you mean {path.parent / near_file[0]}?"
    if near:
        return f"; did you mean {near[0]} (a shipped scenario)?"
    return ""


def _read_text(path: Path) -> str:
    if not path.exists():
        raise ScenarioError(f"{path}: file not found (nor a shipped scenario of that name)"
                            f"{_did_you_mean(path)}")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder; expected a scenario YAML file")
    if not path.is_file():  # a device or pipe (/dev/zero) would be read forever
        raise ScenarioError(f"{path}: not a regular file; expected a scenario YAML file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(f"{path}: {size} bytes; a scenario file may have at most {MAX_FILE_BYTES}")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror})") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"{path}: more than {MAX_FILE_BYTES} bytes; too large for a scenario")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{path}: not UTF-8 text (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}); "
            "save the file as UTF-8"
        ) from exc
    return text.removeprefix("\ufeff")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid over ``base`` key by key (a fleet count and vehicle classes replace
    each other: :func:`~corridorsim.scenario.params.overlay`)."""
    nested = {k for k, v in over.items() if isinstance(v, dict) and isinstance(base.get(k), dict)}
    out: dict[str, Any] = overlay(base, {k: v for k, v in over.items() if k not in nested})
    for k in nested:
        out[k] = _merge(base[k], over[k])
    return out


def _forget_replaced(pos: Positions, own_pos: Positions, own: dict[str, Any]) -> None:
    """Drop from ``pos`` (the base files') the places inside a value this file replaces
    whole (a list, a number): an error there is this file's, at its own line, never at
    the line of a base file's entry it replaced."""
    for path in own_pos:
        value: Any = own
        for part in path:
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and isinstance(part, int) and part < len(value):
                value = value[part]
            else:
                value = None
        if value is None or isinstance(value, dict):
            continue  # merged key by key with the base's: the base's other places hold
        n = len(path)
        for old in [q for q in pos if len(q) > n and q[:n] == path and q not in own_pos]:
            del pos[old]


def _resolve_extends(ref: str, here: Path, where: str | None = None) -> Path:
    cand = (here.parent / ref)
    if cand.exists():
        return cand
    shipped = shipped_dir() / (ref if ref.endswith((".yaml", ".yml")) else f"{ref}.yaml")
    if shipped.exists():
        return shipped
    hint = _did_you_mean(here.parent / ref)
    raise ScenarioError(
        f"{where or here}: extends: {ref!r} not found next to the file nor among the shipped scenarios "
        f"({', '.join(shipped_scenarios())}){hint}"
    )


def _load_raw(path: Path, pos: Positions, prov: dict[str, dict[str, Any]], depth: int = 0) -> dict[str, Any]:
    if depth > MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"{path}: extends: chain deeper than {MAX_EXTENDS_DEPTH} (a cycle?)")
    text = _read_text(path)
    if not text.strip():
        raise ScenarioError(f"{path}: empty file; expected a YAML mapping with name and demand")
    node = _compose(text, str(path))
    if node is None:
        raise ScenarioError(f"{path}: no content; expected a YAML mapping with name and demand")
    if not isinstance(node, yaml.MappingNode):
        raise ScenarioError(
            f"{path}:{node.start_mark.line + 1}:{node.start_mark.column + 1}: the file holds a "
            f"{'list' if isinstance(node, yaml.SequenceNode) else 'single value'}; expected a "
            "mapping (key: value lines) with name and demand"
        )
    own_pos: Positions = {}
    own_prov: dict[str, dict[str, Any]] = {}
    data: dict[str, Any] = _convert(node, str(path), (), own_pos, own_prov)
    ext = data.pop("extends", None)
    if ext is not None:
        if not isinstance(ext, str):
            p = own_pos[("extends",)]
            raise ScenarioError(f"{p.file}:{p.line}:{p.col}: extends: expected a file name, found {ext!r}")
        p = own_pos[("extends",)]
        base_path = _resolve_extends(ext, path, f"{p.file}:{p.line}:{p.col}")
        try:
            base = _load_raw(base_path, pos, prov, depth + 1)
        except ScenarioError as exc:
            if str(path) in str(exc):
                raise
            # say which file's extends: led to the broken base file
            raise ScenarioError(f"{p.file}:{p.line}:{p.col}: extends: {ext!r}: {exc}") from exc
        _forget_replaced(pos, own_pos, data)
        data = _merge(base, data)
    pos.update(own_pos)
    prov.update(own_prov)
    return data


def _where(pos: Positions, loc: tuple[object, ...], default: str) -> str:
    for n in range(len(loc), -1, -1):
        p = pos.get(tuple(loc[:n]))
        if p is not None:
            return f"{p.file}:{p.line}:{p.col}"
    return default


#: fields whose number is a fraction or a factor, where a planner may write a percentage
PERCENT_HINTS = {
    "inventory_rate_per_year": "a share per year (0.05 for 5 %)",
    "capacity_factor": "a factor (0 closes, 0.5 halves, 2 doubles; at most 10), not a "
                       "percentage",
}


def _percent_hint(err: Any, loc: tuple[object, ...]) -> str:
    """``"; it is a share ...: did you mean 0.5?"`` for a number above a share's or a
    factor's bound that reads as a percentage (50 for 50 %)."""
    found = err.get("input")
    if err["type"] != "less_than_equal" or isinstance(found, bool) \
            or not isinstance(found, (int, float)) or not 1 < found <= 100:
        return ""
    key = next((str(x) for x in reversed(loc) if isinstance(x, str)), "")
    what = PERCENT_HINTS.get(key)
    if what is None and (err.get("ctx") or {}).get("le") == 1:
        what = "a share between 0 and 1, not a percentage"
    return f"; it is {what}: did you mean {found / 100:g}?" if what else ""


def _format_validation(exc: ValidationError, pos: Positions, default: str) -> str:
    names = _all_field_names()
    lines = []
    for err in exc.errors()[:10]:
        loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-")))
        path = _fmt(loc) or "<top>"
        where = _where(pos, loc, default)
        msg = err["msg"].removeprefix("Value error, ")
        found = err.get("input")
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            hint = difflib.get_close_matches(key, sorted(names), n=1, cutoff=0.6)
            parent = loc[:-1]
            lines.append(f"{where}: {path}: unknown key {key!r}"
                         + (f"; did you mean {hint[0]!r}?" if hint else "")
                         + (f" (in {_fmt(parent)})" if parent else ""))
            continue
        if err["type"] == "missing":
            lines.append(f"{where}: {path}: required field is missing")
            continue
        if isinstance(found, dict):
            # a model-level check ("warmup_d (20) must be ..."): point at the field it names
            first = re.match(r"[A-Za-z_]\w*", msg)
            if first and first.group() in found:
                loc = (*loc, first.group())
                path, where = _fmt(loc), _where(pos, loc, default)
            lines.append(f"{where}: {path}: {msg}")
            continue
        shown = repr(found) if not isinstance(found, (dict, list)) else type(found).__name__
        if len(shown) > 60:
            shown = shown[:57] + "..."
        lines.append(f"{where}: {path}: {msg} (found {shown}){_percent_hint(err, loc)}")
    more = len(exc.errors()) - 10
    if more > 0:
        lines.append(f"... and {more} more error(s)")
    return "\n".join(lines)


def scenario_from_dict(data: Mapping[str, Any], *, source: str = "<scenario>",
                       positions: Positions | None = None,
                       provenance: Mapping[str, Mapping[str, Any]] | None = None) -> Scenario:
    """Validate a plain mapping into a :class:`Scenario`; errors as for files."""
    payload = dict(data)
    if provenance:
        payload["provenance"] = {**dict(payload.get("provenance") or {}), **provenance}
    try:
        return Scenario.model_validate(payload)
    except ValidationError as exc:
        raise ScenarioError(_format_validation(exc, positions or {}, source)) from exc


def load_scenario(path: str | Path) -> tuple[Scenario, Positions]:
    """Load and validate a scenario file (or a shipped scenario's name)."""
    p = Path(path)
    if str(path).strip() == "":
        raise ScenarioError("no scenario given: name a YAML file or a shipped scenario "
                            f"({', '.join(shipped_scenarios())})")
    if not p.exists() and not p.suffix and (shipped_dir() / f"{p.name}.yaml").exists():
        p = shipped_dir() / f"{p.name}.yaml"
    pos: Positions = {}
    prov: dict[str, dict[str, Any]] = {}
    data = _load_raw(p, pos, prov)
    return scenario_from_dict(data, source=str(p), positions=pos, provenance=prov), pos


#: a disruption's capacity_factor above this is allowed (up to 10) but warned about
WARN_CAPACITY_FACTOR = 5.0


def scenario_warnings(scn: Scenario, positions: Positions | None = None,
                      source: str = "<scenario>") -> list[str]:
    """Legal but suspicious values: a capacity factor that reads as a percentage, a
    disruption that starts after the end of the run."""
    pos = positions or {}
    out = []
    for i, d in enumerate(scn.disruptions):
        if d.capacity_factor > WARN_CAPACITY_FACTOR:
            out.append(f"{_where(pos, ('disruptions', i, 'capacity_factor'), source)}: "
                       f"disruptions[{i}].capacity_factor: {d.capacity_factor:g} multiplies "
                       f"{d.target}'s capacity by {d.capacity_factor:g}; if you meant "
                       f"{d.capacity_factor:g} %, write {d.capacity_factor / 100:g}")
        if d.start_d >= scn.horizon_d:
            out.append(f"{_where(pos, ('disruptions', i), source)}: disruptions[{i}] "
                       f"({d.target}) starts on day {d.start_d:g}, after the run ends (horizon_d "
                       f"{scn.horizon_d:g}): it has no effect")
    return out
