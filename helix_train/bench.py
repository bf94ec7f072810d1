"""Training throughput of a preset's model and data: tokens/s, step time, peak memory.

On CPU the preset's model is used as configured (the tiny Qwen3); on a GPU a model with
Qwen3-1.7B's shape is randomly initialised (no download).  Data: the preset's first track, built
with :mod:`helix_train.minicorpus` into a temporary directory (no corpus build needed).
"""

from __future__ import annotations

import dataclasses
import resource
import tempfile
import time

__all__ = ["run_bench"]


def run_bench(cfg, *, steps: int = 5) -> dict:
    import torch

    from .config import plan
    from .data import load_split, to_sft_dataset
    from .minicorpus import build_corpus
    from .modeling import build_tiny_model, load_tokenizer
    from .sft import build_trainer, make_sft_config

    cuda = torch.cuda.is_available() and not cfg.training.use_cpu
    tok = load_tokenizer(cfg.model.tokenizer)
    if cuda:
        from transformers import AutoConfig, AutoModelForCausalLM

        conf = AutoConfig.for_model("qwen3", vocab_size=len(tok), hidden_size=2048,
                                    intermediate_size=6144, num_hidden_layers=28,
                                    num_attention_heads=16, num_key_value_heads=8, head_dim=128,
                                    tie_word_embeddings=True)
        model = AutoModelForCausalLM.from_config(conf, dtype=torch.bfloat16)
        torch.cuda.reset_peak_memory_stats()
    else:
        model = build_tiny_model(tok, cfg.model.tiny, seed=cfg.training.seed)
    stage = dataclasses.replace(plan(cfg)[0], epochs=1)
    with tempfile.TemporaryDirectory() as tmp:
        build_corpus(tmp, size="tiny", tracks=(stage.track,))
        data = to_sft_dataset(load_split(tmp, stage.track, "train"))
        args = make_sft_config(cfg, stage, f"{tmp}/out", max_steps=steps + 1, logging_steps=1,
                               checkpoint_every_epochs=10_000)
        trainer = build_trainer(model, tok, args, data)
        from transformers import PrinterCallback

        trainer.remove_callback(PrinterCallback)
        times, tokens = [], []

        from transformers import TrainerCallback

        class Clock(TrainerCallback):
            def on_step_begin(self, *a, **k):
                self.t = time.perf_counter()

            def on_step_end(self, *a, **k):
                times.append(time.perf_counter() - self.t)

        trainer.add_callback(Clock())
        trainer.train()
        tokens = [h["num_tokens"] for h in trainer.state.log_history if "num_tokens" in h]
    measured = times[1:]  # the first step warms up
    per_step_tokens = (tokens[-1] - tokens[0]) / max(1, len(tokens) - 1) if len(tokens) > 1 else 0
    step = sum(measured) / len(measured)
    peak = (torch.cuda.max_memory_allocated() / 2**20 if cuda
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {"device": torch.cuda.get_device_name() if cuda else "cpu",
            "model": "Qwen3-1.7B shape (random)" if cuda else f"tiny Qwen3 {cfg.model.tiny.hidden_size}",
            "batch_size": cfg.training.per_device_train_batch_size, "steps_timed": len(measured),
            "step_time_s": round(step, 3), "tokens_per_step": round(per_step_tokens, 1),
            "tokens_per_s": round(per_step_tokens / step, 1),
            "peak_memory_mib": round(peak, 1)}
