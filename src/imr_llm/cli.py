"""`imr-llm`: a thin command line over the library. Only this module prints.

Exit status: 0 every document extracted, 1 one or more documents failed (their rows say why),
2 a usage error (bad arguments, unknown prompt, unwritable output, local model not installed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import math
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from .errors import AnalyticsError
from .guards import refuse_inputs
from .limits import Limits
from .local import LocalModelError
from .outputs import Nowhere, OutputError, open_output, output_format
from .policy import DEFAULT_JUDGEMENT, JUDGEMENTS
from .pricing import load_prices, usage_cost
from .prompting import DEFAULT_PROMPT, load_prompt
from .results import is_row, json_lines
from .runner import aextract_many
from .writing import json_line, printable, result_row, write_table

SUFFIXES = (".pdf", ".txt")


def _parser() -> argparse.ArgumentParser:
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
    extract.add_argument("--concurrency", type=_at_least(1), default=8, metavar="N",
                         help="documents and model requests in flight at most (default: 8)")
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
        description="Each letter's text with every decision's item and rationale highlighted, the fields "
        "beside it, warnings flagged. Letters are read again from their source path unless the rows hold text.",
    )
    review.add_argument("results", metavar="OUT.jsonl", help="rows written by 'imr-llm extract' (JSON Lines)")
    review.add_argument("-o", "--output", required=True, metavar="HTML", help="the page to write")

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
    return parser


def _positive(text: str) -> float:
    """A number above 0 and finite (argparse's float takes "nan", "inf" and -5)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number above 0, not {text!r}")
    return value


def _at_least(low: int) -> Any:
    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"must be a whole number, {low} or more, not {text!r}")
        return value

    return whole


def _say(message: str) -> None:
    """A message on stderr, with any terminal control characters (an ESC in a file name or in a
    letter's text) taken out: what the tool prints can never drive the terminal."""
    print(printable(message, keep_newlines=True), file=sys.stderr)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


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


@dataclass
class _Tally:
    documents: int = 0
    skipped: int = 0
    failed: int = 0
    decisions: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Optional[float] = 0.0
    unpriced: set = field(default_factory=set)


def _run_extract(args: argparse.Namespace) -> int:
    if args.prompt and not args.no_llm:
        try:
            load_prompt(args.prompt)
        except ValueError as exc:
            _say(f"imr-llm: {exc}")
            return 2
    try:
        limits = Limits(args.concurrency, args.rpm, args.tpm)
        prices = load_prices(args.prices)
        refuse_inputs(args.output, args.paths)  # before OUT is opened: "w" would empty an input
        if sys.stdout is None and (args.table or not args.output):
            raise OutputError("standard output is closed: give -o OUT")
        # --table alone prints the table alone: JSON Lines between its lines would be unreadable.
        output = Nowhere() if args.table and not args.output and not args.resume else \
            open_output(args.output, resume=args.resume)
    except (ValueError, OutputError) as exc:
        _say(f"imr-llm: {exc}")
        return 2
    sources = list(iter_documents(args.paths))
    tally, started = _Tally(), time.monotonic()
    progress = _progress_bar(len(sources))
    try:
        asyncio.run(_extract_all(args, sources, limits, prices, output, tally, progress))
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM/SIGHUP turned into the same (_Signalled)
        output.close()
        where = "; run the same command with --resume to finish" if args.output else ""
        if args.output and output_format(args.output) == "parquet":
            where = f"; {args.output} holds the letters done (Parquet does not resume: write .jsonl to resume)"
        what = "interrupted" if not isinstance(stop, _Signalled) else f"stopped by {stop.name}"
        _say(f"\nimr-llm: {what} after {tally.documents} documents{where}")
        return 128 + (stop.signum if isinstance(stop, _Signalled) else signal.SIGINT)
    except BrokenPipeError:  # stdout was the output, and its reader went away (| head)
        _discard_stdout()
        output.close()
        _say(f"imr-llm: standard output closed after {tally.documents} documents; stopped")
        return 1
    except OSError as exc:
        _close_quietly(output)
        _say(f"imr-llm: cannot write {args.output}: {exc.strerror or exc}")
        return 2
    except LocalModelError as exc:
        _close_quietly(output)
        _say(f"imr-llm: {exc}")
        return 2
    finally:
        if progress is not None:
            progress.close()
    output.close()
    _say(_summary(tally, time.monotonic() - started))
    return 1 if tally.failed else 0


async def _extract_all(args: argparse.Namespace, sources: list[str], limits: Limits, prices: dict, output: Any,
                       tally: _Tally, progress: Any) -> None:
    options = {
        "llm": False if args.no_llm else None, "model": args.model, "base_url": args.base_url,
        "prompt": args.prompt, "max_retries": args.max_retries, "timeout": args.timeout,
        "judgement": args.judgement,
    }
    table = _Table(sys.stdout, stop_run=isinstance(output, Nowhere)) if args.table else None
    if table:
        table.write([], header=True)
    with _stop_on_signals():
        await _write_all(args, sources, limits, prices, output, tally, progress, table, options)


async def _write_all(args: argparse.Namespace, sources: list[str], limits: Limits, prices: dict, output: Any,
                     tally: _Tally, progress: Any, table: Optional[_Table], options: dict[str, Any]) -> None:
    async for outcome in aextract_many(sources, limits=limits, done=output.done, **options):
        if progress is not None:
            progress.update(1)
        if outcome.skipped:
            tally.skipped += 1
            continue
        row = result_row(outcome.source, outcome.determination, outcome.error, include_text=args.include_text,
                         sha256=outcome.sha256)
        output.write(row)
        if table:
            table.write([row])
        _count(tally, outcome.determination, prices)
        if outcome.error:
            tally.failed += 1


def _close_quietly(output: Any) -> None:
    """Close OUT (and release its lock) after a failure that may make closing fail too."""
    try:
        output.close()
    except OSError:
        pass


class _Signalled(KeyboardInterrupt):
    """SIGTERM or SIGHUP, met as Ctrl-C is: the run stops between documents' lines, OUT is closed
    whole, and Python exits normally, so that the local model server is stopped too (atexit does
    not run when a signal's default action kills the process)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum, self.name = signum, signal.Signals(signum).name


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Inside the running event loop: SIGTERM and SIGHUP cancel the run as asyncio's own Ctrl-C
    handling does, and the cancellation comes out as `_Signalled`. The loop runs the handler
    between callbacks; a handler raising from wherever the signal landed could fire inside a
    weakref callback, where the exception is swallowed and the signal lost (seen in CI)."""
    loop, task = asyncio.get_running_loop(), asyncio.current_task()
    received: list[int] = []

    def stop(signum: int) -> None:
        if not received and task is not None:
            received.append(signum)
            task.cancel()

    installed = []
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        try:
            if signum is not None:
                loop.add_signal_handler(signum, stop, signum)
                installed.append(signum)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            break
    try:
        yield
    except asyncio.CancelledError:
        if received:
            raise _Signalled(received[0]) from None
        raise
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


class _Table:
    """The short table on stdout. A reader that goes away (``| head``) ends the table, not the run:
    OUT is still completed. With no OUT the table was the output, and the run ends."""

    def __init__(self, stream: Any, stop_run: bool) -> None:
        self.stream, self.stop_run, self.open = stream, stop_run, True

    def write(self, rows: list[dict[str, Any]], header: bool = False) -> None:
        if not self.open:
            return
        try:
            write_table(rows, self.stream, header=header)
        except BrokenPipeError:
            self.open = False
            _discard_stdout()
            if self.stop_run:
                raise


def _discard_stdout() -> None:
    """Point stdout at /dev/null: what is still buffered must not fail again at exit."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _count(tally: _Tally, determination: Any, prices: dict) -> None:
    tally.documents += 1
    if determination is None:
        return
    tally.decisions += len(determination.decisions)
    usage = determination.usage
    tally.prompt_tokens += usage.prompt_tokens
    tally.completion_tokens += usage.completion_tokens
    if determination.model:
        spent = usage_cost(usage, determination.model, prices)
        if spent is None:
            tally.unpriced.add(determination.model)
        elif tally.cost is not None:
            tally.cost += spent


def _summary(tally: _Tally, seconds: float) -> str:
    skipped = f" ({tally.skipped} already done, skipped)" if tally.skipped else ""
    tokens = tally.prompt_tokens + tally.completion_tokens
    unpriced = ", ".join(sorted(tally.unpriced))
    cost = f"${tally.cost:.4f}" if not unpriced else f"cost unknown (no price for {unpriced}: see --prices)"
    minutes, rest = divmod(seconds, 60)
    elapsed = f"{int(minutes)}m {rest:04.1f}s" if minutes else f"{rest:.1f}s"
    return (f"imr-llm: {tally.documents} documents{skipped}, {tally.failed} failed, {tally.decisions} decisions, "
            f"{tokens:,} tokens, {cost}, {elapsed}")


def _progress_bar(total: int) -> Any:
    """A progress bar with rate and ETA on a terminal; nothing when stderr is a file or a pipe."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True)


def _run_prepare(args: argparse.Namespace) -> int:
    from .batch import manifest_path, prepare

    try:
        load_prompt(args.prompt)
    except ValueError as exc:
        _say(f"imr-llm: {exc}")
        return 2
    requests_path = Path(args.output)
    letters = calls = failed = 0
    try:
        for written in (args.output, str(manifest_path(requests_path))):
            refuse_inputs(written, args.paths)
    except OutputError as exc:
        _say(f"imr-llm: {exc}")
        return 2
    try:
        with open(requests_path, "w", encoding="utf-8") as requests, \
                open(manifest_path(requests_path), "w", encoding="utf-8") as manifest:
            for entry, lines in prepare(iter_documents(args.paths), args.model, args.prompt):
                letters, calls, failed = letters + 1, calls + len(lines), failed + bool(entry.get("error"))
                manifest.write(json_line(entry) + "\n")
                requests.writelines(json_line(line) + "\n" for line in lines)
    except OSError as exc:
        _say(f"imr-llm: cannot write {exc.filename}: {exc.strerror or exc}")
        return 2
    _say(f"imr-llm: {letters} letters, {calls} requests, {failed} letters failed; manifest "
          f"{manifest_path(requests_path)}")
    return 1 if failed else 0


def _run_collect(args: argparse.Namespace) -> int:
    from .batch import BatchError, collect, manifest_path

    try:
        refuse_inputs(args.output, [args.requests, args.results, str(manifest_path(Path(args.requests)))],
                      letters=False)
        output = open_output(args.output)
        tally, skipped = _Tally(), []
        try:
            for letter in collect(Path(args.requests), Path(args.results), args.judgement, skipped):
                output.write(result_row(letter.source, letter.determination, letter.error,
                                        include_text=args.include_text, sha256=letter.sha256))
                _count(tally, letter.determination, load_prices())
                tally.failed += bool(letter.error)
        finally:
            output.close()
    except (BatchError, OutputError, ValueError) as exc:
        _say(f"imr-llm: {exc}")
        return 2
    for message in skipped:
        _say(f"imr-llm: {message}")
    _say(_summary(tally, 0.0).rsplit(",", 1)[0])
    return 1 if tally.failed or skipped else 0


def _run_review(args: argparse.Namespace) -> int:
    from .review import render_review

    rows = []
    try:
        refuse_inputs(args.output, [args.results], letters=False)
    except OutputError as exc:
        _say(f"imr-llm: {exc}")
        return 2
    try:
        with open(args.results, encoding="utf-8") as lines:
            for number, _, row in json_lines(lines):
                if not is_row(row):
                    _say(f"imr-llm: {args.results}, line {number}: not a row of imr-llm extract; skipped")
                else:
                    rows.append(row)
        Path(args.output).write_text(render_review(rows, title=f"imr-llm review: {Path(args.results).name}"),
                                     encoding="utf-8")
    except OSError as exc:
        _say(f"imr-llm: {exc.filename}: {exc.strerror or exc}")
        return 2
    _say(f"imr-llm: {len(rows)} letters in {args.output}")
    return 0


def _run_query(args: argparse.Namespace) -> int:
    from .analytics import connect, query
    from .analytics.tables import csv_text, text_table

    try:
        result = query(connect(*args.paths), args.sql)
    except AnalyticsError as exc:
        _say(f"imr-llm: {exc}")
        return 2
    sys.stdout.write(csv_text(result, rounded=False) if args.csv else text_table(result))
    return 0


def _run_report(args: argparse.Namespace) -> int:
    from .analytics import write_report

    try:
        report = write_report(args.paths, args.output, start=args.start, end=args.end)
    except AnalyticsError as exc:
        _say(f"imr-llm: {exc}")
        return 2
    except OSError as exc:
        _say(f"imr-llm: {exc.filename or args.output}: {exc.strerror or exc}")
        return 2
    overview = report.overview()
    _say(f"imr-llm: report of {overview['letters']} letters and {overview['decisions']} decisions "
          f"({overview['failed_letters']} letters failed, not counted); {len(report.files)} files, "
          f"open {Path(args.output) / 'report.html'}")
    return 0


class _Redacted(logging.Filter):
    """Keys out of every log line, whatever a library logs: the message is rendered, then cleaned."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        # The key as given and as used (stripped), longest first; a key of any length.
        forms = {form for secret in secrets for form in (secret, secret.strip()) if form}
        self.secrets = sorted(forms, key=len, reverse=True)

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[key]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._clean(record.getMessage()), None
        if record.exc_info:  # a traceback's text can hold the key too (a header value in an error)
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


def _configure_logging(verbosity: int) -> None:
    if not verbosity:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
    handler.addFilter(_Redacted([os.environ.get("OPENAI_API_KEY", "")]))
    level = logging.INFO if verbosity == 1 else logging.DEBUG
    for name in ("imr_llm", "instructor", "openai", "httpx", "httpcore"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging(args.verbose)
    if args.command == "extract":
        return _run_extract(args)
    if args.command == "batch":
        return _run_prepare(args) if args.step == "prepare" else _run_collect(args)
    if args.command == "review":
        return _run_review(args)
    if args.command == "query":
        return _run_query(args)
    if args.command == "report":
        return _run_report(args)
    return 2  # pragma: no cover - argparse rejects unknown commands first


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
