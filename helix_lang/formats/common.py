"""Pieces shared by the value parsers: map and contract assembly with the structural checks of
HLX-SPEC §1.3 and §4.3, the depth rule of §1.2, and the guarded entry into a Lark parser."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from lark import Token
from lark.exceptions import UnexpectedInput

from ..errors import HLXError
from ..grammar import syntax_error
from ..lexical import bare_key_ok, parse_hex, parse_number, parse_uint, shown, unquote
from ..values import CONTRACT_ID_MAX, FIELD_INDEX_MAX, MAX_DEPTH, Contract, Handle, depth

__all__ = ["decode_key", "build_map", "build_contract", "check_value_depth", "run_parser",
           "WireToValue"]


def decode_key(tok: Token, *, hlxl: bool) -> str:
    """A map key token: a quoted string, or a bare IDENT allowed by §4.3."""
    if tok.type == "STRING":
        return unquote(tok.value, tok.line, tok.column)
    if not bare_key_ok(tok.value, hlxl=hlxl):
        hint = "a reserved word" if hlxl else "`C`"
        raise HLXError("E_LC_PARSE",
                       f"the key `{tok.value}` cannot be written bare: it is {hint}; quote it "
                       f"as \"{tok.value}\"", line=tok.line, column=tok.column,
                       end_column=tok.column + len(tok.value))
    return tok.value


def build_map(pairs: Iterable[tuple[Token, Any]], *, hlxl: bool) -> dict:
    out: dict[str, Any] = {}
    for tok, value in pairs:
        key = decode_key(tok, hlxl=hlxl)
        if key in out:
            raise HLXError("E_DUPLICATE_KEY", f"map key `{shown(key)}` appears twice (after NFC)",
                           line=tok.line, column=tok.column,
                           end_column=tok.column + len(tok.value))
        out[key] = value
    return out


def contract_id(text: str, tok: Token, column: int | None = None) -> int:
    return parse_uint(text, CONTRACT_ID_MAX, "contract id", tok.line,
                      tok.column if column is None else column)


def field_index(text: str, tok: Token, column: int | None = None) -> int:
    return parse_uint(text, FIELD_INDEX_MAX, "field index", tok.line,
                      tok.column if column is None else column)


def build_contract(cid: int, fields: Iterable[tuple[int, Token, Any]]) -> Contract:
    """Assemble a contract; indices must be strictly ascending (§1.3)."""
    out: dict[int, Any] = {}
    last = -1
    for index, tok, value in fields:
        if index <= last:
            code, why = (("E_DUPLICATE_FIELD", "is repeated") if index == last else
                         ("E_FIELD_ORDER", f"comes after the larger index {last}"))
            raise HLXError(code, f"field index {index} {why}; contract fields must be strictly "
                           f"ascending", line=tok.line, column=tok.column,
                           end_column=tok.column + len(tok.value.strip()))
        out[index] = value
        last = index
    return Contract(cid, out)


def check_value_depth(text: str, value: Any, openers: str, locate: Callable[[str], tuple[int, int]]
                      ) -> None:
    """Raise ``E_DEPTH_EXCEEDED`` for a parsed value deeper than 64.

    Cheap in the common case: a value cannot be deeper than the number of opening tokens (each
    opener is one character, so a text of at most 64 characters never needs counting).
    ``locate`` finds the line/column of the 65th nested opener for the message.
    """
    if len(text) <= MAX_DEPTH:
        return
    count = 0
    for o in openers:
        count += text.count(o)
    if count <= MAX_DEPTH:
        return
    if depth(value) > MAX_DEPTH:
        line, col = locate(text)
        raise HLXError("E_DEPTH_EXCEEDED",
                       f"value nesting is deeper than the maximum depth {MAX_DEPTH}",
                       line=line, column=col)


def run_parser(lark, text: str, glyphs: frozenset[str] | None = None):
    """Parse, translating Lark's exceptions into :class:`HLXError`."""
    try:
        return getattr(lark, "_hlx_parse", lark.parse)(text)
    except UnexpectedInput as e:
        raise syntax_error(e, text, lark, glyphs) from None


class WireToValue:
    """Parser callbacks shared by LC-T and LC-R, which differ only in how a contract is spelled
    (subclasses add ``contract``).  Each method is a Lark parser callback: it receives the list
    of the rule's kept children (plain callbacks, not a ``lark.Transformer``: no per-call
    ``v_args`` wrapper).  Values are built while the LALR parser reduces (no intermediate tree).
    """

    def start(self, c):
        return c[0]

    def null(self, _c):
        return None

    def true(self, _c):
        return True

    def false(self, _c):
        return False

    def number(self, c):
        tok = c[0]
        return parse_number(tok.value, tok.line, tok.column)

    def string(self, c):
        tok = c[0]
        return unquote(tok.value, tok.line, tok.column)

    def bytes(self, c):
        tok = c[0]
        return parse_hex(tok.value[1:], tok.line, tok.column + 1)

    def handle(self, c):
        return Handle(c[0].value[1:])

    def array(self, c):
        return tuple(c)

    def pair(self, c):
        return c[0], c[1]

    def map(self, c):
        return build_map(c, hlxl=False)
