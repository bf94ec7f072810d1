"""Hypothesis strategies for arbitrary valid HLX values (HLX-SPEC §1).

Every strategy yields values already in the model's normal form (built with
:func:`helix_lang.values.make`, so text and keys are NFC and ``-0.0`` is ``0.0``), covering all
ten kinds and the corners the formats have to get right:

* Text: astral characters, controls (Cc), quotes, backslashes, U+2028/U+2029/U+0085/U+FEFF,
  the glyph characters of LC-R and HLX, and non-NFC input (combining sequences) that ``make``
  normalises;
* Int: the int64 bounds and their neighbours, LEB128 length boundaries;
* Float: subnormals, ``5e-324``, the largest finite float, the positional/exponent switch points;
* map keys: reserved words, ``C``, ``NULL``/``TRUE``/``FALSE``, the empty key, keys that are not
  identifiers;
* contracts: ids up to 2**32−1 and sparse field indices up to 65535;
* handles: any ``[A-Za-z0-9_]+`` name;
* nesting up to depth 6 (:func:`values`), and values of depth exactly 64 (:func:`deep_values`).

Use :func:`hlx_values` (mostly depth ≤ 6, now and then depth exactly 64) unless a test needs one
kind of value.
"""

from __future__ import annotations

import functools
import unicodedata

from hypothesis import strategies as st

from helix_lang.lexical import RESERVED
from helix_lang.values import (
    CONTRACT_ID_MAX,
    FIELD_INDEX_MAX,
    INT_MAX,
    INT_MIN,
    MAX_DEPTH,
    Contract,
    Handle,
    depth,
    make,
)

__all__ = [
    "nulls", "bools", "ints", "floats", "texts", "byte_strings", "handles", "map_keys",
    "contract_ids", "field_indices", "scalars", "containers", "values", "deep_values",
    "hlx_values", "SPECIAL_CHARS", "SPECIAL_KEYS",
]

#: Characters every text format must escape or carry raw correctly (§4.2, §6, §8.1).
SPECIAL_CHARS = (
    '"', "\\", "\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x80", "\x85", "\x9f", "\xa0",
    "\u2028", "\u2029", "\ufeff", "\ufffd", "\u0301", "é", "ß", "数", "😀", "\U0010ffff",
    "\U0001f70a", "\U0001f701", "\U0001f702", "\U0001f703", "\U0001f704", "\U0001f40a",
    "∅", "⊤", "⊥", "⊠", "⟁", "◇", "◆", "⊢", "▷", "&", "|", "@", "#", "/", "*", "{", "}",
    "[", "]", ":", ",", "=", " ", "&h_", "//", "/*", "{C:", "\\u{41}",
)

#: Map keys whose bare/quoted spelling differs between the formats (§4.3).
SPECIAL_KEYS = (
    "", "C", "c", "NULL", "TRUE", "FALSE", "null", "true", "false", "1x", "a b", "é",
    "e\u0301", "_", "x1", "C1", "ls", "ls.collapse", "&h_x", "@0", "\u2028", "😀", '"', "\\",
    *sorted(RESERVED),
)

nulls = st.none
bools = st.booleans


@functools.cache
def ints() -> st.SearchStrategy[int]:
    """Any int64, biased towards the bounds and LEB128 length boundaries."""
    edges = [INT_MIN, INT_MIN + 1, INT_MAX - 1, INT_MAX, 0, -1, 1, 63, 64, -64, -65, 127, 128,
             2**31 - 1, -(2**31), 2**32, 2**53 + 1]
    return st.one_of(st.sampled_from(edges), st.integers(-1000, 1000),
                     st.integers(INT_MIN, INT_MAX))


@functools.cache
def floats() -> st.SearchStrategy[float]:
    """Any finite binary64 (``-0.0`` normalised to ``0.0``), subnormals and extremes included."""
    edges = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
             -1.7976931348623157e308, 1e16, 1e15, 9999999999999998.0, 1e-4, 1e-5, 0.1, 0.5,
             1.0, -1.5, 0.1 + 0.2, 123456789.125, 1e22, 1e23, 2.0**63, -(2.0**63)]
    return st.one_of(
        st.sampled_from(edges),
        st.floats(allow_nan=False, allow_infinity=False),
        st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True,
                  min_value=-1e-300, max_value=1e-300),
    ).map(make)


@functools.cache
def _raw_text(max_size: int) -> st.SearchStrategy[str]:
    # Any scalar value (no surrogates: Text never holds one), plus the special characters.
    any_char = st.characters(exclude_categories=("Cs",))
    return st.lists(st.one_of(any_char, st.sampled_from(SPECIAL_CHARS)),
                    max_size=max_size).map("".join)


@functools.cache
def texts(max_size: int = 24) -> st.SearchStrategy[str]:
    """Text values: arbitrary Unicode, NFC-normalised by :func:`make` (non-NFC input included)."""
    return _raw_text(max_size).map(make)


@functools.cache
def byte_strings(max_size: int = 24) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=max_size),
                     st.sampled_from([b"", b"\x00", b"\xff", b"data", bytes(range(256))]))


@functools.cache
def handles() -> st.SearchStrategy[Handle]:
    return st.one_of(
        st.sampled_from(["a", "0", "_", "ast", "foo_0", "h_x", "users", "A" * 80]),
        st.from_regex(r"[A-Za-z0-9_]{1,20}", fullmatch=True),
    ).map(Handle)


@functools.cache
def map_keys() -> st.SearchStrategy[str]:
    """Map keys as they are after construction (NFC): identifiers, special words, any text."""
    return st.one_of(
        st.sampled_from(SPECIAL_KEYS),
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
        _raw_text(8),
    ).map(lambda k: unicodedata.normalize("NFC", k))


@functools.cache
def contract_ids() -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from([0, 7, 8, 13, 14, 15, 127, 128, 900, 902, 1000,
                                      CONTRACT_ID_MAX - 1, CONTRACT_ID_MAX]),
                     st.integers(0, CONTRACT_ID_MAX))


@functools.cache
def field_indices() -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from([0, 1, 6, 8, 13, 127, 128, 255, 256, FIELD_INDEX_MAX]),
                     st.integers(0, FIELD_INDEX_MAX))


@functools.cache
def scalars() -> st.SearchStrategy:
    """The seven scalar kinds."""
    return st.one_of(nulls(), bools(), ints(), floats(), texts(), byte_strings(), handles())


def _contract(cid: int, fields: dict) -> Contract:
    return Contract(cid, dict(sorted(fields.items())))


def containers(children: st.SearchStrategy, max_size: int = 4) -> st.SearchStrategy:
    """Arrays, maps and contracts whose elements come from ``children``."""
    return st.one_of(
        st.lists(children, max_size=max_size).map(tuple),
        st.dictionaries(map_keys(), children, max_size=max_size),
        st.builds(_contract, contract_ids(),
                  st.dictionaries(field_indices(), children, max_size=max_size)),
    )


@functools.cache
def values(max_depth: int = 6, max_size: int = 4) -> st.SearchStrategy:
    """Any value of depth at most ``max_depth``, all ten kinds at every level.

    (The strategy factories are cached: building strategies anew for every draw is slow.)"""
    strategy = scalars()
    for _ in range(max_depth):
        strategy = st.one_of(scalars(), containers(strategy, max_size))
    return strategy


_WRAP_KINDS = ("array", "map", "contract")


def _wrap(leaf, levels: int, pattern: list[str], key: str, cid: int):
    """Wrap ``leaf`` in ``levels`` containers whose kinds cycle through ``pattern``."""
    v = leaf
    for i in range(levels):
        kind = pattern[i % len(pattern)]
        if kind == "array":
            v = (v,) if i % 2 else (v, None)
        elif kind == "map":
            v = {key: v}
        else:
            v = Contract(cid, {(cid + i) % (FIELD_INDEX_MAX + 1): v})
    return v


@st.composite
def deep_values(draw, target_depth: int = MAX_DEPTH):
    """A value of depth exactly ``target_depth`` (default 64, the maximum): a small value wrapped
    in a chain of arrays, maps and contracts (a drawn pattern of kinds, repeated)."""
    leaf = draw(values(max_depth=2, max_size=2))
    pattern = draw(st.lists(st.sampled_from(_WRAP_KINDS), min_size=1, max_size=5))
    key = draw(map_keys())
    cid = draw(contract_ids())
    value = _wrap(leaf, target_depth - depth(leaf), pattern, key, cid)
    assert depth(value) == target_depth
    return value


@functools.cache
def hlx_values() -> st.SearchStrategy:
    """The default value strategy of the suite: mostly depth ≤ 6, occasionally depth exactly 64."""
    return st.integers(1, 20).flatmap(lambda n: deep_values() if n == 20 else values())
