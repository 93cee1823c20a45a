"""The public entry points: a letter in, a Determination out."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any, Optional

from .calling import Caller, Endpoint, endpoint_from_env
from .errors import TooLongError
from .parsing import parse_letter
from .policy import check_judgement
from .reading import Source, read_text
from .schema import Determination

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
    client: Any = None,
    max_retries: Optional[int] = None,
    timeout: Optional[float] = None,
    judgement: str = "parser",
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

    Raises a `DocumentError` subclass (one-line reason) when the document cannot be read or
    parsed, and `ModelError` when the model endpoint fails past its retries.
    """
    check_judgement(judgement)
    text = read_text(source)
    endpoint = resolve_endpoint(llm, model, base_url, api_key, timeout, max_retries)
    if endpoint is None:
        return parse_letter(text)
    from .prompting import DEFAULT_PROMPT, load_prompt
    from .strategies import run_strategy

    if len(text) > MAX_MODEL_CHARACTERS:
        raise TooLongError(f"{len(text):,} characters: far longer than an IMR letter (at most "
                           f"{MAX_MODEL_CHARACTERS:,} are sent to a model); use --no-llm to parse it")
    chosen = load_prompt(prompt or DEFAULT_PROMPT)
    caller = Caller(endpoint, client)
    try:
        return await run_strategy(text, chosen, caller, judgement=judgement)
    finally:
        await caller.aclose()


def resolve_endpoint(
    llm: Optional[bool] = None,
    model: Optional[str] = None,
    base_url: Optional[str] = None,
    api_key: Optional[str] = None,
    timeout: Optional[float] = None,
    max_retries: Optional[int] = None,
) -> Optional[Endpoint]:
    """The model endpoint the options (and the environment) name; None: the parser alone.

    ``model="local"`` starts the bundled model's server unless ``base_url`` names one.
    """
    if llm is False:
        return None
    endpoint = endpoint_from_env(model, base_url, api_key, timeout, max_retries)
    if endpoint is None:
        if llm:
            raise ValueError("llm=True needs a model: pass model=... or set IMR_LLM_MODEL")
        return None
    from .local import LOCAL_MODEL, local_base_url

    if endpoint.model == LOCAL_MODEL:
        # Greedy decoding makes the 135M model repeat itself until the token limit; a frequency
        # penalty lets it finish. base_url may point at a server (or cassette) of its own.
        endpoint = replace(endpoint, base_url=endpoint.base_url or local_base_url(),
                           sampling=(("frequency_penalty", 0.5),))
    return endpoint


def extract(source: Source, **options: Any) -> Determination:
    """`aextract` for code that is not already in an event loop (see `aextract` for options)."""
    return asyncio.run(aextract(source, **options))
