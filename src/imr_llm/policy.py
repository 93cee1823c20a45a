"""The merge policies: who wins on judgement (category, subcategory, reasons, diagnoses).

- ``"parser"`` (the default): the parser's rule-based answers stand; a model's different answer
  is a warning, and the model fills what the parser left open.
- ``"model"``: the model's grounded answers replace the parser's judgement (never the template).

`merging` applies them; this module only names them, so that choosing one loads nothing heavy.
"""

from __future__ import annotations

from typing import Literal

from .errors import UsageError

Judgement = Literal["parser", "model"]
JUDGEMENTS: tuple[str, ...] = ("parser", "model")
DEFAULT_JUDGEMENT = "parser"


def check_judgement(judgement: str) -> str:
    """``judgement`` if it names a policy; UsageError (one line) otherwise."""
    if judgement not in JUDGEMENTS:
        raise UsageError(f"unknown judgement {judgement!r}; choose one of: {', '.join(JUDGEMENTS)}")
    return judgement
