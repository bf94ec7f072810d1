"""LC-B, the canonical binary encoding of one value (HLX-SPEC §2), and its hex display form (§2.5).

``encode``/``decode`` work on bytes; ``parse``/``dump`` on the hex display form
(``07 0e 01 00 01 2a 08``).  The decoder accepts exactly the canonical encodings: for every input
it accepts, ``encode(decode(data)) == data``.  Every defect of §2.4 raises :class:`HLXError` with
the code of the spec and ``offset`` set to the 0-based byte offset of the problem; no other
exception escapes ``decode`` for any ``bytes`` input.

>>> from helix_lang.values import Contract, Handle
>>> dump(Contract(14, {0: 123, 1: "hello"}))
'07 0e 02 00 01 fb 00 01 03 05 68 65 6c 6c 6f 08'
>>> parse("07 0E 01 00\\n01 2A 08")
Contract(14, {0: 42})
>>> decode(encode({"b": [1, 2.5], "a": Handle("x")}))
{'a': Handle('x'), 'b': (1, 2.5)}
>>> try:
...     decode(b"\\x01\\x80\\x00")
... except HLXError as e:
...     print(e.code, e.offset)
E_LC_BINARY_DECODE 1
"""

from __future__ import annotations

import re
import struct
import unicodedata
from typing import Any

from lark import Transformer
from lark.exceptions import UnexpectedInput

from ..errors import HLXError, line_col
from ..grammar import parser
from ..values import CONTRACT_ID_MAX, FIELD_INDEX_MAX, INT_MAX, INT_MIN, MAX_DEPTH, Contract, Handle

__all__ = ["encode", "decode", "parse", "dump", "to_hex", "from_hex"]

# Tags of §2.1.
NULL, INT, FLOAT, TEXT, BYTES = 0x00, 0x01, 0x02, 0x03, 0x04
ARRAY_START, ARRAY_END, CONTRACT_START, CONTRACT_END = 0x05, 0x06, 0x07, 0x08
HANDLE, TRUE, FALSE, MAP_START, MAP_END = 0x09, 0x0A, 0x0B, 0x0C, 0x0D

_DECODE = "E_LC_BINARY_DECODE"
_HANDLE_BYTES = re.compile(rb"&h_[A-Za-z0-9_]+\Z")
_HANDLE_NAME = re.compile(r"[A-Za-z0-9_]+\Z")
_pack_double = struct.Struct(">d").pack
_unpack_double = struct.Struct(">d").unpack_from
_is_normalized = unicodedata.is_normalized
_normalize = unicodedata.normalize

# ---------------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------------

# INT encodings (tag included) of the small integers, the common case.
_SMALL_INT_MIN, _SMALL_INT_MAX = -8192, 8191
_SMALL_INTS: list[bytes] = []


def _sleb(n: int) -> bytearray:
    """Shortest signed LEB128 of ``n`` (§2.2)."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return out
        out.append(b | 0x80)


def _uleb(n: int) -> bytearray:
    """Unsigned LEB128 of ``n >= 0`` (always the shortest)."""
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return out


for _n in range(_SMALL_INT_MIN, _SMALL_INT_MAX + 1):
    _SMALL_INTS.append(bytes((INT,)) + bytes(_sleb(_n)))
del _n


def _depth_error() -> HLXError:
    return HLXError("E_DEPTH_EXCEEDED", f"value depth is above the maximum of {MAX_DEPTH}")


def _text_bytes(s: str) -> bytes:
    """NFC UTF-8 bytes of a text (ASCII is always NFC)."""
    try:
        if s.isascii():
            return s.encode()
        if not _is_normalized("NFC", s):
            s = _normalize("NFC", s)
        return s.encode()
    except UnicodeEncodeError as e:
        raise HLXError("E_LC_PARSE", f"text contains the lone surrogate U+{ord(s[e.start]):04X}"
                       ) from None


def _encode_int(v: int, out: bytearray) -> None:
    if INT_MIN <= v <= INT_MAX:
        out.append(INT)
        out += _sleb(v)
        return
    raise HLXError("E_INT_OVERFLOW", f"Int `{v}` is outside int64 (−2^63 … 2^63−1)")


def _encode_map(v: dict, out: bytearray, d: int) -> None:
    keys = sorted(v)  # code point order == UTF-8 byte order (§1.3)
    pairs = []
    renamed = False
    for k in keys:
        if type(k) is not str:
            raise TypeError(f"map keys must be str, got {type(k).__name__}")
        if k.isascii():
            pairs.append((k.encode(), v[k]))
        else:
            kb = _text_bytes(k)
            renamed = renamed or kb != k.encode()
            pairs.append((kb, v[k]))
    if renamed:  # NFC changed a key: order again and look for keys that became equal
        pairs.sort(key=lambda p: p[0])
        for (a, _), (b, _) in zip(pairs, pairs[1:]):
            if a == b:
                raise HLXError("E_DUPLICATE_KEY",
                               f"map key `{a.decode()}` appears twice (after NFC)")
    out.append(MAP_START)
    n = len(pairs)
    if n < 0x80:
        out.append(n)
    else:
        out += _uleb(n)
    d += 1
    for kb, val in pairs:
        n = len(kb)
        if n < 0x80:
            out.append(n)
        else:
            out += _uleb(n)
        out += kb
        _enc(val, out, d)
    out.append(MAP_END)


def _encode_contract(v: Contract, out: bytearray, d: int) -> None:
    cid = v.id
    if type(cid) is not int or not 0 <= cid <= CONTRACT_ID_MAX:
        raise HLXError("E_INT_OVERFLOW", f"contract id `{cid}` is outside 0 … 2^32−1")
    fields = v.fields
    out.append(CONTRACT_START)
    out += _uleb(cid)
    out += _uleb(len(fields))
    d += 1
    for i in sorted(fields):
        if type(i) is not int or not 0 <= i <= FIELD_INDEX_MAX:
            raise HLXError("E_INT_OVERFLOW", f"field index `{i}` is outside 0 … 65535")
        if i < 0x80:
            out.append(i)
        else:
            out += _uleb(i)
        _enc(fields[i], out, d)
    out.append(CONTRACT_END)


def _encode_other(v: Any, out: bytearray, d: int) -> None:
    """The kinds that are rarer in practice (and ``list``/``bytearray`` stand-ins)."""
    t = type(v)
    if t is Handle:
        name = v.name
        if type(name) is not str or not _HANDLE_NAME.match(name):
            raise HLXError("E_LC_PARSE", f"handle name `{name}` must match [A-Za-z0-9_]+")
        out.append(HANDLE)
        out += _uleb(len(name) + 3)
        out += b"&h_"
        out += name.encode()
    elif t is bytes or t is bytearray or t is memoryview:
        b = bytes(v)
        out.append(BYTES)
        out += _uleb(len(b))
        out += b
    elif t is list:
        _enc(tuple(v), out, d)
    else:
        raise TypeError(f"not an HLX value: {t.__name__}")


def _enc(v: Any, out: bytearray, d: int) -> None:
    """Append the encoding of ``v``; ``d`` is the number of enclosing containers."""
    t = type(v)
    if t is int:
        if _SMALL_INT_MIN <= v <= _SMALL_INT_MAX:
            out += _SMALL_INTS[v - _SMALL_INT_MIN]
        else:
            _encode_int(v, out)
    elif t is str:
        b = v.encode() if v.isascii() else _text_bytes(v)
        out.append(TEXT)
        n = len(b)
        if n < 0x80:
            out.append(n)
        else:
            out += _uleb(n)
        out += b
    elif t is tuple:
        if d >= MAX_DEPTH:
            raise _depth_error()
        out.append(ARRAY_START)
        d += 1
        for x in v:
            tx = type(x)
            if tx is int and _SMALL_INT_MIN <= x <= _SMALL_INT_MAX:
                out += _SMALL_INTS[x - _SMALL_INT_MIN]
            else:
                _enc(x, out, d)
        out.append(ARRAY_END)
    elif v is None:
        out.append(NULL)
    elif v is True:
        out.append(TRUE)
    elif v is False:
        out.append(FALSE)
    elif t is float:
        if v - v != 0.0:  # NaN or ±Infinity
            raise HLXError("E_FLOAT_SPECIAL", f"`{v}` is not a finite Float")
        out.append(FLOAT)
        out += _pack_double(v if v != 0.0 else 0.0)  # −0.0 is written as 0.0 (§1.1)
    elif t is dict:
        if d >= MAX_DEPTH:
            raise _depth_error()
        _encode_map(v, out, d)
    elif t is Contract:
        if d >= MAX_DEPTH:
            raise _depth_error()
        _encode_contract(v, out, d)
    elif t is bytes:
        out.append(BYTES)
        n = len(v)
        if n < 0x80:
            out.append(n)
        else:
            out += _uleb(n)
        out += v
    else:
        _encode_other(v, out, d)


def encode(value: Any) -> bytes:
    """The canonical LC-B bytes of a value.

    Raises :class:`HLXError` ``E_DEPTH_EXCEEDED`` (depth above 64), ``E_INT_OVERFLOW`` (Int
    outside int64, contract id or field index out of range), ``E_FLOAT_SPECIAL`` (NaN/±Infinity),
    ``E_DUPLICATE_KEY`` (two keys equal after NFC) or ``E_LC_PARSE`` (bad handle name, lone
    surrogate); ``TypeError`` for Python objects that are not values.
    """
    t = type(value)
    if t is int and _SMALL_INT_MIN <= value <= _SMALL_INT_MAX:
        return _SMALL_INTS[value - _SMALL_INT_MIN]
    out = bytearray()
    _enc(value, out, 0)
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------
#
# ``_read(data, pos, d)`` returns ``(value, next_pos)``.  Recursion happens only for containers and
# is bounded by the depth check at each container start (at most 64 levels).  A single-byte read
# past the end raises IndexError, which ``decode`` turns into "truncated" at ``len(data)``; every
# multi-byte read (slices, floats) checks the length itself.


def _err(message: str, offset: int, code: str = _DECODE) -> HLXError:
    return HLXError(code, message, offset=offset)


def _read_uleb(data: bytes, pos: int, what: str) -> tuple[int, int]:
    """A multi-byte ULEB128 starting at ``pos`` (the caller handled the one-byte case)."""
    start = pos
    result = 0
    shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            break
        shift += 7
        if shift >= 70:
            raise _err(f"{what}: LEB128 longer than 10 bytes", start)
    if b == 0 and pos - start > 1:
        raise _err(f"{what}: non-minimal LEB128 (the encoding is longer than the shortest one)",
                   start)
    return result, pos


def _read_sleb(data: bytes, pos: int) -> tuple[int, int]:
    """A multi-byte SLEB128 (INT payload) starting at ``pos``."""
    start = pos
    result = 0
    shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            break
        if shift >= 70:
            raise _err("INT: LEB128 longer than 10 bytes", start)
    if b & 0x40:
        result -= 1 << shift
    prev = data[pos - 2]
    if (b == 0 and not prev & 0x40) or (b == 0x7F and prev & 0x40):
        raise _err("INT: non-minimal LEB128 (the encoding is longer than the shortest one)", start)
    if not INT_MIN <= result <= INT_MAX:
        raise _err(f"INT `{result}` is outside int64 (−2^63 … 2^63−1)", start, "E_INT_OVERFLOW")
    return result, pos


def _read_text(data: bytes, pos: int, end: int, what: str) -> str:
    """The text at ``data[pos:end]`` (the caller checked ``end <= len(data)``)."""
    raw = data[pos:end]
    try:
        s = raw.decode()
    except UnicodeDecodeError as e:
        raise _err(f"{what}: bytes are not valid UTF-8 ({e.reason})", pos + e.start) from None
    if not s.isascii() and not _is_normalized("NFC", s):
        raise _err(f"{what}: text is not in NFC", pos)
    return s


def _read_value(data: bytes, pos: int, d: int) -> tuple[Any, int]:
    """Read one value at ``pos``; ``d`` is the number of enclosing containers."""
    tag = data[pos]
    p = pos + 1
    if tag == INT:
        b = data[p]
        if b < 0x80:
            return (b - 0x80 if b & 0x40 else b), p + 1
        return _read_sleb(data, p)
    if tag == TEXT:
        n = data[p]
        if n < 0x80:
            p += 1
        else:
            n, p = _read_uleb(data, p, "TEXT length")
        end = p + n
        if end > len(data):
            raise _err(f"TEXT: truncated ({n} bytes announced, {len(data) - p} left)",
                       len(data))
        raw = data[p:end]
        if raw.isascii():
            return raw.decode(), end
        return _read_text(data, p, end, "TEXT"), end
    if tag == ARRAY_START:
        if d >= MAX_DEPTH:
            raise _err(f"array start would make the depth exceed {MAX_DEPTH}", pos,
                       "E_DEPTH_EXCEEDED")
        d += 1
        items = []
        append = items.append
        while True:
            t = data[p]
            if t == INT:  # inline the commonest element
                b = data[p + 1]
                if b < 0x80:
                    append(b - 0x80 if b & 0x40 else b)
                    p += 2
                    continue
            elif t == ARRAY_END:
                return tuple(items), p + 1
            v, p = _read_value(data, p, d)
            append(v)
    if tag == CONTRACT_START:
        if d >= MAX_DEPTH:
            raise _err(f"contract start would make the depth exceed {MAX_DEPTH}", pos,
                       "E_DEPTH_EXCEEDED")
        cid = data[p]
        if cid < 0x80:
            p += 1
        else:
            start = p
            cid, p = _read_uleb(data, p, "contract id")
            if cid > CONTRACT_ID_MAX:
                raise _err(f"contract id `{cid}` is above the maximum {CONTRACT_ID_MAX}", start,
                           "E_INT_OVERFLOW")
        count = data[p]
        if count < 0x80:
            p += 1
        else:
            count, p = _read_uleb(data, p, "contract field count")
        d += 1
        fields: dict[int, Any] = {}
        last = -1
        for _ in range(count):
            index = data[p]
            if index < 0x80:
                start = p
                p += 1
            else:
                start = p
                index, p = _read_uleb(data, p, "field index")
                if index > FIELD_INDEX_MAX:
                    raise _err(f"field index `{index}` is above the maximum {FIELD_INDEX_MAX}",
                               start, "E_INT_OVERFLOW")
            if index <= last:
                if index == last:
                    raise _err(f"field index {index} is repeated", start, "E_DUPLICATE_FIELD")
                raise _err(f"field index {index} comes after the larger index {last}", start,
                           "E_FIELD_ORDER")
            last = index
            fields[index], p = _read_value(data, p, d)
        if data[p] != CONTRACT_END:
            raise _err(f"expected CONTRACT_END (08) after {count} field(s), found "
                       f"{data[p]:02x}", p)
        return Contract(cid, fields), p + 1
    if tag == NULL:
        return None, p
    if tag == TRUE:
        return True, p
    if tag == FALSE:
        return False, p
    if tag == FLOAT:
        end = p + 8
        if end > len(data):
            raise _err("FLOAT: truncated (8 bytes needed)", len(data))
        x = _unpack_double(data, p)[0]
        if x - x != 0.0:
            raise _err("FLOAT: NaN or infinity is not a Float", p, "E_FLOAT_SPECIAL")
        if x == 0.0 and data[p] == 0x80:
            raise _err("FLOAT: −0.0 is not canonical (write 0.0)", p)
        return x, end
    if tag == MAP_START:
        if d >= MAX_DEPTH:
            raise _err(f"map start would make the depth exceed {MAX_DEPTH}", pos,
                       "E_DEPTH_EXCEEDED")
        count = data[p]
        if count < 0x80:
            p += 1
        else:
            count, p = _read_uleb(data, p, "map pair count")
        d += 1
        out: dict[str, Any] = {}
        last_key = None
        n = len(data)
        for _ in range(count):
            start = p
            klen = data[p]
            if klen < 0x80:
                p += 1
            else:
                klen, p = _read_uleb(data, p, "key length")
            end = p + klen
            if end > n:
                raise _err(f"map key: truncated ({klen} bytes announced, {n - p} left)", n)
            kb = data[p:end]
            if last_key is not None and kb <= last_key:
                if kb == last_key:
                    raise _err("map key repeated", start, "E_DUPLICATE_KEY")
                raise _err("map keys must be in ascending UTF-8 byte order", start,
                           "E_KEY_ORDER")
            last_key = kb
            key = kb.decode() if kb.isascii() else _read_text(data, p, end, "map key")
            out[key], p = _read_value(data, end, d)
        if data[p] != MAP_END:
            raise _err(f"expected MAP_END (0d) after {count} pair(s), found {data[p]:02x}", p)
        return out, p + 1
    if tag == BYTES:
        n = data[p]
        if n < 0x80:
            p += 1
        else:
            n, p = _read_uleb(data, p, "BYTES length")
        end = p + n
        if end > len(data):
            raise _err(f"BYTES: truncated ({n} bytes announced, {len(data) - p} left)",
                       len(data))
        return data[p:end], end
    if tag == HANDLE:
        n = data[p]
        if n < 0x80:
            p += 1
        else:
            n, p = _read_uleb(data, p, "HANDLE length")
        end = p + n
        if end > len(data):
            raise _err(f"HANDLE: truncated ({n} bytes announced, {len(data) - p} left)",
                       len(data))
        raw = data[p:end]
        if not _HANDLE_BYTES.match(raw):
            raise _err("HANDLE: bytes are not `&h_` followed by [A-Za-z0-9_]+", p)
        return Handle(raw[3:].decode()), end
    if tag == ARRAY_END or tag == CONTRACT_END or tag == MAP_END:
        raise _err(f"byte {tag:02x} is an end tag, not the start of a value", pos)
    raise _err(f"byte {tag:02x} is not a value tag", pos)


def decode(data: bytes) -> Any:
    """Decode exactly one value from canonical LC-B bytes (§2.4).

    Raises :class:`HLXError` (with ``offset``) for every malformed or non-canonical input.
    """
    if type(data) is not bytes:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"LC-B input must be bytes, got {type(data).__name__}")
        data = bytes(data)
    try:
        value, end = _read_value(data, 0, 0)
    except IndexError:
        if not data:
            raise _err("empty input: LC-B holds exactly one value", 0) from None
        raise _err("truncated value", len(data)) from None
    if end != len(data):
        raise _err(f"{len(data) - end} trailing byte(s) after the value", end)
    return value


# ---------------------------------------------------------------------------------------------
# Hex display form (§2.5)
# ---------------------------------------------------------------------------------------------

_HEX_PAIR = frozenset(f"{i:02x}" for i in range(256))


class _HexTokens(Transformer):
    """Collects the HEXTOKENs while the LALR parser reduces; checks them afterwards."""

    def start(self, tokens):
        return tokens


def _invalid(tok) -> HLXError:
    shown = tok.value
    return HLXError("E_INVALID_HEX",
                    f"`{shown[:20]}` is not a byte: write each byte as exactly two hex digits",
                    line=tok.line, column=tok.column, end_column=tok.column + len(shown))


def _tokens(text: str) -> list:
    lark = parser("lcb_hex", transformer=_HexTokens)
    try:
        tokens = lark.parse(text)
    except UnexpectedInput as e:
        line = getattr(e, "line", None)
        column = getattr(e, "column", None)
        idx = getattr(e, "pos_in_stream", None)
        if line is None or column is None or not isinstance(line, int) or line < 1:
            idx = idx if isinstance(idx, int) and 0 <= idx <= len(text) else len(text)
            line, column = line_col(text, idx)
        ch = text[idx] if isinstance(idx, int) and 0 <= idx < len(text) else ""
        shown = repr(ch)[1:-1] if ch else "end of input"
        raise HLXError("E_INVALID_HEX",
                       f"unexpected character `{shown}` in the hex display form (bytes are two "
                       f"hex digits separated by whitespace)", line=line, column=column) from None
    for tok in tokens:
        value = tok.value
        if len(value) != 2 or value.lower() not in _HEX_PAIR:
            raise _invalid(tok)
    return tokens


def _join(tokens: list) -> bytes:
    return bytes.fromhex("".join([tok.value for tok in tokens]))


_WELL_FORMED = re.compile(r"[ \t\r\n]*(?:[0-9A-Fa-f]{2}(?:[ \t\r\n]+[0-9A-Fa-f]{2})*[ \t\r\n]*)?\Z")


def from_hex(text: str) -> bytes:
    """Bytes of the hex display form: any whitespace between bytes, either case of digits.

    A token that is not exactly two hex digits raises ``E_INVALID_HEX`` at its line/column.
    """
    return _join(_tokens(text))


def to_hex(data: bytes) -> str:
    """The canonical display form: lowercase pairs separated by single spaces."""
    return bytes(data).hex(" ")


def parse(text: str) -> Any:
    """Read the hex display form and decode it.

    A decoding error keeps its byte ``offset`` and also gets the line/column of that byte's
    token (or of the end of the text when the input ended too early).
    """
    if _WELL_FORMED.match(text):
        # Fast path: the text is exactly what lcb_hex.lark accepts with valid tokens, so the
        # bytes are `bytes.fromhex` of it.  Errors take the grammar path for their positions.
        try:
            return decode(bytes.fromhex(text))
        except HLXError:
            pass
    tokens = _tokens(text)
    data = _join(tokens)
    try:
        return decode(data)
    except HLXError as e:
        if e.offset is not None:
            if e.offset < len(tokens):
                tok = tokens[e.offset]
                e.line, e.column = tok.line, tok.column
                e.end_line, e.end_column = tok.line, tok.column + 2
            else:
                e.line, e.column = line_col(text, len(text))
                e.end_line, e.end_column = e.line, e.column + 1
        raise


def dump(value: Any) -> str:
    """The canonical hex display form of a value's LC-B encoding."""
    return encode(value).hex(" ")
