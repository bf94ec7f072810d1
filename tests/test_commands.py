"""Every command of ``[project.scripts]``: ``--version`` and ``-h``, ``python -m``, and the one-line
message when an extra is missing (simulated here in-process; ``test_install.py`` checks a real
core-only install).
"""

from __future__ import annotations

import functools
import importlib
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

import helix_lang.lsp
from helix_corpus.core import GENERATOR_VERSION, SPEC_EDITION
from helix_lang import extras
from helix_lang._version import __version__

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SCRIPTS = PYPROJECT["project"]["scripts"]


def _command(name: str):
    module, _, attr = SCRIPTS[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def invoke(name: str, *args: str):
    return CliRunner().invoke(_command(name), list(args), prog_name=name)


def test_the_five_commands():
    assert sorted(SCRIPTS) == ["helix-corpus", "helix-lang", "helix-lsp", "helix-moe",
                               "helix-train"]


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_version(name):
    r = invoke(name, "--version")
    assert r.exit_code == 0, r.output
    expected = f"{name}, version {__version__}"
    if name == "helix-corpus":
        expected += f" (corpus generator {GENERATOR_VERSION}, spec edition {SPEC_EDITION})"
    assert r.stdout == expected + "\n"


@pytest.mark.parametrize("name", sorted(SCRIPTS))
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help(name, flag):
    r = invoke(name, flag)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"Usage: {name} [OPTIONS]")
    assert "-h, --help" in r.stdout


@pytest.mark.parametrize("name, sub", [("helix-lang", "convert"), ("helix-corpus", "build"),
                                       ("helix-train", "run"), ("helix-moe", "ask")])
def test_subcommands_take_h_too(name, sub):
    r = invoke(name, sub, "-h")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"Usage: {name} {sub} [OPTIONS]")


def test_helix_lsp_help_does_not_start_the_server(monkeypatch):
    started = []
    monkeypatch.setattr(helix_lang.lsp, "main", lambda: started.append(True))
    for args in (["--help"], ["-h"], ["--version"]):
        assert invoke("helix-lsp", *args).exit_code == 0
    assert started == []
    assert invoke("helix-lsp").exit_code == 0  # no argument: the server starts
    assert invoke("helix-lang", "lsp").exit_code == 0
    assert started == [True, True]


@pytest.mark.parametrize("module, name", [("helix_lang", "helix-lang"),
                                          ("helix_corpus", "helix-corpus"),
                                          ("helix_train", "helix-train"),
                                          ("helix_moe", "helix-moe")])
def test_python_dash_m_works_like_the_command(module, name):
    r = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True,
                       text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout == invoke(name, "--version").stdout


# --- a missing extra ------------------------------------------------------------------------------

@pytest.fixture
def without(monkeypatch):
    """``without("torch", …)``: those modules look uninstalled to :mod:`helix_lang.extras`."""
    def hide(*modules):
        installed = extras._installed
        monkeypatch.setattr(extras, "_installed", lambda m: m not in modules and installed(m))
    return hide


TRAIN_MODULES = extras.EXTRAS["train"]


@pytest.mark.parametrize("name, args, line", [
    ("helix-train", ["--help"], "helix-train needs the [train] extra: pip install 'helix-hlx[train]'"),
    ("helix-train", ["--version"], "helix-train needs the [train] extra: pip install 'helix-hlx[train]'"),
    ("helix-train", ["resume", "x"], "helix-train needs the [train] extra: pip install 'helix-hlx[train]'"),
    ("helix-moe", ["ask", "x"], "helix-moe ask needs the [train] extra: pip install 'helix-hlx[train]'"),
    ("helix-moe", ["eval"], "helix-moe eval needs the [train] extra: pip install 'helix-hlx[train]'"),
    ("helix-moe", ["info"], "helix-moe info needs the [train] extra: pip install 'helix-hlx[train]'"),
    ("helix-moe", ["serve"], "helix-moe serve needs the [train] and [serve] extras: "
                             "pip install 'helix-hlx[train,serve]'"),
    ("helix-lang", ["lsp"], "helix-lang lsp needs the [lsp] extra: pip install 'helix-hlx[lsp]'"),
    ("helix-lsp", [], "helix-lsp needs the [lsp] extra: pip install 'helix-hlx[lsp]'"),
])
def test_a_missing_extra_is_one_line_and_exit_2(without, name, args, line):
    without(*TRAIN_MODULES, "pygls", "lsprotocol", "fastapi", "uvicorn")
    r = invoke(name, *args)
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", line + "\n")


def test_a_partly_installed_extra_names_the_missing_modules(without):
    without("yaml")
    r = invoke("helix-train", "-h")
    assert r.stderr == ("helix-train needs the [train] extra (missing: yaml): "
                        "pip install 'helix-hlx[train]'\n")
    without("yaml", "uvicorn")
    r = invoke("helix-moe", "serve")
    assert r.stderr == ("helix-moe serve needs the [train] and [serve] extras (missing: yaml, "
                        "uvicorn): pip install 'helix-hlx[train,serve]'\n")
    assert r.exit_code == 2


def test_the_moe_help_needs_no_extra(without):
    without(*TRAIN_MODULES, "fastapi", "uvicorn")
    for args in (["-h"], ["--version"], ["serve", "-h"], ["ask", "--help"]):
        assert invoke("helix-moe", *args).exit_code == 0, args


@functools.cache
def _providers() -> dict[str, list[str]]:
    return metadata.packages_distributions()


@pytest.mark.parametrize("extra", sorted(extras.EXTRAS))
def test_each_checked_module_comes_from_its_extra(extra):
    """The modules :mod:`helix_lang.extras` checks are installed by that extra of pyproject.toml
    (so the message never sends anyone to an extra that would not help)."""
    requirements = PYPROJECT["project"]["optional-dependencies"][extra]
    wanted = {r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0]
              .strip().lower().replace("_", "-") for r in requirements}
    providers = _providers()
    for module in extras.EXTRAS[extra]:
        dists = {d.lower().replace("_", "-") for d in providers.get(module, [])}
        assert dists & wanted, f"`{module}` ({dists}) is not installed by [{extra}]"
