"""Evaluation on a split: completion loss and batched greedy generation graded by the corpus graders.

The same :func:`helix_train.modeling.render_prompt` renders prompts here as in training and
inference.  Used by the watchdog (validation split, every checkpoint) and by the gates (test split).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

from .graders import Grade, expected_answer, grade
from .modeling import render_prompt

__all__ = ["completion_loss", "generate_answers", "grade_records", "SplitResult", "evaluate_model"]


def _end_text(tokenizer) -> str:
    return tokenizer.eos_token + "\n"  # how the Qwen3 template closes an assistant turn


@torch.no_grad()
def completion_loss(model, tokenizer, records: list[dict], *, batch_size: int = 16,
                    max_length: int = 1024) -> float:
    """Token-mean cross-entropy of the completions (prompt and padding masked), like training."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total, count = 0.0, 0
    for i in range(0, len(records), batch_size):
        ids, labels = [], []
        for r in records[i:i + batch_size]:
            p = tokenizer(render_prompt(tokenizer, r["prompt"]), add_special_tokens=False)["input_ids"]
            c = tokenizer(expected_answer(r) + _end_text(tokenizer), add_special_tokens=False)["input_ids"]
            seq = (p + c)[:max_length]
            ids.append(seq)
            labels.append(([-100] * len(p) + c)[:max_length])
        width = max(map(len, ids))
        pad = tokenizer.pad_token_id
        input_ids = torch.tensor([s + [pad] * (width - len(s)) for s in ids], device=device)
        attn = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in ids], device=device)
        lab = torch.tensor([s + [-100] * (width - len(s)) for s in labels], device=device)
        logits = model(input_ids=input_ids, attention_mask=attn).logits[:, :-1].float()
        target = lab[:, 1:]
        mask = target != -100
        loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), target.clamp(min=0),
                                                 reduction="none")
        total += float((loss * mask).sum())
        count += int(mask.sum())
    if was_training:
        model.train()
    return total / count if count else math.nan


@torch.no_grad()
def generate_answers(model, tokenizer, records: list[dict], *, max_new_tokens: int = 128,
                     batch_size: int = 16) -> list[str]:
    """Greedy answers to the prompts of ``records`` (left-padded batches, stop at EOS)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    old_side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    answers: list[str] = []
    try:
        for i in range(0, len(records), batch_size):
            texts = [render_prompt(tokenizer, r["prompt"]) for r in records[i:i + batch_size]]
            enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
            out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                 eos_token_id=tokenizer.eos_token_id,
                                 pad_token_id=tokenizer.pad_token_id)
            for row in out[:, enc["input_ids"].shape[1]:]:
                answers.append(tokenizer.decode(row, skip_special_tokens=True).strip())
    finally:
        tokenizer.padding_side = old_side
        if was_training:
            model.train()
    return answers


@dataclass
class SplitResult:
    """Per-example results and totals of grading a split."""

    rows: list[dict]
    correct: int
    format_errors: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def grade_records(records: list[dict], answers: list[str], grader=grade) -> SplitResult:
    """Grade every answer; rows carry id, task, prompt template (``meta.template``, None when the
    record has none), prompt, expected, answer and the grade."""
    rows, correct, errors = [], 0, 0
    for r, a in zip(records, answers, strict=True):
        g: Grade = grader(r, a)
        correct += g.correct
        errors += not g.parsed
        rows.append({"id": r.get("id"), "task": r.get("task"),
                     "template": (r.get("meta") or {}).get("template"),
                     "prompt": r["prompt"][-1]["content"],
                     "expected": expected_answer(r), "answer": a, "grade": asdict(g)})
    return SplitResult(rows, correct, errors, len(rows))


def evaluate_model(model_dir, corpus_dir, track: str, split: str = "test", *,
                   limit: int | None = None, max_new_tokens: int = 128, batch_size: int = 16,
                   out=None) -> dict:
    """Loss, per-task accuracy and gates of a saved model (``final_model/`` or a stage result).

    When the track has a ``train`` split next to the evaluated one, the per-task entries carry the
    majority-answer baseline and the seen/held-out phrasing split (see
    :func:`helix_train.gates.task_accuracy`); otherwise those keys are None."""
    import json
    from pathlib import Path

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from .config import GateConfig
    from .data import corpus_path, load_split
    from .gates import evaluate_gates, task_accuracy

    tok = AutoTokenizer.from_pretrained(str(model_dir))
    if tok.pad_token is None:
        tok.pad_token = "<|endoftext|>"
    model = AutoModelForCausalLM.from_pretrained(str(model_dir))
    records = load_split(corpus_dir, track, split, limit=limit)
    loss = completion_loss(model, tok, records, batch_size=batch_size)
    answers = generate_answers(model, tok, records, max_new_tokens=max_new_tokens,
                               batch_size=batch_size)
    result = grade_records(records, answers)
    train = (load_split(corpus_dir, track, "train")
             if corpus_path(corpus_dir, track, "train").exists() else None)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8") as f:
            for row in result.rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {"loss": loss, "accuracy": result.accuracy, "total": result.total,
            "format_errors": result.format_errors,
            "tasks": task_accuracy(result.rows, records, train),
            "gates": evaluate_gates(track, records, result.rows, loss, GateConfig())}
