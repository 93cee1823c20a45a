"""Where the letters are: ../shared beside the repository (CI has it too), or $IMR_SHARED.

The letters are others' data, read at run time and never committed. A missing ../shared is a
failure with a clear message, not a skip: a suite that skips its letters proves nothing.
"""

from __future__ import annotations

import os
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
