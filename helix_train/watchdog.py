"""The watchdog: one ``TrainerCallback`` that grades every checkpoint and applies drift correction.

In ``on_save`` (rank 0 only, once per step, after ``checkpoint-<step>`` exists) it measures the
validation completion loss, greedily generates an answer to every validation prompt, grades each
with the corpus graders, scores the rubric (:mod:`helix_train.rubric`), decides the drift action
(:mod:`helix_train.drift`), and writes into the checkpoint:

* ``watchdog.json`` — the machine-readable record;
* ``checkpoint_report.txt`` — the plain-text CHECKPOINT REPORT;
* ``validation.jsonl`` — one row per validation example (prompt, expected, answer, grade).

The record carries the one scorer's report of the validation split (``score``: per family and
question type, Wilson intervals, baselines against the train records when given) and the
generation budget used (``max_new_tokens``: :func:`helix_train.evaluate.generation_budget` of the
validation records, ``watchdog.max_new_tokens`` only overriding it when it covers them).

The record carries the one scorer's report of the validation split (``score``: per family and
question type, Wilson intervals, baselines against the train records when given) and the
generation budget used (``max_new_tokens``: :func:`helix_train.evaluate.generation_budget` of the
validation records, ``watchdog.max_new_tokens`` only overriding it when it covers them).

It also appends the record to ``<output_dir>/watchdog.jsonl``.  The loss-convergence category is
judged on the training loss: each checkpoint's ``train_loss`` is the mean of the training losses
logged since the previous checkpoint.  The action comes from :func:`helix_train.drift.decide` with
the checkpoint's real failures (:func:`helix_train.rubric.failures`), so a restart needs a NaN/inf
loss, a diverging training loss or a regression.  Actions: ``continue`` and ``warn`` change
nothing; ``intervene`` with ``halve_lr`` halves the learning rate in place (optimizer and
scheduler); every other action (a batch-size intervention, ``restart``, ``stop``, ``early_stop``)
ends the stage and leaves :attr:`Watchdog.pending` for the curriculum runner.

Who scores (``watchdog.mode``): the rubric rules, two Claude agents (grader and auditor), or both —
see :mod:`helix_train.reviewer`; the record's ``reviewer`` entry says who decided, the agents'
points and rationale, the disagreements and any fallback reason.

Multi-process (DDP/FSDP under ``accelerate launch``): only rank 0 grades, calls Claude and writes;
its decision is broadcast to every rank (:func:`broadcast_decision`), which then all apply the same
learning-rate change or stop together, so the ranks stay in lockstep.  With a sharded model
(FSDP, DeepSpeed ZeRO-3) every rank takes part in the forward passes of the measurement.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from transformers import TrainerCallback

from . import drift, rubric
from . import reviewer as reviewer_mod
from .config import WatchdogConfig
from .evaluate import (SplitResult, completion_loss, generate_answers, generation_budget,
                       grade_records, score_rows)
from .graders import grade as default_grader

__all__ = ["Watchdog", "format_report", "broadcast_decision"]

logger = logging.getLogger(__name__)


class Watchdog(TrainerCallback):
    """Grade each checkpoint of one stage; see the module docstring."""

    def __init__(self, tokenizer, val_records: list[dict], config: WatchdogConfig, *,
                 phase: str, model_name: str = "model", grader: Callable = default_grader,
                 train_records: list[dict] | None = None,
                 state: drift.DriftState | None = None, history: list | None = None,
                 max_length: int = 1024, epoch_offset: float = 0.0,
                 reviewer: reviewer_mod.ClaudeReviewer | None = None, prev_step: int = 0):
        if not val_records:
            raise ValueError("`val_records` is empty: the watchdog needs a validation split to grade")
        limit = config.val_limit
        self.records = val_records if limit is None else val_records[:limit]
        self.train_records = train_records  # baselines of the scorer (None: not measured)
        self.max_new_tokens = generation_budget(tokenizer, self.records, config.max_new_tokens,
                                                what=f"{phase} validation split")
        self.tokenizer = tokenizer
        self.config = config
        self.phase = phase
        self.model_name = model_name
        self.grader = grader
        self.drift_state = state or drift.DriftState()
        self.history: list[rubric.CheckpointMetrics] = list(history or [])
        self.records_out: list[dict] = []
        self.max_length = max_length
        self.pending: drift.Action | None = None
        self._last_graded_step = -1
        self.epoch_offset = epoch_offset  # epochs trained before this trainer (restarts)
        self.prev_step = prev_step  # step of the previous graded checkpoint of this trainer
        # --- Claude reviewer (watchdog.mode llm/both); built on first use, on rank 0 only
        self.reviewer = reviewer

    # ------------------------------------------------------------------ callback
    def on_save(self, args, state, control, model=None, optimizer=None, lr_scheduler=None, **kw):
        # Called on every rank.  Rank 0 grades and decides; the decision is broadcast (DDP/FSDP) so
        # that every rank changes its LR or stops at the same step.  Every rank evaluates the same
        # conditions up to the broadcast, so all of them enter it (or none does).
        if state.global_step == self._last_graded_step:
            return control
        ckpt = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        measured = None
        if _is_sharded(model):  # FSDP / ZeRO-3: forward passes need every rank
            measured = self.measure(model)
        decision = None
        if state.is_world_process_zero and ckpt.is_dir():
            record = self.grade_checkpoint(model, epoch=(state.epoch or 0.0) + self.epoch_offset,
                                           step=state.global_step,
                                           lr=_current_lr(optimizer), ckpt=ckpt,
                                           log_history=state.log_history, measured=measured)
            decision = {"kind": record["action"]["kind"], "reason": record["action"]["reason"],
                        "drift_state": record["drift_state"]}
        decision = broadcast_decision(decision)
        if decision is None:
            return control  # rank 0 found no checkpoint to grade
        self._last_graded_step = state.global_step
        self.drift_state = drift.DriftState(**decision["drift_state"])
        action = drift.Action(decision["kind"], decision["reason"])
        main = state.is_world_process_zero
        if action.kind == "warn":
            if main:
                logger.warning("%s: %s", self.model_name, action.reason)
        elif action.kind == "intervene" and self.config.intervention == "halve_lr":
            _scale_lr(optimizer, lr_scheduler, 0.5)
            if main:
                logger.warning("%s: intervention, learning rate halved (%s)", self.model_name,
                               action.reason)
        elif action.kind in ("intervene", "restart", "stop", "early_stop"):
            self.pending = action
            control.should_training_stop = True
            if main:
                logger.warning("%s: %s, stopping the stage (%s)", self.model_name, action.kind,
                               action.reason)
        return control

    # ------------------------------------------------------------------ grading
    def measure(self, model) -> tuple[float, SplitResult]:
        """Validation completion loss and graded greedy answers of ``model``."""
        loss = completion_loss(model, self.tokenizer, self.records, max_length=self.max_length,
                               batch_size=self.config.generation_batch_size)
        answers = generate_answers(model, self.tokenizer, self.records,
                                   max_new_tokens=self.max_new_tokens,
                                   batch_size=self.config.generation_batch_size)
        return loss, grade_records(self.records, answers, self.grader)

    def grade_checkpoint(self, model, *, epoch: float, step: int, lr: float | None, ckpt: Path,
                         log_history: list | None = None,
                         measured: tuple[float, SplitResult] | None = None) -> dict:
        """Measure (unless ``measured`` is given), score, decide and write a checkpoint's record."""
        loss, result = measured if measured is not None else self.measure(model)
        train_loss = interval_train_loss(log_history, self.prev_step, step)
        metrics = rubric.CheckpointMetrics(epoch=float(epoch), eval_loss=loss,
                                           accuracy=result.accuracy,
                                           format_errors=result.format_errors, total=result.total,
                                           train_loss=train_loss)
        prev = self.history[-1] if self.history else None
        self.history.append(metrics)
        self.prev_step = step
        # --- scoring: rules, the Claude agents or both (helix_train.reviewer)
        verdict = reviewer_mod.judge(
            self.history, self.config.mode, reviewer=self._get_reviewer(),
            payload=lambda: reviewer_mod.build_payload(
                self.history, model_name=self.model_name, phase=self.phase, step=step,
                learning_rate=lr, log_history=log_history, rows=result.rows,
                sample=self.config.llm_wrong_answers),
            rules_action=lambda g: self._decide(g).kind)
        letter = verdict.grade
        action = self._decide(letter)
        self.drift_state = drift.apply(action, self.drift_state)
        best = rubric.best_index(self.history)
        record = {
            "model": self.model_name, "phase": self.phase, "step": step, "epoch": float(epoch),
            "checkpoint": str(ckpt), "learning_rate": lr,
            "train_loss": _json_float(train_loss) if train_loss is not None else None,
            "eval_loss": _json_float(loss),
            "eval_loss_change": (_json_float(loss - prev.eval_loss) if prev else None),
            "val_correct": result.correct, "val_total": result.total,
            "val_accuracy": result.accuracy, "format_errors": result.format_errors,
            "max_new_tokens": self.max_new_tokens,
            "score": score_rows(self.records, result.rows, self.train_records,
                                grader=self.grader),
            "trend": rubric.trend(self.history), "failures": rubric.failures(self.history),
            "overfitting": rubric.overfitting(self.history),
            "best_epoch": self.history[best].epoch,
            "points": verdict.points, "grade": letter,
            "status": _status(action), "action": asdict(action),
            "recommendation": _recommendation(action, self.config),
            "drift_state": asdict(self.drift_state),
            "reviewer": verdict.record(),
        }
        self.records_out.append(record)
        ckpt.mkdir(parents=True, exist_ok=True)
        (ckpt / "watchdog.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
        (ckpt / "checkpoint_report.txt").write_text(format_report(record), encoding="utf-8")
        with open(ckpt / "validation.jsonl", "w", encoding="utf-8") as f:
            for row in result.rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        with open(ckpt.parent / "watchdog.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        logger.info("\n%s", format_report(record))
        return record

    # --- Claude reviewer / decision helpers
    def _decide(self, letter: str) -> drift.Action:
        return decide_action(self.history, letter, self.drift_state, self.config)

    def _get_reviewer(self):
        if self.config.mode == "rules":
            return None
        if self.reviewer is None:
            self.reviewer = reviewer_mod.ClaudeReviewer.from_config(self.config)
        return self.reviewer


def decide_action(history: list[rubric.CheckpointMetrics], letter: str, state: drift.DriftState,
                  config: WatchdogConfig) -> drift.Action:
    """:func:`helix_train.drift.next_action` with the limits of ``config``."""
    return drift.next_action(history, letter, state, max_interventions=config.max_interventions,
                             max_restarts=config.max_restarts,
                             min_checkpoints=config.min_checkpoints_for_action,
                             early_stop_patience=config.early_stop_patience)


def interval_train_loss(log_history: list | None, prev_step: int, step: int) -> float | None:
    """Mean training loss logged after ``prev_step`` up to ``step``; the last one logged before
    when none was (None without any).

    >>> interval_train_loss([{"step": 1, "loss": 3.0}, {"step": 2, "loss": 2.0},
    ...                      {"step": 3, "loss": 1.0}], 1, 3)
    1.5
    >>> interval_train_loss([{"step": 1, "loss": 3.0}], 1, 3), interval_train_loss([], 0, 3)
    (3.0, None)
    """
    logged = [(h.get("step", 0), float(h["loss"])) for h in (log_history or []) if "loss" in h]
    inside = [x for s, x in logged if prev_step < s <= step]
    if inside:
        return sum(inside) / len(inside)
    before = [x for s, x in logged if s <= step]
    return before[-1] if before else None


# --- multi-process helpers (DDP/FSDP)
def broadcast_decision(decision: dict | None) -> dict | None:
    """Rank 0's ``decision`` on every rank (a no-op without an initialised process group)."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() < 2:
        return decision
    box = [decision]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def _is_sharded(model) -> bool:
    """True for FSDP-managed or DeepSpeed ZeRO-3 models (forward needs every rank)."""
    if model is None:
        return False
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() < 2:
        return False
    from transformers.integrations import is_deepspeed_zero3_enabled

    try:
        from transformers.distributed.fsdp import is_fsdp_managed_module
    except ImportError:  # transformers < 5
        from transformers.integrations.fsdp import is_fsdp_managed_module
    return bool(is_fsdp_managed_module(model) or is_deepspeed_zero3_enabled())


def _json_float(x: float) -> float | str:
    return x if math.isfinite(x) else str(x)


def _status(action: drift.Action) -> str:
    return {"continue": "OK", "warn": "WARNING", "intervene": "INTERVENTION",
            "restart": "RESTART", "stop": "FAILED", "early_stop": "EARLY STOP"}[action.kind]


def _recommendation(action: drift.Action, cfg: WatchdogConfig) -> str:
    if action.kind == "continue":
        return "Continue training with the current settings."
    if action.kind == "warn":
        return "Continue, but watch the next checkpoint closely."
    how = ("halve the learning rate" if cfg.intervention == "halve_lr"
           else f"scale the batch size by {cfg.batch_size_factor:g}")
    if action.kind == "intervene":
        return f"Intervene: {how}."
    if action.kind == "restart":
        return f"Restart from the best checkpoint so far and {how}."
    if action.kind == "early_stop":
        return "End the stage; its best checkpoint (validation accuracy, then loss) is the result."
    return f"Stop this phase and report failure: {action.reason}."


def _current_lr(optimizer) -> float | None:
    return optimizer.param_groups[0]["lr"] if optimizer is not None else None


def _scale_lr(optimizer, scheduler, factor: float) -> None:
    if optimizer is not None:
        for group in optimizer.param_groups:
            group["lr"] *= factor
    if scheduler is not None and hasattr(scheduler, "base_lrs"):  # LambdaLR rescales from base_lrs
        scheduler.base_lrs = [lr * factor for lr in scheduler.base_lrs]


def format_report(r: dict) -> str:
    """The plain-text CHECKPOINT REPORT of a watchdog record."""
    p = r["points"]
    change = r["eval_loss_change"]
    change_txt = "n/a (first checkpoint)" if change is None else (
        f"{change:+.4f}" if isinstance(change, float) else str(change))
    loss = r["eval_loss"]
    loss_txt = f"{loss:.4f}" if isinstance(loss, float) else str(loss)
    lines = [
        "=" * 60,
        "CHECKPOINT REPORT",
        "=" * 60,
        f"Model:               {r['model']}",
        f"Epoch:               {r['epoch']:g} (step {r['step']})",
        f"Phase:               {r['phase']}",
        f"Train loss:          {_loss_txt(r.get('train_loss'))}",
        f"Eval loss:           {loss_txt} (change {change_txt})",
        f"Validation:          {r['val_correct']}/{r['val_total']} correct "
        f"({100 * r['val_accuracy']:.1f}%)",
        f"Format errors:       {r['format_errors']}",
        f"Trend:               {r['trend']}"
        + (" (over-fitting: validation loss up, accuracy holding)" if r.get("overfitting")
           else ""),
        f"Failures:            {', '.join(r.get('failures') or []) or 'none'}",
        f"Best so far:         epoch {r['best_epoch']:g}" if r.get("best_epoch") is not None
        else "Best so far:         n/a",
        "-" * 60,
        f"Loss convergence:     {p['loss_convergence']:>3}/30",
        f"Validation accuracy:  {p['validation_accuracy']:>3}/30",
        f"Format correctness:   {p['format_correctness']:>3}/20",
        f"Progress consistency: {p['progress_consistency']:>3}/20",
        f"TOTAL:                {p['total']:>3}/100   GRADE: {r['grade']}",
        "-" * 60,
        f"Status:              {r['status']}",
        f"Recommendation:      {r['recommendation']}",
        *_reviewer_lines(r.get("reviewer")),
        "=" * 60,
    ]
    return "\n".join(lines) + "\n"


def _loss_txt(x) -> str:
    if x is None:
        return "n/a"
    return f"{x:.4f}" if isinstance(x, float) else str(x)


def _reviewer_lines(rv: dict | None) -> list[str]:
    """The Claude agents' lines of the CHECKPOINT REPORT (none in ``rules`` mode)."""
    if not rv or rv.get("mode") == "rules":
        return []
    lines = ["-" * 60, f"Scored by:           {rv['decided_by']} (watchdog.mode {rv['mode']})"]
    if rv.get("fallback"):
        lines.append(f"LLM fallback:        {rv['fallback']}")
    if rv.get("llm"):
        llm = rv["llm"]
        lines.append(f"Grader ({llm['model']}): {llm['points']['total']}/100 grade "
                     f"{llm['grade']}, recommends {llm['recommendation']['action']}: "
                     f"{llm['recommendation']['reason']}")
        if llm.get("rationale"):
            lines.append(f"Grader rationale:    {llm['rationale']}")
    audit = rv.get("audit")
    if audit:
        lines.append(f"Auditor ({audit['model']}): {'agrees' if audit['agrees'] else 'disagrees'}"
                     f", {audit['points']['total']}/100 grade {audit['grade']}")
        lines.append(f"Auditor rationale:   {audit['rationale']}")
        for issue in audit.get("issues") or []:
            lines.append(f"Auditor issue:       {issue}")
    for d in rv.get("disagreements") or []:
        lines.append(f"Disagreement:        {d['field']}: rules {d['rules']}, llm {d['llm']}")
    return lines
