from pathlib import Path

import pytest

from imr_llm import ReadError, read_text
from imr_llm.reading import looks_like_path, normalize_text


def test_dev_pdf_opens_despite_empty_password_encryption(dev_dir):
    text = read_text(dev_dir / "CM16-0224814.pdf")
    assert text.startswith("Case Number: CM16-0224814")
    assert "\r" not in text and "\ufffe" not in text


def test_a_string_with_newlines_is_the_letter_itself():
    assert read_text("IMR ISSUES\r\nline two") == "IMR ISSUES\nline two"


def test_pdfium_hyphen_marker_becomes_a_hyphen():
    assert normalize_text("non\ufffecertified\r\n") == "non-certified\n"


def test_what_counts_as_a_path():
    assert looks_like_path(Path("letter"))
    assert looks_like_path("letters/CM16-0224814.PDF")
    assert not looks_like_path("Physical therapy x 12: Upheld\nClaims Administrator guideline:")


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("blank.txt", b"  \n\n ", "holds no text"),
        ("noise.pdf", b"\x00\x01 definitely not a pdf", "not a readable PDF"),
        ("truncated.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", "not a readable PDF"),
        ("image.pdf", b"\x89PNG\r\n", "no %PDF header"),
    ],
)
def test_unreadable_documents_raise_a_one_line_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError, match=reason) as caught:
        read_text(path)
    assert "\n" not in str(caught.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        read_text(tmp_path / "absent.pdf")
    with pytest.raises(ReadError, match="is a folder"):
        read_text(tmp_path)


def test_the_bytes_decide_not_the_name(tmp_path, dev_dir):
    renamed = tmp_path / "CM16-0224814.txt"
    renamed.write_bytes((dev_dir / "CM16-0224814.pdf").read_bytes())
    assert read_text(renamed) == read_text(dev_dir / "CM16-0224814.pdf")


def test_windows_1252_text_is_read(tmp_path):
    path = tmp_path / "letter.txt"
    path.write_bytes("Flector 1.3% \u2013 patch".encode("cp1252"))
    assert read_text(path) == "Flector 1.3% \u2013 patch"


def _blank_pdf(path: Path, password: str = "") -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    writer.write(path)
    return path


def test_pdf_with_a_real_password(tmp_path):
    with pytest.raises(ReadError, match="protected by a password"):
        read_text(_blank_pdf(tmp_path / "locked.pdf", password="secret"))


def test_pdf_with_no_text_layer(tmp_path):
    with pytest.raises(ReadError, match="no text layer"):
        read_text(_blank_pdf(tmp_path / "scanned.pdf"))


def test_a_fifo_or_a_device_is_refused_without_being_opened(tmp_path):
    import os

    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)  # opening it would wait for a writer forever
    with pytest.raises(ReadError, match="not a regular file"):
        read_text(fifo)
    with pytest.raises(ReadError, match="not a regular file"):
        read_text(Path("/dev/zero"))  # reading it would never end


def test_a_file_larger_than_any_letter_is_not_read(tmp_path, monkeypatch):
    import imr_llm.reading as reading

    monkeypatch.setattr(reading, "MAX_BYTES", 1000)
    big = tmp_path / "big.txt"
    big.write_text("x" * 1001)
    with pytest.raises(ReadError, match="more than any letter"):
        read_text(big)


def test_named_on_the_command_line_a_fifo_is_an_error_row_and_the_batch_goes_on(tmp_path, capsys):
    import json
    import os

    from conftest import seed

    from imr_llm.cli import main

    os.mkfifo(tmp_path / "fifo.txt")
    assert main(["extract", str(tmp_path / "fifo.txt"), "/dev/zero", str(seed("000")), "--no-llm"]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["error"] is None for row in rows] == [False, False, True]


def test_a_pdf_behind_a_bom_or_junk_is_still_a_pdf(tmp_path, dev_dir):
    pdf = sorted(dev_dir.glob("*.pdf"))[0].read_bytes()
    expected = read_text(sorted(dev_dir.glob("*.pdf"))[0])
    for prefix in (b"\xef\xbb\xbf", b"X-Mailer: gateway\r\n\r\n"):
        (tmp_path / "a.pdf").write_bytes(prefix + pdf)
        assert read_text(tmp_path / "a.pdf") == expected


def test_utf16_without_a_bom_is_text_not_binary(tmp_path):
    text = "Case Number: CM16-0000001\nDecision Date: 01/06/2017\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        (tmp_path / "a.txt").write_bytes(text.encode(encoding))
        assert read_text(tmp_path / "a.txt") == text


def test_a_bad_pdf_after_another_gets_its_own_reason_not_pdfiums_leftover(tmp_path, dev_dir):
    pdf = sorted(dev_dir.glob("*.pdf"))[0].read_bytes()
    (tmp_path / "cut.pdf").write_bytes(pdf[: len(pdf) // 2])
    (tmp_path / "junk.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 100 + b"\n%%EOF\n")
    reasons = []
    for name in ("cut.pdf", "junk.pdf", "cut.pdf"):
        with pytest.raises(ReadError) as caught:
            read_text(tmp_path / name)
        reasons.append(str(caught.value))
    assert reasons[0] == reasons[2] == "not a readable PDF: truncated (it has no end-of-file marker)"
    assert reasons[1] == "not a readable PDF: damaged (PDFium cannot open it)"
    assert not any("Success" in r or "PDFium:" in r for r in reasons)


def test_an_error_that_quotes_a_file_name_with_a_newline_is_one_line(tmp_path):
    from imr_llm.writing import result_row

    row = result_row(str(tmp_path / "two\nlines.pdf"), None, f"no such file: {tmp_path}/two\nlines.pdf")
    assert "\n" not in row["error"]


def test_pdfs_read_from_several_threads_at_once_read_as_from_one(dev_dir):
    """PDFium is not thread-safe: reading is serialised, so threads get each letter's own text."""
    from concurrent.futures import ThreadPoolExecutor

    pdfs = sorted(dev_dir.glob("*.pdf"))[:12]
    alone = [read_text(pdf) for pdf in pdfs]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(read_text, pdfs * 3)) == alone * 3
