"""Precision: the GPU default trains fp32 master weights under bf16 autocast (no GPU needed).

On a GPU, ``training.bf16: auto`` turns bf16 autocast on and ``training.master_weights: fp32``
loads the weights in fp32, so AdamW updates fp32 parameters; bf16 exists only inside the autocast
forward/backward.  These tests make ``torch.cuda.is_available()`` answer True for the loading
decisions, and train on the CPU with bf16 autocast (what the GPU default resolves to) to look at
what the optimizer holds.  The last test shows why it matters: at ``helix-5.1b``'s learning rate
(2e-5) one AdamW step changes every fp32 weight, while most bf16 weights do not move at all.
"""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("trl")

import torch  # noqa: E402

from helix_train import modeling  # noqa: E402
from helix_train.config import load_preset, plan  # noqa: E402
from helix_train.data import load_split, to_sft_dataset  # noqa: E402
from helix_train.sft import build_trainer, make_sft_config  # noqa: E402


@pytest.fixture
def gpu_config(tiny_config):
    """``helix-5.1b``'s training settings (the GPU default) with the tiny test model."""
    cfg = load_preset("helix-5.1b")
    cfg.model = dataclasses.replace(tiny_config.model)
    assert (cfg.training.bf16, cfg.training.master_weights) == ("auto", "fp32")
    return cfg


def test_gpu_default_loads_fp32_master_weights(monkeypatch, gpu_config, tokenizer, tmp_path):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    t = gpu_config.training
    assert modeling._bf16(t) and modeling.master_dtype(t) == torch.float32
    assert modeling.save_dtype(t) == torch.bfloat16  # results and final models in bf16
    # the base model is built in code, and a bf16 checkpoint (as Qwen3 ships) is loaded in fp32
    built = modeling.load_model(gpu_config.model, tokenizer, train=t)
    assert {p.dtype for p in built.parameters()} == {torch.float32}
    built.to(torch.bfloat16).save_pretrained(tmp_path / "bf16")
    loaded = modeling.load_model(gpu_config.model, tokenizer, source=tmp_path / "bf16", train=t)
    assert {p.dtype for p in loaded.parameters()} == {torch.float32}
    # the documented alternative: bf16 master weights (half the memory)
    t.master_weights = "bf16"
    assert modeling.master_dtype(t) == torch.bfloat16
    loaded = modeling.load_model(gpu_config.model, tokenizer, source=tmp_path / "bf16", train=t)
    assert {p.dtype for p in loaded.parameters()} == {torch.bfloat16}
    # without CUDA the default is plain fp32 (no autocast) and fp32 results
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    t.master_weights = "fp32"
    assert not modeling._bf16(t) and modeling.save_dtype(t) == torch.float32


def _one_step(cfg, tokenizer, model, tmp_path, corpus_dir):
    stage = dataclasses.replace(plan(cfg)[0], epochs=1)
    # bf16=True is what `bf16: auto` resolves to on a GPU; use_cpu runs that autocast on the CPU
    args = make_sft_config(cfg, stage, tmp_path, use_cpu=True, bf16=True, max_steps=1,
                           packing=False, per_device_train_batch_size=4,
                           gradient_accumulation_steps=1, warmup_steps=0, logging_steps=1)
    trainer = build_trainer(model, tokenizer, args,
                            to_sft_dataset(load_split(corpus_dir, "general", "train")[:8]))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    trainer.train()
    changed = sum(int((p.detach() != before[n]).sum()) for n, p in model.named_parameters())
    return trainer, changed / sum(p.numel() for p in model.parameters())


@pytest.mark.filterwarnings("ignore:`bf16=True` without CUDA")
def test_the_optimizer_updates_fp32_weights_under_bf16_autocast(monkeypatch, gpu_config,
                                                                tokenizer, tmp_path, corpus_dir):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    model = modeling.load_model(gpu_config.model, tokenizer, train=gpu_config.training)
    monkeypatch.undo()  # train on the CPU
    trainer, changed = _one_step(gpu_config, tokenizer, model, tmp_path / "fp32", corpus_dir)
    assert trainer.args.bf16 and trainer.accelerator.mixed_precision == "bf16"
    assert trainer.args.learning_rate == 2e-5
    params = [p for group in trainer.optimizer.param_groups for p in group["params"]]
    assert params and {p.dtype for p in params} == {torch.float32}
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    assert changed > 0.99  # every weight took its (tiny) update
    # bf16 master weights: most of the same updates fall below bf16's rounding step
    bf16 = modeling.build_tiny_model(tokenizer, gpu_config.model.tiny).to(torch.bfloat16)
    trainer, changed_bf16 = _one_step(gpu_config, tokenizer, bf16, tmp_path / "bf16", corpus_dir)
    assert {p.dtype for g in trainer.optimizer.param_groups for p in g["params"]} == {
        torch.bfloat16}
    assert changed_bf16 < 0.5
