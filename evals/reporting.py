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
from .running import DocumentResult, RowResult
from .scoring import CITED, field_score, pair_decisions

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
.err{color:#a00}.small{color:#666;font-size:12px}td.num{text-align:right;font-variant-numeric:tabular-nums}
.scores{font-size:13px}.scores td:first-child{min-width:12em}
.doc{width:100%;table-layout:fixed}.doc td{overflow-wrap:anywhere}.doc tr>:first-child{width:14em}
.cite+.cite{margin-top:3px;padding-top:3px;border-top:1px dotted #aaa}
"""

_NOT_FIELDS = ("decisions", "text")  # the decisions have their own rows; the letter's text is never labeled
# The two sides of a decision's guidelines, named as the letter names them.
_SIDES = {"claims_administrator": "claims administrator (UR)", "maximus": "Maximus reviewer"}
_Pairs = list[tuple[Optional[dict[str, Any]], dict[str, Any]]]  # pair_decisions: (predicted or None, gold)


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


def _per_field_table(rows: list[RowResult]) -> str:
    """Accuracy per field, one column per row (the table of report.md), each score marked against
    the parser's."""
    names, per_field = _per_field(rows)
    labels = [row.spec.label for row in rows]
    parser = next((row.summary.per_field for row in rows if row.spec.model is None), {})
    head = "<tr><th>field</th>" + "".join(f"<th>{html.escape(label)}</th>" for label in labels) + "</tr>"
    body = "".join(f"<tr><td>{html.escape(name)}</td>"
                   + "".join(_versus(per_field[label].get(name), parser.get(name)) for label in labels)
                   + "</tr>" for name in names)
    return f"<table>{head}{body}</table>"


def _versus(score: Optional[float], parser: Optional[float]) -> str:
    """A score's cell, marked where it is below or above the parser's, as shown (3 digits): no mark
    between two cells that read the same."""
    kind = ""
    if score is not None and parser is not None and round(score, 3) != round(parser, 3):
        kind = " diff" if score < parser else " ok"
    return f'<td class="num{kind}">{_number(score)}</td>'


def _text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return str(value)


def _citation(citation: dict[str, Any]) -> str:
    """A citation as the letter words it, over what scoring compares: two citations worded alike
    but citing different titles must not look equal beside a cell marked different."""
    cited = " · ".join("–" if citation.get(key) is None else str(citation[key]) for key in CITED)
    text = citation.get("text")
    under = f'<div class="small">{html.escape(cited)}</div>' if text else ""
    return f'<div class="cite">{html.escape(text or cited)}{under}</div>'


def _value(value: Any) -> str:
    """A labeled or predicted value as HTML: citations one under the other, other values as text."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return "".join(_citation(v) for v in value)
    return html.escape(_text(value))


def _cell(name: str, predicted: Any, gold: Any, absent: Optional[str]) -> str:
    """One prediction, marked as the scorer scores it, or why there is none."""
    if absent:
        return f'<td class="diff">{absent}</td>'
    score = field_score(name, predicted, gold).score
    kind = "ok" if score == 1 else "partial" if score > 0 else "diff"
    return f'<td class="{kind}">{_value(predicted)}</td>'


def _absent(result: DocumentResult, match: Optional[dict[str, Any]]) -> Optional[str]:
    """Why a row has nothing to show for a field: its document failed, or no decision paired."""
    if result.prediction is None:
        return "(failed)"
    return None if match is not None else "(no such decision)"


def _leaves(gold: dict[str, Any], keys: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every labeled value with its keys; mappings (dates, guidelines) field by field, as they are scored."""
    out: list[tuple[tuple[str, ...], Any]] = []
    for key, value in gold.items():
        if isinstance(value, dict):
            out += _leaves(value, (*keys, key))
        else:
            out.append(((*keys, key), value))
    return out


def _lookup(prediction: Optional[dict[str, Any]], keys: tuple[str, ...]) -> Any:
    value: Any = prediction
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _field_label(keys: tuple[str, ...]) -> str:
    """"dates.injury"; a side of the guidelines as the letter names it: "guidelines: Maximus reviewer"."""
    *parents, leaf = keys
    if parents and leaf in _SIDES:
        return f"{'.'.join(parents)}: {_SIDES[leaf]}"
    return ".".join(keys)


def _field_rows(gold: dict[str, Any], predictions: list[Optional[dict[str, Any]]], absent: list[Optional[str]],
                prefix: str) -> list[str]:
    """A table row per labeled field: the gold value beside each row's prediction."""
    lines = []
    for keys, gold_value in _leaves(gold):
        name = prefix + ".".join(keys)
        cells = "".join(_cell(name, _lookup(prediction, keys), gold_value, why)
                        for prediction, why in zip(predictions, absent, strict=True))
        lines.append(f"<tr><td>{html.escape(_field_label(keys))}</td><td>{_value(gold_value)}</td>{cells}</tr>")
    return lines


def _decision_rows(gold_decisions: list[dict[str, Any]], results: list[DocumentResult],
                   paired: list[_Pairs]) -> list[str]:
    lines = []
    for i, gold_decision in enumerate(gold_decisions):
        matches = [match[i][0] for match in paired]
        lines.append(f'<tr><th colspan="{2 + len(results)}">decision {i + 1}</th></tr>')
        lines += _field_rows(gold_decision, matches, [_absent(r, m) for r, m in zip(results, matches, strict=True)],
                             "decisions.")
    return lines


def _extra_decisions(labels: list[str], results: list[DocumentResult],
                     paired: list[_Pairs]) -> list[str]:
    """The decisions a row predicted that pair with none in the gold file."""
    extras = []
    for label, result, match in zip(labels, results, paired, strict=True):
        used = {id(p) for p, _ in match if p is not None}
        for decision in (result.prediction or {}).get("decisions") or []:
            if id(decision) not in used:
                extras.append(f'<p class="diff">{html.escape(label)}: a decision not in the gold file: '
                              f'{html.escape(str(decision.get("item"))[:200])}</p>')
    return extras


def _document_section(document: GoldDocument, rows: list[RowResult], index: int) -> str:
    results = [row.documents[index] for row in rows]
    labels = [row.spec.label for row in rows]
    # "; " between rows: the labels hold " · " themselves
    scores = "; ".join(f"{label} {r.score.overall:.2f}" for label, r in zip(labels, results, strict=True))
    head = "<tr><th>field</th><th>gold</th>" + "".join(f"<th>{html.escape(label)}</th>" for label in labels) + "</tr>"
    errors = [f'<p class="err">{html.escape(label)}: failed: {html.escape(r.error)}</p>'
              for label, r in zip(labels, results, strict=True) if r.error]
    case = {key: value for key, value in document.gold.items() if key not in _NOT_FIELDS}
    body = _field_rows(case, [r.prediction for r in results], [_absent(r, r.prediction) for r in results], "")
    gold_decisions = document.gold.get("decisions", [])
    paired = [pair_decisions((r.prediction or {}).get("decisions") or [], gold_decisions) for r in results]
    body += _decision_rows(gold_decisions, results, paired)
    return (f"<details><summary><b>{html.escape(document.key)}</b> <span class='small'>{html.escape(scores)}"
            f"</span></summary>{''.join(errors)}<table class='doc'>{head}{''.join(body)}</table>"
            f"{''.join(_extra_decisions(labels, results, paired))}</details>")


def render_html(rows: list[RowResult], documents: list[GoldDocument]) -> str:
    """One page, no external files: the table, a chart per field group, accuracy per field, each
    document's fields."""
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
        f"<table class='scores'><tr>{header}</tr>{table}</table><p class='small'>{html.escape(_covers(documents))}</p>"
        f"<h2>Accuracy by field group</h2>{''.join(charts)}"
        "<h2>Accuracy per field</h2><p class='small'>Marked where a row scores <span class='diff'>below</span> "
        f"or <span class='ok'>above</span> the parser alone.</p>{_per_field_table(rows)}"
        "<h2>Documents</h2><p class='small'>Each labeled field: gold beside every row's prediction. "
        "<span class='ok'>equal</span> <span class='partial'>partly equal</span> "
        "<span class='diff'>different</span>. A citation shows its words, and under them what is compared "
        "(source · title · year).</p>"
        f"{sections}</body></html>\n"
    )
