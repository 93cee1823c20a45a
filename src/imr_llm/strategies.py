"""The two prompt strategies, over one letter's text.

- segmented: the parser's skeleton, then one small call per decision block and one for the case
  summary, run concurrently; the model fills in judgement, the template stays the parser's.
- monolithic: one call over the whole letter. The only path for a layout the parser does not
  know (any strategy falls back to it there).

A call whose answers keep failing validation does not fail the letter: the parts of its last
answer that do hold are kept (the rest left to the parser, or null) and a warning says so.
Transport faults that outlast the retries fail the letter.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional, TypeVar

from pydantic import BaseModel, ValidationError

from .answers import CaseAnswer, DecisionAnswer, LetterAnswer
from .calling import Caller, ModelError
from .errors import LayoutError
from .grounding import (
    check_body_regions,
    check_medication,
    check_quantity,
    check_subcategory,
    contains,
    named_regions,
)
from .layout import find_layout
from .merging import determination_from_answer, merge_case, merge_decision, merge_letter
from .parsing import parse_letter
from .prompting import Prompt, load_prompt
from .schema import Determination, Usage

A = TypeVar("A", bound=BaseModel)
FALLBACK_PROMPT = "monolithic-v1"
# Answer budgets, in tokens: a decision's or the summary's fields are short; a whole letter's
# answer copies items and rationales.
MAX_TOKENS = {DecisionAnswer: 300, CaseAnswer: 300, LetterAnswer: 1024}


async def run_strategy(text: str, prompt: Prompt, caller: Caller, concurrency: int = 4) -> Determination:
    """The Determination for ``text`` by ``prompt``'s strategy, with usage and warnings."""
    usage, warnings = Usage(), []
    try:
        parsed: Optional[Determination] = parse_letter(text)
    except LayoutError:
        parsed = None
    if parsed is None:
        monolithic = prompt if prompt.strategy == "monolithic" else load_prompt(FALLBACK_PROMPT)
        answer = await _ask(caller, LetterAnswer, monolithic.messages("letter", text=text), {"text": text},
                            usage, warnings, "letter")
        if answer is None:
            why = warnings[-1] if warnings else "no answer"
            raise LayoutError(f"unknown layout, and the model's answer could not be used ({why})")
        result, more = determination_from_answer(text, answer)
        if monolithic is not prompt:
            more.insert(0, f"layout unknown to the parser: {monolithic.name} used instead of {prompt.name}")
    elif prompt.strategy == "monolithic":
        answer = await _ask(caller, LetterAnswer, prompt.messages("letter", text=text), {"text": text},
                            usage, warnings, "letter")
        result, more = merge_letter(parsed, answer) if answer else (parsed, [])
    else:
        result, more = await _segmented(text, parsed, prompt, caller, usage, warnings, concurrency)
    return result.model_copy(update={
        "warnings": warnings + more, "usage": usage, "model": caller.endpoint.model, "prompt": prompt.name,
    })


async def _segmented(text: str, parsed: Determination, prompt: Prompt, caller: Caller, usage: Usage,
                     warnings: list[str], concurrency: int) -> tuple[Determination, list[str]]:
    layout = find_layout(text)
    gate = asyncio.Semaphore(concurrency)

    async def ask(model: type[A], messages: list[dict[str, str]], context: dict[str, Any], label: str) -> Optional[A]:
        async with gate:
            return await _ask(caller, model, messages, context, usage, warnings, label)

    decision_calls = [
        ask(DecisionAnswer,
            prompt.messages("decision", item=d.item, outcome=d.outcome, rationale=d.rationale),
            {"item": d.item, "rationale": d.rationale, "text": text}, f"decision {i + 1}")
        for i, d in enumerate(parsed.decisions)
    ]
    summary = text[slice(*layout.summary_span)].strip()
    case_call = ask(CaseAnswer, prompt.messages("case", summary=summary), {"text": summary}, "case summary")
    *decision_answers, case_answer = await asyncio.gather(*decision_calls, case_call)
    more: list[str] = []
    decisions = []
    for index, (decision, answer) in enumerate(zip(parsed.decisions, decision_answers, strict=True)):
        if answer is None:
            decisions.append(decision)
            continue
        merged, notes = merge_decision(decision, answer, f"decision {index + 1}")
        decisions.append(merged)
        more.extend(notes)
    result = parsed.model_copy(update={"decisions": decisions})
    if case_answer is not None:
        result, notes = merge_case(result, case_answer)
        more.extend(notes)
    return result, more


async def _ask(caller: Caller, model: type[A], messages: list[dict[str, str]], context: dict[str, Any],
               usage: Usage, warnings: list[str], label: str) -> Optional[A]:
    """The validated answer; else what holds of the last one (with warnings); transport faults raise."""
    try:
        return await caller.ask(model, messages, context, usage, max_tokens=MAX_TOKENS.get(model, 1024))
    except ModelError as exc:
        if exc.transport or exc.last_answer is None:
            raise
        warnings.append(f"{label}: {exc}")
        salvaged, notes = salvage(model, exc.last_answer, context)
        warnings.extend(f"{label}: {note}" for note in notes)
        return salvaged


def salvage(model: type[A], raw: str, context: dict[str, Any]) -> tuple[Optional[A], list[str]]:
    """The fields of an answer that failed grounding which do hold; the others dropped, each noted."""
    try:
        answer = model.model_validate_json(raw)  # no context: the schema's checks only
    except ValidationError:
        return None, ["the answer does not fit the schema; nothing kept"]
    notes: list[str] = []
    text = context.get("text", "")
    if isinstance(answer, CaseAnswer):
        kept = [d for d in answer.diagnoses if contains(text, d)]
        if len(kept) < len(answer.diagnoses):
            notes.append(f"dropped {len(answer.diagnoses) - len(kept)} diagnoses not in the text")
        answer.diagnoses = kept
    if isinstance(answer, LetterAnswer):
        grounded = [d for d in answer.decisions if contains(text, d.item) and contains(text, d.rationale_start)]
        if len(grounded) < len(answer.decisions):
            dropped = len(answer.decisions) - len(grounded)
            notes.append(f"dropped {dropped} decisions whose item or rationale is not in the text")
        for decision in grounded:
            notes.extend(_drop_ungrounded(decision, decision.item, text))
        answer.decisions = grounded
    if isinstance(answer, DecisionAnswer):
        notes.extend(_drop_ungrounded(answer, context.get("item", ""), context.get("rationale", "")))
    return answer, notes


def _drop_ungrounded(answer: DecisionAnswer, item: str, *region_sources: str) -> list[str]:
    notes = []
    try:
        check_subcategory(answer.category, answer.subcategory)
    except ValueError:
        notes.append(f"subcategory {answer.subcategory!r} not a {answer.category} subcategory; dropped")
        answer.subcategory = None
    for name, check in (("medication", check_medication), ("quantity", check_quantity)):
        try:
            check(getattr(answer, name), item)
        except ValueError:
            notes.append(f"{name} {getattr(answer, name)!r} not supported by the item; dropped")
            setattr(answer, name, None)
    try:
        check_body_regions(answer.body_regions, item, *region_sources)
    except ValueError:
        named = named_regions(item, *region_sources)
        kept = [region for region in answer.body_regions if region in named]
        notes.append(f"body regions {sorted(set(answer.body_regions) - named)} not named in the text; dropped")
        answer.body_regions = kept
    return notes
