"""Value-format families: conversions between every ordered pair of the five formats, LC-B
encoding and decoding, LC-T / LC-R mastery (deep nesting, escapes, every kind), plain English →
value, and canonical / compact forms.  Every answer is ``FORMATS[dst].dump(value)``; graders
parse the model's answer in ``dst`` and compare values (canonical tasks also compare the text).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

from ..core import Draft, Family, Paraphrases
from ..graders import grade_value
from ..valuegen import BASIC, DEEP, ESCAPES, MEDIUM, Profile, describe
from .common import LABEL, dump, sample_value, spell

#: Values with at least one container (a scalar has no non-canonical spelling worth asking).
NESTED = Profile(min_depth=1, max_width=4, budget=10)
NESTED_MEDIUM = replace(MEDIUM, min_depth=2)
NESTED_ESCAPES = replace(ESCAPES, min_depth=1)

__all__ = ["convert_family", "canonical_family", "CONVERT", "LCB_ENCODE", "LCB_DECODE",
           "DESCRIBE", "LCT_MASTERY", "LCR_MASTERY", "CANONICAL", "COMPACT_ASCII",
           "COMPACT_RUNIC", "ALL_PAIRS"]

FORMATS5 = ("hlxl", "hlx", "lct", "lcr", "lcb")
ALL_PAIRS = tuple(itertools.permutations(FORMATS5, 2))

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
                   templates: Paraphrases = CONVERT_TEMPLATES) -> Family:
    """A family that shows a value in ``src`` and asks for it in ``dst``, ``(src, dst)`` drawn
    from ``pairs``; a share ``messy`` of sources is spelled non-canonically."""
    pairs = tuple(pairs)

    def make(rng: random.Random, split: str) -> Draft:
        src, dst = rng.choice(pairs)
        profile = rng.choice(profiles)
        sk, v = sample_value(rng, split, profile, what=name)
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
