"""The grader adapter: :func:`grade` judges a model's answer to a corpus record with the graders of
``helix_corpus`` — one ``Grade``, one set of graders for the watchdog, the gates, ``helix-train
eval`` and ``helix-moe eval``.

A ``helix_corpus`` record (it carries ``grading``) is graded by ``helix_corpus.grade_record``, its
family's grader.  A record of the built-in fixture corpus (:mod:`helix_train.minicorpus`, no
``grading``) is graded by the same graders through the grading its ``meta`` implies
(:func:`grading_of`): ``grade_value`` in ``meta.answer_format`` (parse, compare values), or
``grade_exact`` on the stripped text when it has no answer format.

An ``HLXError`` on model output is a wrong answer; every other exception propagates.

>>> ex = {"completion": [{"role": "assistant", "content": "{C:14,0=123}"}],
...       "meta": {"answer_format": "lct"}}
>>> grade(ex, "{C:14, 0=123}")
Grade(correct=True, parsed=True, error=None)
>>> grade(ex, "{C:14,0=124}").correct
False
>>> g = grade(ex, "{C:14,0=")
>>> g.parsed, g.error.split(" ")[:2]
(False, ['not', 'lct:'])
"""

from __future__ import annotations

from typing import Any, Mapping

from helix_corpus.core import Grade
from helix_corpus.graders import grade_any
from helix_corpus.scoring import expected_answer, grade_record

__all__ = ["Grade", "grade", "grading_of", "expected_answer"]


def grading_of(record: Mapping[str, Any]) -> dict:
    """The ``grading`` of a record: its own, or for a fixture record the one its answer format
    implies (``value`` in ``meta.answer_format``, else ``exact`` on the stripped reference).

    >>> grading_of({"completion": [{"content": " ok "}], "meta": {"answer_format": None}})
    {'kind': 'exact', 'expected': 'ok'}
    """
    if "grading" in record:
        return record["grading"]
    fmt = (record.get("meta") or {}).get("answer_format")
    expected = expected_answer(record).strip()
    if fmt is None:
        return {"kind": "exact", "expected": expected}
    return {"kind": "value", "format": fmt, "expected": expected}


def grade(record: Mapping[str, Any], answer: str) -> Grade:
    """Grade ``answer`` with the ``helix_corpus`` graders (see the module docstring)."""
    if "grading" in record:
        return grade_record(record, answer)
    return grade_any({"grading": grading_of(record)}, answer)
