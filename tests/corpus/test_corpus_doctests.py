"""The docstring examples of every helix_corpus module run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import helix_corpus

MODULES = sorted(m.name for m in pkgutil.walk_packages(helix_corpus.__path__, "helix_corpus.")
                 if m.name not in ("helix_corpus.__main__",))


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_no_torch_import():
    import sys

    assert "torch" not in sys.modules
