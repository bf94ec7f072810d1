"""The per-task test table: majority-answer baseline, seen/held-out phrasing split, and how the
report renders them for new results and for results of older runs."""

from __future__ import annotations

import json

import pytest

from helix_train.gates import majority_answers, task_accuracy

NEW_KEYS = {"baseline", "seen_n", "seen_correct", "heldout_n", "heldout_correct"}


def _rec(task: str, answer: str, template: str | None = None, fmt: str | None = None) -> dict:
    """A fixture-style record (no ``grading``: graded by ``fallback_grade``)."""
    meta = {}
    if template is not None:
        meta["template"] = template
    if fmt is not None:
        meta["answer_format"] = fmt
    return {"task": task, "prompt": [{"role": "user", "content": "q"}],
            "completion": [{"role": "assistant", "content": answer}], "meta": meta}


def _row(rec: dict, correct: bool) -> dict:
    return {"task": rec["task"], "grade": {"correct": correct, "parsed": True, "error": None}}


# ----------------------------------------------------------------------------- baseline

@pytest.mark.parametrize("train,test,majority,baseline", [
    # the most common train answer, graded on every test record of the family
    (["b", "a", "b"], ["b", "a", "b", "c"], "b", 0.5),
    # a tie goes to the smallest string, whatever the order in the train split
    (["b", "a", "b", "a"], ["a", "a", "b"], "a", 2 / 3),
    # a higher count beats a smaller string
    (["z", "a", "z", "a", "z"], ["z", "a", "a", "a"], "z", 0.25),
    # the family's majority answer never occurs in the test split
    (["x", "x", "y"], ["y", "y"], "x", 0.0),
], ids=["majority", "tie-smallest-string", "count-before-string", "never-right"])
def test_majority_baseline(train, test, majority, baseline):
    train_recs = [_rec("fam", a) for a in train] + [_rec("other", "zzz")] * 5
    test_recs = [_rec("fam", a) for a in test]
    assert majority_answers(train_recs) == {"fam": majority, "other": "zzz"}
    out = task_accuracy([_row(r, False) for r in test_recs], test_recs, train_recs)
    assert out["fam"]["baseline"] == pytest.approx(baseline)
    assert "other" not in out  # only families of the test split are reported


def test_baseline_is_graded_by_the_grader_not_by_string_equality():
    """LC-T answers compare by value: the majority answer matches a differently spaced reference."""
    train = [_rec("lct_mastery", "{C:14,0=123}", fmt="lct")] * 2 + [
        _rec("lct_mastery", "{C:14,0=124}", fmt="lct")]
    test = [_rec("lct_mastery", "{C:14, 0=123}", fmt="lct"),
            _rec("lct_mastery", "{C:14, 0=124}", fmt="lct")]
    out = task_accuracy([_row(r, True) for r in test], test, train)
    assert out["lct_mastery"]["baseline"] == 0.5
    # a custom grader is the one used
    calls = []

    def grader(record, answer):
        calls.append((record["completion"][0]["content"], answer))
        return type("G", (), {"correct": True})()

    out = task_accuracy([_row(r, True) for r in test], test, train, grader=grader)
    assert out["lct_mastery"]["baseline"] == 1.0
    assert calls == [("{C:14, 0=123}", "{C:14,0=123}"), ("{C:14, 0=124}", "{C:14,0=123}")]


def test_baseline_of_a_family_absent_from_train_is_none():
    train = [_rec("route", "lct")]
    test = [_rec("route", "lct"), _rec("hlx_facts", "yes")]
    out = task_accuracy([_row(r, True) for r in test], test, train)
    assert out["route"]["baseline"] == 1.0
    assert out["hlx_facts"]["baseline"] is None


# ----------------------------------------------------------------------------- phrasing split

def test_seen_and_heldout_phrasing_counts():
    train = [_rec("f", "1", "f.1"), _rec("f", "1", "f.2"), _rec("g", "1", "g.1"),
             _rec("g", "1")]
    cases = [  # (record, correct)
        (_rec("f", "1", "f.1"), True),     # seen
        (_rec("f", "1", "f.2"), False),    # seen
        (_rec("f", "1", "f.3"), True),     # held out
        (_rec("f", "1", "f.4"), False),    # held out
        (_rec("f", "1", "f.5"), True),     # held out
        (_rec("f", "1"), True),            # no template: overall numbers only
        (_rec("g", "1", "f.1"), True),     # another family's template is held out for g
        (_rec("g", "1", "g.1"), False),    # seen
        (_rec("h", "1", "h.1"), True),     # family absent from train: held out
    ]
    recs, rows = [c[0] for c in cases], [_row(*c) for c in cases]
    out = task_accuracy(rows, recs, train)
    split = {t: (v["seen_correct"], v["seen_n"], v["heldout_correct"], v["heldout_n"])
             for t, v in out.items()}
    assert split == {"f": (1, 2, 2, 3), "g": (0, 1, 1, 1), "h": (0, 0, 1, 1)}
    assert (out["f"]["n"], out["f"]["correct"]) == (6, 4)
    assert out["h"]["baseline"] is None and out["g"]["baseline"] == 1.0


def test_task_accuracy_keeps_its_old_shape():
    recs = [_rec("f", "1", "f.1"), _rec("f", "2", "f.2")]
    rows = [_row(recs[0], True), {"task": "f", "grade": {"correct": False, "parsed": False}}]
    old = task_accuracy(rows)
    assert old == {"f": {"n": 2, "correct": 1, "accuracy": 0.5, "format_valid": 0.5}}
    # with the test records but no train split: the new keys exist and are unknown (None)
    no_train = task_accuracy(rows, recs)
    assert no_train["f"] == {**old["f"], **dict.fromkeys(NEW_KEYS)}
    # records and rows must be aligned
    with pytest.raises(ValueError):
        task_accuracy(rows, recs[:1], recs)


# ----------------------------------------------------------------------------- the report

def _result(tasks: dict) -> dict:
    return {"test_loss": 0.5, "test_accuracy": 0.5, "test_total": 40, "test_format_errors": 0,
            "best_checkpoint": "x/checkpoint-1", "best_grade": "B", "gates": [], "tasks": tasks}


def test_report_renders_the_new_columns_and_na_for_old_results(tmp_path):
    pytest.importorskip("transformers")
    pytest.importorskip("matplotlib")
    import yaml

    from helix_train.config import from_dict, HelixConfig, load_preset, plan, to_dict
    from helix_train.report import write_report

    data = to_dict(load_preset("tiny-cpu"))
    data["curriculum"]["models"] = ["ascii", "coordinator"]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    stages = {s.phase: s for s in plan(from_dict(HelixConfig, data))}
    new = _result({
        "route": {"n": 40, "correct": 30, "accuracy": 0.75, "format_valid": 1.0,
                  "baseline": 0.3, "seen_n": 20, "seen_correct": 12, "heldout_n": 20,
                  "heldout_correct": 18},
        "hlx_facts": {"n": 5, "correct": 0, "accuracy": 0.0, "format_valid": 0.8,
                      "baseline": None, "seen_n": 0, "seen_correct": 0, "heldout_n": 5,
                      "heldout_correct": 0}})
    old = _result({"kind_of": {"n": 4, "correct": 2, "accuracy": 0.5, "format_valid": 1.0}})
    for phase, result in (("coordinator", new), ("general", old)):
        sdir = tmp_path / "models" / stages[phase].model / phase
        sdir.mkdir(parents=True)
        (sdir / "state.json").write_text(json.dumps({"status": "done", "reason": None,
                                                     "attempts": []}))
        (sdir / "result.json").write_text(json.dumps(result))

    paths = write_report(tmp_path)
    md = paths["markdown"].read_text(encoding="utf-8").splitlines()
    header = ("| task | n | correct | accuracy | format valid | baseline | seen phrasing | "
              "held-out phrasing |")
    assert md.count(header) == 2
    assert md[md.index(header) + 1] == "| --- | --- | --- | --- | --- | --- | --- | --- |"
    assert "| route | 40 | 30 | 75.0% | 100.0% | 30.0% | 12/20 (60.0%) | 18/20 (90.0%) |" in md
    assert "| hlx_facts | 5 | 0 | 0.0% | 80.0% | n/a | 0/0 | 0/5 (0.0%) |" in md
    assert "| kind_of | 4 | 2 | 50.0% | 100.0% | n/a | n/a | n/a |" in md
    # the JSON report has the same keys for both: values, or null for the older result
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    tasks = {s["phase"]: s["result"]["tasks"] for s in report["stages"] if s["result"]}
    assert tasks["coordinator"]["route"]["heldout_correct"] == 18
    assert tasks["general"]["kind_of"] == {**old["tasks"]["kind_of"], **dict.fromkeys(NEW_KEYS)}


# ----------------------------------------------------------------------------- helix-train eval

def test_evaluate_model_reports_baseline_and_phrasing(tmp_path, corpus_dir, tokenizer, tiny_model):
    """``evaluate_model`` compares with the train split next to the evaluated one; without a train
    split the new keys are None.  Rows written with ``out`` carry the prompt template."""
    from helix_train.data import read_jsonl, write_jsonl
    from helix_train.evaluate import evaluate_model
    from helix_train.graders import grade

    model_dir = tmp_path / "model"
    tiny_model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    corpus = tmp_path / "corpus"
    train = read_jsonl(corpus_dir / "coordinator" / "train.jsonl")
    test = read_jsonl(corpus_dir / "coordinator" / "test.jsonl")
    for i, r in enumerate(train):
        r["meta"]["template"] = f"{r['task']}.{i % 2}"
    for i, r in enumerate(test):  # templates .0 .1 seen, .2 .3 held out
        r["meta"]["template"] = f"{r['task']}.{i % 4}"
    write_jsonl(corpus / "coordinator" / "train.jsonl", train)
    write_jsonl(corpus / "coordinator" / "test.jsonl", test)

    out = tmp_path / "rows.jsonl"
    res = evaluate_model(model_dir, corpus, "coordinator", max_new_tokens=2, out=out)
    majority = majority_answers(train)
    for task, t in res["tasks"].items():
        mine = [r for r in test if r["task"] == task]
        assert t["seen_n"] == sum(r["meta"]["template"][-1] in "01" for r in mine)
        assert t["seen_n"] + t["heldout_n"] == t["n"] == len(mine)
        assert t["seen_correct"] + t["heldout_correct"] == t["correct"]
        expected = sum(grade(r, majority[task]).correct for r in mine) / len(mine)
        assert t["baseline"] == pytest.approx(expected)
    assert [r["template"] for r in read_jsonl(out)] == [r["meta"]["template"] for r in test]

    (corpus / "coordinator" / "train.jsonl").unlink()
    res = evaluate_model(model_dir, corpus, "coordinator", max_new_tokens=2, limit=2)
    assert all(t[k] is None for t in res["tasks"].values() for k in NEW_KEYS)
    assert "template" not in read_jsonl(corpus_dir / "coordinator" / "test.jsonl")[0]["meta"]
