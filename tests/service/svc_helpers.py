"""Shared helpers of the language-service tests: positions by needle, the spec's example
sources, and the program strategies of ``tests/lang`` (imported from there, not copied)."""

from __future__ import annotations

import sys
from pathlib import Path

_LANG = str(Path(__file__).resolve().parents[1] / "lang")
if _LANG not in sys.path:
    sys.path.insert(0, _LANG)

from program_strategies import programs, value_literals

__all__ = ["DIAG_SRC", "EXAMPLES", "HOVER_SRC", "at", "programs", "value_literals"]

ROOT = Path(__file__).resolve().parents[2]
#: Every example program: (path, track).
EXAMPLES = sorted((p, "hlx" if p.suffix == ".hlx" else "hlxl")
                  for p in (ROOT / "examples" / "programs").glob("*.hlx*"))

#: §12.5's example source.
HOVER_SRC = """program demo {
    block twice(n) { return n * 2; }
    block main() {
        let xs = [1, 2, 3];
        let total = 0;
        for (x in xs) { let total = total + twice(x); }
        return total;
    }
}"""

#: §12.3's example source.
DIAG_SRC = """program p {
    block main() {
        let s = {900: {@0: &h_spirv, @1: "main"}};
        let z = "a" - 1;
        return y;
    }
}"""


def at(src: str, needle: str, k: int = 0, nth: int = 1) -> tuple[int, int]:
    """0-based (line, column) of character ``k`` of the ``nth`` occurrence of ``needle``."""
    i = -1
    for _ in range(nth):
        i = src.index(needle, i + 1)
    i += k
    return src.count("\n", 0, i), i - (src.rfind("\n", 0, i) + 1)


def end_of(src: str) -> tuple[int, int]:
    """The position at the very end of ``src``."""
    return src.count("\n"), len(src) - (src.rfind("\n") + 1)
