"""LC-B (HLX-SPEC §2): conformance vectors, the tables of §2.2/§2.6, the decoding rules of §2.4,
the hex display form of §2.5 and robustness properties of the decoder."""

from __future__ import annotations

import math
import unicodedata

import pytest
from spec_vectors import vectors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helix_lang.errors import HLXError
from helix_lang.formats import lcb, lct
from helix_lang.values import INT_MAX, INT_MIN, Contract, Handle, equal

VALUE_ROWS = vectors("values")
INVALID_ROWS = [row for row in vectors("invalid") if row["format"] == "lcb"]


def code_of(fn, *args):
    with pytest.raises(HLXError) as info:
        fn(*args)
    return info.value.code


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# --- conformance vectors ------------------------------------------------------------------------

@pytest.mark.parametrize("row", VALUE_ROWS, ids=[r["id"] for r in VALUE_ROWS])
def test_value_vector(row):
    value = lcb.parse(row["lcb_hex"])
    assert lcb.dump(value) == row["lcb_hex"]
    assert lcb.encode(value) == h(row["lcb_hex"])
    expected = lct.parse(row["lct"])
    assert equal(value, expected)
    assert lcb.dump(expected) == row["lcb_hex"]


@pytest.mark.parametrize("row", INVALID_ROWS, ids=[r["id"] for r in INVALID_ROWS])
def test_invalid_vector(row):
    assert code_of(lcb.parse, row["input"]) == row["error"]


def test_vector_files_are_not_empty():
    assert len(VALUE_ROWS) >= 100
    assert len(INVALID_ROWS) >= 20


# --- §2.2 LEB128 table and §2.6 examples ----------------------------------------------------------

LEB_TABLE = [
    (42, "01 2a"),
    (-1, "01 7f"),
    (64, "01 c0 00"),
    (123, "01 fb 00"),
    (300, "01 ac 02"),
    (-100, "01 9c 7f"),
    (9223372036854775807, "01 ff ff ff ff ff ff ff ff ff 00"),
]

EXAMPLES = [
    (1.0, "02 3f f0 00 00 00 00 00 00"),
    (3.14159, "02 40 09 21 f9 f0 1b 86 6e"),
    ("hello", "03 05 68 65 6c 6c 6f"),
    ("café", "03 05 63 61 66 c3 a9"),
    (b"data", "04 04 64 61 74 61"),
    (Handle("foo_0"), "09 08 26 68 5f 66 6f 6f 5f 30"),
    (((1,), (2, 3)), "05 05 01 01 06 05 01 02 01 03 06 06"),
    ({"age": 30, "name": "Alice"},
     "0c 02 03 61 67 65 01 1e 04 6e 61 6d 65 03 05 41 6c 69 63 65 0d"),
    (Contract(15, {}), "07 0f 00 08"),
    (Contract(14, {0: 42}), "07 0e 01 00 01 2a 08"),
    (Contract(14, {0: 123, 1: "hello"}), "07 0e 02 00 01 fb 00 01 03 05 68 65 6c 6c 6f 08"),
    (Contract(7, {8: 1}), "07 07 01 08 01 01 08"),
    (Contract(7, {127: 1, 128: 2}), "07 07 02 7f 01 01 80 01 01 02 08"),
    (Contract(1000, {0: "search", 1: Handle("documents")}),
     "07 e8 07 02 00 03 06 73 65 61 72 63 68 01 09 0c 26 68 5f 64 6f 63 75 6d 65 6e 74 73 08"),
    (None, "00"),
    (True, "0a"),
    (False, "0b"),
    ((), "05 06"),
    ({}, "0c 00 0d"),
]


@pytest.mark.parametrize("value,hex_text", LEB_TABLE + EXAMPLES)
def test_spec_tables(value, hex_text):
    assert lcb.dump(value) == hex_text
    assert equal(lcb.parse(hex_text), value)


def test_annotated_example_layout():
    data = lcb.encode(Contract(14, {0: 123, 1: "hello"}))
    assert data[0] == lcb.CONTRACT_START and data[-1] == lcb.CONTRACT_END
    assert data[1:3] == b"\x0e\x02"


@pytest.mark.parametrize("n", [0, 1, -1, 63, 64, -64, -65, 127, 128, -128, -129, 8191, 8192,
                               -8192, -8193, 2**31, -(2**31), 2**53 + 1, INT_MAX, INT_MIN])
def test_int_boundaries_roundtrip(n):
    data = lcb.encode(n)
    assert lcb.decode(data) == n and type(lcb.decode(data)) is int
    assert len(data) - 1 <= 10


@given(st.integers(INT_MIN, INT_MAX))
def test_sleb_matches_reference(n):
    # Reference SLEB128 of §2.2, written independently of the module.
    out = []
    x = n
    while True:
        b = x & 0x7F
        x >>= 7
        if (x == 0 and not b & 0x40) or (x == -1 and b & 0x40):
            out.append(b)
            break
        out.append(b | 0x80)
    assert lcb.encode(n) == bytes([1] + out)
    assert lcb.decode(bytes([1] + out)) == n


# --- decoding rules of §2.4, with offsets -------------------------------------------------------

DECODE_ERRORS = [
    # (hex, code, offset)
    ("", "E_LC_BINARY_DECODE", 0),
    ("01", "E_LC_BINARY_DECODE", 1),
    ("00 00", "E_LC_BINARY_DECODE", 1),
    ("06", "E_LC_BINARY_DECODE", 0),
    ("08", "E_LC_BINARY_DECODE", 0),
    ("0d", "E_LC_BINARY_DECODE", 0),
    ("0e", "E_LC_BINARY_DECODE", 0),
    ("ff", "E_LC_BINARY_DECODE", 0),
    ("05 0d 06", "E_LC_BINARY_DECODE", 1),
    ("01 80 00", "E_LC_BINARY_DECODE", 1),          # SLEB non-minimal (0)
    ("01 ff 7f", "E_LC_BINARY_DECODE", 1),          # SLEB non-minimal (-1)
    ("01 c0 7f", "E_LC_BINARY_DECODE", 1),          # -64 needs one byte
    ("01 80 80 80 80 80 80 80 80 80 80 00", "E_LC_BINARY_DECODE", 1),  # 11 bytes
    ("01 80 80 80 80 80 80 80 80 80 01", "E_INT_OVERFLOW", 1),
    ("01 ff ff ff ff ff ff ff ff ff 7e", "E_INT_OVERFLOW", 1),  # below −2^63
    ("03 80 00", "E_LC_BINARY_DECODE", 1),          # ULEB non-minimal length
    ("03 81 80 80 80 80 80 80 80 80 80 01", "E_LC_BINARY_DECODE", 1),
    ("03 05 68 65 6c", "E_LC_BINARY_DECODE", 5),
    ("03 02 c3 28", "E_LC_BINARY_DECODE", 2),
    ("03 03 ed a0 80", "E_LC_BINARY_DECODE", 2),    # UTF-8 of a surrogate
    ("03 02 c0 80", "E_LC_BINARY_DECODE", 2),       # overlong UTF-8
    ("03 03 65 cc 81", "E_LC_BINARY_DECODE", 2),    # not NFC
    ("04 03 00 01", "E_LC_BINARY_DECODE", 4),
    ("02 3f f0 00", "E_LC_BINARY_DECODE", 4),
    ("02 80 00 00 00 00 00 00 00", "E_LC_BINARY_DECODE", 1),
    ("02 7f f0 00 00 00 00 00 00", "E_FLOAT_SPECIAL", 1),
    ("02 ff f0 00 00 00 00 00 00", "E_FLOAT_SPECIAL", 1),
    ("02 7f f8 00 00 00 00 00 01", "E_FLOAT_SPECIAL", 1),
    ("02 ff ff ff ff ff ff ff ff", "E_FLOAT_SPECIAL", 1),
    ("09 03 26 68 5f", "E_LC_BINARY_DECODE", 2),
    ("09 03 61 62 63", "E_LC_BINARY_DECODE", 2),
    ("09 05 26 68 5f 61 2d", "E_LC_BINARY_DECODE", 2),
    ("09 05 26 48 5f 61 62", "E_LC_BINARY_DECODE", 2),
    ("09 05 26 68 5f 61", "E_LC_BINARY_DECODE", 6),
    ("05 01 01", "E_LC_BINARY_DECODE", 3),
    ("05 08", "E_LC_BINARY_DECODE", 1),
    ("07 0e 01 00 01 2a", "E_LC_BINARY_DECODE", 6),
    ("07 0e 00 00 01 2a 08", "E_LC_BINARY_DECODE", 3),
    ("07 0e 01 00 01 2a 06", "E_LC_BINARY_DECODE", 6),
    ("07 0e 01 08 01 2a", "E_LC_BINARY_DECODE", 6),  # index 8 is not CONTRACT_END
    ("07 80 00 00 08", "E_LC_BINARY_DECODE", 1),      # non-minimal id
    ("07 80 80 80 80 10 00 08", "E_INT_OVERFLOW", 1),
    ("07 00 01 80 80 04 00 08", "E_INT_OVERFLOW", 3),  # field index 65536
    ("07 00 01 ff ff 03 00", "E_LC_BINARY_DECODE", 7),  # index 65535 ok, then truncated
    ("07 0a 02 01 01 01 00 01 02 08", "E_FIELD_ORDER", 6),
    ("07 0a 02 00 01 01 00 01 02 08", "E_DUPLICATE_FIELD", 6),
    ("0c 00 08", "E_LC_BINARY_DECODE", 2),
    ("0c 01 01 61 00", "E_LC_BINARY_DECODE", 5),
    ("0c 01 05 61 00 0d", "E_LC_BINARY_DECODE", 6),
    ("0c 02 01 61 00 01 61 00 0d", "E_DUPLICATE_KEY", 5),
    ("0c 02 01 62 00 01 61 00 0d", "E_KEY_ORDER", 5),
    ("0c 02 01 61 00 01 41 00 0d", "E_KEY_ORDER", 5),
    ("0c 02 02 61 62 00 01 61 00 0d", "E_KEY_ORDER", 6),
    ("0c 01 02 c3 28 00 0d", "E_LC_BINARY_DECODE", 3),
    ("0c 01 03 65 cc 81 00 0d", "E_LC_BINARY_DECODE", 3),
]


@pytest.mark.parametrize("hex_text,code,offset", DECODE_ERRORS)
def test_decode_errors(hex_text, code, offset):
    with pytest.raises(HLXError) as info:
        lcb.decode(h(hex_text))
    assert info.value.code == code
    assert info.value.offset == offset


def test_largest_leb128_lengths():
    # Ten-byte LEB128 numbers are read; an eleventh byte is never read.
    assert lcb.decode(h("01 80 80 80 80 80 80 80 80 80 7f")) == INT_MIN
    assert lcb.decode(h("07 ff ff ff ff 0f 00 08")) == Contract(2**32 - 1, {})
    assert lcb.decode(h("07 00 01 ff ff 03 00 08")) == Contract(0, {65535: None})


def test_contract_with_field_index_equal_to_end_tags():
    v = Contract(7, {6: 1, 8: 2, 13: 3})
    assert lcb.decode(lcb.encode(v)) == v


def test_map_key_length_equal_to_map_end():
    key = "k" * 13
    v = {key: None, "": 1}
    data = lcb.encode(v)
    assert data == h("0c 02 00 01 01 0d") + key.encode() + h("00 0d")
    assert lcb.decode(data) == v


def test_decode_accepts_buffers():
    assert lcb.decode(bytearray(h("01 2a"))) == 42
    assert lcb.decode(memoryview(h("01 2a"))) == 42
    with pytest.raises(TypeError):
        lcb.decode("01 2a")


def test_decoded_types():
    v = lcb.parse("05 00 0a 0b 01 01 02 3f f0 00 00 00 00 00 00 03 01 61 04 01 61 05 06 0c 00 0d "
                  "07 00 00 08 09 04 26 68 5f 61 06")
    assert [type(x) for x in v] == [type(None), bool, bool, int, float, str, bytes, tuple, dict,
                                    Contract, Handle]


# --- depth (§1.2) ---------------------------------------------------------------------------------

def nested_array(levels: int):
    v = ()
    for _ in range(levels - 1):
        v = (v,)
    return v


def nested_mixed(levels: int):
    v = 1
    for i in range(levels):
        v = [(v,), {"d": v}, Contract(3, {5: v})][i % 3]
    return v


@pytest.mark.parametrize("build", [nested_array, nested_mixed])
def test_depth_64_accepted_65_rejected(build):
    ok = build(64)
    data = lcb.encode(ok)
    assert equal(lcb.decode(data), ok)
    assert code_of(lcb.encode, build(65)) == "E_DEPTH_EXCEEDED"
    assert code_of(lcb.dump, build(65)) == "E_DEPTH_EXCEEDED"


def test_depth_decode_65_rejected_at_the_65th_start():
    data = b"\x05" * 65 + b"\x06" * 65
    with pytest.raises(HLXError) as info:
        lcb.decode(data)
    assert info.value.code == "E_DEPTH_EXCEEDED" and info.value.offset == 64
    assert lcb.decode(b"\x05" * 64 + b"\x06" * 64) == nested_array(64)
    # Maps and contracts count too.
    deep_map = b"\x0c\x01\x01d" * 64 + b"\x00" + b"\x0d" * 64
    assert lcb.encode(lcb.decode(deep_map)) == deep_map
    assert code_of(lcb.decode, b"\x0c\x01\x01d" * 65 + b"\x00" + b"\x0d" * 65) == "E_DEPTH_EXCEEDED"
    deep_c = b"\x07\x00\x01\x00" * 65 + b"\x00" + b"\x08" * 65
    assert code_of(lcb.decode, deep_c) == "E_DEPTH_EXCEEDED"
    assert lcb.encode(lcb.decode(deep_c[4:-1])) == deep_c[4:-1]


def test_very_deep_input_does_not_recurse():
    for tag in (b"\x05", b"\x0c\x01\x00", b"\x07\x00\x01\x00"):
        assert code_of(lcb.decode, tag * 100_000) == "E_DEPTH_EXCEEDED"


def test_cyclic_list_is_rejected_by_depth():
    a: list = []
    a.append(a)
    assert code_of(lcb.encode, a) == "E_DEPTH_EXCEEDED"


# --- encoder ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,code", [
    (2**63, "E_INT_OVERFLOW"),
    (-(2**63) - 1, "E_INT_OVERFLOW"),
    ((1, 10**30), "E_INT_OVERFLOW"),
    (math.nan, "E_FLOAT_SPECIAL"),
    (math.inf, "E_FLOAT_SPECIAL"),
    ({"x": -math.inf}, "E_FLOAT_SPECIAL"),
    (Contract(2**32, {}), "E_INT_OVERFLOW"),
    (Contract(-1, {}), "E_INT_OVERFLOW"),
    (Contract(1, {65536: 0}), "E_INT_OVERFLOW"),
    (Contract(1, {-1: 0}), "E_INT_OVERFLOW"),
    (Handle("a-b"), "E_LC_PARSE"),
    (Handle(""), "E_LC_PARSE"),
    ("\ud800", "E_LC_PARSE"),
    ({"e\u0301": 1, "\u00e9": 2}, "E_DUPLICATE_KEY"),
])
def test_encode_errors(value, code):
    assert code_of(lcb.encode, value) == code


def test_encode_normalises():
    assert lcb.encode(-0.0) == lcb.encode(0.0) == h("02 00 00 00 00 00 00 00 00")
    assert lcb.encode("e\u0301") == lcb.encode("\u00e9") == h("03 02 c3 a9")
    # NFC of keys can change their order: keys are sorted by their NFC bytes.
    assert lcb.dump({"e\u0301": 1, "f": 2}) == lcb.dump({"\u00e9": 1, "f": 2})
    assert lcb.encode([1, [2]]) == lcb.encode((1, (2,)))
    assert lcb.encode(bytearray(b"ab")) == lcb.encode(b"ab")
    assert lcb.encode(Contract(1, {2: "b", 0: "a"})) == h("07 01 02 00 03 01 61 02 03 01 62 08")


def test_encode_sorts_keys_by_utf8_bytes():
    v = {"\U0001f600": 4, "\uff21": 3, "b": 2, "B": 1, "": 0}
    data = lcb.encode(v)
    decoded = lcb.decode(data)
    assert list(decoded) == ["", "B", "b", "\uff21", "\U0001f600"]


def test_encode_long_lengths():
    for n in (127, 128, 16383, 16384, 70000):
        s = "x" * n
        assert lcb.decode(lcb.encode(s)) == s
        b = bytes(range(256)) * (n // 256 + 1)
        assert lcb.decode(lcb.encode(b)) == b
    big_map = {f"k{i:05d}": i for i in range(70000)}
    assert lcb.decode(lcb.encode(big_map)) == big_map
    long_handle = Handle("h" * 300)
    assert lcb.decode(lcb.encode(long_handle)) == long_handle


def test_encode_rejects_non_values():
    for bad in (object(), {1: 2}, 1j, {"a": {3}}):
        with pytest.raises(TypeError):
            lcb.encode(bad)


# --- hex display form (§2.5) ------------------------------------------------------------------

def test_hex_display_reader_is_lenient():
    assert lcb.parse("07 0E 01 00 01 2A 08") == Contract(14, {0: 42})
    assert lcb.parse("  07\t0e\r\n01  00\n\n01 2a 08 \n") == Contract(14, {0: 42})
    assert lcb.from_hex("Ab cD ef") == b"\xab\xcd\xef"
    assert lcb.from_hex("") == b""
    assert lcb.to_hex(b"") == ""
    assert lcb.to_hex(b"\x00\xab\xff") == "00 ab ff"
    assert lcb.to_hex(bytearray(b"\x01")) == "01"


@pytest.mark.parametrize("text,line,column", [
    ("01 2", 1, 4),
    ("012a", 1, 1),
    ("01\n  2a3", 2, 3),
    ("01 gg", 1, 4),
    ("0x01", 1, 1),
    ("01,2a", 1, 3),
    ("01 -1", 1, 4),
    ("01 \u00e9\u00e9", 1, 4),
    ("01 \u0661\u0662", 1, 4),
])
def test_hex_display_errors(text, line, column):
    for fn in (lcb.parse, lcb.from_hex):
        with pytest.raises(HLXError) as info:
            fn(text)
        assert info.value.code == "E_INVALID_HEX"
        assert (info.value.line, info.value.column) == (line, column)


def test_parse_maps_decode_offsets_to_positions():
    with pytest.raises(HLXError) as info:
        lcb.parse("01\n80 00")
    e = info.value
    assert (e.code, e.offset, e.line, e.column) == ("E_LC_BINARY_DECODE", 1, 2, 1)
    with pytest.raises(HLXError) as info:
        lcb.parse("03 05\n68 65")
    e = info.value
    assert (e.offset, e.line, e.column) == (4, 2, 6)


@given(st.binary(max_size=40))
def test_hex_roundtrip(data):
    text = lcb.to_hex(data)
    assert lcb.from_hex(text) == data
    assert lcb.from_hex(text.upper().replace(" ", "\n\t ")) == data
    if data:
        assert text == " ".join(f"{b:02x}" for b in data)


# --- properties -----------------------------------------------------------------------------------

def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(INT_MIN, INT_MAX),
    st.integers(-200, 200),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: x + 0.0),
    st.text(max_size=8).map(_nfc),
    st.binary(max_size=8),
    st.from_regex(r"[A-Za-z0-9_]{1,8}", fullmatch=True).map(Handle),
)


def _containers(children):
    return st.one_of(
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=4).map(_nfc), children, max_size=4),
        st.builds(Contract, st.integers(0, 2**32 - 1),
                  st.dictionaries(st.integers(0, 65535), children, max_size=4)
                  .map(lambda d: dict(sorted(d.items())))),
    )


values = st.recursive(scalars, _containers, max_leaves=6)


@given(values)
def test_roundtrip(value):
    data = lcb.encode(value)
    decoded = lcb.decode(data)
    assert equal(decoded, value)
    assert lcb.encode(decoded) == data
    assert equal(lcb.parse(lcb.dump(value)), value)


def _decodes_canonically_or_fails(data: bytes) -> None:
    try:
        value = lcb.decode(data)
    except HLXError:
        return
    assert lcb.encode(value) == data, data.hex(" ")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_every_corruption_and_truncation(value):
    data = lcb.encode(value)
    if len(data) > 80:
        data = lcb.encode(value if not isinstance(value, tuple) else value[:1])
    for k in range(len(data)):
        with pytest.raises(HLXError) as info:
            lcb.decode(data[:k])
        assert info.value.code == "E_LC_BINARY_DECODE"
        assert info.value.offset == k
    buf = bytearray(data)
    for i in range(len(data)):
        original = buf[i]
        for c in range(256):
            if c != original:
                buf[i] = c
                _decodes_canonically_or_fails(bytes(buf))
        buf[i] = original


INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C,
               0x0D, 0x0E, 0x26, 0x40, 0x5F, 0x61, 0x68, 0x7F, 0x80, 0xC3, 0xCC, 0xFF]


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.binary(max_size=64),
                 st.lists(st.sampled_from(INTERESTING), max_size=64).map(bytes)))
def test_random_bytes_only_raise_hlx_errors(data):
    _decodes_canonically_or_fails(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_random_hex_text_only_raises_hlx_errors(text):
    try:
        lcb.parse(text)
    except HLXError as e:
        assert e.code in ("E_INVALID_HEX", "E_LC_BINARY_DECODE", "E_INT_OVERFLOW",
                          "E_FLOAT_SPECIAL", "E_FIELD_ORDER", "E_DUPLICATE_FIELD",
                          "E_KEY_ORDER", "E_DUPLICATE_KEY", "E_DEPTH_EXCEEDED")
