"""Definition, references, rename (HLX-SPEC §12.8, §12.9) and the document outline.

Symbols come from the static resolution of §12.2 (:mod:`helix_lang.hlxl.resolve`), so every
answer follows the scoping rules — shadowing by ``local``, ``for`` and lambda parameters, the
``let`` that assigns instead of declaring, blocks that cannot see each other's variables.  Rename
replaces the text of exactly the references; it never uses a regular expression on the source.

>>> src = "program p { block main() { let x = 1; let y = x |> (x) { return x; }; return x; } }"
>>> [str(r.start) for r in references(src, 0, 31)]
['0:31', '0:46', '0:77']
>>> rename(src, 0, 31, "total").text
'program p { block main() { let total = 1; let y = total |> (x) { return x; }; return total; } }'
>>> rename(src, 0, 31, "let").render()
'error: E_LC_PARSE'
"""

from __future__ import annotations

from .. import ast as A
from ..hlxl.parser import BUILTINS
from ..hlxl.resolve import definition as _definition
from ..hlxl.resolve import occurrence_at
from ..hlxl.resolve import references as _references
from ..lexical import IDENT_RE, RESERVED
from .analysis import Analysis, analyze
from .model import Edit, Pos, Range, RenameResult, Symbol, apply_edits

__all__ = [
    "check_new_name",
    "definition",
    "document_symbols",
    "prepare_rename",
    "references",
    "rename",
]

_RENAMEABLE = ("table", "block", "variable")


def _symbol(a: Analysis, line: int, col: int, lenient: bool):
    if not (a.loads or lenient) or a.resolution is None:
        return None
    occ = occurrence_at(a.resolution, line, col)
    return occ.symbol if occ is not None else None


def definition(source: str | Analysis, line: int, col: int, *, track: str = "hlxl",
               lenient: bool = False) -> Range | None:
    """The range of the declaring token of the table, block or variable at a 0-based position;
    None for builtins, literals, keywords, … (§12.8)."""
    a = analyze(source, track)
    sym = _symbol(a, line, col, lenient)
    if sym is None:
        return None
    name = _definition(sym)
    return a.range_of_span(name.span) if name is not None else None


def references(source: str | Analysis, line: int, col: int, *, track: str = "hlxl",
               lenient: bool = False) -> list[Range]:
    """The declaring token and every occurrence of the symbol at a 0-based position, sorted
    (§12.8); for a builtin every call and stage name.  Empty when there is no symbol."""
    a = analyze(source, track)
    sym = _symbol(a, line, col, lenient)
    if sym is None:
        return []
    return sorted(a.range_of_span(n.span) for n in _references(sym))


def check_new_name(new_name: str, kind: str) -> str | None:
    """Why ``new_name`` cannot name a symbol of ``kind`` (§12.9), or None when it can."""
    if not isinstance(new_name, str) or not IDENT_RE.match(new_name):
        return (f"`{new_name}` is not a name: use letters, digits and `_`, not starting with a "
                "digit")
    if new_name in RESERVED:
        return f"`{new_name}` is a reserved word; choose another name"
    if kind == "block" and new_name in BUILTINS:
        return f"`{new_name}` is a builtin; a block cannot have its name"
    return None


def prepare_rename(source: str | Analysis, line: int, col: int, *, track: str = "hlxl",
                   lenient: bool = False) -> Range | None:
    """The range of the name that would be renamed at a 0-based position, or None."""
    a = analyze(source, track)
    if not (a.loads or lenient) or a.resolution is None:
        return None
    occ = occurrence_at(a.resolution, line, col)
    if occ is None or occ.symbol.kind not in _RENAMEABLE:
        return None
    return a.range_of_span(occ.name.span)


def rename(source: str | Analysis, line: int, col: int, new_name: str, *,
           track: str = "hlxl", lenient: bool = False) -> RenameResult:
    """Rename the table, block or variable at a 0-based position (§12.9).

    The result's ``text`` is the source with every reference replaced (unchanged when there is
    no such symbol or the source does not load); ``error`` is ``E_LC_PARSE`` when the new name is
    refused, with the reason in ``message``.  ``message`` also warns (without refusing) when the
    new name captures or is captured by another binding — §12.9 does no capture analysis.
    """
    a = analyze(source, track)
    sym = _symbol(a, line, col, lenient)
    if sym is None or sym.kind not in _RENAMEABLE:
        return RenameResult(a.source)
    why = check_new_name(new_name, sym.kind)
    if why is not None:
        return RenameResult(a.source, error="E_LC_PARSE", message=why)
    edits = tuple(Edit(a.range_of_span(n.span), new_name) for n in _references(sym))
    text = apply_edits(a.source, edits)
    return RenameResult(text, edits, message=_capture_warning(a, text, edits, new_name))


def _capture_warning(a: Analysis, text: str, edits: tuple[Edit, ...], new_name: str) -> str:
    """A warning when the renamed text resolves the new name differently (capture)."""
    if not a.loads:
        return ""
    b = analyze(text, a.track)
    if not b.loads:
        return f"the renamed text does not load: {b.first_error()}"
    moved, line, delta = [], -1, 0  # where the renamed tokens are in the new text
    for e in sorted(edits, key=lambda e: e.range.start):
        start = e.range.start
        if start.line != line:
            line, delta = start.line, 0
        moved.append(Pos(start.line, start.col + delta))
        delta += len(new_name) - (e.range.end.col - start.col)
    got = references(b, moved[0].line, moved[0].col)
    if [r.start for r in got] != moved:
        return (f"`{new_name}` is already used in this scope: after the rename some "
                "references resolve to another symbol")
    return ""


def _var_symbols(a: Analysis, block: A.Block) -> list[Symbol]:
    res = a.resolution
    out = []
    for p in block.params:
        out.append(Symbol(p.text, "parameter", a.range_of_span(p.span), a.range_of_span(p.span)))
    seen = set()
    for node in A.walk(block.body):
        name = node.name if isinstance(node, A.Let) else node.var if isinstance(node, A.For) \
            else node.param if isinstance(node, A.Lambda) else None
        if name is None:
            continue
        occ = res.occurrence(name) if res is not None else None
        if occ is None or occ.role != "declare" or id(occ.symbol) in seen:
            continue
        seen.add(id(occ.symbol))
        kind = "parameter" if isinstance(node, A.Lambda) else "variable"
        out.append(Symbol(name.text, kind, a.range_of_span(node.span),
                          a.range_of_span(name.span)))
    return out


def document_symbols(source: str | Analysis, *, track: str = "hlxl") -> list[Symbol]:
    """The outline: tables, then the program with its blocks and their variables (from the
    recovered AST, so a broken text still has one)."""
    a = analyze(source, track)
    f = a.file
    if f is None:
        return []
    out = [Symbol(t.name.text, "table", a.range_of_span(t.span), a.range_of_span(t.name.span))
           for t in f.tables]
    blocks = tuple(Symbol(b.name.text, "block", a.range_of_span(b.span),
                          a.range_of_span(b.name.span), tuple(_var_symbols(a, b)))
                   for b in f.program.blocks)
    out.append(Symbol(f.program.name.text, "program", a.range_of_span(f.program.span),
                      a.range_of_span(f.program.name.span), blocks))
    return out
