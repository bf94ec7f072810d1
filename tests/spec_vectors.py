"""The conformance vectors of HLX-SPEC §14, read from ``../shared/spec/vectors`` (never copied).

``vectors(name)`` is a plain function, usable at collection time for ``parametrize``; import it
with ``from spec_vectors import vectors`` (``tests/`` is on ``pythonpath``, see pyproject.toml).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VECTORS_DIR = ROOT.parent / "shared" / "spec" / "vectors"


@functools.cache
def _load(name: str) -> tuple[dict, ...]:
    file = VECTORS_DIR / (name if name.endswith(".jsonl") else f"{name}.jsonl")
    with open(file, encoding="utf-8") as f:
        return tuple(json.loads(line) for line in f if line.strip())


def vectors(name: str) -> list[dict]:
    """The rows of ``vectors/<name>.jsonl`` (``name`` with or without ``.jsonl``)."""
    return [dict(row) for row in _load(name)]
