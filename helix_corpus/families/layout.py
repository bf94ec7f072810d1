"""Program layout (HLX-SPEC §12.11): pretty ⇄ compact.

``pretty``: a program in compact notation (``helix_lang.hlxl.fmt.minify``), in a one-line
layout, or with scrambled whitespace, asked in the canonical layout (``format_source``).
``compact``: a program in the canonical or its own layout, asked in compact notation
(``minify``: the shortest single-line spelling; comments go).  The HLX families do the same on
the runic track (``track="hlx"``).  Graded as programs: the answer must load and equal the
expected text exactly, a trailing newline aside (``grading.kind = "program"``).
"""

from __future__ import annotations

import random

from helix_lang import to_hlx
from helix_lang.hlxl.fmt import format_source, minify
from helix_lang.service.tokens import tokenize

from ..core import Draft, Family, Paraphrases, sample
from ..graders import grade_program
from .calc import CalcGen
from .common import LABEL
from .programs import ProgramGen

__all__ = ["HLXL_FORMAT", "HLX_FORMAT", "scramble"]

PRETTY = Paraphrases("layout.pretty", (
    "Format this {lang} program in the canonical layout (HLX-SPEC §12.11).\n{program}",
    "Pretty-print the following {lang} program: one statement per line, 4-space indents, "
    "canonical spacing.\n{program}",
    "{program}\nRewrite the program above in canonical layout.",
    "Expand this compact {lang} source into the canonical multi-line layout.\n{program}",
), (
    "Lay out this {lang} program the way the formatter does (§12.11), changing nothing "
    "else.\n{program}",
    "{program}\nWhat does `format` answer for this document?",
))
COMPACT = Paraphrases("layout.compact", (
    "Minify this {lang} program: give its compact notation, the shortest one-line spelling of "
    "the same program.\n{program}",
    "Write the following {lang} program in compact form (one line, no optional spaces or "
    "comments).\n{program}",
    "{program}\nCompress the program above into its compact single-line notation.",
    "Give the compact notation of this program.\n{program}",
), (
    "Squeeze this {lang} source into the shortest equivalent single line (drop comments and "
    "optional whitespace).\n{program}",
    "{program}\nMinified form of the program above?",
))

_GAPS = (" ", " ", "  ", "\n", "\n    ", "\n  ", "\t")


def scramble(text: str, rng: random.Random) -> str:
    """``text`` (compact HLXL) with random whitespace between its tokens (never where it would
    join two tokens)."""
    lexed = tokenize(text)
    out = []
    prev = 0
    for i in range(len(lexed)):
        start, end = lexed.starts[i], lexed.ends[i]
        gap = text[prev:start]
        if gap:
            gap = rng.choice(_GAPS)
        elif i and rng.random() < 0.25:
            gap = rng.choice(_GAPS)
        out.append(gap + text[start:end])
        prev = end
    return "".join(out) + text[prev:]


def layout_family(name: str, summary: str, track: str, weights: dict[str, int]) -> Family:
    def make(rng: random.Random, split: str) -> Draft:
        def gen():
            if rng.random() < 0.5:
                text, shape = CalcGen(rng, size=5, helpers=0.4, max_helpers=2, nest=2).program()
            else:
                text, shape = ProgramGen(rng, size=5).program()
            return shape, text

        shape, text = sample(split, gen, what=name)
        if rng.random() < 0.55:
            r = rng.random()
            if r < 0.3 and "\n" not in text:
                src = text  # ProgramGen's one-line layout, comments and all
            elif r < 0.7:
                src = minify(text)
            else:
                src = scramble(minify(text), rng)
            templates = PRETTY
            program = src if track == "hlxl" else to_hlx(src)
            answer = format_source(program, track=track).rstrip("\n")
        else:
            src = format_source(text).rstrip("\n") if rng.random() < 0.6 else text
            templates = COMPACT
            program = src if track == "hlxl" else to_hlx(src)
            answer = minify(program, track=track)
        tid, request = templates.render(rng, split, lang=LABEL[track], program=program)
        return Draft(request, answer, {"kind": "program", "track": track, "expected": answer},
                     shape, tid, (track, track))

    return Family(name, summary, weights, make, grade_program)


HLXL_FORMAT = layout_family(
    "hlxl_format", "HLXL programs between layouts: compact, one-line or scrambled text asked in "
    "the canonical layout (§12.11), and canonical or loose text asked in compact notation",
    "hlxl", {"ascii": 3})
HLX_FORMAT = layout_family(
    "hlx_format", "HLX programs between layouts: compact, one-line or scrambled text asked in "
    "the canonical layout, and canonical or loose text asked in compact notation", "hlx",
    {"runic": 3})
