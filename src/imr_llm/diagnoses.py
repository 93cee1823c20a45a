"""The diagnoses a case summary states, without a model.

Read from the summary's own statement of them ("The current diagnoses are documented as ...",
"diagnosed with ...", "is being treated for ...", "The listed diagnoses per the requesting
physician are ...", "has filed a claim for ... associated with an industrial injury"), and split as
evals/LABELING.md says: on semicolons where the letter uses them, else on commas and "and", keeping
whole what is one diagnosis ("contusion of face, scalp and neck", "lumbar strain, subsequent
encounter", "left buttock and left thigh sciatic pain"). Each entry is verbatim in the letter.
"""

from __future__ import annotations

import re

# The statements, most explicit first: the first kind found is the one read.
_STATEMENTS = tuple(re.compile(pattern, re.I) for pattern in (
    r"\bdiagnos(?:is|es)\b(?:\s+per\s+the\s+(?:\w+\s+){0,3}?(?:physician|provider|doctor|PTP|surgeon))?"
    r"(?:\s+(?:is|are|was|were|has\s+been|have\s+been|currently|documented|listed|noted|given|reported|identified|stated"
    r"|as|of|to\s+be|that|which|include[sd]?|including))+\s*:?\s+",
    r"\bdiagnos(?:is|es)\s*:\s*|\bdiagnostic\s+impressions?\s*(?:is|are|was|were|include[sd]?|:)\s*:?\s*",
    r"\bdiagnosed\s+(?:with|as\s+having|as)\s+",
    r"\b(?:treated|treatments?)\s+for\s*:?\s*(?:the\s+diagnos(?:is|es)\s+of\s+)?",
    r"\b(?:submitted|filed)\s+a\s+claim\s+for\s+",
))
# Words before a statement that make it no statement of the patient's diagnoses.
_NOT_THEIRS = re.compile(r"\b(?:no|not|without|any|rule\s+out|consistent\s+with|confirm|support|differential)\s+(?:\w+\s+){0,2}$", re.I)
# Where the list ends: the sentence's end, or words that go on to something else.
_LIST_END = re.compile(
    r"\.[\"'”]?(?=\s+[A-Z0-9\"'(]|\s*$)|;\s*(?:and\s+)?(?:has|had|was|is|treatment|she|he)\b"
    r"|\s+(?:reportedly\s+)?associated\s+with\s+(?:an?|the|his|her)\s+(?:\w+\s+){0,2}(?:injury|claim|accident)"
    r"|\s+(?:with|from)\s+(?:an?|the)\s+(?:industrial|work[- ]related)\s+injury|\s+(?:as\s+a\s+result|resulting)\s+(?:of|from)\s+(?:an?|the|his|her)\s"
    r"|\s+per\s+the\s+(?:\w+\s+){0,3}?(?:physician|provider|report)\b", re.I)
_SEPARATOR = re.compile(r"(\s*,\s*(?:and\s+|or\s+)?|\s+and\s+(?!-)|\s+(?=rule\s+out\b))", re.I)
# Words that name a place or side, or qualify an ICD name: a piece made only of these is no
# diagnosis of its own ("contusion of face, scalp and neck"; "sprain, subsequent encounter").
_ANATOMY = set("""
left right bilateral both upper lower mid middle low high anterior posterior lateral medial distal proximal
neck back spine spinal cervical thoracic lumbar lumbosacral sacral sacroiliac coccyx shoulder shoulders arm arms
upper-arm elbow elbows forearm forearms wrist wrists hand hands finger fingers thumb thumbs hip hips thigh thighs
knee knees leg legs ankle ankles foot feet toe toes heel heels head face facial scalp skull jaw chest rib ribs
abdomen abdominal pelvis pelvic groin buttock buttocks trunk torso extremity extremities limb limbs joint joints
muscle muscles fascia tendon tendons ligament ligaments girdle region level side site part parts area areas
paraspinal trapezius temporomandibular lumbosacral-region of the and at to in on or unspecified other multiple
""".split())
_QUALIFIERS = set("subsequent initial encounter sequela region level site unspecified side".split())
_SYMPTOMS = set("numbness weakness tingling pain stiffness swelling spasm spasms tenderness paresthesia paresthesias".split())
_INCOMPLETE = set("strain strains sprain sprains injury injuries pain contusion contusions fracture laceration tear".split())
_LEADING = re.compile(r"^(?:and|or|a|an|the)\s+", re.I)


def diagnoses_in(summary: str) -> list[str]:
    """The diagnoses ``summary`` states, each as written; [] when it states none."""
    text = " ".join(summary.split())
    for statement in _STATEMENTS:
        for found in statement.finditer(text):
            if _NOT_THEIRS.search(text[max(0, found.start() - 40): found.start()]):
                continue
            listed = _listed(text, found.end())
            if listed:
                return listed
    return []


_NUMBERED = re.compile(r"\s*(?:\(?1[.)]|#1\b)\s+")


def _listed(text: str, start: int) -> list[str]:
    if _NUMBERED.match(text, start):
        return _numbered(text, start)
    end = _LIST_END.search(text, start)
    body = text[start: end.start() if end else len(text)].strip().strip(":").strip()
    if not body or len(body) > 600:  # no list, or a run-on sentence that is not one
        return []
    if ";" in body:
        pieces = [_clean(piece) for piece in body.split(";")]
        return _unique([piece for piece in pieces if piece])
    return _unique(_joined(_SEPARATOR.split(body)))


def _numbered(text: str, start: int) -> list[str]:
    """ "1. Lumbar strain. 2. Cervical strain." : each numbered entry, up to the sentence after the last."""
    entries, number, position = [], 1, start
    while True:
        mark = re.compile(rf"\s*(?:\(?{number}[.)]|#{number}\b)\s+").match(text, position)
        if not mark:
            break
        following = re.compile(rf"\s+(?:\(?{number + 1}[.)]|#{number + 1}\b)\s+").search(text, mark.end())
        if following:
            entries.append(text[mark.end(): following.start()])
            position = following.start()
        else:
            end = _LIST_END.search(text, mark.end())
            entries.append(text[mark.end(): end.start() if end else len(text)])
            break
        number += 1
    return _unique([entry for entry in (_clean(entry) for entry in entries) if entry and len(entry) < 200])


def _joined(parts: list[str]) -> list[str]:
    """Pieces between separators, joined back where a piece is no diagnosis on its own."""
    pieces, separators = parts[0::2], parts[1::2] + [""]
    entries: list[str] = []
    pending = ""  # anatomy waiting for the diagnosis after it ("left buttock and ...")
    for index, (piece, separator) in enumerate(zip(pieces, separators, strict=True)):
        words = [w for w in re.findall(r"[\w'/-]+", piece.lower())]
        if not words:
            continue
        before = separators[index - 1] if index else ""
        anatomy_only = all(w in _ANATOMY or w in _QUALIFIERS for w in words)
        is_last = index == len(pieces) - 1
        if entries and not pending and (
            words[0] == "or"
            or (anatomy_only and (set(words) & _QUALIFIERS or _last_word_is_anatomy(entries[-1]) or is_last))
            or (set(words) <= _INCOMPLETE and "and" in before.lower())
        ):
            entries[-1] += before + piece
        elif not is_last and _waits_for_next(words, anatomy_only, separator, pieces[index + 1]):
            pending += piece + separator
        elif anatomy_only and entries and not pending:
            entries[-1] += before + piece
        else:
            entries.append(pending + piece)
            pending = ""
    if pending:
        entries.append(pending.rstrip(" ,").removesuffix(" and"))
    return [entry for entry in (_clean(entry) for entry in entries) if entry]


def _last_word_is_anatomy(entry: str) -> bool:
    words = re.findall(r"[\w'/-]+", entry.lower())
    return bool(words) and words[-1] in _ANATOMY and words[-1] not in _QUALIFIERS


def _waits_for_next(words: list[str], anatomy_only: bool, separator: str, following: str) -> bool:
    """Whether a piece is the first part of the next one: places before the place the diagnosis
    names ("neck, low back, and mid back pain"), an adjective before its noun ("homicidal and
    suicidal thoughts"), a bare "strains and sprains ...", a symptom sharing the next one's place."""
    after = re.findall(r"[\w'/-]+", following.lower())
    if not after or "rule" in separator.lower():
        return False
    joined_by_and = "and" in separator.lower()
    if anatomy_only:
        return after[0] in _ANATOMY
    if joined_by_and and len(words) == 1 and words[0] in _SYMPTOMS and any(w in _ANATOMY for w in after):
        return True  # "numbness and weakness bilateral upper extremities": one place for both
    last = words[-1]
    adjective = last.isalpha() and len(last) > 4 and last.endswith(("al", "ic", "ous", "ive"))
    return joined_by_and and (adjective or set(words) <= _INCOMPLETE)


def _clean(piece: str) -> str:
    piece = piece.strip().strip("\"'“”").strip()
    previous = None
    while previous != piece:
        previous, piece = piece, _LEADING.sub("", piece).strip()
    return piece.rstrip(" .,:").strip("\"'“”").strip()


def _unique(entries: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for entry in entries:
        if entry.casefold() not in seen:
            seen.add(entry.casefold())
            out.append(entry)
    return out
