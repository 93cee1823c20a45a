"""The two prompt strategies, over one letter's text.

- segmented: the parser's skeleton, then one small call per decision block (or, where the
  template says so, one call for all of a letter's blocks) and one for the case summary, run
  concurrently; the model fills in judgement, the template stays the parser's.
- monolithic: one call over the whole letter. The only path for a layout the parser does not
  know (any strategy falls back to it there).

A call whose answers keep failing validation does not fail the letter: the parts of its last
answer that do hold are kept (the rest left to the parser, or null) and a warning says so.
Transport faults that outlast the retries fail the letter: the `ModelError` carries the parser's
reading as ``partial``, so that the row keeps every field the layout gave.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Optional, TypeVar, cast

from pydantic import BaseModel, ValidationError

from .answers import CaseAnswer, DecisionAnswer, DecisionsAnswer, LetterAnswer, decisions_answer
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
from .prompting import Prompt, available_prompts, load_prompt
from .schema import Determination, Usage

A = TypeVar("A", bound=BaseModel)
FALLBACK_PROMPT = "monolithic-v2"  # for a template of one's own; a shipped one falls back to its own version
# Answer budgets, in tokens: a decision's or the summary's fields are short (300 each); a whole
# letter's answer copies items and rationales. Asked about all of a letter's decisions at once, 150
# each: a decision's fields take about 70 (the seeds' recorded answers), and the small local model,
# when it loops, loops until the budget is spent (3,000 tokens for a letter of 10 decisions).
DECISION_TOKENS = CASE_TOKENS = 300
LETTER_TOKENS = 1024
GROUPED_DECISION_TOKENS = 150
# At most 8 blocks a call: recording the evals with the local model, letters of up to 8 decisions
# took at most 172 s in all; one of 21 in one call timed out (120 s a request) three times.
GROUP_SIZE = 8


@dataclass(frozen=True)
class Call:
    """One request a strategy makes: the schema asked for, the messages, what grounds the answer."""

    label: str  # "decision 1", "decisions", "case summary", "letter": names the call in warnings
    answer_model: type[BaseModel]
    messages: list[dict[str, str]]
    context: dict[str, Any]  # the validation context (see `answers`)
    max_tokens: int  # the answer's budget
    repeats_schema: bool  # `Prompt.repeats_schema` of the template the messages come from


@dataclass(frozen=True)
class Plan:
    """What one letter needs from the model; `assemble` turns the answers into a Determination.

    Kept apart from the calling so that a batch engine can make the calls (`imr-llm batch`).
    """

    text: str
    prompt: Prompt  # the prompt asked for
    parsed: Optional[Determination]  # None: a layout the parser does not know
    calls: list[Call]
    fallback: Optional[Prompt] = None  # the monolithic prompt used instead, for an unknown layout


def plan_calls(text: str, prompt: Prompt) -> Plan:
    """The calls ``prompt``'s strategy makes for ``text`` (the parser runs here, once)."""
    try:
        parsed: Optional[Determination] = parse_letter(text)
    except LayoutError:
        parsed = None
    if parsed is None or prompt.strategy == "monolithic":
        used = prompt if prompt.strategy == "monolithic" else load_prompt(_fallback_for(prompt.name))
        call = Call("letter", LetterAnswer, used.messages("letter", text=text), {"text": text},
                    LETTER_TOKENS, used.repeats_schema)
        return Plan(text, prompt, parsed, [call], None if used is prompt else used)
    layout = find_layout(text)
    calls = _grouped_calls(text, prompt, parsed) if prompt.groups_decisions else [
        Call(f"decision {i + 1}", DecisionAnswer,
             prompt.messages("decision", item=d.item, outcome=d.outcome, rationale=d.rationale),
             {"item": d.item, "rationale": d.rationale, "text": text}, DECISION_TOKENS, prompt.repeats_schema)
        for i, d in enumerate(parsed.decisions)
    ]
    summary = text[slice(*layout.summary_span)].strip()
    calls.append(Call("case summary", CaseAnswer, prompt.messages("case", summary=summary), {"text": summary},
                      CASE_TOKENS, prompt.repeats_schema))
    return Plan(text, prompt, parsed, calls)


def _grouped_calls(text: str, prompt: Prompt, parsed: Determination) -> list[Call]:
    """One call for up to GROUP_SIZE decision blocks: the instructions and the taxonomy (about
    5.6 KB in segmented-v2, sent with each of a letter's 2.3 decisions on average) go once per
    group. Blocks keep the letter's numbers ("### Item 9" opens a second group)."""
    decisions = parsed.decisions
    system = prompt.render("decisions", "system")  # the same for every group
    calls = []
    for first in range(0, len(decisions), GROUP_SIZE):
        group = decisions[first:first + GROUP_SIZE]
        blocks = [f"### Item {first + i + 1}\n\n" + prompt.render("decision", "user", item=d.item, outcome=d.outcome,
                                                                 rationale=d.rationale)
                  for i, d in enumerate(group)]
        messages = [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(blocks)}]
        context = {"text": text, "first": first,
                   "blocks": [{"item": d.item, "rationale": d.rationale} for d in group]}
        label = "decisions" if len(decisions) <= GROUP_SIZE else f"decisions {first + 1}-{first + len(group)}"
        calls.append(Call(label, decisions_answer(len(group)), messages, context,
                          GROUPED_DECISION_TOKENS * len(group), prompt.repeats_schema))
    return calls


def _fallback_for(name: str) -> str:
    """The monolithic template of the same version ("segmented-v1" -> "monolithic-v1")."""
    same_version = "monolithic" + name[len("segmented"):]
    return same_version if same_version in available_prompts() else FALLBACK_PROMPT


def assemble(plan: Plan, answers: list[Optional[BaseModel]],
             judgement: str = "parser") -> tuple[Determination, list[str]]:
    """The Determination from one answer per call (None where none could be had), and the notes
    of every disagreement with the parser; ``judgement`` says who wins on judgement (`merging`).
    Raises LayoutError when nothing can be made."""
    if plan.parsed is None:
        (answer,) = answers
        if answer is None:
            raise LayoutError("unknown layout, and the model gave no usable answer")
        result, found = determination_from_answer(plan.text, cast(LetterAnswer, answer))
        if plan.fallback is not None:
            found.insert(0, f"layout unknown to the parser: {plan.fallback.name} used instead of {plan.prompt.name}")
        return result, found
    if plan.prompt.strategy == "monolithic":
        (answer,) = answers
        return merge_letter(plan.parsed, cast(LetterAnswer, answer), judgement) if answer is not None \
            else (plan.parsed, [])
    *decision_answers, case_answer = answers
    if plan.prompt.groups_decisions:  # one answer per group of blocks: its entries, in order
        grouped = decision_answers
        decision_answers = []
        for call, answer in zip(plan.calls[:-1], grouped, strict=True):  # no answer: its blocks keep the parser's
            entries = cast(DecisionsAnswer, answer).decisions if answer is not None else []
            decision_answers += [*entries, *[None] * (len(call.context["blocks"]) - len(entries))]
    notes: list[str] = []
    decisions = []
    for index, (decision, answer) in enumerate(zip(plan.parsed.decisions, decision_answers, strict=True)):
        if answer is None:
            decisions.append(decision)
            continue
        merged, more = merge_decision(decision, cast(DecisionAnswer, answer), f"decision {index + 1}", judgement)
        decisions.append(merged)
        notes.extend(more)
    result = plan.parsed.model_copy(update={"decisions": decisions})
    if case_answer is not None:
        result, more = merge_case(result, cast(CaseAnswer, case_answer), judgement)
        notes.extend(more)
    return result, notes


async def run_strategy(text: str, prompt: Prompt, caller: Caller, concurrency: int = 4,
                       judgement: str = "parser") -> Determination:
    """The Determination for ``text`` by ``prompt``'s strategy, with usage and warnings."""
    usage = Usage()
    warnings: list[str] = []
    plan = plan_calls(text, prompt)
    gate = asyncio.Semaphore(concurrency)

    async def ask(call: Call) -> Optional[BaseModel]:
        async with gate:
            return await _ask(caller, call, usage, warnings)

    calls = [asyncio.ensure_future(ask(call)) for call in plan.calls]
    try:
        answers = await asyncio.gather(*calls)
    except BaseException as exc:
        for pending in calls:  # one call failed for good: the letter's other calls are not wanted
            pending.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
        if isinstance(exc, ModelError) and plan.parsed is not None:
            exc.partial = plan.parsed.model_copy(update={
                "warnings": warnings, "usage": usage, "model": caller.endpoint.model, "prompt": prompt.name,
            })
        raise
    try:
        result, notes = assemble(plan, answers, judgement)
    except LayoutError:
        why = warnings[-1] if warnings else "no answer"
        raise LayoutError(f"unknown layout, and the model's answer could not be used ({why})") from None
    return result.model_copy(update={
        "warnings": warnings + notes, "usage": usage, "model": caller.endpoint.model, "prompt": prompt.name,
    })


def answer_from_json(call: Call, raw: str) -> tuple[Optional[BaseModel], list[str]]:
    """An answer made elsewhere (a batch engine) checked as `Caller.ask` checks one: grounded, or
    what holds of it kept with notes. There is no re-ask: the batch has already run."""
    try:
        return call.answer_model.model_validate_json(raw, context=call.context), []
    except ValidationError as exc:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": str(exc)}
        where = ".".join(str(part) for part in first.get("loc", ())) or "answer"
        notes = [f"{call.label}: model answer failed validation: {where}: {first['msg'][:200]}"]
    salvaged, more = salvage(call.answer_model, raw, call.context)
    return salvaged, notes + [_about(call, note) for note in more]


async def _ask(caller: Caller, call: Call, usage: Usage, warnings: list[str]) -> Optional[BaseModel]:
    """The validated answer; else what holds of the last one (with warnings); transport faults raise."""
    try:
        return await caller.ask(call.answer_model, call.messages, call.context, usage,
                                max_tokens=call.max_tokens, repeats_schema=call.repeats_schema)
    except ModelError as exc:
        if exc.transport or exc.last_answer is None:
            raise
        warnings.append(f"{call.label}: {exc}")
        salvaged, notes = salvage(call.answer_model, exc.last_answer, call.context)
        warnings.extend(_about(call, note) for note in notes)
        return salvaged


def _about(call: Call, note: str) -> str:
    """A salvage note as a warning, led by what it is about: the call, or (for one call over all of
    a letter's decisions) the decision it names, as a review page places it."""
    return note if call.label.startswith("decisions") and note.startswith("decision ") else f"{call.label}: {note}"


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
    if isinstance(answer, DecisionsAnswer):
        first = context.get("first", 0)
        for index, (entry, block) in enumerate(zip(answer.decisions, context.get("blocks", []), strict=False)):
            kept_notes = _drop_ungrounded(entry, block["item"], block["rationale"])
            notes.extend(f"decision {first + index + 1}: {note}" for note in kept_notes)
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
