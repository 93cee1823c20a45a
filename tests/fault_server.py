"""A scripted OpenAI-compatible server on 127.0.0.1 for transport-fault tests.

Each request gets the next scripted reply: (status, headers, body). The last reply repeats.
Bodies of successful replies come from cassettes recorded from the real model, not written here.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that timed out and left is what the hang fault is for


class _JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def reply(self, status: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in {"content-type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


class _InBackground:
    """A server on a free loopback port, in a thread: ``with Server(...) as server: server.base_url``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class FaultServer(_InBackground):
    def __init__(self, replies: list[tuple[int, dict[str, str], bytes]]) -> None:
        self.replies = replies
        self.requests: list[dict] = []
        outer = self

        class Handler(_JsonHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                length = int(self.headers.get("content-length", 0))
                outer.requests.append(json.loads(self.rfile.read(length) or b"{}"))
                status, headers, body = outer.replies[min(len(outer.requests), len(outer.replies)) - 1]
                self.reply(status, body, headers)

        super().__init__(Handler)


ERROR = json.dumps({"error": {"message": "injected fault", "type": "server_error"}}).encode()


def answer_with(handler: _JsonHandler, fault: str | None, answer: bytes, hang: float) -> None:
    """Reply to one request with ``answer`` (the real model's), spoiled by ``fault`` first."""
    import socket
    import struct
    import time

    if fault in ("429", "500", "503"):
        return handler.reply(int(fault), ERROR, {"retry-after": "1"} if fault == "429" else {})
    if fault == "hang":
        time.sleep(hang)
    if fault == "reset":
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.close_connection = True
        handler.connection.close()
        return None
    if fault == "malformed":
        return handler.reply(200, answer[: len(answer) // 2])
    if fault == "error200":
        return handler.reply(200, ERROR)
    if fault == "html":
        return handler.reply(200, b"<html><body>Sign in</body></html>", {"content-type": "text/html"})
    if fault == "redirect":  # to where nothing listens: a client that followed it would fail
        return handler.reply(307, b"{}", {"location": "http://127.0.0.1:9/v1/chat/completions"})
    if fault in ("cutoff", "schema"):
        reply = json.loads(answer)
        message = reply["choices"][0]["message"]
        if fault == "cutoff":
            message["content"] = message["content"][: len(message["content"]) // 2]
            reply["choices"][0]["finish_reason"] = "length"
        else:
            content = json.loads(message["content"])
            content = {key: "not what the schema allows" if isinstance(value, (list, int)) else 42
                       for key, value in content.items()}
            message["content"] = json.dumps(content)
        return handler.reply(200, json.dumps(reply).encode())
    return handler.reply(200, answer)


class RecordedFaultServer(_InBackground):
    """Answers each request with the real model's recorded answer (found by the request's body),
    after injecting ``faults`` into the first requests, in order (``repeat``: into every request).

    Faults: "429" (Retry-After: 1), "500", "503", "hang" (answers after ``hang`` seconds), "reset"
    (closes the connection without a reply), "malformed" (a 200 whose body is not JSON), "cutoff"
    (the answer cut in half, finish_reason "length"), "schema" (an answer that breaks the schema).
    """

    def __init__(self, faults: list[str], repeat: bool = False, hang: float = 3.0) -> None:

        from benchmarks.latency_server import answer_for, by_first_messages, recorded_answers

        answers = recorded_answers()
        # A re-ask (the answer that failed, then the reason) is not among the recordings when the
        # failure was injected here: it gets the answer recorded for the first ask of that call.
        first_asks = by_first_messages(answers)
        self.faults, self.repeat, self.seen, self.injected = list(faults), repeat, 0, []
        lock = threading.Lock()
        outer = self

        class Handler(_JsonHandler):

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with lock:
                    index, outer.seen = outer.seen, outer.seen + 1
                    fault = outer.faults[min(index, len(outer.faults) - 1)] if outer.repeat else (
                        outer.faults[index] if index < len(outer.faults) else None)
                    if fault:
                        outer.injected.append(fault)
                answer = answer_for(body, answers, first_asks)
                if answer is None:
                    return self.reply(404, ERROR)
                return answer_with(self, fault, answer, hang)


        super().__init__(Handler)


class ChaosServer(_InBackground):
    """Every fault at random (seeded): each request draws one, or none and gets a real answer.

    Answers are the local model's recorded ones: the answer to the same request where one was
    recorded, else one recorded for the same call (same system prompt), which for a letter of ours
    may fail grounding and be re-asked: the letter is still done, with warnings.
    Faults: 429, 500, 503, reset, hang (past the client's timeout), malformed JSON, an answer that
    breaks the schema, one cut off, a 200 carrying an error object, an HTML page, a redirect to a
    host that must never be asked.
    """

    FAULTS = ("429", "500", "503", "reset", "hang", "malformed", "schema", "cutoff", "error200", "html", "redirect")

    def __init__(self, seed: int, fault_rate: float = 0.35, hang: float = 3.0) -> None:
        import random

        from benchmarks.latency_server import recorded_answers

        answers = recorded_answers()
        by_system: dict[str, bytes] = {}
        for body, answer in answers.items():
            by_system.setdefault(json.dumps(json.loads(body)["messages"][:1]), answer)
        rng, lock = random.Random(seed), threading.Lock()
        self.drawn: list[str] = []
        outer = self

        class Handler(_JsonHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with lock:
                    fault = rng.choice(outer.FAULTS) if rng.random() < fault_rate else "none"
                    outer.drawn.append(fault)
                from evals.cassettes import comparable

                answer = answers.get(comparable(body))
                if answer is None:
                    try:
                        answer = by_system.get(json.dumps(json.loads(body)["messages"][:1]))
                    except (ValueError, KeyError, TypeError):
                        answer = None
                if answer is None:
                    return self.reply(404, ERROR)
                return answer_with(self, fault, answer, hang)

        super().__init__(Handler)
