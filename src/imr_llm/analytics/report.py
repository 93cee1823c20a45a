"""`imr-llm report`: the tables of `tables` as CSV files, a Markdown report and one self-contained
HTML page with charts, written into one folder.

The folder is new, empty, or holds an earlier report (its ``report.html`` says so): files this
tool did not write are never overwritten, and an input is never an output. Each file is written
under a temporary name and renamed when complete.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any, Optional, Sequence

from ..errors import AnalyticsError
from ._engine import connect
from .page import GENERATOR, render_html, render_markdown
from .tables import BY_YEAR, TABLES, TIDY, Report, Result, csv_text, reference_figures, run

PAGE, MARKDOWN = "report.html", "report.md"


def build(con: Any, inputs: Sequence[str], start: Optional[dt.date] = None,
          end: Optional[dt.date] = None) -> Report:
    """Every table of the report, from a connection made by `connect`."""
    results = {table.name: run(con, table) for table in TABLES}
    days = {}
    for measure in ("assigned_to_decision", "received_to_decision"):
        column = f"days_{measure}"
        rows = con.execute(f"SELECT {column} FROM letters WHERE error IS NULL AND {column} IS NOT NULL").fetchall()
        days[measure] = [row[0] for row in rows]
    return Report(list(inputs), start, end, results, run(con, BY_YEAR), reference_figures(), days)


def _check_folder(directory: Path, inputs: Sequence[str]) -> None:
    if directory.exists() and not directory.is_dir():
        raise AnalyticsError(f"{directory}: not a folder")
    ours = {PAGE, MARKDOWN, *(f"{t.name}.csv" for t in TABLES), *(f"{name}.csv" for name in TIDY)}
    page = directory / PAGE
    if directory.is_dir() and any(directory.iterdir()):
        held = page.is_file() and GENERATOR in page.read_text(encoding="utf-8", errors="replace")[:2000]
        if not held and any((directory / name).exists() for name in ours):
            raise AnalyticsError(f"{directory} holds files imr-llm report did not write: choose a new or empty folder")
    targets = {os.path.realpath(directory / name) for name in ours}
    for path in inputs:
        if os.path.realpath(path) in targets:
            raise AnalyticsError(f"{path} is an input and would be overwritten by the report: choose another folder")


def _replace(directory: Path, name: str, write: Any) -> Path:
    """``write(path)`` fills a new temporary file beside the target, then it takes the target's name."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
    os.close(descriptor)
    try:
        write(temporary)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a report is shared like any file
        os.replace(temporary, directory / name)
    except BaseException:
        os.unlink(temporary)
        raise
    return directory / name


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_csv(path: str, result: Result) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as out:  # the BOM: Excel then reads UTF-8
        out.write(csv_text(result, lineterminator="\r\n"))


def _copy_tidy(con: Any, query: str, path: str) -> None:
    """A tidy table written by DuckDB (millions of rows stream), lists as JSON, after a BOM."""
    kinds = con.execute(f"DESCRIBE {query}").fetchall()
    select = ", ".join(f"to_json({_quoted(name)})::VARCHAR AS {_quoted(name)}" if ("[]" in kind or "STRUCT" in kind)
                       else _quoted(name) for name, kind, *_ in kinds)
    descriptor, body = tempfile.mkstemp(prefix=".body.", dir=os.path.dirname(path))
    os.close(descriptor)
    try:
        con.execute("SET threads = 1")  # one thread keeps the rows in the order they were read
        con.execute(f"COPY (SELECT {select} FROM ({query})) TO '{_escape(body)}' (FORMAT csv, HEADER)")
        con.execute("RESET threads")
        with open(path, "wb") as out, open(body, "rb") as data:
            out.write("\ufeff".encode())
            while chunk := data.read(1 << 20):
                out.write(chunk)
    finally:
        if os.path.exists(body):
            os.unlink(body)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _escape(path: str) -> str:
    return path.replace("'", "''")


def write_report(paths: Sequence[str], directory: str | os.PathLike[str], *, start: Optional[dt.date] = None,
                 end: Optional[dt.date] = None) -> Report:
    """Read ``paths`` (rows of `imr-llm extract`), write the report into ``directory``; the Report."""
    folder = Path(directory)
    _check_folder(folder, paths)
    con = connect(*paths, start=start, end=end)
    report = build(con, paths, start, end)
    folder.mkdir(parents=True, exist_ok=True)
    for name, result in report.results.items():
        report.files.append(_replace(folder, f"{name}.csv", lambda path, r=result: _write_csv(path, r)))
    for name, query in TIDY.items():
        report.files.append(_replace(folder, f"{name}.csv", lambda path, q=query: _copy_tidy(con, q, path)))
    for name, render in ((MARKDOWN, render_markdown), (PAGE, render_html)):
        text = render(report)
        report.files.append(_replace(folder, name, lambda path, t=text: Path(path).write_text(t, encoding="utf-8")))
    con.close()
    return report
