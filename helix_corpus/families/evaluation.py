"""Program evaluation (HLX-SPEC §10.4–§10.8): what a program returns, and what one of its
statements binds.

The programs are :class:`~helix_corpus.families.calc.CalcGen` programs (built to compute
something) and :class:`~helix_corpus.families.programs.ProgramGen` programs (noisy ones, with
dead code, keyword traps and latent-space operations), run by ``helix_lang.hlxl.interp``.  The
answer is the canonical value literal of the result (HLXL, or HLX for the runic track), or the
error code when the run fails (``grading.kind = "outcome"``).  Results no reader can work out by
hand are skipped: content handles of ``ls.collapse`` (BLAKE3 digests) and fingerprints.

``statement_binds`` asks what a top-level ``let``/``local`` of ``main`` binds: the value right
after it runs (the program cut after that statement, returning the variable), the kind of that
value, or the static type the statement gives the variable (§12.4, ``types.type_at`` on the
declaring token).

The skeleton of every example is the program's shape, so a program shape held out for val or
test is held out from every program family.
"""

from __future__ import annotations

import random

from helix_lang import to_hlx, to_hlxl
from helix_lang.hlxl.types import type_at
from helix_lang.values import KINDS, kind

from ..core import Draft, Family, GenerationError, Paraphrases, sample
from ..execution import GEN_STEPS, load_error, opaque, outcome
from ..graders import TYPE_PATTERN, grade_any, grade_outcome
from .calc import CalcGen, let_name
from .common import LABEL
from .programs import ProgramGen

__all__ = ["PROGRAM_EVAL", "HLXL_EVAL", "HLX_EVAL", "STATEMENT_BINDS", "eval_sample",
           "MAX_RESULT"]

#: Longest result text asked for (longer ones are skipped).
MAX_RESULT = 160

EVAL_TEMPLATES = Paraphrases("eval", (
    "What does this {lang} program return? Answer with the canonical {fmt} value literal of "
    "the result, or with the error code alone if the run fails.\n{program}",
    "{program}\nRun the program above. Give the value `main` returns as a canonical {fmt} "
    "literal (or the E_ code of the error that stops it).",
    "Evaluate this {lang} program (HLX-SPEC §10) and reply with its result in canonical {fmt} "
    "notation. If it fails, reply with the error code only.\n{program}",
    "Execute the following program and write the result as a canonical {fmt} value; an error "
    "code if execution fails.\n{program}",
    "What is the result of running this {lang} program? Canonical {fmt} value literal, or the "
    "error code when it fails.\n{program}",
), (
    "Trace this {lang} program by hand. Which value comes back from `main`? Reply with the "
    "canonical {fmt} literal, or the error code on failure.\n{program}",
    "{program}\nResult of running it? (a canonical {fmt} value, or an E_ error code)",
))


def _pick_track(rng: random.Random, tracks: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([t for t, _ in tracks], [w for _, w in tracks])[0]


def eval_sample(rng: random.Random, split: str, *, what: str, calc: dict, program_share: float,
                program_size: int, track: str, errors: bool = True, tries: int = 40):
    """``(shape, hlxl_text, outcome)`` of a program whose shape belongs to ``split``, whose
    result can be worked out by hand, and (for ``track="hlx"``) that is valid HLX."""

    def gen():
        if rng.random() < program_share:
            text, shape = ProgramGen(rng, size=program_size).program()
        else:
            text, shape = CalcGen(rng, **calc).program()
        return shape, text

    for _ in range(tries):
        shape, text = sample(split, gen, what=what)
        got = outcome(text, max_steps=GEN_STEPS)
        if got.ok:
            if opaque(got.value) or len(got.text("hlxl")) > MAX_RESULT:
                continue
        elif not errors or got.error.code in ("E_STEP_LIMIT", "E_DEPTH_EXCEEDED"):
            continue
        if track == "hlx":
            hlx = to_hlx(text)
            if to_hlxl(hlx) != text or load_error(hlx, "hlx") is not None:
                continue
        return shape, text, got
    raise GenerationError(f"{what}: {tries} programs in a row had no usable result")


def eval_family(name: str, summary: str, weights: dict[str, int], *,
                tracks: tuple[tuple[str, int], ...], calc: dict, program_share: float,
                program_size: int) -> Family:
    """What a program returns; ``tracks`` weighs the program tracks (``hlxl``/``hlx``), the
    answer is in the value notation of the program's track."""

    def make(rng: random.Random, split: str) -> Draft:
        track = _pick_track(rng, tracks)
        shape, text, got = eval_sample(rng, split, what=name, calc=calc,
                                       program_share=program_share,
                                       program_size=program_size, track=track)
        program = text if track == "hlxl" else to_hlx(text)
        answer = got.text(track)
        tid, request = EVAL_TEMPLATES.render(rng, split, lang=LABEL[track], fmt=LABEL[track],
                                             program=program)
        return Draft(request, answer, {"kind": "outcome", "format": track, "expected": answer},
                     shape, tid, (track, track))

    return Family(name, summary, weights, make, grade_outcome)


PROGRAM_EVAL = eval_family(
    "program_eval", "a small HLXL (sometimes HLX) program, asked for the value `main` returns "
    "(canonical value literal) or the error code that stops it", {"general": 3},
    tracks=(("hlxl", 3), ("hlx", 1)), calc={"size": 4, "errors": 0.12},
    program_share=0.3, program_size=3)
HLXL_EVAL = eval_family(
    "hlxl_eval", "deeper HLXL programs (helper blocks, recursion, nested loops, lambdas, "
    "contracts, latent tables), asked for their result as a canonical HLXL value or error code",
    {"ascii": 4}, tracks=(("hlxl", 1),),
    calc={"size": 8, "helpers": 0.6, "max_helpers": 2, "nest": 2, "errors": 0.12},
    program_share=0.25, program_size=6)
HLX_EVAL = eval_family(
    "hlx_eval", "deeper HLX programs, asked for their result as a canonical HLX value (handles "
    "as ⟁name) or error code", {"runic": 4}, tracks=(("hlx", 1),),
    calc={"size": 8, "helpers": 0.6, "max_helpers": 2, "nest": 2, "errors": 0.12},
    program_share=0.25, program_size=6)


# -- what a statement binds ---------------------------------------------------------------------
BINDS = {
    "value": Paraphrases("binds.value", (
        "In the HLXL program below, which value does `{var}` hold right after line {line} "
        "(`{stmt}`) runs? Answer with the canonical HLXL value literal.\n{program}",
        "{program}\nAfter the statement `{stmt}` on line {line} has run, what is the value of "
        "`{var}`? Give it as a canonical HLXL literal.",
        "Line {line} of this program is `{stmt}`. What value does it bind to `{var}`? "
        "(canonical HLXL)\n{program}",
    ), (
        "{program}\nJust after line {line} (`{stmt}`) executes, `{var}` equals what? Reply "
        "with the canonical HLXL value.",
    )),
    "kind": Paraphrases("binds.kind", (
        "In this program, what does `type({var})` give right after line {line} (`{stmt}`) "
        "runs? Answer with the kind name only, like `int`.\n{program}",
        "{program}\nWhich kind of value does line {line} (`{stmt}`) bind to `{var}`? Reply "
        "with one word: null, bool, int, float, text, bytes, array, map, contract or handle.",
    ), (
        "Line {line} is `{stmt}`. What kind is the value of `{var}` after it runs (one word)?"
        "\n{program}",
    )),
    "type": Paraphrases("binds.type", (
        "What static type (HLX-SPEC §12.4) does line {line} (`{stmt}`) give `{var}`? Answer in "
        "the type language, like `Array<Int>`.\n{program}",
        "{program}\nLine {line} reads `{stmt}`. Which §12.4 static type does the language "
        "service assign to `{var}` there?",
    ), (
        "Give the static type that `{stmt}` (line {line}) assigns to `{var}`, written in the "
        "type language of §12.4.\n{program}",
    )),
}
_KIND_PATTERN = "|".join(KINDS)


def _binds(rng: random.Random, split: str) -> Draft:
    for _ in range(40):
        gen = CalcGen(rng, size=5, helpers=0.3, multiline=1.0)
        shape, text = sample(split, lambda: gen.program()[::-1], what="statement_binds")
        body = gen.main_body
        spots = [k for k, s in enumerate(body) if let_name(s) and let_name(s) != "bad"]
        if not spots:
            continue
        k = rng.choice(spots)
        var = let_name(body[k])
        cut = gen.render_with(body[:k + 1] + [("R", f"return {var};")])
        got = outcome(cut, max_steps=GEN_STEPS)
        if not got.ok or opaque(got.value) or len(got.text("hlxl")) > MAX_RESULT:
            continue
        lines = text.split("\n")
        header = lines.index("    block main() {")
        line0 = header + 1 + len(gen._lines(body[:k], 2))
        stmt = body[k][1]
        if lines[line0].strip() != stmt:  # never: the layout puts each statement on a line
            raise GenerationError(f"statement_binds: line {line0} is not `{stmt}`")
        ask = rng.choices(("value", "kind", "type"), (6, 2, 2))[0]
        if ask == "value":
            answer = got.text("hlxl")
            grading = {"kind": "value", "format": "hlxl", "expected": answer}
        elif ask == "kind":
            answer = kind(got.value)
            grading = {"kind": "exact", "expected": answer, "pattern": _KIND_PATTERN}
        else:
            col0 = lines[line0].index(stmt) + len(stmt.split(" ", 1)[0]) + 1
            answer = type_at(text, line0, col0)
            if not answer:
                continue
            grading = {"kind": "exact", "expected": answer, "pattern": TYPE_PATTERN}
        tid, request = BINDS[ask].render(rng, split, var=var, line=str(line0 + 1), stmt=stmt,
                                         program=text)
        return Draft(request, answer, grading, shape, tid, ("hlxl",))
    raise GenerationError("statement_binds: 40 programs in a row had no usable statement")


STATEMENT_BINDS = Family(
    "statement_binds", "what a top-level `let`/`local` of `main` binds: the value right after "
    "it runs (canonical HLXL), the kind of that value, or the static type it gives the variable",
    {"general": 2}, _binds, grade_any)
