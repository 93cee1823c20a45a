"""The comparison as a table (terminal and Markdown), JSON, and one self-contained HTML page.

Reports show only what the gold files label (short values): a dev letter's text and rationales
stay out of them, as they stay out of the repository.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Optional

from .documents import GoldDocument
from .running import RowResult
from .scoring import field_score, pair_decisions

GROUPS = ("template", "semantic")


def _number(value: Optional[float], digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _cost(value: Optional[float]) -> str:
    if value is None:
        return "n/a"
    return "$0" if value == 0 else f"${value:.5f}"


def _tokens(row: RowResult) -> str:
    prompt, completion = row.per_letter("prompt_tokens"), row.per_letter("completion_tokens")
    if row.spec.model is None:
        return "0"
    if prompt is None or completion is None:
        return "n/a"
    return f"{prompt + completion:,.0f} ({prompt:,.0f} + {completion:,.0f})"


# The fields analysts group by, shown in the table itself (every field is in the report's per-field table).
_KEY_FIELDS = {"category": "decisions.category", "subcategory": "decisions.subcategory",
               "reasons": "decisions.reasons", "diagnoses": "diagnoses"}


def table_rows(rows: list[RowResult]) -> list[dict[str, str]]:
    """The comparison, one dict of formatted cells per row (the order is the table's)."""
    out = []
    for row in rows:
        summary = row.summary
        seconds = row.per_letter("seconds")
        out.append({
            "row": row.spec.label,
            "template": _number(summary.per_group.get("template")),
            "semantic": _number(summary.per_group.get("semantic")),
            "overall": _number(summary.overall),
            "decision F1": _number(summary.decision_f1),
            **{name: _number(summary.per_field.get(field)) for name, field in _KEY_FIELDS.items()},
            "tokens/letter (in + out)": _tokens(row),
            "calls/letter": _number(row.per_letter("calls"), 1),
            "cost/letter": _cost(row.per_letter("cost")),
            "s/letter": _number(seconds, 3 if seconds is not None and seconds < 1 else 1)
            + (" (recorded)" if row.replayed else ""),
            "failed": f"{row.failed}/{len(row.documents)}",
        })
    return out


def render_table(rows: list[RowResult], documents: list[GoldDocument]) -> str:
    """A Markdown table (readable on a terminal too) with a line on what it covers."""
    cells = table_rows(rows)
    header = list(cells[0])
    widths = [max(len(h), *(len(c[h]) for c in cells)) for h in header]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c[h].ljust(w) for h, w in zip(header, widths, strict=True)) + " |" for c in cells]
    return "\n".join(lines) + "\n\n" + _covers(documents)


def _covers(documents: list[GoldDocument]) -> str:
    sets: dict[str, int] = {}
    for document in documents:
        sets[document.set or "gold"] = sets.get(document.set or "gold", 0) + 1
    parts = ", ".join(f"{n} {name}" for name, n in sets.items())
    return (f"{len(documents)} gold documents ({parts}). Accuracy: mean score of every labeled field "
            "(a failed document scores 0 on all of its fields); decision F1 pairs decisions by item text. "
            "Tokens, calls and cost: mean over the documents extracted. Seconds of replayed rows are those "
            "measured when the cassettes were recorded.")


def _per_field(rows: list[RowResult]) -> tuple[list[str], dict[str, dict[str, float]]]:
    names = sorted({name for row in rows for name in row.summary.per_field})
    return names, {row.spec.label: row.summary.per_field for row in rows}


def render_markdown(rows: list[RowResult], documents: list[GoldDocument]) -> str:
    names, per_field = _per_field(rows)
    labels = [row.spec.label for row in rows]
    lines = ["# imr-llm evaluation", "", render_table(rows, documents), "", "## Accuracy per field", "",
             "| field | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(_number(per_field[label].get(name)) for label in labels) + " |")
    failures = [(row.spec.label, d.document.key, d.error) for row in rows for d in row.documents if d.error]
    if failures:
        lines += ["", "## Failed documents", ""] + [f"- {label}, {key}: {error}" for label, key, error in failures]
    return "\n".join(lines) + "\n"


def report_json(rows: list[RowResult], documents: list[GoldDocument]) -> dict[str, Any]:
    return {
        "documents": [d.key for d in documents],
        "rows": [
            {
                "label": row.spec.label,
                "model": row.spec.model,
                "prompt": row.spec.prompt,
                "judgement": row.spec.judgement if row.spec.model else None,
                "per_group": row.summary.per_group,
                "overall": row.summary.overall,
                "decision_precision": row.summary.decision_precision,
                "decision_recall": row.summary.decision_recall,
                "decision_f1": row.summary.decision_f1,
                "per_field": row.summary.per_field,
                "per_letter": {name: row.per_letter(name) for name in
                               ("prompt_tokens", "completion_tokens", "calls", "reasks", "cost", "seconds")},
                "seconds_recorded": row.replayed,
                "failed": row.failed,
                "per_document": [
                    {"document": d.document.key, "error": d.error, "overall": d.score.overall,
                     "decision_f1": d.score.decision_f1, "seconds": d.seconds,
                     "prompt_tokens": d.prompt_tokens, "completion_tokens": d.completion_tokens, "calls": d.calls,
                     "fields": [{"field": f.field, "score": f.score} for f in d.score.fields]}
                    for d in row.documents
                ],
            }
            for row in rows
        ],
    }


def write_reports(rows: list[RowResult], documents: list[GoldDocument], out: Path) -> list[Path]:
    """report.md, report.json and report.html under ``out`` (created); returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.md", out / "report.json", out / "report.html"]
    paths[0].write_text(render_markdown(rows, documents), encoding="utf-8")
    paths[1].write_text(json.dumps(report_json(rows, documents), indent=1) + "\n", encoding="utf-8")
    paths[2].write_text(render_html(rows, documents), encoding="utf-8")
    return paths


# --- HTML ------------------------------------------------------------------------------------

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}.ok{background:#e6f4e6}.partial{background:#fff4d6}.diff{background:#fbe0e0}
.chart{display:inline-block;margin:0 2em 1em 0}summary{cursor:pointer;padding:2px 0}
.err{color:#a00}.small{color:#666;font-size:12px}
"""


def _chart(title: str, bars: list[tuple[str, float]]) -> str:
    """A horizontal bar chart (inline SVG, 0 to 1) with one bar per row."""
    height, label_width, width = 22, 230, 260
    parts = [f'<svg class="chart" role="img" aria-label="{html.escape(title)}" width="{label_width + width + 60}" '
             f'height="{height * len(bars) + 30}"><text x="0" y="14" font-weight="bold">{html.escape(title)}</text>']
    for i, (label, value) in enumerate(bars):
        y = 24 + i * height
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{html.escape(label)}</text>'
                     f'<rect x="{label_width}" y="{y + 2}" width="{width * value:.1f}" height="{height - 6}" '
                     'fill="#4a7fb5"/>'
                     f'<text x="{label_width + width * value + 4:.1f}" y="{y + 14}" font-size="12">{value:.3f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return f"{value.get('source')}: {value.get('title')}" + (f" ({value['year']})" if value.get("year") else "")
    return str(value)


def _cell(name: str, predicted: Any, gold: Any, missing: bool = False) -> str:
    if missing:
        return '<td class="diff">(no such decision)</td>'
    score = field_score(name, predicted, gold).score
    kind = "ok" if score == 1 else "partial" if score > 0 else "diff"
    return f'<td class="{kind}">{html.escape(_show(predicted))}</td>'


def _flatten(prefix: str, gold: dict, predicted: Optional[dict], out: list) -> None:
    for key, value in gold.items():
        if key in ("decisions", "text"):
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(f"{name}.", value, (predicted or {}).get(key) or {}, out)
        else:
            out.append((name, value, (predicted or {}).get(key)))


def _document_section(document: GoldDocument, rows: list[RowResult], index: int) -> str:
    results = [row.documents[index] for row in rows]
    labels = [row.spec.label for row in rows]
    scores = " · ".join(f"{label}: {r.score.overall:.2f}" for label, r in zip(labels, results, strict=True))
    head = "<tr><th>field</th><th>gold</th>" + "".join(f"<th>{html.escape(label)}</th>" for label in labels) + "</tr>"
    body = []
    errors = [f'<p class="err">{html.escape(label)}: failed: {html.escape(r.error)}</p>'
              for label, r in zip(labels, results, strict=True) if r.error]
    case_rows: dict[str, list] = {}
    for r in results:
        flat: list = []
        _flatten("", document.gold, r.prediction, flat)
        for name, gold, predicted in flat:
            case_rows.setdefault(name, [gold]).append((predicted, r.prediction is None))
    for name, (gold, *cells) in case_rows.items():
        body.append(f"<tr><td>{name}</td><td>{html.escape(_show(gold))}</td>"
                    + "".join(_cell(name, p, gold, missing) for p, missing in cells) + "</tr>")
    gold_decisions = document.gold.get("decisions", [])
    paired = [pair_decisions((r.prediction or {}).get("decisions") or [], gold_decisions) for r in results]
    for i, gold_decision in enumerate(gold_decisions):
        body.append(f'<tr><th colspan="{2 + len(rows)}">decision {i + 1}</th></tr>')
        for key, gold in gold_decision.items():
            name = f"decisions.{key}"
            cells = "".join(_cell(name, (match[i][0] or {}).get(key), gold, match[i][0] is None) for match in paired)
            body.append(f"<tr><td>{key}</td><td>{html.escape(_show(gold))}</td>{cells}</tr>")
    extras = []
    for label, r, match in zip(labels, results, paired, strict=True):
        used = {id(p) for p, _ in match if p is not None}
        for decision in (r.prediction or {}).get("decisions") or []:
            if id(decision) not in used:
                extras.append(f'<p class="diff">{html.escape(label)}: a decision not in the gold file: '
                              f'{html.escape(str(decision.get("item"))[:200])}</p>')
    return (f"<details><summary><b>{html.escape(document.key)}</b> <span class='small'>{html.escape(scores)}"
            f"</span></summary>{''.join(errors)}<table>{head}{''.join(body)}</table>{''.join(extras)}</details>")


def render_html(rows: list[RowResult], documents: list[GoldDocument]) -> str:
    """One page, no external files: the table, a chart per field group, each document's fields."""
    cells = table_rows(rows)
    header = "".join(f"<th>{html.escape(h)}</th>" for h in cells[0])
    table = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in c.values()) + "</tr>" for c in cells)
    charts = [_chart(f"{group} fields", [(row.spec.label, row.summary.per_group.get(group, 0.0)) for row in rows])
              for group in GROUPS]
    charts.append(_chart("decision F1", [(row.spec.label, row.summary.decision_f1) for row in rows]))
    sections = "".join(_document_section(document, rows, i) for i, document in enumerate(documents))
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>imr-llm evaluation</title>"
        f"<style>{_STYLE}</style></head><body><h1>imr-llm evaluation</h1>"
        f"<table><tr>{header}</tr>{table}</table><p class='small'>{html.escape(_covers(documents))}</p>"
        f"<h2>Accuracy by field group</h2>{''.join(charts)}"
        "<h2>Documents</h2><p class='small'>Each labeled field: gold beside every row's prediction. "
        "<span class='ok'>equal</span> <span class='partial'>partly equal</span> "
        "<span class='diff'>different</span></p>"
        f"{sections}</body></html>\n"
    )
