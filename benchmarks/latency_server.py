"""An OpenAI-compatible server on 127.0.0.1 that answers every request after a fixed delay.

Its answers are the real local model's, taken from the recorded cassettes in cassettes/ and
found by the request's body, so imr-llm runs over the seed letters exactly as when they were
recorded, only the model's time replaced by a fixed one. A request not in the cassettes gets a 404.

    python -m benchmarks.latency_server --delay 0.2     # prints the base URL, serves until killed

Run in its own process, so that its threads do not share the interpreter lock with the client
being measured.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional

from evals.cassettes import comparable

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"


def recorded_answers(folders: tuple[str, ...] = ("segmented-v1", "monolithic-v1", "segmented-v2", "monolithic-v2",
                                                 "segmented-v3", "monolithic-v3"),
                     ) -> dict[bytes, bytes]:
    """Request body -> response body, from the plain cassettes of the seed letters."""
    import yaml

    answers = {}
    for folder in folders:
        for path in sorted((CASSETTES / folder).glob("*.yaml")):
            for exchange in yaml.safe_load(path.read_text())["interactions"]:
                body = exchange["request"]["body"]
                body = body.encode() if isinstance(body, str) else body
                answer = exchange["response"]["body"]["string"]
                answers[comparable(body)] = answer.encode() if isinstance(answer, str) else answer
    return answers


def by_first_messages(answers: dict[bytes, bytes]) -> dict[str, bytes]:
    """The answer recorded for the first ask of each call, by its system and user messages: what
    a request with the same messages but other bytes (another client's JSON, a re-ask) is given."""
    first: dict[str, bytes] = {}
    for body, answer in answers.items():
        first.setdefault(json.dumps(json.loads(body)["messages"][:2]), answer)
    return first


def answer_for(body: bytes, answers: dict[bytes, bytes], first: dict[str, bytes]) -> Optional[bytes]:
    answer = answers.get(comparable(body))
    if answer is None:
        try:
            answer = first.get(json.dumps(json.loads(body)["messages"][:2]))
        except (ValueError, KeyError, TypeError):
            return None
    return answer


def serve(delay: float, port: int = 0) -> ThreadingHTTPServer:
    answers = recorded_answers()
    first = by_first_messages(answers)
    missing = json.dumps({"error": {"message": "request not in the recorded cassettes", "type": "not_found"}}).encode()

    answered = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real endpoints
        disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

        def parse_request(self) -> bool:
            # The request line has just come in: the answer goes out `delay` after it, this
            # server's own work (reading a 15 KB body, finding its answer: 2-6 ms here) inside
            # the delay, so that N requests in flight can reach N / delay.
            self.received = time.perf_counter()
            return super().parse_request()

        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            answer = answer_for(body, answers, first)
            time.sleep(max(0.0, delay - (time.perf_counter() - self.received)))
            self._reply(200 if answer else 404, answer or missing)
            with lock:
                answered[0] += 1

        def do_GET(self) -> None:  # noqa: N802 - /stats: how many requests were answered so far
            self._reply(200, json.dumps({"answered": answered[0]}).encode())

        def _reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # 64 clients connecting at once must not overflow the listen backlog (5)
        daemon_threads = True

    return Server(("127.0.0.1", port), Handler)


class LatencyServer:
    """The server in a child process: ``with LatencyServer(0.2) as url: ...``."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._process: Optional[subprocess.Popen[str]] = None

    def __enter__(self) -> str:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.latency_server", "--delay", str(self.delay)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )
        assert self._process.stdout is not None
        return self._process.stdout.readline().strip()

    def __exit__(self, *_: object) -> None:
        if self._process:
            self._process.terminate()
            self._process.wait(timeout=10)


def answered(base_url: str) -> int:
    """How many requests the server at ``base_url`` has answered."""
    import urllib.request

    with urllib.request.urlopen(base_url.removesuffix("/v1") + "/stats", timeout=5) as reply:
        return int(json.loads(reply.read())["answered"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.2, help="seconds before each answer (default 0.2)")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = serve(args.delay, args.port)
    print(f"http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
