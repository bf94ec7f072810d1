"""Shared helpers of the language-service tests: positions by needle, the spec's example
sources, and the program strategies of ``tests/lang`` (imported from there, not copied)."""

from __future__ import annotations

import sys
from pathlib import Path

_LANG = str(Path(__file__).resolve().parents[1] / "lang")
if _LANG not in sys.path:
    sys.path.insert(0, _LANG)

from program_strategies import programs, value_literals
from spec_vectors import DIAG_SRC, HOVER_SRC, at

__all__ = ["DIAG_SRC", "EXAMPLES", "HOVER_SRC", "at", "programs", "value_literals"]

ROOT = Path(__file__).resolve().parents[2]
#: Every example program: (path, track).
EXAMPLES = sorted((p, "hlx" if p.suffix == ".hlx" else "hlxl")
                  for p in (ROOT / "examples" / "programs").glob("*.hlx*"))


def end_of(src: str) -> tuple[int, int]:
    """The position at the very end of ``src``."""
    return src.count("\n"), len(src) - (src.rfind("\n") + 1)
