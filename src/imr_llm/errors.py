"""The package's errors. Most belong to one document: the batch reports them on that document's row
and goes on; `AnalyticsError` belongs to a whole analysis (rows it cannot read, SQL that fails)."""

from __future__ import annotations


class DocumentError(Exception):
    """A document could not be turned into a Determination; the message is one line."""


class ReadError(DocumentError):
    """The file could not be read as a letter (missing, unreadable, no text layer, ...)."""


class LayoutError(DocumentError):
    """The text is not in a layout the deterministic parser knows, or holds no decision."""


class TooLongError(DocumentError):
    """The text is far longer than any IMR letter: not sent to a model (the parser still reads it)."""


class OutputError(Exception):
    """OUT cannot be written (or is an input, or another run writes it), read back for resuming, or
    its format needs what is not installed; the message is one line."""


class AnalyticsError(Exception):
    """Rows that cannot be analysed (a missing file, a foreign Parquet, no report extra) or SQL that
    fails; the message is one line."""
