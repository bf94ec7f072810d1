"""TRL SFT for Helix: ``HelixSFTConfig``, trainer construction, the step-0 loss check, callbacks.

One stage of the curriculum is one :class:`trl.SFTTrainer` run on a prompt/completion dataset
(completion-only loss, EOS trained, thinking disabled; see :mod:`helix_train.data`).  The trainer
checkpoints every ``checkpoint_every_epochs`` epochs (:class:`EpochCheckpoints`) and appends every
log line to a JSONL step log (:class:`JsonlLog`).

Runnable example (a tiny model, the fixture corpus, CPU)::

    python -m helix_train.cli run --preset tiny-cpu
"""

from __future__ import annotations

import json
import logging
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
from transformers import TrainerCallback
from trl import SFTConfig, SFTTrainer

from .config import HelixConfig, Stage
from .modeling import plausible_initial_loss

__all__ = ["HelixSFTConfig", "make_sft_config", "build_trainer", "initial_loss",
           "EpochCheckpoints", "JsonlLog", "InitialLossCheck", "HelixSFTTrainer"]

logger = logging.getLogger(__name__)


@dataclass
class HelixSFTConfig(SFTConfig):
    r"""
    Configuration of one Helix training stage: TRL's ``SFTConfig`` plus the HLX fields.

    Parameters:
        > Parameters that control the curriculum

        phase (`str`, *optional*, defaults to `"general"`):
            Curriculum phase of this stage: `general`, `specialist` or `coordinator`.
        track (`str`, *optional*, defaults to `"general"`):
            Corpus track the stage trains on.
        checkpoint_every_epochs (`int`, *optional*, defaults to `10`):
            Save (and let the watchdog grade) a checkpoint every N epochs and after the last one.

    > [!NOTE]
    > These parameters have defaults different from [`~trl.SFTConfig`]:
    > - `bf16`: `None` means on only when CUDA is available (TRL: on unless `fp16`).
    > - `activation_checkpointing` (alias `gradient_checkpointing`): `None` means on only when CUDA is
    >   available (TRL: `True`).
    > - `save_strategy`: `"no"`; checkpoints follow `checkpoint_every_epochs` instead.
    > - `report_to`: `"none"`.
    > - `completion_only_loss`: `True` (TRL: decided by the dataset).
    > - `compact_loss` (Helix): `None` means on without CUDA (see :class:`HelixSFTTrainer`).
    """

    phase: str = field(default="general", metadata={
        "help": "Curriculum phase of this stage.", "choices": ["general", "specialist", "coordinator"]})
    track: str = field(default="general", metadata={
        "help": "Corpus track of this stage.", "choices": ["general", "ascii", "runic", "coordinator"]})
    checkpoint_every_epochs: int = field(default=10, metadata={
        "help": "Save and grade a checkpoint every N epochs (and after the last epoch)."})

    bf16: bool | None = field(default=None, metadata={
        "help": "bf16 mixed precision; None = on only when CUDA is available."})
    activation_checkpointing: bool | None = field(default=None, metadata={
        "help": "Activation (gradient) checkpointing; None = on only when CUDA is available."})
    gradient_checkpointing: bool | None = field(default=None, metadata={
        "help": "Deprecated alias of `activation_checkpointing` (transformers 5)."})
    save_strategy: str = field(default="no", metadata={
        "help": "Left to `checkpoint_every_epochs`."})
    report_to: str | list[str] = field(default="none", metadata={"help": "Integrations to report to."})
    completion_only_loss: bool | None = field(default=True, metadata={
        "help": "Loss on the completion only (prompt and padding masked)."})
    compact_loss: bool | None = field(default=None, metadata={
        "help": "Project only the positions that carry labels through the LM head (plain "
                "cross-entropy via `logits_to_keep`). None = on without CUDA, where TRL's fused head "
                "scores every position in torch tiles; with Qwen3's 151k vocabulary that dominates."})

    def __post_init__(self):
        cuda = torch.cuda.is_available() and not self.use_cpu
        if self.bf16 is None:
            self.bf16 = cuda and not self.fp16
        if self.activation_checkpointing is None and self.gradient_checkpointing is None:
            self.activation_checkpointing = cuda
        if self.compact_loss is None:
            self.compact_loss = not cuda
        if self.checkpoint_every_epochs < 1:
            raise ValueError(f"`checkpoint_every_epochs` must be >= 1, got {self.checkpoint_every_epochs}")
        if self.bf16 and not cuda:
            warnings.warn("`bf16=True` without CUDA is slow and often unsupported on CPU; set "
                          "`training.bf16: auto` (or false) for CPU runs", FutureWarning, stacklevel=3)
        super().__post_init__()


def _tri(value: str) -> bool | None:
    return None if value == "auto" else value == "true"


def make_sft_config(cfg: HelixConfig, stage: Stage, output_dir: str | Path, *,
                    learning_rate: float | None = None, batch_size: int | None = None,
                    **overrides) -> HelixSFTConfig:
    """The SFT config of ``stage`` from the run config (``learning_rate``/``batch_size`` as adjusted
    by the drift controller)."""
    t = cfg.training
    kwargs = dict(
        output_dir=str(output_dir), num_train_epochs=stage.epochs, phase=stage.phase,
        track=stage.track, checkpoint_every_epochs=cfg.curriculum.checkpoint_every,
        learning_rate=learning_rate if learning_rate is not None else t.learning_rate,
        lr_scheduler_type=t.lr_scheduler_type, warmup_steps=t.warmup_steps,
        weight_decay=t.weight_decay,
        per_device_train_batch_size=batch_size or t.per_device_train_batch_size,
        per_device_eval_batch_size=t.per_device_eval_batch_size,
        gradient_accumulation_steps=t.gradient_accumulation_steps, max_grad_norm=t.max_grad_norm,
        adam_beta2=t.adam_beta2,
        max_length=t.max_length, bf16=_tri(t.bf16), activation_checkpointing=_tri(t.gradient_checkpointing),
        packing=t.packing, logging_steps=t.logging_steps, seed=t.seed, data_seed=t.seed,
        train_sampling_strategy="group_by_length" if t.group_by_length else "random",
        use_cpu=t.use_cpu, save_total_limit=None, disable_tqdm=True, dataset_num_proc=None,
        logging_first_step=True,
    )
    kwargs.update(overrides)
    return HelixSFTConfig(**kwargs)


class EpochCheckpoints(TrainerCallback):
    """Save (and evaluate) every ``args.checkpoint_every_epochs`` epochs and after the last one."""

    def on_epoch_end(self, args, state, control, **kwargs):
        epoch = round(state.epoch or 0)
        if epoch % args.checkpoint_every_epochs == 0 or epoch >= math.ceil(args.num_train_epochs):
            control.should_save = True
        return control


class JsonlLog(TrainerCallback):
    """Append every ``Trainer.log`` record (with step and epoch) to a JSONL file, rank 0 only."""

    def __init__(self, path: str | Path, **extra):
        self.path = Path(path)
        self.extra = extra

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        row = {"step": state.global_step, "epoch": state.epoch, **self.extra, **logs}
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")


class InitialLossCheck(TrainerCallback):
    """At step 0, measure the loss on one batch and warn loudly when it is implausible."""

    def __init__(self):
        self.loss: float | None = None
        self.problem: str | None = None

    def on_train_begin(self, args, state, control, model=None, train_dataloader=None, **kwargs):
        if state.global_step > 0 or train_dataloader is None or model is None:
            return  # resumed: the check is for fresh starts only
        batch = next(iter(train_dataloader))
        self.loss = initial_loss(model, batch)
        vocab = model.get_output_embeddings().weight.shape[0]
        self.problem = plausible_initial_loss(self.loss, vocab)
        if self.problem:
            logger.warning("!" * 72 + "\nSTEP-0 SANITY CHECK: %s\n" + "!" * 72, self.problem)
            warnings.warn(f"step-0 sanity check: {self.problem}", RuntimeWarning, stacklevel=2)
        else:
            logger.info("step-0 loss %.4f is plausible (ln(vocab) = %.3f)", self.loss, math.log(vocab))


@torch.no_grad()
def initial_loss(model, batch: dict) -> float:
    """Mean completion-token loss of ``model`` on one collated batch."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    inputs = {k: v.to(device) for k, v in batch.items() if k in ("input_ids", "attention_mask", "labels",
                                                                  "position_ids")}
    out = model(**inputs)
    if was_training:
        model.train()
    return float(out.loss)


class HelixSFTTrainer(SFTTrainer):
    """``SFTTrainer`` with an optional compact loss (``args.compact_loss``) for CPU runs.

    The compact loss goes through ``model.forward`` (so DDP and PEFT wrappers behave) with
    ``logits_to_keep`` set to the positions where any row of the batch has a label, and computes
    the same token-mean cross-entropy as TRL. Everything else is TRL's.
    """

    #: Called with a checkpoint's directory just before its optimizer state is written (the
    #: curriculum deletes the previous checkpoint's optimizer state there, so that one optimizer
    #: state is on disk at a time; see ``curriculum.safe_resume``).
    before_optimizer_save: Callable[[str], None] | None = None

    def _save_optimizer_and_scheduler(self, output_dir):
        if self.before_optimizer_save is not None and self.args.should_save:
            self.before_optimizer_save(output_dir)
        super()._save_optimizer_and_scheduler(output_dir)

    def _load_optimizer_and_scheduler(self, checkpoint):
        """TRL's, plus: a checkpoint without optimizer state (the run was killed while the next
        checkpoint's was written) still restores its learning-rate schedule."""
        super()._load_optimizer_and_scheduler(checkpoint)
        if checkpoint is None:
            return
        ckpt = Path(checkpoint)
        if not any(ckpt.glob("optimizer*")) and (ckpt / "scheduler.pt").is_file():
            self.lr_scheduler.load_state_dict(torch.load(ckpt / "scheduler.pt", weights_only=True))

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if not self.args.compact_loss or return_outputs:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        mode = "train" if self.model.training else "eval"
        inputs = _left_align(inputs)
        labels = inputs["labels"][:, 1:]
        keep = (labels != -100).any(0).nonzero().squeeze(-1)  # next-token positions with a label
        kwargs = {k: v for k, v in inputs.items() if k != "labels"}
        logits = model(**kwargs, use_cache=False, logits_to_keep=keep).logits.float()
        target = labels[:, keep]
        mask = target != -100
        per_token = torch.nn.functional.cross_entropy(
            logits.transpose(1, 2), target.clamp(min=0), reduction="none") * mask
        num_tokens = mask.sum() if num_items_in_batch is None else num_items_in_batch
        loss = per_token.sum() / torch.as_tensor(num_tokens).clamp(min=1)
        if self.args.average_tokens_across_devices and num_items_in_batch is not None:
            loss = loss * self.accelerator.num_processes
        with torch.no_grad():
            n_valid = self.accelerator.gather_for_metrics(mask.sum()).sum()
            correct = self.accelerator.gather_for_metrics(((logits.argmax(-1) == target) & mask).sum()).sum()
            self._metrics[mode]["mean_token_accuracy"].append(
                (correct / n_valid).item() if n_valid > 0 else 0.0)
        if mode == "train" and "attention_mask" in inputs:
            self._total_train_tokens += self.accelerator.gather_for_metrics(
                inputs["attention_mask"].sum()).sum().item()
        self._metrics[mode]["num_tokens"] = [self._total_train_tokens]
        return loss


def _left_align(inputs: dict) -> dict:
    """Move right padding to the left, so every row's completion ends in the last column.

    The union of label positions is then as wide as the longest completion instead of spanning
    every prompt length, which is what the compact loss projects through the LM head.  Qwen3's
    rotary attention depends only on relative positions, so the loss is unchanged.  Batches that
    are not right-padded (or carry ``position_ids``) are returned as they are.
    """
    mask = inputs.get("attention_mask")
    if mask is None or "position_ids" in inputs:
        return inputs
    lengths = mask.sum(1)
    width = mask.shape[1]
    cols = torch.arange(width, device=mask.device)
    if not torch.equal(mask.bool(), cols.unsqueeze(0) < lengths.unsqueeze(1)):
        return inputs  # not right-padded
    idx = (cols.unsqueeze(0) - (width - lengths).unsqueeze(1)) % width
    out = dict(inputs)
    for key in ("input_ids", "attention_mask", "labels"):
        out[key] = inputs[key].gather(1, idx)
    return out


def build_trainer(model, tokenizer, args: HelixSFTConfig, train_dataset, eval_dataset=None, *,
                  callbacks=(), peft_config=None) -> SFTTrainer:
    """An ``SFTTrainer`` with the Helix callbacks (epoch checkpoints, step-0 check) added."""
    return HelixSFTTrainer(model=model, args=args, train_dataset=train_dataset,
                      eval_dataset=eval_dataset, processing_class=tokenizer,
                      callbacks=[EpochCheckpoints(), InitialLossCheck(), *callbacks],
                      peft_config=peft_config)
