"""Stage 4, call: schema-constrained requests to any OpenAI-compatible endpoint.

Two retry policies, each bounded by ``max_retries``:
- transport faults (429 honouring Retry-After, 5xx, timeouts, refused or reset connections) are
  retried here with `tenacity`, exponential backoff with jitter;
- answers that fail validation are re-asked by instructor, the reason sent back to the model.
The openai client's own retries are off, so that these two are the only ones.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional, TypeVar

from pydantic import BaseModel

from .errors import AccessDenied, ModelError
from .schema import Usage

T = TypeVar("T", bound=BaseModel)

# The library never prints: instructor logs every failed attempt at ERROR level, which Python
# would otherwise write to stderr. Callers who want those logs configure logging themselves.
logging.getLogger("instructor").addHandler(logging.NullHandler())
_log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120.0
DEFAULT_MAX_RETRIES = 2
_RETRY_AFTER_CAP = 60.0  # seconds: a server asking for longer is treated as a failure to report


@dataclass(frozen=True)
class Endpoint:
    """Where and how to call a model. The key is kept out of ``repr`` and so out of every log."""

    model: str
    base_url: Optional[str] = None
    api_key: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    sampling: tuple[tuple[str, Any], ...] = ()  # extra request parameters, e.g. (("frequency_penalty", 0.5),)

    @property
    def is_openai(self) -> bool:
        """OpenAI's own API (structured outputs), as against another OpenAI-compatible server."""
        return self.base_url is None or "api.openai.com" in self.base_url

    @property
    def has_key(self) -> bool:
        return bool(self.api_key)

    @property
    def client_key(self) -> str:
        """The key for the openai client, which refuses none: a local server asks for none."""
        return self.api_key or "no-key"


def endpoint_from_env(
    model: Optional[str] = None,
    base_url: Optional[str] = None,
    api_key: Optional[str] = None,
    timeout: Optional[float] = None,
    max_retries: Optional[int] = None,
) -> Optional[Endpoint]:
    """Arguments first, then ``IMR_LLM_MODEL``, ``OPENAI_BASE_URL``, ``OPENAI_API_KEY``; None: no model."""
    model = model or os.environ.get("IMR_LLM_MODEL")
    if not model:
        return None
    return Endpoint(
        model=model,
        base_url=base_url or os.environ.get("OPENAI_BASE_URL") or None,
        # Stripped where read: a newline pasted with the key makes an illegal header value, and
        # httpx then quotes the whole header (key included) in its error.
        api_key=(api_key or os.environ.get("OPENAI_API_KEY") or "").strip(),
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
    )


class Caller:
    """Asks one endpoint for pydantic objects, counting tokens, calls and re-asks into a Usage."""

    def __init__(self, endpoint: Endpoint, client: Any = None, slots: Optional[asyncio.Semaphore] = None) -> None:
        """``slots``: shared by a run's letters, so that a request is made only once one is free."""
        from openai import AsyncOpenAI

        self._slots = slots

        self.endpoint = endpoint
        self._owns_client = client is None
        if client is None:
            from openai import DefaultAsyncHttpxClient

            from .transport import BoundedTransport, shared_ssl_context

            # No redirects: a 307 would re-send the letter (and the key) to whatever host it names.
            http = DefaultAsyncHttpxClient(follow_redirects=False, transport=BoundedTransport(),
                                           verify=shared_ssl_context())
            # The openai client's own retries off (tenacity's are the bounded ones); our timeout per request.
            self._client = AsyncOpenAI(base_url=endpoint.base_url, api_key=endpoint.client_key, http_client=http,
                                       max_retries=0, timeout=endpoint.timeout)
        else:  # a copy with those settings (with_options costs a second client: not for our own)
            self._client = client.with_options(max_retries=0, timeout=endpoint.timeout)
        _send_messages_as_they_are(self._client)
        self._instructors: dict[Any, Any] = {}  # by mode, made on first use (most letters use one)

    def _instructor(self, repeats_schema: bool) -> Any:
        """OpenAI constrains decoding with structured outputs. llama.cpp's server and others take a
        JSON schema inside a json_object response_format (they reject type json_schema), sent as
        extra_body, which replaces the response_format instructor sets. JSON mode also appends the
        schema to the system prompt (about 600 tokens a call): for the templates that repeat it
        (`Prompt.repeats_schema`, v1 and v2, as their cassettes were recorded)."""
        import instructor

        repeats = repeats_schema and not self.endpoint.is_openai
        mode = instructor.Mode.JSON if repeats else instructor.Mode.JSON_SCHEMA
        if mode not in self._instructors:
            self._instructors[mode] = instructor.from_openai(self._client, mode=mode)
        return self._instructors[mode]

    async def aclose(self) -> None:
        """Close the HTTP client if this Caller made it (one passed in is the caller's to close)."""
        if self._owns_client:
            await self._client.close()

    async def ask(self, response_model: type[T], messages: list[dict[str, str]], context: dict[str, Any],
                  usage: Usage, max_tokens: int = 1024, repeats_schema: bool = True) -> T:
        """One validated answer; `ModelError` with a one-line reason when none could be had.

        ``max_tokens`` bounds each answer; one cut off there counts as a failed answer.
        ``repeats_schema``: append the answer schema to the system prompt too (on other servers
        than OpenAI's), for the templates recorded that way; else the messages go as they are.
        """
        from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

        kwargs: dict[str, Any] = {"model": self.endpoint.model, "temperature": 0, "max_tokens": max_tokens,
                                  **dict(self.endpoint.sampling)}
        if not self.endpoint.is_openai:
            kwargs["extra_body"] = {"response_format": {"type": "json_object", "schema": _schema(response_model)}}
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception(is_transport_fault),
                stop=stop_after_attempt(self.endpoint.max_retries + 1),
                wait=wait_for_retry,
                before_sleep=_log_retry,
                reraise=True,
            ):
                with attempt:
                    if self._slots is None:
                        return await self._ask_once(response_model, messages, context, usage, kwargs, repeats_schema)
                    async with self._slots:
                        return await self._ask_once(response_model, messages, context, usage, kwargs, repeats_schema)
        except ModelError:
            raise
        except Exception as exc:
            refused = refusal(exc, self.endpoint.api_key)
            if refused is not None:
                raise AccessDenied(refused) from None
            raise ModelError(describe_failure(exc), _last_answer(exc), is_transport_fault(exc)) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _ask_once(self, response_model: type[T], messages: list[dict[str, str]], context: dict[str, Any],
                        usage: Usage, kwargs: dict[str, Any], repeats_schema: bool) -> T:
        from instructor.core.hooks import Hooks

        hooks = Hooks()

        def on_request(*_: Any, **__: Any) -> None:
            usage.calls += 1

        def on_parse_error(_error: Exception, **meta: Any) -> None:
            if not meta.get("is_last_attempt"):
                usage.reasks += 1

        filtered: list[bool] = []

        def on_response(response: Any, **__: Any) -> None:
            choices = getattr(response, "choices", None) or []
            filtered.append(bool(choices) and getattr(choices[0], "finish_reason", None) == "content_filter")

        hooks.on("completion:kwargs", on_request)
        hooks.on("completion:response", on_response)
        hooks.on("parse:error", on_parse_error)
        try:
            if repeats_schema:  # as recorded: instructor renders the messages, hence _verbatim
                answer = await self._instructor(True).create(
                    response_model=response_model, messages=_verbatim(messages) if context else messages,
                    context=context, max_retries=self.endpoint.max_retries, hooks=hooks, **kwargs)
            else:  # the context reaches the validators without instructor, which then renders nothing
                with grounded_in(context):
                    answer = await self._instructor(False).create(
                        response_model=response_model, messages=messages,
                        max_retries=self.endpoint.max_retries, hooks=hooks, **kwargs)
        except Exception as exc:  # re-asks that ran out, or an answer cut off, still cost their tokens
            cut_off = getattr(exc, "last_completion", None)
            _add_usage(usage, getattr(exc, "total_usage", None) or getattr(cut_off, "usage", None))
            raise
        _add_usage(usage, getattr(answer, "_total_usage", None))
        if filtered and filtered[-1]:  # what a content filter let through is not the model's whole answer
            raise ModelError("the endpoint's content filter withheld the answer")
        return answer


def _send_messages_as_they_are(client: Any) -> None:
    """This client's ``chat.completions.create`` (which instructor calls) sends the messages in
    ``extra_body``, which openai merges into the request body as it is: given them as ``messages``,
    openai first walks each one against all six message types (0.38 ms a request of four, the
    largest part of the client's CPU at 64 requests in flight), to change nothing in plain JSON
    messages like ours. So with a ``response_format`` that ``extra_body`` replaces (the schema
    inside a json_object, for servers other than OpenAI's): openai walked instructor's, the whole
    JSON schema, against each of the three formats, for a value it then drops. An empty one keeps
    the key's place. The body is byte for byte the same; only this client, our own or our copy of
    the caller's, is changed."""
    completions = client.chat.completions
    create = completions.create

    @functools.wraps(create)
    async def create_sending_messages_as_they_are(*, messages: Any, extra_body: Any = None, **kwargs: Any) -> Any:
        extra_body = {"messages": list(messages), **(extra_body or {})}
        if "response_format" in extra_body and "response_format" in kwargs:
            kwargs["response_format"] = {}
        return await create(messages=[], extra_body=extra_body, **kwargs)

    completions.create = create_sending_messages_as_they_are


_GROUNDING: ContextVar[Optional[dict[str, Any]]] = ContextVar("imr_llm_grounding", default=None)


@contextmanager
def grounded_in(context: dict[str, Any]) -> Iterator[None]:
    """Answers validated inside see ``context`` (the letter) as if pydantic had been given it: how
    it reaches the validators without instructor, which renders every message as a Jinja template
    when it is given a context (0.4 ms a call, and a letter is no template)."""
    token = _GROUNDING.set(context)
    try:
        yield
    finally:
        _GROUNDING.reset(token)


def grounding_context() -> Optional[dict[str, Any]]:
    """The context set by the innermost `grounded_in` of this task, None outside one."""
    return _GROUNDING.get()


def _verbatim(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """Messages that come through instructor's templating unchanged.

    Given a validation context, instructor renders every message as a Jinja template; a letter is
    not one (a "{{" or "{%" in it would be evaluated or fail). Raw blocks render to the text itself,
    less the one trailing newline Jinja drops from any template (so requests stay as recorded).
    """
    def raw(text: str) -> str:
        text = text[:-1] if text.endswith("\n") else text
        return "{% raw %}" + text.replace("{% endraw %}", "{% endraw %}{{ '{% endraw %}' }}{% raw %}") + "{% endraw %}"

    return [{**message, "content": raw(message["content"])} for message in messages]


@functools.lru_cache(maxsize=None)
def _schema(response_model: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema, made once: building it costs more than the rest of a request."""
    return response_model.model_json_schema()


def _last_answer(exc: BaseException) -> Optional[str]:
    for cause in _causes(exc):
        completion = getattr(cause, "last_completion", None)
        if completion is not None:
            try:
                return completion.choices[0].message.content
            except (AttributeError, IndexError, TypeError):  # no choices at all: an error object
                return None
    return None


def _endpoint_said(exc: BaseException) -> Optional[str]:
    """The message of an error object that a server sent with status 200 instead of choices."""
    for cause in _causes(exc):
        completion = getattr(cause, "last_completion", None)
        if completion is None or getattr(completion, "choices", None):
            continue
        error = (getattr(completion, "model_extra", None) or {}).get("error")
        if isinstance(error, dict):
            return " ".join(str(error.get("message") or error.get("type") or "an error").split())[:300]
        if isinstance(error, str):
            return " ".join(error.split())[:300]
    return None


# More tokens than any one request can carry: a usage figure above this is the endpoint's error,
# not a count (1e30 from a broken server overflowed Parquet's int64 and lost every row).
_MAX_TOKENS_PER_REQUEST = 10_000_000


def token_count(value: Any) -> int:
    """A token count as an endpoint reported it; anything else (a string, NaN, 1e30) counts nothing."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return 0
    return int(value) if 0 <= value <= _MAX_TOKENS_PER_REQUEST else 0


def _add_usage(usage: Usage, tokens: Any) -> None:
    if tokens is None:
        return
    usage.prompt_tokens += token_count(getattr(tokens, "prompt_tokens", 0))
    usage.completion_tokens += token_count(getattr(tokens, "completion_tokens", 0))
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    cause: Optional[BaseException] = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


def is_transport_fault(exc: BaseException) -> bool:
    """A fault of the connection or the server, worth the same request again."""
    import openai

    if _endpoint_said(exc) is not None:
        return True  # a 200 carrying an error object: the server's fault, as a 500 would be
    from .transport import AnswerTooLarge

    if any(isinstance(cause, AnswerTooLarge) for cause in _causes(exc)):
        return False  # asking again would read the same flood
    for cause in _causes(exc):
        if isinstance(cause, (openai.APIConnectionError, openai.APITimeoutError, openai.RateLimitError,
                              openai.InternalServerError)):
            return True
        if isinstance(cause, openai.APIStatusError) and cause.status_code in (408, 409, 425, 429) or (
            isinstance(cause, openai.APIStatusError) and cause.status_code >= 500
        ):
            return True
    return False


def retry_after_seconds(exc: BaseException) -> Optional[float]:
    """The server's Retry-After (seconds or retry-after-ms), when it sent one."""
    for cause in _causes(exc):
        response = getattr(cause, "response", None)
        headers = getattr(response, "headers", None)
        if not headers:
            continue
        try:
            if headers.get("retry-after-ms"):
                return float(headers["retry-after-ms"]) / 1000
            if headers.get("retry-after"):
                return float(headers["retry-after"])
        except ValueError:
            return None  # an HTTP date: fall back to backoff
    return None


def _log_retry(retry_state: Any) -> None:
    exc = retry_state.outcome.exception() if retry_state.outcome else None
    _log.info("retrying in %.1f s (attempt %d): %s", retry_state.next_action.sleep if retry_state.next_action else 0,
              retry_state.attempt_number + 1, describe_failure(exc) if exc else "no answer")


def wait_for_retry(retry_state: Any) -> float:
    """Retry-After when the server says it (capped), else exponential backoff with full jitter."""
    import random

    exc = retry_state.outcome.exception() if retry_state.outcome else None
    told = retry_after_seconds(exc) if exc else None
    if told is not None:
        return min(max(told, 0.0), _RETRY_AFTER_CAP)
    return random.uniform(0, min(0.5 * 2 ** (retry_state.attempt_number - 1), 8.0))


def _origin(url: str) -> str:
    """scheme://host[:port] of a redirect target: its path and query are none of the message's business."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "a relative location"


# What a key looks like in an endpoint's message ("Incorrect API key provided: sk-proj-ab***yz"): even
# a key shown in part is not repeated.
KEY_LIKE = re.compile(r"\b(?:sk|key|pk)-[A-Za-z0-9_*.-]{4,}")


def refusal(exc: BaseException, api_key: str = "") -> Optional[str]:
    """One line, when the endpoint refused the key or the model (HTTP 401/403): its own message,
    with the key (and anything that looks like one) taken out. None for any other failure."""
    import openai

    for cause in _causes(exc):
        if isinstance(cause, openai.APIStatusError) and cause.status_code in (401, 403):
            said = _said(cause)
            if api_key:
                said = said.replace(api_key, "[key]")
            said = KEY_LIKE.sub("[key]", said)
            return (f"the model endpoint refused the request (HTTP {cause.status_code})"
                    f"{': ' + said if said else ''}; check OPENAI_API_KEY and --model")
    return None


def _said(error: Any) -> str:
    """The message inside an HTTP error's body (OpenAI's {"error": {"message": ...}} and the like)."""
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        body = inner.get("message") or inner.get("detail") if isinstance(inner, dict) else inner
    if not isinstance(body, str):
        response = getattr(error, "response", None)
        try:
            body = response.text if response is not None else ""
        except Exception:  # a streamed body not read: no message, the status says enough
            body = ""
    if body.lstrip().startswith("<"):
        return ""  # an HTML page: its markup is no message
    return " ".join(body.split())[:300]


def describe_failure(exc: BaseException) -> str:
    """One line, no traceback, no key: what finally went wrong with a model call."""
    import openai

    causes = _causes(exc)
    from .transport import AnswerTooLarge

    too_large = next((c for c in causes if isinstance(c, AnswerTooLarge)), None)
    if too_large is not None:
        return f"model endpoint's {too_large}"
    said = _endpoint_said(exc)
    if said is not None:
        return f"model endpoint said: {said}"
    for cause in causes:
        completion = getattr(cause, "last_completion", None)
        if isinstance(completion, str):  # not a chat completion at all: a proxy's page, a login form
            kind = "an HTML page" if completion.lstrip()[:1] == "<" else "text"
            return f"the model endpoint answered with {kind}, not a chat completion (is --base-url right?)"
        choices = getattr(completion, "choices", None) or []
        if choices and getattr(choices[0], "finish_reason", None) == "content_filter":
            return "the endpoint's content filter withheld the answer"
    for cause in causes:
        if isinstance(cause, openai.APITimeoutError):
            return "model call timed out"
        if isinstance(cause, openai.APIConnectionError):
            return "could not connect to the model endpoint"
        if isinstance(cause, openai.APIStatusError) and 300 <= cause.status_code < 400:
            where = cause.response.headers.get("location", "elsewhere")
            return (f"model endpoint redirected (HTTP {cause.status_code}) to {_origin(where)}; not followed: "
                    "the letter goes only to --base-url (set it to the endpoint itself)")
        if isinstance(cause, openai.APIStatusError):
            return f"model endpoint answered HTTP {cause.status_code}"
    from pydantic import ValidationError

    for cause in causes:
        if isinstance(cause, json.JSONDecodeError) or isinstance(cause, openai.APIResponseValidationError):
            return "the model endpoint's reply is not valid JSON"
        if type(cause).__name__ == "IncompleteOutputException":
            return "the answer was cut off at the token limit"
    for cause in causes:
        if isinstance(cause, ValidationError) and cause.errors():
            first = cause.errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ())) or "answer"
            return f"model answer failed validation after retries: {where}: {first['msg'][:200]}"
    name = type(causes[-1]).__name__
    message = str(causes[-1]).splitlines()[0] if str(causes[-1]) else ""
    return f"model call failed: {name}: {message[:200]}"
