"""HLXL value literals (HLX-SPEC §7), parsed with the program grammar's ``value_literal`` rule.

>>> parse('contract 902 { pipeline_id: "p", stages: [&h_a] } // named sugar')
Contract(902, {0: 'p', 1: (Handle('a'),)})
>>> dump(parse('{b: x"00ff", "let": -0.0, a: [1, 2.50, "é"]}'))
'{a: [1, 2.5, "é"], b: x"00ff", "let": 0.0}'
"""

from __future__ import annotations

import re
from typing import Any

from lark import Transformer, v_args

from .. import lexical
from ..contracts import REGISTRY
from ..errors import HLXError, line_col
from ..grammar import parser
from ..hlxl.syntax import HlxlPostLex
from ..translit import segments
from ..values import MAX_DEPTH, Contract, Handle
from .common import build_contract, build_map, check_value_depth, contract_id, field_index, run_parser

__all__ = ["parse", "dump", "dump_with"]


@v_args(inline=True)
class HlxlValueToValue(Transformer):
    """Builds values from the ``value_literal`` rule while the LALR parser reduces."""

    def value_literal(self, v):
        return v

    def vnumber(self, tok):
        return lexical.parse_number(tok.value, tok.line, tok.column)

    def vstring(self, tok):
        return lexical.unquote(tok.value, tok.line, tok.column)

    def vbytes(self, tok):
        if tok.value[0] == "x":
            return lexical.parse_hex(tok.value[2:-1], tok.line, tok.column + 2)
        return lexical.parse_bstring(tok.value, tok.line, tok.column)

    def vhandle(self, tok):
        return Handle(tok.value[3:])

    def vnull(self, _tok):
        return None

    def vtrue(self, _tok):
        return True

    def vfalse(self, _tok):
        return False

    def varray(self, _lsqb, *rest):
        return rest[:-1]

    def vpair(self, key, value):
        return key, value

    def vmap(self, _lbrace, *rest):
        return build_map(rest[:-1], hlxl=True)

    def vfield(self, tok, value):
        return field_index(tok.value[1:], tok, tok.column + 1), tok, value

    def vcontract(self, _lbrace, id_tok, _lb2, *rest):
        return build_contract(contract_id(id_tok.value, id_tok), rest[:-2])

    def ventry(self, label, value):
        if label.type == "FIELD":
            return self.vfield(label, value)
        return None, label, value  # a name, resolved by `vnamed`

    def vnamed(self, _kw, id_tok, _lbrace, *rest):
        cid = contract_id(id_tok.value, id_tok)
        spec = REGISTRY.get(cid)
        fields = []
        for index, tok, value in rest[:-1]:
            if index is None:
                name = lexical.unquote(tok.value, tok.line, tok.column) \
                    if tok.type == "STRING" else tok.value
                fs = spec.field_by_name(name) if spec else None
                if fs is None:
                    where = f"contract {cid} {spec.name}" if spec else f"unregistered contract {cid}"
                    raise HLXError("E_CONTRACT_UNKNOWN_FIELD",
                                   f"{where} has no field named `{name}`", line=tok.line,
                                   column=tok.column, end_column=tok.end_column)
                index = fs.index
            fields.append((index, tok, value))
        return build_contract(cid, fields)


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
    lark = parser("hlxl", start="value_literal", transformer=HlxlValueToValue,
                  postlex=HlxlPostLex)
    value = run_parser(lark, text)
    check_value_depth(text, value, "[{", locate_too_deep)
    return value


def _key(k: str) -> str:
    return k if lexical.bare_key_ok(k, hlxl=True) else lexical.quote(k, ascii_only=False)


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
