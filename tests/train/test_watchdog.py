"""The watchdog on a real tiny training run: records, reports, per-example results, drift action."""

from __future__ import annotations

import dataclasses
import json

import pytest

pytest.importorskip("trl")

from helix_train.config import WatchdogConfig, plan  # noqa: E402
from helix_train.data import load_split, to_sft_dataset  # noqa: E402
from helix_train.sft import build_trainer, make_sft_config  # noqa: E402
from helix_train.watchdog import Watchdog  # noqa: E402


def test_bad_setup_fails_fast(tokenizer):
    with pytest.raises(ValueError, match="`val_records` is empty"):
        Watchdog(tokenizer, [], WatchdogConfig(), phase="general")


def test_watchdog_grades_real_checkpoints(tmp_path, tokenizer, tiny_model, tiny_config, corpus_dir):
    cfg = dataclasses.replace(tiny_config, curriculum=dataclasses.replace(
        tiny_config.curriculum, checkpoint_every=1))
    stage = dataclasses.replace(plan(cfg)[0], epochs=2)
    args = make_sft_config(cfg, stage, tmp_path / "out")
    wd_cfg = WatchdogConfig(val_limit=6, max_new_tokens=12, generation_batch_size=6)
    train_records = load_split(corpus_dir, "general", "train")
    wd = Watchdog(tokenizer, load_split(corpus_dir, "general", "val"), wd_cfg, phase="general",
                  model_name="tiny", train_records=train_records)
    train = to_sft_dataset(train_records)
    trainer = build_trainer(tiny_model, tokenizer, args, train, callbacks=[wd])
    trainer.train()

    first = tmp_path / "out" / f"checkpoint-{wd.records_out[0]['step']}"
    record = json.loads((first / "watchdog.json").read_text())
    assert record["val_total"] == 6 and record["phase"] == "general"
    # the one scorer's report of the graded records, baselines from the train split, and a
    # generation budget that covers every graded reference answer
    val = load_split(corpus_dir, "general", "val")[:6]
    assert record["score"]["overall"]["n"] == 6
    assert set(record["score"]["families"]) == {r["task"] for r in val}
    assert all(f["baselines"]["majority_family"] is not None
               for f in record["score"]["families"].values())
    longest = max(len(tokenizer(r["completion"][0]["content"], add_special_tokens=False)
                      ["input_ids"]) for r in val)
    assert record["max_new_tokens"] == (12 if longest <= 12 else longest + 8)
    assert set(record["points"]) == {"loss_convergence", "validation_accuracy",
                                     "format_correctness", "progress_consistency", "total"}
    assert record["grade"] in "ABCDF"
    report = (first / "checkpoint_report.txt").read_text()
    for needle in ("CHECKPOINT REPORT", "Epoch:", "Phase:", "Validation:", "Format errors:",
                   "Trend:", "TOTAL:", "GRADE:", "Status:", "Recommendation:"):
        assert needle in report
    rows = [json.loads(line) for line in (first / "validation.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and {"prompt", "expected", "answer", "grade"} <= set(rows[0])
    # An untrained tiny model answers nothing right: 0 % accuracy and unparseable answers make
    # 30 + 10 + 5 + 20 = 65 points, grade D, so the watchdog intervenes by halving the LR in place.
    assert record["val_correct"] == 0 and record["grade"] == "D" and record["points"]["total"] == 65
    assert record["action"]["kind"] == "intervene" and record["status"] == "INTERVENTION"
    assert len(wd.records_out) == 2  # both checkpoints graded, training went on
    assert wd.records_out[1]["learning_rate"] == pytest.approx(record["learning_rate"] / 2)
    assert wd.records_out[1]["drift_state"]["interventions"] == 2
    log = (tmp_path / "out" / "watchdog.jsonl").read_text().splitlines()
    assert len(log) == 2
