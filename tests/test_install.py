"""``pip install helix-hlx`` without extras, as a user gets it: the wheel and its core
dependencies in a throw-away venv (``core_install``, see ``install_env``).  The core commands
work; every command that needs an extra prints one line naming it and exits 2, never a traceback.
"""

from __future__ import annotations

import json

import pytest

from helix_lang._version import __version__

pytestmark = pytest.mark.e2e

EXTRA_MODULES = ("torch", "transformers", "trl", "peft", "accelerate", "datasets", "yaml",
                 "llguidance", "pygls", "lsprotocol", "fastapi", "uvicorn", "anthropic",
                 "lark_cython", "pytest")
CORE_MODULES = ("lark", "blake3", "click", "rich", "jsonschema", "fastjsonschema",
                "helix_lang", "helix_corpus", "helix_train", "helix_moe")

_PROBE = """
import importlib.util, json, sys, sysconfig
print(json.dumps({"found": [m for m in sys.argv[1:] if importlib.util.find_spec(m)],
                  "prefix": sys.prefix, "base_prefix": sys.base_prefix,
                  "purelib": sysconfig.get_paths()["purelib"],
                  "path": [p for p in sys.path if "-packages" in p]}))
"""

TRAIN = "needs the [train] extra: pip install 'helix-hlx[train]'"
LSP = "needs the [lsp] extra: pip install 'helix-hlx[lsp]'"
SERVE = "needs the [train] and [serve] extras: pip install 'helix-hlx[train,serve]'"


def test_only_the_core_is_installed(core_install):
    probe = core_install.run("python", "-c", _PROBE, *EXTRA_MODULES, *CORE_MODULES)
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout)
    assert seen["found"] == list(CORE_MODULES)
    # its own site-packages only: not the base interpreter's, not .venv's
    assert seen["prefix"] == str(core_install.venv) != seen["base_prefix"]
    assert seen["path"] == [seen["purelib"]] == [str(core_install.site_packages)]


@pytest.mark.parametrize("args, line", [
    (["helix-train", "--help"], f"helix-train {TRAIN}"),
    (["helix-train", "-h"], f"helix-train {TRAIN}"),
    (["helix-train", "--version"], f"helix-train {TRAIN}"),
    (["helix-train"], f"helix-train {TRAIN}"),
    (["helix-train", "run", "--preset", "tiny-cpu", "--out", "runs/x"], f"helix-train {TRAIN}"),
    (["helix-train", "report", "."], f"helix-train {TRAIN}"),
    (["python", "-m", "helix_train", "bench"], f"helix-train {TRAIN}"),
    (["helix-moe", "ask", "Rewrite [1] in canonical HLXL."], f"helix-moe ask {TRAIN}"),
    (["helix-moe", "eval", "--run", "r"], f"helix-moe eval {TRAIN}"),
    (["helix-moe", "info"], f"helix-moe info {TRAIN}"),
    (["helix-moe", "serve", "--port", "0"], f"helix-moe serve {SERVE}"),
    (["python", "-m", "helix_moe", "ask", "x"], f"helix-moe ask {TRAIN}"),
    (["helix-lang", "lsp"], f"helix-lang lsp {LSP}"),
    (["helix-lsp"], f"helix-lsp {LSP}"),
    (["python", "-m", "helix_lang", "lsp"], f"helix-lang lsp {LSP}"),
])
def test_commands_that_need_an_extra_say_which_in_one_line(core_install, args, line):
    r = core_install.run(*args)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", line + "\n")


@pytest.mark.parametrize("args, start", [
    (["helix-lang", "--version"], f"helix-lang, version {__version__}\n"),
    (["helix-corpus", "--version"], f"helix-corpus, version {__version__} (corpus generator "),
    (["helix-moe", "--version"], f"helix-moe, version {__version__}\n"),
    (["helix-lsp", "--version"], f"helix-lsp, version {__version__}\n"),
    (["helix-moe", "-h"], "Usage: helix-moe [OPTIONS] COMMAND"),
    (["helix-moe", "serve", "--help"], "Usage: helix-moe serve [OPTIONS]"),
    (["helix-lsp", "-h"], "Usage: helix-lsp [OPTIONS]"),
    (["helix-lang", "lsp", "-h"], "Usage: helix-lang lsp [OPTIONS]"),
    (["python", "-m", "helix_lang", "-h"], "Usage: helix-lang [OPTIONS] COMMAND"),
])
def test_core_commands_answer_version_and_help(core_install, args, start):
    r = core_install.run(*args)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(start) and r.stderr == ""


def test_the_core_converts_and_builds_a_corpus(core_install, tmp_path):
    r = core_install.run("helix-lang", "convert", "--from", "lct", "--to", "lcr",
                         str(core_install.venv.parent / "value.lct"))
    assert r.returncode == 1 and "value.lct" in r.stderr  # a missing file: a message, no traceback
    (tmp_path / "value.lct").write_text("{C:14,0=123}\n")
    r = core_install.run("helix-lang", "convert", "--from", "lct", "--to", "lcr",
                         str(tmp_path / "value.lct"))
    assert (r.returncode, r.stdout) == (0, "🜊14🜁0 123🜂\n"), r.stderr
    r = core_install.run("helix-corpus", "build", "--track", "coordinator", "--out",
                         str(tmp_path / "corpus"), "--size", "train=5", "--size", "val=2",
                         "--size", "test=2")
    assert r.returncode == 0, r.stdout + r.stderr
    manifest = json.loads((tmp_path / "corpus" / "coordinator" / "manifest.json").read_text())
    assert sum(manifest["counts"]["train"].values()) == 5
    assert "Traceback" not in r.stdout + r.stderr
