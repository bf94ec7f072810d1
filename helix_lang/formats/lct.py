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

from .. import lexical
from ..errors import HLXError, line_col
from ..grammar import parser
from ..values import MAX_DEPTH, Contract, Handle
from .common import (
    WireToValue,
    build_contract,
    check_value_depth,
    contract_id,
    field_index,
    run_parser,
)

__all__ = ["parse", "dump"]


class LctToValue(WireToValue):
    """LC-T callbacks: the shared ones, plus `{C:` contracts with `,i=v` fields."""

    def field(self, c):
        tok = c[0]
        return field_index(tok.value, tok), tok, c[1]

    def contract(self, c):
        id_tok = c[0]
        return build_contract(contract_id(id_tok.value, id_tok), c[1:])


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
    value = run_parser(parser("lct", "start", LctToValue), text)
    check_value_depth(text, value, "[{", _locate_too_deep)
    return value


_KEY_TEXT: dict[str, str] = {}  # key → its spelling (bare or quoted), for the first 4096 keys


def _key(k: str) -> str:
    text = _KEY_TEXT.get(k)
    if text is None:
        text = k if lexical.bare_key_ok(k, hlxl=False) else lexical.quote(k, ascii_only=True)
        if len(_KEY_TEXT) < 4096:
            _KEY_TEXT[k] = text
    return text


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
