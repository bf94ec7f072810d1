"""HLXL program syntax: the post-lexer of §10.1 and the transformer into the AST of
:mod:`helix_lang.ast`, applied while the LALR parser reduces.

Errors are split as §12.3 needs them: a *syntax* error (the text does not match the grammar,
including reserved words used as names and unknown ``ls.`` words) stops the parse at once; a
*literal* error (bad escape, bad hex, overflow, duplicate key, field order, unknown named field)
is collected, and the first one in text order is raised after the whole text parsed, so that a
later syntax error still wins.
"""

from __future__ import annotations

import threading
from typing import Any

from lark import Token, Transformer, v_args
from lark.indenter import PostLex

from .. import ast as A
from .. import lexical
from ..contracts import REGISTRY
from ..errors import HLXError
from ..lexical import RESERVED
from ..values import CONTRACT_ID_MAX, FIELD_INDEX_MAX, Handle

__all__ = ["HlxlPostLex", "HlxlToAst", "KEYWORD_TYPES", "LSOPS", "tspan", "collect",
           "literal_errors"]

LSOPS = ("ls.collapse", "ls.resolve", "ls.snapshot", "ls.transaction", "ls.guard",
         "ls.fingerprint", "ls.validate")
#: Terminal name of each reserved word and `ls.` operation in ``hlxl.lark``.
KEYWORD_TYPES = {w: w.upper() for w in RESERVED if w != "ls"}
KEYWORD_TYPES.update({op: op.replace(".", "_").upper() for op in LSOPS})
_TABLE_OPS = frozenset(("LS_COLLAPSE", "LS_RESOLVE", "LS_SNAPSHOT"))

_state = threading.local()
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def collect(err: HLXError) -> None:
    """Record a literal error of the parse in progress (raised later in text order)."""
    _state.errors.append(err)


def literal_errors() -> list[HLXError]:
    return _state.errors


def reset() -> None:
    _state.errors = []


class HlxlPostLex(PostLex):
    """Retypes reserved words, rejects unknown ``ls.`` words and produces TABLEREF (§10.1)."""

    always_accept = ()

    def process(self, stream):
        tables: set[str] = set()
        prev = prev2 = None
        last = None
        for tok in stream:
            if (last is not None and tok.start_pos == last.end_pos
                    and last.value[-1] in _WORD_CHARS and tok.value[0] in _WORD_CHARS):
                # `programp`, `blockmain`, `1x`: the contextual lexer split one word in two
                raise HLXError("E_LC_PARSE",
                               f"`{last.value}{tok.value}` is not a token here; separate the "
                               f"words with a space", line=last.line, column=last.column,
                               end_column=tok.end_column)
            last = tok
            if tok.type == "IDENT" or tok.type == "TABLEREF":
                v = tok.value
                kw = KEYWORD_TYPES.get(v)
                if kw is not None:
                    tok.type = kw  # a reserved word where a name is expected: a syntax error
                elif v == "ls" or v.startswith("ls."):
                    raise HLXError(
                        "E_LC_PARSE",
                        f"`{v}` is not a latent-space operation; use one of "
                        + ", ".join(f"`{op}`" for op in LSOPS),
                        line=tok.line, column=tok.column, end_column=tok.end_column)
                elif prev in _TABLE_OPS and v in tables:
                    tok.type = "TABLEREF"
                else:
                    tok.type = "IDENT"
                    if prev == "TABLE" and prev2 == "LATENT":
                        tables.add(v)
            prev2, prev = prev, tok.type
            yield tok


def tspan(tok: Token) -> A.Span:
    return A.Span(tok.line, tok.column, tok.end_line, tok.end_column, tok.start_pos, tok.end_pos)


def _sp(x: Any) -> A.Span:
    return tspan(x) if isinstance(x, Token) else x.span


def cover(a: Any, b: Any) -> A.Span:
    return A.Span.cover(_sp(a), _sp(b))


def _name(tok: Token) -> A.Name:
    return A.Name(tok.value, tspan(tok))


def _literal_error(err: HLXError, tok: Token) -> A.Literal:
    collect(err)
    return A.Literal("null", None, tspan(tok))


def decode_key(tok: Token) -> str:
    """A map key or entry name: bare IDENT (never reserved: those are retyped) or a string."""
    if tok.type == "STRING":
        try:
            return lexical.unquote(tok.value, tok.line, tok.column)
        except HLXError as e:
            collect(e)
            return tok.value
    return tok.value


def _uint(tok: Token, limit: int, what: str) -> int:
    try:
        return lexical.parse_uint(tok.value, limit, what, tok.line, tok.column)
    except HLXError as e:
        collect(e)
        return 0


def check_entries_order(entries, label_tokens) -> None:
    last = -1
    for entry, tok in zip(entries, label_tokens):
        if entry.index is None:
            continue
        if entry.index <= last:
            code = "E_DUPLICATE_FIELD" if entry.index == last else "E_FIELD_ORDER"
            why = "is repeated" if entry.index == last else f"comes after the larger index {last}"
            collect(HLXError(code, f"field @{entry.index} {why}; contract fields must be strictly "
                             f"ascending", line=tok.line, column=tok.column,
                             end_column=tok.end_column))
        last = max(last, entry.index)


@v_args(inline=True)
class HlxlToAst(Transformer):
    """Builds :mod:`helix_lang.ast` nodes; literal errors go to :func:`collect`."""

    check_order = True

    # ------------------------------------------------------------------ top level
    def file(self, *items):
        tables = tuple(i for i in items if isinstance(i, A.TableDecl))
        program = items[-1]
        first = tables[0] if tables else program
        return A.File(tables, program, (), cover(first, program))

    def table_decl(self, latent, _table, ident, semi):
        return A.TableDecl(_name(ident), cover(latent, semi))

    def program(self, kw, ident, _lbrace, *rest):
        return A.Program(_name(ident), tuple(rest[:-1]), cover(kw, rest[-1]))

    def params(self, *idents):
        return tuple(_name(t) for t in idents)

    def block(self, kw, ident, _lpar, *rest):
        params: tuple = ()
        using = None
        for item in rest[:-1]:
            if isinstance(item, tuple):
                params = item
            elif isinstance(item, Token) and item.type == "IDENT":
                using = _name(item)
        body = rest[-1]
        return A.Block(_name(ident), params, using, body, cover(kw, body))

    def body(self, lbrace, *rest):
        return A.Body(tuple(rest[:-1]), cover(lbrace, rest[-1]))

    # ------------------------------------------------------------------ statements
    def let_stmt(self, kw, ident, expr, semi):
        return A.Let(_name(ident), expr, False, cover(kw, semi))

    def local_stmt(self, kw, ident, expr, semi):
        return A.Let(_name(ident), expr, True, cover(kw, semi))

    def return_stmt(self, kw, *rest):
        value = rest[0] if len(rest) == 2 else None
        return A.Return(value, cover(kw, rest[-1]))

    def if_stmt(self, kw, _lpar, cond, _rpar, then, *rest):
        orelse = rest[1] if rest else None
        return A.If(cond, then, orelse, cover(kw, orelse or then))

    def while_stmt(self, kw, _lpar, cond, _rpar, body):
        return A.While(cond, body, cover(kw, body))

    def for_stmt(self, kw, _lpar, ident, _in, iterable, _rpar, body):
        return A.For(_name(ident), iterable, body, cover(kw, body))

    def assert_stmt(self, kw, _lpar, cond, _rpar, semi):
        return A.Assert(cond, cover(kw, semi))

    def transaction_stmt(self, kw, body):
        return A.Transaction(body, cover(kw, body))

    def guard_stmt(self, kw, cond, semi):
        return A.Guard(cond, cover(kw, semi))

    def expr_stmt(self, expr, semi):
        return A.ExprStmt(expr, cover(expr, semi))

    # ------------------------------------------------------------------ expressions
    def pipe_name(self, value, op, ident):
        return A.Pipe(value, _name(ident), cover(value, ident), tspan(op))

    def pipe_lambda(self, value, op, lpar, ident, _rpar, body):
        lam = A.Lambda(_name(ident), body, cover(lpar, body))
        return A.Pipe(value, lam, cover(value, body), tspan(op))

    def binary(self, left, op, right):
        return A.Binary(op.value, left, right, cover(left, right), tspan(op))

    def unary(self, op, operand):
        return A.Unary(op.value, operand, cover(op, operand), tspan(op))

    def ls_collapse(self, op, *rest):
        table = _name(rest[0]) if len(rest) == 3 else None
        return A.LsCollapse(table, _name(rest[-2]), rest[-1], cover(op, rest[-1]), tspan(op))

    def ls_resolve(self, op, *rest):
        table = _name(rest[0]) if len(rest) == 2 else None
        return A.LsResolve(table, rest[-1], cover(op, rest[-1]), tspan(op))

    def ls_snapshot(self, op, table=None):
        return A.LsSnapshot(_name(table) if table else None, cover(op, table or op), tspan(op))

    def ls_fingerprint(self, op, operand):
        return A.LsFingerprint(operand, cover(op, operand), tspan(op))

    def ls_validate(self, op, operand):
        return A.LsValidate(operand, cover(op, operand), tspan(op))

    def index(self, target, lsqb, idx, rsqb):
        return A.Index(target, idx, cover(target, rsqb), tspan(lsqb))

    def member(self, target, _dot, ident):
        return A.Member(target, _name(ident), cover(target, ident))

    def number(self, tok):
        try:
            v = lexical.parse_number(tok.value, tok.line, tok.column, allow_min=True)
        except HLXError as e:
            return _literal_error(e, tok)
        return A.Literal("int" if type(v) is int else "float", v, tspan(tok))

    def string(self, tok):
        try:
            return A.Literal("text", lexical.unquote(tok.value, tok.line, tok.column), tspan(tok))
        except HLXError as e:
            return _literal_error(e, tok)

    def bytes(self, tok):
        try:
            if tok.value[0] == "x":
                v = lexical.parse_hex(tok.value[2:-1], tok.line, tok.column + 2)
            else:
                v = lexical.parse_bstring(tok.value, tok.line, tok.column)
        except HLXError as e:
            return _literal_error(e, tok)
        return A.Literal("bytes", v, tspan(tok))

    def handle(self, tok):
        return A.Literal("handle", Handle(tok.value[3:]), tspan(tok))

    def null(self, tok):
        return A.Literal("null", None, tspan(tok))

    def true(self, tok):
        return A.Literal("bool", True, tspan(tok))

    def false(self, tok):
        return A.Literal("bool", False, tspan(tok))

    def var(self, ident):
        name = _name(ident)
        return A.Var(name, name.span)

    def call(self, ident, _lpar, *rest):
        return A.Call(_name(ident), tuple(rest[:-1]), cover(ident, rest[-1]))

    def paren(self, _lpar, expr, _rpar):
        return expr

    def array(self, lsqb, *rest):
        return A.ArrayExpr(tuple(rest[:-1]), cover(lsqb, rest[-1]))

    def map_entry(self, key, value):
        return A.MapEntry(decode_key(key), value, tspan(key)), key

    def map(self, lbrace, *rest):
        entries, seen = [], set()
        for entry, tok in rest[:-1]:
            if entry.key in seen:
                collect(HLXError("E_DUPLICATE_KEY", f"map key `{entry.key}` appears twice",
                                 line=tok.line, column=tok.column, end_column=tok.end_column))
            seen.add(entry.key)
            entries.append(entry)
        return A.MapExpr(tuple(entries), cover(lbrace, rest[-1]))

    def field_entry(self, tok, value):
        index = _uint(Token("UINT", tok.value[1:], line=tok.line, column=tok.column + 1),
                      FIELD_INDEX_MAX, "field index")
        return A.FieldEntry(index, None, value, tspan(tok)), tok

    def contract(self, lbrace, id_tok, _lb2, *rest):
        cid = _uint(id_tok, CONTRACT_ID_MAX, "contract id")
        pairs = rest[:-2]
        entries = tuple(e for e, _ in pairs)
        if self.check_order:
            check_entries_order(entries, [t for _, t in pairs])
        return A.ContractExpr(cid, entries, False, cover(lbrace, rest[-1]), tspan(id_tok))

    def named_entry(self, label, value):
        if label.type == "FIELD":
            return self.field_entry(label, value)
        return A.FieldEntry(None, decode_key(label), value, tspan(label),
                            quoted=label.type == "STRING"), label

    def named_contract(self, kw, id_tok, _lbrace, *rest):
        cid = _uint(id_tok, CONTRACT_ID_MAX, "contract id")
        pairs = rest[:-1]
        spec = REGISTRY.get(cid)
        entries = []
        for entry, tok in pairs:
            if entry.name is not None:
                fs = spec.field_by_name(entry.name) if spec else None
                if fs is None:
                    where = f"contract {cid} {spec.name}" if spec else f"unregistered contract {cid}"
                    collect(HLXError("E_CONTRACT_UNKNOWN_FIELD",
                                     f"{where} has no field named `{entry.name}`",
                                     line=tok.line, column=tok.column, end_column=tok.end_column))
                else:
                    entry = A.FieldEntry(fs.index, entry.name, entry.value, entry.label_span,
                                         entry.quoted)
            entries.append(entry)
        if self.check_order:
            check_entries_order(entries, [t for _, t in pairs])
        return A.ContractExpr(cid, tuple(entries), True, cover(kw, rest[-1]), tspan(id_tok))


class HlxlToAstUnordered(HlxlToAst):
    """The same, with the field-order checks switched off (the sort-fields refactoring)."""

    check_order = False
