import asyncio
import json
import time

import pytest
import yaml
from conftest import CASSETTES
from fault_server import ERROR, FaultServer

from imr_llm.answers import CaseAnswer
from imr_llm.calling import Caller, Endpoint, ModelError, endpoint_from_env
from imr_llm.schema import Usage


def recorded_case_answer() -> tuple[list[dict], bytes]:
    """The case-summary exchange of a recorded cassette: its request messages and the model's reply."""
    interactions = yaml.safe_load((CASSETTES / "segmented-v1" / "seed-000.yaml").read_text())["interactions"]
    import json

    for interaction in interactions:
        request = json.loads(interaction["request"]["body"])
        if "diagnoses" in json.dumps(request["response_format"]) and len(request["messages"]) == 2:
            return request["messages"], interaction["response"]["body"]["string"].encode()
    raise AssertionError("no case-summary exchange in the cassette")


def ask(base_url: str, max_retries: int, timeout: float = 30.0) -> tuple[CaseAnswer, Usage]:
    messages, _ = recorded_case_answer()
    usage = Usage()
    caller = Caller(Endpoint(model="local", base_url=base_url, api_key="no-key", max_retries=max_retries,
                             timeout=timeout))

    async def go():
        try:
            return await caller.ask(CaseAnswer, messages, {}, usage)
        finally:
            await caller.aclose()

    return asyncio.run(go()), usage


def test_transport_faults_are_retried_honouring_retry_after():
    _, reply = recorded_case_answer()
    script = [(429, {"retry-after": "1"}, ERROR), (503, {}, ERROR), (200, {}, reply)]
    with FaultServer(script) as server:
        started = time.monotonic()
        answer, usage = ask(server.base_url, max_retries=2)
        elapsed = time.monotonic() - started
    assert isinstance(answer, CaseAnswer)
    assert len(server.requests) == 3 and usage.calls == 3
    assert elapsed >= 1.0  # the 429 asked for one second
    assert usage.prompt_tokens > 0


def test_retries_are_bounded_and_the_failure_is_one_line():
    with FaultServer([(500, {}, ERROR)]) as server:
        with pytest.raises(ModelError) as caught:
            ask(server.base_url, max_retries=1)
    assert len(server.requests) == 2
    assert str(caught.value) == "model endpoint answered HTTP 500" and caught.value.transport


def test_a_client_error_is_not_retried():
    with FaultServer([(400, {}, ERROR)]) as server:
        with pytest.raises(ModelError, match="HTTP 400"):
            ask(server.base_url, max_retries=3)
    assert len(server.requests) == 1


def test_endpoint_from_arguments_then_environment(monkeypatch):
    monkeypatch.delenv("IMR_LLM_MODEL", raising=False)
    assert endpoint_from_env() is None
    monkeypatch.setenv("IMR_LLM_MODEL", "gpt-4o-mini")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-0000000000000000")
    endpoint = endpoint_from_env(max_retries=5)
    assert (endpoint.model, endpoint.base_url, endpoint.max_retries, endpoint.is_openai) == ("gpt-4o-mini", None, 5, True)
    assert "sk-canary" not in repr(endpoint)
    assert not Endpoint(model="local", base_url="http://127.0.0.1:8080/v1").is_openai


def test_asking_for_a_model_without_one_is_an_error(monkeypatch):
    from letters import letter

    from imr_llm import extract

    monkeypatch.delenv("IMR_LLM_MODEL", raising=False)
    text = letter(("A cane", "Upheld", "Not necessary."))
    with pytest.raises(ValueError, match="needs a model"):
        extract(text, llm=True)
    assert extract(text).model is None  # no model configured: the parser alone


def test_a_letter_is_sent_as_written_not_as_a_template():
    """instructor renders messages as Jinja templates when given a validation context."""
    letter = "Rationale: {{ text }} and {% if x %}odd{% endif %} {# kept #} {% endraw %} as written."
    with FaultServer([(400, {}, ERROR)]) as server:
        caller = Caller(Endpoint(model="local", base_url=server.base_url, api_key="no-key", max_retries=0))

        async def go():
            try:
                await caller.ask(CaseAnswer, [{"role": "system", "content": "Read it."},
                                              {"role": "user", "content": letter + "\n"}], {"text": letter}, Usage())
            finally:
                await caller.aclose()

        with pytest.raises(ModelError, match="HTTP 400"):
            asyncio.run(go())
    assert server.requests[0]["messages"][1]["content"] == letter


def test_usage_figures_out_of_range_are_not_counted():
    from types import SimpleNamespace

    from imr_llm.calling import _add_usage

    usage = Usage()
    _add_usage(usage, SimpleNamespace(prompt_tokens=1e30, completion_tokens=7))
    _add_usage(usage, SimpleNamespace(prompt_tokens=-5, completion_tokens=float("nan")))
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (0, 7, 7)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_never_followed_the_letter_stays_with_the_endpoint_asked(status):
    from conftest import seed
    from fault_server import FaultServer

    from imr_llm import extract

    with FaultServer([(200, {}, ERROR)]) as elsewhere:
        with FaultServer([(status, {"location": elsewhere.base_url + "/chat/completions"}, b"{}")]) as redirecting:
            with pytest.raises(ModelError) as caught:
                extract(seed("000"), model="some-model", base_url=redirecting.base_url, max_retries=1)
    assert elsewhere.requests == []  # nothing re-sent to the other host
    assert f"redirected (HTTP {status}) to http://127.0.0.1:" in str(caught.value) and "not followed" in str(caught.value)


def test_a_200_carrying_an_error_object_is_the_endpoints_own_message():
    from conftest import seed
    from fault_server import FaultServer

    from imr_llm import extract

    with FaultServer([(200, {}, ERROR)]) as server:
        with pytest.raises(ModelError, match="^model endpoint said: injected fault$") as caught:
            extract(seed("000"), model="some-model", base_url=server.base_url, max_retries=1)
    assert caught.value.transport  # a server fault, retried as one


@pytest.mark.parametrize("reply, reason", [
    ((200, {}, json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [
        {"index": 0, "finish_reason": "content_filter", "message": {"role": "assistant", "content": None}}]}).encode()),
     "the endpoint's content filter withheld the answer"),
    ((200, {"content-type": "text/html"}, b"<html><body>Please log in</body></html>"),
     "the model endpoint answered with an HTML page, not a chat completion (is --base-url right?)"),
])
def test_replies_that_are_no_answer_get_their_true_reason(reply, reason):
    from conftest import seed
    from fault_server import FaultServer

    from imr_llm import extract

    with FaultServer([reply]) as server:
        with pytest.raises(ModelError) as caught:
            extract(seed("000"), model="some-model", base_url=server.base_url, max_retries=0)
    assert str(caught.value) == reason


def test_an_answer_a_content_filter_cut_is_not_taken_even_when_it_parses():
    _, body = recorded_case_answer()
    reply = json.loads(body)
    ask_server = FaultServer([(200, {}, body)])
    with ask_server as server:
        answer, _ = ask(server.base_url, max_retries=0)  # the recorded answer, taken
    assert answer.diagnoses is not None
    reply["choices"][0]["finish_reason"] = "content_filter"
    with FaultServer([(200, {}, json.dumps(reply).encode())]) as server:
        with pytest.raises(ModelError, match="^the endpoint's content filter withheld the answer$"):
            ask(server.base_url, max_retries=0)


# --- through the public API: what a caller of extract() meets ----------------------------------
from conftest import seed  # noqa: E402

import imr_llm  # noqa: E402


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_is_access_denied_with_the_endpoints_own_words_and_no_key(status):
    key = "sk-proj-abcdef0123456789"
    said = {"error": {"message": f"Incorrect API key provided: {key}. Check it.", "type": "invalid_request_error"}}
    with FaultServer([(status, {}, json.dumps(said).encode())]) as server:
        with pytest.raises(imr_llm.AccessDenied) as caught:
            imr_llm.extract(seed("000"), model="m", base_url=server.base_url, api_key=key)
    message = str(caught.value)
    assert message == (f"the model endpoint refused the request (HTTP {status}): Incorrect API key provided: "
                       "[key]. Check it.; check OPENAI_API_KEY and --model")
    assert isinstance(caught.value, imr_llm.ModelError) and len(server.requests) <= 2  # never retried


def test_a_failed_model_call_carries_what_the_parser_read():
    with pytest.raises(imr_llm.ModelError) as caught:
        imr_llm.extract(seed("003"), model="local", base_url="http://127.0.0.1:9/v1", max_retries=0)
    assert str(caught.value) == "could not connect to the model endpoint"
    partial = caught.value.partial
    assert [d.item for d in partial.decisions] == ["PT 2X4 FOR THE L/S", "MRI FOR THE C/S AND L/S"]
    assert partial.model == "local" and partial.prompt == imr_llm.DEFAULT_PROMPT and partial.usage.calls >= 1


def test_openai_without_a_key_is_a_usage_error_and_a_client_of_ones_own_brings_its_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(imr_llm.UsageError, match="needs a key: set OPENAI_API_KEY"):
        imr_llm.extract(seed("000"), model="gpt-4o-mini")
    resolved = imr_llm.ExtractOptions(model="gpt-4o-mini").resolve(own_client=True)
    assert resolved.endpoint.model == "gpt-4o-mini" and resolved.prompt.name == imr_llm.DEFAULT_PROMPT


def test_extract_and_aextract_name_every_option_with_its_type():
    import inspect

    for function in (imr_llm.extract, imr_llm.aextract):
        parameters = inspect.signature(function).parameters
        assert list(parameters) == ["source", "llm", "model", "base_url", "api_key", "prompt", "client",
                                    "max_retries", "timeout", "judgement"]
        assert all(p.annotation is not inspect.Parameter.empty for p in parameters.values())
        assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    assert [f.name for f in __import__("dataclasses").fields(imr_llm.ExtractOptions)] == [
        "llm", "model", "base_url", "api_key", "prompt", "max_retries", "timeout", "judgement"]
    assert "sk-" not in repr(imr_llm.ExtractOptions(api_key="sk-secret"))


def test_the_errors_are_one_hierarchy_in_one_module():
    from imr_llm import errors

    for name in ("DocumentError", "ModelError", "AccessDenied", "LocalModelError", "OutputError", "RowsError",
                 "AnalyticsError", "UsageError"):
        error = getattr(imr_llm, name)
        assert error.__module__ == "imr_llm.errors" and issubclass(error, errors.ImrLlmError), name
    assert issubclass(imr_llm.LocalModelError, RuntimeError) and issubclass(imr_llm.UsageError, ValueError)


def test_every_call_of_a_process_shares_one_tls_context(monkeypatch):
    """httpx builds a TLS context (and loads its CA bundle) per transport, 26-28 ms here: the
    clients that extract() makes, one per call, share one instead."""
    import threading

    import httpx2
    from benchmarks.latency_server import serve

    from imr_llm import transport

    made = []
    real = httpx2.create_ssl_context
    monkeypatch.setattr(httpx2, "create_ssl_context", lambda *a, **k: made.append(1) or real(*a, **k))
    transport.shared_ssl_context.cache_clear()
    server = serve(0.0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        for name in ("000", "003"):
            result = imr_llm.extract(seed(name), model="local", base_url=base_url, prompt="segmented-v1")
            assert result.usage.calls >= 2
    finally:
        server.shutdown()
        server.server_close()
        transport.shared_ssl_context.cache_clear()
    assert len(made) == 1


def test_messages_skip_openais_walk_and_the_request_is_byte_for_byte_the_same():
    """Caller's client sends the messages in extra_body (openai walks `messages` against each
    message type first, to change nothing in plain JSON): what goes out must not change."""
    import httpx2
    from openai import AsyncOpenAI, DefaultAsyncHttpxClient

    from imr_llm.calling import _send_messages_as_they_are

    sent: list[bytes] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        sent.append(request.content)
        return httpx2.Response(200, json={"id": "c", "object": "chat.completion", "created": 0, "model": "m", "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "{}"}}]})

    messages = [{"role": "system", "content": "Read it."}, {"role": "user", "content": "Rationale: {{ x }} caf\u00e9\n"}]

    async def send(as_they_are: bool) -> str:
        client = AsyncOpenAI(base_url="http://127.0.0.1:9/v1", api_key="no-key",
                             http_client=DefaultAsyncHttpxClient(transport=httpx2.MockTransport(answer)))
        if as_they_are:
            _send_messages_as_they_are(client)
        reply = await client.chat.completions.create(
            model="m", messages=messages, temperature=0, max_tokens=5,
            response_format={"type": "json_schema", "json_schema": {"name": "A", "schema": {"type": "object"}}},
            extra_body={"response_format": {"type": "json_object", "schema": {"type": "object"}}})
        return reply.choices[0].message.content

    assert asyncio.run(send(False)) == asyncio.run(send(True)) == "{}"
    assert sent[0] == sent[1]
    assert json.loads(sent[1])["messages"] == messages and list(json.loads(sent[1]))[0] == "messages"
