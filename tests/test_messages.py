"""The planner's first-hour messages, table-driven through the CLI: YAML slips pointing where
they start, plain text never read as markup, did-you-mean for files and shipped scenarios,
percent-looking shares and factors, and the warnings (a capacity factor that may be a
percentage, a disruption after the end of the run, a warm-up cut by ``--horizon-days``).

Errors: exit code 2, ``file:line:`` and the field named, no results folder written.
Warnings: exit code 0 and ``warning:`` with the same naming.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from corridorsim.cli import main

DEMAND = "demand:\n  - route: northern\n    teu_per_week: 10\n"
HEAD = "name: msg\n" + DEMAND

# id, file content (None: no file is written), the SCENARIO argument ("{f}": the file),
# fragments the message must contain, line named (None: none)
ERRORS: list[tuple[str, str | None, str, tuple[str, ...], int | None]] = [
    ("unclosed_bracket_eof", HEAD + "routes: [northern, suez\n", "{f}",
     ("the '[' opened here is never closed", "found the end of the file"), 5),
    ("unclosed_bracket_mid", "name: msg\nroutes: [northern, suez\nhorizon_d: 40\n" + DEMAND,
     "{f}", ("the '[' opened here is never closed", "]"), 2),
    ("unclosed_brace", HEAD + "accounting: {rates_year: 2024\ncurrency: EUR\n", "{f}",
     ("the '{' opened here is never closed",), 5),
    ("unclosed_quote", "name: 'msg\nhorizon_d: 40\n" + DEMAND, "{f}",
     ("the quote opened here is never closed",), 1),
    ("tab", "name: msg\ndemand:\n\t- route: northern\n", "{f}",
     ("tabs are not allowed for indentation: use spaces",), 3),
    ("bad_indentation", HEAD + "accounting:\n    rates_year: 2024\n  currency: EUR\n", "{f}",
     ("bad indentation", "same column"), 7),
    ("over_indented", "name: msg\ndemand:\n  - route: northern\n      teu_per_week: 10\n",
     "{f}", ("a ':' is not allowed here", "indented"), 4),
    ("missing_file_near_shipped", None, "baselin_2024",
     ("file not found", "did you mean baseline_2024"), None),
    ("missing_file_near_file", HEAD, "{d}/msgs.yaml",
     ("file not found", "did you mean", "msg.yaml"), None),
    ("extends_misspelt", "extends: baselin_2024\nname: msg\n", "{f}",
     ("not found", "did you mean baseline_2024"), 1),
    ("markup_not_eaten", None, "{d}/case[bold]x[/bold].yaml",
     ("case[bold]x[/bold].yaml: file not found",), None),
    ("capacity_factor_percent", HEAD + "disruptions:\n  - target: suez\n    capacity_factor: 50\n",
     "{f}", ("disruptions[0].capacity_factor", "at most 10", "did you mean 0.5?"), 7),
    ("inventory_rate_percent", HEAD + "accounting:\n  inventory_rate_per_year: 5\n", "{f}",
     ("accounting.inventory_rate_per_year", "0.05 for 5 %", "did you mean 0.05?"), 6),
    ("share_percent", "name: msg\ndemand:\n  - route: northern\n    teu_per_week: 10\n"
     "    feu_share: 80\n", "{f}",
     ("demand[0].feu_share", "a share between 0 and 1", "did you mean 0.8?"), 5),
]


def _invoke(tmp_path: Path, content: str | None, arg: str, *extra: str
            ) -> tuple[object, str, Path, Path]:
    f = tmp_path / "msg.yaml"
    if content is not None:
        f.write_text(content, encoding="utf-8")
    arg = arg.format(f=f, d=tmp_path)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", arg, "--out", str(out), "--no-viz", *extra])
    return res, " ".join(res.output.split()), f, out


@pytest.mark.parametrize(("content", "arg", "fragments", "line"), [c[1:] for c in ERRORS],
                         ids=[c[0] for c in ERRORS])
def test_error_message(tmp_path: Path, content: str | None, arg: str,
                       fragments: tuple[str, ...], line: int | None) -> None:
    res, msg, f, out = _invoke(tmp_path, content, arg, "--horizon-days", "60")
    assert res.exit_code == 2, res.output  # type: ignore[attr-defined]
    assert msg.startswith("error:"), msg
    assert "Traceback" not in msg and "expected <block end>" not in msg
    for frag in fragments:
        assert frag in msg, f"{frag!r} missing from: {msg}"
    if line is not None:
        assert msg.startswith(f"error: {f}:{line}:"), f"line {line} must be named first: {msg}"
    assert not out.exists(), "nothing may be written on an error"


# id, file content, extra options, fragments of the warning
WARNINGS: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = [
    ("warmup_clipped", HEAD + "warmup_d: 28\n", ("--horizon-days", "20"),
     ("--horizon-days 20", "warm-up", "warmup_d 28", "cut to 5 days")),
    ("capacity_factor_high", HEAD + "horizon_d: 40\nwarmup_d: 5\n"
     "disruptions:\n  - target: suez\n    capacity_factor: 8\n", (),
     ("{f}:9:", "disruptions[0].capacity_factor", "if you meant 8 %, write 0.08")),
    ("disruption_after_horizon", HEAD + "horizon_d: 40\nwarmup_d: 5\n"
     "disruptions:\n  - {target: suez, start_d: 50, end_d: 60}\n", (),
     ("{f}:8:", "disruptions[0]", "after the run ends", "no effect")),
]


@pytest.mark.parametrize(("content", "extra", "fragments"), [c[1:] for c in WARNINGS],
                         ids=[c[0] for c in WARNINGS])
def test_warning(tmp_path: Path, content: str, extra: tuple[str, ...],
                 fragments: tuple[str, ...]) -> None:
    res, msg, f, out = _invoke(tmp_path, content, "{f}", "--quiet", *extra)
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    assert "warning:" in msg
    for frag in fragments:
        frag = frag.format(f=f)
        assert frag in msg, f"{frag!r} missing from: {msg}"
    assert out.exists()


def test_validate_warns_too(tmp_path: Path) -> None:
    f = tmp_path / "w.yaml"
    f.write_text(HEAD + "disruptions:\n  - target: suez\n    capacity_factor: 8\n")
    res = CliRunner().invoke(main, ["validate", str(f)])
    assert res.exit_code == 0, res.output
    assert "warning:" in res.output and "valid" in res.output


def test_enough_cases() -> None:
    assert len(ERRORS) + len(WARNINGS) >= 15
