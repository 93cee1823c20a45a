"""Stage 3, prompt: the templates in `prompts/`, by name, rendered into chat messages.

A template file is Markdown: a title line, free notes, then one ``## <call>.system`` and one
``## <call>.user`` section per call the strategy makes (``decision``/``case`` for segmented,
``letter`` for monolithic). Placeholders are ``$name`` (`string.Template`), so JSON braces need
no escaping. The strategy is the name's first word: ``segmented-v2`` is segmented.

A line ``repeats-schema: no`` among the notes says the template's system prompts describe every
field themselves: the answer schema is then sent once, in the request's ``response_format`` (which
constrains decoding), and not appended to the system prompt as well. Templates without it (the v1
and v2 ones) are sent with instructor's JSON mode, which appends it, as they were recorded.

``segmented`` templates have either ``decision.*`` sections (one call per decision block) or a
``decisions.system`` section with a ``decision.user`` block (every block of a letter in one call,
so that the taxonomy is sent once per letter, not once per decision).

Besides the call's own values (``$item``, ``$rationale``, ``$text`` ...), every template may use
the taxonomy, rendered from `taxonomy` so that no template retypes it: ``$categories`` (each
category with its subcategories), ``$drug_classes``, ``$conventions`` and ``$reasons``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from .errors import UsageError

STRATEGIES = ("segmented", "monolithic")
DEFAULT_PROMPT = "segmented-v3"
_SECTION = re.compile(r"^##\s+(\w+)\.(system|user)\s*$", re.M)
_REPEATS_SCHEMA = re.compile(r"^repeats-schema:\s*(yes|no)\s*$", re.M)


@dataclass(frozen=True)
class Prompt:
    name: str
    strategy: str  # "segmented" | "monolithic"
    sections: dict[tuple[str, str], str]  # (call, role) -> template text
    repeats_schema: bool = True  # the answer schema appended to the system prompt (see above)

    def render(self, call: str, role: str, **values: str) -> str:
        """One section, placeholders filled from ``values`` and the taxonomy."""
        return Template(self.sections[(call, role)]).substitute({**taxonomy_text(), **values})

    def messages(self, call: str, **values: str) -> list[dict[str, str]]:
        """The chat messages for one ``call``, placeholders filled from ``values``."""
        return [{"role": role, "content": self.render(call, role, **values)} for role in ("system", "user")]

    @property
    def groups_decisions(self) -> bool:
        """A segmented template that asks about all of a letter's decisions in one call."""
        return ("decisions", "system") in self.sections


def available_prompts() -> list[str]:
    """The names of the templates shipped with imr-llm."""
    folder = resources.files("imr_llm.prompts")
    return sorted(entry.name[:-3] for entry in folder.iterdir() if entry.name.endswith(".md"))


def load_prompt(name_or_path: str) -> Prompt:
    """A shipped template by name ("segmented-v2"), or a template file of your own by path."""
    path = Path(name_or_path)
    if path.suffix == ".md" and path.is_file():
        source, name = path.read_text(encoding="utf-8"), path.stem
    else:
        entry = resources.files("imr_llm.prompts") / f"{name_or_path}.md"
        if not entry.is_file():
            raise UsageError(f"unknown prompt {name_or_path!r}; shipped prompts: {', '.join(available_prompts())}")
        source, name = entry.read_text(encoding="utf-8"), name_or_path
    strategy = name.split("-")[0]
    if strategy not in STRATEGIES:
        raise UsageError(f"prompt {name!r}: the name must start with one of {', '.join(STRATEGIES)}")
    notes = source[: m.start()] if (m := _SECTION.search(source)) else source
    repeats = _REPEATS_SCHEMA.search(notes)
    return Prompt(name=name, strategy=strategy, sections=_sections(source),
                  repeats_schema=repeats is None or repeats.group(1) == "yes")


def _sections(source: str) -> dict[tuple[str, str], str]:
    marks = list(_SECTION.finditer(source))
    ends = [mark.start() for mark in marks[1:]] + [len(source)]
    pairs = zip(marks, ends, strict=True)
    return {(mark.group(1), mark.group(2)): source[mark.end(): end].strip() for mark, end in pairs}


@functools.lru_cache(maxsize=1)
def taxonomy_text() -> dict[str, str]:
    """The taxonomy as the templates' ``$categories``, ``$drug_classes``, ``$conventions``, ``$reasons``."""
    from . import taxonomy

    def category_line(name: str, subs: tuple[str, ...]) -> str:
        if name == "Pharmaceuticals":
            return f"- {name}: subcategory is the drug class (below)"
        return f"- {name}: {', '.join(subs)}" if subs else f"- {name}: subcategory null"

    def convention_line(rule: taxonomy.Convention) -> str:
        where = f"{rule.category} / {rule.subcategory}" if rule.subcategory else rule.category
        return f"- {rule.what}: {where} (e.g. {'; '.join(rule.examples[:2])})"

    return {
        "categories": "\n".join(category_line(name, subs) for name, subs in taxonomy.CATEGORIES.items()),
        "drug_classes": ", ".join(taxonomy.DRUG_CLASSES),
        "conventions": "\n".join(convention_line(rule) for rule in taxonomy.CONVENTIONS),
        "reasons": "\n".join(f"- {code}: {meaning}" for code, meaning in taxonomy.REASONS.items()),
    }
