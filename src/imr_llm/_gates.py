"""Patterns that look for a word they cannot match without before they run.

Most of a rationale's sentences give no reason of a given kind, and Python's re spends as long
failing on a sentence as matching it: it tries every alternative at every character. A match of
`reasons`' phrase for criteria unmet holds one of a few words ("candidate", "conservative", ...);
a sentence that holds none of them cannot match, and `in` finds that out in C. The words are
read from the pattern itself (its parse tree), so they cannot drift from it, and a gated
pattern finds exactly what the pattern finds (tests/test_gates.py checks it on random text).
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any, Iterator, Optional

if TYPE_CHECKING or sys.version_info < (3, 11):  # typeshed knows only the 3.10 names
    import sre_constants as _sre
    import sre_parse as _sre_parse
else:  # the same modules; importing them by their old names warns from 3.11
    from re import _constants as _sre
    from re import _parser as _sre_parse

# A gate of more words than this costs more than the search it saves: each word is one `in` over
# the sentence (about 0.05 us), and a failing search of a small family about 1-3 us.
_MOST_WORDS = 24
_ATOMIC_GROUP = getattr(_sre, "ATOMIC_GROUP", None)  # (?>...), new in 3.11
_POSSESSIVE_REPEAT = getattr(_sre, "POSSESSIVE_REPEAT", None)

_Words = Optional[frozenset[str]]


def required_words(pattern: re.Pattern[str]) -> _Words:
    """Words one of which every match of ``pattern`` contains, exactly as written; None when the
    pattern can match without any (or ignores case, where "K" also matches the Kelvin sign)."""
    if pattern.flags & re.IGNORECASE:
        return None
    return _minimal(_sequence(_sre_parse.parse(pattern.pattern, pattern.flags)))


def _sequence(items: Any) -> _Words:
    """The most selective set of words that a match of this sequence of nodes must contain one of."""
    options: list[frozenset[str]] = []
    run: list[str] = []

    def end_run() -> None:
        if run:
            options.append(frozenset(("".join(run),)))
            run.clear()

    for op, argument in items:
        if op is _sre.LITERAL:
            run.append(chr(argument))
            continue
        if op is _sre.AT:  # \b, ^, $ match no character: the letters either side stay adjacent
            continue
        end_run()
        words = _node(op, argument)
        if words is not None:
            options.append(words)
    end_run()
    # Long words are rarer than short ones, and fewer words cost fewer `in`s.
    return max(options, key=lambda words: (min(map(len, words)), -len(words)), default=None)


def _node(op: Any, argument: Any) -> _Words:
    if op is _sre.SUBPATTERN:
        _group, add_flags, _del_flags, body = argument
        return None if add_flags & re.IGNORECASE else _sequence(body)
    if op is _ATOMIC_GROUP:
        return _sequence(argument)
    if op is _sre.BRANCH:
        alternatives = [_sequence(alternative) for alternative in argument[1]]
        if any(words is None for words in alternatives):
            return None
        return frozenset().union(*alternatives)  # type: ignore[arg-type]
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _POSSESSIVE_REPEAT):
        least, _most, body = argument
        return _sequence(body) if least >= 1 else None
    return None  # a class, a lookaround, a back-reference: no word of its own


def _minimal(words: _Words) -> _Words:
    """``words`` without those that hold another (text holding "recommended" holds "recommend")."""
    if not words or "" in words:
        return None
    kept = frozenset(word for word in words if not any(other != word and other in word for other in words))
    return kept if len(kept) <= _MOST_WORDS else None


class GatedPattern:
    """A compiled pattern that fails at once on text holding none of its required words."""

    __slots__ = ("pattern", "_words")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        # Read on first use: parsing the 60 gated patterns again takes 14 ms, which a command that
        # parses no letter (`imr-llm --help`, a report) should not pay at import.
        self._words: Optional[tuple[str, ...]] = None

    @property
    def words(self) -> tuple[str, ...]:
        """The required words, the shortest first (the likeliest to be found, which ends the
        gate); ("",) when there are none, which every text holds."""
        if self._words is None:
            words = required_words(self.pattern)
            self._words = tuple(sorted(words, key=len)) if words else ("",)
        return self._words

    def _may_match(self, text: str) -> bool:
        for word in self._words or self.words:
            if word in text:
                return True
        return False

    def search(self, text: str) -> Optional[re.Match[str]]:
        return self.pattern.search(text) if self._may_match(text) else None

    def match(self, text: str) -> Optional[re.Match[str]]:
        return self.pattern.match(text) if self._may_match(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self._may_match(text) else iter(())
