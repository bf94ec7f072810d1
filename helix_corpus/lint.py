"""Corpus lint, run on every build and by ``helix-corpus lint FILE``.

=================== ==========================================================================
rule                what it rejects
=================== ==========================================================================
``schema``          a record that does not match ``schema/record.schema.json``
``animal-emoji``    U+1F401–U+1F40A, the look-alikes that broke earlier corpora
``glyph``           any other code point outside the whitelist (ASCII, the glyph tables, the
                    generators' text alphabet, the planted look-alikes of error tasks and ``§``)
``placeholder``     ``...`` or ``…`` anywhere
``literal-newline`` a backslash-n outside string literals (a newline was meant)
``empty``           an empty request or answer
``duplicate``       the same request and answer twice in one corpus (or the same id twice);
                    corpora that share a family may share an example
``conflict``        the same request with two different answers, anywhere
``grade``           an answer its own grader does not accept
=================== ==========================================================================

>>> rec = {"id": "x", "task": "convert", "prompt": [{"role": "user", "content": "🐁..."}],
...        "completion": [{"role": "assistant", "content": "1"}]}
>>> sorted({i.rule for i in lint_records([rec], regrade=False, schema=False)})
['animal-emoji', 'placeholder']
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from helix_lang.translit import GLYPHS

from .families.errors import PROBES, STRAY, VS16
from .families.facts import LCR_GLYPHS
from .schema import validate_record
from .splits import user_text
from .valuegen import TEXT_CHARS

__all__ = ["Issue", "lint_records", "lint_files", "read_records", "ALLOWED", "ANIMALS"]

ANIMALS = range(0x1F401, 0x1F40B)
#: Non-ASCII prose characters of the request templates (spec section references).
PROSE = "§"
ALLOWED = frozenset(string.printable) - frozenset("\x0b\x0c\r") | frozenset(
    "".join(GLYPHS.values()) + "".join(LCR_GLYPHS) + TEXT_CHARS + "".join(PROBES.values())
    + "".join(STRAY) + VS16 + PROSE)
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


@dataclass(frozen=True)
class Issue:
    """One lint finding: the record id, the rule and what is wrong."""

    record: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.record}: [{self.rule}] {self.message}"


def _texts(r: Mapping) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in list(r["prompt"]) + list(r["completion"])]


def _char_issues(rid: str, role: str, text: str) -> list[Issue]:
    out = []
    for ch in set(text) - ALLOWED:
        if ord(ch) in ANIMALS:
            out.append(Issue(rid, "animal-emoji", f"{role}: U+{ord(ch):04X} is a look-alike "
                             f"animal emoji; the glyph is U+{ord(ch) + 0x300:04X}"))
        else:
            out.append(Issue(rid, "glyph", f"{role}: U+{ord(ch):04X} is not whitelisted"))
    return sorted(out, key=lambda i: i.message)


def lint_records(records: Iterable[Mapping], *, regrade: bool = True,
                 schema: bool = True) -> list[Issue]:
    """Every lint issue of ``records`` (checked together: duplicates span them all)."""
    from .scoring import (
        grade_record,  # the graders import the families, which import lint data
    )

    issues: list[Issue] = []
    answers: dict[str, tuple[str, str | None, str]] = {}
    ids: set[str] = set()
    for r in records:
        rid = str(r.get("id", "?"))
        if schema:
            errors = validate_record(r)
            issues += [Issue(rid, "schema", e) for e in errors]
            if errors:
                continue
        if rid in ids:
            issues.append(Issue(rid, "duplicate", "the id occurs twice"))
        ids.add(rid)
        for role, text in _texts(r):
            issues += _char_issues(rid, role, text)
            if "..." in text or "…" in text:
                issues.append(Issue(rid, "placeholder", f"{role}: contains a `...` placeholder"))
            if "\\n" in _STRING.sub("", text):
                issues.append(Issue(rid, "literal-newline",
                                    f"{role}: a literal \\n outside a string literal"))
        request, answer = user_text(r).strip(), r["completion"][0]["content"].strip()
        if not request or not answer:
            issues.append(Issue(rid, "empty", "empty request or answer"))
        if request in answers:
            other, track, seen = answers[request]
            if seen != answer:
                issues.append(Issue(rid, "conflict",
                                    f"the same request has a different answer in `{other}`"))
            elif track == r.get("track"):
                issues.append(Issue(rid, "duplicate", f"the same example is also `{other}`"))
        else:
            answers[request] = (rid, r.get("track"), answer)
        if regrade:
            g = grade_record(r, r["completion"][0]["content"])
            if not g.correct:
                issues.append(Issue(rid, "grade", f"its own answer grades incorrect: {g.error}"))
    return issues


def read_records(path: Path) -> list[dict]:
    """The records of a JSONL file (one JSON object per line)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def lint_files(paths: Iterable[Path]) -> list[Issue]:
    """Lint files together (a directory stands for its ``*.jsonl`` files, recursively)."""
    files: list[Path] = []
    for p in paths:
        files += sorted(p.rglob("*.jsonl")) if p.is_dir() else [p]
    records = [r for f in files for r in read_records(f)]
    return lint_records(records)
