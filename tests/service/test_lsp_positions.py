"""The LSP edge: client positions (lines split on CR/LF/CRLF, UTF-16/UTF-8/UTF-32 columns) ⇄
the service's positions (LF lines, code points)."""

from __future__ import annotations

import pytest

pytest.importorskip("pygls", reason="the `lsp` extra (pygls, pytest-lsp) is not installed")
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types as T

from helix_lang.lsp import ClientText, track_of
from helix_lang.service import Pos

U16, U8, U32 = (T.PositionEncodingKind.Utf16, T.PositionEncodingKind.Utf8,
                T.PositionEncodingKind.Utf32)


@pytest.mark.parametrize("text, enc, client, offset", [
    ("a🜁b", U16, (0, 1), 1),
    ("a🜁b", U16, (0, 3), 2),  # after the astral glyph: 1 + 2 units
    ("a🜁b", U16, (0, 4), 3),
    ("a🜁b", U16, (0, 2), 2),  # inside the surrogate pair: rounded forward
    ("a🜁b", U8, (0, 5), 2),
    ("a🜁b", U32, (0, 2), 2),
    ("ab\r\ncd", U16, (1, 1), 5),
    ("ab\rcd", U16, (1, 1), 4),  # a lone CR ends an LSP line
    ("a\u2028b\nc", U16, (1, 0), 4),  # U+2028 does not
    ("ab\ncd", U16, (0, 99), 2),  # clamped to the line
    ("ab\ncd", U16, (7, 0), 5),  # clamped to the text
    ("", U16, (0, 0), 0),
])
def test_to_offset(text, enc, client, offset):
    c = ClientText(text, enc)
    assert c.to_offset(T.Position(line=client[0], character=client[1])) == offset


def test_service_positions_follow_lf_lines():
    c = ClientText("ab\rcd\nef", U16)
    # LSP line 1 ("cd") is the spec's line 0 after the CR (CR is whitespace there)
    assert c.to_service(T.Position(line=1, character=1)) == Pos(0, 4)
    assert c.from_service(Pos(1, 1)) == T.Position(line=2, character=1)


@given(st.text(alphabet="ab\r\n🜁⊢é\u2028 ", max_size=30), st.sampled_from([U16, U8, U32]))
def test_offsets_round_trip(text, enc):
    c = ClientText(text, enc)
    for i in range(len(text) + 1):
        if i and text[i - 1] == "\r" and text[i:i + 1] == "\n":
            continue  # between CR and LF is no position of the client
        assert c.to_offset(c.from_offset(i)) == i


@pytest.mark.parametrize("uri, language, track", [
    ("file:///a/x.hlx", None, "hlx"), ("file:///a/x.hlxl", None, "hlxl"),
    ("file:///a/x.HLX", None, "hlx"), ("untitled:1", "hlx", "hlx"), ("file:///x.hlx", "hlxl",
                                                                      "hlxl"),
])
def test_track_of(uri, language, track):
    assert track_of(uri, language) == track
