"""Refactorings (HLX-SPEC §12.10): sort contract fields, convert between the positional and the
named contract form, and format (§12.11, by :func:`helix_lang.hlxl.fmt.format_source`).

All three work on the HLXL text of the document (an HLX text is transliterated, rewritten and
transliterated back, §12.7).  Entry boundaries come from the tokens, so an entry is exactly "the
text from its ``@``/name to the end of its value expression" (parentheses around the value
included) and the separators between entries — commas, spaces, comments — stay where they are.

>>> sort_fields('{14: {@1: "b", @0: "a"}}').text
'{14: {@0: "a", @1: "b"}}'
>>> src = 'program p { block main() { return {902: {@0: "p", @1: [&h_a]}}; } }'
>>> convert_contract(src, 0, 35).text
'program p { block main() { return contract 902 { pipeline_id: "p", stages: [&h_a] }; } }'
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from .. import ast as A
from ..contracts import REGISTRY
from ..errors import HLXError
from ..formats import hlx as hlx_value
from ..formats import hlxl as hlxl_value
from ..hlxl.fmt import format_source
from ..hlxl.parser import load_errors, parse_program
from ..lexical import RESERVED, quote
from ..translit import to_hlx, translit
from .analysis import Analysis, analyze
from .model import Edit, Pos, Range, Rewrite, minimal_edit
from .tokens import Lexed, tokenize

__all__ = ["contract_entries", "convert_contract", "format_document", "sort_fields"]

_OPEN = frozenset(("LBRACE", "LSQB", "LPAR"))
_CLOSE = frozenset(("RBRACE", "RSQB", "RPAR"))


@dataclass(frozen=True, slots=True)
class _Literal:
    """A contract literal's entries: ``(label start, end, value start)`` offsets, the offsets
    just inside its entry braces, and the resolved index of each entry."""

    entries: tuple[tuple[int, int, int], ...]
    inner: tuple[int, int]
    indices: tuple[int | None, ...]


def contract_entries(lexed: Lexed, c: A.ContractExpr) -> _Literal:
    """Locate the entries of contract literal ``c`` in the tokens of its text."""
    k = bisect_left(lexed.starts, c.span.start)
    k += 2 if c.named else 3  # `contract N {` or `{N: {`
    types = lexed.types
    inner_start = lexed.ends[k]
    entries = []
    depth = 0
    first = k + 1
    j = k + 1
    while True:
        ty = types[j]
        if ty in _OPEN:
            depth += 1
        elif ty in _CLOSE and depth:
            depth -= 1
        elif depth == 0 and (ty == "COMMA" or ty == "RBRACE"):
            if j > first:
                entries.append((lexed.starts[first], lexed.ends[j - 1], lexed.starts[first + 2]))
            if ty == "RBRACE":
                break
            first = j + 1
        j += 1
    return _Literal(tuple(entries), (inner_start, lexed.starts[j]),
                    tuple(e.index for e in c.entries))


def _sorted_text(text: str, lit: _Literal) -> str:
    """The inner text of one literal with its entries in ascending index order (stable)."""
    order = sorted(range(len(lit.entries)), key=lambda i: (lit.indices[i] is None,
                                                           lit.indices[i] or 0, i))
    pieces, pos = [], lit.inner[0]
    for slot, i in enumerate(order):
        start, end, _ = lit.entries[slot]
        pieces.append(text[pos:start])
        s, e, _ = lit.entries[i]
        pieces.append(text[s:e])
        pos = end
    pieces.append(text[pos:lit.inner[1]])
    return "".join(pieces)


def _to_track(text: str, track: str) -> str:
    return to_hlx(text) if track == "hlx" else text


def _whole(source: str, new: str) -> Rewrite:
    edit = minimal_edit(source, new)
    return Rewrite(new, () if edit is None else (edit,))


#: A value literal (§7, §8.4) is refactored as the returned expression of a one-block program.
_WRAP = {"hlxl": ("program p { block main() { return ", "\n; } }"),
         "hlx": ("⟠ p { ◇ main() { ↩ ", "\n; } }")}


def _as_value_program(source: str, track: str) -> str | None:
    """``source`` wrapped into a program when it is a value literal, else None."""
    try:
        (hlx_value if track == "hlx" else hlxl_value).parse(source)
    except HLXError as e:
        if e.code not in ("E_FIELD_ORDER", "E_DUPLICATE_FIELD"):
            return None
    head, tail = _WRAP[track]
    return head + source + tail


def _unwrap(text: str, track: str) -> str:
    head, tail = _WRAP[track]
    return text[len(head):len(text) - len(tail)]


def sort_fields(source: str, *, track: str = "hlxl", at: int | None = None) -> Rewrite:
    """Reorder the entries of every contract literal by index, innermost first (§12.10).

    The text must load apart from field-order errors, or be a value literal; otherwise it comes
    back unchanged.  With ``at`` (an offset of ``source``) only the outermost literal around it
    is sorted (the quick fix of ``E_FIELD_ORDER``), nested literals inside it included.
    """
    new = _sort_program(source, track, at)
    if new is None:
        wrapped = _as_value_program(source, track)
        if wrapped is not None:
            head = len(_WRAP[track][0])
            new = _sort_program(wrapped, track, None if at is None else at + head)
            new = None if new is None else _unwrap(new, track)
    return _whole(source, source if new is None else new)


def _sort_program(source: str, track: str, at: int | None) -> str | None:
    """Reorder the entries of every contract literal by index, innermost first (§12.10).

    The text must load apart from field-order errors; otherwise it comes back unchanged.  With
    ``at`` (an offset of ``source``) only the innermost literal around it is sorted (the quick
    fix of ``E_FIELD_ORDER``), nested literals inside it included.
    """
    try:
        f = parse_program(source, track=track, check_order=False)
    except HLXError:
        return None
    if load_errors(f):
        return None
    if track == "hlx":
        mapping = translit(source, "hlxl")
        text, at = mapping.dst, (None if at is None else mapping.index(at))
    else:
        text = source
    lexed = tokenize(text)
    literals = [n for n in A.walk(f.program) if isinstance(n, A.ContractExpr)]
    if at is not None:
        around = [c for c in literals if c.span.start <= at <= c.span.end]
        if not around:
            return source
        outer = min(around, key=lambda c: c.span.start)
        literals = [c for c in literals
                    if outer.span.start <= c.span.start and c.span.end <= outer.span.end]
    # innermost first: a literal's rewrite only moves text inside one entry of its parents
    literals.sort(key=lambda c: c.span.end - c.span.start)
    for c in literals:
        lit = contract_entries(lexed, c)
        text = text[:lit.inner[0]] + _sorted_text(text, lit) + text[lit.inner[1]:]
    return _to_track(text, track)


def _label(cid: int, index: int) -> str:
    spec = REGISTRY.get(cid)
    fs = spec.field_by_index(index) if spec else None
    if fs is None or fs.variadic:
        return f"@{index}"
    return quote(fs.name, ascii_only=False) if fs.name in RESERVED else fs.name


def convert_contract(source: str | Analysis, line: int, col: int, *,
                     track: str = "hlxl") -> Rewrite:
    """Switch the contract literal whose id (or ``contract`` keyword) is at a 0-based position
    between ``{N: {@i: e}}`` and ``contract N { name: e }`` (§12.10); every ``e`` is copied
    verbatim.  Works on programs that load and on value literals; otherwise, or when no literal
    is there, the source comes back unchanged."""
    a = analyze(source, track)
    if a.loads:
        return _convert(a, line, col) or Rewrite(a.source)
    wrapped = _as_value_program(a.source, track)
    if wrapped is None:
        return Rewrite(a.source)
    head = len(_WRAP[track][0])
    done = _convert(analyze(wrapped, track), line, col + head if line == 0 else col)
    if done is None:
        return Rewrite(a.source)
    (edit,) = done.edits
    r = edit.range
    shift = (lambda p: Pos(p.line, p.col - head) if p.line == 0 else p)
    return Rewrite(_unwrap(done.text, track),
                   (Edit(Range(shift(r.start), shift(r.end)), edit.new_text),))


def _convert(a: Analysis, line: int, col: int) -> Rewrite | None:
    if not a.loads or a.resolution is None:
        return None
    tok = a.resolution.token_at(line, col)
    if tok is None:
        return None
    target = None
    for node in A.walk(a.file.program):
        if isinstance(node, A.ContractExpr) and (
                node.id_span.start == tok.start or (node.named and node.span.start == tok.start)):
            target = node
            break
    if target is None:
        return None
    text = a.hlxl
    lit = contract_entries(a.parsed.lexed, target)
    values = [text[v:e] for _, e, v in lit.entries]
    if target.named:
        inner = ", ".join(f"@{i}: {v}" for i, v in zip(lit.indices, values))
        new = f"{{{target.id}: {{{inner}}}}}"
    else:
        inner = ", ".join(f"{_label(target.id, i)}: {v}" for i, v in zip(lit.indices, values))
        new = f"contract {target.id} {{ {inner} }}" if inner else f"contract {target.id} {{}}"
    new = _to_track(new, a.track)
    rng = a.range_of_span(target.span)
    start = a.lines.offset(rng.start.line, rng.start.col)
    end = a.lines.offset(rng.end.line, rng.end.col)
    return Rewrite(a.source[:start] + new + a.source[end:], (Edit(rng, new),))


def format_document(source: str, *, track: str = "hlxl") -> Rewrite:
    """The canonical layout of §12.11 (a value literal: its canonical print, §12.10); the source
    unchanged when it neither loads nor is a value literal."""
    try:
        new = format_source(source, track=track)
    except HLXError:
        return Rewrite(source)
    return _whole(source, new)
