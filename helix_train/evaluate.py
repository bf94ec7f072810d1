"""Evaluation on a split: completion loss, batched greedy generation within a budget that covers
every reference answer, graded by the corpus graders and scored by the one scorer.

The same :func:`helix_train.modeling.render_prompt` renders prompts here as in training and
inference.  Used by the watchdog (validation split, every checkpoint) and by the gates (test split).

**Generation budget.**  :func:`generation_budget` gives ``max_new_tokens`` for a split: its longest
reference answer in the run's tokenizer plus ``max(BUDGET_MARGIN, BUDGET_SHARE × longest)``
tokens, so no reference answer can be cut.  A configured value (``watchdog.max_new_tokens``,
``eval.max_new_tokens``, ``--max-new-tokens``) replaces it when it covers the longest reference and
is raised to it, with a warning, when it does not.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass

import torch

from helix_corpus.scoring import score

from .graders import Grade, expected_answer, grade
from .modeling import render_prompt

__all__ = ["completion_loss", "generate_answers", "grade_records", "SplitResult", "evaluate_model",
           "generation_budget", "answer_tokens", "score_rows", "BUDGET_MARGIN", "BUDGET_SHARE"]

logger = logging.getLogger(__name__)

#: The generation budget's margin over the longest reference answer: at least this many tokens …
BUDGET_MARGIN = 8
#: … or this share of the longest answer, whichever is more.
BUDGET_SHARE = 0.10


def answer_tokens(tokenizer, record: dict) -> int:
    """Tokens of a record's reference answer in ``tokenizer`` (no special tokens)."""
    return len(tokenizer(expected_answer(record), add_special_tokens=False)["input_ids"])


def generation_budget(tokenizer, records: list[dict], configured: int | None = None, *,
                      what: str = "split") -> int:
    """``max_new_tokens`` for grading ``records`` (see the module docstring): ``configured`` when it
    is at least the longest reference answer, else the longest plus the margin (with a warning
    when ``configured`` was too small)."""
    longest = max((answer_tokens(tokenizer, r) for r in records), default=0)
    auto = longest + max(BUDGET_MARGIN, math.ceil(BUDGET_SHARE * longest))
    if configured is None:
        return auto
    if configured < longest:
        logger.warning("max_new_tokens %d is below the longest reference answer of the %s (%d "
                       "tokens): raised to %d so that no reference answer can be cut",
                       configured, what, longest, auto)
        return auto
    return configured


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
def generate_answers(model, tokenizer, records: list[dict], *, max_new_tokens: int,
                     batch_size: int = 16) -> list[str]:
    """Greedy answers to the prompts of ``records`` (left-padded batches, stop at EOS) of at most
    ``max_new_tokens`` tokens (:func:`generation_budget`)."""
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


def score_rows(records: list[dict], rows: list[dict], train: list[dict] | None = None, *,
               grader=grade) -> dict:
    """The one scorer (:func:`helix_corpus.scoring.score`) on graded ``rows`` (aligned with
    ``records``): per family and question type, intervals, baselines against ``train``."""
    return score(records, [r["answer"] for r in rows], train, grader=grader,
                 grades=[Grade(**r["grade"]) for r in rows])


def evaluate_model(model_dir, corpus_dir, track: str, split: str = "test", *,
                   limit: int | None = None, max_new_tokens: int | None = None,
                   batch_size: int = 16, out=None) -> dict:
    """Loss, the scorer's report (``score``) and gates of a saved model (``final_model/`` or a
    stage result).

    ``max_new_tokens`` None: the split's :func:`generation_budget` (a number is raised to it when
    below the longest reference answer).  When the track has a ``train`` split next to the
    evaluated one, the score has the majority baselines and ``learns``; otherwise they are None."""
    import json
    from pathlib import Path

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from .config import GateConfig
    from .data import corpus_path, load_split
    from .gates import evaluate_gates

    tok = AutoTokenizer.from_pretrained(str(model_dir))
    if tok.pad_token is None:
        tok.pad_token = "<|endoftext|>"
    model = AutoModelForCausalLM.from_pretrained(str(model_dir))
    records = load_split(corpus_dir, track, split, limit=limit)
    loss = completion_loss(model, tok, records, batch_size=batch_size)
    budget = generation_budget(tok, records, max_new_tokens, what=f"{track} {split} split")
    answers = generate_answers(model, tok, records, max_new_tokens=budget, batch_size=batch_size)
    result = grade_records(records, answers)
    train = (load_split(corpus_dir, track, "train")
             if corpus_path(corpus_dir, track, "train").exists() else None)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8") as f:
            for row in result.rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {"loss": loss, "accuracy": result.accuracy, "total": result.total,
            "format_errors": result.format_errors, "max_new_tokens": budget,
            "score": score_rows(records, result.rows, train),
            "gates": evaluate_gates(track, records, result.rows, loss, GateConfig())}
