"""`imr-llm`: a thin command line over the library. Only this module prints.

Exit status: 0 every document extracted, 1 one or more documents failed (their rows say why),
2 a usage error (bad arguments, unknown prompt, unwritable output, local model not installed, a
key the endpoint refuses): one `UsageError` or another of the package's stopping errors, printed
once, in `main`. The arguments themselves are built in `_arguments`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

from ._arguments import build_parser
from .calling import KEY_LIKE
from .errors import (
    AccessDenied,
    AnalyticsError,
    ImrLlmError,
    LocalModelError,
    OutputError,
    RowsError,
    UsageError,
)
from .guards import refuse_inputs
from .limits import Limits
from .options import ExtractOptions, Resolved
from .outputs import Nowhere, Output, open_output, output_format
from .pricing import load_prices, usage_cost
from .prompting import load_prompt
from .runner import aextract_many, check_workers, workers_fork
from .writing import json_line, printable, result_row, write_table

SUFFIXES = (".pdf", ".txt")


def _say(message: str) -> None:
    """A message on stderr, with any terminal control characters (an ESC in a file name or in a
    letter's text) taken out: what the tool prints can never drive the terminal."""
    print(printable(message, keep_newlines=True), file=sys.stderr)


def iter_documents(paths: Sequence[str]) -> Iterator[str]:
    """Files named, and .pdf/.txt files below folders named, in a stable order, as absolute paths
    (a row names its letter wherever `review` or `batch collect` later runs); missing paths too:
    they become error rows, so that nothing asked for is silently dropped."""
    for raw in paths:
        path = Path(raw).absolute()
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            yield from (str(p) for p in found)
        else:
            yield str(path)


def _documents(paths: Sequence[str]) -> list[str]:
    """`iter_documents`, with each path that does not exist said on stderr at once (a mistyped
    folder is one error row, easy to miss inside OUT)."""
    for raw in paths:
        if not os.path.lexists(raw):
            _say(f"imr-llm: {raw}: no such file or folder (its row says so)")
    return list(iter_documents(paths))


@dataclass
class _Tally:
    documents: int = 0
    skipped: int = 0
    failed: int = 0
    decisions: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Optional[float] = 0.0
    unpriced: set[str] = field(default_factory=set)


@dataclass
class _Run:
    """One extract run: where each document's row goes, and what is counted of it."""

    output: Output
    include_text: bool
    prices: dict[str, Any]
    table: Optional[_Table]
    progress: Any
    tally: _Tally = field(default_factory=_Tally)


def _extract_options(args: argparse.Namespace) -> ExtractOptions:
    return ExtractOptions(llm=False if args.no_llm else None, model=args.model, base_url=args.base_url,
                          prompt=args.prompt, max_retries=args.max_retries, timeout=args.timeout,
                          judgement=args.judgement)


def _run_extract(args: argparse.Namespace) -> int:
    if args.table and args.output == "-":
        raise UsageError("--table and -o - both write standard output: give -o OUT for the rows")
    target = None if args.output in (None, "-") else args.output
    table_only = args.table and args.output is None  # --table alone prints the table alone
    refuse_inputs(target, args.paths)  # first: "w" would empty an input, whatever its extension
    kind = output_format(target)  # an extension not known is a usage error, not JSON Lines
    if args.include_text and (kind != "jsonl" or table_only):
        raise UsageError("--include-text adds text to JSON Lines rows only: "
                         + ("--table alone writes none (add -o OUT.jsonl)" if table_only else
                            f"{kind} rows are one per decision, and would repeat the letter on each"))
    if args.resume and target is None:
        raise UsageError("--resume needs an output file (-o OUT)")
    try:
        prices = load_prices(args.prices)
    except ValueError as exc:  # a price table that is not TOML, or has negative prices
        raise UsageError(str(exc)) from None
    if sys.stdout is None and (args.table or target is None):
        raise OutputError("standard output is closed: give -o OUT")
    # Resolved before OUT is opened: no key, a prompt not known or no local model leave no file.
    resolved = _extract_options(args).resolve()
    # The argument types have checked every number Limits would refuse.
    limits = Limits(args.concurrency or _default_concurrency(resolved), args.rpm, args.tpm)
    sources = _documents(args.paths)
    workers = _workers(args.workers, resolved, len(sources))
    output = Nowhere() if table_only else open_output(target, resume=args.resume, made_by=resolved.made_by)
    run = _Run(output, args.include_text, prices, _Table(sys.stdout, stop_run=table_only) if args.table else None,
               _progress_bar(len(sources)))
    started = time.monotonic()
    try:
        asyncio.run(_extract_all(run, sources, resolved, limits, workers))
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM/SIGHUP turned into the same (_Signalled)
        output.close()
        where = "; run the same command with --resume to finish" if target else ""
        if target and kind == "parquet":
            where = f"; {target} holds the letters done (Parquet does not resume: write .jsonl to resume)"
        what = "interrupted" if not isinstance(stop, _Signalled) else f"stopped by {stop.name}"
        _say(f"\nimr-llm: {what} after {run.tally.documents} documents{where}")
        return 128 + (stop.signum if isinstance(stop, _Signalled) else signal.SIGINT)
    except BrokenPipeError:  # stdout was the output, and its reader went away (| head)
        _discard_stdout()
        output.close()
        _say(f"imr-llm: standard output closed after {run.tally.documents} documents; stopped")
        return 1
    except OSError as exc:
        _close_quietly(output)
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    except ImrLlmError:  # the endpoint refused the key, or the local model did not start
        _close_quietly(output)
        raise
    finally:
        if run.progress is not None:
            run.progress.close()
    output.close()
    _say(_summary(run.tally, time.monotonic() - started))
    return 1 if run.tally.failed else 0


def _default_concurrency(resolved: Resolved) -> int:
    """Requests in flight when --concurrency is not given. A hosted endpoint answers in 1-3 s, so
    8 in flight make 3-8 requests a second; against a server answering in 2 s (whole runs), 8
    reached 3.7 requests/s, 32 reached 14.9 (0.93 of ideal), 64 28.9 (0.90). The local model's
    server answers one request at a time: more in flight only wait there, toward --timeout."""
    from .local import LOCAL_MODEL

    if resolved.endpoint is None or resolved.endpoint.model == LOCAL_MODEL:
        return 8
    return 32


# A spawned parser process costs about 0.7 s to start (imports, PDFium), a single process's time
# for some 70 letters; under about 150 letters 2 of them gained nothing. A forked one starts at
# once: 2 forked against 1, whole commands on 2 cores, 10 letters 1.02x, 24 1.09x, 48 1.26x,
# 94 1.38x, 470 1.58x.
_WORKERS_FROM = {"fork": 20, "spawn": 200}


def _workers(asked: Optional[int], resolved: Resolved, letters: int) -> int:
    """The workers asked for (checked before OUT is opened), else one per core for a long
    parser-only run."""
    if asked is not None:
        check_workers(asked, resolved)
        return asked
    if resolved.endpoint is None and letters > _WORKERS_FROM["fork" if workers_fork() else "spawn"]:
        return max(1, os.cpu_count() or 1)
    return 1


async def _extract_all(run: _Run, sources: list[str], resolved: Resolved, limits: Limits, workers: int) -> None:
    if run.table:
        run.table.write([], header=True)
    with _stop_on_signals():
        async for outcome in aextract_many(sources, resolved, limits=limits, done=run.output.done, workers=workers):
            if run.progress is not None:
                run.progress.update(1)
            if outcome.skipped:
                run.tally.skipped += 1
                continue
            row = result_row(outcome.source, outcome.determination, outcome.error, include_text=run.include_text,
                             sha256=outcome.sha256)
            run.output.write(row)
            if run.table:
                run.table.write([row])
            _count(run.tally, outcome.determination, run.prices)
            run.tally.failed += bool(outcome.error)


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

    load_prompt(args.prompt)  # an unknown prompt is a usage error before anything is written
    requests_path = Path(args.output)
    letters = calls = failed = 0
    for written in (args.output, str(manifest_path(requests_path))):
        refuse_inputs(written, args.paths)
    sources = _documents(args.paths)
    try:
        with open(requests_path, "w", encoding="utf-8") as requests, \
                open(manifest_path(requests_path), "w", encoding="utf-8") as manifest:
            for entry, lines in prepare(sources, args.model, args.prompt):
                letters, calls, failed = letters + 1, calls + len(lines), failed + bool(entry.get("error"))
                manifest.write(json_line(entry) + "\n")
                requests.writelines(json_line(line) + "\n" for line in lines)
    except OSError as exc:
        raise OutputError(f"cannot write {exc.filename}: {exc.strerror or exc}") from None
    _say(f"imr-llm: {letters} letters, {calls} requests, {failed} letters failed; manifest "
         f"{manifest_path(requests_path)}")
    return 1 if failed else 0


def _run_collect(args: argparse.Namespace) -> int:
    from .batch import BatchError, collect, manifest_path

    if args.include_text and output_format(args.output) != "jsonl":
        raise UsageError("--include-text adds text to JSON Lines rows only: CSV and Parquet rows are one per "
                         "decision, and would repeat the letter on each")
    refuse_inputs(args.output, [args.requests, args.results, str(manifest_path(Path(args.requests)))],
                  letters=False)
    output = open_output(args.output)
    tally, prices = _Tally(), load_prices()
    skipped: list[str] = []
    try:
        for letter in collect(Path(args.requests), Path(args.results), args.judgement, skipped):
            output.write(result_row(letter.source, letter.determination, letter.error,
                                    include_text=args.include_text, sha256=letter.sha256))
            _count(tally, letter.determination, prices)
            tally.failed += bool(letter.error)
    except BatchError as exc:
        raise UsageError(str(exc)) from None
    finally:
        output.close()
    for message in skipped:
        _say(f"imr-llm: {message}")
    _say(_summary(tally, 0.0).rsplit(",", 1)[0])
    return 1 if tally.failed or skipped else 0


def _run_review(args: argparse.Namespace) -> int:
    from .results import read_rows
    from .review import GENERATOR, build_review

    refuse_inputs(args.output, [args.results], letters=False)
    _refuse_foreign_page(Path(args.output), GENERATOR)
    read = read_rows(args.results)
    for note in read.notes:
        _say(f"imr-llm: {note}")
    review = build_review(read.rows, title=f"imr-llm review: {Path(args.results).name}",
                          only_problems=args.only_problems)
    try:
        Path(args.output).write_text(review.html, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{exc.filename}: {exc.strerror or exc}") from None
    _say(f"imr-llm: {review.on_page} of {review.letters} letters in {args.output}; {review.to_check} to check, "
         f"{review.failed} with an error or not shown")
    return 1 if review.failed else 0


def _refuse_foreign_page(page: Path, generator: str) -> None:
    """OutputError when the page to write exists and is not one of ours: it would be lost."""
    try:
        with page.open("rb") as existing:
            head = existing.read(4096).decode("utf-8", "replace")
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"{page}: {exc.strerror or exc}") from None
    if head and generator not in head:  # an empty file holds nothing to lose
        raise OutputError(f"{page} exists and is not a page imr-llm review wrote; not overwritten (remove it, "
                          "or choose another name)")


def _run_query(args: argparse.Namespace) -> int:
    from .analytics import connect, query
    from .analytics.tables import csv_text, text_table

    result = query(connect(*args.paths), args.sql)
    sys.stdout.write(csv_text(result, rounded=False) if args.csv else text_table(result))
    return 0


def _run_report(args: argparse.Namespace) -> int:
    from .analytics import write_report

    try:
        report = write_report(args.paths, args.output, start=args.start, end=args.end)
    except OSError as exc:
        raise OutputError(f"{exc.filename or args.output}: {exc.strerror or exc}") from None
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
        return KEY_LIKE.sub("[key]", text)  # a key an endpoint quotes in part ("sk-proj-ab***yz")

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
    # The openai client's HTTP stack is httpx2/httpcore2 (not httpx/httpcore): -v shows each
    # request's status line, -vv the connections too.
    for name in ("imr_llm", "instructor", "openai", "httpx2", "httpcore2"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "extract": _run_extract,
    "batch prepare": _run_prepare,
    "batch collect": _run_collect,
    "review": _run_review,
    "query": _run_query,
    "report": _run_report,
}

# The package's own errors that end a command: each is one line, printed once, exit status 2.
_STOPPING = (UsageError, OutputError, RowsError, AnalyticsError, LocalModelError, AccessDenied)


def _parse(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    """The arguments; one the command does not know is reported with that command's usage
    (argparse would show the top-level usage, which does not list the command's options)."""
    parser, commands = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        commands[_command(args)].error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def _command(args: argparse.Namespace) -> str:
    return f"batch {args.step}" if args.command == "batch" else str(args.command)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parse(argv)
    _configure_logging(args.verbose + args.verbose_after)
    try:
        return _COMMANDS[_command(args)](args)
    except _STOPPING as exc:
        _say(f"imr-llm: {exc}")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
