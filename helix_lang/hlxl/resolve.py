"""Static symbol resolution of HLXL programs (HLX-SPEC §12.2) and the token at a position (§12.1).

:func:`resolve` walks a loaded :class:`~helix_lang.ast.File` the way §10.4 runs it, without
running it: a scope per body, the loop variable in the ``for`` body scope, a frame per block and
per lambda (whose outer frame is the frame at the lambda's position).  Inside a statement the parts
are visited in evaluation order (``let x = e;``: ``e`` then ``x``; ``for (x in e) B``: ``e``,
``x``, ``B``).  The result, a :class:`Resolution`, knows

* every :class:`Symbol` — tables, blocks, variables and the eight builtins — with its declaring
  token (``None`` for builtins) and, for variables, how it was declared: ``let``, ``local``,
  ``param`` (block parameters **and lambda parameters**) or ``for``;
* every :class:`Occurrence` of a symbol: the :class:`~helix_lang.ast.Name` token, the symbol and
  its role, ``declare``, ``assign`` (an assigning ``let``) or ``reference``;
* the unresolved names (``E_UNDEFINED_NAME`` of §12.3): expression IDENTs that resolve to no
  variable, and call or stage names that are neither a block nor a builtin.

Positions: the AST (and so every ``Name.span``) is in 1-based HLXL coordinates.  When the
resolution was made from a source text (:func:`analyze`, or ``resolve(file, text, track=...)``) it
also answers the language-service questions, which use **0-based** line and column of the text as
given (HLX coordinates on the runic track, mapped as §12.7 says): :func:`symbol_at`,
:func:`occurrence_at`, :meth:`Resolution.token_at` and :meth:`Resolution.position`.

>>> src = "program p { block main() { let x = 1; let x = x + 1; return x; } }"
>>> res = analyze(src)
>>> sym = symbol_at(res, 0, 60)
>>> sym.name, sym.decl_kind, [res.position(n) for n in references(sym)]
('x', 'let', [(0, 31), (0, 42), (0, 46), (0, 60)])
>>> [o.role for o in sym.occurrences]
['declare', 'reference', 'assign', 'reference']
"""

from __future__ import annotations

import contextlib
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple

from .. import ast as A
from ..errors import line_col, offset_of
from ..lexical import RESERVED
from ..translit import Mapping, translit
from .parser import BUILTINS, load
from .syntax import LSOPS

__all__ = ["Symbol", "Occurrence", "Unresolved", "Resolution", "Token", "resolve", "analyze",
           "symbol_at", "occurrence_at", "references", "definition", "tokens", "deep_recursion"]


@dataclass(eq=False)
class Symbol:
    """A table, block, variable or builtin.

    ``decl`` is the declaring token (``None`` for builtins).  ``decl_kind`` says how a variable
    was declared: ``let``, ``local``, ``param`` (block or lambda parameter) or ``for``; it is
    ``None`` for the other kinds.  ``node`` is the declaring construct: the ``TableDecl``, the
    ``Block`` (for a block and for its parameters), the ``Let``, the ``For``, or the ``Pipe``
    whose lambda stage declares the parameter.
    """

    kind: str  # "table" | "block" | "variable" | "builtin"
    name: str
    decl: A.Name | None
    decl_kind: str | None = None
    node: Any = field(default=None, repr=False)
    occurrences: list["Occurrence"] = field(default_factory=list, repr=False)

    @property
    def lambda_param(self) -> bool:
        """Whether this variable is the parameter of a lambda stage (``x |> (v){…}``)."""
        return isinstance(self.node, A.Pipe)

    @property
    def bindings(self) -> list["Occurrence"]:
        """The declaring and assigning occurrences, in source order."""
        return [o for o in self.occurrences if o.role != "reference"]


@dataclass(frozen=True, eq=False)
class Occurrence:
    """One token naming a symbol: ``role`` is ``declare``, ``assign`` or ``reference``.

    ``node`` is the construct the token belongs to: ``Var``, ``Call``, ``Pipe`` (stage name or
    lambda parameter), ``Let``, ``For``, ``Block``, ``TableDecl``, or the ``ls.`` operation of a
    TABLEREF.
    """

    name: A.Name
    symbol: Symbol
    role: str
    node: Any = field(default=None, repr=False)


class Unresolved(NamedTuple):
    """A name that resolves to nothing: ``what`` is ``variable``, ``call`` or ``stage``."""

    name: A.Name
    what: str
    node: Any


class Token(NamedTuple):
    """A token of HLXL text: ``kind`` is ``ident``, ``keyword``, ``lsop``, ``number``, ``string``,
    ``bytes``, ``handle``, ``field`` or ``punct``; ``start``/``end`` are string offsets."""

    kind: str
    text: str
    start: int
    end: int


_TOKEN_RE = re.compile(r"""
   (?P<ws>[ \t\r\n]+)
  |(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
  |(?P<bytes>x"[^"]*"|b"(?:[^"\\\n]|\\[^\n])*")
  |(?P<string>"(?:[^"\\\n]|\\.)*"?)
  |(?P<handle>&h_[A-Za-z0-9_]+)
  |(?P<field>@[0-9]+)
  |(?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  |(?P<word>(?:ls\.)?[A-Za-z_][A-Za-z0-9_]*)
  |(?P<punct>\|>|\|\||&&|==|!=|<=|>=|.)
""", re.X | re.S)


def tokens(text: str) -> list[Token]:
    """The tokens of an HLXL text (comments and whitespace are not tokens, §12.1).

    Meant for texts that load; on others it still splits the text without failing.
    """
    out = []
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        value = m.group()
        if kind == "word":
            kind = "lsop" if value in LSOPS else "keyword" if value in RESERVED else "ident"
        out.append(Token(kind, value, m.start(), m.end()))
    return out


@contextlib.contextmanager
def deep_recursion(limit: int = 20000) -> Iterator[None]:
    """Raise Python's recursion limit for the recursive AST walks (long operator chains)."""
    old = sys.getrecursionlimit()
    if old < limit:
        sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        if old < limit:
            sys.setrecursionlimit(old)


def _key(name: A.Name) -> tuple[int, int]:
    return name.span.start, name.span.end


@dataclass(eq=False)
class Resolution:
    """The symbols of one file and what every name token resolves to (§12.2).

    ``text``/``track`` are the source as given (``None`` when resolved from a bare AST), ``hlxl``
    its HLXL text and ``mapping`` the HLX → HLXL position mapping (``None`` on the HLXL track).
    """

    file: A.File
    symbols: list[Symbol] = field(default_factory=list)
    occurrences: dict[tuple[int, int], Occurrence] = field(default_factory=dict)
    unresolved: list[Unresolved] = field(default_factory=list)
    tables: dict[str, Symbol] = field(default_factory=dict)
    blocks: dict[str, Symbol] = field(default_factory=dict)
    builtins: dict[str, Symbol] = field(default_factory=dict)
    text: str | None = None
    track: str = "hlxl"
    hlxl: str | None = None
    mapping: Mapping | None = None
    _tokens: list[Token] | None = field(default=None, repr=False)
    _inverse: Mapping | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ by AST node
    def occurrence(self, name: A.Name) -> Occurrence | None:
        """The occurrence of a name token (declarations included), or ``None``."""
        return self.occurrences.get(_key(name))

    def symbol_of(self, name: A.Name) -> Symbol | None:
        occ = self.occurrences.get(_key(name))
        return occ.symbol if occ else None

    # ------------------------------------------------------------------ by position
    def _need_text(self) -> str:
        if self.hlxl is None:
            raise ValueError("this resolution has no source text; use `analyze(text)` or "
                             "`resolve(file, text)` for position queries")
        return self.hlxl

    def token_list(self) -> list[Token]:
        """The tokens of the HLXL text (offsets into :attr:`hlxl`)."""
        if self._tokens is None:
            self._tokens = tokens(self._need_text())
        return self._tokens

    def offset(self, line: int, column: int) -> int:
        """The HLXL string offset of a 0-based (line, column) of the source as given."""
        src = self.text if self.text is not None else self._need_text()
        off = offset_of(src, line + 1, column + 1)
        return self.mapping.index(off) if self.mapping is not None else off

    def token_at(self, line: int, column: int) -> Token | None:
        """The token at a 0-based position of the source (§12.1): the token whose span contains
        the column, or else the token that ends exactly at it; ``None`` when there is none."""
        if line < 0 or column < 0:
            return None
        src = self.text if self.text is not None else self._need_text()
        lines = src.split("\n")
        if line >= len(lines) or column > len(lines[line]):
            return None
        off = self.offset(line, column)
        ending = None
        for tok in self.token_list():
            if tok.start <= off < tok.end:
                return tok
            if tok.end == off:
                ending = tok
            elif tok.start > off:
                break
        return ending

    def position(self, where: A.Name | A.Span) -> tuple[int, int]:
        """0-based (line, column) in the source as given of a name token or span start."""
        span = where.span if isinstance(where, A.Name) else where
        if self.mapping is None:
            return span.line - 1, span.column - 1
        if self._inverse is None:
            self._inverse = self.mapping.inverse()
        line, col = line_col(self.text, self._inverse.index(span.start))
        return line - 1, col - 1


class _Frame:
    __slots__ = ("scopes", "outer")

    def __init__(self, outer: "_Frame | None") -> None:
        self.scopes: list[dict[str, Symbol]] = [{}]
        self.outer = outer

    def lookup_current(self, name: str) -> Symbol | None:
        for scope in reversed(self.scopes):
            sym = scope.get(name)
            if sym is not None:
                return sym
        return None

    def lookup(self, name: str) -> Symbol | None:
        frame: _Frame | None = self
        while frame is not None:
            sym = frame.lookup_current(name)
            if sym is not None:
                return sym
            frame = frame.outer
        return None


class _Resolver:
    def __init__(self, res: Resolution) -> None:
        self.res = res
        self.frame = _Frame(None)

    # ------------------------------------------------------------------ bookkeeping
    def new_symbol(self, kind: str, name: A.Name | None, text: str, decl_kind: str | None,
                   node: Any) -> Symbol:
        sym = Symbol(kind, text, name, decl_kind, node)
        self.res.symbols.append(sym)
        if name is not None:
            self.occur(name, sym, "declare", node)
        return sym

    def occur(self, name: A.Name, sym: Symbol, role: str, node: Any) -> None:
        occ = Occurrence(name, sym, role, node)
        sym.occurrences.append(occ)
        self.res.occurrences[_key(name)] = occ

    def declare_var(self, name: A.Name, decl_kind: str, node: Any, scope: dict) -> None:
        scope[name.text] = self.new_symbol("variable", name, name.text, decl_kind, node)

    def callee(self, name: A.Name, node: Any, what: str) -> None:
        sym = self.res.blocks.get(name.text) or self.res.builtins.get(name.text)
        if sym is None:
            self.res.unresolved.append(Unresolved(name, what, node))
        else:
            self.occur(name, sym, "reference", node)

    def table(self, name: A.Name | None, node: Any) -> None:
        if name is not None and name.text in self.res.tables:
            self.occur(name, self.res.tables[name.text], "reference", node)

    # ------------------------------------------------------------------ file
    def run(self, f: A.File) -> None:
        res = self.res
        for bname in BUILTINS:
            res.builtins[bname] = self.new_symbol("builtin", None, bname, None, None)
        for t in f.tables:
            sym = self.new_symbol("table", t.name, t.name.text, None, t)
            res.tables.setdefault(t.name.text, sym)
        for b in f.program.blocks:
            sym = self.new_symbol("block", b.name, b.name.text, None, b)
            res.blocks.setdefault(b.name.text, sym)
        for b in f.program.blocks:
            self.table(b.using, b)
            self.frame = _Frame(None)
            for p in b.params:
                self.declare_var(p, "param", b, self.frame.scopes[0])
            self.stmts(b.body.stmts)

    # ------------------------------------------------------------------ statements
    def stmts(self, stmts: tuple) -> None:
        for s in stmts:
            self.stmt(s)

    def scoped(self, body: A.Body) -> None:
        self.frame.scopes.append({})
        self.stmts(body.stmts)
        self.frame.scopes.pop()

    def stmt(self, s: Any) -> None:
        if isinstance(s, A.Let):
            self.expr(s.value)
            if s.local:
                self.declare_var(s.name, "local", s, self.frame.scopes[-1])
                return
            sym = self.frame.lookup_current(s.name.text)
            if sym is not None:
                self.occur(s.name, sym, "assign", s)
            else:
                self.declare_var(s.name, "let", s, self.frame.scopes[0])
        elif isinstance(s, A.Return):
            if s.value is not None:
                self.expr(s.value)
        elif isinstance(s, A.If):
            self.expr(s.cond)
            self.scoped(s.then)
            if isinstance(s.orelse, A.Body):
                self.scoped(s.orelse)
            elif s.orelse is not None:
                self.stmt(s.orelse)
        elif isinstance(s, A.While):
            self.expr(s.cond)
            self.scoped(s.body)
        elif isinstance(s, A.For):
            self.expr(s.iterable)
            self.frame.scopes.append({})
            self.declare_var(s.var, "for", s, self.frame.scopes[-1])
            self.stmts(s.body.stmts)
            self.frame.scopes.pop()
        elif isinstance(s, A.Transaction):
            self.scoped(s.body)
        elif isinstance(s, (A.Assert, A.Guard)):
            self.expr(s.cond)
        elif isinstance(s, A.ExprStmt):
            self.expr(s.expr)
        else:  # pragma: no cover - the AST has no other statements
            raise TypeError(f"unknown statement {type(s).__name__}")

    # ------------------------------------------------------------------ expressions
    def expr(self, e: Any) -> None:
        if isinstance(e, A.Var):
            sym = self.frame.lookup(e.name.text)
            if sym is None:
                self.res.unresolved.append(Unresolved(e.name, "variable", e))
            else:
                self.occur(e.name, sym, "reference", e)
        elif isinstance(e, A.Call):
            self.callee(e.name, e, "call")
            for a in e.args:
                self.expr(a)
        elif isinstance(e, A.Pipe):
            self.expr(e.value)
            if isinstance(e.stage, A.Name):
                self.callee(e.stage, e, "stage")
            else:
                outer = self.frame
                self.frame = _Frame(outer)
                self.declare_var(e.stage.param, "param", e, self.frame.scopes[0])
                self.stmts(e.stage.body.stmts)
                self.frame = outer
        elif isinstance(e, A.LsCollapse):
            self.table(e.table, e)
            self.expr(e.operand)
        elif isinstance(e, A.LsResolve):
            self.table(e.table, e)
            self.expr(e.operand)
        elif isinstance(e, A.LsSnapshot):
            self.table(e.table, e)
        elif isinstance(e, A.ArrayExpr):
            for x in e.items:
                self.expr(x)
        elif isinstance(e, (A.MapExpr, A.ContractExpr)):
            for entry in e.entries:
                self.expr(entry.value)
        elif isinstance(e, A.Binary):
            self.expr(e.left)
            self.expr(e.right)
        elif isinstance(e, A.Index):
            self.expr(e.target)
            self.expr(e.index)
        elif isinstance(e, A.Member):
            self.expr(e.target)
        elif isinstance(e, (A.Unary, A.LsFingerprint, A.LsValidate)):
            self.expr(e.operand)
        # Literal: nothing to resolve


def resolve(file: A.File, text: str | None = None, *, track: str = "hlxl") -> Resolution:
    """Resolve every name of a loaded file (§12.2).

    Pass the source ``text`` (in its ``track``) to enable the position queries; the AST must be
    the one parsed from that text.
    """
    res = Resolution(file)
    if text is not None:
        res.text, res.track = text, track
        if track == "hlx":
            res.mapping = translit(text, "hlxl")
            res.hlxl = res.mapping.dst
        elif track == "hlxl":
            res.hlxl = text
        else:
            raise ValueError(f"track must be `hlxl` or `hlx`, not `{track}`")
    with deep_recursion():
        _Resolver(res).run(file)
    return res


def analyze(text: str, *, track: str = "hlxl") -> Resolution:
    """Load ``text`` (raising :class:`~helix_lang.errors.HLXError` when it does not load, §10.3)
    and resolve it, keeping the text for position queries."""
    return resolve(load(text, track=track), text, track=track)


def occurrence_at(res: Resolution, line: int, column: int) -> Occurrence | None:
    """The occurrence (declarations included) of the token at a 0-based position, or ``None``
    when that token names no symbol (keywords, literals, tags, member names, unresolved
    names…)."""
    tok = res.token_at(line, column)
    if tok is None:
        return None
    return res.occurrences.get((tok.start, tok.end))


def symbol_at(res: Resolution, line: int, column: int) -> Symbol | None:
    """The symbol named by the token at a 0-based (line, column) of the source (§12.1)."""
    occ = occurrence_at(res, line, column)
    return occ.symbol if occ else None


def references(symbol: Symbol) -> list[A.Name]:
    """The declaring token and every occurrence of ``symbol`` (assigning ``let``s included; for a
    builtin every call and stage name), sorted by position (§12.8)."""
    return sorted((o.name for o in symbol.occurrences),
                  key=lambda n: (n.span.line, n.span.column))


def definition(symbol: Symbol) -> A.Name | None:
    """The declaring token of a table, block or variable; ``None`` for builtins (§12.8)."""
    return symbol.decl if symbol.kind != "builtin" else None
