"""The answer grammars used to constrain decoding, one per value format, built in code.

Every grammar is derived from the project's own Lark grammars (``helix_lang.grammar``) and is
*stricter* than them: the project grammars accept some texts that ``helix_lang`` then rejects after
lexing (an invalid escape, odd-length hex, an out-of-range number, a reserved word as a bare map
key).  A constrained answer must parse, so those terminals are tightened here:

``lct``, ``lcr``
    ``llguidance_source(name)`` (the shipped grammar, ``%import`` inlined) with its lax terminals
    replaced: strings with only the escapes of §4.2, even-length lowercase hex, numbers that stay
    inside int64 / finite floats, contract ids of at most 9 digits and field indices of at most 4,
    and the bare key ``C`` excluded (llguidance's ``&`` / ``~`` lexeme operators).
``hlxl``
    the ``value_literal`` subset of ``hlxl.lark`` (its ``value`` / ``vpair`` / ``vfield`` rules),
    copied as a small dedicated grammar: the program rules are irrelevant to an answer, and the
    named-contract form (``contract 14 {…}``, which needs the contract registry) is left out.
    Bare keys exclude the HLXL reserved words, ``b"…"`` byte strings are left out (``x"…"`` stays).
``hlx``
    the same grammar with ``⟁name`` handles: HLX value literals are HLXL literals written on the
    runic track (§8.4), and the only lexical difference in a literal is the handle sigil.  (The
    alternative — constraining to LC-R and converting — would change what the model is asked to
    write; this keeps the model's own output.)
``lcb``
    the hex display form, but *structural*: ``lcb_hex.lark`` only knows "hex tokens", and almost
    any byte string fails to decode.  The generated grammar spells out LC-B values (§2) byte by
    byte (TEXT and map keys in ASCII only: UTF-8 widths cannot be counted by a length prefix
    in a small grammar), each byte as two lowercase hex digits and one space: tags, shortest LEB128 ints of one
    or two bytes, finite floats (no −0.0), TEXT / BYTES / HANDLE with their exact lengths (up to
    :data:`LCB_MAX_LEN`), arrays, and maps / contracts with their exact counts (up to
    :data:`LCB_MAX_COUNT`).

What no context-free grammar here expresses — map keys unique (and, in LC-B, ascending), contract
field indices ascending — is checked after decoding by ``helix_lang``; the decoder then backtracks
(see :mod:`helix_moe.constrained`).
"""

from __future__ import annotations

import functools
import re

from helix_lang.grammar import llguidance_source
from helix_lang.lexical import RESERVED

__all__ = ["FORMATS", "FORMAT_LABELS", "LCB_MAX_COUNT", "LCB_MAX_LEN", "grammar", "normalize_format"]

#: Value formats that can be constrained, with the names users write.
FORMATS = ("hlxl", "hlx", "lct", "lcr", "lcb")
FORMAT_LABELS = {"hlxl": "HLXL", "hlx": "HLX", "lct": "LC-T", "lcr": "LC-R", "lcb": "LC-B hex"}
LCB_MAX_LEN = 24
LCB_MAX_COUNT = 8

_ALIASES = {"lc-t": "lct", "lc-r": "lcr", "lc-b": "lcb", "lcb-hex": "lcb", "lc-b hex": "lcb",
            "lcb_hex": "lcb"}


def normalize_format(name: str | None) -> str | None:
    """``"LC-T"`` → ``"lct"`` …; None stays None; an unknown name raises ``ValueError``."""
    if name is None:
        return None
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise ValueError(f"unknown format `{name}`; expected one of "
                         f"{', '.join(FORMAT_LABELS.values())}")
    return key


# Strict terminals (regexes inside /…/).
_CHAR = r'[^"\\\x00-\x1f\x7f-\x9f]'
_ESC = r'\\(["\\nrt]|u\{(0|[1-9a-cA-Ce-fE-F][0-9a-fA-F]{0,3}|[dD][0-7][0-9a-fA-F]{0,2})\})'
STRING = rf'/"({_CHAR}|{_ESC})*"/'
#: LC-T is pure ASCII (§5): other characters only as ``\u{…}`` escapes.
ASCII_STRING = rf'/"([ !#-\[\]-~]|{_ESC})*"/'
_INT = r"(0|[1-9][0-9]{0,17})"
_FRAC = r"(\.[0-9]{1,17})"
_EXP = r"([eE][+-]?[0-9]{1,2})"
NUMBER = rf"/-?{_INT}{_FRAC}?{_EXP}?/"
CID = r"/0|[1-9][0-9]{0,8}/"          # contract id (≤ 2^32 − 1)
FIDX = r"(0|[1-9][0-9]{0,3})"          # field index (≤ 65535)
_HEX_BYTES = r"([0-9a-f][0-9a-f])*"
IDENT = r"/[A-Za-z_][A-Za-z0-9_]{0,31}/"


def _reserved(words) -> str:
    return "/(" + "|".join(sorted(words)) + ")/"


def _replace_terminal(text: str, name: str, definition: str) -> str:
    new, n = re.subn(rf"^{name}:.*$", lambda _: f"{name}: {definition}", text, flags=re.MULTILINE)
    if n != 1:  # pragma: no cover - a grammar file changed shape
        raise LookupError(f"terminal `{name}` not found exactly once")
    return new


def _lct() -> str:
    g = llguidance_source("lct")
    g = _replace_terminal(g, "BYTES", f"/#{_HEX_BYTES}/")
    g = _replace_terminal(g, "HANDLE", r"/@[A-Za-z0-9_]{1,32}/")
    g = _replace_terminal(g, "STRING", ASCII_STRING)
    g = _replace_terminal(g, "NUMBER", NUMBER)
    g = _replace_terminal(g, "UINT", CID)
    g = _replace_terminal(g, "IDENT", f"{IDENT} & ~/C/")
    # one field index, not an id: keep `{C:` ids wide and fields short
    return g.replace('field: "," UINT "=" value', 'field: "," FIDX "=" value') + \
        f"\nFIDX: /{FIDX}/\n"


def _lcr() -> str:
    g = llguidance_source("lcr")
    g = _replace_terminal(g, "CSTART", r"/🜊(0|[1-9][0-9]{0,8})/")
    g = _replace_terminal(g, "FIELD", rf"/🜁{FIDX} /")
    g = _replace_terminal(g, "BYTES", f"/⊠{_HEX_BYTES}/")
    g = _replace_terminal(g, "HANDLE", r"/⟁[A-Za-z0-9_]{1,32}/")
    g = _replace_terminal(g, "STRING", STRING)
    g = _replace_terminal(g, "NUMBER", NUMBER)
    return _replace_terminal(g, "IDENT", f"{IDENT} & ~/C/")


def _hlxl(handle: str) -> str:
    # The value_literal rules of grammars/hlxl.lark (§7), less the named-contract alternative.
    return f"""
start: value
?value: UINT | UFLOAT | NEGNUMBER | STRING | BYTES | HANDLE | NULL | TRUE | FALSE
      | "[" (value ("," value)*)? "]"                                -> varray
      | "{{" (vpair ("," vpair)*)? "}}"                                -> vmap
      | "{{" CID ":" "{{" (vfield ("," vfield)*)? "}}" "}}"              -> vcontract
vpair: key ":" value
vfield: FIELD ":" value
?key: IDENT | STRING
NULL: "null"
TRUE: "true"
FALSE: "false"
IDENT: {IDENT} & ~{_reserved(RESERVED)}
UINT: /{_INT}/
CID: {CID}
UFLOAT: /{_INT}({_FRAC}{_EXP}?|{_EXP})/
NEGNUMBER: /-{_INT}{_FRAC}?{_EXP}?/
BYTES: /x"{_HEX_BYTES}"/
HANDLE: /{handle}[A-Za-z0-9_]{{1,32}}/
FIELD: /@{FIDX}/
STRING: {STRING}
WS: /[ \\t\\r\\n]+/
%ignore WS
"""


# ------------------------------------------------------------------------------------ LC-B

def _b(byte: int) -> str:
    return f"{byte:02x} "


_ANY = r"[0-9a-f][0-9a-f] "
_PRINTABLE = r"[0-7][0-9a-f] "              # ASCII (TEXT and keys; non-ASCII text is left out)
_HANDLE_CH = r"(3[0-9]|4[1-9a-f]|5[0-9a]|5f|6[1-9a-f]|7[0-9a]) "   # [A-Za-z0-9_]


def _lcb() -> str:
    n, k = LCB_MAX_LEN, LCB_MAX_COUNT
    lines = [
        "start: value",
        "?value: NUL | TRUE | FALSE | INT | FLOAT | TEXT | BYTES | HANDLE | array | map | contract",
        f'NUL: "{_b(0)}"', f'TRUE: "{_b(0x0A)}"', f'FALSE: "{_b(0x0B)}"',
        # shortest signed LEB128 of 1-9 bytes: the last byte is not redundant (00 after a byte
        # with bit 6 clear, 7f after one with bit 6 set)
        ("INT: /01 ([0-7][0-9a-f] |([89a-f][0-9a-f] ){0,7}([89ab][0-9a-f] (0[1-9a-f]|[1-7][0-9a-f]) "
         "|[c-f][0-9a-f] ([0-6][0-9a-f]|7[0-9a-e]) ))/"),
        # big-endian double: the first byte keeps the exponent below all-ones and avoids −0.0
        f"FLOAT: /02 ([0-6][0-9a-f]|7[0-9a-e]|[9a-e][0-9a-f]|f[0-9a-e]) ({_ANY}){{7}}/",
        "TEXT: " + " | ".join(f"/03 {i:02x} ({_PRINTABLE}){{{i}}}/" for i in range(n + 1)),
        "BYTES: " + " | ".join(f"/04 {i:02x} ({_ANY}){{{i}}}/" for i in range(n + 1)),
        "HANDLE: " + " | ".join(f"/09 {i + 3:02x} 26 68 5f ({_HANDLE_CH}){{{i}}}/"
                                for i in range(1, n + 1)),
        'array: "05 " value* "06 "',
        'map: "0c " (' + " | ".join(f'"{i:02x} "' + " pair" * i for i in range(k + 1)) + ') "0d "',
        "pair: KEY value",
        "KEY: " + " | ".join(f"/{i:02x} ({_PRINTABLE}){{{i}}}/" for i in range(n + 1)),
        'contract: "07 " CID (' + " | ".join(f'"{i:02x} "' + " cfield" * i
                                             for i in range(k + 1)) + ') "08 "',
        # shortest unsigned LEB128: id of 1-4 bytes (< 2^28), field index of 1-2 (< 2^14)
        "CID: /[0-7][0-9a-f] |([89a-f][0-9a-f] ){1,3}(0[1-9a-f]|[1-7][0-9a-f]) /",
        "cfield: FIDX value",
        "FIDX: /[0-7][0-9a-f] |[89a-f][0-9a-f] (0[1-9a-f]|[1-7][0-9a-f]) /",
    ]
    return "\n".join(lines) + "\n"


@functools.cache
def grammar(fmt: str) -> str:
    """The Lark text (llguidance dialect) that constrains an answer in ``fmt``."""
    fmt = normalize_format(fmt)
    return {"lct": _lct, "lcr": _lcr, "hlxl": lambda: _hlxl("&h_"), "hlx": lambda: _hlxl("⟁"),
            "lcb": _lcb}[fmt]()
