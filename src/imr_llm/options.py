"""How to extract, as one object: what `extract`, `aextract_many` and the CLI all pass along.

`ExtractOptions` holds what was asked; `resolve()` turns it, once per run, into a `Resolved`: the
endpoint (None for the parser alone; the local model's server started if asked for), the prompt
loaded, the policy checked. Every letter of a run then uses that one `Resolved`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Optional

from .calling import Endpoint, endpoint_from_env
from .errors import UsageError
from .policy import DEFAULT_JUDGEMENT, check_judgement

if TYPE_CHECKING:
    from .prompting import Prompt


@dataclass(frozen=True)
class ExtractOptions:
    """The options of an extraction (see `aextract` for each). The key stays out of ``repr``.

    ``llm``: None, a model if one is named (``model=`` or ``IMR_LLM_MODEL``); False, the parser
    alone; True, a model, and an error if none is named.
    """

    llm: Optional[bool] = None
    model: Optional[str] = None
    base_url: Optional[str] = None
    api_key: Optional[str] = field(default=None, repr=False)
    prompt: Optional[str] = None
    max_retries: Optional[int] = None
    timeout: Optional[float] = None
    judgement: str = DEFAULT_JUDGEMENT

    def model_name(self) -> Optional[str]:
        """The model this run will use (None: the parser alone), without starting anything."""
        if self.llm is False:
            return None
        return self.model or os.environ.get("IMR_LLM_MODEL") or None

    def resolve(self, *, own_client: bool = False) -> Resolved:
        """The endpoint, prompt and policy, checked; the local model's server started if asked for.
        UsageError when the options cannot work (llm=True and no model, no key for OpenAI's API,
        an unknown prompt or policy). ``own_client``: the caller brings a client (and its key)."""
        judgement = check_judgement(self.judgement)
        if self.model_name() is None:
            return Resolved(self._endpoint(own_client), None, judgement)  # llm=True without a model: UsageError
        from .prompting import DEFAULT_PROMPT, load_prompt

        prompt = load_prompt(self.prompt or DEFAULT_PROMPT)  # before any server is started for it
        return Resolved(self._endpoint(own_client), prompt, judgement)

    def _endpoint(self, own_client: bool) -> Optional[Endpoint]:
        if self.llm is False:
            return None
        endpoint = endpoint_from_env(self.model, self.base_url, self.api_key, self.timeout, self.max_retries)
        if endpoint is None:
            if self.llm:
                raise UsageError("llm=True needs a model: pass model=... or set IMR_LLM_MODEL")
            return None
        from .local import LOCAL_MODEL, local_base_url

        if endpoint.model == LOCAL_MODEL:
            # Greedy decoding makes the 135M model repeat itself until the token limit; a frequency
            # penalty lets it finish. base_url may point at a server (or cassette) of its own.
            return replace(endpoint, base_url=endpoint.base_url or local_base_url(),
                           sampling=(("frequency_penalty", 0.5),))
        if endpoint.is_openai and not endpoint.has_key and not own_client:
            # Every request would be refused with 401: say so before the first one is sent.
            raise UsageError(f"model {endpoint.model!r} on OpenAI's API needs a key: set OPENAI_API_KEY "
                             "(or --base-url for another OpenAI-compatible server)")
        return endpoint


@dataclass(frozen=True)
class Resolved:
    """What a run uses for every letter: ``endpoint`` None means the parser alone."""

    endpoint: Optional[Endpoint]
    prompt: Optional[Prompt]
    judgement: str

    @property
    def made_by(self) -> tuple[Optional[str], Optional[str]]:
        """(model, prompt) as this run's rows will name them; (None, None) for the parser alone."""
        if self.endpoint is None or self.prompt is None:
            return None, None
        return self.endpoint.model, self.prompt.name
