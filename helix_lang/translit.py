"""HLXL ⇄ HLX transliteration (HLX-SPEC §8.2), HLX lexical validity (§8.3) and position mapping
between the two tracks (§12.7).

Both directions are total functions on any text.  Strings and comments are copied unchanged;
in code, keywords become glyphs (``to_hlx``) or glyphs become keywords (``to_hlxl``), nothing else
changes, so layout and comments survive and ``to_hlxl(to_hlx(s)) == s`` for every lexically valid
HLXL text.

>>> to_hlx('program p { block main() { let s = "let |> &h_x"; return s |> len; } }')
'⟠ p { ◇ main() { ⊢ s = "let |> &h_x"; ↩ s ▷ len; } }'
>>> to_hlxl("⊢ format = ⚳ tag ⟁h; // ⊢ stays")
'let format = ls.collapse tag &h_h; // ⊢ stays'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import HLXError, line_col, offset_of

__all__ = ["GLYPHS", "WORD_GLYPHS", "to_hlx", "to_hlxl", "translit", "check_hlx", "Mapping",
           "segments"]

#: §8.1: HLXL text → glyph.  The first 19 are word glyphs; ▷ and ⟁ are symbol glyphs.
GLYPHS: dict[str, str] = {
    "program": "⟠", "block": "◇", "let": "⊢", "local": "⊡", "return": "↩", "if": "❓",
    "else": "❗", "while": "⟳", "for": "⟲", "ls.collapse": "⚳", "ls.resolve": "⚯",
    "ls.snapshot": "⚶", "ls.transaction": "⚿", "ls.guard": "⚐", "latent": "ꙮ", "table": "⌸",
    "using": "▣", "ls.fingerprint": "⚉", "ls.validate": "⚇", "|>": "▷", "&h_": "⟁",
}
WORD_GLYPHS: dict[str, str] = {k: v for k, v in GLYPHS.items() if k not in ("|>", "&h_")}
_FROM_GLYPH = {v: k for k, v in GLYPHS.items()}
_WORD_GLYPH_CHARS = frozenset(WORD_GLYPHS.values())
_IDENT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_IDENT_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
#: Any glyph of §8.1 (each is one code point).
_GLYPH_RE = re.compile("[" + "".join(re.escape(g) for g in _FROM_GLYPH) + "]")
#: Everything in HLX code that :func:`check_hlx` can reject: `&` and `|`, a `⟁` without a name,
#: any other non-ASCII character, and an identifier word (also `ls.word`) that is a keyword.
#: Code without any of these is valid, and the character-by-character scan is skipped.
_HLX_SUSPECT_RE = re.compile(
    r"[&|]|⟁(?![A-Za-z0-9_])|[^\x00-\x7f⟁]|(?<![A-Za-z0-9_])(?:"
    + "|".join(re.escape(w) for w in sorted(WORD_GLYPHS, key=len, reverse=True))
    + r")(?![A-Za-z0-9_])")


#: A string (to its closing quote, or to the end of the text, a backslash always taking the next
#: character with it), a line comment (to the LF) or a block comment (through `*/`, or to the end).
_NON_CODE_RE = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|//[^\n]*|/\*.*?(?:\*/|\Z)', re.S)


def segments(text: str):
    """Split text into ``(kind, start, end)`` with kind ``code``, ``string`` or ``comment`` (§8.2)."""
    return iter(_segment_list(text))


_last_segments: tuple[str, tuple] = ("", ())


def _segment_list(text: str) -> tuple:
    """The segments of ``text`` as a tuple; the last answer is kept, because parsing HLX asks
    twice in a row (validity check, then transliteration)."""
    global _last_segments
    last_text, last = _last_segments
    if last_text is text or last_text == text:
        return last
    out = []
    pos = 0
    for m in _NON_CODE_RE.finditer(text):
        start, end = m.span()
        if pos < start:
            out.append(("code", pos, start))
        out.append(("string" if text[start] == '"' else "comment", start, end))
        pos = end
    if pos < len(text):
        out.append(("code", pos, len(text)))
    result = tuple(out)
    _last_segments = (text, result)
    return result


@dataclass
class Mapping:
    """Substitutions made by a transliteration: ``(src_start, src_end, dst_start, dst_end)``."""

    src: str
    dst: str
    subs: list[tuple[int, int, int, int]] = field(default_factory=list)

    def index(self, i: int) -> int:
        """Map a string index of ``src`` to ``dst`` (§12.7: inside a token → start of its twin)."""
        delta = 0
        for s0, s1, d0, d1 in self.subs:
            if i < s0:
                break
            if i < s1:
                return d0
            delta = d1 - s1
        return i + delta

    def position(self, line: int, column: int) -> tuple[int, int]:
        """Map a 1-based line/column of ``src`` to ``dst`` (lines never change)."""
        return line_col(self.dst, self.index(offset_of(self.src, line, column)))

    def inverse(self) -> "Mapping":
        return Mapping(self.dst, self.src, [(d0, d1, s0, s1) for s0, s1, d0, d1 in self.subs])


def _to_hlx(text: str) -> Mapping:
    out: list[str] = []
    subs = []
    pos = 0  # length of output so far

    def emit(s: str, src_start: int, src_end: int, changed: bool) -> None:
        nonlocal pos
        if changed:
            subs.append((src_start, src_end, pos, pos + len(s)))
        out.append(s)
        pos += len(s)

    for kind, start, end in segments(text):
        if kind != "code":
            emit(text[start:end], start, end, False)
            continue
        i = start
        while i < end:
            ch = text[i]
            if ch in _IDENT_START and (i == 0 or text[i - 1] not in _IDENT_CHARS):
                j = i + 1
                while j < end and text[j] in _IDENT_CHARS:
                    j += 1
                if (text[i:j] == "ls" and j + 1 < end and text[j] == "."
                        and text[j + 1] in _IDENT_CHARS):
                    j += 2
                    while j < end and text[j] in _IDENT_CHARS:
                        j += 1
                word = text[i:j]
                glyph = WORD_GLYPHS.get(word)
                emit(glyph or word, i, j, glyph is not None)
                i = j
            elif ch == "&" and text.startswith("&&", i):
                emit("&&", i, i + 2, False)
                i += 2
            elif ch == "&" and text.startswith("&h_", i):
                emit("⟁", i, i + 3, True)
                i += 3
            elif ch == "|" and text.startswith("||", i):
                emit("||", i, i + 2, False)
                i += 2
            elif ch == "|" and text.startswith("|>", i):
                emit("▷", i, i + 2, True)
                i += 2
            else:
                emit(ch, i, i + 1, False)
                i += 1
    return Mapping(text, "".join(out), subs)


def _to_hlxl(text: str) -> Mapping:
    if _GLYPH_RE.search(text) is None:
        return Mapping(text, text, [])  # no glyph anywhere: nothing to replace
    out: list[str] = []
    subs = []
    pos = 0  # length of the output so far
    for kind, start, end in _segment_list(text):
        if kind != "code":
            out.append(text[start:end])
            pos += end - start
            continue
        last = start
        for m in _GLYPH_RE.finditer(text, start, end):
            i = m.start()
            if last < i:
                out.append(text[last:i])
                pos += i - last
            word = _FROM_GLYPH[m.group()]
            subs.append((i, i + 1, pos, pos + len(word)))
            out.append(word)
            pos += len(word)
            last = i + 1
        if last < end:
            out.append(text[last:end])
            pos += end - last
    return Mapping(text, "".join(out), subs)


def to_hlx(text: str) -> str:
    """HLXL → HLX (§8.2)."""
    return _to_hlx(text).dst


def to_hlxl(text: str) -> str:
    """HLX → HLXL (§8.2)."""
    return _to_hlxl(text).dst


def translit(text: str, to: str) -> Mapping:
    """Transliterate to ``"hlx"`` or ``"hlxl"`` and keep the position mapping."""
    if to == "hlx":
        return _to_hlx(text)
    if to == "hlxl":
        return _to_hlxl(text)
    raise ValueError(f"`to` must be `hlx` or `hlxl`, not `{to}`")


def _err(text: str, i: int, code: str, message: str, width: int = 1) -> HLXError:
    line, col = line_col(text, i)
    return HLXError(code, message, line=line, column=col, end_column=col + width)


def check_hlx(text: str) -> None:
    """Raise the first HLX lexical-validity error of §8.3 in text order, at its HLX position."""
    if _HLX_SUSPECT_RE.search(text) is None:
        return  # nothing anywhere that the scan below could object to
    code = [(start, end) for kind, start, end in _segment_list(text) if kind == "code"]
    if not any(_HLX_SUSPECT_RE.search(text, start, end) for start, end in code):
        return  # nothing in the code that the scan below could object to
    for start, end in code:
        i = start
        while i < end:
            ch = text[i]
            if ch in _IDENT_START and (i == 0 or text[i - 1] not in _IDENT_CHARS):
                j = i + 1
                while j < end and text[j] in _IDENT_CHARS:
                    j += 1
                if text[i:j] == "ls" and j + 1 < end and text[j] == "." and \
                        text[j + 1] in _IDENT_CHARS:
                    k = j + 2
                    while k < end and text[k] in _IDENT_CHARS:
                        k += 1
                    if text[i:k] in WORD_GLYPHS:
                        j = k
                word = text[i:j]
                if word in WORD_GLYPHS:
                    raise _err(text, i, "E_LC_PARSE",
                               f"`{word}` is written `{WORD_GLYPHS[word]}` in HLX", len(word))
                if j < end and text[j] in _WORD_GLYPH_CHARS:
                    raise _err(text, j, "E_LC_PARSE",
                               f"the glyph `{text[j]}` must be separated from `{word}` by a space")
                i = j
            elif ch == "&":
                if text.startswith("&&", i):
                    i += 2
                    continue
                if text.startswith("&h_", i):
                    raise _err(text, i, "E_LC_PARSE", "a handle is written `⟁name` in HLX", 3)
                raise _err(text, i, "E_LC_PARSE", "a lone `&` is not a token; did you mean `&&`?")
            elif ch == "|":
                if text.startswith("||", i):
                    i += 2
                    continue
                if text.startswith("|>", i):
                    raise _err(text, i, "E_LC_PARSE", "the pipeline is written `▷` in HLX", 2)
                raise _err(text, i, "E_LC_PARSE", "a lone `|` is not a token; did you mean `||`?")
            elif ch == "⟁":
                if i + 1 >= end or text[i + 1] not in _IDENT_CHARS:
                    raise _err(text, i, "E_LC_PARSE", "`⟁` must be followed by a handle name")
                i += 1
                while i < end and text[i] in _IDENT_CHARS:  # the name is part of the handle
                    i += 1                                   # token: `⟁if` is not the keyword
            elif ch in _WORD_GLYPH_CHARS:
                prev = text[i - 1] if i > 0 else ""
                if prev and (prev in _IDENT_CHARS or prev in _WORD_GLYPH_CHARS):
                    raise _err(text, i, "E_LC_PARSE",
                               f"the glyph `{ch}` must be separated from `{prev}` by a space")
                nxt = text[i + 1] if i + 1 < end else ""
                if nxt and (nxt in _IDENT_CHARS or nxt in _WORD_GLYPH_CHARS):
                    raise _err(text, i + 1, "E_LC_PARSE",
                               f"the glyph `{ch}` must be followed by a space before `{nxt}`")
                i += 1
            elif not ch.isascii() and ch not in _FROM_GLYPH:
                raise _err(text, i, "E_UNKNOWN_GLYPH",
                           f"`{ch}` (U+{ord(ch):04X}) is not an HLX glyph")
            else:
                i += 1
