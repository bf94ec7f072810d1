"""The grader adapter: one function, :func:`grade`, that judges a model's answer to a corpus example.

The watchdog and the gates grade with exactly the code that built the corpus: a record made by
``helix_corpus`` (it carries a ``grading`` field) is graded by
``helix_corpus.grade_record(record, answer)``, its family's grader.  Records of the built-in
fixture corpus (:mod:`helix_train.minicorpus`, no ``grading`` field) use :func:`fallback_grade`,
which parses the answer with the example's answer format (``meta.answer_format``, one of
``helix_lang.FORMATS``) and compares values with ``helix_lang.values.equal``; examples without an
answer format compare stripped text.  This module is the only place that knows where graders come
from.

An ``HLXError`` on model output is a wrong answer; every other exception propagates.

>>> ex = {"completion": [{"role": "assistant", "content": "{C:14,0=123}"}],
...       "meta": {"answer_format": "lct"}}
>>> fallback_grade(ex, "{C:14, 0=123}")
Grade(correct=True, parsed=True, error=None)
>>> fallback_grade(ex, "{C:14,0=124}").correct
False
>>> g = fallback_grade(ex, "{C:14,0=")
>>> g.parsed, g.error.split(":")[0]
(False, 'E_LC_PARSE')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import helix_lang
from helix_lang import HLXError
from helix_lang.values import equal

__all__ = ["Grade", "grade", "fallback_grade", "expected_answer", "corpus_grader"]


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer: right or wrong, well-formed or not, and why not."""

    correct: bool
    parsed: bool
    error: str | None = None


def expected_answer(example: dict) -> str:
    """The reference completion text of a record."""
    return example["completion"][-1]["content"]


def fallback_grade(example: dict, answer: str) -> Grade:
    """Grade ``answer`` by parsing it in the example's answer format and comparing values."""
    fmt = (example.get("meta") or {}).get("answer_format")
    expected = expected_answer(example)
    if fmt is None:
        ok = answer.strip() == expected.strip()
        return Grade(ok, True, None if ok else f"expected {expected.strip()!r}")
    module = helix_lang.FORMATS[fmt]
    try:
        value = module.parse(answer.strip())
    except HLXError as e:
        return Grade(False, False, f"{e.code}: {e.message}")
    ok = equal(value, module.parse(expected))
    return Grade(ok, True, None if ok else "value differs from the reference")


def corpus_grader() -> Callable[[dict, str], object] | None:
    """``helix_corpus.grade_record`` when ``helix_corpus`` is installed, else None."""
    try:
        from helix_corpus import grade_record
    except ImportError:
        return None
    return grade_record


def grade(example: dict, answer: str) -> Grade:
    """Grade with the corpus graders for ``helix_corpus`` records, else :func:`fallback_grade`."""
    g = corpus_grader() if "grading" in example else None
    if g is None:
        if "grading" in example:
            raise ValueError(f"record `{example.get('id')}` comes from `helix_corpus` (it has "
                             f"`grading`) but `helix_corpus` is not installed; install it to grade")
        return fallback_grade(example, answer)
    r = g(example, answer)
    return Grade(bool(r.correct), bool(r.parsed), r.error)
