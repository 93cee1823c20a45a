"""`imr-llm`: a thin command line over the library. Only this module prints.

Exit status: 0 every document extracted, 1 one or more documents failed (their rows say why),
2 a usage error (bad arguments, unknown prompt, unwritable output, local model not installed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from .calling import ModelError
from .errors import DocumentError
from .extraction import extract
from .local import LocalModelError
from .prompting import load_prompt
from .writing import result_row, write_csv, write_jsonl, write_table

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
        "--no-llm", action="store_true", help="parser only: no model, no network (the default when no model is set)"
    )
    extract.add_argument(
        "--model", metavar="M", help="model name; 'local' serves the bundled SmolLM2-135M (default: $IMR_LLM_MODEL)"
    )
    extract.add_argument(
        "--base-url", metavar="U", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL, else OpenAI)"
    )
    extract.add_argument("--prompt", metavar="P", help="prompt template name or .md file (default: segmented-v1)")
    extract.add_argument(
        "--max-retries", type=int, metavar="N", help="transport retries and validation re-asks per call (default: 2)"
    )
    extract.add_argument("--timeout", type=float, metavar="S", help="seconds per model request (default: 120)")
    extract.add_argument(
        "--include-text", action="store_true", help="include each letter's text (what the spans index) in JSON output"
    )
    extract.add_argument(
        "--table", action="store_true", help="print a short table on stdout (with -o, the file is written too)"
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


def _extract_rows(args: argparse.Namespace, failures: list[str]) -> Iterator[dict[str, Any]]:
    options = {
        "llm": False if args.no_llm else None, "model": args.model, "base_url": args.base_url,
        "prompt": args.prompt, "max_retries": args.max_retries, "timeout": args.timeout,
    }
    for source in iter_documents(args.paths):
        try:
            determination, error = extract(Path(source), **options), None
        except (DocumentError, ModelError) as exc:
            determination, error = None, str(exc)
        except Exception as exc:  # a bug must cost one document, never the batch
            determination, error = None, f"internal error: {type(exc).__name__}: {exc}".splitlines()[0]
        if error:
            failures.append(source)
        yield result_row(source, determination, error, include_text=args.include_text)


def _run_extract(args: argparse.Namespace) -> int:
    if args.prompt and not args.no_llm:
        try:
            load_prompt(args.prompt)
        except ValueError as exc:
            print(f"imr-llm: {exc}", file=sys.stderr)
            return 2
    failures: list[str] = []
    rows = _extract_rows(args, failures)
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
                write(_tee_table(counted()) if args.table else counted(), out)
        elif args.table:
            write_table(counted(), sys.stdout)
        else:
            write_jsonl(counted(), sys.stdout)
    except BrokenPipeError:  # stdout closed early (| head): stop quietly, as Unix tools do
        sys.stderr.close()
        return 1
    except OSError as exc:
        print(f"imr-llm: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except LocalModelError as exc:
        print(f"imr-llm: {exc}", file=sys.stderr)
        return 2
    print(f"imr-llm: {count} documents, {len(failures)} failed", file=sys.stderr)
    return 1 if failures else 0


def _tee_table(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Pass rows on to the file writer while printing each as table lines."""
    write_table([], sys.stdout)  # the header line
    for row in rows:
        write_table([row], sys.stdout, header=False)
        yield row


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "extract":
        return _run_extract(args)
    return 2  # pragma: no cover - argparse rejects unknown commands first


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
