"""Token-level spellings of values: the canonical text, non-canonical variants, and layouts.

``tokens(v, fmt)`` lists the lexical tokens of the canonical text of ``v`` in a text format;
joined by :func:`join` they give exactly ``helix_lang.FORMATS[fmt].dump(v)``.  With an ``rng``,
:func:`tokens` draws legal but non-canonical spellings instead (map keys in any order, quoted
bare keys, ``2.50`` for ``2.5``, needless escapes, decomposed accents, ``b"…"`` bytes and
named-field sugar in HLXL/HLX), and :func:`join` with an ``rng`` spreads whitespace, newlines and
(HLXL/HLX) comments between tokens.  Error families mutate the token list before joining.

>>> from helix_lang.values import Contract
>>> join(tokens(Contract(14, {0: 42}), "lcr"), "lcr")
'🜊14🜁0 42🜂'
"""

from __future__ import annotations

import random
from typing import NamedTuple

from helix_lang import lexical
from helix_lang.contracts import REGISTRY
from helix_lang.values import Contract, Handle

__all__ = ["Tok", "tokens", "join", "TEXT_FORMATS", "messy_text", "lcb_messy"]

TEXT_FORMATS = ("hlxl", "hlx", "lct", "lcr")


class Tok(NamedTuple):
    """One token: ``kind`` (``lit int float str bytes handle open close comma colon key field
    cstart cend``), its text, and for keys the map it belongs to."""

    kind: str
    text: str
    group: int = -1


_OPEN = {"hlxl": ("[", "{"), "hlx": ("[", "{"), "lct": ("[", "{"), "lcr": ("🜃", "◇")}
_CLOSE = {"hlxl": ("]", "}"), "hlx": ("]", "}"), "lct": ("]", "}"), "lcr": ("🜄", "◆")}
_LIT = {"hlxl": ("null", "true", "false"), "hlx": ("null", "true", "false"),
        "lct": ("NULL", "TRUE", "FALSE"), "lcr": ("∅", "⊤", "⊥")}
_BYTES = {"hlxl": 'x"{}"', "hlx": 'x"{}"', "lct": "#{}", "lcr": "⊠{}"}
_HANDLE = {"hlxl": "&h_", "hlx": "⟁", "lct": "@", "lcr": "⟁"}


def _float_text(x: float, rng: random.Random | None) -> str:
    r = lexical.format_float(x)
    if rng is None or rng.random() < 0.5:
        return r
    if "e" in r:
        mant, exp = r.split("e")
        mant = mant + ("0" if "." in mant else ".0")
        return f"{mant}e{exp}"
    return r + rng.choice(("0", "e0", "E+0", "00"))


def messy_text(s: str, fmt: str, rng: random.Random) -> str:
    """A non-canonical but equal string token (needless ``\\u{…}``, upper-case hex, decomposed
    accents)."""
    ascii_only = fmt == "lct"
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == "é" and rng.random() < 0.5:
            out.append("e\\u{301}" if ascii_only else "e\u0301")
            continue
        if ch in '"\\':
            out.append("\\" + ch if rng.random() < 0.7 else f"\\u{{{o:X}}}")
        elif ch in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch] if rng.random() < 0.7
                       else f"\\u{{{o:04x}}}")
        elif o < 0x20 or 0x7F <= o <= 0x9F or (ascii_only and o > 0x7E):
            out.append(f"\\u{{{o:X}}}" if rng.random() < 0.5 else f"\\u{{{o:06x}}}")
        elif rng.random() < 0.12:
            out.append(f"\\u{{{o:x}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _bstring(b: bytes) -> str | None:
    if not all(0x20 <= x <= 0x7E for x in b):
        return None
    return 'b"' + "".join("\\" + chr(x) if chr(x) in '"\\' else chr(x) for x in b) + '"'


def tokens(v, fmt: str, rng: random.Random | None = None) -> list[Tok]:
    """The tokens of ``v`` in ``fmt``: canonical without ``rng``, a random legal spelling with."""
    out: list[Tok] = []
    counter = [0]
    hlxl = fmt in ("hlxl", "hlx")

    def key(k: str, group: int) -> None:
        bare = lexical.bare_key_ok(k, hlxl=hlxl)
        if bare and (rng is None or rng.random() < 0.8):
            out.append(Tok("key", k, group))
        elif rng is None:
            out.append(Tok("key", lexical.quote(k, ascii_only=fmt == "lct"), group))
        else:
            out.append(Tok("key", messy_text(k, fmt, rng), group))

    def walk(x) -> None:
        t = type(x)
        if x is None or t is bool:
            out.append(Tok("lit", _LIT[fmt][0 if x is None else (1 if x else 2)]))
        elif t is int:
            out.append(Tok("int", "-0" if x == 0 and rng and rng.random() < 0.3 else str(x)))
        elif t is float:
            out.append(Tok("float", _float_text(x, rng)))
        elif t is str:
            text = lexical.quote(x, ascii_only=fmt == "lct")
            if rng is not None and rng.random() < 0.5:
                text = messy_text(x, fmt, rng)
            out.append(Tok("str", text))
        elif t is bytes:
            b = _bstring(x) if hlxl and rng is not None and rng.random() < 0.5 else None
            out.append(Tok("bytes", b or _BYTES[fmt].format(x.hex())))
        elif t is Handle:
            out.append(Tok("handle", _HANDLE[fmt] + x.name))
        elif t is tuple or t is list:
            out.append(Tok("open", _OPEN[fmt][0]))
            for i, item in enumerate(x):
                if i:
                    out.append(Tok("comma", ","))
                walk(item)
            out.append(Tok("close", _CLOSE[fmt][0]))
        elif t is dict:
            counter[0] += 1
            group = counter[0]
            keys = sorted(x)
            if rng is not None:
                rng.shuffle(keys)
            out.append(Tok("open", _OPEN[fmt][1]))
            for i, k in enumerate(keys):
                if i:
                    out.append(Tok("comma", ","))
                key(k, group)
                out.append(Tok("colon", ":"))
                walk(x[k])
            out.append(Tok("close", _CLOSE[fmt][1]))
        elif t is Contract:
            contract(x)
        else:
            raise TypeError(f"not an HLX value: {t.__name__}")

    def contract(c: Contract) -> None:
        idx = sorted(c.fields)
        if fmt == "lcr":
            out.append(Tok("cstart", f"🜊{c.id}"))
            for i in idx:
                out.append(Tok("field", f"🜁{i} "))
                walk(c.fields[i])
            out.append(Tok("cend", "🜂"))
        elif fmt == "lct":
            out.append(Tok("cstart", "{C:"))
            out.append(Tok("int", str(c.id)))
            for i in idx:
                out.extend([Tok("comma", ","), Tok("field", str(i)), Tok("colon", "=")])
                walk(c.fields[i])
            out.append(Tok("cend", "}"))
        elif rng is not None and c.id in REGISTRY and rng.random() < 0.5:
            spec = REGISTRY[c.id]
            out.extend([Tok("cstart", "contract"), Tok("int", str(c.id)), Tok("open", "{")])
            for n, i in enumerate(idx):
                if n:
                    out.append(Tok("comma", ","))
                f = spec.field_by_index(i)
                if f is None or f.name is None or rng.random() < 0.2:
                    out.append(Tok("field", f"@{i}"))
                else:
                    bare = lexical.bare_key_ok(f.name, hlxl=True)
                    out.append(Tok("field", f.name if bare else f'"{f.name}"'))
                out.append(Tok("colon", ":"))
                walk(c.fields[i])
            out.append(Tok("cend", "}"))
        else:
            out.extend([Tok("cstart", "{"), Tok("int", str(c.id)), Tok("colon", ":"),
                        Tok("open", "{")])
            for n, i in enumerate(idx):
                if n:
                    out.append(Tok("comma", ","))
                out.extend([Tok("field", f"@{i}"), Tok("colon", ":")])
                walk(c.fields[i])
            out.extend([Tok("close", "}"), Tok("cend", "}")])

    walk(v)
    return out


_COMMENTS = ("/* note */", "// keep\n", "/* let |> &h_x */", "/**/", "// value\n")


def join(toks: list[Tok], fmt: str, rng: random.Random | None = None) -> str:
    """Join tokens: canonical spacing without ``rng``; random whitespace, newlines and (HLXL/HLX)
    comments between tokens with one (never inside a token)."""
    parts: list[str] = []
    spaced = fmt != "lct"
    level = 0
    for n, tok in enumerate(toks):
        if rng is not None and n and rng.random() < 0.3:
            r = rng.random()
            if r < 0.5:
                parts.append(" ")
            elif r < 0.85 or fmt not in ("hlxl", "hlx"):
                parts.append("\n" + "  " * max(level, 0))
            else:
                parts.append(" " + rng.choice(_COMMENTS))
        text = tok.text
        if (rng is not None and tok.kind == "field" and fmt == "lcr" and text.endswith(" ")
                and rng.random() < 0.2):
            text = text[:-1] + "\n"
        parts.append(text)
        if tok.kind in ("open", "cstart"):
            level += 1
        elif tok.kind in ("close", "cend"):
            level -= 1
        if spaced and tok.kind in ("comma", "colon"):
            parts.append(" ")
        elif tok.kind == "cstart" and fmt in ("hlxl", "hlx") and tok.text == "contract":
            parts.append(" ")
    return "".join(parts)


def lcb_messy(hex_text: str, rng: random.Random) -> str:
    """The LC-B display form with upper-case digits and extra whitespace (still valid)."""
    out = []
    for n, byte in enumerate(hex_text.split(" ")):
        if n:
            out.append(rng.choice((" ", "  ", "\n", " ", "\t")))
        out.append(byte.upper() if rng.random() < 0.5 else byte)
    return "".join(out)
