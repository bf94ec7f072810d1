"""The HLX value model (HLX-SPEC §1): ten kinds, their construction rules, equality and depth.

Values are plain Python objects so that every format converts through one cheap model:

======== ========================= ==========================================
kind     Python                    construction rule
======== ========================= ==========================================
null     ``None``
bool     ``True`` / ``False``
int      ``int``                   −2**63 … 2**63−1, else ``E_INT_OVERFLOW``
float    ``float``                 finite (``E_FLOAT_SPECIAL``); −0.0 → 0.0
text     ``str``                   NFC; no surrogates
bytes    ``bytes``
array    ``tuple``                 (``list`` accepted by :func:`make`)
map      ``dict[str, Value]``      keys NFC and unique (``E_DUPLICATE_KEY``)
contract :class:`Contract`         id 0 … 2**32−1, indices 0 … 65535, ascending
handle   :class:`Handle`           name matches ``[A-Za-z0-9_]+``
======== ========================= ==========================================

Python's ``==`` says ``1 == 1.0 == True``; HLX does not (§1.3), so compare values with
:func:`equal`.

>>> v = make({"b": [1, 2.0], "a": Contract(14, {0: -0.0})})
>>> kind(v), kind(v["b"]), v["a"].fields[0]
('map', 'array', 0.0)
>>> equal(1, 1.0), equal({"x": 1}, {"x": 1})
(False, True)
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any, Union

from .errors import HLXError

__all__ = [
    "Value", "Contract", "Handle", "KINDS", "INT_MIN", "INT_MAX", "MAX_DEPTH", "CONTRACT_ID_MAX",
    "FIELD_INDEX_MAX", "kind", "equal", "depth", "make", "nfc", "check_int", "check_float",
    "check_depth", "HANDLE_NAME",
]

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
CONTRACT_ID_MAX = 2**32 - 1
FIELD_INDEX_MAX = 65535
MAX_DEPTH = 64
KINDS = ("null", "bool", "int", "float", "text", "bytes", "array", "map", "contract", "handle")
HANDLE_NAME = re.compile(r"[A-Za-z0-9_]+\Z")


class Contract:
    """A contract value: an id and sparse fields ``{index: value}`` in ascending index order."""

    __slots__ = ("id", "fields")

    def __init__(self, id: int, fields: dict[int, "Value"] | None = None) -> None:
        self.id = id
        self.fields = fields if fields is not None else {}

    def __repr__(self) -> str:
        return f"Contract({self.id}, {self.fields!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Contract) and equal(self, other)

    def __hash__(self) -> int:
        return hash((self.id, len(self.fields)))


class Handle:
    """A handle value: the name after ``&h_`` (HLXL), ``@`` (LC-T) or ``⟁`` (LC-R, HLX)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Handle({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Handle) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("handle", self.name))


Value = Union[None, bool, int, float, str, bytes, tuple, dict, Contract, Handle]

_KIND_OF_TYPE = {
    type(None): "null", bool: "bool", int: "int", float: "float", str: "text", bytes: "bytes",
    tuple: "array", list: "array", dict: "map", Contract: "contract", Handle: "handle",
}


def kind(v: Any) -> str:
    """The lowercase kind name of a value (§1.1)."""
    try:
        return _KIND_OF_TYPE[type(v)]
    except KeyError:
        raise TypeError(f"not an HLX value: {type(v).__name__}") from None


def equal(a: Any, b: Any) -> bool:
    """Value equality of §1.3: same kind and equal contents (``1`` and ``1.0`` differ)."""
    ta, tb = type(a), type(b)
    if ta in (list, tuple) and tb in (list, tuple):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if ta is not tb:
        return False
    if ta is dict:
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if ta is Contract:
        return (a.id == b.id and a.fields.keys() == b.fields.keys()
                and all(equal(a.fields[k], b.fields[k]) for k in a.fields))
    if ta is Handle:
        return a.name == b.name
    return a == b


def _children(v: Any):
    t = type(v)
    if t is tuple or t is list:
        return v
    if t is dict:
        return v.values()
    if t is Contract:
        return v.fields.values()
    return None


def depth(v: Any) -> int:
    """Depth of §1.2 (scalars 0, containers 1 + deepest child), computed without recursion."""
    best = 0
    stack = [(v, 0)]
    while stack:
        node, d = stack.pop()
        kids = _children(node)
        if kids is None:
            best = max(best, d)
            continue
        best = max(best, d + 1)
        for child in kids:
            if _children(child) is not None:
                stack.append((child, d + 1))
    return best


def check_depth(v: Any) -> None:
    """Raise ``E_DEPTH_EXCEEDED`` when ``v`` is nested deeper than 64."""
    if depth(v) > MAX_DEPTH:
        raise HLXError("E_DEPTH_EXCEEDED", f"value depth is above the maximum of {MAX_DEPTH}")


def nfc(s: str) -> str:
    """NFC-normalise text (fast path for ASCII, which is always NFC)."""
    return s if s.isascii() else unicodedata.normalize("NFC", s)


def check_int(n: int, what: str = "Int") -> int:
    if not INT_MIN <= n <= INT_MAX:
        raise HLXError("E_INT_OVERFLOW", f"{what} `{n}` is outside int64 (−2^63 … 2^63−1)")
    return n


def check_float(x: float) -> float:
    if math.isnan(x) or math.isinf(x):
        raise HLXError("E_FLOAT_SPECIAL", f"`{x}` is not a finite Float")
    return 0.0 if x == 0.0 else x


def _check_text(s: str) -> str:
    for ch in s:
        if "\ud800" <= ch <= "\udfff":
            raise HLXError("E_LC_PARSE", f"text contains the lone surrogate U+{ord(ch):04X}")
    return nfc(s)


def make(obj: Any, _depth: int = 0) -> Value:
    """Build a value from Python data, applying every construction rule of §1.

    ``list``/``tuple`` become arrays, ``dict`` with ``str`` keys a map, ``bytearray`` bytes.
    Raises :class:`HLXError` for int64 overflow, non-finite floats, duplicate keys after NFC,
    contract ids/indices out of range, bad handle names and depth above 64.
    """
    if _depth > MAX_DEPTH:
        raise HLXError("E_DEPTH_EXCEEDED", f"value depth is above the maximum of {MAX_DEPTH}")
    t = type(obj)
    if obj is None or t is bool:
        return obj
    if t is int:
        return check_int(obj)
    if t is float:
        return check_float(obj)
    if t is str:
        return _check_text(obj)
    if t is bytes or t is bytearray:
        return bytes(obj)
    if t is list or t is tuple:
        return tuple(make(x, _depth + 1) for x in obj)
    if t is dict:
        out: dict[str, Any] = {}
        for k, val in obj.items():
            if type(k) is not str:
                raise TypeError(f"map keys must be str, got {type(k).__name__}")
            key = _check_text(k)
            if key in out:
                raise HLXError("E_DUPLICATE_KEY", f"map key `{key}` appears twice (after NFC)")
            out[key] = make(val, _depth + 1)
        return out
    if t is Contract:
        if type(obj.id) is not int or not 0 <= obj.id <= CONTRACT_ID_MAX:
            raise HLXError("E_INT_OVERFLOW", f"contract id `{obj.id}` is outside 0 … 2^32−1")
        fields = {}
        for i in sorted(obj.fields):
            if type(i) is not int or not 0 <= i <= FIELD_INDEX_MAX:
                raise HLXError("E_INT_OVERFLOW", f"field index `{i}` is outside 0 … 65535")
            fields[i] = make(obj.fields[i], _depth + 1)
        return Contract(obj.id, fields)
    if t is Handle:
        if type(obj.name) is not str or not HANDLE_NAME.match(obj.name):
            raise HLXError("E_LC_PARSE", f"handle name `{obj.name}` must match [A-Za-z0-9_]+")
        return obj
    raise TypeError(f"cannot make an HLX value from {t.__name__}")
