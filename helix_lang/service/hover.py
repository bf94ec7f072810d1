"""Hover and type inference (HLX-SPEC §12.5) on both tracks.

The canonical answer comes from :meth:`helix_lang.hlxl.types.TypeInfo.hover_at` (static types of
§12.4 over the resolution of §12.2); this module adds the token's range and the longer
documentation an editor shows: registry rows for contracts and fields, spec summaries for builtins,
keywords and ``ls.`` operations, the comment written above a block, where a variable was declared.

>>> src = "program p {\\n    // Doubles n.\\n    block twice(n) { return n * 2; }\\n}"
>>> h = hover(src, 2, 11)
>>> h.render()
'type: Fn(Any) -> Any\\nblock twice'
>>> h.documentation.splitlines()[-1]
'Doubles n.'
"""

from __future__ import annotations

from bisect import bisect_right

from .. import ast as A
from ..contracts import REGISTRY
from ..errors import HLXError
from ..formats import hlxl as hlxl_value
from ..hlxl.types import value_literal
from ..lexical import RESERVED
from . import docs
from .analysis import Analysis, analyze
from .model import Hover

__all__ = ["hover", "type_at"]


def _token(a: Analysis, line: int, col: int) -> tuple[int, int] | None:
    """HLXL offsets of the token at a 0-based source position (§12.1): the token containing
    the column, else the one ending exactly at it."""
    if line < 0 or col < 0 or line >= len(a.lines.starts) or col > len(a.lines.line_text(line)):
        return None
    o = a.hlxl_offset(line, col)
    lexed = a.parsed.lexed
    k = bisect_right(lexed.starts, o) - 1
    if k >= 0 and o < lexed.ends[k]:
        return lexed.starts[k], lexed.ends[k]
    if k >= 0 and lexed.ends[k] == o:
        return lexed.starts[k], lexed.ends[k]
    return None


def _nodes(a: Analysis) -> dict[int, object]:
    """Literals and contract entries of the file by the HLXL offset where they start."""
    index = a.cache.get("hover_nodes")
    if index is None:
        index = {}
        for node in A.walk(a.file.program):
            if isinstance(node, A.Literal):
                index[node.span.start] = node
            elif isinstance(node, A.ContractExpr):
                for entry in node.entries:
                    index[entry.label_span.start] = (node, entry)
        a.cache["hover_nodes"] = index
    return index


def _leading_comment(a: Analysis, node: A.Block) -> str:
    """The ``//`` lines (or one block comment) right above a block's declaration."""
    f = a.file
    lines = []
    want = node.span.line - 1
    for c in reversed(f.comments):
        if c.span.end_line > node.span.line or c.span.start >= node.span.start:
            continue
        if c.span.end_line != want:
            break
        text = c.text
        text = text[2:] if text.startswith("//") else text[2:-2]
        lines.append(text.strip())
        want = c.span.line - 1
    return "\n".join(reversed(lines))


def _documentation(a: Analysis, answer: str, start: int, occ) -> str:
    kind_line = answer.split("\n", 1)[1] if "\n" in answer else ""
    if occ is not None:
        sym = occ.symbol
        if sym.kind == "builtin":
            return docs.builtin_doc(sym.name)
        if sym.kind == "block":
            where = a.range_of_span(sym.decl.span).start
            text = f"`block {sym.name}` declared at {where}"
            comment = _leading_comment(a, sym.node)
            return text + ("\n\n" + comment if comment else "")
        if sym.kind == "variable" and sym.decl is not None:
            uses = sum(1 for o in sym.occurrences if o.role == "reference")
            where = a.range_of_span(sym.decl.span).start
            return f"`{kind_line}` declared at {where}; read {uses} time{'s' * (uses != 1)}"
        return ""
    if kind_line.startswith("ls."):
        return docs.keyword_doc(kind_line)
    if kind_line.startswith("contract "):
        return docs.contract_doc(int(kind_line.split()[1]))
    node = _nodes(a).get(start)
    if kind_line.startswith("field ") and isinstance(node, tuple):
        contract, entry = node
        spec = REGISTRY.get(contract.id)
        fs = spec.field_by_index(entry.index) if spec and entry.index is not None else None
        return docs.field_doc(contract.id, fs) if fs else ""
    if kind_line == "literal" and isinstance(node, A.Literal):
        try:
            shown = hlxl_value.dump(value_literal(node))
        except (HLXError, TypeError):
            return ""
        if a.track == "hlx" and node.kind == "handle":
            shown = "⟁" + shown[3:]
        return f"canonical literal: `{shown}`"
    return ""


def hover(source: str | Analysis, line: int, col: int, *, track: str = "hlxl",
          lenient: bool = False) -> Hover | None:
    """The hover at a 0-based (line, column) of ``source`` (§12.5), or None.

    Canonically the source must load (§12.1); with ``lenient`` a broken source is answered from
    its recovered AST, and keywords and tables get documentation-only hovers (``type`` None).
    """
    a = analyze(source, track)
    if not (a.loads or lenient) or a.types is None:
        return None
    tok = _token(a, line, col)
    if tok is None:
        return None
    rng = a.range_of_offsets(*tok)
    answer = a.types.hover_at(line, col)
    occ = a.resolution.occurrences.get(tok)
    if answer:
        type_line, doc = answer.split("\n", 1)
        return Hover(type_line[len("type: "):], doc, rng,
                     _documentation(a, answer, tok[0], occ))
    if not lenient:
        return None
    word = a.hlxl[tok[0]:tok[1]]
    if word in RESERVED:
        return Hover(None, "", rng, docs.keyword_doc(word))
    if occ is not None and occ.symbol.kind == "table":
        where = a.range_of_span(occ.symbol.decl.span).start
        return Hover(None, "", rng, f"`latent table {occ.symbol.name}` declared at {where}")
    return None


def type_at(source: str | Analysis, line: int, col: int, *, track: str = "hlxl",
            lenient: bool = False) -> str | None:
    """The type answer of §12.5: the hover's type, or None where hover is empty."""
    h = hover(source, line, col, track=track, lenient=lenient)
    return h.type if h is not None else None
