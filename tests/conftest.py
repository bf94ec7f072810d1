"""Shared fixtures for every test package."""

from __future__ import annotations

import os

import pytest
from spec_vectors import vectors

# Nothing in the tests may reach a model hub.
for _var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ.setdefault(_var, "1")


@pytest.fixture
def vector_rows():
    """The :func:`spec_vectors.vectors` loader, as a fixture."""
    return vectors
