"""The graders task families share.  Each is ``grade(example, answer) -> Grade`` and reads what it
needs from ``example["grading"]``; an :class:`~helix_lang.HLXError` raised by a model's answer is
a wrong answer, any other exception is a bug and propagates.

=============== =============================================================================
``kind``        verdict
=============== =============================================================================
``value``       parse the answer in ``format``; correct iff the value equals ``expected``
                (``canonical``: the text must also be exactly the canonical one;
                ``named``: the answer must use HLXL named-field sugar)
``exact``       the answer text equals ``expected``; ``pattern`` decides format validity
``error``       ``E_CODE line:col`` (1-based) or ``E_CODE byte N`` (LC-B) equals ``expected``
``findings``    ``valid`` or one ``E_CODE id @index`` line per schema finding, in order
``program``     the answer loads as a program of ``track`` and equals ``expected`` exactly
``resolve``     a value in ``format`` (as ``value``) or an error code, like ``expected``
=============== =============================================================================

>>> ex = {"grading": {"kind": "value", "format": "lct", "expected": "[1,2]"}}
>>> grade_value(ex, "[ 1, 2 ]"), grade_value(ex, "[1,3]").correct, grade_value(ex, "[1,").parsed
(Grade(correct=True, parsed=True, error=None), False, False)
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from helix_lang import FORMATS, HLXError, equal
from helix_lang.errors import CODES
from helix_lang.hlxl.parser import load

from .core import Grade, clean_answer

__all__ = ["grade_value", "grade_exact", "grade_error", "grade_findings", "grade_program",
           "grade_resolve", "grade_any", "ERROR_ANSWER", "FINDING_LINE", "error_answer"]

ERROR_ANSWER = re.compile(r"\A(E_[A-Z_]+) (?:(\d+):(\d+)|byte (\d+))\Z")
FINDING_LINE = re.compile(r"\A(E_CONTRACT_[A-Z_]+) (\d+) @(\d+)\Z")


def _why(e: HLXError) -> str:
    return f"{e.code} {e.where()}{e.message}"


def _parse(text: str, fmt: str) -> Any:
    return FORMATS[fmt].parse(text)


def grade_value(example: Mapping[str, Any], answer: str) -> Grade:
    g = example["grading"]
    text = clean_answer(answer)
    try:
        got = _parse(text, g["format"])
    except HLXError as e:
        return Grade(False, False, f"not {g['format']}: {_why(e)}")
    if text != g["expected"] and not equal(got, _parse(g["expected"], g["format"])):
        return Grade(False, True, "a different value")
    if g.get("canonical") and text != g["expected"]:
        return Grade(False, True, "the right value, but not the canonical text")
    if g.get("named") and not text.startswith("contract "):
        return Grade(False, True, "the right value, but not written with named-field sugar")
    return Grade(True, True)


def grade_exact(example: Mapping[str, Any], answer: str) -> Grade:
    g = example["grading"]
    text = clean_answer(answer)
    pattern = g.get("pattern")
    parsed = bool(text) and (pattern is None or re.fullmatch(pattern, text) is not None)
    if text == g["expected"]:
        return Grade(True, True)
    return Grade(False, parsed, "a different answer" if parsed else
                 f"not an answer of the form `{pattern}`")


def error_answer(e: HLXError) -> str:
    """The canonical answer for an error: ``E_CODE line:col``, or ``E_CODE byte N`` for LC-B."""
    if e.offset is not None:
        return f"{e.code} byte {e.offset}"
    return f"{e.code} {e.line}:{e.column}"


def grade_error(example: Mapping[str, Any], answer: str) -> Grade:
    expected = example["grading"]["expected"]
    text = clean_answer(answer)
    m = ERROR_ANSWER.match(text)
    if m is None or m.group(1) not in CODES:
        return Grade(False, False, "not `E_CODE line:col` (or `E_CODE byte N`) with a known code")
    if text == expected:
        return Grade(True, True)
    code_ok = m.group(1) == expected.split(" ")[0]
    return Grade(False, True, "right code, wrong position" if code_ok else "wrong error code")


def grade_findings(example: Mapping[str, Any], answer: str) -> Grade:
    expected = example["grading"]["expected"]
    text = clean_answer(answer)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    ok = lines == ["valid"] or (lines and all(FINDING_LINE.match(x) for x in lines))
    if not ok:
        return Grade(False, False, "not `valid` nor lines `E_CONTRACT_… <id> @<index>`")
    if "\n".join(lines) == expected:
        return Grade(True, True)
    return Grade(False, True, "different findings")


def grade_program(example: Mapping[str, Any], answer: str) -> Grade:
    g = example["grading"]
    text = clean_answer(answer)
    try:
        load(text, track=g["track"])
    except HLXError as e:
        return Grade(False, False, f"not an {g['track']} program: {_why(e)}")
    if text == g["expected"].strip():
        return Grade(True, True)
    return Grade(False, True, "a valid program, but not the expected text")


def grade_resolve(example: Mapping[str, Any], answer: str) -> Grade:
    g = example["grading"]
    text = clean_answer(answer)
    if g["expected"] in CODES:
        if text == g["expected"]:
            return Grade(True, True)
        return Grade(False, text in CODES or _parses(text, g["format"]), "expected an error code")
    if text in CODES:
        return Grade(False, True, "answered an error, the handle is in the table")
    return grade_value(example, answer)


def _parses(text: str, fmt: str) -> bool:
    try:
        _parse(text, fmt)
    except HLXError:
        return False
    return True


def grade_any(example: Mapping[str, Any], answer: str) -> Grade:
    """Grade by ``example["grading"]["kind"]``, for families whose questions differ in kind."""
    return _BY_KIND[example["grading"]["kind"]](example, answer)


_BY_KIND = {"value": grade_value, "exact": grade_exact, "error": grade_error,
            "findings": grade_findings, "program": grade_program, "resolve": grade_resolve}
