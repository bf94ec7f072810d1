"""Diagnostics (HLX-SPEC §12.3) with the extras an editor needs.

The **canonical** diagnostics are exactly §12.3's: phase 1 — one diagnostic, the first syntax
error in text order or else the first load error — when the source does not load; phase 2 —
undefined names, type mismatches, contract schema findings (from
:meth:`helix_lang.hlxl.types.TypeInfo.errors`) — when it does.  Their messages are the short
spec-style ones (``E_TYPE_MISMATCH text - int``); ``hint`` says how to act on them.

The **extras** (``canonical=False``) never change the canonical answer:

* every further syntax error found by recovery (one error does not hide the rest of the file),
  every HLX validity error (unknown glyphs…), the other load errors;
* ``W_UNUSED`` warnings: variables (``let``, ``local``, ``for``, lambda parameters) never read;
  a name starting with ``_`` is exempt;
* ``W_HANDLE_NOT_FOUND`` warnings: handle literals missing from a latent table whose contents are
  known (``known_handles``: table name → handle names, ``""`` for the default table), counting
  the handles the file itself collapses from literal values.

Quick fixes are offered where the fix is mechanical: sort the fields of a contract literal
(``E_FIELD_ORDER``), write an ASCII keyword, ``&h_`` or ``|>`` as its glyph in HLX, separate a
glyph from a word, drop a variation selector, write a glyph typed in HLXL as its keyword.

>>> src = 'program p {\\n    block main() {\\n        let z = "a" - 1;\\n        return y;\\n    }\\n}'
>>> print(render(diagnostics(src)))
2:20 E_TYPE_MISMATCH text - int
3:15 E_UNDEFINED_NAME y
>>> [d.code for d in diagnostics(src) if not d.canonical]
['W_UNUSED']
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping

from .. import ast as A
from ..contracts import REGISTRY
from ..errors import HLXError
from ..hashing import content_handle_text
from ..hlxl.types import value_literal
from ..translit import GLYPHS, WORD_GLYPHS
from . import docs
from .analysis import Analysis, analyze
from .model import ERROR, WARNING, Diagnostic, Edit, Fix, Range
from .refactor import sort_fields

__all__ = ["WARNING_CODES", "diagnostics", "render"]

#: The codes of the service's own warnings (the spec's codes are errors).
WARNING_CODES = {
    "W_UNUSED": "a variable is bound but never read",
    "W_HANDLE_NOT_FOUND": "a handle literal is not in the latent table known for it",
}
_FROM_GLYPH = {g: w for w, g in GLYPHS.items() if w not in ("&h_",)}
_IDENT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_GLYPH_CHARS = frozenset(WORD_GLYPHS.values())


def render(diags: list[Diagnostic]) -> str:
    """The canonical answer of §12.3: canonical diagnostics, ``L:C CODE message``, sorted by
    line, column and code."""
    rows = sorted((d for d in diags if d.canonical),
                  key=lambda d: (d.range.start.line, d.range.start.col, d.code))
    return "\n".join(" ".join(d.render().split("\n")) for d in rows)


# ---------------------------------------------------------------------------- hints and fixes


def _names(a: Analysis) -> list[str]:
    res = a.resolution
    if res is None:
        return []
    return sorted({s.name for s in res.symbols})


def _did_you_mean(word: str, names: list[str]) -> str:
    close = difflib.get_close_matches(word, [n for n in names if n != word], n=1, cutoff=0.7)
    return f"; did you mean `{close[0]}`?" if close else ""


_OP_HINTS = {
    "+": "`+` adds two numbers or joins two Texts, two Bytes or two Arrays",
    "-": "`-` takes two numbers (Int or Float)", "*": "`*` takes two numbers (Int or Float)",
    "/": "`/` takes two numbers (Int or Float)", "%": "`%` takes two numbers (Int or Float)",
    "<": "comparisons take two numbers or two Texts",
}


def _hint(a: Analysis, e: HLXError) -> str:
    code, msg = e.code, e.message
    if code == "E_UNDEFINED_NAME" and msg.isidentifier():
        return (f"`{msg}` is not defined here: declare it with `let {msg} = …;` before this use,"
                f" or call a block or builtin of that name{_did_you_mean(msg, _names(a))}")
    if code == "E_TYPE_MISMATCH":
        parts = msg.split()
        if len(parts) == 3 and parts[1] in _OP_HINTS:
            return _OP_HINTS[parts[1]] + f"; here the operands are {parts[0]} and {parts[2]}"
        if len(parts) == 3 and parts[1] in ("<=", ">", ">="):
            return _OP_HINTS["<"] + f"; here the operands are {parts[0]} and {parts[2]}"
        if "[" in msg:
            return ("an Array, Text or Bytes takes an Int index, a Map a Text key, a Contract an "
                    "Int field index")
        if msg.startswith("-"):
            return "unary `-` takes a number (Int or Float)"
        if " takes " in msg:
            name, want = parts[1], parts[3]
            return (f"call `{name}` with {want} argument{'' if want == '1' else 's'}; a "
                    "pipeline stage `x |> f` passes exactly one")
        return ""
    if code in ("E_CONTRACT_FIELD_MISSING", "E_CONTRACT_UNKNOWN_FIELD"):
        words = msg.split()
        cid = int(words[1]) if len(words) > 1 and words[1].isdigit() else None
        spec = REGISTRY.get(cid) if cid is not None else None
        if spec is None:
            return ""
        if code == "E_CONTRACT_FIELD_MISSING" and words[-2].startswith("@"):
            fs = spec.field_by_index(int(words[-2][1:]))
            if fs is not None:
                choice = docs.enum_values(fs)
                extra = f" (one of {', '.join(choice)})" if choice else ""
                return f"add `{fs.name}: …` of type `{fs.type}`{extra}"
        fields = ", ".join(f"@{f.index} {f.name}" for f in spec.fields)
        return f"contract {cid} {spec.name} has the fields {fields}"
    return ""


def _hlx_fix(a: Analysis, e: HLXError, rng: Range) -> tuple[Fix, ...]:
    """Mechanical fixes for HLX validity errors (and for a glyph typed in HLXL)."""
    src = a.source
    o = a.lines.offset(rng.start.line, rng.start.col)
    ch = src[o] if o < len(src) else ""
    if a.track == "hlxl":
        word = _FROM_GLYPH.get(ch)
        if word is None:
            return ()
        return (Fix(f"Write `{ch}` as `{word}` (HLXL)", (Edit(rng, word),)),)
    if e.code == "E_UNKNOWN_GLYPH":
        if ch == "\ufe0f":
            return (Fix("Remove the variation selector U+FE0F", (Edit(rng, ""),)),)
        return ()
    j = o
    while j < len(src) and src[j] in _IDENT:
        j += 1
    word = src[o:j]
    if word == "ls" and src.startswith(".", j):
        k = j + 1
        while k < len(src) and src[k] in _IDENT:
            k += 1
        word, j = src[o:k], k
    if word in WORD_GLYPHS:
        glyph = WORD_GLYPHS[word]
        return (Fix(f"Write `{word}` as `{glyph}`", (Edit(a.lines.range(o, j), glyph),)),)
    if src.startswith("&h_", o):
        return (Fix("Write the handle as `⟁name`", (Edit(a.lines.range(o, o + 3), "⟁"),)),)
    if src.startswith("|>", o):
        return (Fix("Write the pipeline as `▷`", (Edit(a.lines.range(o, o + 2), "▷"),)),)
    prev = src[o - 1] if o else ""
    if (ch in _GLYPH_CHARS or ch in _IDENT) and (prev in _GLYPH_CHARS or prev in _IDENT) \
            and (ch in _GLYPH_CHARS or prev in _GLYPH_CHARS):
        at = a.lines.range(o, o)
        return (Fix("Insert a space", (Edit(at, " "),)),)
    return ()


def _order_fix(a: Analysis, rng: Range) -> tuple[Fix, ...]:
    at = a.lines.offset(rng.start.line, rng.start.col)
    done = sort_fields(a.source, track=a.track, at=at)
    if not done.edits:
        return ()
    return (Fix("Sort the fields of this contract literal", done.edits),)


def _diag(a: Analysis, e: HLXError, hlxl: bool, canonical: bool) -> Diagnostic:
    rng = a.hlxl_error_range(e) if hlxl else a.error_range(e)
    moved = a.error_to_source(e) if hlxl else e
    fixes: tuple[Fix, ...] = ()
    if e.code == "E_FIELD_ORDER":
        fixes = _order_fix(a, rng)
    elif e.code in ("E_UNKNOWN_GLYPH", "E_LC_PARSE"):
        fixes = _hlx_fix(a, moved, rng)
    return Diagnostic(e.code, rng, " ".join(e.message.split("\n")), ERROR, canonical, fixes,
                      _hint(a, e))


# ---------------------------------------------------------------------------- warnings


def _unused(a: Analysis) -> list[Diagnostic]:
    res = a.resolution
    out = []
    for sym in res.symbols:
        if sym.kind != "variable" or sym.decl is None or sym.name.startswith("_"):
            continue
        if sym.decl_kind == "param" and not sym.lambda_param:
            continue  # block parameters are part of the signature
        if any(o.role == "reference" for o in sym.occurrences):
            continue
        what = {"for": "loop variable", "param": "lambda parameter"}.get(sym.decl_kind, "variable")
        out.append(Diagnostic(
            "W_UNUSED", a.range_of_span(sym.decl.span), f"{what} `{sym.name}` is never read",
            WARNING, False,
            hint=f"remove it, or name it `_{sym.name}` to say it is unused on purpose"))
    return out


def _active_tables(f: A.File):
    """``(block, active table name)`` for every block (``""``: the default table)."""
    for b in f.program.blocks:
        yield b, (b.using.text if b.using is not None else "")


def _handles(a: Analysis, known: Mapping[str, Collection[str]]) -> list[Diagnostic]:
    f = a.file
    collapsed: dict[str, set[str]] = {}
    literals: list[tuple[A.Literal, str]] = []
    for block, active in _active_tables(f):
        resolve_table: dict[int, str] = {}
        for node in A.walk(block.body):
            if isinstance(node, A.LsCollapse):
                v = value_literal(node.operand)
                if v is not value_literal.NO:
                    table = node.table.text if node.table is not None else active
                    try:
                        collapsed.setdefault(table, set()).add(
                            content_handle_text(v, node.tag.text)[3:])
                    except (HLXError, TypeError, ValueError):
                        pass
            elif isinstance(node, A.LsResolve) and isinstance(node.operand, A.Literal):
                resolve_table[id(node.operand)] = node.table.text if node.table else active
            elif isinstance(node, A.Literal) and node.kind == "handle":
                literals.append((node, resolve_table.get(id(node), active)))
    out = []
    for lit, table in literals:
        if table not in known:
            continue
        name = lit.value.name
        if name in known[table] or name in collapsed.get(table, ()):
            continue
        shown = "the default table" if table == "" else f"table `{table}`"
        out.append(Diagnostic(
            "W_HANDLE_NOT_FOUND", a.range_of_span(lit.span),
            f"handle `{name}` is not in {shown}", WARNING, False,
            hint=f"{shown} holds {len(known[table])} handles; `ls.resolve` of this one fails "
                 f"with `E_HANDLE_NOT_FOUND` unless it is collapsed first"
                 + _did_you_mean(name, sorted(known[table]))))
    return out


# ---------------------------------------------------------------------------- entry point


def diagnostics(source: str | Analysis, *, track: str = "hlxl",
                known_handles: Mapping[str, Collection[str]] | None = None) -> list[Diagnostic]:
    """Every diagnostic of ``source`` (§12.3 plus extras), canonical ones first, each group
    sorted by position and code.  :func:`render` gives the canonical answer."""
    a = analyze(source, track)
    canonical: list[Diagnostic] = []
    extra: list[Diagnostic] = []
    first = a.first_error_origin()
    if first is not None:
        e, in_hlxl = first
        head = _diag(a, e, in_hlxl, True)
        canonical.append(head)
        seen = {(head.range.start, head.code)}
        for e in a.hlx_errors:
            d = _diag(a, e, False, False)
            if (d.range.start, d.code) not in seen:
                seen.add((d.range.start, d.code))
                extra.append(d)
        validity = [d.range for d in extra] + [head.range]
        for e in a.parsed.syntax_errors:
            d = _diag(a, e, True, False)
            if d.range.start in {s for s, _ in seen} or any(
                    r.start < d.range.end and d.range.start < r.end for r in validity):
                continue  # the HLXL twin of an HLX validity error
            seen.add((d.range.start, d.code))
            extra.append(d)
        if a.syntax_errors:
            return _sorted(canonical) + _sorted(extra)
        for e in a.load_errors:
            d = _diag(a, e, True, False)
            if (d.range.start, d.code) not in seen:
                extra.append(d)
    phase2 = a.types.errors() if a.types is not None else []
    (canonical if first is None else extra).extend(
        _diag(a, e, True, first is None) for e in phase2)
    if a.file is not None and not a.syntax_errors:
        extra += _unused(a)
        if known_handles:
            extra += _handles(a, known_handles)
    return _sorted(canonical) + _sorted(extra)


def _sorted(diags: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diags, key=lambda d: (d.range.start, d.code))
