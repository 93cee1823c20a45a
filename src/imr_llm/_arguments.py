"""The command line's arguments: every command, option and help text, and the checks argparse
makes of numbers and dates. `cli` runs what they ask for."""

from __future__ import annotations

import argparse
import datetime as dt
import math
from typing import Callable

from . import __version__
from .policy import DEFAULT_JUDGEMENT, JUDGEMENTS
from .prompting import DEFAULT_PROMPT


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The top-level parser, and each command's own by name ("extract", "batch prepare", ...)."""
    parser = argparse.ArgumentParser(
        prog="imr-llm",
        description="Turn California workers' compensation IMR determination letters into structured data.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log to stderr: -v what happens (requests, retries), -vv everything (debug)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    extract = commands.add_parser(
        "extract",
        help="extract case and decision objects from letters",
        description="Extract one Determination per letter (PDF or text). Folders are searched recursively "
        "for .pdf and .txt files. Output: JSON Lines, one object per document, or one row per decision when "
        "OUT ends in .csv or .parquet. Exit status: 0 all documents extracted, 1 some failed (see their "
        "'error' field), 2 usage error.",
    )
    extract.add_argument("paths", nargs="+", metavar="PATH", help="letter files or folders")
    extract.add_argument(
        "-o", "--output", metavar="OUT",
        help="output file by extension: .jsonl (default), .csv, .parquet; default: JSON Lines on stdout"
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
    extract.add_argument("--prompt", metavar="P", help=f"prompt template name or .md file (default: {DEFAULT_PROMPT})")
    extract.add_argument(
        "--judgement", choices=JUDGEMENTS, default=DEFAULT_JUDGEMENT,
        help="who wins on category, subcategory, reasons and diagnoses: 'parser' (default: its rule-based "
        "answers stand, the model fills what it left open, disagreements are warnings) or 'model' (the model's "
        "grounded answers)",
    )
    extract.add_argument(
        "--max-retries", type=_at_least(0), metavar="N",
        help="transport retries and validation re-asks per call (default: 2)"
    )
    extract.add_argument("--timeout", type=_positive, metavar="S", help="seconds per model request (default: 120)")
    extract.add_argument(
        "--include-text", action="store_true", help="include each letter's text (what the spans index) in JSON output"
    )
    extract.add_argument(
        "--table", action="store_true",
        help="print a short table on stdout instead of JSON Lines (with -o, the file is written too)"
    )
    extract.add_argument("--concurrency", type=_at_least(1), metavar="N",
                         help="documents and model requests in flight at most (default: 32 with a model "
                         "endpoint, which --rpm/--tpm keep within its limits; 8 for --model local and the parser)")
    extract.add_argument("--workers", type=_at_least(1), metavar="N",
                         help="processes parsing at once, for the parser alone (default: one per core when more "
                         "than 20 letters are parsed with no model (200 where processes cannot be forked), "
                         "else 1)")
    extract.add_argument("--rpm", type=_positive, metavar="R", help="model requests per minute at most")
    extract.add_argument("--tpm", type=_positive, metavar="T", help="model tokens per minute at most (estimated ahead)")
    extract.add_argument("--resume", action="store_true",
                         help="keep the documents OUT already holds (by content hash) and append the rest; "
                         "documents that failed are tried again")
    extract.add_argument("--prices", metavar="FILE",
                         help="a TOML price table added to the built-in one, for the cost in the summary")

    batch = commands.add_parser(
        "batch", help="hand the model calls to a batch engine (OpenAI Batch API, vLLM run_batch)",
        description="Scale-out: 'prepare' writes Batch API request lines (and a manifest beside them), the "
        "engine runs them, 'collect' checks its answers and writes the contract rows.",
    )
    steps = batch.add_subparsers(dest="step", required=True, metavar="STEP")
    prepare = steps.add_parser("prepare", help="write Batch API requests for letters",
                               description="One request line per model call; REQUESTS.manifest.jsonl beside it "
                               "lists the letters (path, content hash, calls). Exit 1 if some letters failed.")
    prepare.add_argument("paths", nargs="+", metavar="PATH", help="letter files or folders")
    prepare.add_argument("-o", "--output", required=True, metavar="REQUESTS", help="requests file (.jsonl)")
    prepare.add_argument("--model", required=True, metavar="M", help="the model the engine will run")
    prepare.add_argument("--prompt", default=DEFAULT_PROMPT, metavar="P", help=f"prompt (default: {DEFAULT_PROMPT})")
    collect = steps.add_parser("collect", help="turn a batch's results into contract rows",
                               description="Reads REQUESTS, its manifest and RESULTS; writes one row per letter "
                               "(by OUT's extension), errors included. Exit 1 if some letters failed.")
    collect.add_argument("requests", metavar="REQUESTS", help="the file 'batch prepare' wrote")
    collect.add_argument("results", metavar="RESULTS", help="the engine's output file (.jsonl)")
    collect.add_argument("-o", "--output", metavar="OUT", help="output file (.jsonl, .csv, .parquet); default: stdout")
    collect.add_argument("--include-text", action="store_true", help="include each letter's text in JSON output")
    collect.add_argument("--judgement", choices=JUDGEMENTS, default=DEFAULT_JUDGEMENT,
                         help="who wins on judgement fields: 'parser' (default) or 'model' (see extract --help)")

    review = commands.add_parser(
        "review", help="one HTML page to check results by eye",
        description="One self-contained page: an index of the letters (outcome, decisions, warnings and errors, "
        "parser/model disagreements), then each letter's text with every decision's item and rationale "
        "highlighted, the fields beside it, each warning at the field it concerns. Letters are read again from "
        "their source path unless the rows hold text; a letter whose file is gone or changed since is not shown. "
        "Exit status: 0 every letter shown and none with an error (warnings may remain), 1 some letter has an "
        "error or cannot be shown, 2 usage error (rows not readable, page not writable).",
    )
    review.add_argument("results", metavar="ROWS",
                        help="rows written by 'imr-llm extract' (.jsonl, .csv or .parquet)")
    review.add_argument("-o", "--output", required=True, metavar="HTML", help="the page to write")
    review.add_argument("--only-problems", action="store_true",
                        help="only the letters to check, worst first: errors, letters not shown, parser/model "
                        "disagreements, other warnings")

    rows_help = "files written by 'imr-llm extract' (.jsonl, .csv, .parquet; any mix; a letter twice counts once)"
    query = commands.add_parser(
        "query", help="SQL over extracted rows (DuckDB)",
        description="Runs one SQL statement over the views letters, decisions, citations, reasons, diagnoses, "
        "specialties and licensure_states, and prints the result. Needs the report extra. Exit status 2 for an "
        "error in the SQL or the rows.",
    )
    query.add_argument("paths", nargs="+", metavar="ROWS", help=rows_help)
    query.add_argument("sql", metavar="SQL", help="the statement, e.g. \"SELECT category, count(*) FROM decisions "
                       "GROUP BY ALL\"")
    query.add_argument("--csv", action="store_true", help="print CSV instead of a table")

    report = commands.add_parser(
        "report", help="the DWC's tables and charts from extracted rows",
        description="Writes DIR/report.html (one self-contained page with charts), DIR/report.md and one CSV per "
        "table (UTF-8 with a byte-order mark, shares as fractions 0-1). Needs the report extra.",
    )
    report.add_argument("paths", nargs="+", metavar="ROWS", help=rows_help)
    report.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder to write (new, empty, or "
                        "an earlier report's)")
    report.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD",
                        help="keep letters decided on or after this date")
    report.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD",
                        help="keep letters decided on or before this date")
    parser.add_argument("--version", action="version", version=f"imr-llm {__version__}")
    named = {"extract": extract, "batch prepare": prepare, "batch collect": collect, "review": review,
             "query": query, "report": report}
    for command in named.values():  # -v after the command as well as before it
        command.add_argument("-v", "--verbose", dest="verbose_after", action="count", default=0,
                             help="log to stderr (as imr-llm -v)")
    return parser, {"": parser, "batch": batch, **named}


def _positive(text: str) -> float:
    """A number above 0 and finite (argparse's float takes "nan", "inf" and -5)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number above 0, not {text!r}")
    return value


def _at_least(low: int) -> Callable[[str], int]:
    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"must be a whole number, {low} or more, not {text!r}")
        return value

    return whole


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
