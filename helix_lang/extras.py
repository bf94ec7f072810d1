"""The optional extras of ``helix-hlx`` as the command lines see them.

``pip install helix-hlx`` installs the core (the language, the corpora); the training, inference,
editor and HTTP commands need an extra.  A command that runs without its extra stops with one
line on stderr that names what to install, and exit status 2, instead of an ImportError:

    helix-train needs the [train] extra: pip install 'helix-hlx[train]'

Each extra is checked by the modules its commands import (found, not imported: no torch start-up);
when an extra is only partly installed, the line also names the modules that are missing.
The names follow ``[project.optional-dependencies]`` in pyproject.toml.
"""

from __future__ import annotations

import importlib.util

import click

__all__ = ["EXTRAS", "MissingExtra", "missing", "require"]

#: Extra → the modules its commands import.
EXTRAS: dict[str, tuple[str, ...]] = {
    "train": ("torch", "transformers", "trl", "peft", "accelerate", "datasets", "yaml",
              "llguidance"),
    "lsp": ("pygls", "lsprotocol"),
    "serve": ("fastapi", "uvicorn"),
}


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def missing(*extras: str) -> dict[str, list[str]]:
    """``{extra: [missing modules]}`` for each of ``extras`` that is not fully installed."""
    out = {}
    for extra in extras:
        absent = [m for m in EXTRAS[extra] if not _installed(m)]
        if absent:
            out[extra] = absent
    return out


class MissingExtra(click.ClickException):
    """A command's extra is not installed: one line on stderr, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


def require(command: str, *extras: str) -> None:
    """Raise :class:`MissingExtra` when ``command`` cannot run because ``extras`` are missing."""
    absent = missing(*extras)
    if not absent:
        return
    names = list(absent)
    what = (f"the [{names[0]}] extra" if len(names) == 1
            else "the " + " and ".join(f"[{n}]" for n in names) + " extras")
    partial = [m for n in names if len(absent[n]) < len(EXTRAS[n]) for m in absent[n]]
    if partial:
        what += f" (missing: {', '.join(partial)})"
    raise MissingExtra(f"{command} needs {what}: pip install 'helix-hlx[{','.join(names)}]'")
