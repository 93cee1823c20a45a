"""Handing the model calls to a batch engine: OpenAI's Batch API, or vLLM's ``run_batch``.

``prepare`` writes one request line per call a letter needs (``custom_id``, ``method``, ``url``,
``body`` with a strict JSON-schema ``response_format``), and beside it a manifest with one line
per letter (its path, content hash and calls). ``collect`` reads the manifest, the requests and
the engine's results, checks every answer as a live call would (grounding included; there is no
re-ask, so what fails is salvaged and warned about), merges with the parser's fields and yields
one contract row per letter, errors included.

A ``custom_id`` is reproducible: ``imr-<first 24 hex of the letter's SHA-256>-<prompt>-<call>``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

from pydantic import BaseModel

from .calling import token_count
from .errors import DocumentError, ReadError
from .prompting import Prompt, load_prompt
from .reading import content_hash, read_letter_file
from .results import json_lines
from .schema import Determination, Usage
from .strategies import Plan, answer_from_json, assemble, plan_calls

URL = "/v1/chat/completions"


class BatchError(Exception):
    """The batch files cannot be read or do not belong together."""


def manifest_path(requests: Path) -> Path:
    """Where the manifest of ``requests`` lives: ``requests.jsonl`` -> ``requests.manifest.jsonl``."""
    return requests.with_name(requests.name.removesuffix(".jsonl") + ".manifest.jsonl")


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema in the form OpenAI's strict structured outputs accept: every
    object closed (``additionalProperties: false``) with every property required, no defaults."""

    def close(node: Any) -> Any:
        if isinstance(node, dict):
            node = {key: close(value) for key, value in node.items() if key != "default"}
            if node.get("type") == "object" and "properties" in node:
                node["required"] = list(node["properties"])
                node["additionalProperties"] = False
        elif isinstance(node, list):
            node = [close(value) for value in node]
        return node

    return close(copy.deepcopy(model.model_json_schema()))


def custom_id(sha256: str, prompt: Prompt, index: int) -> str:
    return f"imr-{sha256[:24]}-{prompt.name}-{index}"


def request_line(call_id: str, model: str, messages: list[dict[str, str]], answer_model: type[BaseModel],
                 max_tokens: int) -> dict[str, Any]:
    return {
        "custom_id": call_id,
        "method": "POST",
        "url": URL,
        "body": {
            "model": model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": max_tokens,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": answer_model.__name__, "strict": True, "schema": strict_schema(answer_model)},
            },
        },
    }


def prepare(sources: Iterable[str], model: str, prompt_name: str) -> Iterator[tuple[dict, list[dict]]]:
    """(manifest line, request lines) per letter. A letter that cannot be read gets a manifest
    line with its ``error`` and no requests, so that ``collect`` reports it."""
    prompt = load_prompt(prompt_name)
    for source in sources:
        sha256 = content_hash(source)
        entry: dict[str, Any] = {"source": source, "sha256": sha256, "model": model, "prompt": prompt.name}
        try:
            hashed, text = read_letter_file(Path(source))
            if hashed != sha256:
                raise ReadError(f"{source} changed while it was being read")
            plan = plan_calls(text, prompt)
        except DocumentError as exc:
            yield {**entry, "error": str(exc)}, []
            continue
        ids = [custom_id(sha256, prompt, i) for i in range(len(plan.calls))]
        lines = [request_line(i, model, call.messages, call.answer_model, call.max_tokens)
                 for i, call in zip(ids, plan.calls, strict=True)]
        yield {**entry, "error": None, "custom_ids": ids}, lines


@dataclass(frozen=True)
class Collected:
    """One letter's outcome from a batch: a Determination or an error."""

    source: str
    sha256: Optional[str]
    determination: Optional[Determination]
    error: Optional[str]


def _read_jsonl(path: Path, what: str, skipped: list[str]) -> Iterator[dict]:
    """The JSON objects of ``path``; a line that is not one is skipped, with a message in ``skipped``."""
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, _, value in json_lines(lines):
                if isinstance(value, dict):
                    yield value
                else:
                    skipped.append(f"{what} {path}, line {number}: not a JSON object; skipped")
    except OSError as exc:
        raise BatchError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def _by_id(lines: Iterator[dict]) -> dict[str, dict]:
    return {line["custom_id"]: line for line in lines if isinstance(line.get("custom_id"), str)}


def collect(requests: Path, results: Path, judgement: str = "parser",
            skipped: Optional[list[str]] = None) -> Iterator[Collected]:
    """Every letter of the manifest of ``requests``, its answers taken from ``results`` and merged
    with the parser's by ``judgement`` (see `merging`). Lines that are not JSON objects are left
    out, each with a one-line message appended to ``skipped``; a malformed manifest entry is that
    letter's error row, and the rest goes on."""
    skipped = [] if skipped is None else skipped
    manifest = manifest_path(requests)
    if not manifest.is_file():
        raise BatchError(f"no manifest {manifest} beside {requests}: it is written by 'imr-llm batch prepare'")
    asked = _by_id(_read_jsonl(requests, "requests", skipped))
    answered = _by_id(_read_jsonl(results, "results", skipped))
    for number, entry in enumerate(_read_jsonl(manifest, "manifest", skipped), 1):
        named, hashed = entry.get("source"), entry.get("sha256")
        source = named if isinstance(named, str) else f"manifest entry {number}"
        sha256 = hashed if isinstance(hashed, str) else None
        if entry.get("error"):
            yield Collected(source, sha256, None, " ".join(str(entry["error"]).split()))
            continue
        ids = entry.get("custom_ids")
        if sha256 is None or not isinstance(entry.get("prompt"), str) or not isinstance(ids, list) \
                or not all(isinstance(i, str) for i in ids):
            yield Collected(source, sha256, None, f"manifest entry {number} is malformed (source, sha256, prompt "
                                                  "and custom_ids are needed); skipped")
            continue
        try:
            yield Collected(source, sha256, _letter(entry, asked, answered, judgement), None)
        except (DocumentError, BatchError, ValueError) as exc:  # ValueError: a prompt this install lacks
            yield Collected(source, sha256, None, " ".join(str(exc).split()))


def _letter(entry: dict, asked: dict, answered: dict, judgement: str) -> Determination:
    source, ids = entry["source"], entry.get("custom_ids", [])
    try:
        sha256, text = read_letter_file(Path(source))
    except DocumentError as exc:
        raise BatchError(f"cannot read {source} again: {exc}") from None
    if sha256 != entry["sha256"]:
        raise BatchError(f"{source} changed since the requests were prepared")
    plan: Plan = plan_calls(text, load_prompt(entry["prompt"]))
    if len(plan.calls) != len(ids):
        raise BatchError(f"{source}: the requests do not match this version of imr-llm's prompt {entry['prompt']}")
    usage, warnings, answers = Usage(), [], []
    for call_id, call in zip(ids, plan.calls, strict=True):
        if call_id not in asked:
            raise BatchError(f"request {call_id} is not in the requests file")
        content = _content(call_id, answered.get(call_id), usage)
        answer, notes = answer_from_json(call, content)
        warnings.extend(notes)
        answers.append(answer)
    result, notes = assemble(plan, answers, judgement)
    body = asked[ids[0]].get("body") if ids else None
    model = body.get("model") if isinstance(body, dict) else entry.get("model")
    return result.model_copy(update={"warnings": warnings + notes, "usage": usage, "model": model,
                                     "prompt": entry["prompt"]})


def _content(call_id: str, line: Optional[dict], usage: Usage) -> str:
    """The answer text of one result line; BatchError with the engine's reason when there is none."""
    if line is None:
        raise BatchError(f"no result for request {call_id}")
    if line.get("error"):
        error = line["error"]
        reason = f"{error.get('code')}: {error.get('message')}" if isinstance(error, dict) else str(error)
        raise BatchError(f"request {call_id} failed: {reason}")
    response = line.get("response") or {}
    body = (response.get("body") or {}) if isinstance(response, dict) else {}
    if not isinstance(response, dict) or not isinstance(body, dict):
        raise BatchError(f"request {call_id}: the result line has no response object")
    if response.get("status_code") != 200:
        message = (body.get("error") or {}).get("message") if isinstance(body, dict) else None
        raise BatchError(f"request {call_id} failed: HTTP {response.get('status_code')}: {message or 'no message'}")
    reported = body.get("usage")
    tokens = reported if isinstance(reported, dict) else {}
    usage.prompt_tokens += token_count(tokens.get("prompt_tokens"))
    usage.completion_tokens += token_count(tokens.get("completion_tokens"))
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens
    usage.calls += 1
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise BatchError(f"request {call_id}: the result holds no answer") from None
    return content or ""
