"""Checkpoints that fit: retention (weights only for the best and the latest checkpoint, optimizer
state only for resume), the run plan's sizes against real files, and the disk check of the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("trl")

from helix_train import curriculum, runplan  # noqa: E402
from helix_train.config import load_preset, with_tiny_model  # noqa: E402

WEIGHTS = ("model.safetensors", "config.json", "tokenizer.json")
RESUME = ("optimizer.pt", "scheduler.pt", "rng_state.pth")
RECORDS = ("watchdog.json", "checkpoint_report.txt", "validation.jsonl", "trainer_state.json")


def _checkpoint(attempt: Path, step: int, acc: float, loss: float) -> Path:
    ckpt = attempt / f"checkpoint-{step}"
    ckpt.mkdir(parents=True)
    for name in (*WEIGHTS, *RESUME, *RECORDS):
        (ckpt / name).write_text("x" * 10)
    (ckpt / "watchdog.json").write_text(json.dumps(
        {"step": step, "epoch": step / 2, "val_accuracy": acc, "eval_loss": loss,
         "train_loss": 1.0}))
    return ckpt


def _files(ckpt: Path) -> set[str]:
    return {p.name for p in ckpt.iterdir()}


def test_retention_keeps_weights_of_the_best_and_the_latest_only(tmp_path):
    sdir = tmp_path / "stage"
    a0 = sdir / "attempt-0"
    c = {s: _checkpoint(a0, s, acc, loss) for s, acc, loss in
         [(2, 0.5, 1.0), (4, 0.9, 0.8), (6, 0.9, 0.7), (8, 0.7, 0.9)]}
    (a0 / "checkpoint-10").mkdir()  # written, not yet graded: left alone
    (a0 / "checkpoint-10" / "optimizer.pt").write_text("x")
    curriculum.retain(sdir, c[8])
    # best: highest accuracy, then lowest loss -> step 6 keeps weights, no resume state
    assert _files(c[6]) == {*WEIGHTS, *RECORDS}
    assert _files(c[8]) == {*WEIGHTS, *RESUME, *RECORDS}      # the latest: resume needs it all
    assert _files(c[2]) == _files(c[4]) == set(RECORDS)      # grades, metrics, answers stay
    assert _files(a0 / "checkpoint-10") == {"optimizer.pt"}
    # a failed stage: best and latest keep weights, nobody keeps resume state
    curriculum.retain(sdir, c[8], finished=True)
    assert _files(c[8]) == {*WEIGHTS, *RECORDS} and "model.safetensors" in _files(c[6])
    # after a restart (no latest): only the best keeps weights; a NaN checkpoint is never the
    # best while a finite one exists, whatever its accuracy
    nan = _checkpoint(sdir / "attempt-1", 2, 1.0, float("nan"))
    curriculum.retain(sdir, None)
    assert _files(nan) == _files(c[8]) == set(RECORDS) and "model.safetensors" in _files(c[6])
    # a finished stage (result/ holds the best): records only, restart starting points gone
    (sdir / "attempt-1-init").mkdir()
    curriculum.retain(sdir, None, finished=True)
    assert all(_files(x) == set(RECORDS) for x in c.values())
    assert not (sdir / "attempt-1-init").exists()


def test_previous_optimizer_state_goes_before_the_next_is_written(tmp_path):
    old, new = (_checkpoint(tmp_path, s, 0.5, 1.0) for s in (2, 4))
    curriculum._drop_previous_optimizer(new)
    assert "optimizer.pt" not in _files(old) and "scheduler.pt" in _files(old)
    assert "optimizer.pt" in _files(new)


# --------------------------------------------------------------------------- the plan's sizes

def test_plan_sizes_match_the_files_a_tiny_model_writes(tmp_path, tokenizer, tiny_config):
    """Weights, optimizer state and result sizes of the plan against what torch and transformers
    write for the same model (within 2 % and 64 kB)."""
    import torch

    from helix_train.modeling import build_tiny_model

    sizes = runplan.model_sizes(tiny_config, vocab_size=len(tokenizer))
    model = build_tiny_model(tokenizer, tiny_config.model.tiny)
    assert sizes.parameters == sum(p.numel() for p in model.parameters())
    model.save_pretrained(tmp_path / "m")
    written = sum(p.stat().st_size for p in (tmp_path / "m").iterdir())
    assert abs(sizes.checkpoint_weights - written) <= 0.02 * written + 64 * 1024
    opt = torch.optim.AdamW(model.parameters())
    model(torch.tensor([[1, 2, 3]]), labels=torch.tensor([[1, 2, 3]])).loss.backward()
    opt.step()
    torch.save(opt.state_dict(), tmp_path / "optimizer.pt")
    on_disk = (tmp_path / "optimizer.pt").stat().st_size
    assert abs(sizes.optimizer - on_disk) <= 0.02 * on_disk + 64 * 1024


def test_the_helix_plan_fits_a_64_gb_disk_with_fp32_master_weights():
    """Qwen3-1.7B on a GPU: fp32 checkpoints (6.9 GB) and AdamW state (13.8 GB), bf16 results;
    the retention plan peaks near 50 GB instead of the ~250 GB of keeping every checkpoint."""
    rp = runplan.build_plan(load_preset("helix-5.1b"), cuda=True)
    s = rp.sizes
    assert s.parameters == 1_720_574_976 and (s.master_dtype, s.save_dtype) == ("fp32", "bf16")
    assert s.checkpoint_weights // 10**8 == 68 and s.optimizer // 10**8 == 137
    assert [sp.checkpoints for sp in rp.stages] == [8, 25, 8, 25, 8]
    assert 45e9 < rp.peak_bytes < 55e9 and rp.peak_at.startswith("qwen3_1_7b_coordinator")
    every = sum(sp.checkpoints for sp in rp.stages) * (s.checkpoint_weights + s.optimizer)
    assert every > 4 * rp.peak_bytes  # what keeping every checkpoint would take
    text = runplan.format_plan(rp)
    assert f"peak disk: {runplan.human_bytes(rp.peak_bytes)} (at qwen3_1_7b_coordinator" in text
    assert "optimizer state: 13.8 GB" in text


# --------------------------------------------------------------------------- the CLI's check

def test_run_refuses_to_start_when_the_disk_is_too_small(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from helix_train.cli import main

    monkeypatch.setattr(runplan, "free_bytes", lambda path: 10**6)  # 1 MB free
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", "--preset", "helix-5.1b", "--model", "tiny",
                                       "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "not enough disk for this run" in result.output and "--no-disk-check" in result.output
    assert "peak disk:" in result.output  # the plan is shown
    assert not out.exists()  # nothing written


def test_no_disk_check_starts_anyway(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from helix_train.cli import main

    class Started(Exception):
        pass

    def prepare(cfg, out, **kw):
        assert cfg.model.base == "tiny" and cfg.curriculum.specialist_epochs == 250
        raise Started

    monkeypatch.setattr(runplan, "free_bytes", lambda path: 10**6)
    monkeypatch.setattr(curriculum, "run", prepare)
    result = CliRunner().invoke(main, ["run", "--preset", "helix-5.1b", "--model", "tiny",
                                       "--no-disk-check", "--out", str(tmp_path / "run")])
    assert isinstance(result.exception, Started), result.output


def test_tiny_substitution_keeps_the_curriculum():
    real, tiny = load_preset("helix-5.1b"), with_tiny_model(load_preset("helix-5.1b"))
    assert tiny.curriculum.continue_on_gate_failure and not real.curriculum.continue_on_gate_failure
    tiny.curriculum.continue_on_gate_failure = False
    assert (tiny.curriculum, tiny.watchdog, tiny.gates, tiny.corpus) == (
        real.curriculum, real.watchdog, real.gates, real.corpus)
    assert tiny.model.base == "tiny" and tiny.training.use_cpu and tiny.training.bf16 == "false"
    assert real.training.packing and not tiny.training.packing  # packing is a GPU setting
