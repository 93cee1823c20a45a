"""Guideline lines ("Claims Administrator guideline: ...", "MAXIMUS guideline: ...") as Citations.

The letters write one sentence per guideline family: "Decision based on MTUS <title> <year>,
Section(s): <sections>, and <title> <year> ..." and "Decision based on Non-MTUS Citation <free
text>". 2014 letters add "Page(s): 98-99". Each cited document becomes one Citation.
"""

from __future__ import annotations

import re
from typing import Optional

from .schema import Citation, GuidelineSource

_NO_EVIDENCE = re.compile(r"did\s+not\s+cite\s+any\s+medical\s+evidence", re.I)
_CLAUSE = re.compile(r"Decision\s+based\s+on\s+", re.I)
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_PAGES_LABEL = re.compile(r"\s*,?\s*Page\(s\)\s*:\s*(?P<pages>[\d\s,\-–]+\d)\s*$", re.I)
_PAGES_INLINE = re.compile(r"\s*,?\s*\b(?:pages?|page\(s\)|pgs?\.?|p\.)\s*(?P<pages>\d+(?:\s*[-–]\s*\d+)?)", re.I)
_MTUS_PART = re.compile(
    r"(?P<title>.+?)\s+(?P<year>(?:19|20)\d\d)(?:\s+Guidelines)?\s*(?:,\s*Section\(s\)\s*:\s*(?P<sections>.*))?$", re.S
)
# 2014 letters name the MTUS part without a year: "Chronic Pain Treatment Guidelines Physical
# Medicine", "ACOEM Chapter 8 Neck and Upper Back Complaints".
_CHRONIC_PAIN = re.compile(r"Chronic\s+Pain\s+(?:Medical\s+)?Treatment(?:\s+Guidelines)?", re.I)
_ACOEM_CHAPTER = re.compile(r"(?:ACOEM\s+)?(?:Chapter\s+\d+\s+)?(?P<title>.+)", re.I)
_ALSO = re.compile(
    r"\s+and\s+(?:the\s+)?(?:Other\s+Medical\s+Treatment\s+Guidelines\s+)?"
    r"(?=Official\s+Disability|ODG\b|ACOEM\b|Other\s+Medical|https?://)", re.I)
_NEXT_CHAPTER = re.compile(r";\s*(?=[A-Z][^;,]*\bchapter\b)", re.I)
_OTHER_PREFIX = re.compile(r"^(?:Other\s+Medical\s+Treatment\s+Guidelines\s*)", re.I)
_ODG_PREFIX = re.compile(r"^(?:Official\s+Disability\s+Guidelines\s*(?:\(ODG\))?|ODG)(?:\s+guidelines)?\s*[,:\-–]?\s*", re.I)
_ACOEM_PREFIX = re.compile(
    r"^ACOEM\s*(?:Occupational\s+Medicine\s+Practice\s+Guidelines|Practice\s+Guidelines|Guidelines)?\s*[,:]?\s*"
    r"(?:\d+(?:st|nd|rd|th)\s+ed(?:ition)?\.?\s*,?\s*)?", re.I)
# ODG's chapters, as letters write them; a title is one of these when the line starts with one.
_ODG_CHAPTER = re.compile(
    r"(?:the\s+)?(?P<title>ankle\s*(?:&|and)\s*foot|carpal\s+tunnel\s+syndrome|pain\s*\(chronic\)|chronic\s+pain"
    r"|elbow|eye|fitness\s+for\s+duty|forearm,?\s*wrist,?\s*(?:&|and)\s*hand|head|hernia|hips?\s*(?:&|and)\s*pelvis"
    r"|knee\s*(?:&|and)\s*leg|low\s*back(?:\s*[-–,]?\s*lumbar\s*(?:&|and)\s*thoracic|\s*(?:&|and)\s*thoracic)?"
    r"|lumbar\s*(?:&|and)\s*thoracic|mental\s+illness\s*(?:&|and)\s*stress|neck\s*(?:&|and)\s*upper\s+back"
    r"|pain|pulmonary|shoulder|traumatic\s+brain\s+injury|preface)(?!\w)(?:\s+(?:chapter|section)s?\b)?(?:\s+guidelines\b)?",
    re.I,
)
# Words about the publication, not the document cited: "Work Loss Data Institute (21th Annual
# Edition)", "2016", "Web Version", "(Acute & Chronic)".
_PUBLICATION = re.compile(
    r"Work\s+Loss\s+Data\s+Institute(?:\s*\([^)]*\))?|\bWeb\s+Version\b|\((?:acute\s*(?:&|and)\s*chronic|online version)\)"
    r"|(?:(?<=^)|(?<=,))\s*(?:19|20)\d\d\s*(?=,|$)",  # a year standing as a chunk of its own
    re.I,
)
_CHUNK = re.compile(r"\s*(?:[,;:/]|\s[-–]\s?)\s*")
_UPDATED = re.compile(r"\s*\(updated[^)]*\)", re.I)
_CHAPTER_WORD = re.compile(r"\s+(?:chapter|section)s?$", re.I)
# Section families whose names hold a comma: "NSAIDs, GI symptoms & cardiovascular risk".
_COMMA_FAMILIES = {"nsaids", "opioids", "tens", "benzodiazepine dependence"}


def parse_guideline(text: str) -> list[Citation]:
    """Every cited document in one guideline line; [] when it cites no medical evidence."""
    text = " ".join(text.split())
    if not text or _NO_EVIDENCE.search(text):
        return []
    citations: list[Citation] = []
    for clause in _CLAUSE.split(text)[1:]:
        clause = clause.strip().rstrip(".").strip()
        if re.match(r"Non-?MTUS\b", clause, re.I):
            clause = re.sub(r"^Non-?MTUS\s*(?:Citation)?\s*[:,]?\s*", "", clause, flags=re.I)
            for part in _ALSO.split(clause):
                citations.extend(_non_mtus_chapters(part))
        elif re.match(r"MTUS\b", clause, re.I):
            citations.extend(_mtus(clause))
    return citations


def _mtus(clause: str) -> list[Citation]:
    pages, pages_written = None, ""
    labelled = _PAGES_LABEL.search(clause)
    if labelled:
        pages = " ".join(labelled.group("pages").split())
        pages_written = clause[labelled.start():]
        clause = clause[: labelled.start()]
    body = re.sub(r"^MTUS\s*(?:\(ACOEM\)\s*)?", "", clause, flags=re.I)
    inline = _PAGES_INLINE.search(body)
    if inline:  # "Physical Medicine, page(s) 98-99" repeats what Page(s): says
        pages = pages or inline.group("pages").replace(" ", "")
        body = body[: inline.start()] + body[inline.end():]
    parts = _mtus_parts(body)
    citations = []
    for index, part in enumerate(parts):
        written = ("MTUS " if index == 0 and clause.upper().startswith("MTUS") else "") + part
        written += pages_written if index == len(parts) - 1 else ""  # "Page(s): 98-99" closes the line
        citations.append(_mtus_part(part, pages, written))
    return citations


def _mtus_parts(body: str) -> list[str]:
    """Split "<title> <year>, Section(s): ..., and <title> <year>" into one string per title."""
    if not _YEAR.search(body):
        return [part.strip() for part in re.split(r",\s*(?=Chapter\s+\d)", body) if part.strip()]
    fragments = [fragment.strip() for fragment in re.split(r",\s+and\s+", body)]
    parts: list[str] = []
    carry = ""
    for index, fragment in enumerate(fragments):
        fragment = f"{carry}, and {fragment}" if carry else fragment
        carry = ""
        if _MTUS_PART.match(fragment):
            parts.append(fragment)
        elif index < len(fragments) - 1:
            carry = fragment  # "Forearm, Wrist, and Hand Complaints 2004": a title with ", and"
        elif parts:
            parts[-1] = f"{parts[-1]}, and {fragment}"  # a section list that itself says ", and"
        else:
            parts.append(fragment)
    return parts


def _mtus_part(part: str, pages: Optional[str], written: str) -> Citation:
    match = _MTUS_PART.match(part)
    if match:
        return Citation(
            source="MTUS",
            title=match.group("title").strip(" ,"),
            year=int(match.group("year")),
            sections=split_sections(match.group("sections") or ""),
            pages=pages,
            text=written,
        )
    chronic = _CHRONIC_PAIN.match(part)
    if chronic:
        title, rest = "Chronic Pain Medical Treatment", part[chronic.end():]
    else:
        chapter = _ACOEM_CHAPTER.match(part)
        title, rest = (chapter.group("title").strip() if chapter else part.strip()), ""
    return Citation(source="MTUS", title=title, sections=split_sections(rest), pages=pages, text=written)


def _non_mtus_chapters(part: str) -> list[Citation]:
    """ODG cites several chapters in one line: "ODG Shoulder Chapter, ...; Knee & Leg Chapter, ..."."""
    if not part.strip():
        return []
    first, *more = _NEXT_CHAPTER.split(part)
    citations = [_non_mtus(first)]
    if citations[0].source == "ODG":
        citations.extend(_non_mtus(chapter, source="ODG") for chapter in more)
    elif more:
        citations = [_non_mtus(part)]
    return citations


def _non_mtus(part: str, source: Optional[GuidelineSource] = None) -> Citation:
    written = part.strip().rstrip(".")
    body = _UPDATED.sub("", _OTHER_PREFIX.sub("", written))
    pages_match = _PAGES_INLINE.search(body)
    pages = pages_match.group("pages").replace(" ", "") if pages_match else None
    if pages_match:
        body = body[: pages_match.start()] + body[pages_match.end():]
    if source == "ODG" or _ODG_PREFIX.match(body) or re.search(r"Official\s+Disability\s+Guidelines", body, re.I):
        source, body = "ODG", _ODG_PREFIX.sub("", body)
    elif re.match(r"ACOEM\b", body, re.I):
        source, body = "ACOEM", _ACOEM_PREFIX.sub("", body)
    else:
        return Citation(source="Other", year=_year(body), pages=pages, text=written)
    year = _year(body)
    body = re.sub(r"\s*,(?:\s*,)+", ",", _PUBLICATION.sub(" ", body)).strip(" ,;:-–")
    chapter = _ODG_CHAPTER.match(body) if source == "ODG" else None
    if chapter:  # a known chapter: the rest of the line is its sections
        title = " ".join(chapter.group("title").split())
        rest = _CHUNK.sub(", ", body[chapter.end():]).strip(" ,;:-–")
        return Citation(source=source, title=title, year=year, sections=split_sections(rest), pages=pages,
                        text=written)
    chunks = [chunk for chunk in _CHUNK.split(body) if chunk]
    heading = _CHAPTER_WORD.sub("", chunks[0]).strip() if chunks else None
    sections = split_sections(", ".join(chunks[1:]))
    return Citation(source=source, title=heading or None, year=year, sections=sections, pages=pages, text=written)


def _year(text: str) -> Optional[int]:
    # A year standing alone, not one inside a date such as "updated 11/23/16".
    match = re.search(r"(?<![/\d-])\b(19[5-9]\d|20\d\d)\b(?![/\d-])", text)
    return int(match.group(1)) if match else None


def split_sections(text: str) -> list[str]:
    """"Special Studies, Summary" -> two sections; "TENS, chronic pain (...)" stays one."""
    sections: list[str] = []
    for fragment in (piece.strip() for piece in re.split(r"\s*[,;]\s*", text.strip().rstrip("."))):
        if not fragment:
            continue
        joins_previous = sections and (
            fragment[0].islower()
            or sections[-1].lower() in _COMMA_FAMILIES
            or (sections[-1].count("(") > sections[-1].count(")"))
            or (re.match(r"\d+(?:\.\d+)+\s", sections[-1]) and not re.match(r"\d+(?:\.\d+)*\s", fragment))
        )
        if joins_previous:
            sections[-1] = f"{sections[-1]}, {fragment}"
        else:
            sections.append(fragment)
    # "(Shock wave therapy)": a section the letter put in brackets is still that section.
    sections = [s[1:-1].strip() if s.startswith("(") and s.endswith(")") and s.count("(") == 1 else s for s in sections]
    return sections
