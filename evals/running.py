"""One row of the comparison: the parser alone, or one model with one prompt and one merge policy
(judgement), over the gold letters.

Model rows replay sealed cassettes (cassettes/evals/<model>/<prompt>/<set>/<name>.json) unless
recording; the policies differ only in the merge, so they share a prompt's cassettes. A document
that fails scores 0 on every field its gold file labels: a failure costs accuracy, it is not left
out of it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Optional

from imr_llm import DocumentError, ModelError, Price, extract, usage_cost

from .cassettes import CassetteError, sealed_cassette
from .documents import ROOT, GoldDocument
from .scoring import DocumentScore, Summary, score_document, score_failure, summarize

CASSETTES = ROOT / "cassettes" / "evals"
LOCAL = "local"
_NOWHERE = "http://127.0.0.1:9/v1"  # replaying the local model: nothing listens here, nothing leaks out


@dataclass(frozen=True)
class RowSpec:
    """The parser alone (``model`` None), or ``model`` with ``prompt``, merged by ``judgement``."""

    model: Optional[str] = None
    prompt: Optional[str] = None
    judgement: str = "parser"

    @property
    def label(self) -> str:
        if self.model is None:
            return "parser (--no-llm)"
        return f"{self.model} · {prompt_name(self.prompt)} · {self.judgement}"


@dataclass
class DocumentResult:
    document: GoldDocument
    prediction: Optional[dict]  # the contract's shape, without the text
    error: Optional[str]
    score: DocumentScore
    seconds: Optional[float]  # wall time of the extraction (recorded, for replayed rows)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    reasks: int = 0
    cost: Optional[float] = None


@dataclass
class RowResult:
    spec: RowSpec
    documents: list[DocumentResult] = field(default_factory=list)
    replayed: bool = False  # seconds are those of the recording

    @property
    def summary(self) -> Summary:
        return summarize([d.score for d in self.documents])

    @property
    def failed(self) -> int:
        return sum(d.error is not None for d in self.documents)

    def per_letter(self, attribute: str) -> Optional[float]:
        """Mean of a DocumentResult attribute over the documents extracted (a failed one's usage is
        not known; its seconds are); None if any of them lacks it."""
        values = [getattr(d, attribute) for d in self.documents if d.error is None or attribute == "seconds"]
        if not values or any(v is None for v in values):
            return None
        return sum(values) / len(values)


def prompt_name(prompt: Optional[str]) -> str:
    return Path(prompt).stem if prompt and prompt.endswith(".md") else (prompt or "")


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def cassette_path(spec: RowSpec, document: GoldDocument, root: Path = CASSETTES) -> Path:
    assert spec.model is not None
    folder = root / _slug(spec.model) / _slug(prompt_name(spec.prompt))
    return (folder / document.set if document.set else folder) / f"{document.name}.json"


def record_command(spec: RowSpec) -> str:
    return f"python -m evals --record --models {spec.model} --prompts {spec.prompt}"


def run_row(
    spec: RowSpec,
    documents: list[GoldDocument],
    *,
    record: bool = False,
    base_url: Optional[str] = None,
    cassettes: Path = CASSETTES,
    prices: Optional[Mapping[str, Price]] = None,
    on_document: Optional[Callable[[DocumentResult], None]] = None,
) -> RowResult:
    """Extract and score every document for one row. Documents run one at a time: a cassette
    patches the HTTP client for the whole process."""
    row = RowResult(spec, replayed=spec.model is not None and not record)
    for document in documents:
        result = _run_document(spec, document, record=record, base_url=base_url, cassettes=cassettes, prices=prices)
        row.documents.append(result)
        if on_document:
            on_document(result)
    return row


def _run_document(spec: RowSpec, document: GoldDocument, *, record: bool, base_url: Optional[str],
                  cassettes: Path, prices: Optional[Mapping[str, Price]]) -> DocumentResult:
    if spec.model is None:
        started = time.perf_counter()
        try:
            determination = extract(document.path, llm=False)
        except DocumentError as error:
            return _failure(document, str(error), time.perf_counter() - started)
        return _success(document, determination, time.perf_counter() - started, None, prices)

    path = cassette_path(spec, document, cassettes)
    letter = document.path.read_bytes()
    about = {"model": spec.model, "prompt": prompt_name(spec.prompt), "document": document.key}
    url = base_url if record or spec.model != LOCAL else _NOWHERE
    with sealed_cassette(path, letter, record=record, about=about) as sealed:
        started = time.perf_counter()
        try:
            determination = extract(document.path, llm=True, model=spec.model, prompt=spec.prompt, base_url=url,
                                    judgement=spec.judgement)
            error = None
        except (DocumentError, ModelError) as exc:
            determination, error = None, _reason(exc, spec, path)
        elapsed = time.perf_counter() - started
        if record:
            sealed.seconds = round(elapsed, 3)
        seconds = elapsed if record else sealed.seconds
    if determination is None:
        return _failure(document, error or "", seconds)
    return _success(document, determination, seconds, spec.model, prices)


def _reason(exc: Exception, spec: RowSpec, path: Path) -> str:
    cause: Optional[BaseException] = exc
    while cause is not None:
        if type(cause).__name__ == "CannotOverwriteExistingCassetteException":
            return (f"a request is not in {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
                    f"the prompt or the library changed since recording; record again: {record_command(spec)}")
        cause = cause.__cause__ or cause.__context__
    return str(exc)


def _success(document: GoldDocument, determination, seconds: Optional[float], model: Optional[str],
             prices: Optional[Mapping[str, Price]]) -> DocumentResult:
    prediction = determination.model_dump(mode="json", exclude={"text"})
    usage = determination.usage
    return DocumentResult(
        document, prediction, None, score_document(prediction, document.gold), seconds,
        usage.prompt_tokens, usage.completion_tokens, usage.calls, usage.reasks,
        0.0 if model is None else usage_cost(usage, model, prices),
    )


def _failure(document: GoldDocument, error: str, seconds: Optional[float]) -> DocumentResult:
    return DocumentResult(document, None, error, score_failure(document.gold), seconds)


__all__ = ["CassetteError", "DocumentResult", "RowResult", "RowSpec", "cassette_path", "record_command", "run_row"]
