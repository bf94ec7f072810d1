"""Every task family: its examples grade correct, and corrupted answers grade incorrect with the
right flags (wrong value, wrong format, truncated, glyph swapped)."""

from __future__ import annotations

import pytest
from corpus_helpers import drafts

from helix_corpus import FAMILIES, split_of
from helix_corpus.core import PHASE, TRACKS, route_of, trained_on
from helix_lang import FORMATS, HLXError, to_hlx, to_hlxl
from helix_lang.errors import CODES
from helix_lang.hlxl.parser import load

NAMES = sorted(FAMILIES)
#: The tracks each model trains on (the specialists share phase 1's `general`).
TRAINS_ON = {"ascii": {"general", "ascii"}, "runic": {"general", "runic"},
             "coordinator": {"coordinator"}}
#: The look-alike animal emoji of damaged corpora, by the glyph they imitate.
ANIMAL = {"🜁": "🐁", "🜂": "🐂", "🜃": "🐃", "🜄": "🐄", "🜊": "🐊"}


def _parses(text: str, fmt: str) -> bool:
    try:
        FORMATS[fmt].parse(text)
    except HLXError:
        return False
    return True


def test_every_track_has_families_and_phase():
    for track in TRACKS:
        assert any(track in f.tracks for f in FAMILIES.values()), track
        assert PHASE[track] in (1, 2)


@pytest.mark.parametrize("name", NAMES)
def test_examples_grade_correct_and_respect_their_split(name):
    family = FAMILIES[name]
    for split, draft, record in drafts(family):
        assert family.grade(record, draft.answer).correct, (split, draft)
        assert split_of(draft.skeleton) == split
        assert draft.request.strip() and draft.answer.strip()
        if split == "train":
            assert ".h" not in draft.template and "!" not in draft.skeleton
        assert route_of(family, draft.formats) in ("ascii", "runic", "coordinator")


@pytest.mark.parametrize("name", NAMES)
def test_every_request_routes_to_a_model_trained_on_its_family(name):
    import random

    family = FAMILIES[name]
    trained = {m for m, tracks in TRAINS_ON.items() if tracks & set(family.tracks)}
    assert trained and set(trained_on(family)) == trained
    if family.route is not None:  # an explicit route must agree with the tracks
        assert family.route in trained, (family.route, dict(family.tracks))
    for split in ("train", "val", "test"):
        rng = random.Random(f"route/{name}/{split}")
        for _ in range(100):
            draft = family.make(rng, split)
            assert route_of(family, draft.formats) in trained, (split, draft.formats, trained)


def test_route_falls_back_to_a_trained_model():
    lct, kind = FAMILIES["lct_mastery"], FAMILIES["kind_of"]
    assert "coordinator" not in lct.tracks
    assert route_of(lct, ("lct", "lcb")) == route_of(lct, ("hlxl", "lcb")) == "ascii"
    assert route_of(lct, ("lcb", "lct")) == "ascii"
    assert route_of(FAMILIES["lcr_mastery"], ("hlx", "lct")) == "runic"
    assert "coordinator" in kind.tracks
    assert route_of(kind, ("lct",)) == "coordinator"
    # families of every model keep the format rule
    assert route_of(FAMILIES["convert"], ("lct", "lcb")) == "coordinator"
    assert route_of(FAMILIES["convert"], ("lcb", "lcr")) == "runic"


@pytest.mark.parametrize("name", NAMES)
def test_generation_is_deterministic(name):
    import random

    family = FAMILIES[name]
    a = family.make(random.Random(99), "test")
    b = family.make(random.Random(99), "test")
    assert a == b


def _other_value(text: str, fmt: str) -> str:
    v = FORMATS[fmt].parse(text)
    return FORMATS[fmt].dump([v, 1] if not isinstance(v, tuple) else tuple(v) + (1,))


def _swap_glyph(text: str) -> str | None:
    for glyph, animal in ANIMAL.items():
        if glyph in text:
            return text.replace(glyph, animal, 1)
    for ch in text:
        if not ch.isascii():
            return text.replace(ch, "★", 1)
    for ascii_char, glyph in (("[", "🜃"), ("{", "◇"), ("&h_", "⟁"), ("@", "⟁"), (" ", "🜁")):
        if ascii_char in text:
            return text.replace(ascii_char, glyph, 1)
    return None


@pytest.mark.parametrize("name", NAMES)
def test_corrupted_answers_grade_incorrect(name):
    family = FAMILIES[name]
    checked = 0
    for _, draft, record in drafts(family, 4):
        g = draft.grading
        answer = draft.answer
        # truncated: never correct, and never a well-formed value / program / error answer
        cut = answer[: max(1, len(answer) // 2)] if len(answer) > 1 else ""
        if g.get("op") == "diagnostics":  # only `L:C CODE` counts: cut into that part
            cut = answer.split(" ", 1)[0]
        verdict = family.grade(record, cut)
        assert not verdict.correct, (draft, cut)
        # glyph swapped: never correct
        swapped = _swap_glyph(answer)
        if swapped is not None:
            verdict = family.grade(record, swapped)
            assert not verdict.correct, (draft, swapped)
            if g["kind"] == "value":  # a glyph inside a string only changes the text
                assert verdict.parsed == _parses(swapped, g["format"])
                if not verdict.parsed and any(a in swapped for a in ANIMAL.values()):
                    assert "E_UNKNOWN_GLYPH" in verdict.error or "E_LC_PARSE" in verdict.error
        if g["kind"] == "value":
            fmt = g["format"]
            wrong = _other_value(answer, fmt)
            verdict = family.grade(record, wrong)
            assert verdict.parsed and not verdict.correct, (draft, wrong)
            for other in ("hlxl", "lct", "lcr", "lcb"):
                text = FORMATS[other].dump(FORMATS[fmt].parse(answer))
                if text != answer and other != fmt:
                    verdict = family.grade(record, text)
                    assert verdict.parsed == _parses(text, fmt), (other, text)
                    if not verdict.parsed:
                        assert not verdict.correct and verdict.error.startswith(f"not {fmt}")
        elif g["kind"] == "error":
            code, where = answer.split(" ", 1)
            assert family.grade(record, f"{where} {code}").parsed is False
            bumped = answer[:-1] + str((int(answer[-1]) + 1) % 10)
            verdict = family.grade(record, bumped)
            assert verdict.parsed and not verdict.correct
            verdict = family.grade(record, answer.replace(code, "E_DIV_ZERO"))
            assert verdict.parsed and not verdict.correct and verdict.error == "wrong error code"
        elif g["kind"] == "program":
            src = to_hlxl(answer) if g["track"] == "hlx" else to_hlx(answer)
            verdict = family.grade(record, src)
            assert not verdict.parsed and not verdict.correct
            changed = answer.replace("main()", "main2()", 1).replace("block main2", "block main")
            if changed != answer:
                load(changed, track=g["track"])
                verdict = family.grade(record, changed)
                assert verdict.parsed and not verdict.correct
        elif g["kind"] == "findings":
            wrong = "valid" if answer != "valid" else "E_CONTRACT_FIELD_TYPE 900 @2"
            verdict = family.grade(record, wrong)
            assert verdict.parsed and not verdict.correct
            assert not family.grade(record, "looks fine to me").parsed
        elif g["kind"] == "outcome":
            code = "E_DIV_ZERO" if answer != "E_DIV_ZERO" else "E_TYPE_MISMATCH"
            verdict = family.grade(record, code)
            assert verdict.parsed and not verdict.correct
            if answer not in CODES:
                wrong = _other_value(answer, g["format"])
                verdict = family.grade(record, wrong)
                assert verdict.parsed and not verdict.correct
        elif g["kind"] == "run":
            other = 'program p { block main() { return "nope"; } }'
            verdict = family.grade(record, to_hlx(other) if g["track"] == "hlx" else other)
            assert verdict.parsed and not verdict.correct
        elif g["kind"] == "service" and g["op"] == "diagnostics":
            first, _, rest = answer.partition("\n")
            pos, code, *message = first.split(" ", 2)
            line, col = pos.split(":")
            moved = f"{line}:{int(col) + 1} {code} {' '.join(message)}".rstrip()
            verdict = family.grade(record, "\n".join([moved] + ([rest] if rest else [])))
            assert verdict.parsed and not verdict.correct
            recoded = answer.replace(code, "E_DIV_ZERO" if code != "E_DIV_ZERO" else
                                     "E_LC_PARSE", 1)
            verdict = family.grade(record, recoded)
            assert verdict.parsed and not verdict.correct
        else:  # exact / resolve / service
            verdict = family.grade(record, answer + "x")
            assert not verdict.correct
        checked += 1
    assert checked


def test_animal_emoji_in_lcr_answer_is_an_unknown_glyph():
    family = FAMILIES["lcr_mastery"]
    record = {"task": "lcr_mastery",
              "grading": {"kind": "value", "format": "lcr", "expected": "🜊14🜁0 42🜂"}}
    verdict = family.grade(record, "🜊14🐁0 42🜂")
    assert not verdict.correct and not verdict.parsed and "E_UNKNOWN_GLYPH" in verdict.error


def test_answers_are_graded_after_cleaning():
    family = FAMILIES["convert"]
    _, draft, record = drafts(family, 1)[0]
    fenced = f"<think>\n</think>\n\n```{draft.formats[-1]}\n{draft.answer}\n```\n"
    assert family.grade(record, fenced).correct
