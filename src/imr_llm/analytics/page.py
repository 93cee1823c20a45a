"""The report as one self-contained HTML page (inline CSS and SVG charts: no script, no font, no
network) and as Markdown. Shares show as percentages here; the CSV files keep fractions."""

from __future__ import annotations

import html
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Optional

from . import charts
from .tables import NONE, Report, Result, cell

GENERATOR = '<meta name="generator" content="imr-llm report">'  # how a later report knows the folder is ours
_ROWS = 30  # rows of a long table on the page; the CSV beside it holds them all
_SHARES = ("overturned_share", "share_of_decisions", "upheld_share", "pharmaceutical_share")

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d1d1d;background:#fff}
header{padding:14px 24px;background:#243b55;color:#fff}header h1{margin:0 0 4px;font-size:21px}
header p{margin:2px 0;color:#dfe8f3;font-size:13px}
nav{padding:8px 24px;border-bottom:1px solid #ddd;font-size:13px;position:sticky;top:0;background:#fff;
display:flex;flex-wrap:wrap;gap:4px 16px}nav a{color:#243b55;white-space:nowrap}
main{padding:0 24px 40px;max-width:1180px}
section{border-bottom:1px solid #e6e6e6;padding:10px 0 18px}
h2{font-size:18px;margin:14px 0 8px}h3{font-size:14px;margin:8px 0}
.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}.row>*{flex:1 1 420px;min-width:0}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
td,th{border-bottom:1px solid #e3e3e3;padding:3px 10px 3px 4px;text-align:left;vertical-align:top}
th{background:#f4f6f8;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.none{color:#777;font-style:italic;white-space:nowrap}td.key{white-space:nowrap}
.quality{background:#fafafa;border:1px solid #e3e3e3;padding:8px 14px;border-radius:4px}
.quality td.warn{color:#8a4b00;background:#fff3e0;font-weight:600}
.note{color:#666;font-size:12px}svg{max-width:100%;height:auto}
"""

_OVERVIEW_LABELS = {
    "letters": "Letters", "decisions": "Decisions (disputed treatments)", "upheld_share": "Decisions upheld",
    "overturned_share": "Decisions overturned", "letters_upheld": "Letters: all upheld",
    "letters_overturned": "Letters: all overturned", "letters_partially_overturned": "Letters: partly overturned",
    "first_decision": "First decision date", "last_decision": "Last decision date",
}
_QUALITY_LABELS = {
    "failed_letters": "Letters that failed (no result)",
    "decisions_without_category": "Decisions without a category",
    "rows_with_warnings": "Letters with warnings",
    "letters_with_disagreements": "Letters with parser/model disagreements",
    "lines_not_read": "Input lines not read (not rows of imr-llm)",
}
_MEASURES = {"letters": "letters", "upheld_share": "decisions upheld", "overturned_share": "decisions overturned",
             "pharmaceutical_share": "requests for pharmaceuticals"}


def _version() -> str:
    try:
        return version("imr-llm")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(source tree)"


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


_SIDES = {"maximus": "Maximus reviewer", "claims_administrator": "claims administrator (UR)"}


def _shown(column: str, value: Any) -> str:
    """A value as a reader sees it: shares as percentages, counts with separators, sides named."""
    if value is None:
        return ""
    if column == "side":
        return _SIDES.get(value, value)
    if isinstance(value, float) and (column in _SHARES or column == "value"):
        return f"{value:.1%}"
    if isinstance(value, int) and not isinstance(value, bool) and column not in ("year",):
        return f"{value:,}"
    return cell(column, value)


def _header(column: str) -> str:
    return column.replace("_", " ")


def _html_table(result: Result, limit: Optional[int] = _ROWS) -> str:
    rows = result.rows if limit is None else result.rows[:limit]
    head = "".join(f"<th>{_e(_header(c))}</th>" for c in result.columns)
    body = []
    for row in rows:
        cells = []
        for column, value in zip(result.columns, row, strict=True):
            kind = "n" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
            kind = "key" if column in ("side", "source", "month", "year") else kind  # short: kept on one line
            kind = "none" if value == NONE else kind
            cells.append(f'<td class="{kind}">{_e(_shown(column, value))}</td>' if kind else
                         f"<td>{_e(_shown(column, value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if limit is not None and len(result.rows) > limit:
        more = (f'<p class="note">{len(result.rows) - limit:,} more rows in '
                f'<a href="{_e(result.table.name)}.csv">{_e(result.table.name)}.csv</a>.</p>')
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{more}"


def _reference_rows(report: Report) -> list[tuple[Any, ...]]:
    """Each published figure beside the sample's figure for the same decision year."""
    sample = {row[0]: dict(zip(report.by_year.columns, row, strict=True)) for row in report.by_year.rows}
    rows = []
    order = list(_MEASURES)
    for figure in sorted(report.reference, key=lambda f: (f.year, order.index(f.measure))):
        published = figure.as_published or (f"{figure.value:.1%}" if figure.measure != "letters"
                                            else f"{int(figure.value):,}")
        mine = sample.get(figure.year)
        if mine is None:
            ours = "no letters decided that year"
        elif figure.measure == "letters":
            ours = f"{mine['letters']:,} letters"
        else:
            ours = f"{mine[figure.measure]:.1%} of {mine['decisions']:,} decisions"
        rows.append((figure.year, _MEASURES.get(figure.measure, figure.measure), published, figure.source, ours))
    return rows


def _charts(report: Report) -> dict[str, str]:
    r = report.results
    months = [row for row in r["by_month"].rows if row[0] != NONE]
    categories = r["by_category"].rows
    drugs = [row for row in r["by_subcategory"].rows if row[0] == "Pharmaceuticals"][:20]
    specialties = r["by_specialty"].rows[:15]
    sources = r["by_guideline_source"].rows
    names = sorted({row[1] for row in sources}, key=lambda s: -sum(x[2] for x in sources if x[1] == s))
    by_side = {side: [next((x[2] for x in sources if x[0] == side and x[1] == s), 0) for s in names]
               for side in ("maximus", "claims_administrator")}
    made = {}
    if months:
        made["month"] = charts.columns("decisions-per-month", "Decisions per month, and the share overturned",
                                       [m[0] for m in months], [m[2] for m in months], [m[3] for m in months])
    if categories:
        made["requests"] = charts.bars("requests-by-category", "Decisions by service category",
                                       [c[0] for c in categories], [c[1] for c in categories])
        made["category"] = charts.bars("overturned-by-category", "Share overturned, by service category",
                                       [c[0] for c in categories], [c[4] for c in categories], share=True,
                                       counts=[c[1] for c in categories])
    if drugs:
        made["drugs"] = charts.bars("overturned-by-drug-class", "Share overturned, by drug class",
                                    [d[1] for d in drugs], [d[5] for d in drugs], share=True,
                                    counts=[d[2] for d in drugs])
    if specialties:
        made["specialty"] = charts.bars("reviewer-specialties", "Letters by reviewer specialty",
                                        [s[0] for s in specialties], [s[1] for s in specialties])
    if names:
        made["guidelines"] = charts.grouped("guideline-sources", "Decisions citing each guideline source",
                                            names, {_SIDES[side]: values for side, values in by_side.items()})
    if any(report.days.values()):
        made["days"] = charts.histogram("days-to-decision", "Days to decision, per letter",
                                        {"assigned to decision": report.days["assigned_to_decision"],
                                         "application received to decision": report.days["received_to_decision"]})
    return made


def _scope(report: Report) -> str:
    overview = report.overview()
    span = f"decided {overview['first_decision'] or '?'} to {overview['last_decision'] or '?'}"
    if report.start or report.end:
        span += f" (kept: decision dates {report.start or '…'} to {report.end or '…'})"
    return f"{overview['letters']:,} letters, {overview['decisions']:,} decisions, {span}"


_SECTIONS = (
    ("month", "Decisions per month", ("month",), ("by_month",)),
    ("category", "Service categories", ("requests", "category"), ("by_category",)),
    ("drugs", "Subcategories and drug classes", ("drugs",), ("by_subcategory",)),
    ("reviewers", "Reviewers", ("specialty",), ("by_specialty", "by_state")),
    ("guidelines", "Guidelines cited", ("guidelines",), ("by_guideline_source", "by_guideline")),
    ("regions", "Body regions, reasons, priority", (), ("by_body_region", "by_reason", "by_priority")),
    ("days", "Time to decision", ("days",), ("time_to_decision",)),
)


def render_html(report: Report) -> str:
    overview = report.overview()
    made = _charts(report)
    first = "".join(f"<tr><td>{_e(label)}</td><td class=\"n\">{_e(_shown(key, overview[key]))}</td></tr>"
                    for key, label in _OVERVIEW_LABELS.items())
    quality = "".join(
        f"<tr><td>{_e(label)}</td><td class=\"n{' warn' if overview[key] else ''}\">{overview[key]:,}</td></tr>"
        for key, label in _QUALITY_LABELS.items())
    reference = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in _reference_rows(report))
    parts = [
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">{GENERATOR}',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>IMR decisions: {_e(_scope(report))}</title><style>{_STYLE}</style></head><body>",
        f"<header><h1>IMR decisions</h1><p>{_e(_scope(report))}</p>",
        f"<p>Rows from: {_e(', '.join(report.inputs))} · imr-llm {_e(_version())}</p></header>",
        '<nav><a href="#overview">Overview</a><a href="#reference">Published figures</a>'
        + "".join(f'<a href="#{key}">{_e(title)}</a>' for key, title, _, _ in _SECTIONS)
        + '<a href="#files">Files</a></nav><main>',
        '<section id="overview"><h2>Overview</h2><div class="row">',
        f"<div><table>{first}</table>"
        '<p class="note">A decision is one disputed treatment; a letter may decide several.</p></div>',
        f'<div class="quality"><h3>Data quality</h3><table>{quality}</table>'
        '<p class="note">Failed letters count nowhere else (and whatever the date range: they have no date). '
        "Warnings and disagreements are in each row's "
        "<code>warnings</code>: check them with <code>imr-llm review</code>.</p></div></div></section>",
        '<section id="reference"><h2>Beside the published figures</h2>',
        '<p class="note">The DWC\'s and CWCI\'s published figures for all IMR letters of a year, beside this '
        "sample's figure for letters decided in the same year. A sample is not the population: compare "
        "shares, not counts.</p>",
        "<table><tr><th>year</th><th>measure</th><th>published</th><th>source</th><th>this sample</th></tr>"
        f"{reference}</table></section>",
    ]
    for key, title, chart_keys, tables in _SECTIONS:
        drawn = "".join(f"<div>{made[k]}</div>" for k in chart_keys if k in made)
        listed = "".join(f"<div><h3>{_e(report.results[t].table.title)}</h3>{_html_table(report.results[t])}</div>"
                         for t in tables)
        parts.append(f'<section id="{key}"><h2>{_e(title)}</h2><div class="row">{drawn}</div>'
                     f'<div class="row">{listed}</div></section>')
    files = "".join(f'<li><a href="{_e(path.name)}">{_e(path.name)}</a></li>' for path in report.files
                    if path.suffix == ".csv")
    parts.append('<section id="files"><h2>Files</h2><p class="note">Every table in full, as CSV (UTF-8 with a '
                 "byte-order mark; shares as fractions 0-1), beside this page:</p>"
                 f"<ul>{files}</ul></section></main></body></html>")
    return "\n".join(parts) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(columns: list[str], rows: list[tuple[Any, ...]], shown: bool = True) -> str:
    lines = ["| " + " | ".join(_header(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = (_md_cell(_shown(c, v) if shown else str(v)) for c, v in zip(columns, row, strict=True))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    overview = report.overview()
    parts = [f"# IMR decisions\n\n{_scope(report)}. Rows from: {', '.join(report.inputs)}.\n", "## Overview\n",
             _md_table(["metric", "value"], [(label, _shown(key, overview[key]))
                                             for key, label in {**_OVERVIEW_LABELS, **_QUALITY_LABELS}.items()],
                       shown=False),
             "\n## Beside the published figures\n",
             _md_table(["year", "measure", "published", "source", "this sample"], _reference_rows(report), shown=False)]
    for _, title, _, tables in _SECTIONS:
        parts.append(f"\n## {title}\n")
        for name in tables:
            result = report.results[name]
            parts += [f"### {result.table.title}\n", _md_table(result.columns, result.rows), ""]
    return "\n".join(parts) + "\n"
