"""Value-format families: conversions between every ordered pair of the five formats, LC-B
encoding and decoding, LC-T / LC-R mastery (deep nesting, escapes, every kind), plain English →
value, and canonical / compact forms.  Every answer is ``FORMATS[dst].dump(value)``; graders
parse the model's answer in ``dst`` and compare values (canonical tasks also compare the text).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

from ..core import Draft, Family, GenerationError, Paraphrases
from ..graders import grade_value
from ..valuegen import BASIC, DEEP, ESCAPES, MEDIUM, Profile, describe
from .common import LABEL, dump, sample_value, spell

#: Values with at least one container (a scalar has no non-canonical spelling worth asking).
NESTED = Profile(min_depth=1, max_width=4, budget=10)
NESTED_MEDIUM = replace(MEDIUM, min_depth=2)
NESTED_ESCAPES = replace(ESCAPES, min_depth=1)

__all__ = ["convert_family", "canonical_family", "CONVERT", "LCB_ENCODE", "LCB_DECODE",
           "DESCRIBE", "LCT_MASTERY", "LCR_MASTERY", "CANONICAL", "COMPACT_ASCII",
           "COMPACT_RUNIC", "ALL_PAIRS", "TEXT_PAIRS", "SHORT", "SHORT_LCT_CHARS",
           "CONVERT_TEXT", "CONVERT_TEXT_ASCII", "CONVERT_TEXT_RUNIC", "LCT_TO_LCB", "LCB_TO_LCT"]

FORMATS5 = ("hlxl", "hlx", "lct", "lcr", "lcb")
ALL_PAIRS = tuple(itertools.permutations(FORMATS5, 2))
#: The 12 ordered pairs of the four text formats.
TEXT_PAIRS = tuple(itertools.permutations(("hlxl", "hlx", "lct", "lcr"), 2))
#: Values of nesting depth <= 2 of every kind, half of their texts, handle names and keys
#: invented (not from the word lists), at most :data:`SHORT_LCT_CHARS` LC-T characters long.
SHORT = replace(BASIC, invented=0.5, containers=0.55)
SHORT_LCT_CHARS = 64

CONVERT_TEMPLATES = Paraphrases("convert", (
    "Convert this {src} value to {dst}:\n{text}",
    "Translate the following {src} into {dst}. Reply with the {dst} text only.\n{text}",
    "{text}\nThe line above is {src}. Write the same value in {dst}.",
    "Rewrite this {src} value in {dst}.\n\n{text}",
    "Here is a value in {src}:\n{text}\nGive it in {dst}.",
), (
    "I have a value written in {src}:\n{text}\nWhat is it in {dst}?",
    "Give the canonical {dst} spelling of this {src} value.\n{text}",
))

DESCRIBE_TEMPLATES = Paraphrases("describe", (
    "Write {desc} in {dst}.",
    "Encode the following value in {dst}: {desc}.",
    "In {dst}, how do you write {desc}?",
    "Give the {dst} text for this value: {desc}.",
), (
    "Please spell {desc} as {dst}.",
    "I need {desc}, written in {dst}.",
))

CANONICAL_TEMPLATES = Paraphrases("canonical", (
    "Normalise this {fmt} value to its canonical form:\n{text}",
    "What is the canonical {fmt} text of this value?\n{text}",
    "Print this {fmt} value canonically.\n{text}",
), (
    "Clean up the following {fmt} so that it is exactly the canonical printer's output.\n{text}",
))

COMPACT_TEMPLATES = Paraphrases("compact", (
    "Minify this {fmt} value into its shortest correct form:\n{text}",
    "Compact the following {fmt} onto one line, canonically:\n{text}",
    "Rewrite this pretty-printed {fmt} value in compact canonical notation.\n{text}",
), (
    "Squeeze this {fmt} value into the minimal canonical text.\n{text}",
))


def convert_family(name: str, summary: str, pairs, profiles: tuple[Profile, ...],
                   tracks: dict[str, int], *, messy: float = 0.2,
                   templates: Paraphrases = CONVERT_TEMPLATES,
                   max_lct_chars: int | None = None) -> Family:
    """A family that shows a value in ``src`` and asks for it in ``dst``, ``(src, dst)`` drawn
    from ``pairs``; a share ``messy`` of sources is spelled non-canonically.  With
    ``max_lct_chars``, only values whose canonical LC-T text is at most that long."""
    pairs = tuple(pairs)

    def short_value(rng: random.Random, split: str, profile: Profile):
        for _ in range(200):
            sk, v = sample_value(rng, split, profile, what=name)
            if len(dump(v, "lct")) <= max_lct_chars:
                return sk, v
        raise GenerationError(f"{name}: no value of at most {max_lct_chars} LC-T characters in "
                              f"200 tries; loosen the profile")

    def make(rng: random.Random, split: str) -> Draft:
        src, dst = rng.choice(pairs)
        profile = rng.choice(profiles)
        if max_lct_chars is None:
            sk, v = sample_value(rng, split, profile, what=name)
        else:
            sk, v = short_value(rng, split, profile)
        text = spell(v, src, rng if rng.random() < messy else None)
        answer = dump(v, dst)
        tid, request = templates.render(rng, split, src=LABEL[src], dst=LABEL[dst], text=text)
        return Draft(request, answer, {"kind": "value", "format": dst, "expected": answer},
                     sk, tid, (src, dst))

    return Family(name, summary, tracks, make, grade_value)


def _describe_make(rng: random.Random, split: str) -> Draft:
    dst = rng.choice(FORMATS5)
    sk, v = sample_value(rng, split, BASIC, what="describe")
    answer = dump(v, dst)
    tid, request = DESCRIBE_TEMPLATES.render(rng, split, desc=describe(v), dst=LABEL[dst])
    return Draft(request, answer, {"kind": "value", "format": dst, "expected": answer},
                 sk, tid, (dst,))


def canonical_family(name: str, summary: str, formats: tuple[str, ...], profiles,
                     tracks: dict[str, int], templates: Paraphrases) -> Family:
    """A family that shows a non-canonical spelling in one format and asks for the canonical one
    (the answer must be exactly the canonical text)."""

    def make(rng: random.Random, split: str) -> Draft:
        fmt = rng.choice(formats)
        sk, v = sample_value(rng, split, rng.choice(profiles), what=name)
        answer = dump(v, fmt)
        text = spell(v, fmt, rng)
        if text == answer:  # tiny values may come out canonical: loosen them by hand
            text = answer.replace(" ", "\n", 1) if fmt == "lcb" else answer[:-1] + " " + answer[-1]
        tid, request = templates.render(rng, split, fmt=LABEL[fmt], text=text)
        return Draft(request, answer,
                     {"kind": "value", "format": fmt, "expected": answer, "canonical": True},
                     sk, tid, (fmt, fmt))

    return Family(name, summary, tracks, make, grade_value)


CONVERT = convert_family(
    "convert", "a value in one format, asked in another (all 20 ordered pairs of hlxl, hlx, "
    "lct, lcr, lcb)", ALL_PAIRS, (BASIC, MEDIUM), {"general": 6, "coordinator": 1})

LCB_ENCODE = convert_family(
    "lcb_encode", "a value in a text format, asked as LC-B hex display",
    [(s, "lcb") for s in ("hlxl", "hlxl", "lct", "lcr", "hlx")], (BASIC, MEDIUM),
    {"general": 2, "coordinator": 3}, messy=0.1)

LCB_DECODE = convert_family(
    "lcb_decode", "LC-B hex display (sometimes upper-case or spread out), asked as a text format",
    [("lcb", d) for d in ("hlxl", "hlxl", "lct", "lcr", "hlx")], (BASIC, MEDIUM),
    {"general": 2, "coordinator": 3}, messy=0.2)

DESCRIBE = Family("describe_value", "a value described in plain English, asked in a format",
                  {"general": 2, "coordinator": 1}, _describe_make, grade_value)

LCT_MASTERY = convert_family(
    "lct_mastery", "deeply nested or escape-heavy values of every kind, to and from LC-T",
    [("hlxl", "lct"), ("lct", "hlxl"), ("lcb", "lct"), ("lct", "lcb"), ("hlxl", "lct"),
     ("lct", "hlxl")], (DEEP, NESTED_ESCAPES), {"ascii": 5}, messy=0.25)

LCR_MASTERY = convert_family(
    "lcr_mastery", "deeply nested or escape-heavy values of every kind, to and from LC-R and HLX",
    [("hlxl", "lcr"), ("lct", "lcr"), ("lcr", "hlx"), ("hlx", "lcr"), ("lcr", "lct"),
     ("lcb", "lcr"), ("hlxl", "hlx"), ("hlx", "lct")], (DEEP, NESTED_ESCAPES), {"runic": 5},
    messy=0.25)

CANONICAL = canonical_family(
    "canonicalize", "a non-canonical value text (key order, spacing, escapes, sugar, -0.0, "
    "b-strings, upper-case hex), asked in canonical form", FORMATS5, (NESTED, NESTED_MEDIUM),
    {"general": 2, "coordinator": 1}, CANONICAL_TEMPLATES)

COMPACT_ASCII = canonical_family(
    "compact_ascii", "pretty or loose HLXL / LC-T value text, asked in the shortest canonical "
    "form", ("hlxl", "lct"), (NESTED_MEDIUM, NESTED_ESCAPES), {"ascii": 2}, COMPACT_TEMPLATES)

COMPACT_RUNIC = canonical_family(
    "compact_runic", "pretty or loose HLX / LC-R value text, asked in the shortest canonical "
    "form", ("hlx", "lcr"), (NESTED_MEDIUM, NESTED_ESCAPES), {"runic": 2}, COMPACT_TEMPLATES)

#: The short-value conversions are asked in one form (the form `helix-moe` users write); a fifth
#: of val and test asks with a held-out paraphrase, to measure how far the wording generalises.
CONVERT_TEXT_TEMPLATES = Paraphrases("convert_text", (CONVERT_TEMPLATES.train[0],),
                                     (CONVERT_TEMPLATES.heldout[0],), heldout_share=0.2)

# Short-value conversions: the skill the CPU curriculum trains first.  `convert`'s wording (so a
# request routes the same way whichever family made it); the phase-2 variants keep the
# pairs whose answer is in the specialist's own formats, so a specialist keeps converting.
CONVERT_TEXT = convert_family(
    "convert_text", f"a value of nesting depth <= 2 and at most {SHORT_LCT_CHARS} LC-T characters "
    "(every kind, half of its words invented) in HLXL, HLX, LC-T or LC-R, asked in another of "
    "the four (all 12 ordered pairs)", TEXT_PAIRS, (SHORT,), {"general": 3}, messy=0.05,
    max_lct_chars=SHORT_LCT_CHARS, templates=CONVERT_TEXT_TEMPLATES)

CONVERT_TEXT_ASCII = convert_family(
    "convert_text_ascii", "`convert_text` with the answer in HLXL or LC-T (the ASCII "
    "specialist's formats)", [p for p in TEXT_PAIRS if p[1] in ("hlxl", "lct")], (SHORT,),
    {"ascii": 2}, messy=0.05, max_lct_chars=SHORT_LCT_CHARS, templates=CONVERT_TEXT_TEMPLATES)

CONVERT_TEXT_RUNIC = convert_family(
    "convert_text_runic", "`convert_text` with the answer in HLX or LC-R (the runic "
    "specialist's formats)", [p for p in TEXT_PAIRS if p[1] in ("hlx", "lcr")], (SHORT,),
    {"runic": 2}, messy=0.05, max_lct_chars=SHORT_LCT_CHARS, templates=CONVERT_TEXT_TEMPLATES)

LCT_TO_LCB = convert_family(
    "lct_to_lcb", f"a value of at most {SHORT_LCT_CHARS} LC-T characters, asked as LC-B hex",
    [("lct", "lcb")], (SHORT,), {"general": 1, "coordinator": 2}, messy=0.0,
    max_lct_chars=SHORT_LCT_CHARS, templates=CONVERT_TEXT_TEMPLATES)

LCB_TO_LCT = convert_family(
    "lcb_to_lct", f"LC-B hex of a value of at most {SHORT_LCT_CHARS} LC-T characters, asked as "
    "LC-T", [("lcb", "lct")], (SHORT,), {"general": 1, "ascii": 1}, messy=0.0,
    max_lct_chars=SHORT_LCT_CHARS, templates=CONVERT_TEXT_TEMPLATES)
