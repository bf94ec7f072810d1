"""Knowledge families: the glyph tables of LC-R (HLX-SPEC §6) and HLX (§8.1), and general HLX
questions with one checkable answer (error codes, kind ids, LC-B tags, limits, LSOp op codes).

A fact is asked in several directions (glyph to keyword, keyword to glyph, glyph to code point).
Facts cannot be inferred, so none is held out; val and test ask them with held-out paraphrases
(:func:`helix_corpus.core.fact_skeleton`).
"""

from __future__ import annotations

import random

from helix_lang.errors import CODES
from helix_lang.translit import GLYPHS
from helix_lang.values import KINDS

from ..core import Draft, Family, Paraphrases, fact_skeleton, sample
from ..graders import grade_exact

__all__ = ["GLYPH_FACTS", "HLX_FACTS", "LCR_GLYPHS"]

#: LC-R glyph → (meaning, LC-T token or None).
LCR_GLYPHS = {"∅": ("null", "NULL"), "⊤": ("true", "TRUE"), "⊥": ("false", "FALSE"),
              "⊠": ("bytes prefix", "#"), "⟁": ("handle prefix", "@"),
              "🜊": ("contract start", "{C:"), "🜁": ("field marker", None),
              "🜂": ("contract end", "}"), "🜃": ("array start", "["), "🜄": ("array end", "]"),
              "◇": ("map start", "{"), "◆": ("map end", "}")}

Q = {
    "hlx_glyph": Paraphrases("glyph.hlx_glyph", (
        "Which HLX glyph writes the HLXL `{word}`?", "In HLX, what glyph replaces `{word}`?",
    ), ("Give the runic (HLX) spelling of `{word}`.",)),
    "hlx_word": Paraphrases("glyph.hlx_word", (
        "What does the HLX glyph `{glyph}` stand for in HLXL?",
        "Transliterate the HLX glyph `{glyph}` to its HLXL text.",
    ), ("`{glyph}` in HLX source means which HLXL text?",)),
    "lcr_glyph": Paraphrases("glyph.lcr_glyph", (
        "Which LC-R glyph is the {meaning}?", "In LC-R, what glyph means {meaning}?",
    ), ("Name the LC-R glyph used for {meaning}.",)),
    "lcr_meaning": Paraphrases("glyph.lcr_meaning", (
        "What does `{glyph}` mean in LC-R? Answer with its role, like `map end`.",
        "In LC-R, what role does the glyph `{glyph}` play (e.g. `array start`)?",
    ), ("Which LC-R token is `{glyph}`? Answer like `contract end`.",)),
    "lct_token": Paraphrases("glyph.lct_token", (
        "Which LC-T token corresponds to the LC-R glyph `{glyph}`?",
        "LC-R `{glyph}` is written how in LC-T?",
    ), ("Give the LC-T twin of the LC-R token `{glyph}`.",)),
    "codepoint": Paraphrases("glyph.codepoint", (
        "What is the code point of `{glyph}`? Answer like U+27C1.",
        "Give the Unicode code point of the glyph `{glyph}` (U+XXXX).",
    ), ("`{glyph}` is which code point?",)),
    "from_codepoint": Paraphrases("glyph.from_codepoint", (
        "Which HLX-family glyph is {cp}?", "Write the glyph whose code point is {cp}.",
    ), ("{cp} is which glyph of the HLX tables?",)),
}
_PAT = {"hlx_glyph": ".", "from_codepoint": ".", "lcr_glyph": ".",
        "codepoint": r"U\+[0-9A-F]{4,5}", "hlx_word": r"[a-z.|>&_]+",
        "lcr_meaning": "[a-z ]+", "lct_token": r"\S+"}


def _glyph_subjects() -> list[tuple[str, str, dict]]:
    """``(subject, glyph, facts)``: for each glyph the questions it can answer."""
    out = []
    for word, glyph in GLYPHS.items():
        facts = {"hlx_glyph": glyph, "hlx_word": word, "codepoint": f"U+{ord(glyph):04X}",
                 "from_codepoint": glyph}
        out.append((f"hlx:{word}", glyph, facts))
    for glyph, (meaning, token) in LCR_GLYPHS.items():
        facts = {"lcr_glyph": glyph, "lcr_meaning": meaning, "codepoint": f"U+{ord(glyph):04X}",
                 "from_codepoint": glyph}
        if token is not None:
            facts["lct_token"] = token
        out.append((f"lcr:{meaning}", glyph, facts))
    return out


_SUBJECTS = _glyph_subjects()


def _glyph_make(rng: random.Random, split: str) -> Draft:
    def gen():
        subject, glyph, facts = rng.choice(_SUBJECTS)
        kind = rng.choice(sorted(facts))
        tid, template = Q[kind].pick(rng, split, heldout_share=1.0)
        return fact_skeleton(f"glyph:{kind}:{subject}", tid), (kind, subject, glyph, facts, tid,
                                                               template)

    sk, (kind, subject, glyph, facts, tid, template) = sample(split, gen, what="glyph_facts")
    word = subject.split(":", 1)[1]
    request = template.format(word=word, glyph=glyph, meaning=word, cp=f"U+{ord(glyph):04X}")
    answer = facts[kind]
    return Draft(request, answer, {"kind": "exact", "expected": answer, "pattern": _PAT[kind]},
                 sk, tid, ())


GLYPH_FACTS = Family(
    "glyph_facts", "the glyph tables: HLX glyph of a keyword and back, LC-R glyph roles, LC-T "
    "twins, code points", {"runic": 2, "general": 1}, _glyph_make, grade_exact, capacity=160,
    route="runic")


# -- general HLX questions ----------------------------------------------------------------------
_TAGS = {"NULL": "00", "INT": "01", "FLOAT": "02", "TEXT": "03", "BYTES": "04",
         "ARRAY_START": "05", "ARRAY_END": "06", "CONTRACT_START": "07", "CONTRACT_END": "08",
         "HANDLE": "09", "TRUE": "0a", "FALSE": "0b", "MAP_START": "0c", "MAP_END": "0d"}
_OPS = {"resolve": "0", "collapse": "1", "snapshot": "2", "transaction": "3"}
_LIMITS = {
    "the maximum value depth": "64",
    "the largest contract field index": "65535",
    "the largest contract id": "4294967295",
    "the largest Int": "9223372036854775807",
    "the smallest Int": "-9223372036854775808",
    "the most brackets that may be open at once in program source": "256",
    "the number of hex digits of a fingerprint": "64",
    "the number of hex digits in a content handle's hash part": "16",
    "the maximum number of active block or lambda invocations": "64",
    "the number of glyphs of LC-R": "12",
    "the number of HLX word glyphs": "19",
    "the number of bytes of an LC-B FLOAT payload": "8",
}
FACT_Q = {
    "code": Paraphrases("facts.code", (
        "Which HLX error code means: {text}?", "Name the error code for this situation: {text}.",
    ), ("What code does the spec assign to: {text}?",)),
    "kind_id": Paraphrases("facts.kind_id", (
        "What is the kind id of the kind `{text}`?", "Give the numeric id (0-9) of kind `{text}`.",
    ), ("Kind `{text}` has which id?",)),
    "kind_name": Paraphrases("facts.kind_name", (
        "Which value kind has id {text}?", "Name the kind whose id is {text}.",
    ), ("Kind id {text} is which kind?",)),
    "tag_byte": Paraphrases("facts.tag_byte", (
        "Which LC-B tag byte is {text}? Answer with two lowercase hex digits.",
        "Give the LC-B tag of {text} (two hex digits).",
    ), ("In LC-B, {text} is tagged with which byte?",)),
    "tag_name": Paraphrases("facts.tag_name", (
        "What does the LC-B tag byte `{text}` mean? Answer with the tag name, like MAP_END.",
        "Name the LC-B tag `{text}`.",
    ), ("LC-B byte `{text}` at a value start is which tag?",)),
    "op_code": Paraphrases("facts.op_code", (
        "Which LSOp (contract 820) op code stands for {text}?",
        "What op_code does a {text} operation use in contract 820?",
    ), ("In LSOp, the op code of {text} is?",)),
    "op_name": Paraphrases("facts.op_name", (
        "Which operation does LSOp op code {text} denote?",
        "Contract 820 with op_code {text} describes which operation?",
    ), ("LSOp op code {text} means which operation?",)),
    "limit": Paraphrases("facts.limit", (
        "What is {text} in HLX?", "State {text} (a number).",
    ), ("According to the HLX spec, what is {text}?",)),
}


def _plain(meaning: str) -> str:
    # The catalogue's one-liners abbreviate with "..."; prompts must not (lint: placeholder).
    return meaning.replace("\\u{...}", "\\u{H} escape").replace(" ... ", " to ")


def _fact_subjects() -> list[tuple[str, dict[str, tuple[str, str]]]]:
    """``(subject, {kind: (prompt text, answer)})``."""
    out = [(f"code:{c}", {"code": (_plain(m), c)}) for c, m in CODES.items()]
    out += [(f"kind:{k}", {"kind_id": (k, str(i)), "kind_name": (str(i), k)})
            for i, k in enumerate(KINDS)]
    out += [(f"tag:{n}", {"tag_byte": (n, b), "tag_name": (b, n)}) for n, b in _TAGS.items()]
    out += [(f"op:{n}", {"op_code": (n, c), "op_name": (c, n)}) for n, c in _OPS.items()]
    out += [(f"limit:{q}", {"limit": (q, a)}) for q, a in _LIMITS.items()]
    return out


_FACTS = _fact_subjects()
_FACT_PAT = {"code": "E_[A-Z_]+", "kind_id": "[0-9]", "kind_name": "[a-z]+",
             "tag_byte": "[0-9a-f]{2}", "tag_name": "[A-Z_]+", "op_code": "[0-9]",
             "op_name": "[a-z]+", "limit": "-?[0-9]+"}


def _facts_make(rng: random.Random, split: str) -> Draft:
    def gen():
        subject, facts = rng.choice(_FACTS)
        kind = rng.choice(sorted(facts))
        tid, template = FACT_Q[kind].pick(rng, split, heldout_share=1.0)
        return fact_skeleton(f"fact:{kind}:{subject}", tid), (kind, facts[kind], tid, template)

    sk, (kind, (text, answer), tid, template) = sample(split, gen, what="hlx_facts")
    return Draft(template.format(text=text), answer,
                 {"kind": "exact", "expected": answer, "pattern": _FACT_PAT[kind]}, sk, tid, ())


HLX_FACTS = Family(
    "hlx_facts", "general HLX questions: error code for a situation, kind ids, LC-B tag bytes, "
    "LSOp op codes, limits", {"coordinator": 2}, _facts_make, grade_exact, capacity=120,
    route="coordinator")
