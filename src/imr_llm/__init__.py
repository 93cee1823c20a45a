"""imr-llm: California workers' compensation IMR determination letters as structured data.

    >>> from imr_llm import extract
    >>> determination = extract("letter.pdf", llm=False)
"""

from .calling import ModelError
from .errors import DocumentError, LayoutError, ReadError
from .extraction import aextract, extract
from .limits import Limits
from .local import LocalServer
from .parsing import parse_letter
from .policy import JUDGEMENTS
from .pricing import Price, load_prices, usage_cost
from .reading import read_text
from .runner import Outcome, aextract_many
from .schema import Citation, Decision, Determination

__version__ = "0.1.0"

__all__ = [
    "Citation",
    "Decision",
    "Determination",
    "DocumentError",
    "JUDGEMENTS",
    "LayoutError",
    "Limits",
    "LocalServer",
    "ModelError",
    "Outcome",
    "Price",
    "ReadError",
    "aextract",
    "aextract_many",
    "extract",
    "load_prices",
    "parse_letter",
    "read_text",
    "usage_cost",
]
