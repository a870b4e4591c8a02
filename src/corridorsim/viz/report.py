"""``report.html``: a self-contained run report with inline SVG charts and plain CSS."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from corridorsim.errors import InternalError
from corridorsim.memory import release_freed_heap
from corridorsim.viz import charts
from corridorsim.viz.assets import badge, esc, fmt
from corridorsim.viz.bottlenecks import bottleneck_section
from corridorsim.viz.html import Format, formatter, html_table, page
from corridorsim.viz.over_time import over_time_section
from corridorsim.viz.render import with_svgs
from corridorsim.viz.report_data import (
    accounting_tables,
    breakdown_columns,
    defaults_table,
    instance_keys,
    instance_labels,
    node_names,
    od_pairs,
    provenance_table,
    sample_consignments,
    stage_profile,
)
from corridorsim.viz.saturation_section import saturation_section
from corridorsim.viz.validation_section import validation_section

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from corridorsim.result import RunResult

__all__ = ["report_html", "write_report"]


#: line styles of the O/D pairs in charts (a family keeps its colour on every pair)
PAIR_STYLES = ("-", "--", ":", "-.")


def _instance_order(res: RunResult) -> list[str]:
    """Route instance keys in summary order: by the scenario's route families, then by
    O/D pair in demand order (instances of other families last)."""
    pairs = {p: i for i, p in enumerate(od_pairs(res))}
    fams = list(dict.fromkeys([*getattr(res.scenario, "routes", []),
                               *(i.family for i in res.routes.values())]))
    return sorted(res.routes, key=lambda k: (fams.index(res.routes[k].family),
                                             pairs.get((res.routes[k].origin,
                                                        res.routes[k].destination), 0)))


def _labels(res: RunResult) -> tuple[dict[str, str], dict[str, str]]:
    """Short labels and colours keyed by both route family and route instance key; an
    instance's label names its O/D pair ("Family · Origin → Destination") when the run
    has more than one, and every instance has its family's colour."""
    labels, colours = {}, {}
    inst_labels = instance_labels(res)
    order = _instance_order(res)
    for key in order:
        fam = res.routes[key].route.family
        labels[res.routes[key].family] = fam.short_label
        colours[res.routes[key].family] = fam.colour
    for key in order:
        labels[key], colours[key] = inst_labels[key], res.routes[key].route.family.colour
    return labels, colours


def _styles(res: RunResult) -> dict[str, str]:
    """Line style of every route instance key: one per O/D pair."""
    pairs = {p: i for i, p in enumerate(od_pairs(res))}
    return {k: PAIR_STYLES[pairs.get((i.origin, i.destination), 0) % len(PAIR_STYLES)]
            for k, i in res.routes.items()}


def _pairs_line(res: RunResult) -> str:
    """The O/D pairs run, by node name (ids in the tooltip)."""
    names = node_names(res)
    pairs = od_pairs(res)
    if not pairs:
        return ""
    items = "; ".join(
        f'<b title="{esc(o)} → {esc(d)}">{esc(names.get(o, o))} → {esc(names.get(d, d))}</b>'
        for o, d in pairs)
    head = "O/D pair" if len(pairs) == 1 else f"{len(pairs)} O/D pairs"
    return f'<p class="meta">{head}: {items}</p>'


def _replications(res: RunResult) -> int:
    return int((getattr(res, "info", {}) or {}).get("replications", 1) or 1)


def _header_kpis(res: RunResult) -> list[tuple[str, object]]:
    """The header cards: the run's totals, or with replications the mean totals (the sum of
    the summary's per-route means, so the cards agree with the KPI table)."""
    names = [("TEU created", "teu_created"), ("TEU delivered", "teu_delivered"),
             ("TEU in system", "teu_in_system"), ("consignments", "consignments")]
    n, s = _replications(res), res.summary
    if n > 1:
        return [(f"{k} (mean of {n})", s[c].sum() if c in s else None) for k, c in names]
    return [(k, res.info.get(c)) for k, c in names]


def _replication_note(res: RunResult) -> str:
    n = _replications(res)
    if n < 2:
        return ""
    seeds = res.info.get("replication_seeds") or []
    first = f" (seed {esc(seeds[0])})" if seeds else ""
    return ('<p class="replication"><b>Replication run:</b> ' + esc(f"{n} independent "
            "replications with common random numbers across routes. The header and the KPI "
            "tables show the mean over the replications, with the 95 % Student-t interval "
            "below each value where summary.csv has one (replications.csv: every replication). "
            "Time–distance, distributions, over-time, bottleneck and saturation figures and the "
            "map show replication 0") + first + ".</p>")


def _header(res: RunResult) -> str:
    info, scn = res.info, res.scenario
    boxes = "".join(f'<div class="kpi"><div class="v">{fmt(v, ",.0f")}</div>'
                    f'<div class="l">{esc(k)}</div></div>' for k, v in _header_kpis(res))
    desc = getattr(scn, "description", None)
    return (f"<h1>corridorsim report · {esc(scn.name)}</h1>"
            + (f"<p>{esc(desc)}</p>" if desc else "")
            + f'<p class="meta">seed <b>{esc(info.get("seed", scn.seed))}</b> · horizon '
            f'<b>{fmt(info.get("horizon_d", scn.horizon_d), "g")} d</b> · warm-up '
            f'<b>{fmt(info.get("warmup_d"), "g")} d</b> · start <b>{esc(info.get("start_date", ""))}'
            f'</b> · corridorsim {esc(info.get("versions", {}).get("corridorsim", ""))}</p>'
            + _pairs_line(res) + _replication_note(res)
            + "".join(f'<p class="warning"><b>warning:</b> {esc(w)}</p>'
                      for w in info.get("warnings", []))
            + f'<div class="kpis">{boxes}</div>'
            '<nav><a href="map.html">map</a><a href="#kpis">KPIs</a><a href="#over-time">over time</a>'
            '<a href="#time">time–distance'
            '</a><a href="#bottlenecks">bottlenecks</a><a href="#accounting">emissions &amp; cost'
            '</a><a href="#assumptions">assumptions</a></nav>')


KPI_COLS = {
    "teu_delivered": ("TEU delivered", ",.0f"), "consignments": ("consignments", ",.0f"),
    "transit_days_p10": ("P10 d", ".1f"), "transit_days_p50": ("P50 d", ".1f"),
    "transit_days_p90": ("P90 d", ".1f"), "transit_days_mean": ("mean d", ".1f"),
    "on_time_share": ("on time", ".0%"),
    "co2e_wtw_kg_per_teu": ("CO2e WtW kg/TEU", ",.0f"), "cost_usd_per_teu": ("USD/TEU", ",.0f"),
    "backlog_teu": ("TEU in transit at end", ",.0f"),
    "queued_teu": ("TEU queued at saturated places", ",.0f"),
}


def _route_cells(res: RunResult, s: pd.DataFrame, labels: dict[str, str],
                 colours: dict[str, str]) -> pd.DataFrame:
    """The ``route`` column of a per-route table: colour swatch and label of each row's
    route instance."""
    return pd.DataFrame({"route": [
        f'<i class="swatch" style="background:{esc(colours.get(r, "#333"))}"></i>'
        f"{esc(labels.get(r, r))}" for r in instance_keys(res, s)]})


def _with_interval(v: object, lo: object, hi: object, spec: str) -> str:
    """A mean and, below it, its 95 % interval (HTML)."""
    cell = esc(fmt(v, spec))
    if lo == lo and hi == hi and lo is not None and hi is not None:
        cell += f'<span class="ci">{esc(fmt(lo, spec))} – {esc(fmt(hi, spec))}</span>'
    return cell


def _kpi_table(df: pd.DataFrame, formats: dict[str, Format],
               headers: dict[str, str], raw: list[str] | None = None) -> str:
    raw = raw or ["route"]
    table = html_table(df, formats=formats, headers=headers, raw=raw)
    return table.replace('<table class="data">', '<table class="data kpi">', 1)


def _kpi_section(res: RunResult, labels: dict[str, str], colours: dict[str, str]) -> str:
    s = res.summary
    df = _route_cells(res, s, labels, colours)
    formats: dict[str, Format] = {}
    headers: dict[str, str] = {}
    raw = ["route"]
    for col, (head, spec) in KPI_COLS.items():
        df[col] = s[col].to_numpy() if col in s else math.nan
        formats[col] = formatter(spec)
        headers[col] = head
        if f"{col}_ci95_low" in s and f"{col}_ci95_high" in s:  # a replication run
            df[col] = [_with_interval(v, lo, hi, spec) for v, lo, hi in
                       zip(df[col], s[f"{col}_ci95_low"], s[f"{col}_ci95_high"], strict=True)]
            formats[col] = str  # already HTML; right-aligned as a number
            raw.append(col)
    waits = [c for c in s.columns if c.startswith("wait_") and c.endswith("_days_mean")
             and s[c].fillna(0).abs().sum() > 0]
    wdf = _route_cells(res, s, labels, colours)
    for c in [*waits, "moving_days_mean"]:
        if c in s:
            wdf[c] = s[c].to_numpy() * 24.0  # hours: a storm's 0.1 h stays visible
            formats[c] = lambda v: fmt(v, ",.1f")
            headers[c] = c.removeprefix("wait_").removesuffix("_days_mean")
    note = ('<p class="note">Transit statistics cover consignments booked after the warm-up and '
            "delivered within the horizon; n/a means none qualified (lengthen the horizon). "
            "<i>TEU in transit at end</i>: booked after warm-up and not delivered when the run "
            "ended — on their way, not queued (the queued ones are in the next column; see "
            '<a href="#saturation">saturation</a>).</p>')
    if len(raw) > 1:
        note += ('<p class="note">Below each mean: its 95 % interval over the '
                 f"{_replications(res)} replications.</p>")
    return ('<h2 id="kpis">KPIs per route</h2>' + _kpi_table(df, formats, headers, raw) + note
            + "<h3>Mean hours per consignment by cause of waiting (and moving)</h3>"
            + _kpi_table(wdf, formats, headers))


def _shipments_section(res: RunResult, labels: dict[str, str],
                       colours: dict[str, str]) -> str:
    """The planner's own cargo (``shipment: true`` rows), per route it took."""
    own = res.extra_tables.get("shipments.csv")
    if own is None or own.empty:
        return ""
    df = _route_cells(res, own, labels, colours)
    formats: dict[str, Format] = {}
    headers: dict[str, str] = {}
    for col, (head, spec) in KPI_COLS.items():
        if col in own and col not in ("queued_teu", "co2e_wtw_kg_per_teu", "cost_usd_per_teu"):
            df[col] = own[col].to_numpy()
            formats[col] = formatter(spec)
            headers[col] = head
    note = ('<p class="note">Your own containers (demand rows with <code>shipment: true</code>), '
            "riding the same trains and ships as the corridor's traffic; the KPIs above are "
            "over all cargo. Per-shipment rows are in consignments.parquet; these figures in "
            "shipments.csv.</p>")
    return '<h2 id="shipments">Your shipments</h2>' + _kpi_table(df, formats, headers) + note


def _chart(fig: Figure, salt: str, caption: str = "") -> str:
    cap = f'<p class="note">{caption}</p>' if caption else ""
    return f'<div class="chart">{charts.to_svg(fig, salt)}</div>{cap}'


def _sample_note(view: RunResult) -> str:
    """A sentence saying the figure uses a sample of a large run (empty otherwise)."""
    smp = view.info.get("sample") if hasattr(view, "info") else None
    if not smp:
        return ""
    return (f" Based on a systematic sample of {smp['consignments']:,} of {smp['of']:,} "
            f"consignments (of each route with more than {smp['per_route']:,} bookings, every "
            "k-th by booking); the KPI tables and per-place waits use all.")


def _time_section(res: RunResult, labels: dict[str, str], colours: dict[str, str]) -> str:
    # the sample is the report's largest allocation (~140 MB on a full-year run): first hand
    # back the heap that the run's Parquet threads freed (glibc keeps it in their arenas),
    # so that the sample does not sit on top of it (peak RSS of `run`: see issue #20)
    release_freed_heap()
    res = res.sample() if hasattr(res, "sample") else res
    sample, fallback = sample_consignments(res)
    if sample.empty:
        return '<h2 id="time">Time–distance</h2><p>No consignment was delivered.</p>'
    names = node_names(res)
    styles = _styles(res)
    by = "route_key" if "route_key" in sample.columns else "route"
    sample = sample.assign(**{by: sample[by].astype(str)})
    tp = stage_profile(res, sample, value="time")
    cp = stage_profile(res, sample, value="cost")
    note = ("Following the UNESCAP time/cost–distance method: x is cumulative distance, y the "
            "cumulative time (or cost) at the end of each stage; stops add time at constant "
            "distance, so borders, gauge changes and transshipments appear as vertical steps. "
            "Lines are medians over consignments, bands P10–P90." + _sample_note(res))
    if fallback:
        note += (" Routes with no delivery after warm-up use warm-up consignments: "
                 + esc(", ".join(labels.get(r, r) for r in sorted(fallback))) + ".")
    return ('<h2 id="time">Time/cost–distance (UNESCAP)</h2>'
            + _chart(charts.time_distance_chart(tp, cp, colours, labels, names, styles=styles),
                     "td", note)
            + "<h2>Transit-time distributions</h2>"
            + _chart(charts.transit_chart(sample, colours, labels, by=by, styles=styles),
                     "ecdf", _sample_note(res).strip()))


def _accounting_section(res: RunResult, labels: dict[str, str]) -> str:
    s = res.summary.assign(route=instance_keys(res, res.summary))  # one row per instance
    head = '<h2 id="accounting">Emissions and cost breakdown</h2>'
    co2 = breakdown_columns(s, "co2e_wtw_kg_per_teu", ("rail", "sea", "road", "hub"))
    cost = breakdown_columns(s, "cost_usd_per_teu")
    if not co2 and not cost:
        return head + ("<p>Accounting is not available for this run (no emission or cost "
                       "columns in the summary).</p>")
    out = head
    if co2:
        out += _chart(charts.breakdown_chart(
            s, co2, "co2e_wtw_kg_per_teu", labels, xlabel="kg CO2e (well-to-wheel) per TEU",
            title="GHG emissions per TEU by mode (GLEC v3.0 / ISO 14083)"), "co2")
    if cost:
        out += _chart(charts.breakdown_chart(
            s, cost, "cost_usd_per_teu", labels, xlabel="USD per TEU",
            title="Logistics cost per TEU by component"), "cost")
        out += _rates_note(res)
    out += _country_table(res, labels)
    missing = [labels.get(r, r) for r, empty in
               zip(s["route"], s[co2 + cost].isna().all(axis=1), strict=True) if empty]
    if missing:
        out += ('<p class="note">No qualifying consignments (booked after warm-up and '
                f"delivered) for: {esc(', '.join(missing))}.</p>")
    return out


def _rates_note(res: RunResult) -> str:
    """Which year's rates, which currency, and whether empty returns are in the cost."""
    acc = res.scenario.accounting
    euro = (f" Euro columns in summary.csv at {res.summary['usd_per_eur'].iloc[0]:g} USD per "
            "EUR (ECB, S91)." if acc.currency == "EUR" and "usd_per_eur" in res.summary else "")
    basis = res.summary.get("empty_basis")
    uncosted = (sorted(set(res.summary.loc[basis == "not costed", "route"]))
                if basis is not None else [])
    empties = (f" Empty returns not costed on {', '.join(uncosted)} (no return flow "
               "simulated, no share stated: accounting.empty_return_share)." if uncosted else "")
    return ('<p class="note">' + esc(f"Freight rates of {acc.rates_year} (USD; sources in "
                                     f"cost_tariffs.csv).{euro}{empties}") + "</p>")


def _country_table(res: RunResult, labels: dict[str, str]) -> str:
    """kg CO2e (WTW) per TEU by country (rows) and route instance (columns); sea outside
    territory is shown as international waters."""
    table = res.extra_tables.get("emissions_by_country.csv") if hasattr(res, "extra_tables") else None
    if table is None or table.empty:
        return ""
    t = table.assign(country=table["country"].fillna("").replace("", "international waters"),
                     route=instance_keys(res, table))
    wide = t.pivot_table(index="country", columns="route", values="co2e_wtw_kg_per_teu",
                         aggfunc="sum", fill_value=0.0)
    order = [r for r in instance_keys(res, res.summary) if r in wide.columns]
    wide = wide[order]
    wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False).index].reset_index()
    formats = {r: (lambda v: fmt(v, ",.0f") if v else "–") for r in order}
    headers = {r: labels.get(r, r) for r in order}
    return ("<h3>Emissions per TEU by country (kg CO2e, well-to-wheel)</h3>"
            + html_table(wide, formats=formats, headers=headers))


def _assumptions_section(res: RunResult) -> str:
    fmt_year = {"year": lambda v: fmt(v, ".0f") if v is not None else ""}
    d = defaults_table()
    d["assumed"] = d["assumed"].map(badge)
    out = ('<h2 id="assumptions">Assumptions and sources</h2><p class="note">Values marked '
           f'{badge(True)} are our own assumptions, not taken from a source.</p>'
           "<h3>Service, facility and node defaults</h3>"
           + html_table(d, raw=["assumed"], formats=fmt_year))
    p = provenance_table(res.scenario)
    if len(p):
        p["assumed"] = p["assumed"].map(badge)
        out += "<h3>Scenario provenance</h3>" + html_table(p, raw=["assumed"], formats=fmt_year)
    acc = accounting_tables()
    if acc is not None:
        acc = acc.copy()
        acc["assumed"] = acc["assumed"].map(badge)
        acc["value"] = acc["value"].map(lambda v: fmt(v, ",.4g"))
        n_assumed = int(acc["assumed"].str.contains("badge assumed").sum())
        out += (f"<details><summary>Emission factors and tariffs ({len(acc)} values, "
                f"{n_assumed} assumed)</summary>"
                + html_table(acc, raw=["assumed"], formats=fmt_year) + "</details>")
    else:
        out += '<p class="note">Emission factors and tariffs: accounting is not available.</p>'
    return out


def _disruption_section(res: RunResult) -> str:
    ds = list(getattr(res.scenario, "disruptions", []) or [])
    if not ds:
        return ""
    start = res.scenario.start_date
    df = pd.DataFrame([{"name": x.name or "", "target": x.target, "window": x.window(start),
                        "capacity factor": x.capacity_factor,
                        "speed factor": x.speed_factor} for x in ds])
    return "<h2>Disruptions</h2>" + html_table(df)


def _report_page(res: RunResult) -> str:
    """The report's HTML, its charts possibly placeholders (:func:`render.svg`)."""
    labels, colours = _labels(res)
    head = (_header(res) + _kpi_section(res, labels, colours) + _shipments_section(res, labels,
                                                                                colours)
            + _disruption_section(res)
            + over_time_section(res, labels, colours, _styles(res)))
    tail = (bottleneck_section(res, labels, colours) + saturation_section(res)
            + _accounting_section(res, labels) + _assumptions_section(res)
            + validation_section(res))
    # the time section last: its sample is the report's largest allocation, and by then the
    # run's Parquet threads have had longest to finish (peak memory of `run`, issue #20)
    body = head + _time_section(res, labels, colours) + tail
    return page(f"corridorsim report · {res.scenario.name}", body)


def report_html(res: RunResult) -> str:
    """The complete HTML of the run report."""
    return with_svgs(_report_page(res))


def write_report(res: RunResult, out: Path) -> list[Path]:
    """Write ``report.html`` into the folder ``out``; return the path written."""
    steps = ReportInTwoSteps()
    steps.start(res, out)
    return steps.finish(res, out)


class ReportInTwoSteps:
    """:func:`write_report` as two writers, so that another page is drawn between them
    while the chart renderer draws the report's charts (:mod:`corridorsim.viz.render`):
    :meth:`start` builds the page, :meth:`finish` puts the charts in and writes it."""

    def __init__(self) -> None:
        self._page: str | None = None

    def start(self, res: RunResult, out: Path) -> list[Path]:
        self._page = _report_page(res)
        release_freed_heap()  # its sample is freed: the next page does not sit on top of it
        return []

    def finish(self, res: RunResult, out: Path) -> list[Path]:
        if self._page is None:
            raise InternalError("ReportInTwoSteps.finish before start (a bug in corridorsim)")
        path = Path(out) / "report.html"
        path.write_text(with_svgs(self._page), encoding="utf-8")
        self._page = None
        return [path]
