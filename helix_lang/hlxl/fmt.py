"""The canonical layout of HLXL/HLX programs (HLX-SPEC §12.10, §12.11) and the compact form.

``format_source(text)`` answers the canonical layout of a program that loads, or the canonical print
of a value literal (§7); ``minify(text)`` answers the compact notation, the shortest single-line
spelling of the same program.  Both take ``track="hlxl"`` or ``track="hlx"``; an HLX text is
transliterated to HLXL, printed, and transliterated back with :func:`~helix_lang.translit.to_hlx`
(§12.7).  A text that does not load raises its :class:`~helix_lang.errors.HLXError`.

>>> print(format_source("program p{block main(){let x=1+2*3;if(x>5){return x;}return 0;}}"), end="")
program p {
    block main() {
        let x = 1 + 2 * 3;
        if (x > 5) {
            return x;
        }
        return 0;
    }
}
>>> minify('''program p {
...     block main() {
...         let s = 2 |> (v) { return -(-v) * (v + 1); };  // six
...         return s;
...     }
... }''')
'program p{block main(){let s=2|>(v){return--v*(v+1);};return s;}}'
>>> format_source('{b: x"00", a: [1.50, b"hi"]} // a value')
'{a: [1.5, x"6869"], b: x"00"}'
"""

from __future__ import annotations

import bisect
import sys
from contextlib import contextmanager
from typing import Any, NamedTuple

from .. import ast as A
from ..errors import HLXError
from ..formats import hlx as hlx_value
from ..formats import hlxl as hlxl_value
from ..lexical import bare_key_ok, format_float, quote
from ..translit import segments, to_hlx, to_hlxl
from ..values import Contract
from .parser import load

__all__ = ["format_source", "minify"]

INDENT = 4
#: Binding strength of the binary operators (§10.2); the pipeline binds least (0).
BINARY_PREC = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4,
               "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
PIPE_PREC, PREFIX_PREC, POSTFIX_PREC, ATOM_PREC = 0, 7, 8, 9
_PREFIX = (A.Unary, A.LsCollapse, A.LsResolve, A.LsFingerprint, A.LsValidate)
_IDENT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _prec(e: Any) -> int:
    t = type(e)
    if t is A.Binary:
        return BINARY_PREC[e.op]
    if t is A.Pipe:
        return PIPE_PREC
    if t in _PREFIX:
        return PREFIX_PREC
    if t in (A.Index, A.Member, A.Call):
        return POSTFIX_PREC
    return ATOM_PREC


def _key(k: str) -> str:
    return k if bare_key_ok(k, hlxl=True) else quote(k, ascii_only=False)


def _literal(e: A.Literal) -> str:
    v = e.value
    if e.kind == "int":
        return str(v)
    if e.kind == "float":
        return format_float(v)
    if e.kind == "text":
        return quote(v, ascii_only=False)
    if e.kind == "bytes":
        return 'x"' + v.hex() + '"'
    if e.kind == "handle":
        return "&h_" + v.name
    if e.kind == "bool":
        return "true" if v else "false"
    return "null"


class _Lam(NamedTuple):
    """A lambda stage inside an expression's token list (the layout breaks lines there)."""

    space: bool
    param: str
    body: A.Body


class _Sub(NamedTuple):
    """A sub-expression still to be printed (the printer keeps its own stack: operator chains
    such as ``1 + 1 + … + 1`` may be far deeper than Python's recursion limit)."""

    e: Any
    space: bool


class _Tokens:
    """Expression tokens: ``(space_before, text)`` pairs (spacing of §12.11) and :class:`_Lam`.

    ``compact`` selects the minimal parentheses of :func:`minify` (no parentheses around a
    prefix operand that merely starts with ``-``).
    """

    def __init__(self, tables: set[str], compact: bool) -> None:
        self.tables = tables
        self.compact = compact

    def expr(self, e: Any, out: list, sp: bool = False) -> list:
        """Append the tokens of ``e`` to ``out`` (``sp``: a space before the first one)."""
        stack = [_Sub(e, sp)]
        while stack:
            item = stack.pop()
            if type(item) is _Sub:
                stack.extend(reversed(self.parts(item.e, item.space)))
            else:
                out.append(item)
        return out

    def parts(self, e: Any, sp: bool) -> list:
        """The tokens and sub-expressions of one node, in order."""
        t = type(e)
        if t is A.Literal:
            return [(sp, _literal(e))]
        if t is A.Var:
            return [(sp, e.name.text)]
        if t is A.Binary:
            p = BINARY_PREC[e.op]
            return [*self.operand(e.left, _prec(e.left) < p, sp), (True, e.op),
                    *self.operand(e.right, _prec(e.right) <= p, True)]
        if t is A.Unary:
            return [(sp, e.op), *self.operand(e.operand, self._wrap_prefix(e.operand), False)]
        if t is A.Pipe:  # the value is never wrapped: `|>` is the loosest, left-associative
            stage = (True, e.stage.text) if type(e.stage) is A.Name else \
                _Lam(True, e.stage.param.text, e.stage.body)
            return [_Sub(e.value, sp), (True, "|>"), stage]
        if t is A.Call:
            return [(sp, e.name.text), (False, "("), *self.items(e.args), (False, ")")]
        if t is A.Index:
            return [*self.operand(e.target, _prec(e.target) < POSTFIX_PREC, sp), (False, "["),
                    _Sub(e.index, False), (False, "]")]
        if t is A.Member:
            return [*self.operand(e.target, _prec(e.target) < POSTFIX_PREC, sp), (False, "."),
                    (False, e.name.text)]
        if t is A.ArrayExpr:
            return [(sp, "["), *self.items(e.items), (False, "]")]
        if t is A.MapExpr:
            out: list = [(sp, "{")]
            for i, entry in enumerate(e.entries):
                if i:
                    out.append((False, ","))
                out += [(i > 0, _key(entry.key)), (False, ":"), _Sub(entry.value, True)]
            return out + [(False, "}")]
        if t is A.ContractExpr:
            return self.contract(e, sp)
        if t is A.LsCollapse:
            table = [(True, e.table.text)] if e.table is not None else []
            return [(sp, "ls.collapse"), *table, (True, e.tag.text),
                    *self.operand(e.operand, self._wrap_prefix(e.operand), True)]
        if t is A.LsResolve:
            table = [(True, e.table.text)] if e.table is not None else []
            wrap = self._wrap_prefix(e.operand) or (
                e.table is None and self._leading_name(e.operand) in self.tables)
            return [(sp, "ls.resolve"), *table, *self.operand(e.operand, wrap, True)]
        if t is A.LsSnapshot:
            return [(sp, "ls.snapshot")] + ([(True, e.table.text)] if e.table is not None else [])
        if t is A.LsFingerprint or t is A.LsValidate:
            op = "ls.fingerprint" if t is A.LsFingerprint else "ls.validate"
            return [(sp, op), *self.operand(e.operand, self._wrap_prefix(e.operand), True)]
        raise TypeError(f"not an expression node: {t.__name__}")  # pragma: no cover

    @staticmethod
    def operand(e: Any, wrap: bool, sp: bool) -> list:
        return [(sp, "("), _Sub(e, False), (False, ")")] if wrap else [_Sub(e, sp)]

    @staticmethod
    def items(items: tuple) -> list:
        out: list = []
        for i, item in enumerate(items):
            if i:
                out.append((False, ","))
            out.append(_Sub(item, i > 0))
        return out

    @staticmethod
    def contract(e: A.ContractExpr, sp: bool) -> list:
        if e.named:  # contract N { name: E, @3: E } / contract N {}
            out: list = [(sp, "contract"), (True, str(e.id)), (True, "{")]
            for i, entry in enumerate(e.entries):
                if i:
                    out.append((False, ","))
                label = f"@{entry.index}" if entry.name is None else _key(entry.name)
                out += [(True, label), (False, ":"), _Sub(entry.value, True)]
            return out + [(bool(e.entries), "}")]
        out = [(sp, "{"), (False, str(e.id)), (False, ":"), (True, "{")]  # {14: {@0: E}}
        for i, entry in enumerate(e.entries):
            if i:
                out.append((False, ","))
            out += [(i > 0, f"@{entry.index}"), (False, ":"), _Sub(entry.value, True)]
        return out + [(False, "}"), (False, "}")]

    def _wrap_prefix(self, operand: Any) -> bool:
        """Parentheses around the operand of `-`, `!` or an `ls.` prefix operator (§12.11)."""
        if _prec(operand) < PREFIX_PREC:  # a binary expression or a pipeline
            return True
        return not self.compact and type(operand) is A.Unary and operand.op == "-"

    @staticmethod
    def _leading_name(e: Any) -> str | None:
        """The identifier the printed ``e`` starts with (a table name there would lex as a
        TABLEREF after `ls.resolve`, §10.1)."""
        while type(e) in (A.Index, A.Member) and _prec(e.target) >= POSTFIX_PREC:
            e = e.target
        if type(e) is A.Var:
            return e.name.text
        if type(e) is A.Call:
            return e.name.text
        return None


# ---------------------------------------------------------------------------- canonical layout


class _Line:
    __slots__ = ("indent", "text", "last", "blank", "trailing")

    def __init__(self, indent: int, text: str, last: int, blank: bool) -> None:
        self.indent = indent
        self.text = text
        self.last = last  # source offset of the line's last token (places comments)
        self.blank = blank  # an empty line precedes it (after tables, between blocks)
        self.trailing = ""


class _Layout:
    """Builds the lines of §12.11, then puts the comments back between them."""

    def __init__(self, src: str, f: A.File) -> None:
        self.src = src
        self.file = f
        self.tokens = _Tokens({t.name.text for t in f.tables}, compact=False)
        self.comments = f.comments
        self.comment_starts = [c.span.start for c in f.comments]
        self.lines: list[_Line] = []
        self._blank_next = False

    # -- building
    def line(self, indent: int, text: str, last: int) -> None:
        self.lines.append(_Line(indent, text, last, self._blank_next))
        self._blank_next = False

    def is_empty(self, body: A.Body) -> bool:
        """Written `{}`: no statements and no comment inside the braces."""
        if body.stmts:
            return False
        i = bisect.bisect_right(self.comment_starts, body.span.start)
        return i == len(self.comment_starts) or self.comment_starts[i] >= body.span.end

    def open_body(self, indent: int, toks: list, body: A.Body) -> list:
        """Append `{` to the pending line and lay out the body; return the continuing line."""
        if self.is_empty(body):
            toks.append((True, "{}"))
            return toks
        toks.append((True, "{"))
        self.emit(indent, toks, body.span.start)
        self.stmts(body.stmts, indent + INDENT)
        return [(False, "}")]

    def emit(self, indent: int, toks: list, last: int) -> None:
        """Lay out a statement's tokens from ``indent``, breaking lines inside lambdas."""
        buf: list[str] = []
        for tok in toks:
            if type(tok) is _Lam:  # `(v) {` ends the line; the line after starts with `}`
                head = "".join(buf) + (" " if tok.space and buf else "") + f"({tok.param})"
                buf = [_join(self.open_body(indent, [(False, head)], tok.body))]
                continue
            sp, text = tok
            if sp and buf:
                buf.append(" ")
            buf.append(text)
        self.line(indent, "".join(buf), last)

    def stmts(self, stmts: tuple, indent: int) -> None:
        for s in stmts:
            self.stmt(s, indent)

    def stmt(self, s: Any, indent: int) -> None:
        t = type(s)
        x = self.tokens.expr
        end = s.span.end - 1
        if t is A.Let:
            toks = [(False, "local" if s.local else "let"), (True, s.name.text), (True, "=")]
            self.emit(indent, x(s.value, toks, True) + [(False, ";")], end)
        elif t is A.Return:
            toks = [(False, "return")]
            if s.value is not None:
                x(s.value, toks, True)
            self.emit(indent, toks + [(False, ";")], end)
        elif t is A.ExprStmt:
            self.emit(indent, x(s.expr, []) + [(False, ";")], end)
        elif t is A.Assert:
            toks = x(s.cond, [(False, "assert"), (False, "(")])
            self.emit(indent, toks + [(False, ")"), (False, ";")], end)
        elif t is A.Guard:
            self.emit(indent, x(s.cond, [(False, "ls.guard")], True) + [(False, ";")], end)
        elif t is A.If:
            toks = [(False, "if")]
            while True:
                toks.append((True, "("))
                toks = self.open_body(indent, x(s.cond, toks) + [(False, ")")], s.then)
                if s.orelse is None:
                    break
                toks.append((True, "else"))
                if type(s.orelse) is A.If:
                    s = s.orelse
                    toks.append((True, "if"))
                    continue
                toks = self.open_body(indent, toks, s.orelse)
                break
            self.emit(indent, toks, end)
        elif t is A.While:
            toks = x(s.cond, [(False, "while"), (True, "(")]) + [(False, ")")]
            self.emit(indent, self.open_body(indent, toks, s.body), end)
        elif t is A.For:
            toks = [(False, "for"), (True, "("), (False, s.var.text), (True, "in")]
            toks = x(s.iterable, toks, True) + [(False, ")")]
            self.emit(indent, self.open_body(indent, toks, s.body), end)
        elif t is A.Transaction:
            self.emit(indent, self.open_body(indent, [(False, "ls.transaction")], s.body), end)
        else:  # pragma: no cover - the AST has no other statement nodes
            raise TypeError(f"not a statement node: {t.__name__}")

    def build(self) -> None:
        f = self.file
        for decl in f.tables:
            self.line(0, f"latent table {decl.name.text};", decl.span.end - 1)
        self._blank_next = bool(f.tables)
        prog = f.program
        close = prog.span.end - 1
        brace = self.next_code(prog.name.span.end)
        if not prog.blocks and not self._has_comment(brace, close):
            self.line(0, f"program {prog.name.text} {{}}", close)
            return
        self.line(0, f"program {prog.name.text} {{", brace)
        for i, b in enumerate(prog.blocks):
            self._blank_next = i > 0
            toks = [(False, f"block {b.name.text}(" + ", ".join(p.text for p in b.params) + ")")]
            if b.using is not None:
                toks.append((True, f"using {b.using.text}"))
            self.emit(INDENT, self.open_body(INDENT, toks, b.body), b.body.span.end - 1)
        self.line(0, "}", close)

    def _has_comment(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.comment_starts, start)
        return i < len(self.comment_starts) and self.comment_starts[i] < end

    def next_code(self, pos: int) -> int:
        """Offset of the next token at or after ``pos`` (skipping whitespace and comments)."""
        ends = {c.span.start: c.span.end for c in self.comments}
        src = self.src
        while pos < len(src):
            if src[pos] in " \t\r\n":
                pos += 1
            elif pos in ends:
                pos = ends[pos]
            else:
                break
        return pos

    # -- comments
    def place_comments(self) -> list[list[str]]:
        """Own-line comments before each line (index ``len(lines)``: after the last line)."""
        lasts = [ln.last for ln in self.lines]
        by_last = {ln.last: ln for ln in self.lines}
        stmt_ends = {n.span.end for n in A.walk(self.file.program)
                     if type(n) in (A.Let, A.Return, A.If, A.While, A.For, A.Assert,
                                    A.Transaction, A.Guard, A.ExprStmt)}
        before: list[list[str]] = [[] for _ in range(len(self.lines) + 1)]
        src = self.src
        for c in self.comments:
            start = c.span.start
            if c.text.startswith("//"):
                j = start
                while j > 0 and src[j - 1] in " \t\r":  # lines end at LF only (§0.2)
                    j -= 1
                if j in stmt_ends:  # the `//` comment ended a statement's line: it stays there
                    by_last[j - 1].trailing = "  " + c.text
                    continue
            i = bisect.bisect_right(lasts, start)
            if i == len(self.lines):
                indent = 0
            else:
                ln = self.lines[i]
                indent = ln.indent + (INDENT if ln.text.startswith("}") else 0)
            before[i].append(" " * indent + c.text)
        return before

    def render(self) -> str:
        self.build()
        before = self.place_comments()
        out: list[str] = []
        for ln, comments in zip(self.lines, before):
            if ln.blank:
                out.append("")
            out += comments
            out.append(" " * ln.indent + ln.text + ln.trailing)
        out += before[-1]
        return "\n".join(out) + "\n"


def _join(toks: list) -> str:
    return "".join((" " if sp and i else "") + text for i, (sp, text) in enumerate(toks))


# ---------------------------------------------------------------------------- compact notation


def _needs_space(prev: str, nxt: str) -> bool:
    """Whether two adjacent tokens would lex differently without a space between them."""
    if prev[-1] in _IDENT_CHARS and nxt[0] in _IDENT_CHARS:
        return True
    return nxt[0] == '"' and prev in ("x", "b")  # a name `x`/`b` before a string: not bytes


class _Compact:
    def __init__(self, f: A.File) -> None:
        self.file = f
        self.tokens = _Tokens({t.name.text for t in f.tables}, compact=True)
        self.out: list[str] = []

    def add(self, *texts: str) -> None:
        self.out.extend(texts)

    def expr(self, e: Any) -> None:
        for tok in self.tokens.expr(e, []):
            if type(tok) is _Lam:
                self.add("(", tok.param, ")")
                self.body(tok.body)
            else:
                self.out.append(tok[1])

    def body(self, body: A.Body) -> None:
        self.add("{")
        for s in body.stmts:
            self.stmt(s)
        self.add("}")

    def stmt(self, s: Any) -> None:
        t = type(s)
        if t is A.Let:
            self.add("local" if s.local else "let", s.name.text, "=")
            self.expr(s.value)
            self.add(";")
        elif t is A.Return:
            self.add("return")
            if s.value is not None:
                self.expr(s.value)
            self.add(";")
        elif t is A.ExprStmt:
            self.expr(s.expr)
            self.add(";")
        elif t is A.Assert:
            self.add("assert", "(")
            self.expr(s.cond)
            self.add(")", ";")
        elif t is A.Guard:
            self.add("ls.guard")
            self.expr(s.cond)
            self.add(";")
        elif t is A.If:
            self.add("if", "(")
            self.expr(s.cond)
            self.add(")")
            self.body(s.then)
            if s.orelse is not None:
                self.add("else")
                if type(s.orelse) is A.If:
                    self.stmt(s.orelse)
                else:
                    self.body(s.orelse)
        elif t is A.While:
            self.add("while", "(")
            self.expr(s.cond)
            self.add(")")
            self.body(s.body)
        elif t is A.For:
            self.add("for", "(", s.var.text, "in")
            self.expr(s.iterable)
            self.add(")")
            self.body(s.body)
        elif t is A.Transaction:
            self.add("ls.transaction")
            self.body(s.body)
        else:  # pragma: no cover
            raise TypeError(f"not a statement node: {t.__name__}")

    def render(self) -> str:
        f = self.file
        for decl in f.tables:
            self.add("latent", "table", decl.name.text, ";")
        self.add("program", f.program.name.text, "{")
        for b in f.program.blocks:
            self.add("block", b.name.text, "(")
            for i, p in enumerate(b.params):
                if i:
                    self.add(",")
                self.add(p.text)
            self.add(")")
            if b.using is not None:
                self.add("using", b.using.text)
            self.body(b.body)
        self.add("}")
        return _glue(self.out)


def _glue(tokens: list[str]) -> str:
    out: list[str] = []
    prev = ""
    for tok in tokens:
        if prev and _needs_space(prev, tok):
            out.append(" ")
        out.append(tok)
        prev = tok
    return "".join(out)


def _compact_value(v: Any) -> str:
    """The canonical value literal of §7 without optional spaces (``[1,{a:x"00"}]``)."""
    t = type(v)
    if t is tuple or t is list:
        return "[" + ",".join(_compact_value(x) for x in v) + "]"
    if t is dict:
        return "{" + ",".join(_key(k) + ":" + _compact_value(v[k]) for k in sorted(v)) + "}"
    if t is Contract:
        inner = ",".join(f"@{i}:{_compact_value(v.fields[i])}" for i in sorted(v.fields))
        return f"{{{v.id}:{{{inner}}}}}"
    return hlxl_value.dump(v)


# ---------------------------------------------------------------------------- entry points


def _load(source: str, track: str):
    """``(hlxl_text, File)`` for a program, or ``(None, value)`` for a value literal."""
    if track not in ("hlxl", "hlx"):
        raise ValueError(f"track must be `hlxl` or `hlx`, not `{track}`")
    try:
        f = load(source, track=track)
    except HLXError as program_error:
        try:
            return None, (hlxl_value if track == "hlxl" else hlx_value).parse(source)
        except HLXError as value_error:
            raise program_error if _starts_program(source) else value_error from None
    return (source if track == "hlxl" else to_hlxl(source)), f


def _starts_program(text: str) -> bool:
    """Whether the first code of ``text`` is `program`, `latent` or `block` (or their glyphs):
    the error worth reporting for a text that loads neither way is then the program's."""
    for kind, start, end in segments(text):
        code = text[start:end].strip(" \t\r\n")
        if kind != "comment" and code:
            return code.startswith(("program", "latent", "block", "⟠", "ꙮ", "◇"))
    return False


@contextmanager
def _nesting_room():
    """Bodies nest up to 256 deep (§10.1) and the layout recurses a few frames per body: make
    sure Python's recursion limit has room for that (restored afterwards)."""
    old = sys.getrecursionlimit()
    if old < _RECURSION_ROOM:
        sys.setrecursionlimit(_RECURSION_ROOM)
    try:
        yield
    finally:
        if old < _RECURSION_ROOM:
            sys.setrecursionlimit(old)


_RECURSION_ROOM = 10_000


def format_source(source: str, *, track: str = "hlxl") -> str:
    """The canonical layout of §12.11 (a program) or the canonical print of §7 (a value literal).

    Programs end with one LF; a value literal's print has none.  Comments are kept in order
    (§12.11; see ``docs/formatting.md`` for the cases the spec leaves open).
    """
    text, f = _load(source, track)
    if text is None:
        out = hlxl_value.dump(f)
    else:
        with _nesting_room():
            out = _Layout(text, f).render()
    return out if track == "hlxl" else to_hlx(out)


def minify(source: str, *, track: str = "hlxl") -> str:
    """The compact notation: the shortest single-line spelling of the same program.

    Rules (the canonical layout's printer with every optional character removed):

    * no line breaks and no whitespace, except one space between two tokens that would otherwise
      merge: both touching characters are identifier characters ``[A-Za-z0-9_]`` (``let x``,
      ``return x``, ``else if``, ``ls.collapse t tag v``, ``for(x in xs)``), and a name ``x`` or
      ``b`` before a string (``ls.collapse b "s"``, never the bytes token ``b"s"``);
    * parentheses only where the parse needs them: around an operand whose operator binds less
      tightly (on the right side also when equally tightly), around a binary or pipeline operand
      of a prefix operator (``-``, ``!``, ``ls.…``), around an `ls.resolve` operand that starts
      with a table's name; ``--x`` and ``ls.validate-x`` need none;
    * literals canonical (§7: ``1.5``, ``x"6869"``, ``&h_a``, bare or quoted keys in source order,
      ``{14:{@0:1}}``, named contracts keep their names: ``contract 902{pipeline_id:"p"}``);
    * comments dropped.

    A value literal minifies to its canonical print without spaces (``{a:[1,2.5]}``).  On the HLX
    track the HLXL compact form is transliterated with :func:`to_hlx` (glyphs keep the spaces of
    their keywords, so the result is valid HLX).
    """
    text, f = _load(source, track)
    if text is None:
        out = _compact_value(f)
    else:
        with _nesting_room():
            out = _Compact(f).render()
    return out if track == "hlxl" else to_hlx(out)
