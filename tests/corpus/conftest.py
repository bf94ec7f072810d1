"""Fixtures of the corpus tests: small built corpora, made once per session."""

from __future__ import annotations

import pytest
from corpus_helpers import SMALL

from helix_corpus.build import build, generate, sizes_for


@pytest.fixture(scope="session")
def small_build(tmp_path_factory):
    """Every track built once at small sizes: ``(out_dir, results)``."""
    out = tmp_path_factory.mktemp("corpus")
    return out, build(("general", "ascii", "runic", "coordinator"), out, seed=3, sizes=SMALL)


@pytest.fixture(scope="session")
def runic_corpus():
    """The runic corpus in memory, at small sizes."""
    return generate("runic", seed=5, sizes=sizes_for("runic", sizes=SMALL))
