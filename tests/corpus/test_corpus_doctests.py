"""The docstring examples of every helix_corpus module run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import subprocess
import sys

import pytest

import helix_corpus

MODULES = sorted(m.name for m in pkgutil.walk_packages(helix_corpus.__path__, "helix_corpus.")
                 if m.name not in ("helix_corpus.__main__",))


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_building_a_corpus_never_imports_torch(tmp_path):
    # In a fresh interpreter: the test session itself may already hold torch (tests/train).
    code = ("import sys, helix_corpus.build, helix_corpus.cli; "
            "from click.testing import CliRunner; "
            "r = CliRunner().invoke(helix_corpus.cli.cli, "
            "['build', '--track', 'coordinator', '--out', sys.argv[1]]); "
            "assert r.exit_code == 0, r.output; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"
