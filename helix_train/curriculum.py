"""The curriculum runner: every stage of :func:`helix_train.config.plan`, watchdog drift correction,
gates on the test split, final models, resumable after ``kill -9``.

Run directory::

    RUN_DIR/config.yaml                       the resolved config (``helix-train resume`` reads it)
    RUN_DIR/tokenizer/                        the ``corpus-bpe`` tokenizer (trained on the train splits)
    RUN_DIR/corpus/<track>/<split>.jsonl      built by :func:`helix_train.corpus.prepare_corpus`
    RUN_DIR/logs/steps.jsonl                  every Trainer log line (model, phase, attempt, step)
    RUN_DIR/logs/events.jsonl                 stage start/resume/intervention/restart/stop/done
    RUN_DIR/models/<name>/<phase>/state.json  the stage's state machine (the source of truth)
    RUN_DIR/models/<name>/<phase>/attempt-K/checkpoint-N/   checkpoints with watchdog.json,
                                              checkpoint_report.txt and validation.jsonl
    RUN_DIR/models/<name>/<phase>/result/     the stage's model (best checkpoint, LoRA merged)
    RUN_DIR/models/<name>/<phase>/test.jsonl  test results per example (prompt, expected, answer,
                                              grade); ``result.json`` has metrics and gates
    RUN_DIR/models/<name>/final_model/        safetensors, tokenizer, chat template, README.md

A stage is a sequence of *attempts* (one ``SFTTrainer`` run each).  The watchdog grades every
checkpoint; a learning-rate intervention happens in place, while a batch-size intervention (a new
attempt from the latest checkpoint) and a restart (a new attempt from the best checkpoint so far,
with the adjusted settings) end the attempt.  Both are bounded per phase by the drift rules; the
next one that would be needed stops the stage with ``FAILURE.md`` saying why, and the stages that
depend on it are skipped.  Resuming reads ``state.json`` and continues the current attempt from its
latest graded checkpoint (optimizer, scheduler and RNG state included).

Under ``accelerate launch`` every rank trains; rank 0 grades, decides and writes, and the others
follow ``state.json`` after a barrier.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable

import yaml
from transformers import PrinterCallback, TrainerCallback

from helix_corpus.scoring import learns_summary, markdown_table

from . import drift, rubric
from .config import HelixConfig, Stage, plan, to_dict
from .corpus import prepare_corpus
from .data import load_split, to_sft_dataset
from .gates import evaluate_gates
from .modeling import (CORPUS_BPE, apply_lora, describe, load_model, load_tokenizer, save_dtype,
                       tokenizer_texts, train_corpus_tokenizer)

__all__ = ["run", "resume", "prepare", "stage_dir", "load_state", "graded_checkpoints",
           "best_record", "retain", "dir_bytes", "RECORD_FILES", "STAGE_ENDING"]

logger = logging.getLogger(__name__)

#: Watchdog actions after which the attempt ends and the runner decides what comes next.
STAGE_ENDING = ("restart", "stop", "intervene_batch", "early_stop")


# --------------------------------------------------------------------------- small helpers

def _dist():
    from accelerate import PartialState

    return PartialState()


def stage_dir(run_dir: Path, stage: Stage) -> Path:
    return Path(run_dir) / "models" / stage.model / stage.phase


def load_state(sdir: Path) -> dict | None:
    path = sdir / "state.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _save_state(sdir: Path, state: dict) -> None:
    sdir.mkdir(parents=True, exist_ok=True)
    tmp = sdir / "state.json.tmp"
    tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
    tmp.replace(sdir / "state.json")  # atomic: a kill never leaves half a state


def _event(run_dir: Path, **row) -> None:
    path = Path(run_dir) / "logs" / "events.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")


def graded_checkpoints(attempt_dir: Path) -> list[dict]:
    """Watchdog records of an attempt's checkpoints, oldest first (only fully graded ones)."""
    out = []
    for ckpt in Path(attempt_dir).glob("checkpoint-*"):
        wd = ckpt / "watchdog.json"
        if wd.exists():
            out.append(json.loads(wd.read_text(encoding="utf-8")))
    return sorted(out, key=lambda r: r["step"])


def _metrics(record: dict) -> dict:
    train_loss = record.get("train_loss")
    return {"epoch": record["epoch"], "eval_loss": float(record["eval_loss"]),
            "accuracy": record["val_accuracy"], "format_errors": record["format_errors"],
            "total": record["val_total"],
            "train_loss": float(train_loss) if train_loss is not None else None}


def _rank_key(record: dict) -> tuple:
    loss = float(record["eval_loss"])
    return (record["val_accuracy"], -loss if math.isfinite(loss) else -math.inf, record["epoch"])


def _finite_record(record: dict) -> bool:
    train = record.get("train_loss")
    return math.isfinite(float(record["eval_loss"])) and (train is None
                                                          or math.isfinite(float(train)))


def best_record(records: list[dict]) -> dict:
    """The best checkpoint: highest validation accuracy, then lowest validation loss, then latest
    (the rubric's :func:`helix_train.rubric.best_index`)."""
    return max(records, key=_rank_key)


def _action_kind(record: dict, cfg: HelixConfig) -> str:
    kind = record["action"]["kind"]
    if kind == "intervene" and cfg.watchdog.intervention == "batch_size":
        return "intervene_batch"
    return kind


# --------------------------------------------------------------------------- callbacks

class _Progress(TrainerCallback):
    def __init__(self, fn: Callable[[dict], None], stage: Stage, attempt: int):
        self.fn, self.stage, self.attempt = fn, stage, attempt

    def on_step_end(self, args, state, control, **kw):
        if state.is_world_process_zero:
            self.fn({"model": self.stage.model, "phase": self.stage.phase, "attempt": self.attempt,
                     "step": state.global_step, "max_steps": state.max_steps,
                     "epoch": state.epoch})


class _ReapplyLR(TrainerCallback):
    """On resume, redo a learning-rate intervention that was applied after its checkpoint was saved."""

    def __init__(self, factor: float):
        self.factor = factor

    def on_step_begin(self, args, state, control, optimizer=None, lr_scheduler=None, **kw):
        if self.factor != 1.0:
            from .watchdog import _scale_lr

            _scale_lr(optimizer, lr_scheduler, self.factor)
            self.factor = 1.0


# --------------------------------------------------------------------------- checkpoint retention

#: What every checkpoint keeps for good: its grades, metrics and answers, and the trainer's state.
RECORD_FILES = ("watchdog.json", "checkpoint_report.txt", "validation.jsonl", "trainer_state.json")
#: Files and folders only a resume needs (optimizer, scheduler, RNG and scaler state).
_RESUME_PREFIXES = ("optimizer", "scheduler", "rng_state", "scaler", "global_step")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _strip(ckpt: Path, *, weights: bool) -> None:
    """Drop a graded checkpoint's resume state, and its weights too unless ``weights``."""
    for path in list(ckpt.iterdir()):
        if path.name in RECORD_FILES:
            continue
        if not weights or path.name.startswith(_RESUME_PREFIXES):
            _remove(path)


def _stage_checkpoints(sdir: Path) -> list[tuple[Path, dict]]:
    """Every graded checkpoint of a stage (all attempts): (directory, watchdog record)."""
    out = []
    for wd in sdir.glob("attempt-*/checkpoint-*/watchdog.json"):
        out.append((wd.parent, json.loads(wd.read_text(encoding="utf-8"))))
    return out


def retain(sdir: Path, latest: Path | None, *, finished: bool = False) -> None:
    """Checkpoint retention of a stage (rank 0).

    Weights are kept only for the stage's best graded checkpoint (highest validation accuracy, then
    lowest loss, over every attempt; NaN/inf ones only when there is no other) and for ``latest``
    (the latest graded checkpoint of the running attempt); resume state (optimizer, scheduler,
    RNG) only in ``latest``.  Every other checkpoint keeps its records (:data:`RECORD_FILES`).
    ``finished`` (the stage is done or failed): the resume state goes everywhere; a done stage
    (``latest`` None: its ``result/`` holds the best weights) keeps no weights at all, and the
    restart starting points (``attempt-K-init``) go too.  Ungraded checkpoints are left alone.
    """
    graded = _stage_checkpoints(sdir)
    finite = [(c, r) for c, r in graded if _finite_record(r)] or graded
    best = max(finite, key=lambda cr: _rank_key(cr[1]))[0] if finite else None
    for ckpt, _ in graded:
        if ckpt == latest:
            if finished:
                _strip(ckpt, weights=True)
            continue
        _strip(ckpt, weights=ckpt == best and not (finished and latest is None))
    if finished and latest is None:
        for init in sdir.glob("attempt-*-init"):
            shutil.rmtree(init)


def _drop_previous_optimizer(ckpt: Path) -> None:
    """Before checkpoint ``ckpt`` writes its optimizer state: delete the optimizer state of the
    other checkpoints of its attempt, so that one optimizer state is on disk at a time
    (``curriculum.safe_resume: false``).  Their scheduler and RNG state stay until retention."""
    for other in Path(ckpt).parent.glob("checkpoint-*"):
        if other != Path(ckpt):
            for path in list(other.glob("optimizer*")):
                _remove(path)


def dir_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (their apparent size)."""
    total = 0
    for p in Path(path).rglob("*"):
        try:
            if p.is_file() and not p.is_symlink():
                total += p.stat().st_size
        except FileNotFoundError:  # removed meanwhile (the other CPU lane)
            pass
    return total


class _Retention(TrainerCallback):
    """Once a checkpoint is graded: measure the run directory (``logs/disk.jsonl``; the peak of the
    stage is right after a checkpoint is written), then apply :func:`retain`."""

    def __init__(self, run_dir: Path, stage: Stage, attempt: int, full: bool = True):
        self.run_dir, self.stage, self.attempt, self.full = Path(run_dir), stage, attempt, full

    def on_save(self, args, state, control, **kw):
        if not state.is_world_process_zero:
            return
        current = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if not (current / "watchdog.json").exists():
            return
        before = dir_bytes(self.run_dir)
        retain(current.parent.parent, current)
        init = current.parent.parent / f"attempt-{self.attempt}-init"
        if self.full and init.is_dir():  # full weights in a checkpoint now: the start can go
            shutil.rmtree(init)
        _disk_log(self.run_dir, model=self.stage.model, phase=self.stage.phase,
                  attempt=self.attempt, step=state.global_step, bytes_peak=before,
                  bytes_after=dir_bytes(self.run_dir))


def _disk_log(run_dir: Path, **row) -> None:
    path = Path(run_dir) / "logs" / "disk.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")


# --------------------------------------------------------------------------- models

def _load_for_training(cfg: HelixConfig, tok, init: str | None):
    model = load_model(cfg.model, tok, source=init, train=cfg.training, seed=cfg.training.seed)
    if cfg.training.method == "lora":
        model = apply_lora(model, cfg.training)
    return model


def _materialize(cfg: HelixConfig, tok, init: str | None, ckpt: Path, out: Path) -> Path:
    """Full weights of checkpoint ``ckpt`` (an attempt started from ``init``) in ``out``."""
    if cfg.training.method == "lora":
        from peft import PeftModel

        base = load_model(cfg.model, tok, source=init, train=cfg.training, seed=cfg.training.seed)
        model = PeftModel.from_pretrained(base, str(ckpt)).merge_and_unload()
    else:
        model = load_model(cfg.model, tok, source=ckpt, train=cfg.training)
    out.mkdir(parents=True, exist_ok=True)
    model.to(save_dtype(cfg.training)).save_pretrained(out)  # training.save_dtype
    return out


# --------------------------------------------------------------------------- one stage

def _new_attempt(index: int, *, init: str | None, lr: float, batch_size: int, epochs: int,
                 epoch_offset: float, history: list[dict], drift_state: dict, reason: str) -> dict:
    return {"index": index, "dir": f"attempt-{index}", "init": init, "learning_rate": lr,
            "batch_size": batch_size, "epochs": epochs, "epoch_offset": epoch_offset,
            "history": history, "drift_state": drift_state, "reason": reason}


def _train_attempt(cfg, run_dir, stage, sdir, state, tok, corpus, on_progress) -> None:
    """Run (or resume) the current attempt until it ends; rank 0 records what comes next."""
    from .sft import JsonlLog, build_trainer, make_sft_config
    from .watchdog import Watchdog

    dist = _dist()
    att = state["attempts"][-1]
    adir = sdir / att["dir"]
    graded = graded_checkpoints(adir)
    resume_ckpt = None
    lr_factor = 1.0
    if graded:
        last = graded[-1]
        kind = _action_kind(last, cfg)
        if kind in STAGE_ENDING or last["epoch"] - att["epoch_offset"] >= att["epochs"] - 1e-6:
            return  # the attempt already ended before the kill: only the decision is left
        resume_ckpt = adir / f"checkpoint-{last['step']}"
        if kind == "intervene" and cfg.watchdog.intervention == "halve_lr":
            lr_factor = 0.5  # that intervention happened after the checkpoint was saved
        if dist.is_main_process:
            fresh = not any(resume_ckpt.glob("optimizer*"))  # killed while the next one's was written
            _event(run_dir, event="resume", model=stage.model, phase=stage.phase,
                   attempt=att["index"], checkpoint=str(resume_ckpt.relative_to(run_dir)),
                   step=last["step"], epoch=last["epoch"],
                   optimizer="fresh moments (its state was deleted for the next checkpoint's)"
                   if fresh else "restored")
            _trim_step_log(run_dir, stage, att["index"], last["step"])
            (adir / "watchdog.jsonl").write_text(
                "".join(json.dumps(r) + "\n" for r in graded), encoding="utf-8")
            for ckpt in adir.glob("checkpoint-*"):  # half-written or ungraded checkpoints
                if not (ckpt / "watchdog.json").exists():
                    shutil.rmtree(ckpt)
    elif dist.is_main_process:
        if adir.exists():
            shutil.rmtree(adir)
        _event(run_dir, event="attempt_start", model=stage.model, phase=stage.phase,
               attempt=att["index"], reason=att["reason"], learning_rate=att["learning_rate"],
               batch_size=att["batch_size"], epochs=att["epochs"], init=att["init"])
    dist.wait_for_everyone()

    history = [rubric.CheckpointMetrics(**m) for m in att["history"]]
    history += [rubric.CheckpointMetrics(**_metrics(r)) for r in graded]
    drift_state = drift.DriftState(**(graded[-1]["drift_state"] if graded else att["drift_state"]))
    init = str(run_dir / att["init"]) if att["init"] else None
    if resume_ckpt is not None and cfg.training.method == "full":
        init = str(resume_ckpt)  # its weights (the attempt's starting point may be gone)
    model = _load_for_training(cfg, tok, init)
    train_records = load_split(corpus, stage.track, "train")
    train = to_sft_dataset(train_records)
    val = load_split(corpus, stage.track, "val")
    stage_cfg = replace(stage, epochs=att["epochs"])
    args = make_sft_config(cfg, stage_cfg, adir, learning_rate=att["learning_rate"],
                           batch_size=att["batch_size"])
    wd = Watchdog(tok, val, cfg.watchdog, phase=stage.phase, model_name=stage.model,
                  state=drift_state, history=history, max_length=cfg.training.max_length,
                  epoch_offset=att["epoch_offset"], train_records=train_records,
                  prev_step=graded[-1]["step"] if graded else 0)
    callbacks = [wd, _Retention(run_dir, stage, att["index"], cfg.training.method == "full"),
                 _ReapplyLR(lr_factor),
                 JsonlLog(run_dir / "logs" / "steps.jsonl", model=stage.model, phase=stage.phase,
                          attempt=att["index"])]
    if on_progress is not None:
        callbacks.append(_Progress(on_progress, stage, att["index"]))
    trainer = build_trainer(model, tok, args, train, callbacks=callbacks)
    trainer.remove_callback(PrinterCallback)  # logs go to logs/steps.jsonl
    if not cfg.curriculum.safe_resume:  # one optimizer state on disk at a time
        trainer.before_optimizer_save = lambda out: _drop_previous_optimizer(Path(out))
    trainer.train(resume_from_checkpoint=str(resume_ckpt) if resume_ckpt else None)
    dist.wait_for_everyone()


def _trim_step_log(run_dir: Path, stage: Stage, attempt: int, step: int) -> None:
    """Drop step-log lines a killed attempt wrote after the checkpoint it resumes from."""
    path = Path(run_dir) / "logs" / "steps.jsonl"
    if not path.exists():
        return
    keep = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if (row.get("model"), row.get("phase"), row.get("attempt")) == (
                stage.model, stage.phase, attempt) and row["step"] > step:
            continue
        keep.append(line)
    path.write_text("".join(x + "\n" for x in keep), encoding="utf-8")


def _decide_next(cfg: HelixConfig, run_dir: Path, stage: Stage, sdir: Path, state: dict,
                 tok) -> None:
    """After an attempt: mark the stage trained, failed, or add the next attempt (rank 0)."""
    att = state["attempts"][-1]
    records = graded_checkpoints(sdir / att["dir"])
    if not records:
        raise RuntimeError(f"{stage.model}/{stage.phase}: attempt {att['index']} ended without a "
                           f"graded checkpoint; check `curriculum.checkpoint_every`")
    last = records[-1]
    kind = _action_kind(last, cfg)
    if kind not in STAGE_ENDING:
        state["status"] = "trained"
        return
    if kind == "early_stop":
        state["status"] = "trained"
        state["early_stop"] = last["action"]["reason"]
        _event(run_dir, event="early_stop", model=stage.model, phase=stage.phase,
               epoch=last["epoch"], reason=last["action"]["reason"])
        return
    if kind == "stop":
        state["status"] = "failed"
        state["reason"] = last["action"]["reason"]
        _event(run_dir, event="stop", model=stage.model, phase=stage.phase, reason=state["reason"])
        return
    halvings = sum(1 for r in records if r["action"]["kind"] == "intervene"
                   and cfg.watchdog.intervention == "halve_lr")
    settings = drift.adjust(drift.Settings(att["learning_rate"] * 0.5 ** halvings,
                                           att["batch_size"]),
                            cfg.watchdog.intervention, cfg.watchdog.batch_size_factor)
    if kind == "restart":  # from the best checkpoint without a NaN/inf loss
        every = [(a, r) for a in state["attempts"] for r in graded_checkpoints(sdir / a["dir"])
                 if _finite_record(r)]
        if not every:  # every checkpoint so far is NaN/inf: from the attempt's own start
            _restart_from_start(run_dir, stage, state, att, last, settings)
            return
        src_att, src = max(every, key=lambda ar: _rank_key(ar[1]))
    else:
        src_att, src = att, last
    inherited = src_att["history"] + [_metrics(r) for r in graded_checkpoints(sdir / src_att["dir"])
                                      if r["step"] <= src["step"]]
    remaining = stage.epochs - round(src["epoch"])
    if remaining <= 0:
        if kind == "intervene_batch":
            state["status"] = "trained"
            return
        remaining = cfg.curriculum.checkpoint_every
    index = len(state["attempts"])
    ckpt = sdir / src_att["dir"] / f"checkpoint-{src['step']}"
    init_dir = sdir / f"attempt-{index}-init"
    src_init = str(run_dir / src_att["init"]) if src_att["init"] else None
    _materialize(cfg, tok, src_init, ckpt, init_dir)
    reason = (f"{last['action']['kind']} at epoch {last['epoch']:g} (grade {last['grade']}): "
              f"{last['action']['reason']}; from {ckpt.relative_to(sdir)}")
    state["attempts"].append(_new_attempt(
        index, init=str(init_dir.relative_to(run_dir)), lr=settings.learning_rate,
        batch_size=settings.batch_size, epochs=remaining, epoch_offset=float(round(src["epoch"])),
        history=inherited, drift_state=last["drift_state"], reason=reason))
    _event(run_dir, event=last["action"]["kind"], model=stage.model, phase=stage.phase,
           reason=reason, learning_rate=settings.learning_rate, batch_size=settings.batch_size)
    retain(sdir, None)  # the old attempt is never resumed: only the best keeps weights
    _drop_unused_inits(cfg, run_dir, sdir, state)


def _restart_from_start(run_dir, stage, state, att, last, settings) -> None:
    """A restart when no checkpoint of the stage has finite losses: the attempt starts again from
    where it started (its ``init``), with the adjusted settings."""
    index = len(state["attempts"])
    reason = (f"restart at epoch {last['epoch']:g} (grade {last['grade']}): "
              f"{last['action']['reason']}; no checkpoint without a NaN/inf loss, so from the "
              f"start of attempt {att['index']}")
    state["attempts"].append(_new_attempt(
        index, init=att["init"], lr=settings.learning_rate, batch_size=settings.batch_size,
        epochs=att["epochs"], epoch_offset=att["epoch_offset"], history=att["history"],
        drift_state=last["drift_state"], reason=reason))
    _event(run_dir, event="restart", model=stage.model, phase=stage.phase, reason=reason,
           learning_rate=settings.learning_rate, batch_size=settings.batch_size)


def _drop_unused_inits(cfg: HelixConfig, run_dir: Path, sdir: Path, state: dict) -> None:
    """Delete restart starting points (``attempt-K-init``) no attempt needs any more: the current
    attempt's is kept (until its first checkpoint, with full fine-tuning), and with LoRA the one
    under the stage's best checkpoint (its adapters' base)."""
    keep = {state["attempts"][-1]["init"]}
    if cfg.training.method == "lora":
        every = [(a, r) for a in state["attempts"] for r in graded_checkpoints(sdir / a["dir"])]
        if every:
            keep.add(max(every, key=lambda ar: _rank_key(ar[1]))[0]["init"])
    for init in sdir.glob("attempt-*-init"):
        if str(init.relative_to(run_dir)) not in keep:
            shutil.rmtree(init)


def _finish_stage(cfg, run_dir, stage, sdir, state, tok, corpus) -> None:
    """Best checkpoint → ``result/``; test split → loss, answers (within the split's generation
    budget), grades, gates, and the one scorer's report against the train split (``score``: per
    family accuracy with its Wilson interval, baselines, phrasing split, ``learns``) (rank 0)."""
    from .evaluate import (completion_loss, generate_answers, generation_budget, grade_records,
                           score_rows)

    every = [(a, r) for a in state["attempts"] for r in graded_checkpoints(sdir / a["dir"])]
    every = [ar for ar in every if _finite_record(ar[1])] or every  # as retain() keeps it
    att, best = max(every, key=lambda ar: _rank_key(ar[1]))
    ckpt = sdir / att["dir"] / f"checkpoint-{best['step']}"
    init = str(run_dir / att["init"]) if att["init"] else None
    result_dir = _materialize(cfg, tok, init, ckpt, sdir / "result")
    model = load_model(cfg.model, tok, source=result_dir, train=cfg.training)
    test = load_split(corpus, stage.track, "test", limit=cfg.gates.test_limit)
    loss = completion_loss(model, tok, test, batch_size=cfg.eval.batch_size,
                           max_length=cfg.training.max_length)
    budget = generation_budget(tok, test, cfg.eval.max_new_tokens,
                               what=f"{stage.track} test split")
    answers = generate_answers(model, tok, test, max_new_tokens=budget,
                               batch_size=cfg.eval.batch_size)
    graded = grade_records(test, answers)
    with open(sdir / "test.jsonl", "w", encoding="utf-8") as f:
        for row in graded.rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    gates = evaluate_gates(stage.track, test, graded.rows, loss, cfg.gates)
    result = {
        "model": stage.model, "role": stage.role, "phase": stage.phase, "track": stage.track,
        "status": "done", "best_checkpoint": str(ckpt.relative_to(run_dir)),
        "best_grade": best["grade"], "best_points": best["points"]["total"],
        "test_loss": loss if math.isfinite(loss) else str(loss), "test_accuracy": graded.accuracy,
        "test_format_errors": graded.format_errors, "test_total": graded.total,
        "max_new_tokens": budget,
        "score": score_rows(test, graded.rows, load_split(corpus, stage.track, "train")),
        "gates": gates,
        "gates_passed": all(g["status"] == "PASS" for g in gates),
        "attempts": len(state["attempts"]), "parameters": describe(model),
    }
    (sdir / "result.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    state["status"] = "done"
    _event(run_dir, event="stage_done", model=stage.model, phase=stage.phase,
           test_accuracy=graded.accuracy, test_loss=result["test_loss"],
           gates_passed=result["gates_passed"])


def _failure_report(run_dir: Path, stage: Stage, sdir: Path, state: dict) -> None:
    lines = [f"# FAILED: {stage.model} / {stage.phase}", "", f"Why: {state['reason']}", "",
             "| attempt | reason | learning rate | batch size |", "| --- | --- | --- | --- |"]
    for a in state["attempts"]:
        lines.append(f"| {a['index']} | {a['reason']} | {a['learning_rate']:g} | {a['batch_size']} |")
    lines += ["", "## Checkpoints", ""]
    for a in state["attempts"]:
        for r in graded_checkpoints(sdir / a["dir"]):
            lines.append(f"- attempt {a['index']}, epoch {r['epoch']:g}: grade {r['grade']} "
                         f"({r['points']['total']}/100), eval loss {r['eval_loss']}, "
                         f"val accuracy {100 * r['val_accuracy']:.1f}%, action "
                         f"{r['action']['kind']} ({r['action']['reason']})")
    (sdir / "FAILURE.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_stage(cfg: HelixConfig, run_dir: Path, stage: Stage, tok, corpus: Path, *,
              init: str | None, on_progress=None) -> dict:
    """Train, grade and evaluate one stage (or continue it); returns its ``state.json``."""
    dist = _dist()
    sdir = stage_dir(run_dir, stage)
    state = load_state(sdir)
    if state is None:
        state = {"model": stage.model, "phase": stage.phase, "track": stage.track,
                 "status": "running", "reason": None,
                 "attempts": [_new_attempt(0, init=init, lr=cfg.training.learning_rate,
                                           batch_size=cfg.training.per_device_train_batch_size,
                                           epochs=stage.epochs, epoch_offset=0.0, history=[],
                                           drift_state=asdict(drift.DriftState()),
                                           reason="start")]}
        if dist.is_main_process:
            _save_state(sdir, state)
        dist.wait_for_everyone()
    while state["status"] == "running":
        _train_attempt(cfg, run_dir, stage, sdir, state, tok, corpus, on_progress)
        if dist.is_main_process:
            _decide_next(cfg, run_dir, stage, sdir, state, tok)
            _save_state(sdir, state)
        dist.wait_for_everyone()
        state = load_state(sdir)
    if state["status"] == "trained" and dist.is_main_process:
        _finish_stage(cfg, run_dir, stage, sdir, state, tok, corpus)
        _save_state(sdir, state)
        retain(sdir, None, finished=True)  # result/ holds the best weights
    if state["status"] == "failed" and dist.is_main_process:
        _failure_report(run_dir, stage, sdir, state)
        last = graded_checkpoints(sdir / state["attempts"][-1]["dir"])
        retain(sdir, sdir / state["attempts"][-1]["dir"] / f"checkpoint-{last[-1]['step']}"
               if last else None, finished=True)
    dist.wait_for_everyone()
    return load_state(sdir)


# --------------------------------------------------------------------------- final models

def _model_card(cfg: HelixConfig, name: str, results: list[dict]) -> str:
    lines = [f"# {name}", "", f"Trained by `helix_train` ({cfg.name} preset/config), base model "
             f"`{cfg.model.base}`, {cfg.training.method} fine-tuning. Prompts use TRL's Qwen3 chat "
             f"template with thinking disabled (`enable_thinking=False`).", ""]
    for r in results:
        lines += [f"## Phase `{r['phase']}` (track `{r['track']}`)", "",
                  f"Best checkpoint grade {r['best_grade']} ({r['best_points']}/100); test loss "
                  f"{_fmt(r['test_loss'])}, test accuracy {100 * r['test_accuracy']:.1f}% "
                  f"({r['test_total']} examples).", "", "| gate | metric | value | threshold | n | "
                  "result |", "| --- | --- | --- | --- | --- | --- |"]
        for g in r["gates"]:
            lines.append(f"| {g['gate']} | {g['metric']} | {_fmt(g['value'])} | "
                         f"{_fmt(g['threshold'])} | {g['n']} | {g['status']} |")
        if r.get("score") is None:  # a result written before the scorer existed
            lines += ["", "Per-family scores were not recorded for this phase.", ""]
            continue
        lines += ["", "Held-out test split per task family: accuracy with its 95 % Wilson "
                  "interval, format validity, the baselines (the most common train answer of the "
                  "family and of the question type, and copying the request's value for "
                  "conversions), accuracy on seen and held-out phrasings, and whether the "
                  "interval's lower bound is above the best baseline (`learns`).", "",
                  *markdown_table(r["score"]), "", learns_summary(r["score"]), ""]
    return "\n".join(lines)


def _fmt(x) -> str:
    if x is None:
        return "n/a"
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def _link_or_copy(src: str, dst: str) -> None:
    """A hard link (the final model's weights are the last stage's result, not a second copy on
    disk), or a copy where the file system has no hard links."""
    import os

    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _save_final(cfg: HelixConfig, run_dir: Path, name: str, last: Path, results: list[dict],
                tok) -> Path:
    out = Path(run_dir) / "models" / name / "final_model"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(last / "result", out, copy_function=_link_or_copy)  # no second copy on disk
    tok.save_pretrained(out)
    (out / "README.md").write_text(_model_card(cfg, name, results), encoding="utf-8")
    (out / "helix_results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return out


# --------------------------------------------------------------------------- the run

def _tokenizer_and_corpus(cfg: HelixConfig, run_dir: Path):
    """The run's tokenizer and corpus directory.

    With ``model.tokenizer: corpus-bpe`` the tokenizer is trained on the train splits of the
    tracks the run needs (while the corpus is built, before the answer-length filter, which then
    counts its tokens) and saved in ``RUN_DIR/tokenizer``; a resumed run loads it from there.
    """
    if cfg.model.tokenizer != CORPUS_BPE:
        tok = load_tokenizer(cfg.model.tokenizer)
        return tok, prepare_corpus(cfg, run_dir, tokenizer=tok)
    path = run_dir / "tokenizer"

    def train(records: list[dict]):
        trained = train_corpus_tokenizer(tokenizer_texts(records), cfg.model.bpe_vocab_size)
        if _dist().is_main_process:
            trained.save_pretrained(path)
        return trained

    saved = (path / "tokenizer.json").exists()
    corpus = prepare_corpus(cfg, run_dir, tokenizer=load_tokenizer(str(path)) if saved else train)
    if not (path / "tokenizer.json").exists():  # a prebuilt corpus (`corpus.dir`)
        from .corpus import tracks_needed

        train([r for t in tracks_needed(cfg) for r in load_split(corpus, t, "train")])
    return load_tokenizer(str(path)), corpus


def prepare(cfg: HelixConfig, run_dir: str | Path):
    """The run's tokenizer and corpus directory (built or trained when missing, as :func:`run`
    does first)."""
    return _tokenizer_and_corpus(cfg, Path(run_dir).resolve())


def _shared_source(cfg: HelixConfig, run_dir: Path, stage: Stage, states: dict) -> Stage | None:
    """The finished phase-1 stage ``stage`` can copy (``curriculum.share_general``), else None.

    Phase 1 of every specialist is the same training: the `general` track, the same epochs, the
    base model, and one config and seed for the whole run; only the model's name differs.  A
    failed one is copied too (training it again would fail the same way).  Stages this process
    did not run (another CPU lane trained them) are looked up on disk.
    """
    if not cfg.curriculum.share_general or stage.phase != "general":
        return None
    for other in plan(cfg):
        if (other.phase == "general" and other.model != stage.model
                and (other.track, other.epochs, other.init_from) ==
                (stage.track, stage.epochs, stage.init_from)
                and (states.get((other.model, other.phase))
                     or load_state(stage_dir(run_dir, other)) or {}).get("status") in ("done",
                                                                                       "failed")):
            return other
    return None


def _copy_shared_stage(run_dir: Path, source: Stage, stage: Stage) -> dict:
    """Copy the finished phase 1 of ``source`` to ``stage`` (rank 0); returns the new state."""
    dist = _dist()
    sdir = stage_dir(run_dir, stage)
    if dist.is_main_process and (load_state(sdir) or {}).get("status") not in ("done", "failed"):
        if sdir.exists():
            shutil.rmtree(sdir)
        shutil.copytree(stage_dir(run_dir, source), sdir,
                        ignore=shutil.ignore_patterns("state.json"))
        if (sdir / "result.json").exists():
            result = json.loads((sdir / "result.json").read_text(encoding="utf-8"))
            result.update(model=stage.model, role=stage.role, shared_from=source.model)
            (sdir / "result.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        state = load_state(stage_dir(run_dir, source))
        state.update(model=stage.model, shared_from=source.model)
        _save_state(sdir, state)  # last: a kill before this leaves no finished state
        _event(run_dir, event="shared", model=stage.model, phase=stage.phase,
               source=source.model, reason="curriculum.share_general: phase 1 is identical for "
               "every specialist, trained once and copied")
        logger.info("stage %s / %s: copied from %s (share_general)", stage.model, stage.phase,
                    source.model)
    dist.wait_for_everyone()
    return load_state(sdir)


# --------------------------------------------------------------------------- phase gates

def _failed_gates(parent_dir: Path) -> list[str]:
    """The lines of the completion gates a finished phase did not pass (``NO DATA`` included)."""
    path = parent_dir / "result.json"
    if not path.exists():
        return []
    from .gates import gate_line

    gates = json.loads(path.read_text(encoding="utf-8")).get("gates") or []
    return [g.get("line") or gate_line(g) for g in gates if g["status"] != "PASS"]


def _stop_run(run_dir: Path, stage: Stage, failed: list[str]) -> dict:
    """Phase 1 of ``stage.model`` failed its completion gates: write ``STOPPED.md`` (rank 0)."""
    reason = (f"phase 1 (`{stage.init_from}`) of {stage.model} failed {len(failed)} of its "
              f"completion gates, so phase 2 does not start and the run stops")
    if _dist().is_main_process:
        lines = [f"# Run stopped: {reason}", "",
                 "Phase 2 starts from phase 1's best checkpoint only when every phase-1 gate "
                 "passes (the completion criteria of phase 1). Gates that did not pass:", "",
                 *[f"- {x}" for x in failed], "",
                 "To train phase 2 anyway, set `curriculum.continue_on_gate_failure: true` in "
                 f"`{run_dir / 'config.yaml'}` and run `helix-train resume {run_dir}`.", ""]
        (run_dir / "STOPPED.md").write_text("\n".join(lines), encoding="utf-8")
        _event(run_dir, event="run_stopped", model=stage.model, phase=stage.phase,
               reason=reason, gates=failed)
        logger.warning("%s:\n  %s", reason, "\n  ".join(failed))
    return {"reason": reason, "model": stage.model, "gates": failed,
            "report": str(run_dir / "STOPPED.md")}


def _mark_stopped(run_dir: Path, stage: Stage, reason: str) -> dict:
    """``stage`` does not run because the run stopped (a stage that has a state keeps it)."""
    sdir = stage_dir(run_dir, stage)
    current = load_state(sdir)
    if current is not None and current["status"] != "stopped":
        return current
    state = {"model": stage.model, "phase": stage.phase, "track": stage.track,
             "status": "stopped", "reason": reason, "attempts": []}
    if _dist().is_main_process:
        _save_state(sdir, state)
    _dist().wait_for_everyone()
    return state


def run(cfg: HelixConfig, run_dir: str | Path, *, only_models: list[str] | None = None,
        on_progress: Callable[[dict], None] | None = None) -> dict:
    """Run (or continue) the whole curriculum in ``run_dir``; returns ``run_dir/summary.json``.

    With ``only_models`` only those models' stages run (``[]``: config, tokenizer and corpus
    only), as one part of a run; final models, ``summary.json`` and the ``run_done`` event are
    left to the run without it, and the returned summary lists no models."""
    run_dir = Path(run_dir).resolve()
    dist = _dist()
    if cfg.training.num_threads:
        import torch

        torch.set_num_threads(cfg.training.num_threads)
    if dist.is_main_process:
        run_dir.mkdir(parents=True, exist_ok=True)
        conf = run_dir / "config.yaml"
        if not conf.exists():
            conf.write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False), encoding="utf-8")
    with dist.main_process_first():
        tok, corpus = _tokenizer_and_corpus(cfg, run_dir)
    states: dict[tuple[str, str], dict] = {}
    stop: dict | None = None  # set when a phase 1 fails its completion gates: the run stops
    for stage in plan(cfg):
        if only_models is not None and stage.model not in only_models:
            continue  # (an empty list prepares config, tokenizer and corpus only)
        sdir = stage_dir(run_dir, stage)
        if stop is not None:
            states[(stage.model, stage.phase)] = _mark_stopped(run_dir, stage, stop["reason"])
            continue
        if (load_state(sdir) or {}).get("status") == "stopped":  # an earlier pass stopped here:
            if dist.is_main_process:                           # decide again (the config may
                (sdir / "state.json").unlink(missing_ok=True)  # allow it now)
            dist.wait_for_everyone()
        init = None
        if stage.init_from is not None:
            parent = states.get((stage.model, stage.init_from))
            if parent is None or parent["status"] != "done":
                why = f"`{stage.init_from}` phase of {stage.model} did not finish"
                if dist.is_main_process and (load_state(sdir) or {}).get("status") != "skipped":
                    _save_state(sdir, {"model": stage.model, "phase": stage.phase,
                                       "track": stage.track, "status": "skipped",
                                       "reason": why, "attempts": []})
                    _event(run_dir, event="skipped", model=stage.model, phase=stage.phase,
                           reason=why)
                states[(stage.model, stage.phase)] = {"status": "skipped", "reason": why}
                continue
            init = str((stage_dir(run_dir, replace(stage, phase=stage.init_from)) / "result")
                       .relative_to(run_dir))
            failed = _failed_gates(stage_dir(run_dir, replace(stage, phase=stage.init_from)))
            if failed and not cfg.curriculum.continue_on_gate_failure:
                stop = _stop_run(run_dir, stage, failed)
                states[(stage.model, stage.phase)] = _mark_stopped(run_dir, stage, stop["reason"])
                continue
            if failed and dist.is_main_process and load_state(sdir) is None:
                _event(run_dir, event="gate_failure_ignored", model=stage.model,
                       phase=stage.phase, gates=failed,
                       reason="curriculum.continue_on_gate_failure: phase 2 starts although "
                              "phase 1 failed its completion gates")
        shared = _shared_source(cfg, run_dir, stage, states)
        if shared is not None:
            states[(stage.model, stage.phase)] = _copy_shared_stage(run_dir, shared, stage)
            continue
        logger.info("stage %s / %s: %d epochs on `%s`", stage.model, stage.phase, stage.epochs,
                    stage.track)
        states[(stage.model, stage.phase)] = run_stage(cfg, run_dir, stage, tok, corpus,
                                                       init=init, on_progress=on_progress)
    summary = {"run_dir": str(run_dir), "config": cfg.name, "models": {}}
    if stop is not None:
        summary["stopped"] = stop
    if only_models is not None:  # part of a run (a lane, or the preparation before the lanes):
        dist.wait_for_everyone()  # the whole run's final models, summary and event come later
        return summary
    if dist.is_main_process:
        for name in dict.fromkeys(s.model for s in plan(cfg)):
            stages = [s for s in plan(cfg) if s.model == name]
            st = [states.get((s.model, s.phase)) or load_state(stage_dir(run_dir, s)) or
                  {"status": "pending"} for s in stages]
            ok = all(x["status"] == "done" for x in st)
            results = [json.loads((stage_dir(run_dir, s) / "result.json").read_text())
                       for s, x in zip(stages, st) if x["status"] == "done"]
            entry = {"status": "done" if ok else next(x["status"] for x in st
                                                       if x["status"] != "done"),
                     "phases": {s.phase: x["status"] for s, x in zip(stages, st)},
                     "reasons": [x.get("reason") for x in st if x.get("reason")]}
            if ok:
                final = _save_final(cfg, run_dir, name, stage_dir(run_dir, stages[-1]), results, tok)
                entry["final_model"] = str(final.relative_to(run_dir))
                entry["gates_passed"] = all(r["gates_passed"] for r in results)
            summary["models"][name] = entry
        (run_dir / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        _event(run_dir, event="run_done", models={k: v["status"] for k, v in
                                                  summary["models"].items()})
    dist.wait_for_everyone()
    return summary


def resume(run_dir: str | Path, **kw) -> dict:
    """Continue the run in ``run_dir`` with the config it was started with."""
    from .config import HelixConfig as _H, from_dict

    path = Path(run_dir) / "config.yaml"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: `{run_dir}` is not a helix-train run directory")
    cfg = from_dict(_H, yaml.safe_load(path.read_text(encoding="utf-8")))
    return run(cfg, run_dir, **kw)
