"""What an item's own words say: quantity, body regions, medication (its category: `categories`).

Only what the item text states is read here ("2x4" -> 8, "#120" -> 120, "lumbar" -> "lumbar
spine"); anything the item leaves open stays None or [] for the model layer to fill.
"""

from __future__ import annotations

import re
from typing import Iterator, Optional, cast

from ._folding import FoldedPattern
from .schema import BodyRegion
from .taxonomy import DRUGS

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "twenty-four": 24, "thirty": 30, "sixty": 60, "ninety": 90,
}
_WORD_NUMBER = re.compile(r"\b(" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b(?:\s*\(\d+\))?", re.I)
_TIMES_WORDS = {"once": "1 times", "twice": "2 times", "thrice": "3 times"}
# Numbers that are not quantities: strengths, dates, spinal levels, "Tylenol #3", "3 in 1".
_NOT_QUANTITY = re.compile(
    r"(?<![#\d.])\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)*\s*(?:mg|mcg|milligrams?|g|gm|grams?|ml|cc|%|oz|mm|cm|hours?|hrs?|days?|months?|years?|mos?)(?![A-Za-z])"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}-\d{1,2}-\d{2,4}\b"
    r"|\b[CTLS]\d{1,2}(?:\s*-\s*[CTLS]?\d{1,2})?\b|\btylenol\s*#\s*\d\b|\b\d+\s+in\s+1\b|\b\d+\s*(?:-|to)\s*\d+\b",
    re.I,
)
_QUANTITY_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # "3 times a week for 4 weeks", "2x/week x 6 weeks", "two times a week times six weeks"
    (re.compile(r"(\d+)\s*(?:x|times|visits?|sessions?)?\s*(?:a|per|/|each|every|x)\s*(?:week|wk)\b\W*"
                r"(?:for|x|times|over)?\s*(\d+)\s*(?:weeks?|wks?)\b", re.I), "product"),
    (re.compile(r"\b(\d+)\s*[x×]\s*(\d+)\b(?!\s*(?:mg|mcg|%|ml|cm|mm))", re.I), "product"),  # "2x4"
    # "two sessions for the knee and eight sessions for the wrist": every count, added up
    (re.compile(r"\b(\d+)\s+(?:\w+\s+){0,3}?(?:sessions?|visits?|treatments?|appointments?)\b", re.I), "sum"),
    (re.compile(r"\b(?:sessions?|visits?|treatments?)\s*[,:]\s*(\d+)\b", re.I), "one"),  # "sessions, 12"
    (re.compile(r"#\s*(\d+)"), "one"),  # "#120"
    (re.compile(r"\b(?:x|times|qty|quantity)\s*:?\s*(\d+)\b", re.I), "one"),  # "x 12", "times 3"
    (re.compile(r",\s*(\d+)\s*$"), "one"),  # "NCV of the bilateral lower extremities, 2"
    (re.compile(r"(?:^|:)\s*(\d+)\s+(?!(?:phase|level|views?|positions?|tesla|sided|ways?|leads?|channels?)\b)(?=[a-z])", re.I), "one"),  # "1 knee scooter", "service: 2 leg wraps"
)
# The part of a partly certified request that is under review: after the last "original request,".
_REVIEWED_PART = re.compile(r".*original\s+request\s*(?:,|is\b|was\b)\s*(?P<part>.+?)(?:\s+is)?\s*$", re.I | re.S)


def reviewed_part(item: str) -> str:
    """The item text that is under review: for a partly certified request, only the remainder."""
    match = _REVIEWED_PART.match(item)
    return match.group("part") if match else item


# Where an item counts no sessions or pills, the days or hours it counts ("x 10 days", "14 days
# rental", "160 hours"), and days a week times weeks ("4 hours per day, 5 days a week for 4 weeks"
# is 20 days); weeks only for programs ("functional restoration program x 4 weeks"). Not a
# duration that describes a thing ("24 hour Holter monitor", "30 day supply", "8 hours a day").
_DAYS_A_WEEK = re.compile(r"(\d+)\s*days?\s*(?:a|per|/|each|every)\s*(?:week|wk)\b\W*(?:for|x|times|over)?\s*(\d+)\s*(?:weeks?|wks?)\b", re.I)
_DAY_COUNT = re.compile(
    r"(?:\b(?P<lead>x|times|for|qty:?|quantity:?)\s*)?(?<![\d.\-/])(?P<count>\d+)\s*-?\s*(?P<unit>days?|hours?|hrs?)\b"
    r"(?!\s*(?:a|per|/|each|every)\s*(?:day|week|wk)\b)"
    r"(?=\s*(?:$|[,.;:)]|(?:rental|use|trial|of|program|course|stay|admission|treatment|inpatient|hospital|sessions?)\b))", re.I)
_DAILY_FOR_WEEKS = re.compile(r"\b(?:daily|every\s+day|once\s+a\s+day|7\s+days\s+a\s+week)\b[^.]{0,40}?\bfor\s+(\d+)\s*(?:weeks?|wks?)\b", re.I)  # 4 weeks daily: 28 days
_PROGRAM_WEEKS = re.compile(r"\b(?:program|FRP|work\s+(?:hardening|conditioning)|hospitali[sz]ation)\b.*?\b(?:x|for|times)\s*(\d+)\s*(?:weeks?|wks?)\b", re.I)


def parse_quantity(item: str) -> Optional[int]:
    """Units requested where the item states them: "2x4" -> 8, "#120" -> 120, "nine (9)" -> 9;
    else the days or hours it counts ("x 10 days" -> 10)."""
    text = reviewed_part(item)
    for word, replacement in _TIMES_WORDS.items():
        text = re.sub(rf"\b{word}\b", replacement, text, flags=re.I)
    text = _WORD_NUMBER.sub(lambda m: str(_NUMBER_WORDS[m.group(1).lower()]), text)
    counted = _NOT_QUANTITY.sub(" ", text)
    for pattern, kind in _QUANTITY_RULES:
        match = pattern.search(counted)
        if match:
            if kind == "product":
                value = int(match.group(1)) * int(match.group(2))
            elif kind == "sum":
                value = sum(int(each.group(1)) for each in pattern.finditer(counted))
            else:
                value = int(match.group(1))
            return value if 0 < value < 100_000 else None
    return _time_count(text)


def _time_count(text: str) -> Optional[int]:
    weekly = _DAYS_A_WEEK.search(text)
    if weekly:
        return int(weekly.group(1)) * int(weekly.group(2))
    daily = _DAILY_FOR_WEEKS.search(text)
    if daily:
        return 7 * int(daily.group(1))
    counts = [m for m in _DAY_COUNT.finditer(text)]
    if len(counts) == 1:  # two durations ("8 hours a day for 10 days" aside) are not one plain count
        return int(counts[0].group("count")) or None
    weeks = _PROGRAM_WEEKS.search(text)
    return int(weeks.group(1)) if weeks else None


_REGIONS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (region, re.compile(pattern, re.I))
    for region, pattern in (
        ("cervical spine", r"\bcervical\b|\bneck\b|\bc[-/ ]?spine\b|\bc/s\b|\bC[1-7]\s*-\s*C?[1-7]\b|\bcervicothoracic\b"),
        ("thoracic spine", r"\bthoracic\b|\bt[-/ ]?spine\b|\bt/s\b|\bmid[- ]?back\b|\bupper back\b|\bT\d{1,2}\s*-\s*T?\d{1,2}\b|\bthoracolumbar\b"),
        # A bare "back" in these requests is the low back; "upper"/"mid" back is thoracic.
        ("lumbar spine", r"\blumbar\b|\blumbosacral\b|\blow(?:er)?[- ]back\b|(?<!upper )(?<!mid )(?<!mid-)\bback\b|\bl[-/ ]?spine\b|\bl/s\b|\bL[1-5]\s*-\s*(?:L?[1-5]|S1)\b|\bthoracolumbar\b"),
        ("shoulder", r"\bshoulders?\b|\brotator cuff\b|\bacromioclavicular\b|\bsubacromial\b"),
        ("elbow", r"\belbows?\b|\bepicondyl\w*|\bcubital\b|\bolecranon\b"),
        ("wrist/hand", r"\bwrists?\b|\bhands?\b|\bfingers?\b|\bthumbs?\b|\bcarpal\b|\bdistal radius\b|\bforearms?\b"),
        ("hip", r"\bhips?\b|\bpelvi[sc]\b|\bgroin\b"),
        ("knee", r"\bknees?\b(?!\s+(?:scooter|walker|caddy))|\bmenisc\w*|\bpatell\w*"),
        ("ankle/foot", r"\bankles?\b|\bfoot\b|\bfeet\b|\btoes?\b|\bheels?\b|\bplantar\b|\bachilles\b"),
        ("head", r"(?<!radial )\bhead\b|\bbrain\b|\bskull\b|\bcranial\b|\bscalp\b"),
        ("other", r"\bextremit(?:y|ies)\b|\blegs?\b|\barms?\b|\bchest\b|\babdom\w*|\bface\b|\bjaw\b|\bTMJ\b|\bribs?\b"),
    )
)


def parse_body_regions(item: str) -> list[BodyRegion]:
    """The contract's body regions that the item names, in the order the item names them."""
    found = []
    for region, pattern in _REGIONS:
        match = pattern.search(item)
        if match:
            found.append((match.start(), region))
    return [cast(BodyRegion, region) for _, region in sorted(found)]



# A name as a word of its own; a one- or two-letter suffix ("Senokot-S", "Norco-10") is still the drug.
# Folded (see _folding): with re.I, each of the 549 names was tried at every character (an item of
# 65 characters naming no drug: 131 us with re.I, 29 us folded).
_DRUG = FoldedPattern(r"(?<![\w-])(" + "|".join(re.escape(name) for name in sorted(DRUGS, key=len, reverse=True)) + r")(?!\w|-[A-Za-z]{3})")


def drug_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where ``text`` names a known drug, first to last, as (start, end): any capitalisation."""
    return _DRUG.spans(text, 1)


_STRENGTH = r"\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)*\s*(?:mg|mcg|%|g|gm|ml)(?![A-Za-z])"
_UNKNOWN_DRUG = re.compile(rf"^\s*(?P<name>[A-Z][A-Za-z-]+(?:\s+[A-Za-z-]+){{0,2}}?)\s+{_STRENGTH}")
_FORMULATION = re.compile(r"\s+(?:ER|XR|SR|CR|XL|DR|ODT|IR|HCL|HCl|hydrochloride|sodium|tablets?|capsules?|tabs?|caps?|cream|gel|ointment|patch|lotion|solution|suspension)\b.*$")
TOPICAL_WORDS = re.compile(r"\b(?:cream|gel|ointment|patch(?:es)?|topical|transdermal|lotion|base|compound(?:ed)?|spray|rub|roll-?on|liniment)\b", re.I)
# Words that make an item a procedure or test even when it names a drug ("lidocaine injection").
PROCEDURE_WORDS = re.compile(r"\b(?:injections?|injected|blocks?|infusions?|pumps?|testing|tests?|screens?|levels?|program|detox\w*|weaning|IM|intramuscular)\b", re.I)


def parse_medication(item: str) -> Optional[str]:
    """The drug the item names, as written ("Norco", "Cyclobenzaprine"); None for non-drugs."""
    text = reviewed_part(item)
    known = next(drug_spans(text), None)
    if known:
        return text[slice(*known)]
    unknown = _UNKNOWN_DRUG.match(text)
    if unknown and not PROCEDURE_WORDS.search(text):
        name = _FORMULATION.sub("", unknown.group("name")).strip()
        return name or None
    return None
