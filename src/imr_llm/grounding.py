"""Stage 5, ground: tie a model's words to the letter, or reject them with a reason.

A model's answer counts only where the letter supports it: an item or quote must be a verbatim
span of the text (whitespace and case aside), a medication must be named in the item, a quantity
must be one the item states. The checks raise ``ValueError`` with a sentence the model can act
on; inside a pydantic validator that becomes instructor's re-ask.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

from .items import parse_body_regions, parse_quantity, reviewed_part
from .layout import Span
from .taxonomy import is_subcategory, subcategories

_SPACE = re.compile(r"\s+")


def _squeeze(text: str) -> tuple[str, list[int]]:
    """``text`` lower-cased with runs of whitespace as one space, and each character's origin."""
    out: list[str] = []
    origin: list[int] = []
    previous_space = False
    for index, char in enumerate(text):
        if char.isspace():
            if not previous_space:
                out.append(" ")
                origin.append(index)
            previous_space = True
        else:
            out.append(char.lower())
            origin.append(index)
            previous_space = False
    return "".join(out), origin


def locate(text: str, quote: str, start: int = 0) -> Optional[Span]:
    """Where ``quote`` stands in ``text`` at or after ``start`` (whitespace and case aside)."""
    needle = _SPACE.sub(" ", quote.strip()).lower()
    if not needle:
        return None
    haystack, origin = _squeeze(text)
    first = next((i for i, position in enumerate(origin) if position >= start), len(origin))
    found = haystack.find(needle, first)
    if found < 0:
        return None
    return (origin[found], origin[found + len(needle) - 1] + 1)


def contains(text: str, quote: str) -> bool:
    return _SPACE.sub(" ", quote.strip()).lower() in _SPACE.sub(" ", text).lower()


def check_verbatim(quote: str, text: str, what: str) -> str:
    if not contains(text, quote):
        raise ValueError(f"{what} {quote!r} is not in the letter; copy it word for word from the text")
    return quote


def check_medication(medication: Optional[str], item: str) -> Optional[str]:
    if medication is None:
        return None
    is_whole_item = collapse_lower(medication) == collapse_lower(item)
    if not contains(item, medication) or len(medication.split()) > 5 or is_whole_item:
        raise ValueError(
            f"medication {medication!r} is not a drug name in the item {item!r}; give only the drug's name as "
            "the item writes it, or null when the item is not a drug"
        )
    return medication


def named_regions(*sources: str) -> set[str]:
    """The contract's body regions that any of the sources names."""
    return {region for source in sources for region in parse_body_regions(source)}


def check_body_regions(regions: Sequence[str], *sources: str) -> Sequence[str]:
    """Each region must be one the sources (the item, its rationale) name."""
    named = named_regions(*sources)
    unnamed = [region for region in regions if region not in named]
    if unnamed:
        raise ValueError(
            f"body regions {unnamed} are not named in the item or its rationale; list only regions the text names"
        )
    return regions


def check_subcategory(category: str, subcategory: Optional[str]) -> Optional[str]:
    """The subcategory must be on the DWC's list for the category (the drug classes for
    Pharmaceuticals); null where the category has none, or where the letter cannot tell."""
    if subcategory is None or is_subcategory(category, subcategory):
        return subcategory
    allowed = subcategories(category)
    if not allowed:
        raise ValueError(f"{category} has no subcategory; give null")
    raise ValueError(f"subcategory {subcategory!r} is not one of the {category} subcategories: {', '.join(allowed)}")


def collapse_lower(text: str) -> str:
    return _SPACE.sub(" ", text.strip()).lower()


_NUMBER_WORDS = "one two three four five six seven eight nine ten eleven twelve".split()


def check_quantity(quantity: Optional[int], item: str) -> Optional[int]:
    """A quantity the item can give: what the parser reads, or a number the item writes."""
    if quantity is None:
        return None
    part = reviewed_part(item)
    stated = {int(n) for n in re.findall(r"\d+", part)}
    stated |= {i + 1 for i, word in enumerate(_NUMBER_WORDS) if re.search(rf"\b{word}\b", part, re.I)}
    if quantity != parse_quantity(item) and quantity not in stated:
        raise ValueError(
            f"quantity {quantity} is not stated in the item {part!r}; give the number of units the item "
            "requests (e.g. '2x4' is 8, '#120' is 120) or null when it states none"
        )
    return quantity
