"""The short-value conversion families of the CPU curriculum, and the generator's `weights` and
`system_share` options."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from helix_corpus.build import generate, plan
from helix_corpus.core import Paraphrases, route_of
from helix_corpus.families import FAMILIES
from helix_lang import FORMATS
from helix_lang.values import Contract, Handle, depth, kind

SHORT_FAMILIES = ("convert_text", "convert_text_ascii", "convert_text_runic", "lct_to_lcb",
                  "lcb_to_lct")


@pytest.mark.parametrize("name", SHORT_FAMILIES)
def test_short_values_are_small_shallow_and_of_every_kind(name):
    fam = FAMILIES[name]
    kinds, children = Counter(), Counter()
    for i in range(400):
        d = fam.make(random.Random(i), "train")
        v = FORMATS[d.formats[-1]].parse(d.answer)
        assert len(FORMATS["lct"].dump(v)) <= 64 and depth(v) <= 2
        assert fam.grade({"grading": d.grading, "task": name}, d.answer).correct
        kinds[kind(v)] += 1
        for c in (v.fields.values() if isinstance(v, Contract) else
                  v.values() if isinstance(v, dict) else v if isinstance(v, tuple) else ()):
            children[kind(c)] += 1
    assert set(kinds) | set(children) >= {"null", "bool", "int", "float", "text", "bytes",
                                          "handle", "array", "map", "contract"}


def test_short_values_use_invented_words():
    from helix_corpus.valuegen import HANDLE_NAMES

    names = set()
    for i in range(300):
        d = FAMILIES["convert_text"].make(random.Random(i), "train")
        v = FORMATS[d.formats[-1]].parse(d.answer)
        names |= {x.name for x in (v if isinstance(v, tuple) else (v,)) if isinstance(x, Handle)}
    assert names - set(HANDLE_NAMES), "no invented handle name in 300 values"


@pytest.mark.parametrize("name", SHORT_FAMILIES)
def test_a_short_conversion_routes_like_the_same_request_of_convert(name):
    """Same wording as `convert`, so the same request must get the same route whichever family
    made it (else the coordinator is taught two answers to one question)."""
    fam = FAMILIES[name]
    for i in range(60):
        d = fam.make(random.Random(i), "test")
        assert route_of(fam, d.formats) == route_of(FAMILIES["convert"], d.formats), d.formats
        assert d.request.startswith(f"Convert this ") or d.template.startswith("convert_text.h")


def test_phase_two_variants_answer_in_their_specialists_formats():
    for name, targets in (("convert_text_ascii", {"hlxl", "lct"}),
                          ("convert_text_runic", {"hlx", "lcr"})):
        seen = {FAMILIES[name].make(random.Random(i), "train").formats for i in range(200)}
        assert {dst for _, dst in seen} == targets
        assert len(seen) == 6


def test_weights_limit_the_corpus_to_the_named_families():
    counts = plan("general", {"train": 100, "val": 10, "test": 10},
                  weights={"convert_text": 3, "kind_of": 1})
    assert counts["train"] == {"convert_text": 75, "kind_of": 25}
    with pytest.raises(ValueError, match="not a family of the `general` corpus"):
        plan("general", {"train": 10, "val": 1, "test": 1}, weights={"route": 1})
    with pytest.raises(ValueError, match="positive integers"):
        plan("general", {"train": 10, "val": 1, "test": 1}, weights={"kind_of": 0})


def test_system_share_zero_gives_prompts_without_a_system_message():
    sizes = {"train": 30, "val": 4, "test": 4}
    none = generate("general", sizes=sizes, weights={"convert_text": 1}, system_share=0.0)
    assert all(r["prompt"][0]["role"] == "user" for s in none.values() for r in s)
    default = generate("general", sizes=sizes, weights={"convert_text": 1})
    assert any(r["prompt"][0]["role"] == "system" for r in default["train"])
    # only the system message differs: the same requests and answers, in the same order
    assert [r["prompt"][-1] for r in none["train"]] == [r["prompt"][-1] for r in default["train"]]
    with pytest.raises(ValueError, match="system_share"):
        generate("general", sizes=sizes, system_share=1.5)


def test_heldout_share_sets_how_often_val_and_test_use_a_heldout_template():
    p = Paraphrases("demo_share", ("A {x}",), ("B {x}",), heldout_share=0.2)
    picks = Counter(p.pick(random.Random(i), "test")[0] for i in range(2000))
    assert 0.15 < picks["demo_share.h0"] / 2000 < 0.25
    assert {p.pick(random.Random(i), "train")[0] for i in range(200)} == {"demo_share.0"}
