"""One self-contained HTML page to check results by eye.

Per letter: its text with every decision's item and rationale highlighted at their spans, the
extracted fields beside it, and warnings and errors flagged. Rows written without ``text`` (the
default) are shown with the letter read again from ``source``; where it cannot be read, the
fields alone are shown, with that said. No external files, no network: the page can be mailed.
"""

from __future__ import annotations

import hashlib
import html
from pathlib import Path
from typing import Any, Iterable, Optional

from .errors import DocumentError
from .reading import SUFFIXES, read_letter_bytes, text_of_bytes

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1d}
header{padding:12px 20px;background:#243b55;color:#fff}header a{color:#cfe3ff}
nav{padding:8px 20px;border-bottom:1px solid #ddd;font-size:13px}nav a{margin-right:10px}
section.letter{display:grid;grid-template-columns:minmax(0,1.1fr) minmax(0,1fr);gap:16px;padding:16px 20px;
border-bottom:3px solid #ddd}
h2{grid-column:1/-1;margin:0;font-size:17px}
pre.text{white-space:pre-wrap;font:12.5px/1.45 ui-monospace,monospace;background:#fafafa;border:1px solid #e3e3e3;
padding:10px;max-height:80vh;overflow:auto;margin:0}
mark.item{background:#ffd54f;outline:1px solid #c9a000}mark.rationale{background:#c8e6c9}
table{border-collapse:collapse;width:100%;margin-bottom:10px;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f2f2f2;width:32%}
.flag{color:#8a4b00;background:#fff3e0;border-left:4px solid #fb8c00;padding:4px 8px;margin:4px 0}
.error{color:#b00020;background:#fde7ea;border-left:4px solid #b00020;padding:4px 8px;margin:4px 0}
.note{color:#666;font-size:12px}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _show(value: Any) -> str:
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _text_of(row: dict) -> tuple[Optional[str], Optional[str]]:
    """The letter's text, and a note when it had to be read again or could not be."""
    if row.get("text"):
        return row["text"], None
    source = row.get("source")
    if not isinstance(source, str) or not source:
        return None, "letter not shown: no text in the row and no source to read it from"
    path = Path(source)
    # Only what could have been a letter, and only the very bytes the row was made from: a row
    # naming /etc/shadow shows nothing, and a letter edited since would misplace every span.
    if path.suffix.lower() not in SUFFIXES:
        return None, f"letter not shown: {path.name} is not a .pdf or .txt letter"
    try:
        data = read_letter_bytes(path)
    except DocumentError as exc:
        return None, f"letter not shown: it could not be read again: {exc}"
    if hashlib.sha256(data).hexdigest() != row.get("sha256"):
        return None, "letter not shown: the file's bytes are not those the row was made from (changed since)"
    try:
        return text_of_bytes(data, path.suffix), None  # the very bytes just hashed, not read again
    except DocumentError as exc:
        return None, f"letter not shown: it could not be read again: {exc}"


def highlighted(text: str, decisions: list[dict]) -> tuple[str, list[str]]:
    """``text`` as HTML with each decision's item and rationale marked; notes for spans that do not fit."""
    spans, notes = [], []
    for number, decision in enumerate(decisions, 1):
        for kind in ("item", "rationale"):
            span = decision.get(f"{kind}_span") or ()
            if len(span) == 2 and 0 <= span[0] < span[1] <= len(text):
                spans.append((span[0], span[1], kind, number))
            elif span:
                notes.append(f"decision {number}: {kind} span {list(span)} is outside the text")
    spans.sort()
    parts, at = [], 0
    for start, end, kind, number in spans:
        if start < at:
            notes.append(f"decision {number}: {kind} span overlaps another; not marked")
            continue
        parts.append(_e(text[at:start]))
        parts.append(f'<mark class="{kind}" data-decision="{number}" title="decision {number}: {kind}">'
                     f"{_e(text[start:end])}</mark>")
        at = end
    parts.append(_e(text[at:]))
    return "".join(parts), notes


def _case_table(row: dict) -> str:
    dates, reviewer, patient, usage = row.get("dates") or {}, row.get("reviewer") or {}, row.get("patient") or {}, \
        row.get("usage") or {}
    fields = [
        ("case number", row.get("case_number")), ("priority", row.get("priority")), ("outcome", row.get("outcome")),
        *((f"date {key.replace('_', ' ')}", value) for key, value in dates.items()),
        ("reviewer licensure", reviewer.get("licensure_states")), ("reviewer specialties", reviewer.get("specialties")),
        ("patient", f"{_show(patient.get('age'))}, {_show(patient.get('sex'))}"),
        ("diagnoses", row.get("diagnoses")),
        ("model / prompt", f"{row.get('model') or 'parser only'} / {row.get('prompt') or '—'}"),
        ("tokens / calls", f"{usage.get('total_tokens', 0)} / {usage.get('calls', 0)}"),
    ]
    return "<table>" + "".join(f"<tr><th>{_e(name)}</th><td>{_e(_show(value))}</td></tr>" for name, value in fields) \
        + "</table>"


def _decision_table(number: int, decision: dict) -> str:
    guidelines = decision.get("guidelines") or {}
    cited = [c.get("text") for side in ("claims_administrator", "maximus") for c in guidelines.get(side, [])]
    fields = [
        ("item", decision.get("item")), ("outcome", decision.get("outcome")), ("category", decision.get("category")),
        ("subcategory", decision.get("subcategory")), ("category basis", decision.get("category_basis")),
        ("medication", decision.get("medication")),
        ("quantity", decision.get("quantity")), ("body regions", decision.get("body_regions")),
        ("reasons", decision.get("reasons")), ("guidelines", cited),
    ]
    rows = "".join(f"<tr><th>{_e(name)}</th><td>{_e(_show(value))}</td></tr>" for name, value in fields)
    head = f'<tr><th colspan="2">decision {number}</th></tr>'
    return f'<table class="decision" data-decision="{number}">{head}{rows}</table>'


def _letter(index: int, row: dict) -> str:
    name = Path(str(row.get("source") or f"document {index + 1}")).name
    parts = [f'<section class="letter" id="doc-{index}"><h2>{_e(name)}</h2>']
    text, note = _text_of(row)
    decisions = row.get("decisions") or []
    left: list[str] = []
    notes: list[str] = [note] if note else []
    if text is not None:
        marked, span_notes = highlighted(text, decisions)
        notes += span_notes
        left.append(f'<pre class="text">{marked}</pre>')
    right = []
    if row.get("error"):
        right.append(f'<div class="error">error: {_e(row["error"])}</div>')
    right += [f'<div class="flag">warning: {_e(w)}</div>' for w in row.get("warnings") or []]
    right += [f'<div class="note">{_e(n)}</div>' for n in notes]
    right.append(_case_table(row))
    right += [_decision_table(n, d) for n, d in enumerate(decisions, 1)]
    parts.append(f"<div>{''.join(left) or '<p class=note>no text to show</p>'}</div><div>{''.join(right)}</div>")
    return "".join(parts) + "</section>"


def _letter_or_note(index: int, row: dict) -> str:
    try:
        return _letter(index, row)
    except (AttributeError, TypeError, ValueError) as exc:  # a hand-edited row: a field of the wrong type
        return (f'<section class="letter" id="doc-{index}"><h2>{_e(Path(str(row.get("source"))).name)}</h2>'
                f'<div class="error">letter not shown: the row is malformed ({_e(type(exc).__name__)})</div>'
                "</section>")


def render_review(rows: Iterable[dict[str, Any]], title: str = "imr-llm review") -> str:
    """The review page for result rows (``imr-llm extract`` JSON Lines objects)."""
    rows = list(rows)
    flagged = sum(bool(r.get("warnings") or r.get("error")) for r in rows)
    links = "".join(
        f'<a href="#doc-{i}">{_e(Path(str(r.get("source") or i)).name)}'
        f'{" ⚠" if r.get("warnings") or r.get("error") else ""}</a>'
        for i, r in enumerate(rows)
    )
    body = "".join(_letter_or_note(i, row) for i, row in enumerate(rows))
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
        f"<style>{_STYLE}</style></head><body><header><b>{_e(title)}</b>: {len(rows)} letters, "
        f"{flagged} with warnings or errors. <mark class='item'>item</mark> "
        f"<mark class='rationale'>rationale</mark></header><nav>{links}</nav>{body}</body></html>\n"
    )
