"""Two-process data parallel training on CPU (gloo) with the watchdog attached.

``accelerate launch`` starts two copies of this file (``--worker``) with the shipped
``helix_train/accelerate/ddp.yaml``; ``training.use_cpu`` makes them gloo processes.  Each trains
the tiny model for a few steps.  The watchdog's scorer is a scripted reviewer (``watchdog.mode:
llm``, its auditor agreeing) that grades every checkpoint D, so with ``max_interventions: 1`` the
first checkpoint halves the learning rate and the later ones only warn (no real failure: the stage
runs to its end).  Only rank 0 may grade.  Without the broadcast of its decision, rank 1 would keep
the old learning rate and its weights would drift apart, so the assertions below check the
lockstep (the same step, learning rate and parameters on both ranks).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DDP_YAML = ROOT / "helix_train" / "accelerate" / "ddp.yaml"
EPOCHS, STEPS_PER_EPOCH = 3, 2


# --------------------------------------------------------------------------- the worker

class ScriptedReviewer:
    """The two agents, scripted: the grader grades every checkpoint D (65 points) and the auditor
    agrees; counts its calls (only rank 0 may call it)."""

    calls = 0

    def review(self, payload):
        from helix_train.reviewer import Audit, LLMReview, Review

        ScriptedReviewer.calls += 1
        points = {"loss_convergence": 30, "validation_accuracy": 10, "format_correctness": 5,
                  "progress_consistency": 20, "total": 65}
        grader = LLMReview(points=points, grade="D", action="intervene", reason="scripted",
                           model="scripted")
        return Review(grader, Audit(agrees=True, points=points, grade="D", rationale="scripted",
                                    model="scripted"))


def worker(spec_path: str) -> None:
    import torch

    torch.set_num_threads(1)
    from helix_train.config import TinyModelConfig, WatchdogConfig, load_preset, plan
    from helix_train.data import load_split, to_sft_dataset
    from helix_train.modeling import build_tiny_model, load_tokenizer
    from helix_train.sft import build_trainer, make_sft_config
    from helix_train.watchdog import Watchdog

    spec = json.loads(Path(spec_path).read_text())
    out = Path(spec["out"])
    cfg = load_preset("tiny-cpu")
    cfg.training.use_cpu = True
    cfg.training.logging_steps = 1
    cfg.training.warmup_steps = 0
    cfg.training.lr_scheduler_type = "constant_with_warmup"  # the LR check compares the halving
    cfg.curriculum.checkpoint_every = 1
    stage = dataclasses.replace(plan(cfg)[0], epochs=EPOCHS)
    args = make_sft_config(cfg, stage, out / "train", learning_rate=1e-3,
                           batch_size=spec["batch_size"], ddp_backend="gloo",
                           ddp_timeout=60, logging_first_step=False)  # a desync fails in 60 s
    if os.environ.get("HELIX_TEST_NO_BROADCAST"):  # only to show the test catches a missing one
        import helix_train.watchdog as watchdog_module

        watchdog_module.broadcast_decision = lambda decision: decision
    tok = load_tokenizer(spec["tokenizer"])
    model = build_tiny_model(tok, TinyModelConfig(**spec["tiny"]), seed=0)
    corpus = spec["corpus"]
    wd_cfg = WatchdogConfig(mode="llm", val_limit=2, max_new_tokens=4, generation_batch_size=2,
                            max_interventions=1)
    wd = Watchdog(tok, load_split(corpus, "general", "val"), wd_cfg, phase="general",
                  model_name="tiny", reviewer=ScriptedReviewer())
    train = to_sft_dataset(load_split(corpus, "general", "train", limit=spec["train_records"]))
    trainer = build_trainer(model, tok, args, train, callbacks=[wd])
    trainer.train()

    rank = trainer.args.process_index
    result = {
        "rank": rank, "world_size": trainer.args.world_size,
        "distributed_type": str(trainer.accelerator.distributed_type),
        "backend": trainer.accelerator.state.backend,
        "global_step": trainer.state.global_step,
        "losses": [h["loss"] for h in trainer.state.log_history if "loss" in h],
        "lr": trainer.optimizer.param_groups[0]["lr"],
        "pending": wd.pending.kind if wd.pending else None,
        "records_written": len(wd.records_out), "reviewer_calls": ScriptedReviewer.calls,
        "interventions": wd.drift_state.interventions,
    }
    torch.save({k: v.detach().clone() for k, v in trainer.model.state_dict().items()},
               out / f"params-rank{rank}.pt")
    (out / f"result-rank{rank}.json").write_text(json.dumps(result))


# --------------------------------------------------------------------------- the test

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.e2e
def test_two_gloo_ranks_stay_in_lockstep(tmp_path, tokenizer, tiny_config, corpus_dir):
    pytest.importorskip("accelerate")
    torch = pytest.importorskip("torch")
    tokenizer.save_pretrained(tmp_path / "tokenizer")
    shape = dataclasses.asdict(tiny_config.model.tiny)
    spec = {"out": str(tmp_path / "out"), "tokenizer": str(tmp_path / "tokenizer"),
            "corpus": str(corpus_dir), "tiny": shape, "batch_size": 4,
            "train_records": 2 * 4 * STEPS_PER_EPOCH}  # 2 ranks x batch 4 x 2 steps per epoch
    (tmp_path / "out").mkdir()
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "ANTHROPIC_API_KEY": ""}
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(DDP_YAML),
           "--num_processes", "2", "--main_process_port", str(_free_port()),
           "--num_cpu_threads_per_process", "1",
           str(Path(__file__).resolve()), "--worker", str(tmp_path / "spec.json")]
    t0 = time.monotonic()
    # own session: on a timeout the launcher *and* its workers are killed (a desync hangs in gloo)
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=150)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail("2-rank run timed out (ranks out of lockstep?)\n" + stderr[-5000:])
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, stdout[-3000:] + stderr[-5000:]

    out = tmp_path / "out"
    results = [json.loads((out / f"result-rank{r}.json").read_text()) for r in (0, 1)]
    r0, r1 = results
    # both ranks ran as one gloo job and finished at the same step (the watchdog's D grades,
    # with no real failure, halve the LR once and then only warn: the stage runs to its end)
    for r in results:
        assert r["world_size"] == 2 and r["backend"] == "gloo", r
        assert r["global_step"] == EPOCHS * STEPS_PER_EPOCH
        assert r["interventions"] == 1
        assert r["losses"] and all(map(_finite, r["losses"])), r["losses"]
    assert r0["lr"] == r1["lr"] == pytest.approx(1e-3 / 2)  # the halving reached rank 1 too
    # only rank 0 graded and wrote
    assert (r0["records_written"], r0["reviewer_calls"]) == (EPOCHS, EPOCHS)
    assert (r1["records_written"], r1["reviewer_calls"]) == (0, 0)
    lines = (out / "train" / "watchdog.jsonl").read_text().splitlines()
    assert [json.loads(x)["action"]["kind"] for x in lines] == ["intervene", "warn", "warn"]
    for step in (STEPS_PER_EPOCH, 2 * STEPS_PER_EPOCH, 3 * STEPS_PER_EPOCH):
        rec = json.loads((out / "train" / f"checkpoint-{step}" / "watchdog.json").read_text())
        assert rec["reviewer"]["decided_by"] == "llm" and rec["grade"] == "D"
    # identical parameters on both ranks
    p0 = torch.load(out / "params-rank0.pt")
    p1 = torch.load(out / "params-rank1.pt")
    assert p0.keys() == p1.keys() and p0
    for name in p0:
        assert torch.equal(p0[name], p1[name]), name
    print(f"2-rank gloo run: {elapsed:.1f} s")


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


@pytest.mark.parametrize("name, kind", [("ddp", "MULTI_GPU"), ("fsdp", "FSDP")])
def test_shipped_accelerate_configs_load(name, kind):
    pytest.importorskip("accelerate")
    from accelerate.commands.config.config_args import ClusterConfig

    cfg = ClusterConfig.from_yaml_file(str(ROOT / "helix_train" / "accelerate" / f"{name}.yaml"))
    assert cfg.distributed_type.value == kind and cfg.num_processes == 2
    assert cfg.mixed_precision == "no"  # precision comes from the run config
    if name == "fsdp":
        assert cfg.fsdp_config["fsdp_version"] == 2
        assert cfg.fsdp_config["fsdp_state_dict_type"] == "FULL_STATE_DICT"
        assert cfg.fsdp_config["fsdp_transformer_layer_cls_to_wrap"] == "Qwen3DecoderLayer"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        sys.exit("usage: test_ddp.py --worker SPEC.json (the test starts it via accelerate launch)")
