"""Loading the Lark grammars shipped in ``helix_lang.grammars`` and translating Lark's errors.

This is the only module that knows where the grammar files live.  Parsers are cached per
(grammar, start, transformer class).  :func:`llguidance_source` returns the same grammar with its
``%import .hlx_common`` lines inlined, the form llguidance (constrained decoding) loads.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from typing import Iterable

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .errors import HLXError, line_col

__all__ = ["GRAMMARS", "parser", "grammar_text", "llguidance_source", "syntax_error"]

GRAMMARS = ("lct", "lcr", "hlxl", "lcb_hex")

try:  # optional speed-up (the `speed` extra); same behaviour, about 1.5x faster
    import lark_cython as _lark_cython
except ImportError:  # pragma: no cover - depends on the environment
    _lark_cython = None


def grammar_text(name: str) -> str:
    """The text of ``grammars/<name>.lark`` as shipped in the package."""
    return importlib.resources.files("helix_lang.grammars").joinpath(f"{name}.lark").read_text(
        encoding="utf-8")


@functools.cache
def parser(name: str, start: str = "start", transformer: type | None = None,
           postlex: type | None = None, lexer: str = "contextual") -> Lark:
    """A cached LALR parser for ``grammars/<name>.lark``.

    With ``transformer`` the tree is transformed while parsing (no intermediate tree);
    ``postlex`` is a class instantiated once per parser (its ``process`` keeps per-parse state).
    """
    options = dict(parser="lalr", start=start, propagate_positions=False,
                   maybe_placeholders=False, lexer=lexer)
    if transformer is not None:
        options["transformer"] = transformer()
    if postlex is not None:
        options["postlex"] = postlex()
    if _lark_cython is not None and postlex is None:
        options["_plugins"] = _lark_cython.plugins
    return Lark.open_from_package("helix_lang.grammars", f"{name}.lark", **options)


def llguidance_source(name: str) -> str:
    """The grammar with ``%import .hlx_common`` resolved, as llguidance's Lark reader wants it."""
    common = grammar_text("hlx_common")
    out = []
    for line in grammar_text(name).split("\n"):
        m = re.match(r"%import \.hlx_common(?:\.(\w+)| \(([^)]*)\))", line)
        if not m:
            out.append(line)
            continue
        names = [m.group(1)] if m.group(1) else [n.strip() for n in m.group(2).split(",")]
        for term in names:
            definition = re.search(rf"^{term}:.*$", common, re.M)
            if definition is None:  # pragma: no cover - a grammar bug
                raise LookupError(f"`{term}` is not defined in hlx_common.lark")
            out.append(definition.group(0))
    return "\n".join(out)


#: How a regex terminal is named in an error message.
_TERMINAL_WORDS = {
    "NUMBER": "a number", "UINT": "an unsigned integer", "STRING": "a string",
    "IDENT": "a name", "BYTES": "bytes", "HANDLE": "a handle", "FIELD": "a field",
    "CSTART": "a contract start", "HEXTOKEN": "a hex byte", "UFLOAT": "a number",
    "TABLEREF": "a table name", "NEGNUMBER": "a number",
}


def _describe_expected(lark: Lark, names: Iterable[str]) -> str:
    shown = set()
    for n in names:
        if n == "$END":
            shown.add("end of input")
            continue
        try:
            pat = lark.get_terminal(n).pattern
        except KeyError:
            shown.add(n)
            continue
        shown.add(f"`{pat.value}`" if pat.type == "str" else _TERMINAL_WORDS.get(n, n))
    if not shown:
        return ""
    items = sorted(shown)
    if len(items) > 10:
        items = items[:10] + ["…"]
    return "; expected " + ", ".join(items)


def syntax_error(exc: UnexpectedInput, text: str, lark: Lark | None = None,
                 glyphs: frozenset[str] | None = None) -> HLXError:
    """Translate a Lark error into ``E_LC_PARSE`` (or ``E_UNKNOWN_GLYPH`` for a runic format,
    when the offending character is non-ASCII and not in ``glyphs``)."""
    if isinstance(exc, UnexpectedCharacters):
        line, col = exc.line, exc.column
        idx = exc.pos_in_stream
        ch = text[idx] if 0 <= idx < len(text) else ""
        if glyphs is not None and ch and not ch.isascii() and ch not in glyphs:
            return HLXError("E_UNKNOWN_GLYPH",
                            f"`{ch}` (U+{ord(ch):04X}) is not a glyph of this format",
                            line=line, column=col)
        expected = _describe_expected(lark, exc.allowed or ()) if lark else ""
        shown = repr(ch)[1:-1] if ch else "end of input"
        return HLXError("E_LC_PARSE", f"unexpected character `{shown}`{expected}",
                        line=line, column=col)
    if isinstance(exc, UnexpectedToken):
        tok: Token = exc.token
        expected = _describe_expected(lark, exc.expected or ()) if lark else ""
        if tok.type == "$END" or tok.line is None:
            line, col = line_col(text, len(text))
            return HLXError("E_LC_PARSE", f"unexpected end of input{expected}", line=line,
                            column=col)
        return HLXError("E_LC_PARSE", f"unexpected `{tok.value}`{expected}", line=tok.line,
                        column=tok.column, end_column=tok.column + max(1, len(tok.value)))
    if isinstance(exc, UnexpectedEOF):
        line, col = line_col(text, len(text))
        return HLXError("E_LC_PARSE", "unexpected end of input", line=line, column=col)
    line, col = getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1
    return HLXError("E_LC_PARSE", str(exc).split("\n")[0], line=line, column=col)
