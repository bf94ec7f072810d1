"""Throw-away installs of the project wheel, as a user gets them, for the tests that need one.

:func:`build_wheel` builds ``helix_hlx-*.whl`` from a copy of the checkout (offline, with the
running interpreter's setuptools).  :func:`core_env` makes a plain venv (no
``--system-site-packages``: it sees neither the base interpreter's site-packages nor ``.venv``'s),
installs the wheel there with ``--no-deps``, and adds the core dependencies, and only those, by
linking their installed files from the running environment (``.venv``): the closure of the
wheel's unconditional requirements, found through ``importlib.metadata``.  Nothing is downloaded,
and no extra (torch, transformers, pygls, fastapi …) is importable there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("helix_lang", "grammars", "helix_corpus", "helix_train", "helix_moe")


def build_wheel(tmp: Path) -> Path:
    """The project wheel, built from a copy of the checkout into ``tmp/dist``."""
    src = tmp / "src"
    src.mkdir()
    for item in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / item).exists():
            shutil.copyfile(ROOT / item, src / item)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, src / pkg, ignore=ignore)
    dist = tmp / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(dist), "-q"],
        capture_output=True, text=True, timeout=300, cwd=tmp)
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = dist.glob("helix_hlx-*.whl")
    return wheel


def core_distributions(project: str = "helix-hlx") -> dict[str, metadata.Distribution]:
    """The installed distributions that ``project`` needs without any extra (transitively)."""
    todo = list(metadata.requires(project) or [])
    found: dict[str, metadata.Distribution] = {}
    while todo:
        req = Requirement(todo.pop())
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name not in found:
            found[name] = metadata.distribution(req.name)
            todo.extend(found[name].requires or [])
    return found


def _site_packages(venv: Path) -> Path:
    (site,) = (venv / "lib").glob("python3*/site-packages")
    return site


@dataclass(frozen=True)
class CoreEnv:
    """A venv holding the project wheel and its core dependencies only."""

    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def site_packages(self) -> Path:
        return _site_packages(self.venv)

    def env(self) -> dict[str, str]:
        """The environment to run its programs in: its ``bin`` first on PATH, no PYTHONPATH,
        no user site-packages, no hub access."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
        env.update(PATH=os.pathsep.join([str(self.venv / "bin"), os.environ.get("PATH", "")]),
                   PYTHONNOUSERSITE="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        return env

    def run(self, *args: str, cwd: Path | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
        """Run ``args`` (a program in the venv's ``bin``, or ``python`` …) inside the venv."""
        exe = self.venv / "bin" / args[0]
        return subprocess.run([str(exe), *args[1:]], capture_output=True, text=True,
                              timeout=timeout, cwd=cwd or self.venv, env=self.env())


def core_env(tmp: Path, wheel: Path) -> CoreEnv:
    """A plain venv in ``tmp/venv`` with ``wheel`` and its core dependencies (see above)."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    env = CoreEnv(venv)
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(env.python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)],
        capture_output=True, text=True, timeout=300, cwd=tmp)
    assert install.returncode == 0, install.stdout + install.stderr
    site = env.site_packages
    for dist in core_distributions().values():
        assert dist.files, f"{dist.metadata['Name']} has no RECORD to link its files from"
        for top in {f.parts[0] for f in dist.files} - {"..", "__pycache__"}:
            target = Path(dist.locate_file(top))
            if target.exists() and not (site / top).exists():
                (site / top).symlink_to(target)
    return env
