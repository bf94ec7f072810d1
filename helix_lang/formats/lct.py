"""LC-T, the canonical ASCII text encoding of one value (HLX-SPEC §5).

>>> from helix_lang.values import Contract, Handle
>>> v = parse('{C: 1000 , 0 = "filter", 1 = @users}')
>>> v
Contract(1000, {0: 'filter', 1: Handle('users')})
>>> dump(v)
'{C:1000,0="filter",1=@users}'
>>> dump({"b": [1, 2.5], "a": None, "C": b"\\x00"})
'{"C":#00,a:NULL,b:[1,2.5]}'
"""

from __future__ import annotations

import re
from typing import Any

from lark import Transformer, v_args

from .. import lexical
from ..errors import HLXError, line_col
from ..grammar import parser
from ..values import MAX_DEPTH, Contract, Handle
from .common import build_contract, build_map, check_value_depth, contract_id, field_index, run_parser

__all__ = ["parse", "dump"]


@v_args(inline=True)
class LctToValue(Transformer):
    """Builds values while the LALR parser reduces (no intermediate tree)."""

    def start(self, v):
        return v

    def null(self):
        return None

    def true(self):
        return True

    def false(self):
        return False

    def number(self, tok):
        return lexical.parse_number(tok.value, tok.line, tok.column)

    def string(self, tok):
        return lexical.unquote(tok.value, tok.line, tok.column)

    def bytes(self, tok):
        return lexical.parse_hex(tok.value[1:], tok.line, tok.column + 1)

    def handle(self, tok):
        return Handle(tok.value[1:])

    def array(self, *items):
        return items

    def pair(self, key, value):
        return key, value

    def map(self, *pairs):
        return build_map(pairs, hlxl=False)

    def field(self, tok, value):
        return field_index(tok.value, tok), tok, value

    def contract(self, id_tok, *fields):
        return build_contract(contract_id(id_tok.value, id_tok), fields)


_OPEN_CLOSE = re.compile(r'"(?:[^"\\]|\\.)*"|\{C:|[\[{]|[\]}]')


def _locate_too_deep(text: str) -> tuple[int, int]:
    level = 0
    for m in _OPEN_CLOSE.finditer(text):
        tok = m.group()
        if tok[0] == '"':
            continue
        level = level + 1 if tok in ("[", "{", "{C:") else level - 1
        if level > MAX_DEPTH:
            return line_col(text, m.start())
    return 1, 1  # pragma: no cover - only called for values deeper than 64


def parse(text: str) -> Any:
    """Parse LC-T text into a value; raise :class:`HLXError` on any defect."""
    if not text.isascii():
        idx = next(i for i, ch in enumerate(text) if not ch.isascii())
        line, col = line_col(text, idx)
        raise HLXError("E_LC_PARSE",
                       f"LC-T is pure ASCII; `{text[idx]}` (U+{ord(text[idx]):04X}) must be "
                       f"written as \\u{{{ord(text[idx]):x}}} inside a string", line=line,
                       column=col)
    value = run_parser(parser("lct", transformer=LctToValue), text)
    check_value_depth(text, value, "[{", _locate_too_deep)
    return value


def _key(k: str) -> str:
    return k if lexical.bare_key_ok(k, hlxl=False) else lexical.quote(k, ascii_only=True)


def _dump(v: Any, d: int) -> str:
    t = type(v)
    if t is str:
        return lexical.quote(v, ascii_only=True)
    if t is int:
        return str(v)
    if t is tuple or t is list:
        if d >= MAX_DEPTH:
            raise HLXError("E_DEPTH_EXCEEDED", f"value depth is above {MAX_DEPTH}")
        return "[" + ",".join([_dump(x, d + 1) for x in v]) + "]"
    if t is dict:
        if d >= MAX_DEPTH:
            raise HLXError("E_DEPTH_EXCEEDED", f"value depth is above {MAX_DEPTH}")
        return "{" + ",".join([_key(k) + ":" + _dump(v[k], d + 1) for k in sorted(v)]) + "}"
    if v is None:
        return "NULL"
    if v is True:
        return "TRUE"
    if v is False:
        return "FALSE"
    if t is float:
        return lexical.format_float(v)
    if t is bytes:
        return "#" + v.hex()
    if t is Handle:
        return "@" + v.name
    if t is Contract:
        if d >= MAX_DEPTH:
            raise HLXError("E_DEPTH_EXCEEDED", f"value depth is above {MAX_DEPTH}")
        parts = [f"{{C:{v.id}"]
        for i in sorted(v.fields):
            parts.append(f",{i}={_dump(v.fields[i], d + 1)}")
        parts.append("}")
        return "".join(parts)
    raise TypeError(f"not an HLX value: {t.__name__}")


def dump(value: Any) -> str:
    """Canonical LC-T: no whitespace, sorted keys, ascending fields, pure ASCII."""
    return _dump(value, 0)
