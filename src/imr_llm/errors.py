"""The package's errors, all in one place; every message is one line, with no key and no traceback.

    ImrLlmError
    ├── DocumentError        one document: the batch writes it on that document's row and goes on
    │   ├── ReadError        the file cannot be read as a letter
    │   ├── LayoutError      not a layout the parser knows, or no decision in it
    │   └── TooLongError     far longer than any letter: not sent to a model
    ├── ModelError           a model call failed past its bounded retries (that document's row says so)
    │   └── AccessDenied     the endpoint refused the key (HTTP 401/403): the whole run stops
    ├── LocalModelError      the bundled local model is not installed or did not start
    ├── OutputError          OUT cannot be written, is an input, is another run's, or cannot resume
    ├── RowsError            rows cannot be read back (a file not ours, a format not known)
    ├── AnalyticsError       rows that cannot be analysed, or SQL that fails
    └── UsageError           what was asked cannot be done as asked (the CLI exits 2)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .schema import Determination


class ImrLlmError(Exception):
    """The base of every error the package raises on purpose."""


class DocumentError(ImrLlmError):
    """A document could not be turned into a Determination; the message is one line."""


class ReadError(DocumentError):
    """The file could not be read as a letter (missing, unreadable, no text layer, ...)."""


class LayoutError(DocumentError):
    """The text is not in a layout the deterministic parser knows, or holds no decision."""


class TooLongError(DocumentError):
    """The text is far longer than any IMR letter: not sent to a model (the parser still reads it)."""


class ModelError(ImrLlmError):
    """A model call failed for good: transport retries or validation re-asks ran out.

    ``last_answer`` is the model's last answer as raw JSON when it answered but failed
    validation (the caller may salvage the fields that do hold), else None. ``transport``: the
    failure was the connection's or the server's, not the answer's. ``partial``: what the parser
    read of the letter (its fields stand, the model's are left empty), when the layout is one it
    knows; `extract` sets it.
    """

    def __init__(self, message: str, last_answer: Optional[str] = None, transport: bool = False) -> None:
        super().__init__(message)
        self.last_answer = last_answer
        self.transport = transport
        self.partial: Optional[Determination] = None


class AccessDenied(ModelError):
    """The endpoint refused the key or the model (HTTP 401 or 403). Every other letter would be
    refused too, so a run stops at the first one instead of failing each letter in turn."""


class LocalModelError(ImrLlmError, RuntimeError):
    """The local model could not be started (not installed, or its server did not come up).
    Also a RuntimeError, as it was before it moved here."""


class OutputError(ImrLlmError):
    """OUT cannot be written (or is an input, or another run writes it), read back for resuming, or
    its format needs what is not installed; the message is one line."""


class RowsError(ImrLlmError):
    """Rows that cannot be read back: a file that is not rows of ``imr-llm extract``, or a format
    that is not JSON Lines, CSV or Parquet."""


class AnalyticsError(ImrLlmError):
    """Rows that cannot be analysed (a missing file, a foreign Parquet, no report extra) or SQL that
    fails; the message is one line."""


class UsageError(ImrLlmError, ValueError):
    """What was asked cannot be done as asked: an unknown prompt or policy, a model with no key for
    OpenAI's endpoint, an output format not known, options that contradict each other. The CLI
    prints it once and exits 2. Also a ValueError, as these were before."""
