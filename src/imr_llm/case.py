"""Case-level fields: the header block, the reviewer's credentials, the patient, and dates
that 2014 letters give only in the summary."""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from .dates import DATE, parse_date
from .schema import Dates, Patient, Reviewer, Sex

_HEADER_LABELS = {
    # field -> label as printed; words may be split across lines by PDF extraction
    "assigned": r"Date\s+Assigned",
    "injury": r"Date\s+of\s+Injury",
    "decision": r"Decision\s+Date",
    "ur_denial": r"UR\s+Denial\s+Date",
    "application_received": r"Application\s+Received",
}
_CASE_NUMBER = re.compile(r"Case\s+Number\s*:?\s*([A-Z]{2}\d{2}-\d{5,8})")
_PRIORITY = re.compile(r"Priority\s*:?\s*(Standard|Expedited)\b", re.I)


def parse_header(header: str) -> tuple[Optional[str], Optional[str], Dates]:
    """(case number, priority, dates) from the first-page header block."""
    case_number = _CASE_NUMBER.search(header)
    priority = _PRIORITY.search(header)
    return (
        case_number.group(1) if case_number else None,
        priority.group(1).lower() if priority else None,
        Dates(**_header_dates(header)),
    )


def _header_dates(header: str) -> dict[str, Optional[dt.date]]:
    found: dict[str, Optional[dt.date]] = {}
    labels = []
    for field, label in _HEADER_LABELS.items():
        match = re.search(label + r"\s*:", header)
        if match:
            labels.append((match.start(), match.end(), field))
            value = re.match(rf"\s*({DATE})", header[match.end():])
            found[field] = parse_date(value.group(1)) if value else None
    if labels and any(value is None for value in found.values()):
        # Extraction that prints every label before any value ("Date Assigned: Date of Injury:
        # 11/30/2016 10/11/2016"): pair labels and dates in the order they stand.
        labels.sort()
        dates = [parse_date(m.group(0)) for m in re.finditer(DATE, header[labels[0][0]:])]
        if len(dates) == len(labels):
            found = {field: date for (_, _, field), date in zip(labels, dates, strict=True)}
    return found


# Specialty names that hold "and"/"&" themselves; a prose list is split on "and" elsewhere.
_JOINED_SPECIALTIES = {
    "physical medicine and rehabilitation", "allergy and immunology", "child and adolescent psychiatry",
    "colon and rectal surgery", "hospice and palliative medicine", "obstetrics and gynecology",
    "public health and general preventive medicine", "head and neck surgery", "nuclear medicine and radiology",
}
_PROSE_CREDENTIALS = re.compile(r"The\s+expert\s+reviewer\s+is\s+(?P<body>.*?)\.\s+(?:He/she|He|She|The)\b", re.I | re.S)


def parse_reviewer(credentials: str) -> Reviewer:
    """The reviewer's states, specialties and subspecialties, from either layout's wording."""
    text = " ".join(credentials.split())
    labelled = re.search(
        r"State\(s\)\s+of\s+Licensure\s*:\s*(?P<states>.*?)\s*Certification\(s\)\s*/\s*Specialty\s*:\s*(?P<specialties>.*)",
        text,
    )
    if labelled:
        subspecialties = re.search(r"\s*Sub-?specialt(?:y|ies)\s*:\s*(?P<sub>.*)$", labelled.group("specialties"), re.I)
        specialties = labelled.group("specialties")[: subspecialties.start()] if subspecialties else labelled.group("specialties")
        return Reviewer(
            licensure_states=_split_list(labelled.group("states"), on_and=False),
            specialties=_split_list(specialties, on_and=False),
            subspecialties=_split_list(subspecialties.group("sub"), on_and=False) if subspecialties else [],
        )
    prose = _PROSE_CREDENTIALS.search(text)
    body = prose.group("body") if prose else text
    specialties = re.search(r"Board\s+Certified\s+in\s+(.*?)(?:,?\s+(?:has|and\s+has|and\s+is|is)\b|$)", body, re.I)
    if specialties is None and prose:
        # "The expert reviewer is a Licensed Chiropractor and Licensed in Acupuncture and is licensed ..."
        specialties = re.match(r"(?:an?\s+)?(.*?)(?:,?\s+(?:has|and\s+has|and\s+is|is)\b|$)", body, re.I)
    subspecialties = re.search(r"subspecialt(?:y|ies)\s+in\s+(.*?)(?:,?\s+(?:and\s+)?(?:is|has)\b|$)", body, re.I)
    states = re.search(r"licensed\s+to\s+practice\s+in\s+(.*?)$", body, re.I)
    return Reviewer(
        licensure_states=_split_list(states.group(1), on_and=True) if states else [],
        specialties=[_LICENSED.sub("", s) for s in _split_list(specialties.group(1), on_and=True)] if specialties else [],
        subspecialties=_split_list(subspecialties.group(1), on_and=True) if subspecialties else [],
    )


_LICENSED = re.compile(r"^(?:Licensed|Certified)\s+(?:in\s+)?", re.I)


def _split_list(text: str, *, on_and: bool) -> list[str]:
    """"Texas,New York" -> two; in prose, "X and Pain Management" splits unless X-and-Y is one name."""
    pieces = [piece.strip(" .;") for piece in text.split(",")]
    items: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if not on_and:
            items.append(piece)
            continue
        atoms = re.split(r"\s+(and|&)\s+", re.sub(r"^(?:and|&)\s+", "", piece))
        words, joiners = atoms[0::2], atoms[1::2]
        current = words[0]
        for joiner, word in zip(joiners, words[1:], strict=True):
            joined = f"{current} {joiner} {word}"
            if re.sub(r"\s*&\s*", " and ", joined).lower() in _JOINED_SPECIALTIES:
                current = joined
            else:
                items.append(current)
                current = word
        items.append(current)
    return [item for item in items if item]


_AGE_SEX = re.compile(r"\b(\d{1,3})(?:[- ]?(?:years?|yrs?)[- ]old\b|\s?y/?o\b)(?:\s+(?:\w+\s+){0,2}?(male|female|man|woman|gentleman|lady)\b)?", re.I)
_SEXES: dict[str, Sex] = {"male": "male", "man": "male", "gentleman": "male", "female": "female", "woman": "female", "lady": "female"}


def parse_patient(summary: str) -> Patient:
    """Age and sex from the summary's first "NN year old male/female"."""
    match = _AGE_SEX.search(summary)
    if not match:
        return Patient()
    age = int(match.group(1))
    sex = _SEXES[match.group(2).lower()] if match.group(2) else _sex_from_pronouns(summary)
    return Patient(age=age if 0 < age < 120 else None, sex=sex)


def _sex_from_pronouns(summary: str) -> Optional[Sex]:
    # "The applicant is a 50-year-old who ... He reports": only when the pronouns all agree.
    male = len(re.findall(r"\b(?:he|his|him|himself)\b", summary, re.I))
    female = len(re.findall(r"\b(?:she|her|hers|herself)\b", summary, re.I))
    if male >= 2 and not female:
        return "male"
    if female >= 2 and not male:
        return "female"
    return None


# The date of injury in prose, most explicit wording first.
_INJURY_IN_SUMMARY = tuple(re.compile(pattern, re.I) for pattern in (
    rf"\b(?:date\s+of\s+(?:the\s+)?(?:industrial\s+|work\s+|original\s+)?injury|injury\s+date|DOI)\b(?:\s*\(DOI\))?\s*(?:(?:is|was|of|on|:|,|dated|listed\s+as|noted\s+as)\s*)*({DATE})",
    rf"\b(?:injur(?:y|ies|ed)|accident|incident)\b[^.]{{0,40}}?\b(?:on|of|dated|in)\s+({DATE})",
    rf"\bon\s+({DATE}),?\s+(?:\w+\s+){{0,8}}?(?:injur\w*|was\s+hurt|fell|slipped|tripped|sustained|strained)\b",
))
# A sentence that says utilization review denied something: a UR word, a denial, a date.
_UR_WORDS = re.compile(r"\butilization\s+review\w*|\bUR\b|\b(?:prior|previous|original)\s+(?:review|determination)\b", re.I)
_CLAIMS_ADMINISTRATOR = re.compile(r"\bclaims\s+administrator\b", re.I)
_DENIAL = re.compile(
    r"\b(?:denied|denial|non-?\s?certif\w*|not\s+certif\w*|did\s+not\s+certify|modified|failed\s+to\s+approve|"
    r"did\s+not\s+approve|not\s+approved|deemed\s+not\s+medically\s+necessary|adverse\s+determination|partially\s+certified)\b", re.I)
_SENTENCE = re.compile(r"[^.]*(?:\.(?!\s+[A-Z0-9(\"])[^.]*)*(?:\.|$)")
_DATE_IN_PROSE = re.compile(DATE, re.I)


def injury_date_in(summary: str) -> Optional[dt.date]:
    """The date of injury as the summary states it, when the letter has no header."""
    text = " ".join(summary.split())
    for pattern in _INJURY_IN_SUMMARY:
        for match in pattern.finditer(text):
            found = parse_date(match.group(1))
            if found:
                return found
    return None


def ur_denial_date_in(text: str) -> Optional[dt.date]:
    """The UR denial date as the text states it: "UR ... denied ... on 05/27/2014", "On DATE,
    utilization review denied ...", "... was non-certified by utilization review on DATE"."""
    prose = " ".join(text.split())
    claims_administrator = None  # "the claims administrator denied ... on DATE": if no UR sentence says it
    for sentence in (match.group(0) for match in _SENTENCE.finditer(prose)):
        denial = _DENIAL.search(sentence)
        if denial is None:
            continue
        words = _UR_WORDS.search(sentence)
        if words:
            found = _nearest_date(sentence, (words.start() + denial.start()) // 2)
            if found:
                return found
        administrator = _CLAIMS_ADMINISTRATOR.search(sentence)
        if administrator and claims_administrator is None:
            claims_administrator = _nearest_date(sentence, (administrator.start() + denial.start()) // 2)
    return claims_administrator


def _nearest_date(sentence: str, anchor: int) -> Optional[dt.date]:
    dates = [(abs(m.start() - anchor), parse_date(m.group(0))) for m in _DATE_IN_PROSE.finditer(sentence)]
    dates = [(distance, date) for distance, date in dates if date is not None]
    return min(dates, key=lambda each: each[0])[1] if dates else None
