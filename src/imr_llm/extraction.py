"""The public entry points: a letter in, a Determination out."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Optional

from .calling import Caller
from .errors import TooLongError
from .options import ExtractOptions, Resolved
from .parsing import parse_letter
from .policy import DEFAULT_JUDGEMENT
from .reading import Source, read_text
from .schema import Determination

if TYPE_CHECKING:
    from openai import AsyncOpenAI

# The longest letters seen run to about 27,000 characters; a text many times that is not one letter,
# and sending it would cost real money for nothing.
MAX_MODEL_CHARACTERS = 200_000


async def aextract(
    source: Source,
    *,
    llm: Optional[bool] = None,
    model: Optional[str] = None,
    base_url: Optional[str] = None,
    api_key: Optional[str] = None,
    prompt: Optional[str] = None,
    client: Optional[AsyncOpenAI] = None,
    max_retries: Optional[int] = None,
    timeout: Optional[float] = None,
    judgement: str = DEFAULT_JUDGEMENT,
) -> Determination:
    """Extract the Determination from ``source``: a path to a ``.pdf``/``.txt`` file, or text.

    With a model (``model=`` or ``IMR_LLM_MODEL``; ``"local"`` for the bundled small model) the
    result is the full contract, semantic fields included, with ``usage`` and ``warnings``.
    Without one, or with ``llm=False``, only the deterministic parser runs (no network).
    ``base_url``/``api_key`` default to ``OPENAI_BASE_URL``/``OPENAI_API_KEY``; ``client`` is
    an ``openai.AsyncOpenAI`` to reuse across calls. ``max_retries`` bounds both transport
    retries and validation re-asks; ``timeout`` is per request, in seconds. ``judgement`` says who
    wins on category, subcategory, reasons and diagnoses: ``"parser"`` (its rule-based answers
    stand, the model fills what it left open) or ``"model"`` (the model's grounded answers).

    Raises (all in `imr_llm.errors`): a `DocumentError` subclass when the document cannot be read
    or parsed; `ModelError` when the model endpoint fails past its retries, with ``partial``
    holding what the parser read; its subclass `AccessDenied` when the endpoint refuses the key;
    `UsageError` for options that cannot work (an unknown prompt, no key for OpenAI's API);
    `LocalModelError` when ``model="local"`` cannot start.
    """
    options = ExtractOptions(llm=llm, model=model, base_url=base_url, api_key=api_key, prompt=prompt,
                             max_retries=max_retries, timeout=timeout, judgement=judgement)
    return await aextract_resolved(source, options.resolve(own_client=client is not None), client)


async def aextract_resolved(source: Source, resolved: Resolved, client: Optional[AsyncOpenAI] = None,
                            slots: Optional[asyncio.Semaphore] = None) -> Determination:
    """`aextract` with its options already resolved (`ExtractOptions.resolve`): what a run of many
    letters calls for each one, sharing its request ``slots``."""
    text = read_text(source)
    if resolved.endpoint is None or resolved.prompt is None:
        return parse_letter(text)
    from .strategies import run_strategy

    if len(text) > MAX_MODEL_CHARACTERS:
        raise TooLongError(f"{len(text):,} characters: far longer than an IMR letter (at most "
                           f"{MAX_MODEL_CHARACTERS:,} are sent to a model); use --no-llm to parse it")
    caller = Caller(resolved.endpoint, client, slots)
    try:
        return await run_strategy(text, resolved.prompt, caller, judgement=resolved.judgement)
    finally:
        await caller.aclose()


def extract(
    source: Source,
    *,
    llm: Optional[bool] = None,
    model: Optional[str] = None,
    base_url: Optional[str] = None,
    api_key: Optional[str] = None,
    prompt: Optional[str] = None,
    client: Optional[AsyncOpenAI] = None,
    max_retries: Optional[int] = None,
    timeout: Optional[float] = None,
    judgement: str = DEFAULT_JUDGEMENT,
) -> Determination:
    """`aextract` for code that is not already in an event loop (the same options and errors)."""
    options = ExtractOptions(llm=llm, model=model, base_url=base_url, api_key=api_key, prompt=prompt,
                             max_retries=max_retries, timeout=timeout, judgement=judgement)
    resolved = options.resolve(own_client=client is not None)
    if resolved.endpoint is None:
        # The parser alone needs no event loop: without asyncio.run's set-up and teardown the dev
        # letters parse at 103 docs/s instead of 92 (benchmarks.parser_speed, 2026-12-02).
        return parse_letter(read_text(source))
    return asyncio.run(aextract_resolved(source, resolved, client))
