"""The public entry point: a letter in, a Determination out."""

from __future__ import annotations

from .parsing import parse_letter
from .reading import Source, read_text
from .schema import Determination


def extract(source: Source, *, llm: bool = False) -> Determination:
    """Extract the Determination from ``source``: a path to a ``.pdf``/``.txt`` file, or text.

    With ``llm=False`` only the deterministic parser runs (no network, no model). Raises a
    `DocumentError` subclass with a one-line reason when the document cannot be read or parsed.
    """
    if llm:
        raise NotImplementedError("model extraction is not built yet; call extract(..., llm=False)")
    return parse_letter(read_text(source))
