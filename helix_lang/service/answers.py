"""The canonical text answers of HLX-SPEC §12 for the operations of §14, in one function.

``answer(op, track, source, line, col, new_name)`` is what a corpus generator or a conformance
runner calls: it returns exactly the answer text of §12 (lines joined with LF, no trailing LF,
"empty" is ``""``; positions ``L:C``, 0-based).

>>> src = "program p { block main() { let x = 1; return x + y; } }"
>>> answer("diagnostics", "hlxl", src)
'0:49 E_UNDEFINED_NAME y'
>>> answer("hover", "hlxl", src, 0, 45)
'type: Int\\nlet x'
>>> answer("references", "hlx", "⟠ p { ◇ main() { ⊢ x = 1; ↩ x; } }", 0, 19)
'0:19\\n0:28'
"""

from __future__ import annotations

from .analysis import TRACKS, analyze
from .completion import complete
from .diagnostics import diagnostics, render
from .hover import hover
from .navigation import definition, references, rename
from .refactor import convert_contract, format_document, sort_fields

__all__ = ["OPS", "answer"]

#: The language-service operations of §14 and whether each needs a position / a new name.
OPS = {
    "diagnostics": (False, False), "hover": (True, False), "type": (True, False),
    "completion": (True, False), "definition": (True, False), "references": (True, False),
    "rename": (True, True), "sort_fields": (False, False), "convert_contract": (True, False),
    "format": (False, False),
}


def answer(op: str, track: str, source: str, line: int | None = None, col: int | None = None,
           new_name: str | None = None) -> str:
    """The canonical answer of operation ``op`` (§14) on ``source`` in ``track``.

    ``line``/``col`` are 0-based (column in code points) and required by the operations that take
    a position; ``new_name`` is required by ``rename``.  Raises ``ValueError`` for an unknown
    operation or track, or a missing argument.
    """
    if op not in OPS:
        raise ValueError(f"unknown operation `{op}`; expected one of {', '.join(OPS)}")
    if track not in TRACKS:
        raise ValueError(f"track must be `hlxl` or `hlx`, not `{track}`")
    needs_pos, needs_name = OPS[op]
    if needs_pos and (line is None or col is None):
        raise ValueError(f"`{op}` needs a position: pass `line` and `col` (0-based)")
    if needs_name and new_name is None:
        raise ValueError("`rename` needs `new_name`")
    a = analyze(source, track)
    if op == "diagnostics":
        return render(diagnostics(a))
    if op == "hover":
        h = hover(a, line, col)
        return h.render() if h is not None else ""
    if op == "type":
        h = hover(a, line, col)
        return h.type if h is not None and h.type is not None else ""
    if op == "completion":
        return complete(a, line, col).render()
    if op == "definition":
        d = definition(a, line, col)
        return "" if d is None else str(d.start)
    if op == "references":
        return "\n".join(str(r.start) for r in references(a, line, col))
    if op == "rename":
        return rename(a, line, col, new_name).render()
    if op == "sort_fields":
        return sort_fields(source, track=track).text
    if op == "convert_contract":
        return convert_contract(a, line, col).text
    return format_document(source, track=track).text
