"""The sweep file: its keys as a pydantic model, read with ``file:line`` errors.

A sweep file::

    name: caspian_fleet            # optional; the file's stem by default
    base: baseline_2024            # a shipped scenario's name or a path (relative to this file)
    seed: 7                        # optional; the base scenario's seed by default
    replications: 3                # per variant (default 1)
    horizon_d: 120                 # optional overrides of the base scenario
    warmup_d: 14
    grid:                          # every combination, in the order written
      services.caspian_feeder.fleet: [4, 6, 8]
      demand[0].teu_per_week: [800, 1600]
    lhs:                           # optional Latin-hypercube samples (after the grid points)
      samples: 10
      seed: 1
      ranges:
        facilities.border.servers: [1, 4]      # two integers: integer samples
        demand[3].teu_per_week: [3000, 9000]

Parameters are dotted paths into the scenario (``[i]`` indexes a list, see
:mod:`corridorsim.experiments.sweep_paths`). :func:`read_sweep_file` checks the file's own
structure; :func:`corridorsim.experiments.sweep_spec.load_sweep` then checks every parameter
and variant against the base scenario. Errors name ``file:line``, the key, what was found and
what is allowed, and suggest the closest key for a misspelt one.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from corridorsim.errors import ScenarioError
from corridorsim.experiments.sweep_paths import PATH_HELP, parse_path

__all__ = ["LhsDesign", "SweepFile", "read_sweep_file"]

Lines = dict[tuple[str, ...], int]


class FieldError(ValueError):
    """A check across fields that names the key it is about (``loc``)."""

    def __init__(self, loc: tuple[str, ...], msg: str) -> None:
        super().__init__(msg)
        self.loc = loc


def _param_path(v: object) -> str:
    if not isinstance(v, str):
        raise ValueError(PATH_HELP)
    parse_path(v)  # raises ValueError(PATH_HELP) for a malformed path
    return v


def _number(v: object) -> object:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise PydanticCustomError("number_type", "not a number")
    return v


def _range(v: object) -> object:
    if (not isinstance(v, list) or len(v) != 2
            or any(isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x)
                   for x in v)):
        raise PydanticCustomError("range_type", "not [low, high]")
    if v[1] < v[0]:
        raise ValueError(f"high ({v[1]}) must be >= low ({v[0]})")
    return tuple(v)


def _text(v: object) -> str:
    return "" if v is None else str(v)


ParamPath = Annotated[str, BeforeValidator(_param_path)]
Number = Annotated[int | float, BeforeValidator(_number)]
Range = Annotated[tuple[int | float, int | float], BeforeValidator(_range)]
Values = Annotated[list[Any], Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LhsDesign(_Strict):
    """Latin-hypercube samples: ``samples`` points over ``ranges`` (two integers: integer
    samples), drawn with ``seed``."""

    samples: Annotated[int, Field(strict=True, ge=1, le=100_000)]
    seed: Annotated[int, Field(strict=True, ge=0)] = 0
    ranges: Annotated[dict[ParamPath, Range], Field(min_length=1)]


class SweepFile(_Strict):
    """What a sweep file may hold (see the module docstring)."""

    name: Annotated[str | None, Field(strict=True, pattern=r"^[A-Za-z0-9_.\-]{1,100}$")] = None
    description: Annotated[str, BeforeValidator(_text)] = ""
    base: Annotated[str, Field(strict=True, min_length=1)]
    seed: Number | None = None
    replications: Annotated[int, Field(strict=True, ge=1, le=10_000)] = 1
    horizon_d: Number | None = None
    warmup_d: Number | None = None
    grid: dict[ParamPath, Values] | None = None
    lhs: LhsDesign | None = None

    @model_validator(mode="after")
    def _designs(self) -> SweepFile:
        if not self.grid and self.lhs is None:
            raise ValueError("give grid (parameter path: [values]) and/or lhs "
                             "(samples, seed, ranges)")
        for path in self.lhs.ranges if self.lhs else {}:
            if path in (self.grid or {}):
                raise FieldError(("lhs", "ranges", path),
                                 "is also a grid parameter; vary it in one place only")
        return self


# what each key allows, for "expected ..., found ..." ("*": any parameter path)
EXPECTED: dict[tuple[str, ...], str] = {
    ("name",): "a name of letters, digits, '_', '.', '-' (at most 100)",
    ("base",): "the name of a shipped scenario or a scenario file",
    ("seed",): "a number",
    ("horizon_d",): "a number",
    ("warmup_d",): "a number",
    ("replications",): "an integer 1..10000",
    ("grid",): "a mapping of parameter path: [values]",
    ("grid", "*"): "a non-empty list of values",
    ("lhs",): "a mapping with samples, seed and ranges",
    ("lhs", "samples"): "an integer 1..100000",
    ("lhs", "seed"): "a non-negative integer",
    ("lhs", "ranges"): "a mapping of parameter path: [low, high]",
    ("lhs", "ranges", "*"): "[low, high] numbers",
}
_MODELS: dict[tuple[str, ...], type[BaseModel]] = {(): SweepFile, ("lhs",): LhsDesign}


# ------------------------------------------------------------------------------ reading
def read_sweep_file(path: Path) -> tuple[SweepFile, Lines]:
    """The validated sweep file at ``path`` and the line of each of its keys."""
    if not path.exists():
        raise ScenarioError(f"{path}: sweep file not found")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder; expected a sweep YAML file")
    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text; save the file as UTF-8") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ScenarioError(f"{where}: not valid YAML: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping with base and grid and/or lhs")
    lines = key_lines(text)
    try:
        return SweepFile.model_validate(data), lines
    except ValidationError as exc:
        raise ScenarioError(format_errors(exc, path, lines)) from exc


def key_lines(text: str) -> Lines:
    """Line numbers of the keys of the top level, ``grid``, ``lhs`` and ``lhs.ranges``."""
    out: Lines = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return out

    def walk(n: yaml.Node | None, prefix: tuple[str, ...], depth: int) -> None:
        if not isinstance(n, yaml.MappingNode) or depth > 3:
            return
        for k, v in n.value:
            if isinstance(k, yaml.ScalarNode):
                key = (*prefix, str(k.value))
                out[key] = k.start_mark.line + 1
                walk(v, key, depth + 1)

    walk(node, (), 0)
    return out


def where(path: Path, lines: Lines, key: tuple[str, ...]) -> str:
    """``file:line`` of ``key`` (or of the nearest key around it; the file alone if none)."""
    for n in range(len(key), 0, -1):
        if key[:n] in lines:
            return f"{path}:{lines[key[:n]]}"
    return str(path)


def fail(path: Path, lines: Lines, key: tuple[str, ...], msg: str) -> ScenarioError:
    """``file:line: key: msg`` (``file: msg`` for the file as a whole)."""
    return ScenarioError(f"{where(path, lines, key)}: {'.'.join(key)}: {msg}" if key
                         else f"{where(path, lines, key)}: {msg}")


# ------------------------------------------------------------------------------ errors
def _suggest(key: str, allowed: list[str]) -> str:
    hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f"; did you mean {hint[0]!r}?" if hint else f" (allowed: {', '.join(allowed)})"


def _expected(loc: tuple[str, ...]) -> str:
    if loc in EXPECTED:
        return EXPECTED[loc]
    return EXPECTED.get((*loc[:-1], "*"), "another value")


def _message(err: ErrorDetails, loc: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """The key an error is about and what to say about it."""
    kind, found = err["type"], err.get("input")
    if kind in ("extra_forbidden", "invalid_key"):
        allowed = list(_MODELS.get(loc[:-1], SweepFile).model_fields)
        return loc, f"unknown key {found if kind == 'invalid_key' else loc[-1]!r}" + \
            _suggest(loc[-1], allowed)
    if kind == "missing":
        return loc, f"required: {_expected(loc)}"
    if kind == "value_error":
        exc = (err.get("ctx") or {}).get("error")
        if isinstance(exc, FieldError):
            return exc.loc, str(exc)
        return loc, str(exc) if exc is not None else err["msg"]
    return loc, f"expected {_expected(loc)}, found {found!r}"


def format_errors(exc: ValidationError, path: Path, lines: Lines) -> str:
    """One ``file:line: key: message`` line per error (at most ten)."""
    out = []
    # an unknown key first: a misspelt one also makes the key it meant "required"
    errors = sorted(exc.errors(), key=lambda e: e["type"] not in ("extra_forbidden", "invalid_key"))
    for err in errors[:10]:
        loc = tuple(str(x) for x in err["loc"] if x != "[key]")
        key, msg = _message(err, loc)
        out.append(str(fail(path, lines, key, msg)))
    more = len(errors) - 10
    if more > 0:
        out.append(f"... and {more} more error(s)")
    return "\n".join(out)
