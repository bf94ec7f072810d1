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


@pytest.fixture(scope="session")
def project_wheel(tmp_path_factory):
    """The project wheel, built once from a copy of the checkout (see ``install_env``)."""
    import install_env

    return install_env.build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def core_install(tmp_path_factory, project_wheel):
    """A throw-away venv with the wheel and the core dependencies only, no extra (``install_env``)."""
    import install_env

    return install_env.core_env(tmp_path_factory.mktemp("core"), project_wheel)
