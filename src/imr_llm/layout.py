"""Stage 2a, parse: find the parts of a letter (header, credentials, summary, decision blocks).

Only positions are found here, as ``[start, end)`` offsets into the text; reading the fields
out of those parts is `parsing`'s job. The layout rules come from the letters' fixed template
(see docs/DOMAIN.md), never from line lengths or one PDF library's way of breaking lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .errors import LayoutError

Span = tuple[int, int]

HOW_MADE = re.compile(r"HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE", re.I)
SUMMARY = re.compile(r"CLINICAL\s+CASE\s+SUMMARY")
# "IMR ISSUES, DECISIONS AND RATIONALES"; other templates write "IMR DECISION(S) AND RATIONALE(S)".
# Their blocks are parsed when they carry the same verdict-and-labels form, else "no decision found".
ISSUES = re.compile(
    r"IMR\s+(?:ISSUES?(?:\(S\))?,?\s+)?DECISIONS?(?:\(S\))?,?\s+AND\s+RATIONALES?(?:\(S\))?", re.I
)
_SET_FORTH = re.compile(r"\s*The\s+Final\s+Determination\s+was\s+based\s+on\s+decisions\b[^:]*?below\s*:?", re.I)

CLAIMS_ADMINISTRATOR = re.compile(r"Claims\s+Administrator\s+guideline\s*:", re.I)
MAXIMUS = re.compile(r"MAXIMUS\s+guideline\s*:", re.I)
RATIONALE = re.compile(r"Decision\s+rationale\s*:", re.I)
# "<item>: Upheld" - the verdict may wrap onto the next line; what follows is always one of
# the block's labels, which keeps a rationale sentence ending in ": upheld" from counting.
_VERDICT = re.compile(
    r":\s*(Upheld|Overturned)\b\.?(?=\s*(?:Claims\s+Administrator|MAXIMUS|Decision\s+rationale)\b)", re.I
)
# A partly certified request: "<item> was the original request. ... The remaining IMR eligible
# portion of the original request, <part> is: Upheld". The paragraph begins at this phrase.
_ORIGINAL_REQUEST = re.compile(r"\bwas\s+the\s+original\s+request\b", re.I)
_PARTIAL = re.compile(r"original\s+request|IMR\s+eligible", re.I)
# How a rationale's last line ends: a sentence end, or the template's closing words.
# What may follow the last rationale in a full letter: a sign-off, copies, enclosures. (Not page
# footers: one can stand in the middle of a rationale that runs over a page break.)
_TRAILER = re.compile(r"^[ \t]*(?:cc\s*:|Sincerely\b|Enclosures?\b)", re.I | re.M)
# Page furniture on a line of its own ("Page 2 of 4", "CM13-0012345", "3"): never part of an item.
_FURNITURE = re.compile(r"\s*(?:Page\s+\d+(?:\s+of\s+\d+)?|[A-Z]{2}\d{2}-\d{5,8}|\d{1,3})\s*", re.I)
_PARAGRAPH_END = re.compile(r"(?:[.!?;][\"')\]]*|\b(?:necessary|appropriate|certified|indicated))\s*$", re.I)


@dataclass(frozen=True)
class Block:
    """One disputed item's block, as offsets into the text."""

    item_span: Span
    verdict: str  # "upheld" | "overturned"
    claims_administrator_span: Optional[Span]
    maximus_span: Optional[Span]
    rationale_span: Span


@dataclass(frozen=True)
class Layout:
    """Where the parts of one letter are. ``name`` is the template: "2016" or "2014"."""

    name: str
    header_span: Span
    credentials_span: Span
    summary_span: Span
    blocks: tuple[Block, ...]


def find_layout(text: str) -> Layout:
    """The parts of ``text``; `LayoutError` when it is not an IMR letter in a known layout."""
    issues = ISSUES.search(text)
    if issues is None:
        raise LayoutError("unknown layout: no 'IMR ISSUES, DECISIONS AND RATIONALES' section")
    how_made = HOW_MADE.search(text, 0, issues.start())
    summary = SUMMARY.search(text, 0, issues.start())
    body_start = how_made.start() if how_made else 0
    credentials_end = summary.start() if summary else issues.start()
    name = "2016" if re.search(r"State\(s\)\s+of\s+Licensure", text[:credentials_end]) else "2014"
    blocks = _find_blocks(text, issues.end())
    if not blocks:
        raise LayoutError("no decision found: no '<item>: Upheld|Overturned' line under IMR ISSUES")
    return Layout(
        name=name,
        header_span=(0, body_start),
        credentials_span=(how_made.end() if how_made else 0, credentials_end),
        summary_span=(summary.end() if summary else credentials_end, issues.start()),
        blocks=tuple(blocks),
    )


def _find_blocks(text: str, start: int) -> list[Block]:
    set_forth = _SET_FORTH.match(text, start)
    floor = set_forth.end() if set_forth else start
    verdicts = list(_VERDICT.finditer(text, floor))
    # Pass 1: each block's labels, looked for only up to the next verdict.
    labelled = []
    for index, verdict in enumerate(verdicts):
        limit = verdicts[index + 1].start() if index + 1 < len(verdicts) else len(text)
        labels = [pattern.search(text, verdict.end(), limit) for pattern in (CLAIMS_ADMINISTRATOR, MAXIMUS, RATIONALE)]
        labelled.append((verdict, labels))
    # Pass 2: an item begins where the paragraph before its verdict begins, never before the
    # previous block's last label; the previous rationale ends where this item begins.
    item_starts = []
    for verdict, labels in labelled:
        item_starts.append(_item_start(text, floor, verdict.start()))
        last_label = next((label for label in reversed(labels) if label), None)
        floor = last_label.end() if last_label else verdict.end()
    blocks = []
    for index, (verdict, (ca, mx, dr)) in enumerate(labelled):
        if index + 1 < len(labelled):
            block_end = item_starts[index + 1]
        else:
            trailer = _TRAILER.search(text, (dr or mx or ca or verdict).end())
            block_end = trailer.start() if trailer else len(text)
        ca_end = mx.start() if mx else dr.start() if dr else block_end
        mx_end = dr.start() if dr else block_end
        rationale_start = dr.end() if dr else (mx or ca or verdict).end()
        blocks.append(
            Block(
                item_span=strip_span(text, item_starts[index], verdict.start()),
                verdict=verdict.group(1).lower(),
                claims_administrator_span=strip_span(text, ca.end(), ca_end) if ca else None,
                maximus_span=strip_span(text, mx.end(), mx_end) if mx else None,
                rationale_span=strip_span(text, rationale_start, block_end),
            )
        )
    return blocks


def _item_start(text: str, floor: int, end: int) -> int:
    """Where the item header that ends at ``end`` begins: the start of its paragraph."""
    start = _extend_paragraph(text, floor, _line_start(text, floor, end))
    if _PARTIAL.search(text, start, end) and not _ORIGINAL_REQUEST.search(text, start, end):
        # A partly certified request whose paragraph holds a line ending in a full stop.
        origins = list(_ORIGINAL_REQUEST.finditer(text, floor, start))
        if origins:
            origin = origins[-1]
            start = _extend_paragraph(text, floor, _line_start(text, floor, origin.start()))
    return start


def _extend_paragraph(text: str, floor: int, start: int) -> int:
    """Move ``start`` up over the lines before it until one closes a paragraph."""
    while start > floor:
        previous_end = start - 1  # the newline that ends the previous line
        previous_start = _line_start(text, floor, previous_end)
        line = text[previous_start:previous_end]
        if line.strip() and (_PARAGRAPH_END.search(line) or _FURNITURE.fullmatch(line)):
            break
        if not line.strip() and previous_start == floor:
            break
        start = previous_start  # part of the paragraph, or a blank line of a double-spaced letter
    return start


def _line_start(text: str, floor: int, position: int) -> int:
    return max(text.rfind("\n", floor, position) + 1, floor)


def strip_span(text: str, start: int, end: int) -> Span:
    """``[start, end)`` narrowed to leave out whitespace at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end)
