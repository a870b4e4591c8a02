"""Every shipped scenario, overlay (``extends:``) and the ``corridorsim new`` template validate
against the output of ``corridorsim schema`` with a standard JSON Schema validator; the
schema still refuses what the loader refuses (an unknown key, a misspelt provenance key)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from corridorsim.cli import main

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "src" / "corridorsim" / "data" / "scenarios").glob("*.yaml"))
FILES = SHIPPED + sorted((ROOT / "scenarios").glob("*.yaml")) + [
    ROOT / "src" / "corridorsim" / "data" / "template.yaml"]


def _as_json(v: Any) -> Any:
    """The YAML value as JSON sees it (dates as ISO strings, as check-jsonschema does)."""
    if isinstance(v, dict):
        return {k: _as_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_as_json(x) for x in v]
    return v.isoformat() if isinstance(v, dt.date) else v


@pytest.fixture(scope="module")
def validator() -> Any:
    res = CliRunner().invoke(main, ["schema"])
    assert res.exit_code == 0, res.output
    schema = json.loads(res.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_files_found() -> None:
    assert len(SHIPPED) >= 10
    assert any("extends:" in f.read_text(encoding="utf-8") for f in SHIPPED), "no overlay"
    assert any("source:" in f.read_text(encoding="utf-8") for f in SHIPPED), "no provenance"


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_file_validates(validator: Any, path: Path) -> None:
    data = _as_json(yaml.safe_load(path.read_text(encoding="utf-8")))
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message[:200]}"
              for e in validator.iter_errors(data)]
    assert not errors, "\n".join(errors)


def test_new_template_validates(validator: Any, tmp_path: Path) -> None:
    out = tmp_path / "mine.yaml"
    res = CliRunner().invoke(main, ["new", str(out)])
    assert res.exit_code == 0, res.output
    assert not list(validator.iter_errors(_as_json(yaml.safe_load(out.read_text()))))


@pytest.mark.parametrize(("data", "ok"), [
    ({"name": "x", "demand": [{"teu_per_week": {"value": 3, "source": "S1", "year": 2024,
                                                "note": "n", "assumed": True}}]}, True),
    ({"extends": "baseline_2024", "horizon_d": {"value": 30, "assumed": True}}, True),
    ({"name": "x", "demand": [{"teu_per_week": {"value": 3, "sourse": "S1"}}]}, False),
    ({"name": "x", "demand": [{"teu_per_week": "ten"}]}, False),
    ({"name": "x", "horizon_dd": 3, "demand": []}, False),
    ({"horizon_d": 30}, False),
], ids=["provenance", "overlay", "provenance_typo", "wrong_type", "unknown_key", "no_name"])
def test_schema_is_not_too_loose(validator: Any, data: dict[str, Any], ok: bool) -> None:
    assert validator.is_valid(data) is ok
