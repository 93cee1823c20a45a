"""Gold files and the letters they label.

A gold file ``<name>.json`` (under evals/gold/, by set: ``seeds/``, ``dev/``) labels the letter
whose file name, without ``.pdf``/``.txt``, is ``<name>``, found anywhere under the documents
folder: ../shared/corpus by default ($IMR_SHARED/corpus when set), ``--docs`` for one's own corpus.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
GOLD = Path(__file__).resolve().parent / "gold"
SUFFIXES = (".pdf", ".txt")


def default_docs() -> Path:
    shared = Path(os.environ.get("IMR_SHARED", ROOT.parent / "shared"))
    return shared / "corpus"


class GoldError(Exception):
    """Gold files or their letters cannot be found or read."""


@dataclass(frozen=True)
class GoldDocument:
    name: str  # the letter's file name without suffix, e.g. "CM16-0213037"
    set: str  # the gold sub-folder, e.g. "dev"; "" for gold files at the top
    gold: dict
    path: Path  # the letter

    @property
    def key(self) -> str:
        return f"{self.set}/{self.name}" if self.set else self.name


def load_gold(gold_dir: Path = GOLD, docs_dir: Optional[Path] = None, only: Sequence[str] = ()) -> list[GoldDocument]:
    """Every gold file under ``gold_dir`` paired with its letter under ``docs_dir``, sorted by set and name.

    ``only`` keeps the documents whose name or set/name is listed. Raises GoldError naming what is
    missing: a gold folder without gold files, a letter not found, a gold file that is not JSON.
    """
    docs_dir = docs_dir or default_docs()
    files = sorted(gold_dir.rglob("*.json"))
    if not files:
        raise GoldError(f"no gold files (*.json) under {gold_dir}")
    if not docs_dir.is_dir():
        raise GoldError(f"documents folder {docs_dir} not found: put shared/ beside the repository, "
                        "set IMR_SHARED, or pass --docs")
    letters: dict[str, Path] = {}
    for path in sorted(docs_dir.rglob("*")):
        if path.suffix.lower() in SUFFIXES and path.is_file():
            letters.setdefault(path.stem, path)
    documents = []
    for file in files:
        relative = file.relative_to(gold_dir)
        set_name = relative.parent.as_posix() if relative.parent != Path(".") else ""
        document_key = f"{set_name}/{file.stem}" if set_name else file.stem
        if only and file.stem not in only and document_key not in only:
            continue
        if file.stem not in letters:
            raise GoldError(f"no letter named {file.stem}.pdf or {file.stem}.txt under {docs_dir} "
                            f"(for gold file {file})")
        try:
            gold = json.loads(file.read_text(encoding="utf-8"))
        except ValueError as error:
            raise GoldError(f"gold file {file} is not JSON: {error}") from None
        documents.append(GoldDocument(file.stem, set_name, gold, letters[file.stem]))
    if only and not documents:
        raise GoldError(f"none of {', '.join(only)} has a gold file under {gold_dir}")
    return documents
