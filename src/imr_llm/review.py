"""One self-contained HTML page to check results by eye.

At the top an index, one line per letter (outcome, decisions, warnings and errors, parser/model
disagreements), each linking to the letter's section. Per letter: its text with every decision's
item and rationale highlighted at their spans, the extracted fields beside it, and each warning at
the field it concerns. Rows written without ``text`` (the default) are shown with the letter read
again from ``source``; where it cannot be read, the fields alone are shown, and the letter counts
among those to check. With ``only_problems`` the page holds only the letters to check, worst first:
the review queue. No script, no external file, no network: the page can be mailed.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

from .errors import DocumentError
from .merging import DISAGREEMENT_PATTERN
from .reading import SUFFIXES, read_letter_bytes, text_of_bytes

GENERATOR = '<meta name="generator" content="imr-llm review">'  # how a later review knows the page is ours

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1d}
header{padding:12px 20px;background:#243b55;color:#fff}header a{color:#cfe3ff}
div.index{padding:8px 20px 16px;border-bottom:3px solid #ddd;overflow-x:auto}
table.index{width:auto;min-width:60%;line-height:1.3}table.index td.name{white-space:nowrap}td.n{text-align:right}
.legend{white-space:nowrap}table.index tr.check td{background:#fffaf0}
section.letter{display:grid;grid-template-columns:minmax(0,1.1fr) minmax(0,1fr);gap:16px;padding:16px 20px;
border-bottom:3px solid #ddd}
@media (max-width:900px){section.letter{grid-template-columns:minmax(0,1fr)}pre.text{max-height:50vh}}
h2{grid-column:1/-1;margin:0;font-size:17px;overflow-wrap:anywhere}h2 a.up{font-size:12px;font-weight:normal;
margin-left:8px}h2 .path{display:block;font-size:12px;font-weight:normal;color:#666}
pre.text{white-space:pre-wrap;font:12.5px/1.45 ui-monospace,monospace;background:#fafafa;border:1px solid #e3e3e3;
padding:10px;max-height:80vh;overflow:auto;margin:0}
mark.item{background:#ffd54f;outline:1px solid #c9a000}mark.rationale{background:#c8e6c9}
table{border-collapse:collapse;width:100%;margin-bottom:10px;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f2f2f2}
table.fields th{width:32%}table.fields tr.flagged th,table.fields tr.flagged td{background:#fff3e0}
table.fields ul{margin:0;padding-left:18px}
.src{font-size:11px;color:#444;background:#e8eef6;border-radius:3px;padding:0 4px;margin-left:4px}
.flag{color:#8a4b00;background:#fff3e0;border-left:4px solid #fb8c00;padding:4px 8px;margin:4px 0}
.error{color:#b00020;background:#fde7ea;border-left:4px solid #b00020;padding:4px 8px;margin:4px 0}
.note{color:#666;font-size:12px}
.badge{font-size:12px;font-weight:normal;border-radius:3px;padding:1px 6px;margin-left:6px;white-space:nowrap}
.p-error,.p-not-shown{background:#fde7ea;color:#b00020}.p-disagreement{background:#ede7f6;color:#4527a0}
.p-warnings{background:#fff3e0;color:#8a4b00}
"""

# What makes a letter one to check, in the order the review queue takes them, and how the header
# counts the letters that have it.
_PROBLEMS = {"error": "with errors", "not shown": "not shown", "disagreement": "with parser/model disagreements",
             "warnings": "with other warnings"}
_DISAGREEMENT = re.compile(DISAGREEMENT_PATTERN)
# "decision 2: category: model ..., parser rule ...; parser kept" (merging), "decision 1: medication 'x'
# not supported by the item; dropped" and "decision 1: model answer failed validation: quantity: ..."
# (strategies): the decision's number, and the field when the warning names one of the table's.
_ABOUT_DECISION = re.compile(
    r"decision (?P<number>\d+): (?:model answer failed validation: )?"
    r"(?:(?P<field>item|outcome|subcategory|category|medication|quantity|body[ _]regions|reasons)"
    r"(?::| (?=['\"\[\d-]|None\b)))?"
)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _show(value: Any) -> str:
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _listed(value: Any, name: str) -> list[Any]:
    """A list field of a row; TypeError (a malformed row) when it holds anything else."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{name} is not a list")
    return value


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
            span: Any = decision.get(f"{kind}_span") or ()
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


# -- where each warning goes ----------------------------------------------------------------------

@dataclass
class _Placed:
    """A letter's warnings by where they are shown: at a decision's field, at the top of a
    decision's table, or at the top of the letter."""

    letter: list[str]
    decision: dict[int, list[str]]
    field: dict[tuple[int, str], list[str]]


def _placed(warnings: list[str], decisions: int) -> _Placed:
    placed = _Placed([], {}, {})
    for warning in warnings:
        about = _ABOUT_DECISION.match(warning)
        number = int(about["number"]) if about else 0
        if not about or not 1 <= number <= decisions:
            placed.letter.append(warning)
        elif about["field"]:
            placed.field.setdefault((number, about["field"].replace(" ", "_")), []).append(warning)
        else:
            placed.decision.setdefault(number, []).append(warning)
    return placed


def _flags(warnings: list[str]) -> str:
    return "".join(f'<div class="flag">warning: {_e(w)}</div>' for w in warnings)


# -- one letter -----------------------------------------------------------------------------------

_DATE_LABELS = {"ur_denial": "UR denial", "application_received": "application received"}


def _case_table(row: dict) -> str:
    """The letter's fields; a note instead where the row holds none (a letter that failed early)."""
    dates, reviewer, patient, usage = row.get("dates") or {}, row.get("reviewer") or {}, row.get("patient") or {}, \
        row.get("usage") or {}
    person = [str(value) for value in (patient.get("age"), patient.get("sex")) if value is not None]
    fields = [
        ("case number", row.get("case_number")), ("priority", row.get("priority")), ("outcome", row.get("outcome")),
        *((f"date {_DATE_LABELS.get(key, key)}", value) for key, value in dates.items()),
        ("reviewer licensure", reviewer.get("licensure_states")), ("reviewer specialties", reviewer.get("specialties")),
        ("patient", ", ".join(person) or None), ("diagnoses", row.get("diagnoses")),
    ]
    if all(_show(value) == "—" for _, value in fields):
        return '<p class="note">no letter fields in the row</p>'
    fields += [("model / prompt", f"{row.get('model') or 'parser only'} / {row.get('prompt') or '—'}"),
               ("tokens / calls", f"{_show(usage.get('total_tokens'))} / {_show(usage.get('calls'))}")]
    cells = "".join(f"<tr><th>{_e(name)}</th><td>{_e(_show(value))}</td></tr>" for name, value in fields)
    return f'<table class="fields">{cells}</table>'


def _citations(citations: Any) -> str:
    """One line per citation, its text as written and its source; "—" where the side cited nothing."""
    shown = [f'<li>{_e(c.get("text"))}<span class="src">{_e(c.get("source"))}</span></li>' if isinstance(c, dict)
             else f"<li>{_e(c)}</li>" for c in _listed(citations, "guidelines")]
    return f"<ul>{''.join(shown)}</ul>" if shown else "—"


# A decision's table: (label, the field's key in the row, which is also how warnings name it).
_DECISION_FIELDS = [(name.replace("_", " "), name) for name in (
    "item", "outcome", "category", "subcategory", "category_basis", "medication", "quantity", "body_regions", "reasons",
)]
_GUIDELINE_SIDES = [("guidelines (claims administrator, UR)", "claims_administrator"),
                    ("guidelines (Maximus reviewer)", "maximus")]


def _decision_table(number: int, decision: dict, placed: _Placed) -> str:
    guidelines = decision.get("guidelines") or {}
    cells = [(label, name, _e(_show(decision.get(name)))) for label, name in _DECISION_FIELDS]
    cells += [(label, "", _citations(guidelines.get(side))) for label, side in _GUIDELINE_SIDES]
    rows = []
    for label, name, cell in cells:
        warnings = placed.field.get((number, name), [])
        flagged = ' class="flagged"' if warnings else ""
        rows.append(f"<tr{flagged}><th>{_e(label)}</th><td>{cell}{_flags(warnings)}</td></tr>")
    about = placed.decision.get(number, [])
    top = f'<tr class="flagged"><td colspan="2">{_flags(about)}</td></tr>' if about else ""
    head = f'<tr><th colspan="2">decision {number}</th></tr>'
    return f'<table class="fields decision" data-decision="{number}">{head}{top}{"".join(rows)}</table>'


@dataclass(frozen=True)
class _Letter:
    """What the index and the review queue need of a letter."""

    index: int  # the row's position: its section's anchor, the same on every page of these rows
    name: str
    source: str
    outcome: str
    decisions: int
    warnings: int
    disagreements: int
    error: bool
    shown: bool

    @property
    def problems(self) -> list[str]:
        present = (self.error, not self.shown, self.disagreements > 0, self.warnings > self.disagreements)
        return [problem for problem, found in zip(_PROBLEMS, present, strict=True) if found]

    @property
    def rank(self) -> int:
        """Its place in the review queue: its first problem's, after every problem for none."""
        problems = self.problems
        return list(_PROBLEMS).index(problems[0]) if problems else len(_PROBLEMS)


def _badges(problems: list[str]) -> str:
    return "".join(f'<span class="badge p-{p.replace(" ", "-")}">{_e(p)}</span>' for p in problems)


def _checked(index: int, row: dict) -> tuple[_Letter, str]:
    """The letter and its section."""
    source = str(row.get("source") or f"document {index + 1}")
    name = Path(source).name or source
    try:
        return _letter(index, row, source, name)
    except (AttributeError, TypeError, ValueError) as exc:  # a hand-edited row: a field of the wrong type
        letter = _Letter(index, name, source, "—", 0, 0, 0, bool(row.get("error")), False)
        note = f"letter not shown: the row is malformed ({type(exc).__name__})"
        return letter, _section(letter, f'<div class="error">{_e(note)}</div>')


def _letter(index: int, row: dict, source: str, name: str) -> tuple[_Letter, str]:
    text, not_shown = _text_of(row)
    decisions = _listed(row.get("decisions"), "decisions")
    warnings = [str(w) for w in _listed(row.get("warnings"), "warnings")]
    letter = _Letter(index, name, source, _outcome(row.get("outcome")), len(decisions), len(warnings),
                     sum(bool(_DISAGREEMENT.search(w)) for w in warnings), bool(row.get("error")), text is not None)
    notes: list[str] = []
    if text is None:  # where the text would be, so that the reason cannot be missed
        left = f'<div class="error">{_e(not_shown)}</div>'
    else:
        marked, notes = highlighted(text, decisions)
        left = f'<pre class="text">{marked}</pre>'
    placed = _placed(warnings, len(decisions))
    right = [f'<div class="error">error: {_e(row["error"])}</div>' if row.get("error") else "", _flags(placed.letter),
             *(f'<div class="note">{_e(n)}</div>' for n in notes), _case_table(row),
             *(_decision_table(n, d, placed) for n, d in enumerate(decisions, 1))]
    return letter, _section(letter, f"<div>{left}</div><div>{''.join(right)}</div>")


def _section(letter: _Letter, body: str) -> str:
    path = f'<span class="path">{_e(letter.source)}</span>' if letter.source != letter.name else ""
    heading = f'<h2>{_e(letter.name)}{_badges(letter.problems)}<a class="up" href="#index">index ↑</a>{path}</h2>'
    return f'<section class="letter" id="doc-{letter.index}">{heading}{body}</section>'


def _outcome(value: Any) -> str:
    return str(value).replace("_", " ") if value else "—"


# -- the page -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Review:
    """The page, and the counts a caller reports: ``failed`` letters have an error or could not be
    shown (`imr-llm review` exits 1 for them); ``to_check`` adds those with warnings; ``on_page``
    letters are on the page (fewer with ``only_problems``)."""

    html: str
    letters: int
    on_page: int
    to_check: int
    failed: int


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _warnings_cell(letter: _Letter) -> str:
    parts = (["error"] if letter.error else []) + ([_many(letter.warnings, "warning")] if letter.warnings else [])
    return ", ".join(parts) or "—"


def _index_row(letter: _Letter) -> str:
    check = " class=check" if letter.problems else ""
    name = f'<a href="#doc-{letter.index}" title="{_e(letter.source)}">{_e(letter.name)}</a>'
    cells = [f"<td class=n>{letter.index + 1}</td>", f'<td class="name">{name}</td>', f"<td>{_e(letter.outcome)}</td>",
             f"<td class=n>{letter.decisions}</td>", f"<td>{_e(_warnings_cell(letter))}</td>",
             f"<td>{'disagree' if letter.disagreements else '—'}</td>", f"<td>{_badges(letter.problems) or '—'}</td>"]
    return f"<tr{check}>{''.join(cells)}</tr>"


def _index(letters: list[_Letter]) -> str:
    head = "".join(f"<th>{label}</th>" for label in ("#", "letter", "outcome", "decisions", "warnings / errors",
                                                     "parser / model", "to check"))
    rows = "".join(_index_row(letter) for letter in letters)
    return f'<div class="index" id="index"><table class="index"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>' \
        "</table></div>"


def _counts(letters: list[_Letter], listed: list[_Letter], only_problems: bool) -> str:
    to_check = sum(bool(letter.problems) for letter in letters)
    counts = [f"{found} {what}" for problem, what in _PROBLEMS.items()
              if (found := sum(problem in letter.problems for letter in letters))]
    text = f"{_many(len(letters), 'letter')}, {to_check or 'none'} to check"
    text += f" ({', '.join(counts)})" if counts else ""
    if only_problems:
        text += (f". Only the letters to check are here, worst first; {_many(len(letters) - len(listed), 'letter')} "
                 "without problems left out")
    return text + "."


def build_review(rows: Iterable[dict[str, Any]], title: str = "imr-llm review",
                 only_problems: bool = False) -> Review:
    """The review page for result rows (in the JSON Lines shape, `results.read_rows`). With
    ``only_problems``, only the letters to check: errors first, then letters not shown, parser/model
    disagreements, other warnings."""
    checked = [_checked(index, row) for index, row in enumerate(rows)]
    letters = [letter for letter, _ in checked]
    listed = sorted((pair for pair in checked if pair[0].problems), key=lambda pair: pair[0].rank) \
        if only_problems else checked
    page = (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{GENERATOR}<title>{_e(title)}</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<style>{_STYLE}</style></head><body><header><b>{_e(title)}</b>: "
        f"{_e(_counts(letters, [letter for letter, _ in listed], only_problems))} "
        "<span class='legend'><mark class='item'>item</mark> <mark class='rationale'>rationale</mark></span></header>"
        f"{_index([letter for letter, _ in listed])}{''.join(section for _, section in listed)}</body></html>\n"
    )
    failed = sum(letter.error or not letter.shown for letter in letters)
    return Review(page, len(letters), len(listed), sum(bool(letter.problems) for letter in letters), failed)
