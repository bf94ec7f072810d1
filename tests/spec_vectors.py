"""The conformance vectors of HLX-SPEC §14, read from the repository's copy in ``spec/vectors``
(``../shared/spec`` is upstream; ``tests/test_spec_copy.py`` notices when the two differ).

``vectors(name)`` is a plain function, usable at collection time for ``parametrize``; import it
with ``from spec_vectors import vectors`` (``tests/`` is on ``pythonpath``, see pyproject.toml).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC_DIR = ROOT / "spec"
VECTORS_DIR = SPEC_DIR / "vectors"


@functools.cache
def _load(name: str) -> tuple[dict, ...]:
    file = VECTORS_DIR / (name if name.endswith(".jsonl") else f"{name}.jsonl")
    with open(file, encoding="utf-8") as f:
        return tuple(json.loads(line) for line in f if line.strip())


def vectors(name: str) -> list[dict]:
    """The rows of ``vectors/<name>.jsonl`` (``name`` with or without ``.jsonl``)."""
    return [dict(row) for row in _load(name)]


#: The worked example source of HLX-SPEC §12.5 (hover, type, definition, references, rename).
HOVER_SRC = """program demo {
    block twice(n) { return n * 2; }
    block main() {
        let xs = [1, 2, 3];
        let total = 0;
        for (x in xs) { let total = total + twice(x); }
        return total;
    }
}"""

#: The worked example source of HLX-SPEC §12.3 (diagnostics).
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


#: §7's table of non-canonical HLXL value literals and their canonical form.
SPEC7_NONCANONICAL = [
    ('b"data"', 'x"64617461"'),
    ('b"\\x00\\xFF\\n"', 'x"00ff0a"'),
    ("[1,2] // list", "[1, 2]"),
    ("{ 14 : { @0 : 42 } }", "{14: {@0: 42}}"),
    ('contract 902 { pipeline_id: "p", stages: [&h_a] }', '{902: {@0: "p", @1: [&h_a]}}'),
    ('contract 820 { op_code: 1, "table": "main", handle: &h_x }',
     '{820: {@0: 1, @1: "main", @2: &h_x}}'),
    ('contract 1000 { op: "read", @1: &h_f }', '{1000: {@0: "read", @1: &h_f}}'),
    ('"e\\u{301}"', '"é"'),
    ("-0.0", "0.0"),
]
