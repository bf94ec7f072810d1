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
                (after dropping surrounding blank lines: a trailing newline does not count)
``resolve``     a value in ``format`` (as ``value``) or an error code, like ``expected``
``outcome``     what a program returns: a value in ``format`` (as ``value``) or the error
                code that ends the run, like ``expected``
``run``         a program of ``track`` that loads and runs to a value equal to ``result`` (an
                HLXL literal) and uses every construct of ``requires``; ``expected`` is one
                such program
``service``     the canonical language-service answer of ``op`` (HLX-SPEC §12) equals
                ``expected``; for ``diagnostics`` only the ``L:C CODE`` part of each line counts
=============== =============================================================================

>>> ex = {"grading": {"kind": "value", "format": "lct", "expected": "[1,2]"}}
>>> grade_value(ex, "[ 1, 2 ]"), grade_value(ex, "[1,3]").correct, grade_value(ex, "[1,").parsed
(Grade(correct=True, parsed=True, error=None), False, False)
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from helix_lang import FORMATS, HLXError, equal, to_hlxl
from helix_lang.errors import CODES

from .core import Grade, clean_answer
from .execution import load_error, outcome

__all__ = ["grade_value", "grade_exact", "grade_error", "grade_findings", "grade_program",
           "grade_resolve", "grade_outcome", "grade_run", "grade_service", "grade_any",
           "ERROR_ANSWER", "FINDING_LINE", "DIAGNOSTIC_LINE", "POSITION", "TYPE_PATTERN",
           "error_answer", "constructs", "CONSTRUCTS"]

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
    e = load_error(text, g["track"])
    if e is not None:
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


def grade_outcome(example: Mapping[str, Any], answer: str) -> Grade:
    """What a program returns: the value in ``format``, or the error code when the run fails."""
    g = example["grading"]
    text = clean_answer(answer)
    if g["expected"] in CODES:
        if text == g["expected"]:
            return Grade(True, True)
        if text in CODES:
            return Grade(False, True, "a different error code")
        return Grade(False, _parses(text, g["format"]), "the run fails, expected its error code")
    if text in CODES:
        return Grade(False, True, "answered an error code, but the program returns a value")
    return grade_value(example, answer)


#: The constructs a ``run`` task may require of the answer program.
CONSTRUCTS = ("while", "for", "if", "lambda", "helper", "recursion", "collapse", "snapshot",
              "validate")


def constructs(text: str) -> set[str]:
    """The constructs of :data:`CONSTRUCTS` an HLXL program text uses (by its tokens)."""
    from helix_lang.service.tokens import tokenize

    lexed = tokenize(text)
    types = lexed.types
    found = set()
    simple = {"WHILE": "while", "FOR": "for", "IF": "if", "LS_COLLAPSE": "collapse",
              "LS_SNAPSHOT": "snapshot", "LS_VALIDATE": "validate"}
    blocks: list[tuple[str, int]] = []
    for i, t in enumerate(types):
        if t in simple:
            found.add(simple[t])
        elif t == "PIPE" and i + 1 < len(types) and types[i + 1] == "LPAR":
            found.add("lambda")
        elif t == "BLOCK" and i + 1 < len(types) and types[i + 1] == "IDENT":
            blocks.append((lexed.value(i + 1), i + 1))
    if any(name != "main" for name, _ in blocks):
        found.add("helper")
    for n, (name, start) in enumerate(blocks):
        end = blocks[n + 1][1] if n + 1 < len(blocks) else len(types)
        for i in range(start + 1, end):
            if types[i] == "IDENT" and lexed.value(i) == name and (
                    i + 1 < end and types[i + 1] == "LPAR" or types[i - 1] == "PIPE"):
                found.add("recursion")
    return found


def grade_run(example: Mapping[str, Any], answer: str) -> Grade:
    """A program that must load, run to ``result`` and use the ``requires`` constructs."""
    g = example["grading"]
    track = g["track"]
    text = clean_answer(answer)
    e = load_error(text, track)
    if e is not None:
        return Grade(False, False, f"not an {track} program: {_why(e)}")
    got = outcome(text, track)
    if not got.ok:
        return Grade(False, True, f"the program fails: {_why(got.error)}")
    if not equal(got.value, FORMATS["hlxl"].parse(g["result"])):
        return Grade(False, True, f"the program returns {got.text('hlxl')[:80]}, not "
                     f"{g['result'][:80]}")
    missing = [c for c in g.get("requires", ()) if c not in
               constructs(to_hlxl(text) if track == "hlx" else text)]
    if missing:
        return Grade(False, True, f"the program does not use: {', '.join(missing)}")
    return Grade(True, True)


DIAGNOSTIC_LINE = re.compile(r"\A(\d+):(\d+) (E_[A-Z_]+)(?: .*)?\Z")
POSITION = re.compile(r"\A\d+:\d+\Z")
#: Format validity of an answer in the type language of §12.4 (its tokens, not their nesting).
TYPE_PATTERN = (r"(?:Null|Bool|Int|Float|Text|Bytes|Handle|Any|Array<|Map<|Contract<[0-9]+|Fn\(|\)"
                r"| -> |, |>)+")
_SOURCE_OPS = ("rename", "sort_fields", "convert_contract", "format")


def _service_parsed(op: str, track: str, text: str) -> bool:
    lines = text.split("\n")
    if op == "diagnostics":
        return all((m := DIAGNOSTIC_LINE.match(x)) is not None and m.group(3) in CODES
                   for x in lines)
    if op in ("definition", "references"):
        return all(POSITION.match(x) for x in lines) and (op == "references" or len(lines) == 1)
    if op == "type":
        return re.fullmatch(TYPE_PATTERN, text) is not None
    if op == "hover":
        return (len(lines) >= 2 and lines[0].startswith("type: ")
                and re.fullmatch(TYPE_PATTERN, lines[0][6:]) is not None)
    if op == "completion":
        return all(x and " " not in x for x in lines)
    if op in _SOURCE_OPS:
        return text == "error: E_LC_PARSE" or load_error(text, track) is None
    return bool(text)


def _diagnostic_keys(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        m = DIAGNOSTIC_LINE.match(line.strip())
        out.append(f"{m.group(1)}:{m.group(2)} {m.group(3)}" if m else line.strip())
    return out


def grade_service(example: Mapping[str, Any], answer: str) -> Grade:
    """A canonical language-service answer (§12); diagnostics compare ``L:C CODE`` only."""
    g = example["grading"]
    op, expected = g["op"], g["expected"]
    text = clean_answer(answer)
    if op in _SOURCE_OPS:
        same = text == expected.strip()
    elif op == "diagnostics":
        same = _diagnostic_keys(text) == _diagnostic_keys(expected)
    else:
        same = text == expected
    if same:
        return Grade(True, True)
    parsed = bool(text) and _service_parsed(op, g["track"], text)
    if not parsed:
        return Grade(False, False, f"not a well-formed `{op}` answer")
    return Grade(False, True, f"a different `{op}` answer")


def grade_any(example: Mapping[str, Any], answer: str) -> Grade:
    """Grade by ``example["grading"]["kind"]``, for families whose questions differ in kind."""
    return _BY_KIND[example["grading"]["kind"]](example, answer)


_BY_KIND = {"value": grade_value, "exact": grade_exact, "error": grade_error,
            "findings": grade_findings, "program": grade_program, "resolve": grade_resolve,
            "outcome": grade_outcome, "run": grade_run, "service": grade_service}
