"""Closing an unfinished LC-B answer: the exact shortest valid completion of a byte prefix.

LC-B is length- and count-prefixed, so a generic "try the closing pieces" search gets lost (the
byte ``06`` closes an array but is also a count of six fields).  The structure is fully known,
so this small recursive reader walks the complete bytes of the prefix and, where the data runs
out, returns the bytes that finish every open value *canonically*: the shortest LEB128 end byte,
zero/"a" fillers for floats, text and handle names, the remaining contract fields with increasing
indices and ``null`` values, the remaining map pairs with increasing keys, then the end tags.

>>> lcb_completion(bytes.fromhex("05 07 0e 02 00 01"))    # [contract 14 with 2 fields, 1st open
...                                                       # at its INT
'00 01 00 08 06 '
"""

from __future__ import annotations

__all__ = ["lcb_completion", "lcb_prefix_ok"]

_HANDLE_PREFIX = b"&h_"


class _Eof(Exception):
    def __init__(self, suffix: bytes):
        super().__init__()
        self.suffix = suffix


def _uleb(d: bytes, p: int) -> tuple[int, int]:
    n, shift = 0, 0
    while True:
        if p >= len(d):
            raise _Eof(b"\x01" if shift else b"\x00")
        b = d[p]
        p += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return n, p


def _value(d: bytes, p: int) -> int:
    if p >= len(d):
        raise _Eof(b"\x00")
    tag = d[p]
    p += 1
    if tag in (0x00, 0x0A, 0x0B):
        return p
    if tag == 0x01:  # signed LEB128: a final byte that keeps it the shortest form
        prev = None
        while True:
            if p >= len(d):
                raise _Eof(b"\x00" if prev is None or prev & 0x40 else b"\x01")
            prev = d[p]
            p += 1
            if prev < 0x80:
                return p
    if tag == 0x02:
        end = p + 8
        if end > len(d):
            raise _Eof(b"\x00" * (end - len(d)))
        return end
    if tag in (0x03, 0x04, 0x09):
        if p >= len(d):
            raise _Eof(b"\x04&h_a" if tag == 0x09 else b"\x00")
        n = d[p]
        p += 1
        end = p + n
        if end > len(d):
            have = len(d) - p
            fill = b"".join(
                (_HANDLE_PREFIX[i:i + 1] if tag == 0x09 and i < 3 else
                 b"a" if tag != 0x04 else b"\x00") for i in range(have, n))
            raise _Eof(fill)
        return end
    if tag == 0x05:
        while True:
            if p >= len(d):
                raise _Eof(b"\x06")
            if d[p] == 0x06:
                return p + 1
            try:
                p = _value(d, p)
            except _Eof as e:
                raise _Eof(e.suffix + b"\x06") from None
    if tag == 0x07:
        try:
            _, p = _uleb(d, p)
        except _Eof as e:
            raise _Eof(e.suffix + b"\x00\x08") from None
        try:
            count, p = _uleb(d, p)
        except _Eof:
            raise _Eof(b"\x00\x08") from None
        last = -1
        for i in range(count):
            rest = count - i - 1
            try:
                if p >= len(d):
                    raise _Eof(b"")
                index, p = _uleb(d, p)
            except _Eof:
                raise _Eof(_fields(last, rest + 1) + b"\x08") from None
            if index <= last:
                raise ValueError(f"field index {index} after {last}")
            last = index
            try:
                p = _value(d, p)
            except _Eof as e:
                raise _Eof(e.suffix + _fields(last, rest) + b"\x08") from None
        if p >= len(d):
            raise _Eof(b"\x08")
        return p + 1
    if tag == 0x0C:
        try:
            count, p = _uleb(d, p)
        except _Eof:
            raise _Eof(b"\x00\x0d") from None
        last = b""
        for i in range(count):
            rest = count - i - 1
            if p >= len(d):
                raise _Eof(_pairs(last, rest + 1) + b"\x0d")
            n = d[p]
            end = p + 1 + n
            if end > len(d):
                key = d[p + 1:] + b"a" * (end - len(d))
                raise _Eof(b"a" * (end - len(d)) + b"\x00" + _pairs(key, rest) + b"\x0d")
            if i and d[p + 1:end] <= last:
                raise ValueError("map keys must ascend")
            last = d[p + 1:end]
            try:
                p = _value(d, end)
            except _Eof as e:
                raise _Eof(e.suffix + _pairs(last, rest) + b"\x0d") from None
        if p >= len(d):
            raise _Eof(b"\x0d")
        return p + 1
    raise ValueError(f"byte {tag:02x} is not a value tag")


def _fields(last: int, n: int) -> bytes:
    out = bytearray()
    for k in range(n):
        n = last + 1 + k
        while n >= 0x80:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out += bytes([n, 0x00])
    return bytes(out)


def _pairs(last: bytes, n: int) -> bytes:
    out = bytearray()
    key = last
    for _ in range(n):
        key = key + b"a"
        out += bytes([len(key)]) + key + b"\x00"
    return bytes(out)


def lcb_completion(data: bytes) -> str | None:
    """The hex (``"xx "`` per byte) that completes ``data`` into one valid LC-B value; ``""`` when
    ``data`` is already complete; None when it cannot be completed (not a value prefix)."""
    try:
        end = _value(data, 0)
    except _Eof as e:
        return "".join(f"{b:02x} " for b in e.suffix)
    except (ValueError, IndexError):
        return None
    return "" if end == len(data) else None


def lcb_prefix_ok(hex_text: str) -> bool:
    """Can the complete bytes of this hex prefix still become a valid LC-B value?  (Also catches
    what the grammar cannot: field indices and map keys out of order or repeated.)"""
    body = hex_text.split()
    if body and len(body[-1]) == 1:  # half a byte: fine if some second digit makes it fine
        return any(lcb_prefix_ok(" ".join(body[:-1] + [body[-1] + d]))
                   for d in "0123456789abcdef")
    try:
        data = bytes.fromhex(" ".join(body))
    except ValueError:
        return False
    return lcb_completion(data) is not None
