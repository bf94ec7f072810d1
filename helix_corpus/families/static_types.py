"""Static types (HLX-SPEC §12.4): the type of the token at a position of a program, in the type
language of §12.4 (``Int``, ``Array<Text>``, ``Fn(Any) -> Int``, ``Contract<902>``), as
``helix_lang.hlxl.types.type_at`` answers it.

Tokens are variables (declaring, assigning and referencing occurrences), block and builtin
names (their signatures), latent-space operations, literals, contract ids and contract field
labels, on :class:`~helix_corpus.families.calc.CalcGen` and
:class:`~helix_corpus.families.programs.ProgramGen` programs in their own or the canonical
layout.  Positions are 0-based (line, column in code points), like every position of §12, and
the prompt also names the token.  A quarter of the questions are asked on the HLX text (HLX
coordinates, §12.7).
"""

from __future__ import annotations

import random

from helix_lang.hlxl.fmt import format_source
from helix_lang.hlxl.types import type_at
from helix_lang.service.tokens import tokenize
from helix_lang.translit import translit

from ..core import Draft, Family, GenerationError, Paraphrases, sample
from ..graders import TYPE_PATTERN, grade_exact
from .calc import CalcGen
from .common import LABEL
from .programs import ProgramGen

__all__ = ["TYPE_OF_EXPR", "token_spots", "line_col0", "hlx_offset", "Spot", "program_text"]

#: Token types by question category (``UINT`` counts only as a contract id).
CATEGORIES = {
    "name": ("IDENT", "TABLEREF"),
    "lsop": ("LS_COLLAPSE", "LS_RESOLVE", "LS_SNAPSHOT", "LS_FINGERPRINT", "LS_VALIDATE",
             "LS_GUARD", "LS_TRANSACTION"),
    "literal": ("UINT", "UFLOAT", "STRING", "BYTES", "HANDLE", "TRUE", "FALSE", "NULL"),
    "contract": ("FIELD", "CONTRACT_ID"),
}
_WEIGHTS = {"name": 10, "lsop": 2, "literal": 3, "contract": 3}


class Spot(tuple):
    """A token of a program: ``(category, type, start, end, text)`` (string offsets)."""

    __slots__ = ()

    category = property(lambda self: self[0])
    type = property(lambda self: self[1])
    start = property(lambda self: self[2])
    end = property(lambda self: self[3])
    text = property(lambda self: self[4])


def token_spots(text: str) -> list[Spot]:
    """The tokens of an HLXL text that positional questions may point at."""
    lexed = tokenize(text)
    types = lexed.types
    out = []
    for i, t in enumerate(types):
        if t == "UINT" and i >= 1 and (types[i - 1] == "CONTRACT" or (
                i >= 1 and types[i - 1] == "LBRACE" and i + 2 < len(types)
                and types[i + 1] == "COLON" and types[i + 2] == "LBRACE")):
            cat, t = "contract", "CONTRACT_ID"
        elif t == "IDENT" and i >= 1 and types[i - 1] in ("LBRACE", "COMMA") and \
                i + 1 < len(types) and types[i + 1] == "COLON" and _in_named_contract(types, i):
            cat = "contract"
        else:
            cat = next((c for c, ts in CATEGORIES.items() if t in ts), None)
        if cat is not None:
            out.append(Spot((cat, t, lexed.starts[i], lexed.ends[i], lexed.value(i))))
    return out


def _in_named_contract(types: list[str], i: int) -> bool:
    depth = 0
    for j in range(i - 1, -1, -1):
        if types[j] in ("RBRACE", "RSQB", "RPAR"):
            depth += 1
        elif types[j] in ("LBRACE", "LSQB", "LPAR"):
            if depth == 0:
                return types[j] == "LBRACE" and j >= 2 and types[j - 2] == "CONTRACT"
            depth -= 1
    return False


def line_col0(text: str, offset: int) -> tuple[int, int]:
    """0-based line and column (code points) of a string offset."""
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def hlx_offset(hlxl: str, offset: int) -> tuple[str, int]:
    """The HLX text of ``hlxl`` and the offset there of ``offset`` (§12.7 mapping)."""
    m = translit(hlxl, "hlx")
    return m.dst, m.index(offset)


def program_text(rng: random.Random, split: str, what: str, *, calc_share: float = 0.6,
                 canonical: float = 0.15) -> tuple[str, str]:
    """``(shape, hlxl_text)``: a loading program (CalcGen or ProgramGen) in its own layout
    (indented lines or one line), sometimes in the canonical one."""
    def gen():
        if rng.random() < calc_share:
            text, shape = CalcGen(rng, size=4, helpers=0.4, max_helpers=2).program()
        else:
            text, shape = ProgramGen(rng, size=4).program()
        return shape, text

    shape, text = sample(split, gen, what=what)
    if rng.random() < canonical:
        text = format_source(text).rstrip("\n")
    return shape, text


TYPE_TEMPLATES = Paraphrases("type_of", (
    "What is the static type (HLX-SPEC §12.4) of `{token}` at line {line}, column {col} "
    "(0-based) of this {lang} program? Answer in the type language, e.g. `Array<Int>`.\n"
    "{program}",
    "{program}\nGive the §12.4 static type of the token `{token}` at {line}:{col} (0-based "
    "line:column).",
    "Type inference: in the {lang} source below, which type does the language service give "
    "the token at {line}:{col} (0-based), `{token}`? Reply with the type only.\n{program}",
    "In this program, what static type has `{token}` at 0-based position {line}:{col}? Use "
    "the type language of HLX-SPEC §12.4.\n{program}",
), (
    "{program}\nWhich §12.4 type does `{token}` (0-based line {line}, column {col}) have? "
    "Only the type, please.",
    "Work out the static type of `{token}` at {line}:{col} (lines and columns from 0) in:\n"
    "{program}",
))


def _make(rng: random.Random, split: str) -> Draft:
    track = "hlx" if rng.random() < 0.25 else "hlxl"
    for _ in range(40):
        shape, text = program_text(rng, split, "type_of_expr")
        spots = token_spots(text)
        cats = sorted({s.category for s in spots})
        if not cats:
            continue
        cat = rng.choices(cats, [_WEIGHTS[c] for c in cats])[0]
        spot = rng.choice([s for s in spots if s.category == cat])
        offset = spot.start
        if len(spot.text) > 2 and rng.random() < 0.3:
            offset += rng.randrange(1, len(spot.text) - 1)
        source, start, end = text, spot.start, spot.end
        if track == "hlx":
            m = translit(text, "hlx")
            source, offset, start, end = m.dst, m.index(offset), m.index(start), m.index(end)
        shown = source[start:end]
        line, col = line_col0(source, offset)
        answer = type_at(source, line, col, track=track)
        if not answer:
            continue
        tid, request = TYPE_TEMPLATES.render(rng, split, token=shown, line=str(line),
                                             col=str(col), lang=LABEL[track], program=source)
        return Draft(request, answer, {"kind": "exact", "expected": answer,
                                       "pattern": TYPE_PATTERN}, shape, tid, (track,))
    raise GenerationError("type_of_expr: 40 programs in a row had no typed token")


TYPE_OF_EXPR = Family(
    "type_of_expr", "the static type (§12.4 type language) of a token of a program at a 0-based "
    "position: variables, block and builtin signatures, ls operations, literals, contract ids "
    "and fields", {"general": 2}, _make, grade_exact)
