"""LC-R, the canonical runic text encoding of one value (HLX-SPEC §6).

LC-R is LC-T with every structural token spelled as a glyph; strings carry raw Unicode.

>>> v = parse("🜊900🜁0 ⟁spirv🜁1 \\"main\\"🜁2 \\"compute\\"🜂")
>>> v
Contract(900, {0: Handle('spirv'), 1: 'main', 2: 'compute'})
>>> dump(v)
'🜊900🜁0 ⟁spirv🜁1 "main"🜁2 "compute"🜂'
>>> dump({"age": 30, "tags": ["x", None, True]})
'◇age: 30, tags: 🜃"x", ∅, ⊤🜄◆'
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

__all__ = ["parse", "dump", "GLYPHS"]

#: The twelve glyphs of LC-R (§6).
GLYPHS = frozenset("∅⊤⊥⊠⟁🜊🜁🜂🜃🜄◇◆")


class LcrToValue(WireToValue):
    """LC-R callbacks: the shared ones, plus glyph contracts `🜊id🜁i v🜂`."""

    def contract(self, c):  # CSTART (FIELD value)*
        start = c[0]
        cid = contract_id(start.value[1:], start, start.column + 1)
        fields = []
        for i in range(1, len(c), 2):
            tok = c[i]
            fields.append((field_index(tok.value[1:-1], tok, tok.column + 1), tok, c[i + 1]))
        return build_contract(cid, fields)


_OPEN_CLOSE = re.compile(r'"(?:[^"\\]|\\.)*"|[🜃◇🜊]|[🜄◆🜂]')


def _locate_too_deep(text: str) -> tuple[int, int]:
    level = 0
    for m in _OPEN_CLOSE.finditer(text):
        tok = m.group()
        if tok[0] == '"':
            continue
        level = level + 1 if tok in "🜃◇🜊" else level - 1
        if level > MAX_DEPTH:
            return line_col(text, m.start())
    return 1, 1  # pragma: no cover - only called for values deeper than 64


def parse(text: str) -> Any:
    """Parse LC-R text into a value; raise :class:`HLXError` on any defect."""
    value = run_parser(parser("lcr", "start", LcrToValue), text, GLYPHS)
    check_value_depth(text, value, "🜃◇🜊", _locate_too_deep)
    return value


_KEY_TEXT: dict[str, str] = {}  # key → its spelling (bare or quoted), for the first 4096 keys


def _key(k: str) -> str:
    text = _KEY_TEXT.get(k)
    if text is None:
        text = k if lexical.bare_key_ok(k, hlxl=False) else lexical.quote(k, ascii_only=False)
        if len(_KEY_TEXT) < 4096:
            _KEY_TEXT[k] = text
    return text


def _too_deep() -> HLXError:
    return HLXError("E_DEPTH_EXCEEDED", f"value depth is above {MAX_DEPTH}")


def _dump(v: Any, d: int) -> str:
    t = type(v)
    if t is str:
        return lexical.quote(v, ascii_only=False)
    if t is int:
        return str(v)
    if t is tuple or t is list:
        if d >= MAX_DEPTH:
            raise _too_deep()
        return "🜃" + ", ".join([_dump(x, d + 1) for x in v]) + "🜄"
    if t is dict:
        if d >= MAX_DEPTH:
            raise _too_deep()
        return "◇" + ", ".join([_key(k) + ": " + _dump(v[k], d + 1) for k in sorted(v)]) + "◆"
    if v is None:
        return "∅"
    if v is True:
        return "⊤"
    if v is False:
        return "⊥"
    if t is float:
        return lexical.format_float(v)
    if t is bytes:
        return "⊠" + v.hex()
    if t is Handle:
        return "⟁" + v.name
    if t is Contract:
        if d >= MAX_DEPTH:
            raise _too_deep()
        parts = [f"🜊{v.id}"]
        for i in sorted(v.fields):
            parts.append(f"🜁{i} {_dump(v.fields[i], d + 1)}")
        parts.append("🜂")
        return "".join(parts)
    raise TypeError(f"not an HLX value: {t.__name__}")


def dump(value: Any) -> str:
    """Canonical LC-R: glyph structure, `, ` and `: ` separators, sorted keys, raw Unicode."""
    return _dump(value, 0)
