"""imr-llm: California workers' compensation IMR determination letters as structured data.

    >>> from imr_llm import extract
    >>> determination = extract("letter.pdf", llm=False)
"""

from .calling import ModelError
from .errors import DocumentError, LayoutError, ReadError
from .extraction import aextract, extract
from .parsing import parse_letter
from .reading import read_text
from .schema import Citation, Decision, Determination

__version__ = "0.1.0"

__all__ = [
    "Citation",
    "Decision",
    "Determination",
    "DocumentError",
    "LayoutError",
    "ModelError",
    "ReadError",
    "aextract",
    "extract",
    "parse_letter",
    "read_text",
]
