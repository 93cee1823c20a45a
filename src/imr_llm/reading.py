"""Stage 1, read: a path to a PDF or text file, or a string of text, becomes the letter's text.

The text returned here is the one every span indexes, so all normalisation happens here and
nowhere later: line ends become ``\\n``, and PDFium's marker for a hyphen it joined at a line
break becomes ``-``.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import threading
from pathlib import Path
from typing import Optional, Union

from .errors import ReadError

Source = Union[str, "os.PathLike[str]"]

SUFFIXES = (".pdf", ".txt")
# The largest of the 94 dev PDFs is 101 KB; a scanned 40-page letter could reach 20 MB.
# Past this a file is not read at all (a device such as /dev/zero never ends).
MAX_BYTES = 50 * 2**20

# PDFium writes U+FFFE where a word was hyphenated across a line ("non\ufffecertified").
# Chained str.replace: several times faster than str.translate on these mostly-ASCII texts.
_REPLACEMENTS = (("\r\n", "\n"), ("\r", "\n"), ("\ufffe", "-"), ("\x00", ""), ("\f", "\n"), ("\u00a0", " "))
# Other extractors (pypdf) keep such a hyphen and break the line after it: the same word, one form.
_HYPHEN_AT_LINE_END = re.compile(r"(?<=[a-z])-[ \t]*\n[ \t]*(?=[a-z])")


def normalize_text(text: str) -> str:
    """The one text form the parser and the spans use: ``\\n`` line ends, no control marks, a word
    hyphenated across a line written "sprain-strain" whichever library extracted it."""
    for old, new in _REPLACEMENTS:
        text = text.replace(old, new)
    return _HYPHEN_AT_LINE_END.sub("-", text) if "-\n" in text or "- \n" in text else text


def looks_like_path(source: Source) -> bool:
    """A ``Path`` always; a ``str`` when it is one line naming a ``.pdf`` or ``.txt`` file."""
    if isinstance(source, os.PathLike):
        return True
    return "\n" not in source and source.strip().lower().endswith(SUFFIXES)


def read_text(source: Source) -> str:
    """The normalised text of ``source``: a path to a ``.pdf``/``.txt`` file, or the text itself."""
    if not looks_like_path(source):
        return normalize_text(str(source))
    path = Path(source)
    return text_of_bytes(read_letter_bytes(path), path.suffix)


def text_of_bytes(data: bytes, suffix: str) -> str:
    """The normalised text of a letter file's bytes (``suffix``: the file's, ``.pdf`` or ``.txt``)."""
    # The bytes decide, not the name: a PDF saved as .txt is still read as a PDF. Readers accept
    # the header anywhere in the first 1,024 bytes (after a BOM or a mail gateway's junk), as PDFium does.
    is_pdf = b"%PDF-" in data[:1024]
    if is_pdf:
        text = _read_pdf(data)
    elif suffix.lower() == ".pdf":
        raise ReadError("not a readable PDF (no %PDF header)")
    else:
        text = _decode(data)
    text = normalize_text(text)
    if not text.strip():
        scanned = " (a scanned PDF with no text layer?)" if is_pdf else ""
        raise ReadError(f"the document holds no text{scanned}")
    return text


def read_letter_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most `MAX_BYTES`; a folder, a FIFO, a device (which would
    hang or never end) or a larger file is a ReadError, found out before the file is opened."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ReadError(f"no such file: {path}") from None
    except OSError as exc:
        raise ReadError(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ReadError(f"{path} is a folder, not a letter")
    if not stat.S_ISREG(info.st_mode):
        raise ReadError(f"{path} is not a regular file (a pipe, socket or device)")
    if info.st_size > MAX_BYTES:
        raise ReadError(f"{path} is {info.st_size:,} bytes, more than any letter ({MAX_BYTES:,} at most)")
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)  # the file may have grown since it was looked at
    except OSError as exc:
        raise ReadError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise ReadError(f"{path} is more than {MAX_BYTES:,} bytes, more than any letter")
    return data


def content_hash(path: Union[str, Path]) -> Optional[str]:
    """SHA-256 of a letter file's bytes (a renamed copy has the same; what `--resume` and the rows'
    ``sha256`` key on), None when it cannot be read as a letter (missing, a FIFO, a device)."""
    try:
        return hashlib.sha256(read_letter_bytes(Path(path))).hexdigest()
    except ReadError:
        return None


def read_letter_file(path: Path) -> tuple[str, str]:
    """(SHA-256 of its bytes, its text), from one read of the file: the hash is of the very bytes
    parsed (a file changed between two reads would otherwise pair one's hash with the other's text)."""
    data = read_letter_bytes(path)
    return hashlib.sha256(data).hexdigest(), text_of_bytes(data, path.suffix)


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Notepad's "Unicode": UTF-16 with its byte-order mark
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ReadError("text marked UTF-16 is not valid UTF-16") from None
    if data.count(b"\x00") > len(data) // 100:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        raise ReadError("binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Letters saved from Word on Windows: cp1252 is the one other encoding seen in practice.
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ReadError(f"text is neither UTF-8 nor Windows-1252 (byte {exc.start})") from None


def _utf16_without_bom(data: bytes) -> Optional[str]:
    """Text saved as UTF-16 with no byte-order mark: one byte of every pair is NUL (for Latin text)."""
    if len(data) % 2:
        return None
    for encoding, zeros in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
        if zeros.count(0) >= 0.9 * len(zeros):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _pdf_failure(data: bytes, message: str) -> str:
    """Why PDFium would not open ``data``, from the bytes themselves: PDFium's own error text can be
    left over from an earlier document ("Failed to load document (PDFium: Success)")."""
    if b"/Encrypt" in data and "password" in message.lower():
        return "the PDF is protected by a password"
    if b"%%EOF" not in data[-2048:]:
        return "not a readable PDF: truncated (it has no end-of-file marker)"
    return "not a readable PDF: damaged (PDFium cannot open it)"


# PDFium is not thread-safe, and a caller may read letters from threads (asyncio.to_thread, a pool).
_PDFIUM = threading.Lock()


def _read_pdf(data: bytes) -> str:
    with _PDFIUM:
        return _read_pdf_unlocked(data)


def _read_pdf_unlocked(data: bytes) -> str:
    import pypdfium2 as pdfium  # imported here so that `imr-llm --help` stays fast

    try:
        # The DWC's PDFs are AES-encrypted with an empty user password; PDFium opens them as is.
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReadError(_pdf_failure(data, str(exc))) from None
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n".join(pages)
    finally:
        pdf.close()
