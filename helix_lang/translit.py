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


def segments(text: str):
    """Split text into ``(kind, start, end)`` with kind ``code``, ``string`` or ``comment`` (§8.2)."""
    i, n = 0, len(text)
    code_start = 0
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            end = min(j + 1, n)
            kind = "string"
        elif ch == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            end = n if j < 0 else j
            kind = "comment"
        elif ch == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            end = n if j < 0 else j + 2
            kind = "comment"
        else:
            i += 1
            continue
        if code_start < i:
            yield "code", code_start, i
        yield kind, i, end
        i = code_start = end
    if code_start < n:
        yield "code", code_start, n


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
    out: list[str] = []
    subs = []
    pos = 0
    for kind, start, end in segments(text):
        if kind != "code":
            out.append(text[start:end])
            pos += end - start
            continue
        for i in range(start, end):
            ch = text[i]
            word = _FROM_GLYPH.get(ch)
            if word is None:
                out.append(ch)
                pos += 1
            else:
                subs.append((i, i + 1, pos, pos + len(word)))
                out.append(word)
                pos += len(word)
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
    for kind, start, end in segments(text):
        if kind != "code":
            continue
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
