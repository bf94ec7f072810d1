"""The plan of a run, printed before it starts: stages, steps, tokens, checkpoints and peak disk.

:func:`build_plan` computes, for the chosen model and config, per stage the train records, steps
and tokens (once the corpus is built), the checkpoints the watchdog grades, and the disk the run
needs at its peak under the checkpoint retention of :mod:`helix_train.curriculum`:

* a checkpoint keeps weights only while it is the stage's best or the latest graded one, and
  resume state (optimizer, scheduler, RNG) only while it is the latest; every checkpoint keeps
  its records (grades, metrics, answers);
* with ``curriculum.safe_resume: false`` (the default) the previous checkpoint's optimizer state
  is deleted just before the next one's is written: one optimizer state on disk at a time;
* a finished stage keeps ``result/`` (its best weights, in ``training.save_dtype``) and the
  records; a restart keeps one starting point (``attempt-K-init``).

So while a stage trains, its peak is right after a checkpoint is written: the previous latest
checkpoint's weights, the new checkpoint's weights and optimizer state, the best checkpoint's
weights and a restart starting point, on top of the finished stages' results, the corpus, the
tokenizer, the logs and every checkpoint's records.  The sizes come from the model's shape (a
``meta``-device model: no weights are loaded or downloaded): master-weight bytes per parameter
(4 for fp32, 2 for bf16), AdamW's two moments per trainable parameter, the save dtype for results.

:func:`check_disk` compares the peak with the free space where the run directory will be; the CLI
refuses to start (exit status 2) when it does not fit, unless ``--no-disk-check``.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .config import HelixConfig, Stage, plan

__all__ = ["Sizes", "StagePlan", "RunPlan", "QWEN3_SHAPES", "model_config", "model_sizes",
           "checkpoints_of", "build_plan", "format_plan", "free_bytes", "check_disk",
           "human_bytes", "DiskError"]

#: Shapes of Qwen3 models the plan and ``helix-train bench --random-init`` know without a download.
QWEN3_SHAPES = {
    "Qwen/Qwen3-0.6B": dict(vocab_size=151936, hidden_size=1024, intermediate_size=3072,
                            num_hidden_layers=28, num_attention_heads=16, num_key_value_heads=8,
                            head_dim=128, tie_word_embeddings=True, max_position_embeddings=40960),
    "Qwen/Qwen3-1.7B": dict(vocab_size=151936, hidden_size=2048, intermediate_size=6144,
                            num_hidden_layers=28, num_attention_heads=16, num_key_value_heads=8,
                            head_dim=128, tie_word_embeddings=True, max_position_embeddings=40960),
    "Qwen/Qwen3-4B": dict(vocab_size=151936, hidden_size=2560, intermediate_size=9728,
                          num_hidden_layers=36, num_attention_heads=32, num_key_value_heads=8,
                          head_dim=128, tie_word_embeddings=True, max_position_embeddings=40960),
}
_QWEN3_VOCAB = 151669   # tokens of the Qwen3 tokenizer (the model's embedding has 151,936 rows)
_SMALL = 64 * 1024      # config.json, generation_config.json, training_args.bin, safetensors header
_RESUME_SMALL = 64 * 1024  # scheduler.pt, rng_state.pth
_MARGIN_MODEL = 0.02    # margin on sizes computed from the model's shape
_MARGIN_ESTIMATE = 0.5  # margin on estimated sizes (records, answers, logs)


class DiskError(Exception):
    """The run does not fit on the disk (the message says by how much and what to do)."""


def human_bytes(n: float) -> str:
    """``1.72 GB`` style (decimal units, like ``df -H``).

    >>> human_bytes(0), human_bytes(1234), human_bytes(3.44e9)
    ('0 B', '1.2 kB', '3.44 GB')
    """
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} B"


# --------------------------------------------------------------------------- model sizes

def model_config(cfg: HelixConfig, vocab_size: int | None = None):
    """The ``Qwen3Config`` (or the cached config of another model) of the run's base model,
    without loading weights; None when it cannot be known offline."""
    from transformers import AutoConfig, Qwen3Config

    base = cfg.model.base
    if base == "tiny":
        t = cfg.model.tiny
        default_vocab = cfg.model.bpe_vocab_size if cfg.model.tokenizer == "corpus-bpe" else \
            _QWEN3_VOCAB
        return Qwen3Config(vocab_size=vocab_size or default_vocab,
                           hidden_size=t.hidden_size, intermediate_size=t.intermediate_size,
                           num_hidden_layers=t.num_hidden_layers,
                           num_attention_heads=t.num_attention_heads,
                           num_key_value_heads=t.num_key_value_heads,
                           head_dim=t.hidden_size // t.num_attention_heads,
                           max_position_embeddings=t.max_position_embeddings,
                           tie_word_embeddings=t.tie_word_embeddings)
    if base in QWEN3_SHAPES:
        return Qwen3Config(**QWEN3_SHAPES[base])
    try:
        return AutoConfig.from_pretrained(base)  # a local path, or a cached Hub model
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Sizes:
    """Bytes of what the run writes, for one model."""

    parameters: int
    trainable: int
    checkpoint_weights: int   # a checkpoint's weights (master dtype; LoRA: the adapters)
    optimizer: int            # a checkpoint's optimizer state (AdamW: two moments)
    result: int               # a stage result / restart starting point (save dtype, full model)
    master_dtype: str
    save_dtype: str


def _lora_parameters(model, lora) -> int:
    import torch

    total = 0
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear) and name.split(".")[-1] in lora.target_modules:
            total += lora.r * (module.in_features + module.out_features)
    return total


def model_sizes(cfg: HelixConfig, *, cuda: bool | None = None,
                vocab_size: int | None = None) -> Sizes:
    """Parameter counts and byte sizes for the run's model (``cuda``: whether bf16 autocast would
    be on; None = this machine)."""
    import torch
    from transformers import AutoModelForCausalLM

    conf = model_config(cfg, vocab_size)
    if conf is None:
        raise DiskError(f"cannot size `{cfg.model.base}` without downloading it (no cached config); "
                        f"pass --no-disk-check to start without the disk check")
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(conf)
    params = sum(p.numel() for p in model.parameters())
    train = cfg.training
    if train.bf16 == "auto":  # as helix_train.modeling: bf16 autocast with CUDA
        bf16 = (cuda if cuda is not None else torch.cuda.is_available()) and not train.use_cpu
    else:
        bf16 = train.bf16 == "true"
    master = 2 if train.master_weights == "bf16" and bf16 else 4
    save = {"fp32": 4, "bf16": 2}.get(train.save_dtype, 2 if bf16 else 4)
    lora = train.method == "lora"
    trainable = _lora_parameters(model, train.lora) if lora else params
    ckpt_weights = trainable * (4 if lora else master)
    return Sizes(parameters=params, trainable=trainable, checkpoint_weights=ckpt_weights + _SMALL,
                 optimizer=trainable * 2 * (4 if lora else master) + _RESUME_SMALL,
                 result=params * save + _SMALL, master_dtype="fp32" if master == 4 else "bf16",
                 save_dtype="fp32" if save == 4 else "bf16")


# --------------------------------------------------------------------------- the plan

def checkpoints_of(epochs: int, every: int) -> int:
    """Checkpoints of a stage: every ``every`` epochs and after the last one.

    >>> checkpoints_of(75, 10), checkpoints_of(250, 10), checkpoints_of(3, 1)
    (8, 25, 3)
    """
    return epochs // every + (1 if epochs % every else 0)


@dataclass
class StagePlan:
    """One stage of the plan."""

    model: str
    phase: str
    track: str
    epochs: int
    checkpoints: int
    records: int | None = None
    steps: int | None = None
    tokens: int | None = None
    shared: bool = False           # copied from another specialist's phase 1
    peak_bytes: int = 0            # the stage's own disk at its peak (margins included)
    kept_bytes: int = 0            # what the finished stage keeps (margins included)
    peak: tuple = (0, 0)           # (model-derived, estimated) bytes at the stage's peak
    kept: tuple = (0, 0)           # (model-derived, estimated) bytes the finished stage keeps


@dataclass
class RunPlan:
    """The plan of a whole run."""

    name: str
    base: str
    method: str
    sizes: Sizes
    stages: list[StagePlan] = field(default_factory=list)
    lanes: int = 1
    fixed_bytes: int = 0           # corpus, tokenizer, logs, report
    final_bytes: int = 0           # final models
    peak_bytes: int = 0            # the plan's answer, margins included
    peak_at: str = ""
    safe_resume: bool = False

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def _measure(path: Path) -> int:
    from .curriculum import dir_bytes

    return dir_bytes(path) if path.exists() else 0


def _record_bytes(cfg: HelixConfig, val: list[dict] | None) -> int:
    """A checkpoint's records: validation.jsonl (prompt, expected, answer, grade per row),
    watchdog.json, checkpoint_report.txt."""
    rows = cfg.watchdog.val_limit or (len(val) if val else 512)
    if val:
        rows = min(rows, len(val))
        per = max(len(str(r).encode()) for r in val[:rows])
    else:
        per = 1500
    answer = _answer_bytes(cfg.watchdog.max_new_tokens, val)
    return rows * (per + answer + 300) + 16 * 1024 + 4 * 1024 * (cfg.watchdog.llm_wrong_answers
                                                                 if cfg.watchdog.mode != "rules"
                                                                 else 0)


def _answer_bytes(max_new_tokens: int | None, records: list[dict] | None) -> int:
    """Bytes of a generated answer: at most 4 per token of the budget; with no fixed budget (the
    longest reference answer + 10 %), 1.2 × the longest reference answer + 64."""
    if max_new_tokens:
        return 4 * max_new_tokens
    if records:
        return int(1.2 * max(len(r["completion"][-1]["content"].encode()) for r in records)) + 64
    return 2000


def _trainer_state_bytes(steps_so_far: int, logging_steps: int) -> int:
    return 4096 + 600 * (steps_so_far // max(1, logging_steps) + 2)


def build_plan(cfg: HelixConfig, *, run_dir: str | Path | None = None, corpus_dir=None,
               tokenizer=None, lanes: int = 1, cuda: bool | None = None) -> RunPlan:
    """The run's plan; with ``corpus_dir`` (and ``tokenizer``) it also counts records, steps and
    tokens, and measures the corpus.  ``lanes``: stages that train at the same time (CPU lanes or
    one specialist per GPU)."""
    from .data import load_split

    vocab = len(tokenizer) if tokenizer is not None else None
    sizes = model_sizes(cfg, cuda=cuda, vocab_size=vocab)
    c, t, w = cfg.curriculum, cfg.training, cfg.watchdog
    rp = RunPlan(cfg.name, cfg.model.base, t.method, sizes, lanes=max(1, lanes),
                 safe_resume=c.safe_resume)
    tok_bytes = 0
    if run_dir is not None:
        tok_bytes = _measure(Path(run_dir) / "tokenizer")
    if not tok_bytes:
        tok_bytes = 12_000_000 if cfg.model.tokenizer != "corpus-bpe" else 200_000
    corpus_bytes = _measure(Path(corpus_dir)) if corpus_dir is not None else 0
    rp.fixed_bytes = corpus_bytes + tok_bytes + 2_000_000  # + logs and report
    restarts = w.max_restarts + (w.max_interventions if w.intervention == "batch_size" else 0)
    seen_general = False
    for stage in plan(cfg):
        sp = StagePlan(stage.model, stage.phase, stage.track, stage.epochs,
                       checkpoints_of(stage.epochs, c.checkpoint_every))
        sp.shared = c.share_general and stage.phase == "general" and seen_general
        seen_general = seen_general or stage.phase == "general"
        val = None
        if corpus_dir is not None:
            records = load_split(corpus_dir, stage.track, "train")
            val = load_split(corpus_dir, stage.track, "val")
            sp.records = len(records)
            if tokenizer is not None:
                sp.tokens = stage.epochs * _epoch_tokens(records, tokenizer, t.max_length)
            per_step = t.per_device_train_batch_size * t.gradient_accumulation_steps  # per device
            if t.packing and sp.tokens is not None:
                rows = math.ceil(sp.tokens / stage.epochs / t.max_length)
            else:
                rows = sp.records
            sp.steps = stage.epochs * math.ceil(rows / per_step)
        rec = _record_bytes(cfg, val)
        n_graded = sp.checkpoints * (1 + restarts)
        steps_each = (sp.steps or 0) // max(1, sp.checkpoints)
        states = sum(_trainer_state_bytes(k * steps_each, t.logging_steps)
                     for k in range(1, sp.checkpoints + 1)) * (1 + restarts)
        test = (cfg.gates.test_limit or 1000) * (1500 + _answer_bytes(cfg.eval.max_new_tokens,
                                                                      val))
        estimated = n_graded * rec + states + test  # records, answers, trainer state
        weights = sizes.checkpoint_weights + tok_bytes  # the Trainer saves the tokenizer too
        optim = (2 if c.safe_resume else 1) * sizes.optimizer
        if t.method == "lora":  # adapters; their bases: the current attempt's and the best's
            training = 3 * weights + optim + (2 * sizes.result if restarts else 0)
        else:  # best, previous latest and new checkpoint; right after a restart: best, its copy
            training = max(3 * weights + optim,  # as the starting point, and the new checkpoint
                           2 * weights + optim + (sizes.result if restarts else 0))
        finishing = 2 * weights + sizes.result + (2 * sizes.result if t.method == "lora" else 0)
        sp.kept = (sizes.result, estimated)
        sp.peak = (0 if sp.shared else max(training, finishing), estimated)
        sp.kept_bytes, sp.peak_bytes = _margined(sp.kept), _margined(sp.peak)
        rp.stages.append(sp)
    rp.final_bytes = len(c.models) * (tok_bytes + 100_000)  # hard links to the results + tokenizer
    kept = [s.kept for s in rp.stages]
    best, where = (0, 0), ""
    for i, sp in enumerate(rp.stages):
        if rp.lanes > 1:  # lanes overlap: every other stage may be finished, and more at their peak
            others = sorted((s.peak for j, s in enumerate(rp.stages) if j != i),
                            key=_margined, reverse=True)[:rp.lanes - 1]
            parts = [k for j, k in enumerate(kept) if j != i] + [sp.peak, *others]
        else:
            parts = [*kept[:i], sp.peak]
        total = (sum(x[0] for x in parts), sum(x[1] for x in parts))
        if _margined(total) > _margined(best):
            best, where = total, f"{sp.model} / {sp.phase}"
    end = (sum(x[0] for x in kept), sum(x[1] for x in kept) + rp.final_bytes)
    if _margined(end) > _margined(best):
        best, where = end, "final models"
    rp.peak_bytes = _margined((best[0], best[1] + rp.fixed_bytes))
    rp.peak_at = where
    return rp


def _margined(part: tuple[int, int]) -> int:
    """Bytes with the plan's margins: 2 % on what the model's shape gives (weights, optimizer
    state), 50 % on the estimated rest (records, answers, logs, corpus)."""
    return int(part[0] * (1 + _MARGIN_MODEL) + part[1] * (1 + _MARGIN_ESTIMATE))


def _epoch_tokens(records: list[dict], tokenizer, max_length: int) -> int:
    from .modeling import render_prompt

    total = 0
    for r in records:
        text = render_prompt(tokenizer, r["prompt"]) + r["completion"][-1]["content"]
        total += min(max_length, len(tokenizer(text, add_special_tokens=False)["input_ids"]) + 2)
    return total


def format_plan(rp: RunPlan) -> str:
    """The plan as text: one line per stage, then the sizes and the peak."""
    s = rp.sizes
    lines = [f"plan of `{rp.name}`: {rp.base} ({s.parameters / 1e6:,.2f} M parameters, "
             f"{rp.method} fine-tuning, {s.master_dtype} master weights, results in "
             f"{s.save_dtype})",
             f"  {'stage':<52} {'epochs':>6} {'records':>8} {'steps':>8} {'tokens':>14} "
             f"{'checkpoints':>11}"]
    for sp in rp.stages:
        name = f"{sp.model} / {sp.phase} ({sp.track})"
        shown = lambda x: "-" if x is None else f"{x:,}"  # noqa: E731
        note = "  (copied from phase 1 of the first specialist)" if sp.shared else ""
        lines.append(f"  {name:<52} {sp.epochs:>6} {shown(sp.records):>8} {shown(sp.steps):>8} "
                     f"{shown(sp.tokens):>14} {sp.checkpoints:>11}{note}")
    lines.append(f"  per checkpoint with weights: {human_bytes(s.checkpoint_weights)}; optimizer "
                 f"state: {human_bytes(s.optimizer)}; stage result / final model: "
                 f"{human_bytes(s.result)}")
    lines.append(f"  peak disk: {human_bytes(rp.peak_bytes)} (at {rp.peak_at}; weights of the "
                 f"best and the latest checkpoint of a stage, {'two optimizer states' if rp.safe_resume else 'one optimizer state'}; margins 2 % on weights, 50 % on the rest"
                 f"{'; ' + str(rp.lanes) + ' stages at once' if rp.lanes > 1 else ''})")
    return "\n".join(lines)


def free_bytes(path: str | Path) -> int:
    """Free bytes on the file system that holds ``path`` (or would: its nearest existing parent)."""
    p = Path(path).resolve()
    while not p.exists():
        p = p.parent
    return shutil.disk_usage(p).free


def check_disk(rp: RunPlan, path: str | Path, *, used: int = 0) -> str:
    """A line saying the run fits; :class:`DiskError` when the free space at ``path`` (plus
    ``used``: what the run directory already holds, on resume) is below the plan's peak."""
    free = free_bytes(path)
    if free + used < rp.peak_bytes:
        raise DiskError(
            f"not enough disk for this run: its plan needs {human_bytes(rp.peak_bytes)} at the "
            f"peak ({rp.peak_at}) and {Path(path)} has {human_bytes(free)} free"
            + (f" (+ {human_bytes(used)} it already holds)" if used else "")
            + ". Free some space, choose another --out, or pass --no-disk-check to start anyway.")
    return (f"disk: {human_bytes(free)} free at {Path(path)}, the plan needs "
            f"{human_bytes(max(0, rp.peak_bytes - used))} more: OK")
