"""`python -m evals`: prompts and models side by side against the gold files.

Exit status: 0 the comparison ran (failed documents are part of the table), 2 it could not run
(bad arguments, gold or letters not found, a cassette missing).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from imr_llm import DEFAULT_PROMPT, JUDGEMENTS, LocalServer, available_prompts, load_prices

from .cassettes import CassetteError
from .documents import GOLD, GoldError, default_docs, load_gold
from .reporting import render_table, write_reports
from .running import CASSETTES, LOCAL, DocumentResult, RowSpec, cassette_path, record_command, run_row

# The default prompt only: its cassettes cover every gold letter (recording one prompt over the
# 99 letters takes 1-3 hours on the 2-core machine; the others are recorded for part of them).
DEFAULT_PROMPTS = [DEFAULT_PROMPT]
DEFAULT_JUDGEMENTS = list(JUDGEMENTS)
DEFAULT_MODELS = [LOCAL]
DEFAULT_OUT = Path("build") / "evals"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m evals",
        description="Score prompt strategies and models against hand-labeled gold files, the parser alone "
        "as the baseline row. Model calls replay recorded cassettes (offline) unless --record.",
    )
    parser.add_argument("--prompts", nargs="+", metavar="P", default=DEFAULT_PROMPTS,
                        help=f"prompt names or .md files (default: {' '.join(DEFAULT_PROMPTS)})")
    parser.add_argument("--models", nargs="+", metavar="M", default=DEFAULT_MODELS,
                        help="models; 'local' is the bundled SmolLM2-135M (default: local)")
    parser.add_argument("--judgement", nargs="+", metavar="J", default=DEFAULT_JUDGEMENTS, choices=JUDGEMENTS,
                        help="merge policies to compare: 'parser' (its rule-based judgement stands) and/or 'model' "
                        "(the model's replaces it) (default: parser model)")
    parser.add_argument("--no-llm", action="store_true", help="the parser baseline only, no model rows")
    parser.add_argument("--gold", type=Path, default=GOLD, metavar="DIR", help="gold files (default: evals/gold)")
    parser.add_argument("--docs", type=Path, metavar="DIR",
                        help="where the letters are, searched by file name (default: ../shared/corpus)")
    parser.add_argument("--only", nargs="+", metavar="NAME", default=(),
                        help="just these documents (gold file names, e.g. CM16-0213037 or dev/CM16-0213037)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help=f"where report.md, report.json and report.html go (default: {DEFAULT_OUT})")
    parser.add_argument("--prices", type=Path, metavar="FILE",
                        help="a TOML price table added to the built-in one ([model] input = .., output = .., "
                        "dollars per million tokens; default: $IMR_LLM_PRICES)")
    parser.add_argument("--record", action="store_true",
                        help="call the live endpoint and record the cassettes afresh (local: starts the bundled model)")
    parser.add_argument("--base-url", metavar="U",
                        help="endpoint to record from (default: $OPENAI_BASE_URL, else OpenAI)")
    parser.add_argument("--cassettes", type=Path, default=CASSETTES, metavar="DIR",
                        help="sealed cassettes (default: cassettes/evals)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    unknown = _unknown_prompts(args.prompts)
    if unknown:  # before the cassette check, which would otherwise ask to record a prompt that cannot run
        print(f"evals: no such prompt: {', '.join(unknown)}; the shipped prompts are "
              f"{', '.join(available_prompts())} (or give the path of a .md file)", file=sys.stderr)
        return 2
    try:
        documents = load_gold(args.gold, args.docs or default_docs(), args.only)
        prices = load_prices(args.prices)
    except (GoldError, ValueError) as error:
        print(f"evals: {error}", file=sys.stderr)
        return 2
    specs = [RowSpec()]
    if not args.no_llm:
        specs += [RowSpec(model, prompt, judgement) for model in args.models for prompt in args.prompts
                  for judgement in dict.fromkeys(args.judgement)]
    if not args.record:
        for spec in specs[1:]:
            missing = [cassette_path(spec, d, args.cassettes) for d in documents]
            missing = [path for path in missing if not path.is_file()]
            if missing:
                more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
                command = record_command(spec) + _where(args)
                print(f"evals: missing cassette {missing[0]}{more}; record it with: {command}", file=sys.stderr)
                return 2

    server = None
    base_url = args.base_url
    if args.record and LOCAL in args.models:
        server = LocalServer()
        server.start()
    try:
        rows, recorded = [], set()
        for spec in specs:
            print(f"evals: {spec.label}: {len(documents)} documents", file=sys.stderr)
            url = server.base_url if server and spec.model == LOCAL else base_url
            # The policies share a prompt's cassettes: record them once, replay them for the next policy.
            record = args.record and (spec.model, spec.prompt) not in recorded
            recorded.add((spec.model, spec.prompt))
            rows.append(run_row(spec, documents, record=record, base_url=url, cassettes=args.cassettes,
                                prices=prices, on_document=_progress))
    except CassetteError as error:  # a letter changed since recording: the comparison would mislead
        print(f"evals: {error}", file=sys.stderr)
        return 2
    finally:
        if server:
            server.stop()
    print(render_table(rows, documents))
    try:
        written = write_reports(rows, documents, args.out)
    except OSError as error:
        print(f"evals: cannot write reports to {args.out}: {error}", file=sys.stderr)
        return 2
    print(f"evals: reports written: {', '.join(str(p) for p in written)}", file=sys.stderr)
    return 0


def _unknown_prompts(prompts: Sequence[str]) -> list[str]:
    """The prompts neither shipped nor a .md file that exists: imr_llm's own rule for a name or a path."""
    shipped = set(available_prompts())
    return [prompt for prompt in prompts if prompt not in shipped and not _is_prompt_file(prompt)]


def _is_prompt_file(prompt: str) -> bool:
    path = Path(prompt)
    return path.suffix == ".md" and path.is_file()


def _where(args: argparse.Namespace) -> str:
    """The options that say which gold, letters and cassettes, for a command to repeat."""
    parts = [f" --{name} {value}" for name, value, default in (
        ("gold", args.gold, GOLD), ("docs", args.docs, None), ("cassettes", args.cassettes, CASSETTES))
        if value is not None and value != default]
    return "".join(parts)


def _progress(result: DocumentResult) -> None:
    if result.error:
        print(f"  {result.document.key}: failed: {result.error}", file=sys.stderr)
