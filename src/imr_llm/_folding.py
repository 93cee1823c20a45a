"""Patterns that match as they would with re.I, but against text folded to lower case.

Python's re compares every character case-insensitively under re.I, and cannot skip ahead to the
first letter of each alternative as it does without it: the DWC's 33 category rules and 549 drug
names over a dev letter's items took 3-4 times as long with re.I as against the folded item. On
ASCII text ``str.lower`` keeps every character where it was, so a span in the folded text is the
same span in the text as written; other text keeps the re.I pattern.
"""

from __future__ import annotations

import re
from typing import Iterator, Optional

from ._gates import GatedPattern

# An escape (\W, \S, \x4A), a group's name, or a letter to fold.
_PART = re.compile(r"\\.|\(\?P[<=]\w+>?|[A-Z]")


def lower_literals(pattern: str) -> str:
    """``pattern`` with its letters in lower case, escapes and group names left as written."""
    return _PART.sub(lambda part: part.group(0).lower() if len(part.group(0)) == 1 else part.group(0), pattern)


class FoldedPattern:
    """A pattern's matches in any capitalisation, as spans of the text as written."""

    __slots__ = ("pattern", "folded", "_any_case")

    def __init__(self, pattern: str) -> None:
        if "(?-i" in pattern:  # a part matched in one capitalisation only cannot be matched folded
            raise ValueError(f"a folded pattern matches in every capitalisation: {pattern[:60]!r}")
        self.pattern = pattern
        # Gated (see _gates): most items hold none of a rule's words, and the gate says so in C.
        self.folded = GatedPattern(re.compile(lower_literals(pattern)))
        self._any_case: Optional[re.Pattern[str]] = None

    @property
    def any_case(self) -> re.Pattern[str]:
        """The pattern with re.I, for text that is not ASCII; compiled when first needed (compiling
        the drug names with re.I as well took 7.8 ms of every start, `imr-llm --help` included)."""
        if self._any_case is None:
            self._any_case = re.compile(self.pattern, re.I)
        return self._any_case

    def span(self, text: str, group: int = 0) -> Optional[tuple[int, int]]:
        """The first match's span (of ``group``) in ``text``, or None."""
        match = self.folded.search(text.lower()) if text.isascii() else self.any_case.search(text)
        return match.span(group) if match else None

    def spans(self, text: str, group: int = 0) -> Iterator[tuple[int, int]]:
        """Every match's span (of ``group``), first to last."""
        matches = self.folded.finditer(text.lower()) if text.isascii() else self.any_case.finditer(text)
        return (match.span(group) for match in matches)
