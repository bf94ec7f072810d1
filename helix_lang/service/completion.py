"""Completion (HLX-SPEC §12.6, §12.7): the canonical candidates, plus the extras an editor wants.

The canonical candidates follow §12.6 to the letter and work on any text (it need not load): they
are computed from tokens, not from the AST.  Each is also marked ``valid`` when the grammar accepts
it at the cursor (the LALR parser is run over the enclosing block up to the prefix), so that an
editor can list ``let`` before ``else`` at the start of a statement.  Extras (``canonical=False``) are added where the spec's
rules give nothing useful: field indices of positional contracts, enum values of constrained fields
(shader stages), contract ids after ``contract``, handle names after ``&h_`` / ``⟁``, and the field
names of a contract-typed variable after ``.``.

>>> src = 'program p { block main() { let c = contract 902 { pipeline_id: "p", '
>>> complete(src, 0, len(src)).render().split()
['output_image', 'stages', 'sync_barriers']
>>> complete("⟠ p { ◇ main() { le", 0, 19, track="hlx").render().split()
['len', '⊢']
"""

from __future__ import annotations

from bisect import bisect_left

from .. import ast as A
from ..contracts import REGISTRY
from ..errors import HLXError
from ..hashing import content_handle_text
from ..hlxl.parser import BUILTINS
from ..hlxl.syntax import KEYWORD_TYPES, LSOPS
from ..hlxl.types import BUILTIN_SIGNATURES, value_literal
from ..lexical import RESERVED, unquote
from ..translit import WORD_GLYPHS
from . import docs
from .analysis import Analysis, analyze
from .model import Completion, Completions, Range
from .parsing import expected_after
from .tokens import Lexed

__all__ = ["complete", "known_handle_names"]

_IDENT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _prefix(src: str, o: int) -> tuple[int, str, bool]:
    """(start offset, prefix, extended by ``ls.``) of §12.6 at offset ``o`` of ``src``."""
    i = o
    while i > 0 and src[i - 1] in _IDENT:
        i -= 1
    if i >= 3 and src[i - 3:i] == "ls." and (i == 3 or src[i - 4] not in _IDENT):
        return i - 3, src[i - 3:o], True
    return i, src[i:o], False


def _in_string_or_comment(lexed: Lexed, o: int) -> bool:
    """Whether HLXL offset ``o`` is inside a string, bytes literal or comment (a position right
    after an unclosed one is inside it)."""
    text = lexed.text
    k = bisect_left(lexed.starts, o) - 1
    if k >= 0 and lexed.types[k] in ("STRING", "BYTES"):
        s, e = lexed.starts[k], lexed.ends[k]
        quote = s + (1 if lexed.types[k] == "BYTES" else 0)
        closed = e - quote >= 2 and text[e - 1] == '"'
        if quote < o < e or (not closed and o == e):
            return True
    for s, e in lexed.comments:
        if s >= o:
            break
        closed = not text.startswith("//", s) and e - s >= 4 and text.endswith("*/", s, e)
        if o < e or (o == e and not closed):
            return True
    return False


def _innermost_brace(lexed: Lexed, upto: int) -> tuple[int, str] | None:
    """Token index and form (``named``, ``positional`` or ``other``) of the innermost ``{``
    still open before token ``upto``."""
    types = lexed.types
    stack: list[tuple[int, str]] = []
    for k in range(upto):
        ty = types[k]
        if ty == "LBRACE":
            form = "other"
            if k >= 2 and types[k - 1] == "UINT" and types[k - 2] == "CONTRACT":
                form = "named"
            elif (k >= 3 and types[k - 1] == "COLON" and types[k - 2] == "UINT"
                  and types[k - 3] == "LBRACE"):
                form = "positional"
            stack.append((k, form))
        elif ty == "RBRACE" and stack:
            stack.pop()
    return stack[-1] if stack else None


def _entries_before(lexed: Lexed, brace: int, upto: int) -> list[tuple[str, int]]:
    """``(kind, value)`` labels of the entries written in the literal opened at ``brace``
    before token ``upto``: ``("name", name)`` or ``("index", i)``."""
    types = lexed.types
    out = []
    depth = 0
    for k in range(brace + 1, upto):
        ty = types[k]
        if ty in ("LBRACE", "LSQB", "LPAR"):
            depth += 1
        elif ty in ("RBRACE", "RSQB", "RPAR"):
            depth -= 1
        elif depth == 0 and ty in ("IDENT", "STRING", "FIELD") and k + 1 < len(types) \
                and types[k + 1] == "COLON" and types[k - 1] in ("LBRACE", "COMMA"):
            value = lexed.value(k)
            if ty == "FIELD":
                out.append(("index", int(value[1:]) if len(value) < 8 else -1))
            else:
                if ty == "STRING":
                    try:
                        value = unquote(value)
                    except HLXError:
                        continue
                out.append(("name", value))
    return out


def _contract_id(lexed: Lexed, brace: int, form: str) -> int | None:
    tok = brace - 1 if form == "named" else brace - 2
    value = lexed.value(tok)
    return int(value) if len(value) < 12 else None


def _declared(lexed: Lexed) -> tuple[list[str], list[str]]:
    """Block and table names declared anywhere (``block IDENT``, ``latent table IDENT``)."""
    types = lexed.types
    blocks, tables = [], []
    for k in range(len(types) - 1):
        if types[k] == "BLOCK" and types[k + 1] == "IDENT":
            blocks.append(lexed.value(k + 1))
        elif types[k] == "TABLE" and k and types[k - 1] == "LATENT" and types[k + 1] == "IDENT":
            tables.append(lexed.value(k + 1))
    return blocks, tables


def _enclosing_block(lexed: Lexed, o: int) -> tuple[int, int] | None:
    """Token indexes of ``block`` and of its body's ``{`` for the block whose body contains
    offset ``o``."""
    types, starts, ends = lexed.types, lexed.starts, lexed.ends
    k = bisect_left(starts, o) - 1
    while k >= 0 and types[k] != "BLOCK":
        k -= 1
    if k < 0:
        return None
    b = k
    k += 1
    n = len(types)
    while k < n and types[k] != "LBRACE" and types[k] != "BLOCK":
        k += 1
    if k >= n or types[k] != "LBRACE" or ends[k] > o:
        return None
    lbrace, depth = k, 0
    while k < n:
        if types[k] == "LBRACE":
            depth += 1
        elif types[k] == "RBRACE":
            depth -= 1
            if depth == 0:
                return (b, lbrace) if o <= starts[k] else None
        elif types[k] == "BLOCK":
            break
        k += 1
    return b, lbrace


def _visible_variables(lexed: Lexed, o: int) -> list[str]:
    """§12.6: variables declared textually before offset ``o`` in the innermost block whose
    body contains it (``let``/``local``/``for (``/lambda parameters, and block parameters)."""
    found = _enclosing_block(lexed, o)
    if found is None:
        return []
    b, lbrace = found
    types, ends = lexed.types, lexed.ends
    out = []
    for k in range(b + 1, lbrace):  # the parameters: IDENTs inside the block's `( … )`
        if types[k] == "RPAR":
            break
        if types[k] == "IDENT" and k > b + 1:
            out.append(lexed.value(k))
    k = lbrace + 1
    while k < len(types) and ends[k] <= o:
        if types[k] == "IDENT":
            p1 = types[k - 1]
            p2 = types[k - 2]
            if (p1 in ("LET", "LOCAL") or (p1 == "LPAR" and p2 == "FOR")
                    or (p1 == "LPAR" and p2 == "PIPE" and k + 1 < len(types)
                        and types[k + 1] == "RPAR")):
                out.append(lexed.value(k))
        k += 1
    return out


def _general(a: Analysis, o: int) -> list[Completion]:
    lexed = a.parsed.lexed
    out = [Completion(w, "keyword", documentation=docs.keyword_doc(w)) for w in sorted(RESERVED)]
    out += [Completion(op, "operation", documentation=docs.keyword_doc(op)) for op in LSOPS]
    out += [Completion(b, "builtin", BUILTIN_SIGNATURES[b], documentation=docs.builtin_doc(b))
            for b in BUILTINS]
    blocks, tables = _declared(lexed)
    out += [Completion(b, "block", "block") for b in blocks]
    out += [Completion(t, "table", "latent table") for t in tables]
    out += [Completion(v, "variable", "variable") for v in _visible_variables(lexed, o)]
    return out


def _field_items(cid: int, used: list[tuple[str, int]], named: bool) -> list[Completion]:
    spec = REGISTRY.get(cid)
    if spec is None:
        return []
    names = {v for k, v in used if k == "name"}
    indices = {v for k, v in used if k == "index"}
    out = []
    for fs in spec.fields:
        detail = f"@{fs.index}: {fs.type}" + ("" if fs.required else " (optional)")
        if named and fs.name not in names:
            out.append(Completion(fs.name, "field", detail,
                                  documentation=docs.field_doc(cid, fs)))
        elif not named and fs.index not in indices:
            out.append(Completion(f"@{fs.index}", "field", f"{fs.name}: {fs.type}",
                                  insert_text=f"@{fs.index}: ", canonical=False,
                                  documentation=docs.field_doc(cid, fs),
                                  filter_text=f"@{fs.index} {fs.name}"))
    return out


def known_handle_names(a: Analysis, before: int | None = None) -> list[str]:
    """Handle names written or statically collapsed in the document (HLXL offset ``before``
    limits the collapses to those textually earlier and leaves out the handle being typed
    there)."""
    names = set()
    lexed = a.parsed.lexed
    for k, ty in enumerate(lexed.types):
        if ty == "HANDLE" and not (before is not None
                                   and lexed.starts[k] < before <= lexed.ends[k]):
            names.add(lexed.value(k)[3:])
    if a.file is not None:
        for node in A.walk(a.file.program):
            if isinstance(node, A.LsCollapse) and (before is None or node.span.end <= before):
                v = value_literal(node.operand)
                if v is not value_literal.NO:
                    try:
                        names.add(content_handle_text(v, node.tag.text)[3:])
                    except (HLXError, TypeError, ValueError):
                        pass
    return sorted(names)


def _extras(a: Analysis, ho: int, start: int, prefix: str,
            store_handles: dict | None) -> list[Completion]:
    """The non-canonical candidates for the prefix starting at source offset ``start``."""
    src = a.source
    lexed = a.parsed.lexed
    # handles: `&h_na|` (HLXL) or `⟁na|` (HLX)
    handle_typed = None
    if a.track == "hlxl" and start and src[start - 1] == "&" and prefix.startswith("h_"):
        handle_typed, lead = prefix[2:], "h_"
    elif a.track == "hlx" and start and src[start - 1] == "⟁":
        handle_typed, lead = prefix, ""
    if handle_typed is not None:
        names = set(known_handle_names(a, ho))
        for table_names in (store_handles or {}).values():
            names.update(table_names)
        shown = "&h_" if a.track == "hlxl" else "⟁"
        return [Completion(shown + n, "handle", "handle", insert_text=lead + n, canonical=False,
                           filter_text=lead + n) for n in sorted(names)
                if n.startswith(handle_typed)]
    at_sign = start > 0 and src[start - 1] == "@"
    k = bisect_left(lexed.starts, a.to_hlxl(start - at_sign))  # first token of the prefix
    prev = lexed.types[k - 1] if k else None
    out: list[Completion] = []
    brace = _innermost_brace(lexed, k)
    if brace is not None and brace[1] in ("named", "positional"):
        cid = _contract_id(lexed, brace[0], brace[1])
        spec = REGISTRY.get(cid) if cid is not None else None
        if prev in ("LBRACE", "COMMA") and brace[1] == "positional" and cid is not None:
            for c in _field_items(cid, _entries_before(lexed, brace[0], k), named=False):
                if c.label[1:].startswith(prefix) and (at_sign or not prefix):
                    text = c.insert_text[1:] if at_sign else c.insert_text
                    out.append(Completion(c.label, c.kind, c.detail, text, False,
                                          c.documentation, c.filter_text))
        if spec is not None and prev == "COLON" and k >= 2:
            label = lexed.value(k - 2)
            fs = (spec.field_by_index(int(label[1:])) if lexed.types[k - 2] == "FIELD"
                  and len(label) < 8 else spec.field_by_name(label.strip('"')))
            out += [Completion(f'"{w}"', "value", f"{fs.name}: {fs.constraint}", canonical=False)
                    for w in (docs.enum_values(fs) if fs else ()) if w.startswith(prefix)]
    if prev == "CONTRACT":
        out += [Completion(str(cid), "contract", spec.name, canonical=False,
                           documentation=docs.contract_doc(cid))
                for cid, spec in sorted(REGISTRY.items()) if str(cid).startswith(prefix)]
    return out


def _in_string_enum(a: Analysis, ho: int) -> list[Completion]:
    """Enum words for a cursor inside the string value of a constrained field."""
    lexed = a.parsed.lexed
    k = bisect_left(lexed.starts, ho) - 1
    if k < 2 or lexed.types[k] != "STRING" or lexed.types[k - 1] != "COLON":
        return []
    brace = _innermost_brace(lexed, k)
    if brace is None or brace[1] == "other":
        return []
    cid = _contract_id(lexed, brace[0], brace[1])
    spec = REGISTRY.get(cid) if cid is not None else None
    if spec is None:
        return []
    label = lexed.value(k - 2)
    fs = (spec.field_by_index(int(label[1:])) if lexed.types[k - 2] == "FIELD" and len(label) < 8
          else spec.field_by_name(label))
    typed = a.hlxl[lexed.starts[k] + 1:ho]
    return [Completion(w, "value", f"{fs.name}: {fs.constraint}", canonical=False)
            for w in (docs.enum_values(fs) if fs else ()) if w.startswith(typed)]


def _members(a: Analysis, start: int) -> list[Completion]:
    """Field names after ``c.`` when ``c`` is a variable of type ``Contract<N>``, and the keys of
    ``ls.snapshot``."""
    src = a.source
    i = start - 1
    j = i
    while j > 0 and src[j - 1] in _IDENT:
        j -= 1
    target = src[j:i]
    if src.endswith("ls.snapshot", 0, i) or (a.track == "hlx" and src[i - 1:i] == "⚶"):
        return [Completion(n, "field", t, canonical=False)
                for n, t in (("count", "Int"), ("handles", "Array<Handle>"))]
    info = a.types
    if not target or info is None:
        return []
    here = a.pos_of_hlxl(a.to_hlxl(start))
    best = None
    for b in info.binding_types():
        pos = a.pos_of_hlxl(a.hlxl_lines.offset(b.line - 1, b.column - 1))
        if b.name == target and b.kind != "block" and pos < here:
            best = b
    if best is None or not best.type.startswith("Contract<"):
        return []
    cid = int(best.type[len("Contract<"):-1])
    spec = REGISTRY.get(cid)
    if spec is None:
        return []
    return [Completion(fs.name, "field", fs.type, canonical=False,
                       documentation=docs.field_doc(cid, fs)) for fs in spec.fields]


def _accepted(a: Analysis, k: int) -> set[str] | None:
    """The terminals the grammar accepts before token ``k`` (the prefix), parsing the enclosing
    block from its start; None when that cannot be told."""
    lexed = a.parsed.lexed
    first = k - 1
    while first > 0 and lexed.types[first] != "BLOCK":
        first -= 1
    if first < 0 or (first == 0 and lexed.types[:1] != ["BLOCK"]):
        first = 0
    return expected_after(lexed, first, k)


def complete(source: str | Analysis, line: int, col: int, *, track: str = "hlxl",
             store_handles: dict | None = None) -> Completions:
    """Completion candidates at a 0-based (line, column) of ``source`` (§12.6, §12.7).

    ``render()`` gives the canonical answer; the extra candidates (``canonical=False``) are for
    editors.  ``store_handles`` maps table names (``""`` for the default table) to handle names
    known from a latent store; they are offered after ``&h_`` / ``⟁``.
    """
    a = analyze(source, track)
    src = a.source
    o = a.lines.offset(line, col)
    here = a.lines.pos(o)
    start, prefix, extended = _prefix(src, o)
    rng = Range(a.lines.pos(start), here)
    ho = a.to_hlxl(o)
    lexed = a.parsed.lexed
    if _in_string_or_comment(lexed, ho):
        return Completions(prefix, rng, tuple(_in_string_enum(a, ho)))
    if not extended and start and src[start - 1] == ".":
        items = [c for c in _members(a, start) if c.label.startswith(prefix)]
        return Completions(prefix, rng, tuple(items))
    k = bisect_left(lexed.starts, a.to_hlxl(start))
    prev = lexed.types[k - 1] if k else None
    brace = _innermost_brace(lexed, k) if prev in ("LBRACE", "COMMA") else None
    if brace is not None and brace[1] == "named":
        cid = _contract_id(lexed, brace[0], "named")
        items = _field_items(cid, _entries_before(lexed, brace[0], k), named=True) \
            if cid is not None else []
    else:
        items = _general(a, ho)
    glyphs = WORD_GLYPHS if a.track == "hlx" and not (brace and brace[1] == "named") else {}
    accepted = _accepted(a, k) if not (brace and brace[1] == "named") else None
    canonical: dict[str, Completion] = {}
    for c in items:
        if not c.label.startswith(prefix):
            continue
        valid = accepted is None or (c.label != "ls"
                                     and KEYWORD_TYPES.get(c.label, "IDENT") in accepted)
        glyph = glyphs.get(c.label)
        if glyph is not None:
            c = Completion(glyph, c.kind, c.label, documentation=c.documentation,
                           filter_text=c.label, valid=valid)
        elif not valid:
            c = Completion(c.label, c.kind, c.detail, documentation=c.documentation,
                           valid=False)
        canonical.setdefault(c.label, c)
    ordered = [canonical[k] for k in sorted(canonical)]
    ordered += _extras(a, ho, start, prefix, store_handles)
    return Completions(prefix, rng, tuple(ordered))
