"""HLXL value literals (HLX-SPEC §7), parsed with the program grammar's ``value_literal`` rule.

>>> parse('contract 902 { pipeline_id: "p", stages: [&h_a] } // named sugar')
Contract(902, {0: 'p', 1: (Handle('a'),)})
>>> dump(parse('{b: x"00ff", "let": -0.0, a: [1, 2.50, "é"]}'))
'{a: [1, 2.5, "é"], b: x"00ff", "let": 0.0}'
"""

from __future__ import annotations

import re
from typing import Any

from .. import lexical
from ..contracts import REGISTRY
from ..errors import HLXError, line_col
from ..grammar import callback_parser
from ..hlxl.syntax import KEYWORD_TYPES, LSOPS
from ..lexical import parse_hex, parse_number, unquote
from ..translit import segments
from ..values import MAX_DEPTH, Contract, Handle
from .common import (
    build_contract,
    build_map,
    check_value_depth,
    contract_id,
    field_index,
    run_parser,
)

__all__ = ["parse", "dump", "dump_with"]


class HlxlValueToValue:
    """Builds values from the ``value_literal`` rule while the LALR parser reduces.

    Plain Lark parser callbacks: each method receives the list of the rule's kept children (the
    named bracket tokens included).  ``IDENT`` is a terminal callback, run when the parser
    shifts a map key or entry name.
    """

    def IDENT(self, tok):  # noqa: N802 - Lark calls terminal callbacks by terminal name
        v = tok.value
        if v == "ls" or v.startswith("ls."):  # what HlxlPostLex reports for these words
            raise HLXError(
                "E_LC_PARSE",
                f"`{v}` is not a latent-space operation; use one of "
                + ", ".join(f"`{op}`" for op in LSOPS),
                line=tok.line, column=tok.column, end_column=tok.end_column)
        return tok

    def value_literal(self, c):
        return c[0]

    def vnumber(self, c):
        tok = c[0]
        return parse_number(tok.value, tok.line, tok.column)

    def vstring(self, c):
        tok = c[0]
        return unquote(tok.value, tok.line, tok.column)

    def vbytes(self, c):
        tok = c[0]
        if tok.value[0] == "x":
            return parse_hex(tok.value[2:-1], tok.line, tok.column + 2)
        return lexical.parse_bstring(tok.value, tok.line, tok.column)

    def vhandle(self, c):
        return Handle(c[0].value[3:])

    def vnull(self, _c):
        return None

    def vtrue(self, _c):
        return True

    def vfalse(self, _c):
        return False

    def varray(self, c):  # LSQB value* RSQB
        return tuple(c[1:-1])

    def vpair(self, c):
        return c[0], c[1]

    def vmap(self, c):  # LBRACE vpair* RBRACE
        return build_map(c[1:-1], hlxl=True)

    def vfield(self, c):
        tok = c[0]
        return field_index(tok.value[1:], tok, tok.column + 1), tok, c[1]

    def vcontract(self, c):  # LBRACE UINT LBRACE vfield* RBRACE RBRACE
        id_tok = c[1]
        return build_contract(contract_id(id_tok.value, id_tok), c[3:-2])

    def ventry(self, c):
        label = c[0]
        if label.type == "FIELD":
            return self.vfield(c)
        return None, label, c[1]  # a name, resolved by `vnamed`

    def vnamed(self, c):  # CONTRACT UINT LBRACE ventry* RBRACE
        id_tok = c[1]
        cid = contract_id(id_tok.value, id_tok)
        spec = REGISTRY.get(cid)
        fields = []
        for index, tok, value in c[3:-1]:
            if index is None:
                name = lexical.unquote(tok.value, tok.line, tok.column) \
                    if tok.type == "STRING" else tok.value
                fs = spec.field_by_name(name) if spec else None
                if fs is None:
                    where = f"contract {cid} {spec.name}" if spec else f"unregistered contract {cid}"
                    raise HLXError("E_CONTRACT_UNKNOWN_FIELD",
                                   f"{where} has no field named `{lexical.shown(name)}`",
                                   line=tok.line, column=tok.column, end_column=tok.end_column)
                index = fs.index
            fields.append((index, tok, value))
        return build_contract(cid, fields)


def _retype_keyword(tok):
    """Lexer callback for IDENT: a reserved word becomes its keyword terminal (as the program
    post-lexer does), so that the parser rejects it as a key with a syntax error (§10.1)."""
    kw = KEYWORD_TYPES.get(tok.value)
    if kw is not None:
        tok.type = kw
    return tok


#: Value literals need only the stateless part of :class:`HlxlPostLex` (no ``latent table``
#: declarations, so no TABLEREF): retyping reserved words, done by a lexer callback (which,
#: unlike a post-lexer, also runs under lark-cython), and rejecting ``ls.…`` words, done by
#: the ``IDENT`` terminal callback of :class:`HlxlValueToValue`.
_LEXER_CALLBACKS = (("IDENT", _retype_keyword),)


_CONTRACT_INNER = re.compile(r"\{\s*\d+\s*:\s*\{")


def locate_too_deep(text: str) -> tuple[int, int]:
    """Line/column of the opener that makes an HLXL value literal deeper than 64."""
    stack: list[bool] = []
    level = 0
    for kind, start, end in segments(text):
        if kind != "code":
            continue
        i = start
        while i < end:
            ch = text[i]
            if ch in "[{":
                m = _CONTRACT_INNER.match(text, i) if ch == "{" else None
                stack.append(True)
                level += 1
                if level > MAX_DEPTH:
                    return line_col(text, i)
                if m:  # `{N: {` opens one contract: the inner brace does not count
                    stack.append(False)
                    i = m.end()
                    continue
            elif ch in "]}" and stack:
                level -= stack.pop()
            i += 1
    return 1, 1


def parse(text: str) -> Any:
    """Parse an HLXL value literal into a value; raise :class:`HLXError` on any defect."""
    lark = callback_parser("hlxl", "value_literal", HlxlValueToValue, _LEXER_CALLBACKS)
    value = run_parser(lark, text)
    check_value_depth(text, value, "[{", locate_too_deep)
    return value


_KEY_TEXT: dict[str, str] = {}  # key → its spelling (bare or quoted), for the first 4096 keys


def _key(k: str) -> str:
    text = _KEY_TEXT.get(k)
    if text is None:
        text = k if lexical.bare_key_ok(k, hlxl=True) else lexical.quote(k, ascii_only=False)
        if len(_KEY_TEXT) < 4096:
            _KEY_TEXT[k] = text
    return text


def _too_deep() -> HLXError:
    return HLXError("E_DEPTH_EXCEEDED", f"value depth is above {MAX_DEPTH}")


def dump_with(v: Any, handle_prefix: str, d: int = 0) -> str:
    """The canonical literal of §7, with handles written ``handle_prefix + name``."""
    t = type(v)
    if t is str:
        return lexical.quote(v, ascii_only=False)
    if t is int:
        return str(v)
    if t is tuple or t is list:
        if d >= MAX_DEPTH:
            raise _too_deep()
        return "[" + ", ".join([dump_with(x, handle_prefix, d + 1) for x in v]) + "]"
    if t is dict:
        if d >= MAX_DEPTH:
            raise _too_deep()
        return "{" + ", ".join([_key(k) + ": " + dump_with(v[k], handle_prefix, d + 1)
                                for k in sorted(v)]) + "}"
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is float:
        return lexical.format_float(v)
    if t is bytes:
        return 'x"' + v.hex() + '"'
    if t is Handle:
        return handle_prefix + v.name
    if t is Contract:
        if d >= MAX_DEPTH:
            raise _too_deep()
        inner = ", ".join([f"@{i}: {dump_with(v.fields[i], handle_prefix, d + 1)}"
                           for i in sorted(v.fields)])
        return f"{{{v.id}: {{{inner}}}}}"
    raise TypeError(f"not an HLX value: {t.__name__}")


def dump(value: Any) -> str:
    """Canonical HLXL value literal: `, ` and `: `, sorted keys, `&h_` handles, no sugar."""
    return dump_with(value, "&h_")
