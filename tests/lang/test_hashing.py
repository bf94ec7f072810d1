"""Fingerprints and content handles (HLX-SPEC §3)."""

from __future__ import annotations

import pytest
from blake3 import blake3
from spec_vectors import vectors

from helix_lang.errors import HLXError
from helix_lang.formats import lcb
from helix_lang.hashing import content_handle, content_handle_text, fingerprint
from helix_lang.values import Contract, Handle, equal

HASH_ROWS = vectors("hashes")


@pytest.mark.parametrize("row", HASH_ROWS, ids=[r["id"] for r in HASH_ROWS])
def test_hash_vector(row):
    value = lcb.parse(row["lcb_hex"])
    assert fingerprint(value) == row["blake3"]
    assert blake3(bytes.fromhex(row["lcb_hex"])).hexdigest() == row["blake3"]
    assert content_handle_text(value) == row["handle"]
    handle = content_handle(value)
    assert isinstance(handle, Handle) and handle.name == row["handle"][3:]


def test_hash_vectors_present():
    assert len(HASH_ROWS) >= 5


SPEC_TABLE = [
    (None, "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213",
     "&h_null_2d3adedff11b61f1"),
    (123, "ea113457051ca7b6342c1c695a317ef6b2645a1eb6d0d434f96fe6de04c0679c",
     "&h_int_ea113457051ca7b6"),
    ("hello", "b64e3edb2838c3b907f041547a1622a33b8c530f51ef9f7ccebacd0ca67e4b63",
     "&h_text_b64e3edb2838c3b9"),
    ((), "f2e06bb757998c6f67b404d918b81700e269510509d5eb465fa0a09d0ce5d946",
     "&h_array_f2e06bb757998c6f"),
    (Contract(14, {0: 123}), "ee9c4d1fa1b0130367f3e3271272c601f2f1e122a3918ee27cd51424ab9c6eb2",
     "&h_contract_ee9c4d1fa1b01303"),
]


@pytest.mark.parametrize("value,digest,handle", SPEC_TABLE)
def test_spec_table(value, digest, handle):
    assert fingerprint(value) == digest
    assert content_handle_text(value) == handle
    assert content_handle(value) == Handle(handle[3:])


def test_explicit_tag():
    v = Contract(14, {0: 123})
    assert content_handle_text(v, tag="node") == "&h_node_ee9c4d1fa1b01303"
    assert content_handle(v, "node") == Handle("node_ee9c4d1fa1b01303")
    assert content_handle_text(v, tag="A_9") == "&h_A_9_ee9c4d1fa1b01303"


@pytest.mark.parametrize("value,kind_name", [
    (None, "null"), (True, "bool"), (False, "bool"), (1, "int"), (1.0, "float"), ("", "text"),
    (b"", "bytes"), ((), "array"), ([1], "array"), ({}, "map"), (Contract(1, {}), "contract"),
    (Handle("x"), "handle"),
])
def test_default_tag_is_kind_name(value, kind_name):
    text = content_handle_text(value)
    prefix = f"&h_{kind_name}_"
    assert text.startswith(prefix)
    digits = text[len(prefix):]
    assert len(digits) == 16 and digits == fingerprint(value)[:16]


@pytest.mark.parametrize("tag", ["", "a-b", "a b", "é", "a\n", "&h_x", 7])
def test_invalid_tag(tag):
    with pytest.raises(HLXError) as info:
        content_handle_text(1, tag=tag)
    assert info.value.code == "E_LC_PARSE"
    assert "tag" in info.value.message
    with pytest.raises(HLXError):
        content_handle(1, tag=tag)


def test_fingerprint_format_and_equality():
    d = fingerprint({"b": 1, "a": [1.5, "x"]})
    assert len(d) == 64 and d == d.lower() and int(d, 16) >= 0
    # Equal values have equal fingerprints, different values different ones.
    assert fingerprint({"a": [1.5, "x"], "b": 1}) == d
    assert fingerprint(-0.0) == fingerprint(0.0)
    assert fingerprint("e\u0301") == fingerprint("\u00e9")
    assert fingerprint(1) != fingerprint(1.0) != fingerprint(True)
    assert fingerprint("&h_x") != fingerprint(Handle("x"))


def test_content_handle_is_a_value():
    h = content_handle(Contract(14, {0: 123}))
    back = lcb.decode(lcb.encode(h))
    assert equal(back, h)


def test_fingerprint_propagates_value_errors():
    with pytest.raises(HLXError) as info:
        fingerprint(2**63)
    assert info.value.code == "E_INT_OVERFLOW"
