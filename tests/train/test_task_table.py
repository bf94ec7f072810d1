"""The per-family test table of the report and ``helix-train eval``: the one scorer's report
(``result.json`` ``score``) rendered for new results, and results of older runs converted."""

from __future__ import annotations

import json

import pytest

from helix_corpus.scoring import majority_answers, score
from helix_train.graders import grade


def _rec(task: str, answer: str, template: str | None = None, fmt: str | None = None) -> dict:
    """A fixture-style record (no ``grading``: graded through the grading its ``meta`` implies)."""
    meta = {"answer_format": fmt}
    if template is not None:
        meta["template"] = template
    return {"id": f"{task}-{answer}-{template}", "task": task,
            "prompt": [{"role": "user", "content": "q"}],
            "completion": [{"role": "assistant", "content": answer}], "meta": meta}


def _result(score_or_tasks: dict, key: str = "score") -> dict:
    return {"test_loss": 0.5, "test_accuracy": 0.5, "test_total": 40, "test_format_errors": 0,
            "best_checkpoint": "x/checkpoint-1", "best_grade": "B", "gates": [],
            key: score_or_tasks}


def test_report_renders_the_scorer_table_and_converts_old_results(tmp_path):
    pytest.importorskip("transformers")
    pytest.importorskip("matplotlib")
    import yaml

    from helix_train.config import HelixConfig, from_dict, load_preset, plan, to_dict
    from helix_train.report import write_report

    data = to_dict(load_preset("tiny-cpu"))
    data["curriculum"]["models"] = ["ascii", "coordinator"]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    stages = {s.phase: s for s in plan(from_dict(HelixConfig, data))}
    # coordinator: 20 routes, 18 right, train majority "ascii" right on 6 of them
    train = [_rec("route", "ascii", "route.0")] * 3 + [_rec("route", "runic", "route.0")]
    test = ([_rec("route", "ascii", "route.0")] * 6 + [_rec("route", "runic", "route.0")] * 10
            + [_rec("route", "runic", "route.h0")] * 4)
    answers = [expected["completion"][0]["content"] for expected in test]
    answers[-2:] = ["ascii", "ascii"]  # two held-out phrasings answered wrong
    new = _result(score(test, answers, train, grader=grade))
    old = _result({"kind_of": {"n": 4, "correct": 2, "accuracy": 0.5, "format_valid": 1.0,
                               "baseline": 0.25, "seen_n": 4, "seen_correct": 2,
                               "heldout_n": 0, "heldout_correct": 0}}, key="tasks")
    for phase, result in (("coordinator", new), ("general", old)):
        sdir = tmp_path / "models" / stages[phase].model / phase
        sdir.mkdir(parents=True)
        (sdir / "state.json").write_text(json.dumps({"status": "done", "reason": None,
                                                     "attempts": []}))
        (sdir / "result.json").write_text(json.dumps(result))

    paths = write_report(tmp_path)
    md = paths["markdown"].read_text(encoding="utf-8").splitlines()
    header = ("| family | n | accuracy (95 % CI) | format valid | majority/family | "
              "majority/question | copy input | seen phrasing | held-out phrasing | learns |")
    assert md.count(header) == 2
    # 18/20: Wilson [69.9 %, 97.2 %] is above the best baseline (30 %): learns
    assert ("| route | 20 | 18/20 90.0% [69.9%, 97.2%] | 100.0% | 30.0% | 30.0% | n/a | "
            "16/16 100.0% [80.6%, 100.0%] | 2/4 50.0% [15.0%, 85.0%] | yes |") in md
    assert any(line.startswith("Learns (95 % lower bound above the best baseline): route.")
               for line in md)
    # the older result: what it measured, n/a for the rest
    assert ("| kind_of | 4 | 2/4 50.0% [15.0%, 85.0%] | 100.0% | 25.0% | n/a | n/a | "
            "2/4 50.0% [15.0%, 85.0%] | 0/0 | n/a |") in md
    # the supervisor summary names what each model learns
    assert any(line.startswith("| qwen3_1_7b_coordinator | done |") and "| 1/1: route |" in line
               for line in md)
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    scores = {s["phase"]: s["result"]["score"] for s in report["stages"] if s["result"]}
    assert scores["coordinator"]["families"]["route"]["learns"] is True
    assert scores["general"]["legacy"] and scores["general"]["families"]["kind_of"]["learns"] is None


# ----------------------------------------------------------------------------- helix-train eval

def test_evaluate_model_scores_against_the_train_split(tmp_path, corpus_dir, tokenizer, tiny_model):
    """``evaluate_model`` scores with the train split next to the evaluated one (baselines,
    phrasing by train templates, ``learns``), generates within the split's budget, and without a
    train split leaves the majority baselines and ``learns`` unknown."""
    from helix_train.data import read_jsonl, write_jsonl
    from helix_train.evaluate import evaluate_model

    model_dir = tmp_path / "model"
    tiny_model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    corpus = tmp_path / "corpus"
    train = read_jsonl(corpus_dir / "coordinator" / "train.jsonl")
    test = read_jsonl(corpus_dir / "coordinator" / "test.jsonl")[:12]
    for i, r in enumerate(train):
        r["meta"]["template"] = f"{r['task']}.{i % 2}"
    for i, r in enumerate(test):  # templates .0 .1 seen, .2 .3 held out
        r["meta"]["template"] = f"{r['task']}.{i % 4}"
    write_jsonl(corpus / "coordinator" / "train.jsonl", train)
    write_jsonl(corpus / "coordinator" / "test.jsonl", test)

    out = tmp_path / "rows.jsonl"
    res = evaluate_model(model_dir, corpus, "coordinator", out=out)
    longest = max(len(tokenizer(r["completion"][0]["content"], add_special_tokens=False)
                      ["input_ids"]) for r in test)
    assert res["max_new_tokens"] == longest + max(8, -(-longest // 10))
    majority = majority_answers(train)
    rows = read_jsonl(out)
    for task, f in res["score"]["families"].items():
        mine = [r for r in test if r["task"] == task]
        assert f["phrasing"]["seen"]["n"] == sum(r["meta"]["template"][-1] in "01" for r in mine)
        assert f["phrasing"]["seen"]["n"] + f["phrasing"]["heldout"]["n"] == f["n"] == len(mine)
        right = sum(row["grade"]["correct"] for row in rows if row["task"] == task)
        assert f["correct"] == right
        expected = sum(grade(r, majority[task]).correct for r in mine)
        assert f["baselines"]["majority_family"]["correct"] == expected
        assert f["learns"] is not None
    assert [r["template"] for r in rows] == [r["meta"]["template"] for r in test]

    (corpus / "coordinator" / "train.jsonl").unlink()
    first = max(len(tokenizer(r["completion"][0]["content"], add_special_tokens=False)
                    ["input_ids"]) for r in test[:2])
    res = evaluate_model(model_dir, corpus, "coordinator", limit=2, max_new_tokens=first + 1)
    assert res["max_new_tokens"] == first + 1  # a configured budget that covers the split is kept
    assert all(f["learns"] is None and f["baselines"]["majority_family"] is None
               for f in res["score"]["families"].values())
