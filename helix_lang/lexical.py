"""Token contents shared by the text formats (HLX-SPEC §4): numbers, strings, hex, keys.

The grammars only decide where a token starts and ends; this module checks and decodes its
contents, and prints canonical token text.  Errors are raised with the position of the token
(``line``/``column``) plus the offset inside it that the spec names (the backslash of a bad
escape, the first hex digit).

>>> format_float(1e16), format_float(0.1 + 0.2), format_float(-0.0)
('1e+16', '0.30000000000000004', '0.0')
>>> quote("é\\n", ascii_only=True), quote("é\\n", ascii_only=False)
('"\\\\u{e9}\\\\n"', '"é\\\\n"')
"""

from __future__ import annotations

import re

from .errors import HLXError
from .values import INT_MAX, INT_MIN, check_float, nfc

__all__ = [
    "RESERVED", "IDENT_RE", "parse_number", "format_float", "unquote", "quote", "parse_hex",
    "parse_bstring", "bare_key_ok", "shown",
]

#: HLXL reserved words (§10.1); a map key equal to one is printed quoted in HLXL and HLX.
RESERVED = frozenset(
    "program block let local return if else while for in assert latent table using contract "
    "null true false ls".split()
)
IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_HEX_RE = re.compile(r"(?:[0-9a-f]{2})*\Z")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")


def shown(text: str) -> str:
    """``text`` for an error message: control characters (LF included) written as escapes, so
    that a message is always one line (``render`` prints it above the source line)."""
    if _CONTROL_RE.search(text) is None:
        return text
    return _CONTROL_RE.sub(lambda m: repr(m.group())[1:-1], text)


def _err(code: str, message: str, line: int | None, column: int | None, width: int = 1) -> HLXError:
    return HLXError(code, message, line=line, column=column,
                    end_line=line, end_column=None if column is None else column + width)


def parse_number(text: str, line: int | None = None, column: int | None = None,
                 *, allow_min: bool = False) -> int | float:
    """Decode a number token of §4.1 (sign included) to Int or Float.

    ``allow_min`` admits the magnitude 2**63 (the operand of a unary minus in programs).
    """
    if "." in text or "e" in text or "E" in text:
        try:
            x = float(text)
        except ValueError:  # pragma: no cover - the grammar only admits valid numbers
            raise _err("E_LC_PARSE", f"`{text}` is not a number", line, column) from None
        try:
            return check_float(x)
        except HLXError:
            raise _err("E_FLOAT_SPECIAL", f"`{text}` is too large for a binary64 Float",
                       line, column, len(text)) from None
    digits = text.lstrip("-")
    if len(digits) > 19:  # int() refuses > 4300 digits; int64 never needs more than 19
        raise _err("E_INT_OVERFLOW", f"`{text[:24]}…` is outside int64", line, column, len(text))
    n = int(text)
    if n < INT_MIN or n > (INT_MAX + 1 if allow_min else INT_MAX):
        raise _err("E_INT_OVERFLOW", f"`{text}` is outside int64 (−2^63 … 2^63−1)",
                   line, column, len(text))
    return n


def parse_uint(text: str, limit: int, what: str, line: int | None = None,
               column: int | None = None) -> int:
    """Decode a contract id or field index (digits only) and check its range."""
    if len(text) > 20 or int(text) > limit:
        raise _err("E_INT_OVERFLOW", f"{what} `{text[:24]}` is above the maximum {limit}",
                   line, column, len(text))
    return int(text)


def format_float(x: float) -> str:
    """Canonical float text of §4.1 (Python's ``repr`` of a finite float; −0.0 prints ``0.0``)."""
    return "0.0" if x == 0.0 else repr(x)


_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
_ESCAPE_RE = re.compile(r'\\(?:(["\\nrt])|u\{([0-9A-Fa-f]{1,6})\})?')


def _is_control(ch: str) -> bool:
    o = ord(ch)
    return o < 0x20 or 0x7F <= o <= 0x9F


def unquote(token: str, line: int | None = None, column: int | None = None) -> str:
    """Decode a string token ``"…"`` (quotes included) per §4.2 and NFC-normalise it.

    The grammar already rejected raw control characters and an unterminated string; here a raw
    surrogate raises ``E_LC_PARSE`` at its position, and unknown and malformed escapes raise
    ``E_INVALID_ESCAPE`` at the backslash.
    """
    body = token[1:-1]
    if not body.isascii():
        # The grammars' STRING terminal cannot exclude surrogates (llguidance's regexes work on
        # UTF-8, where they do not exist), so a raw surrogate is rejected here (§4.2).
        bad = _SURROGATE_RE.search(body)
        if bad is not None:
            raise _err("E_LC_PARSE", f"a string cannot contain the raw surrogate "
                       f"U+{ord(bad.group()):04X}", line,
                       None if column is None else column + 1 + bad.start())
    if "\\" not in body:
        return nfc(body)
    out = []
    pos = 0
    # Each match starts at a backslash, left to right: a valid escape, or just the backslash
    # (an invalid escape: the first one in the text is reported).
    for m in _ESCAPE_RE.finditer(body):
        i = m.start()
        simple = m.group(1)
        if simple is not None:
            decoded = _ESCAPES[simple]
        else:
            digits = m.group(2)
            cp = -1 if digits is None else int(digits, 16)
            if not 0 <= cp <= 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
                col = None if column is None else column + 1 + i
                nxt = body[i + 1:i + 2]
                if nxt == "u":
                    raise _err("E_INVALID_ESCAPE",
                               f"`\\u{{…}}` needs 1–6 hex digits naming a scalar value ≤ "
                               f"U+10FFFF, not a surrogate (got `{body[i:i + 12]}`)", line, col, 2)
                raise _err("E_INVALID_ESCAPE",
                           f"unknown escape `\\{nxt}`; use one of \\\" \\\\ \\n \\r \\t \\u{{H}}",
                           line, col, 2)
            decoded = chr(cp)
        out.append(body[pos:i])
        out.append(decoded)
        pos = m.end()
    out.append(body[pos:])
    return nfc("".join(out))


_QUOTE_SIMPLE = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Characters a string token must escape: LC-T (pure ASCII output) and the raw-Unicode formats.
_QUOTE_ASCII_RE = re.compile('["\\\\\x00-\x1f\x7f-\U0010ffff]')
_QUOTE_RAW_RE = re.compile('["\\\\\x00-\x1f\x7f-\x9f]')


def _escape_char(m: re.Match) -> str:
    ch = m.group()
    return _QUOTE_SIMPLE.get(ch) or f"\\u{{{ord(ch):x}}}"


def quote(s: str, *, ascii_only: bool) -> str:
    """Canonical string token of §4.2 (LC-T: ``ascii_only``; LC-R, HLXL, HLX: raw Unicode)."""
    safe = s.isascii() if ascii_only else True
    if safe and s.isprintable() and '"' not in s and "\\" not in s:
        return f'"{s}"'
    return '"' + (_QUOTE_ASCII_RE if ascii_only else _QUOTE_RAW_RE).sub(_escape_char, s) + '"'


def parse_hex(digits: str, line: int | None = None, column: int | None = None) -> bytes:
    """Decode the hex run of ``#…``, ``⊠…`` or ``x"…"``: lowercase, even length (§4.3)."""
    if not _HEX_RE.match(digits):
        raise _err("E_INVALID_HEX",
                   f"bytes must be lowercase hex digits of even length, got `{shown(digits[:40])}`",
                   line, column, max(1, len(digits)))
    return bytes.fromhex(digits)


_B_ESCAPES = {"\\": 0x5C, '"': 0x22, "n": 0x0A, "r": 0x0D, "t": 0x09}


def parse_bstring(token: str, line: int | None = None, column: int | None = None) -> bytes:
    """Decode an HLXL ``b"…"`` literal (§7): printable ASCII and ``\\xHH \\\\ \\" \\n \\r \\t``."""
    body = token[2:-1]
    out = bytearray()
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        col = None if column is None else column + 2 + i
        if ch == "\\":
            nxt = body[i + 1] if i + 1 < n else ""
            if nxt in _B_ESCAPES:
                out.append(_B_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "x" and re.match(r"[0-9A-Fa-f]{2}", body[i + 2:i + 4]):
                out.append(int(body[i + 2:i + 4], 16))
                i += 4
                continue
            raise _err("E_INVALID_ESCAPE",
                       f"unknown escape `\\{nxt}` in b\"…\"; use \\xHH \\\\ \\\" \\n \\r \\t",
                       line, col, 2)
        if not " " <= ch <= "~":
            raise _err("E_LC_PARSE", f"b\"…\" admits printable ASCII only, got U+{ord(ch):04X}",
                       line, col)
        out.append(ord(ch))
        i += 1
    return bytes(out)


def bare_key_ok(key: str, *, hlxl: bool) -> bool:
    """Whether a map key is printed (and accepted) bare: IDENT, and not ``C`` (LC-T/LC-R) or a
    reserved word (HLXL/HLX), §4.3."""
    if not IDENT_RE.match(key):
        return False
    return key not in RESERVED if hlxl else key != "C"
