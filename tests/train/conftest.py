"""Shared fixtures of the helix_train tests: offline mode, a small corpus BPE tokenizer, a tiny Qwen3.

The tokenizer is the ``corpus-bpe`` one that ``tiny-cpu`` uses (STYLE.md rule 20): a byte-level BPE
trained in code on the fixture corpus' train splits, with Qwen3's chat-template tokens and TRL's
Qwen3 chat template, built once per session and saved under ``tmp_path_factory``.  Its small
vocabulary keeps the LM head cheap, which is most of what a CPU step with Qwen3's 151k tokens
costs.  Models are built fresh per test from a fixed seed, so tests never share mutable state.  The
fixture corpus lives in ``data/`` and is regenerated with
``python -m helix_train.minicorpus tests/train/data fixture``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

for _var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ[_var] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = Path(__file__).parent / "data"
#: Vocabulary of the test tokenizer: the 256 bytes, the chat tokens and a few hundred merges.
TEST_VOCAB = 512


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The fixture corpus: ``<track>/<split>.jsonl`` for the four tracks."""
    return DATA


@pytest.fixture(scope="session")
def tokenizer(tmp_path_factory):
    """A ``corpus-bpe`` tokenizer trained on the fixture train splits, saved and reloaded."""
    pytest.importorskip("trl")
    from helix_train.data import TRACKS, load_split
    from helix_train.modeling import load_tokenizer, tokenizer_texts, train_corpus_tokenizer

    records = [r for t in TRACKS for r in load_split(DATA, t, "train")]
    path = tmp_path_factory.mktemp("tokenizer")
    train_corpus_tokenizer(tokenizer_texts(records), TEST_VOCAB).save_pretrained(path)
    return load_tokenizer(str(path))


@pytest.fixture(scope="session")
def tiny_config():
    """The ``tiny-cpu`` preset, shrunk for unit tests."""
    from helix_train.config import load_preset

    cfg = load_preset("tiny-cpu")
    cfg.model.tiny.hidden_size = 32
    cfg.model.tiny.intermediate_size = 64
    cfg.model.bpe_vocab_size = TEST_VOCAB
    cfg.training.per_device_train_batch_size = 8
    cfg.training.logging_steps = 1
    cfg.training.warmup_steps = 0
    cfg.training.lr_scheduler_type = "constant_with_warmup"  # LR checks compare checkpoints
    return cfg


@pytest.fixture
def tiny_model(tokenizer, tiny_config):
    """A fresh random tiny Qwen3 (seeded) covering the test tokenizer's vocabulary."""
    from helix_train.modeling import build_tiny_model

    return build_tiny_model(tokenizer, tiny_config.model.tiny, seed=0)
