"""``helix-train resume`` after ``kill -9``: the run continues from its last graded checkpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("trl")

CONFIG = """\
preset: tiny-cpu
name: resume-test
model: {bpe_vocab_size: 512, tiny: {hidden_size: 16, intermediate_size: 32}}
training: {per_device_train_batch_size: 8, logging_steps: 1, warmup_steps: 0}
curriculum: {models: [coordinator], coordinator_epochs: 3, checkpoint_every: 1}
watchdog: {val_limit: 4, max_new_tokens: 4, generation_batch_size: 8}
gates: {test_limit: 4}
eval: {max_new_tokens: 4, batch_size: 8}
corpus: {source: mini, preset: fixture, max_records: {train: 16, val: 4, test: 4}}
"""


def _graded(attempt_dir) -> set[int]:
    return {int(p.parent.name.split("-")[1]) for p in attempt_dir.glob("checkpoint-*/watchdog.json")}


def test_resume_after_sigkill_continues_from_the_last_checkpoint(tmp_path):
    """The config inherits tiny-cpu's CPU lanes, so the coordinator trains in a child process:
    SIGKILL on the parent must take the child down too (else it would train on beside `resume`)."""
    from click.testing import CliRunner

    from helix_train.cli import main

    conf = tmp_path / "run.yaml"
    conf.write_text(CONFIG)
    run = tmp_path / "run"
    attempt = run / "models" / "qwen3_1_7b_coordinator" / "coordinator" / "attempt-0"
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    with open(tmp_path / "first.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "helix_train.cli", "run", "--preset",
                                 str(conf), "--out", str(run)], stdout=log, stderr=log, env=env)
        deadline = time.monotonic() + 240
        while not _graded(attempt):  # poll the file system for the first graded checkpoint
            assert proc.poll() is None, (tmp_path / "first.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "no checkpoint within 240 s"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    graded_at_kill = _graded(attempt)
    state = json.loads((attempt.parent / "state.json").read_text())
    assert state["status"] == "running"  # killed mid-stage

    result = CliRunner().invoke(main, ["resume", str(run)])
    assert result.exit_code == 0, result.output

    events = [json.loads(x) for x in (run / "logs" / "events.jsonl").read_text().splitlines()]
    resumed = [e for e in events if e["event"] == "resume"]
    assert len(resumed) == 1 and resumed[0]["step"] in graded_at_kill
    assert resumed[0]["step"] == max(graded_at_kill)  # the last graded checkpoint
    assert events[-1]["event"] == "run_done"
    # the steps after the checkpoint were trained once: no step number repeats in the step log
    steps = [json.loads(x)["step"] for x in (run / "logs" / "steps.jsonl").read_text().splitlines()
             if "loss" in json.loads(x)]
    assert steps == sorted(set(steps)) and steps[-1] == 6  # 3 epochs × 2 steps
    trainer_state = json.loads((attempt / "checkpoint-6" / "trainer_state.json").read_text())
    assert trainer_state["global_step"] == 6
    assert json.loads((attempt.parent / "state.json").read_text())["status"] == "done"
    assert (run / "models" / "qwen3_1_7b_coordinator" / "final_model" / "model.safetensors").exists()
