"""`imr-llm`: a thin command line over the library. Only this module prints.

Exit status: 0 every document extracted, 1 one or more documents failed (their rows say why),
2 a usage error (bad arguments, unwritable output).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from .errors import DocumentError
from .extraction import extract
from .writing import result_row, write_csv, write_jsonl

SUFFIXES = (".pdf", ".txt")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imr-llm",
        description="Turn California workers' compensation IMR determination letters into structured data.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    extract = commands.add_parser(
        "extract",
        help="extract case and decision objects from letters",
        description="Extract one Determination per letter (PDF or text). Folders are searched recursively "
        "for .pdf and .txt files. Output: JSON Lines, one object per document, or CSV with one row per "
        "decision when OUT ends in .csv. Exit status: 0 all documents extracted, 1 some failed (see their "
        "'error' field), 2 usage error.",
    )
    extract.add_argument("paths", nargs="+", metavar="PATH", help="letter files or folders")
    extract.add_argument(
        "-o", "--output", metavar="OUT", help="output file (.jsonl or .csv); default: JSON Lines on stdout"
    )
    extract.add_argument(
        "--no-llm", action="store_true", help="parser only: no model, no network (the only mode for now)"
    )
    extract.add_argument(
        "--include-text", action="store_true", help="include each letter's text (what the spans index) in JSON output"
    )
    return parser


def iter_documents(paths: Sequence[str]) -> Iterator[str]:
    """Files named, and .pdf/.txt files below folders named, in a stable order; missing paths too
    (they become error rows, so that nothing asked for is silently dropped)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            yield from (str(p) for p in found)
        else:
            yield raw


def _extract_rows(paths: Sequence[str], include_text: bool, failures: list[str]) -> Iterator[dict[str, Any]]:
    for source in iter_documents(paths):
        try:
            determination, error = extract(Path(source)), None
        except DocumentError as exc:
            determination, error = None, str(exc)
        except Exception as exc:  # a bug must cost one document, never the batch
            determination, error = None, f"internal error: {type(exc).__name__}: {exc}".splitlines()[0]
        if error:
            failures.append(source)
        yield result_row(source, determination, error, include_text=include_text)


def _run_extract(args: argparse.Namespace) -> int:
    failures: list[str] = []
    rows = _extract_rows(args.paths, args.include_text, failures)
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    try:
        if args.output:
            write = write_csv if args.output.lower().endswith(".csv") else write_jsonl
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                write(counted(), out)
        else:
            write_jsonl(counted(), sys.stdout)
    except OSError as exc:
        print(f"imr-llm: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"imr-llm: {count} documents, {len(failures)} failed", file=sys.stderr)
    return 1 if failures else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "extract":
        return _run_extract(args)
    return 2  # pragma: no cover - argparse rejects unknown commands first


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
