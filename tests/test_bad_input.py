"""Bad input: each bad document gets an error row with a one-line reason; the rest of the batch is done."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import seed
from test_reading import _blank_pdf

from imr_llm.cli import main

REASONS = {
    "empty.txt": "the document holds no text",
    "blank.txt": "the document holds no text",
    "noise.pdf": "not a readable PDF (no %PDF header)",
    "truncated.pdf": "not a readable PDF",
    "locked.pdf": "the PDF is protected by a password",
    "scanned.pdf": "the document holds no text (a scanned PDF with no text layer?)",
    "grocery.txt": "unknown layout",
    "binary.txt": "binary data, not text",
    "huge.txt": "unknown layout",
    "deeper/nested/also-not.txt": "unknown layout",
    "gone.pdf": "no such file",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory, dev_dir):
    folder = tmp_path_factory.mktemp("bad")
    (folder / "deeper" / "nested").mkdir(parents=True)
    shutil.copy(seed("000"), folder / "good.txt")
    shutil.copy(dev_dir / "CM16-0224814.pdf", folder / "deeper" / "good.pdf")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_text(" \n\t\n")
    (folder / "noise.pdf").write_bytes(bytes(range(256)) * 40)
    (folder / "truncated.pdf").write_bytes((dev_dir / "CM16-0224814.pdf").read_bytes()[:3000])
    _blank_pdf(folder / "locked.pdf", password="secret")
    _blank_pdf(folder / "scanned.pdf")
    (folder / "grocery.txt").write_text("Milk, eggs, bread.\n")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 1000)
    (folder / "huge.txt").write_text(("All work and no play makes a dull letter. " * 24 + "\n") * 20_000)  # 20 MB
    (folder / "deeper" / "nested" / "also-not.txt").write_text("Dear Sir,\nThank you.\n")
    (folder / "deeper" / "image.png").write_bytes(b"\x89PNG\r\n")  # not a letter's extension: not picked up
    return folder


def test_every_bad_document_gets_its_reason_and_the_good_ones_are_done(folder, capsys):
    assert (folder / "huge.txt").stat().st_size > 20_000_000
    status = main(["extract", str(folder), str(folder / "gone.pdf"), "--no-llm"])
    captured = capsys.readouterr()
    rows = {row["source"].removeprefix(str(folder) + "/"): row for row in map(json.loads, captured.out.splitlines())}
    assert status == 1
    assert set(rows) == set(REASONS) | {"good.txt", "deeper/good.pdf"}
    for name, reason in REASONS.items():
        error = rows[name]["error"]
        assert error.startswith(reason), (name, error)
        assert "\n" not in error and "Traceback" not in error
    assert rows["good.txt"]["error"] is None and rows["deeper/good.pdf"]["error"] is None
    assert len(rows["deeper/good.pdf"]["decisions"]) >= 1
    assert f"{len(REASONS) + 2} documents, {len(REASONS)} failed" in captured.err
    assert "Traceback" not in captured.err


def test_a_utf16_letter_is_read(tmp_path, capsys):
    (tmp_path / "unicode.txt").write_bytes(seed("000").read_text().encode("utf-16"))
    assert main(["extract", str(tmp_path / "unicode.txt")]) == 0
    assert json.loads(capsys.readouterr().out)["decisions"][0]["item"] == "Physical therapy x 12"


def test_a_text_far_longer_than_a_letter_is_not_sent_to_a_model(tmp_path, capsys):
    letter = seed("000").read_text()
    (tmp_path / "long.txt").write_text(letter + "Decision rationale continues.\n" * 20_000)
    status = main(["extract", str(tmp_path / "long.txt"), "--model", "some-model", "--base-url", "http://127.0.0.1:9/v1"])
    row = json.loads(capsys.readouterr().out)
    assert status == 1 and "far longer than an IMR letter" in row["error"]


def test_exit_status_two_for_usage_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["extract", str(seed("000")), "--concurrency", "0"])
    assert caught.value.code == 2 and "--concurrency: must be a whole number, 1 or more" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["extract", "--no-such-flag", "x"])
    assert caught.value.code == 2


@pytest.mark.parametrize("option", [["--timeout", "0"], ["--timeout", "-5"], ["--timeout", "nan"],
                                    ["--max-retries", "-1"], ["--rpm", "nan"], ["--tpm", "inf"],
                                    ["--concurrency", "0"]])
def test_numbers_out_of_range_are_usage_errors(option, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["extract", str(seed("000")), *option])
    assert caught.value.code == 2 and f"argument {option[0]}: must be" in capsys.readouterr().err
