"""The one scorer (``helix_corpus.scoring.score``): Wilson intervals, the three baselines, the
seen/held-out phrasing split and the ``learns`` flag, on small hand-made records of real families
(graded by their real graders) and on a generated corpus."""

from __future__ import annotations

import pytest

from helix_corpus import generate
from helix_corpus.core import Grade
from helix_corpus.scoring import (
    TABLE_HEADER,
    expected_answer,
    markdown_table,
    score,
    source_text,
    wilson,
)


def kind_rec(answer: str, template: str | None = "kind.name.0", rid: str | None = None) -> dict:
    """A ``kind_of`` record (graded by exact match)."""
    return {"id": rid or f"k{id(object())}", "task": "kind_of",
            "prompt": [{"role": "user", "content": "What is the kind of this LC-T value?\n[1]"}],
            "completion": [{"role": "assistant", "content": answer}],
            "meta": {"template": template} if template else {},
            "grading": {"kind": "exact", "expected": answer, "pattern": "[a-z]+"}}


def convert_rec(src: str, dst: str, text: str, expected: str, template: str = "convert.0") -> dict:
    """A ``convert`` record written with template ``convert.0``
    (``Convert this {src} value to {dst}:\\n{text}``)."""
    fmt = {"LC-T": "lct", "HLXL": "hlxl", "LC-R": "lcr"}
    return {"id": f"c-{text}-{dst}", "task": "convert",
            "prompt": [{"role": "user", "content": f"Convert this {src} value to {dst}:\n{text}"}],
            "completion": [{"role": "assistant", "content": expected}],
            "meta": {"template": template, "formats": [fmt[src], fmt[dst]]},
            "grading": {"kind": "value", "format": fmt[dst], "expected": expected}}


# ----------------------------------------------------------------------------- Wilson

@pytest.mark.parametrize("n", [1, 7, 40, 1000])
def test_wilson_closed_forms_and_symmetry(n):
    z2 = 1.96 ** 2
    assert wilson(0, n)[0] == 0.0 and wilson(0, n)[1] == pytest.approx(z2 / (n + z2))
    assert wilson(n, n)[1] == 1.0 and wilson(n, n)[0] == pytest.approx(n / (n + z2))
    for k in range(0, n + 1, max(1, n // 7)):
        lo, hi = wilson(k, n)
        assert 0.0 <= lo <= k / n <= hi <= 1.0
        mirror = wilson(n - k, n)
        assert (lo, hi) == pytest.approx((1 - mirror[1], 1 - mirror[0]))
    assert wilson(0, 0) == (0.0, 1.0)
    # a wider z gives a wider interval; more trials a narrower one
    assert wilson(3, 10, z=2.58)[0] < wilson(3, 10)[0]
    assert wilson(30, 100)[1] - wilson(30, 100)[0] < wilson(3, 10)[1] - wilson(3, 10)[0]


# ----------------------------------------------------------------------------- baselines

def test_majority_per_family_and_per_question_type_with_fallback():
    train = ([kind_rec("map", "kind.name.0")] * 3 + [kind_rec("int", "kind.name.1")] * 2
             + [kind_rec("bool", "kind.name.1")])
    test = [kind_rec("map", "kind.name.0"), kind_rec("int", "kind.name.1"),
            kind_rec("int", "kind.name.1"), kind_rec("map", "kind.name.h0"),  # unseen type
            kind_rec("text", "kind.name.h0")]
    res = score(test, ["x"] * len(test), train)
    f = res["families"]["kind_of"]
    assert f["majority_answer"] == "map"
    # family majority "map": right on records 0 and 3
    assert f["baselines"]["majority_family"] == {"correct": 2, "accuracy": 0.4}
    # per type: kind.name.0 → map (1 right), kind.name.1 → int (2 right), kind.name.h0 falls
    # back to the family's "map" (1 right)
    assert f["baselines"]["majority_question"] == {"correct": 4, "accuracy": 0.8}
    assert f["baselines"]["copy_input"] is None and f["conversion"] is False
    assert f["best_baseline"]["name"] == "majority_question"
    assert f["templates"]["kind.name.1"]["majority_question"] == 1.0
    assert f["templates"]["kind.name.h0"]["phrasing"] == "heldout"
    assert f["learns"] is False and f["accuracy"] == 0.0


def test_majority_ties_go_to_the_smallest_string():
    train = [kind_rec("map"), kind_rec("int"), kind_rec("map"), kind_rec("int")]
    res = score([kind_rec("int")], ["int"], train)
    assert res["families"]["kind_of"]["majority_answer"] == "int"


def test_copy_input_is_graded_by_the_family_grader():
    """Copying ``[1,2]`` (LC-T) is a right HLXL answer (same value); copying the LC-T contract
    ``{C:14,0=1}`` is not; both records are conversions, found through their template."""
    same = convert_rec("LC-T", "HLXL", "[1,2]", "[1, 2]")
    differs = convert_rec("LC-T", "HLXL", "{C:14,0=1}", "{14: {@0: 1}}")
    assert source_text(same) == "[1,2]"
    assert source_text(kind_rec("map")) is None  # not a value answer
    res = score([same, differs], ["[1, 2]", "{14: {@0: 1}}"], [same])
    f = res["families"]["convert"]
    assert f["conversion"] is True
    assert f["baselines"]["copy_input"] == {"correct": 1, "accuracy": 0.5}
    assert (f["correct"], f["n"]) == (2, 2)
    # two records cannot show learning against a 50 % baseline
    assert f["interval"][0] < 0.5 and f["learns"] is False


def test_source_text_of_every_generated_conversion_is_the_shown_value():
    """On a generated corpus, the extracted source value of each conversion record is a substring
    of its request, and the families with a source value are exactly the value conversions."""
    corpus = generate("general", seed=1, sizes={"train": 60, "val": 0, "test": 60})
    conversions = set()
    for r in corpus["train"] + corpus["test"]:
        src = source_text(r)
        if src is not None:
            assert src.strip() and src in r["prompt"][-1]["content"]
            conversions.add(r["task"])
    assert {"convert", "canonicalize", "lcb_encode", "lcb_decode"} <= conversions
    assert not conversions & {"describe_value", "contract_build", "kind_of", "program_eval"}
    res = score(corpus["test"], [expected_answer(r) for r in corpus["test"]], corpus["train"])
    assert res["overall"]["accuracy"] == 1.0
    assert {t for t, f in res["families"].items() if f["conversion"]} == conversions & {
        r["task"] for r in corpus["test"]}


# ----------------------------------------------------------------------------- learns

@pytest.mark.parametrize("n,baseline_right,learns", [
    (10, 9, False),   # 10/10 right, lower bound 72 % < 90 % baseline
    (10, 5, True),    # lower bound 72 % > 50 %
    (50, 46, True),   # 50/50: lower bound 92.9 % > 92 %
    (50, 47, False),  # … < 94 %
])
def test_learns_only_when_the_lower_bound_beats_the_best_baseline(n, baseline_right, learns):
    test = [kind_rec("map" if i < baseline_right else "int", rid=f"t{i}") for i in range(n)]
    train = [kind_rec("map")]
    res = score(test, [expected_answer(r) for r in test], train)
    f = res["families"]["kind_of"]
    assert f["best_baseline"]["accuracy"] == pytest.approx(baseline_right / n)
    assert f["learns"] is learns
    assert f["interval"] == [round(x, 4) for x in wilson(n, n)]
    # without a train split nothing is claimed
    assert score(test, [expected_answer(r) for r in test])["families"]["kind_of"]["learns"] is None


# ----------------------------------------------------------------------------- phrasing

def test_phrasing_split_by_train_templates_and_by_marker_without_train():
    train = [kind_rec("map", "kind.name.0"), kind_rec("map", "kind.name.2")]
    test = [kind_rec("map", "kind.name.0"), kind_rec("map", "kind.name.1"),  # .1 unseen in train
            kind_rec("map", "kind.name.h0"), kind_rec("map", None)]
    answers = ["map", "map", "int", "map"]
    f = score(test, answers, train)["families"]["kind_of"]
    assert (f["phrasing"]["seen"]["n"], f["phrasing"]["seen"]["correct"]) == (1, 1)
    assert (f["phrasing"]["heldout"]["n"], f["phrasing"]["heldout"]["correct"]) == (2, 1)
    assert f["n"] == 4  # a record without a template counts only overall
    f = score(test, answers)["families"]["kind_of"]
    assert (f["phrasing"]["seen"]["n"], f["phrasing"]["heldout"]["n"]) == (2, 1)
    assert f["baselines"]["majority_family"] is None


# ----------------------------------------------------------------------------- answers, grades

def test_answers_by_id_missing_and_unknown_and_aligned_lists():
    test = [kind_rec("map", rid="a"), kind_rec("int", rid="b")]
    res = score(test, {"a": "map", "zz": "int"})
    assert (res["overall"]["correct"], res["missing"], res["unknown_ids"]) == (1, 1, 1)
    assert res["overall"]["format_valid"] == 0.5  # no prediction: unparsed
    with pytest.raises(ValueError):
        score(test, ["map"])


def test_given_grades_are_used_and_baselines_use_the_grader():
    test = [kind_rec("map", rid="a"), kind_rec("int", rid="b")]
    calls = []

    def grader(record, answer):
        calls.append(answer)
        return Grade(answer == "int", True)

    res = score(test, ["map", "int"], [kind_rec("int")], grader=grader,
                grades=[Grade(True, True), Grade(True, True)])
    assert res["overall"]["correct"] == 2          # the given grades, not the grader's
    assert calls == ["int", "int"]                 # only the majority answer, once per record
    assert res["families"]["kind_of"]["baselines"]["majority_family"]["correct"] == 2


def test_markdown_table_has_every_family_and_overall():
    test = [kind_rec("map", rid="a"), convert_rec("LC-T", "HLXL", "[1,2]", "[1, 2]")]
    lines = markdown_table(score(test, ["map", "[1,2]"], test))
    assert lines[0] == "| " + " | ".join(TABLE_HEADER) + " |"
    assert len(lines) == 2 + 3
    assert lines[2].startswith("| convert | 1 | 1/1 100.0% [20.6%, 100.0%] | 100.0% | ")
    assert lines[-1].startswith("| overall | 2 | 2/2 100.0%")


def test_nothing_right_never_learns_even_against_a_zero_baseline():
    """0 of n has a Wilson lower bound of exactly 0, so it is never above a 0 % baseline."""
    from helix_corpus.scoring import wilson

    for n in (1, 7, 22, 300):
        assert wilson(0, n)[0] == 0.0 and wilson(n, n)[1] == 1.0
