"""A tolerant tokenizer for HLXL program text (HLX-SPEC §10.1), built from the grammar's terminals.

The language service needs the tokens of texts that do not parse: to find the token at a position
(§12.1), to complete (§12.6) and to recover from syntax errors.  :func:`tokenize` never fails; a
character no terminal matches becomes a lexical error and is skipped, and an unterminated string
becomes an empty STRING so that the parse can go on.

The terminals and their order are taken from the Lark grammar itself (the order of Lark's own basic
lexer), with three changes that make a context-free scan agree with the contextual lexer of the
program grammar: keywords are lexed as ``IDENT`` and retyped (as :class:`HlxlPostLex` does),
``TABLEREF`` is decided from the tables declared so far, and ``NEGNUMBER`` (value literals only)
is left out.

>>> tokenize('let x = ls.collapse t 1; // hi').types
['LET', 'IDENT', 'EQUAL', 'LS_COLLAPSE', 'IDENT', 'UINT', 'SEMI']
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field

from lark import Lark, Token

from ..errors import HLXError
from ..hlxl.syntax import KEYWORD_TYPES, LSOPS, HlxlPostLex, HlxlToAst
from .model import LineIndex

__all__ = ["TRIVIA", "Lexed", "lark_parser", "tokenize"]

TRIVIA = frozenset(("WS", "LINE_COMMENT", "BLOCK_COMMENT"))
_TABLE_OPS = frozenset(("LS_COLLAPSE", "LS_RESOLVE", "LS_SNAPSHOT"))
_IDENT_FULL = re.compile(r"(ls\.)?[A-Za-z_][A-Za-z0-9_]*\Z")


@functools.cache
def lark_parser() -> Lark:
    """The program grammar with two start rules (``file`` and ``block``), building the AST.

    Only its parse table and callbacks are used: the service feeds its own tokens.
    """
    return Lark.open_from_package(
        "helix_lang.grammars", "hlxl.lark", parser="lalr", start=["file", "block"],
        transformer=HlxlToAst(), postlex=HlxlPostLex(), maybe_placeholders=False)


@functools.cache
def _scanner() -> re.Pattern:
    lark = lark_parser()
    terms = sorted(lark.lexer_conf.terminals,
                   key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
    parts = []
    for t in terms:
        if t.name in ("TABLEREF", "NEGNUMBER"):
            continue
        if t.pattern.type == "str" and _IDENT_FULL.match(t.pattern.value):
            continue  # a keyword: lexed as IDENT and retyped
        parts.append(f"(?P<{t.name}>{t.pattern.to_regexp()})")
        if t.name == "BLOCK_COMMENT":  # an unclosed one: `/` `*` for the parser, then nothing
            parts.append(r"(?P<BADCOMMENT>/\*.*)")
    # Not tokens: an unclosed string (to the end of its line) and any other character.
    parts += ['(?P<BADSTRING>"[^\n]*)', "(?P<BADCHAR>.)"]
    return re.compile("|".join(parts), re.DOTALL)


@dataclass(slots=True)
class Lexed:
    """The significant tokens of a text as parallel lists (type, start offset, end offset), the
    tables declared (in order) and the lexical errors (positions 1-based, like Lark's)."""

    text: str
    types: list[str]
    starts: list[int]
    ends: list[int]
    errors: list[HLXError] = field(default_factory=list)
    tables: tuple[str, ...] = ()
    lines: LineIndex | None = None
    comments: list[tuple[int, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.types)

    def value(self, i: int) -> str:
        return self.text[self.starts[i]:self.ends[i]]

    def token(self, i: int) -> Token:
        """Token ``i`` as a Lark token (1-based line/column)."""
        s, e = self.starts[i], self.ends[i]
        a, b = self.lines.pos(s), self.lines.pos(e)
        ty = self.types[i]
        value = '""' if ty == "STRING" and self.text[e - 1] != '"' else self.text[s:e]
        return Token(ty, value, s, a.line + 1, a.col + 1, b.line + 1, b.col + 1, e)

    @property
    def tokens(self) -> list[Token]:
        return [self.token(i) for i in range(len(self.types))]


def _error(lines: LineIndex, offset: int, message: str, width: int = 1) -> HLXError:
    p = lines.pos(offset)
    return HLXError("E_LC_PARSE", message, line=p.line + 1, column=p.col + 1,
                    end_column=p.col + 1 + width)


@dataclass(slots=True)
class _Piece:
    """The scan of one region: tokens, bad spots, comments (offsets relative to the region),
    the tables declared in it, the last two token types, and whether it may be cut there."""

    types: list[str]
    starts: list[int]
    ends: list[int]
    bad: list[tuple[int, int, str]]
    comments: list[tuple[int, int]]
    tables: tuple[str, ...]
    prev2: str | None
    prev: str | None
    clean: bool


def _scan(text: str, pos: int, endpos: int, tables: tuple[str, ...], prev2: str | None,
          prev: str | None) -> _Piece:
    """Scan ``text[pos:endpos]``; offsets in the result are relative to ``pos``."""
    types: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    bad: list[tuple[int, int, str]] = []
    comments: list[tuple[int, int]] = []
    declared = list(tables)
    clean = True
    keyword = KEYWORD_TYPES.get
    for m in _scanner().finditer(text, pos, endpos):
        kind = m.lastgroup
        if kind in TRIVIA:
            if kind != "WS":
                comments.append((m.start() - pos, m.end() - pos))
            continue
        if kind == "IDENT":
            value = m.group()
            kw = keyword(value)
            if kw is not None:
                kind = kw
            elif value == "ls" or value.startswith("ls."):
                bad.append((m.start() - pos, m.end() - pos, "ls"))
            elif prev in _TABLE_OPS and value in declared:
                kind = "TABLEREF"
            elif prev == "TABLE" and prev2 == "LATENT":
                declared.append(value)
        elif kind == "BADCHAR":
            bad.append((m.start() - pos, m.end() - pos, "char"))
            continue
        elif kind == "BADCOMMENT":
            start = m.start() - pos
            comments.append((start, m.end() - pos))
            types += ["SLASH", "STAR"]
            starts += [start, start + 1]
            ends += [start + 1, start + 2]
            prev2, prev = "SLASH", "STAR"
            clean = False
            continue
        elif kind == "BADSTRING":
            bad.append((m.start() - pos, m.end() - pos, "string"))
            kind = "STRING"
            clean = False
        types.append(kind)
        starts.append(m.start() - pos)
        ends.append(m.end() - pos)
        prev2, prev = prev, kind
    return _Piece(types, starts, ends, bad, comments, tuple(declared), prev2, prev, clean)


#: Where a program text may be cut for scanning: before a line that starts with `block`.
_CUT = re.compile(r"\n(?=[ \t]*block(?![A-Za-z0-9_]))")
_PIECES: dict[tuple, _Piece] = {}
_PIECES_MAX = 20000


def tokenize(text: str) -> Lexed:
    """Every significant token of ``text``; errors for characters no token matches.

    A program is scanned in pieces cut before each line that starts with ``block``, and each
    piece is cached by its text: after an edit only the edited piece is scanned again.  A piece
    that ends inside a comment or a multi-line bytes literal is not a valid cut; then the whole
    text is scanned at once.
    """
    cuts = [m.end() for m in _CUT.finditer(text)]
    pieces: list[tuple[int, _Piece]] = []
    bounds = [0] + cuts + [len(text)]
    tables: tuple[str, ...] = ()
    prev2 = prev = None
    for a, b in itertools.pairwise(bounds):
        key = (text[a:b], tables, prev2, prev)
        piece = _PIECES.get(key)
        if piece is None:
            piece = _scan(text, a, b, tables, prev2, prev)
            if len(_PIECES) >= _PIECES_MAX:
                _PIECES.clear()
            _PIECES[key] = piece
        if not piece.clean and b != len(text):
            pieces = [(0, _scan(text, 0, len(text), (), None, None))]
            break
        pieces.append((a, piece))
        tables, prev2, prev = piece.tables, piece.prev2, piece.prev
    types: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    bad: list[tuple[int, int, str]] = []
    comments: list[tuple[int, int]] = []
    for a, piece in pieces:
        types += piece.types
        if a:
            starts += [x + a for x in piece.starts]
            ends += [x + a for x in piece.ends]
            bad += [(x + a, y + a, why) for x, y, why in piece.bad]
            comments += [(x + a, y + a) for x, y in piece.comments]
        else:
            starts += piece.starts
            ends += piece.ends
            bad += piece.bad
            comments += piece.comments
    tables = pieces[-1][1].tables if pieces else ()
    lines = LineIndex(text)
    errors = []
    for start, end, why in bad:
        if why == "ls":
            word = text[start:end]
            errors.append(_error(lines, start, f"`{word}` is not a latent-space operation; use one "
                                 "of " + ", ".join(f"`{op}`" for op in LSOPS), end - start))
        elif why == "string":
            errors.append(_error(lines, start, "this string is not closed; add `\"`"))
        else:
            ch = text[start]
            shown = ch if ch.isprintable() else repr(ch)[1:-1]
            errors.append(_error(lines, start, (
                f"`{shown}` (U+{ord(ch):04X}) may only appear in strings and comments"
                if not ch.isascii() else f"unexpected character `{shown}`")))
    return Lexed(text, types, starts, ends, errors, tables, lines, comments)
