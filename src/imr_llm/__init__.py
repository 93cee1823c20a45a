"""imr-llm: California workers' compensation IMR determination letters as structured data.

    >>> from imr_llm import extract
    >>> determination = extract("letter.pdf", llm=False)
"""

from .errors import (
    AccessDenied,
    AnalyticsError,
    DocumentError,
    ImrLlmError,
    LayoutError,
    LocalModelError,
    ModelError,
    OutputError,
    ReadError,
    RowsError,
    TooLongError,
    UsageError,
)
from .extraction import aextract, extract
from .limits import Limits
from .local import LocalServer
from .options import ExtractOptions
from .parsing import parse_letter
from .policy import JUDGEMENTS
from .pricing import Price, load_prices, usage_cost
from .prompting import DEFAULT_PROMPT, available_prompts
from .reading import read_text
from .runner import Outcome, aextract_many
from .schema import Citation, Decision, Determination

__version__ = "0.1.0"

__all__ = [
    "AccessDenied",
    "AnalyticsError",
    "Citation",
    "Decision",
    "DEFAULT_PROMPT",
    "Determination",
    "DocumentError",
    "ExtractOptions",
    "ImrLlmError",
    "JUDGEMENTS",
    "LayoutError",
    "Limits",
    "LocalModelError",
    "LocalServer",
    "ModelError",
    "Outcome",
    "OutputError",
    "Price",
    "ReadError",
    "RowsError",
    "TooLongError",
    "UsageError",
    "aextract",
    "aextract_many",
    "available_prompts",
    "extract",
    "load_prices",
    "parse_letter",
    "read_text",
    "usage_cost",
]
