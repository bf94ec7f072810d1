"""One real tiny training run on CPU: completion-only loss, EOS trained, loss goes down."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")

from helix_train.config import plan  # noqa: E402
from helix_train.data import load_split, to_sft_dataset  # noqa: E402
from helix_train.modeling import render_prompt  # noqa: E402
from helix_train.sft import JsonlLog, build_trainer, make_sft_config  # noqa: E402


def _trainer(tmp_path, tokenizer, model, cfg, corpus_dir, **overrides):
    stage = dataclasses.replace(plan(cfg)[0], epochs=overrides.pop("epochs", 1))
    args = make_sft_config(cfg, stage, tmp_path / "out", **overrides)
    ds = to_sft_dataset(load_split(corpus_dir, "general", "train"))
    return build_trainer(model, tokenizer, args, ds, callbacks=[JsonlLog(tmp_path / "log.jsonl")])


def test_prompt_rendering_matches_training_tokens(tmp_path, tokenizer, tiny_model, tiny_config,
                                                  corpus_dir):
    trainer = _trainer(tmp_path, tokenizer, tiny_model, tiny_config, corpus_dir, max_steps=1)
    record = load_split(corpus_dir, "general", "train")[0]
    row = trainer.train_dataset.filter(lambda r: True)  # materialised, possibly shuffled
    rows = {tokenizer.decode(r["input_ids"]): r for r in row}
    prompt = render_prompt(tokenizer, record["prompt"])
    full = prompt + record["completion"][0]["content"] + "<|im_end|>\n"
    assert full in rows, "TRL rendered the example differently from render_prompt"
    r = rows[full]
    n_prompt = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    assert all(label == -100 for label in r["labels"][:n_prompt])  # prompt masked
    trained = [t for t, label in zip(r["input_ids"], r["labels"]) if label != -100]
    assert tokenizer.decode(trained) == record["completion"][0]["content"] + "<|im_end|>\n"
    assert tokenizer.eos_token_id in trained  # EOS is trained
    assert "<think>\n\n</think>" in prompt  # thinking disabled, identically everywhere


def test_tiny_training_run_learns(tmp_path, tokenizer, tiny_model, tiny_config, corpus_dir):
    from helix_train.sft import InitialLossCheck

    before = {n: p.detach().clone() for n, p in tiny_model.named_parameters()}
    trainer = _trainer(tmp_path, tokenizer, tiny_model, tiny_config, corpus_dir, epochs=1)
    check = next(c for c in trainer.callback_handler.callbacks if isinstance(c, InitialLossCheck))
    trainer.train()
    # a random init guesses about uniformly: ≈ ln(vocab) (6.24 for the 512-token test tokenizer)
    assert check.problem is None and abs(check.loss - math.log(len(tokenizer))) < 1.0
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(losses) >= 4
    assert losses[-1] < losses[0]
    changed = [n for n, p in tiny_model.named_parameters() if not torch.equal(p, before[n])]
    assert len(changed) == len(before)  # every parameter moved
    assert "train_loss" in trainer.state.log_history[-1]
    # checkpoint after the last epoch, and the step log
    assert (tmp_path / "out" / f"checkpoint-{trainer.state.global_step}").is_dir()
    rows = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert rows[0]["step"] >= 1 and "loss" in rows[0]


def test_compact_loss_equals_trl_loss(tmp_path, tokenizer, tiny_model, tiny_config, corpus_dir):
    """The CPU compact loss (logits only where labels are) is TRL's loss, to float precision."""
    trainer = _trainer(tmp_path, tokenizer, tiny_model, tiny_config, corpus_dir, max_steps=1)
    batch = next(iter(trainer.get_train_dataloader()))
    tiny_model.eval()
    with torch.no_grad():
        trainer.args.compact_loss = True
        compact = trainer.compute_loss(tiny_model, dict(batch))
        trainer.args.compact_loss = False
        fused = trainer.compute_loss(tiny_model, dict(batch))
    assert float(compact) == pytest.approx(float(fused), rel=1e-4)


def test_corpus_bpe_is_deterministic_and_keeps_the_chat_tokens(tokenizer, corpus_dir):
    """The corpus BPE: same corpus → same tokenizer; Qwen3's chat tokens are single tokens; the
    Qwen3 chat template renders (thinking disabled) and round-trips exactly."""
    import doctest

    import helix_train.modeling as modeling
    from helix_train.modeling import QWEN3_SPECIAL_TOKENS, tokenizer_texts, train_corpus_tokenizer

    records = load_split(corpus_dir, "coordinator", "train")
    first = train_corpus_tokenizer(tokenizer_texts(records), 400)
    again = train_corpus_tokenizer(tokenizer_texts(records), 400)
    assert first.backend_tokenizer.to_str() == again.backend_tokenizer.to_str()
    assert 256 + len(QWEN3_SPECIAL_TOKENS) < len(first) <= 400  # merges seen twice or more
    for tok in (first, tokenizer):
        for text, special in QWEN3_SPECIAL_TOKENS:
            assert len(tok(text, add_special_tokens=False)["input_ids"]) == 1, text
        assert (tok.eos_token, tok.pad_token) == ("<|im_end|>", "<|endoftext|>")
        prompt = render_prompt(tok, records[0]["prompt"])
        assert prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
        ids = tok(prompt, add_special_tokens=False)["input_ids"]
        assert tok.decode(ids) == prompt
        assert ids.count(tok.convert_tokens_to_ids("<|im_start|>")) == 3
    assert doctest.testmod(modeling).failed == 0
