"""Dates as the letters write them ("11/30/2016", "10-11-2016", "12-6-16", "May 27, 2014")."""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")],
        start=1,
    )
    for name in names
}

NUMERIC_DATE = r"\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d{2})(?!\d)"
WORDED_DATE = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+\d{1,2},?\s+\d{4}"
# A date in any of the forms above, for use inside larger patterns.
DATE = rf"(?:{NUMERIC_DATE}|{WORDED_DATE})"

_NUMERIC = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})")
_WORDED = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")


def parse_date(value: str) -> Optional[dt.date]:
    """The date that ``value`` writes (US month-first order), or None when it is not a valid date."""
    value = value.strip()
    numeric = _NUMERIC.fullmatch(value)
    if numeric:
        month, day, year = (int(part) for part in numeric.groups())
        if len(numeric.group(3)) == 2:
            # Two-digit years in these letters are 20xx for anything up to the current year.
            year += 2000 if year <= dt.date.today().year % 100 else 1900
    else:
        worded = _WORDED.fullmatch(value)
        if not worded or worded.group(1).lower() not in _MONTHS:
            return None
        month, day, year = _MONTHS[worded.group(1).lower()], int(worded.group(2)), int(worded.group(3))
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
