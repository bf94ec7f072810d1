"""Error-recovering, incremental parsing of HLXL programs for the language service.

The reference loader (:func:`helix_lang.hlxl.parser.parse_program`) stops at the first error.  An
editor needs more: every syntax error of the file, and an AST even while the text is broken.
:func:`parse` drives the LALR tables of the program grammar (the same tables and AST transformer
as the loader) over the tokens of :func:`~helix_lang.service.tokens.tokenize`:

* **Recovery.**  At a token the parser cannot take it first tries to insert up to three closing
  or placeholder tokens (``;`` ``)`` ``]`` ``}`` ``null`` ``=``) after which the token is
  accepted; else it drops the token, or — for a token that starts a statement or closes a body —
  pops parser states until the token fits.  After a drop or a pop, errors are not reported again
  until three tokens were taken (no cascades).  The first error is the one the reference parser
  reports (same tables, same tokens), which §12.3 phase 1 needs.
* **Incrementality.**  The ``program`` body is cut into its ``block … { … }`` chunks (by brace
  matching on tokens).  Each chunk is parsed on its own with the ``block`` start rule and cached by
  its text; a cached chunk that moved is shifted, not reparsed.  The chunks are then pushed onto
  the file parser through the LALR goto table, so a one-character edit in a 2,000-line file
  reparses one block.

>>> r = parse("program p { block main() { let x = ; return y } }")
>>> [(e.line, e.column, e.code) for e in r.syntax_errors]
[(1, 36, 'E_LC_PARSE'), (1, 47, 'E_LC_PARSE')]
>>> r.file.program.blocks[0].body.stmts[1].value.name.text
'y'
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from lark import Token
from lark.parsers.lalr_analysis import Shift

from .. import ast as A
from ..errors import HLXError
from ..hlxl import syntax
from ..hlxl.parser import MAX_OPEN_BRACKETS, check_brackets
from .tokens import Lexed, lark_parser, tokenize

__all__ = ["MAX_ERRORS", "Parsed", "parse"]

#: Recovery gives up on a chunk after this many errors (the rest of the chunk is skipped).
MAX_ERRORS = 50
#: After an error, errors are not reported until this many tokens were taken (cascades).
_QUIET = 3
_INSERTABLE = ("SEMI", "RPAR", "RSQB", "RBRACE", "NULL", "EQUAL")
_TEXT = {"SEMI": ";", "RPAR": ")", "RSQB": "]", "RBRACE": "}", "NULL": "null", "EQUAL": "="}
#: Tokens that start a statement or a block or close a body: recovery pops parser states for them
#: instead of dropping them.
_SYNC = frozenset(("SEMI", "RBRACE", "LET", "LOCAL", "RETURN", "IF", "WHILE", "FOR", "ASSERT",
                   "LS_TRANSACTION", "LS_GUARD", "BLOCK"))


@dataclass(slots=True)
class Parsed:
    """The outcome of :func:`parse`.

    ``file`` is the (possibly recovered) AST or None; ``syntax_errors`` are in text order, the
    first being the reference parser's; ``literal_errors`` are the literal rules of §10.3 checked
    while building the AST (escapes, hex, ranges, field order, duplicate keys, named fields).
    """

    file: A.File | None
    syntax_errors: list[HLXError]
    literal_errors: list[HLXError]
    lexed: Lexed | None = None

    @property
    def ok(self) -> bool:
        return not self.syntax_errors


# ---------------------------------------------------------------------------- LALR driving


class _Tables:
    def __init__(self) -> None:
        p = lark_parser().parser.parser.parser
        self.states = p.parse_table.states
        self.callbacks = p.callbacks
        self.start = p.parse_table.start_states
        self.end = p.parse_table.end_states


_tables_lock = threading.Lock()
_tables: _Tables | None = None


def _lr() -> _Tables:
    global _tables
    if _tables is None:
        with _tables_lock:
            if _tables is None:
                _tables = _Tables()
    return _tables


class _Reject(Exception):
    pass


def _simulate(t: _Tables, stack: list, types, end_state) -> bool:
    """Whether the parser in ``stack`` accepts the token types in order (no callbacks run)."""
    stack = list(stack)
    states = t.states
    for ty in types:
        while True:
            act = states[stack[-1]].get(ty)
            if act is None:
                return False
            action, arg = act
            if action is Shift:
                stack.append(arg)
                break
            size = len(arg.expansion)
            if size:
                del stack[-size:]
            stack.append(states[stack[-1]][arg.origin.name][1])
            if ty == "$END" and stack[-1] == end_state:
                return True
    return True


class _Run:
    """One LALR parse of a token list (start rule ``file`` or ``block``) with recovery."""

    def __init__(self, start: str, errors: list[HLXError]) -> None:
        self.t = _lr()
        self.end_state = self.t.end[start]
        self.stack = [self.t.start[start]]
        self.values: list = []
        self.errors = errors
        self.failed = False
        self.count = 0
        self.quiet = 0  # tokens to take before the next error is reported (no cascades)

    def _feed(self, tok: Token) -> Any:
        """Feed one token; raise :class:`_Reject` when it cannot be taken now."""
        states, callbacks = self.t.states, self.t.callbacks
        stack, values = self.stack, self.values
        ty = tok.type
        end = ty == "$END"
        while True:
            act = states[stack[-1]].get(ty)
            if act is None:
                raise _Reject
            action, arg = act
            if action is Shift:
                stack.append(arg)
                values.append(tok)
                return None
            size = len(arg.expansion)
            if size:
                args = values[-size:]
                del stack[-size:]
                del values[-size:]
            else:
                args = []
            value = callbacks[arg](args)
            stack.append(states[stack[-1]][arg.origin.name][1])
            values.append(value)
            if end and stack[-1] == self.end_state:
                return value

    def push(self, symbol: str, value: Any) -> bool:
        """Push an already built nonterminal (a cached block) through the goto table."""
        act = self.t.states[self.stack[-1]].get(symbol)
        if act is None:
            return False
        self.stack.append(act[1])
        self.values.append(value)
        return True

    def _error(self, tok: Token, eof_pos: tuple[int, int]) -> None:
        self.count += 1
        if self.quiet and self.errors:
            self.quiet = _QUIET
            return
        self.quiet = _QUIET
        if tok.type == "$END":
            line, col = eof_pos
            self.errors.append(HLXError("E_LC_PARSE", "unexpected end of input; "
                                        + self._expected_words(), line=line, column=col))
        else:
            self.errors.append(HLXError(
                "E_LC_PARSE", f"unexpected `{tok.value}`; " + self._expected_words(),
                line=tok.line, column=tok.column, end_column=tok.column + max(1, len(tok.value))))

    def _expected_words(self) -> str:
        names = sorted(k for k in self.t.states[self.stack[-1]] if k.isupper())
        shown = [_describe(n) for n in names][:10]
        return "expected " + ", ".join(shown) if shown else "nothing can follow here"

    def _synthetic(self, ty: str, at: Token) -> Token:
        return Token(ty, _TEXT[ty], at.start_pos, at.line, at.column, at.line, at.column,
                     at.start_pos)

    def _repair(self, tok: Token) -> bool:
        """Insert up to three tokens after which ``tok`` is accepted (fewest first); True if
        done."""
        paths: list[tuple[str, ...]] = [()]
        for _ in range(3):
            paths = [p + (ty,) for p in paths for ty in _INSERTABLE]
            for path in paths:
                if _simulate(self.t, self.stack, path + (tok.type,), self.end_state):
                    for ty in path:
                        self._feed(self._synthetic(ty, tok))
                    return True
        return False

    def _push_block(self, block: A.Block) -> None:
        """Take a block built elsewhere: reduce as the lookahead ``block`` keyword would, then
        follow the goto of ``block``; raise :class:`_Reject` when no block may come here."""
        states, callbacks = self.t.states, self.t.callbacks
        stack, values = self.stack, self.values
        while True:
            act = states[stack[-1]].get("BLOCK")
            if act is None:
                raise _Reject
            action, arg = act
            if action is Shift:
                break
            size = len(arg.expansion)
            args = values[-size:] if size else []
            if size:
                del stack[-size:]
                del values[-size:]
            value = callbacks[arg](args)
            stack.append(states[stack[-1]][arg.origin.name][1])
            values.append(value)
        stack.append(states[stack[-1]]["block"][1])
        values.append(block)

    def _take(self, item) -> None:
        if type(item) is _Pushed:
            self._push_block(item.block)
        else:
            self._feed(item)

    def run(self, tokens: list, eof: Token, eof_pos: tuple[int, int],
            stop_at_first: bool = False) -> Any:
        """Feed ``tokens`` (and pushed blocks) then end of input; return the start rule's value
        or None."""
        if not self.feed_all(tokens, eof_pos, stop_at_first):
            return None
        return self._finish(eof, eof_pos, stop_at_first)

    def expected(self) -> set[str]:
        """The terminals the parser can take next (checked through the reductions they cause:
        the LALR table also lists lookaheads that a merged state only seems to allow)."""
        return {k for k in self.t.states[self.stack[-1]]
                if k.isupper() and _simulate(self.t, self.stack, (k,), self.end_state)}

    def feed_all(self, tokens: list, eof_pos: tuple[int, int], stop_at_first: bool) -> bool:
        """Feed ``tokens`` with recovery; False when the parse gave up."""
        i, n = 0, len(tokens)
        while i < n:
            item = tokens[i]
            try:
                self._take(item)
                i += 1
                if self.quiet:
                    self.quiet -= 1
                continue
            except _Reject:
                pass
            tok = item.first if type(item) is _Pushed else item
            self._error(tok, eof_pos)
            if stop_at_first or self.count >= MAX_ERRORS:
                self.failed = True
                return False
            i += 1
            repaired = self._repair(tok)
            if repaired:
                self.quiet = 0  # an inserted `;` or `)` is a confident fix: keep reporting
            if repaired or (tok.type in _SYNC and self._pop_until(tok.type)):
                try:
                    self._take(item)
                except _Reject:  # pragma: no cover - _repair/_pop_until checked it
                    pass
        return True

    def _pop_until(self, ty: str) -> bool:
        for depth in range(len(self.stack) - 1, 0, -1):
            if _simulate(self.t, self.stack[:depth], (ty,), self.end_state):
                del self.stack[depth:]
                del self.values[depth - 1:]
                return True
        return False

    def _finish(self, eof: Token, eof_pos: tuple[int, int], stop_at_first: bool) -> Any:
        reported = False
        for _ in range(300):
            try:
                return self._feed(eof)
            except _Reject:
                pass
            if not reported:
                self._error(eof, eof_pos)
                reported = True
                if stop_at_first:
                    break
            for ty in _INSERTABLE:
                if _simulate(self.t, self.stack, (ty,), self.end_state):
                    self._feed(self._synthetic(ty, eof))
                    break
            else:  # nothing closes what is open here: drop the unfinished construct
                if len(self.stack) <= 1:
                    break
                self.stack.pop()
                self.values.pop()
        self.failed = True
        return None


_WORDS = {"IDENT": "a name", "UINT": "a number", "UFLOAT": "a number", "STRING": "a string",
          "BYTES": "bytes", "HANDLE": "a handle", "FIELD": "a field `@i`",
          "TABLEREF": "a table name"}


def _describe(name: str) -> str:
    if name in _WORDS:
        return _WORDS[name]
    try:
        pat = lark_parser().get_terminal(name).pattern
    except KeyError:
        return name
    return f"`{pat.value}`" if pat.type == "str" else name


# ---------------------------------------------------------------------------- chunks


@dataclass(slots=True)
class _Pushed:
    """A block parsed on its own, pushed onto the file parser in place of its tokens."""

    block: A.Block
    first: Token
    type: str = "block"


@dataclass(slots=True)
class _Chunk:
    block: A.Block | None
    syntax_errors: list[HLXError]
    literal_errors: list[HLXError]
    line: int
    offset: int


_CACHE: OrderedDict[tuple, _Chunk] = OrderedDict()
_CACHE_SIZE = 2048
_cache_lock = threading.Lock()


def _split(types: list[str]) -> list[tuple[int, int, bool]] | None:
    """Token index ranges ``[i, j)`` of the top-level blocks and whether each ends with the
    brace that closes its body; None when the program header is not where it should be."""
    n = len(types)
    try:
        i = types.index("PROGRAM")
    except ValueError:
        return None
    if i + 2 >= n or types[i + 2] != "LBRACE":
        return None
    i += 3
    out = []
    while i < n:
        if types[i] != "BLOCK":
            i += 1
            continue
        j, depth, opened, closed = i + 1, 0, False, False
        while j < n:
            ty = types[j]
            if ty == "LBRACE":
                depth += 1
                opened = True
            elif ty == "RBRACE":
                depth -= 1
                if opened and depth == 0:
                    j += 1
                    closed = True
                    break
                if depth < 0:
                    break
            elif ty == "BLOCK" or ty == "PROGRAM":
                break
            j += 1
        out.append((i, j, closed))
        i = j
    return out


def _shifter(cls: type):
    """Compile ``shift(node, dl, do)`` for one AST class: spans move by ``dl`` lines and ``do``
    offsets (columns stay: a cached chunk is reused only at the same column)."""
    args = []
    for slot in cls.__slots__:
        hint = str(cls.__dataclass_fields__[slot].type)
        if slot.endswith("span"):
            args.append(f"_S(n.{slot}, dl, do)")
        elif hint in ("str", "bool", "int", "int | None", "str | None", "Any"):
            args.append(f"n.{slot}")
        else:
            args.append(f"_X(n.{slot}, dl, do)")
    src = f"def shift(n, dl, do):\n    return _C({', '.join(args)})\n"
    env = {"_C": cls, "_S": _shift_span, "_X": _shift}
    exec(src, env)  # noqa: S102 - generated from the dataclass fields above
    return env["shift"]


def _shift_span(s: A.Span, dl: int, do: int) -> A.Span:
    if s.line == 0:
        return s
    return A.Span(s.line + dl, s.column, s.end_line + dl, s.end_column, s.start + do, s.end + do)


_SHIFTERS: dict = {}


def _shift(node: Any, dl: int, do: int) -> Any:
    """``node`` (an AST node, a tuple of them, or anything else) moved by ``dl``/``do``."""
    cls = type(node)
    f = _SHIFTERS.get(cls)
    if f is not None:
        return f(node, dl, do)
    if cls is tuple:
        return tuple([_shift(x, dl, do) for x in node])
    if cls in _AST_TYPES:
        f = _SHIFTERS[cls] = _shifter(cls)
        return f(node, dl, do)
    return node


_AST_TYPES = frozenset(getattr(A, name) for name in A.__all__
                       if isinstance(getattr(A, name), type) and name != "Span")


def _shift_error(e: HLXError, dl: int) -> HLXError:
    if dl == 0:
        return e
    return HLXError(e.code, e.message, line=e.line + dl, column=e.column,
                    end_line=(e.end_line or e.line) + dl, end_column=e.end_column)


def _parse_chunk(lexed: Lexed, i: int, j: int, stop_at_first: bool, closed: bool,
                 eof: Token) -> _Chunk:
    """Parse (or fetch from the cache and shift) the ``block`` chunk of tokens ``[i, j)``.
    ``eof`` is the token after the chunk (or the end of the text): where an unclosed chunk
    reports its end."""
    start, stop = lexed.starts[i], lexed.ends[j - 1]
    first = lexed.lines.pos(start)
    line = first.line + 1
    key = (lexed.text[start:stop], first.col, lexed.tables, stop_at_first,
           None if closed else (eof.line - line, eof.column))
    with _cache_lock:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
    if hit is not None:
        dl, do = line - hit.line, start - hit.offset
        if dl == 0 and do == 0:
            return hit
        return _Chunk(None if hit.block is None else _shift(hit.block, dl, do),
                      [_shift_error(e, dl) for e in hit.syntax_errors],
                      [_shift_error(e, dl) for e in hit.literal_errors], line, start)
    errors: list[HLXError] = []
    run = _Run("block", errors)
    syntax.reset()
    end = Token("$END", "", eof.start_pos, eof.line, eof.column, eof.line, eof.column,
                eof.start_pos)
    block = run.run([lexed.token(k) for k in range(i, j)], end, (eof.line, eof.column),
                    stop_at_first)
    chunk = _Chunk(block, errors, list(syntax.literal_errors()), line, start)
    with _cache_lock:
        _CACHE[key] = chunk
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return chunk


def expected_after(lexed: Lexed, first: int, stop: int) -> set[str] | None:
    """The terminals the grammar accepts after tokens ``[first, stop)`` of ``lexed`` (parsed
    with recovery from the ``block`` token ``first``, or from the start of the file when
    ``first`` is 0 and not a ``block``); None when recovery gave up."""
    start = "block" if lexed.types[first:first + 1] == ["BLOCK"] else "file"
    run = _Run(start, [])
    syntax.reset()
    ok = run.feed_all([lexed.token(k) for k in range(first, stop)], (0, 0), False)
    syntax.reset()
    return run.expected() if ok else None


def _end_of(text: str) -> tuple[int, int]:
    line = text.count("\n") + 1
    return line, len(text) - (text.rfind("\n") + 1) + 1


def parse(text: str, *, recover: bool = True) -> Parsed:
    """Parse an HLXL program text, recovering from syntax errors when ``recover`` is set.

    Never raises for any text.  ``syntax_errors`` includes the lexical errors and the
    bracket-depth error of §10.1, sorted by position.
    """
    lexed = tokenize(text)
    n = len(lexed)
    errors: list[HLXError] = list(lexed.errors)
    if _too_deep(lexed):
        try:
            check_brackets(text)
        except HLXError as e:
            errors.append(e)
    literal: list[HLXError] = []
    stream: list = []
    chunks = _split(lexed.types)
    stop = not recover
    end = _end_of(text)
    eof = Token("$END", "", len(text), end[0], end[1], end[0], end[1], len(text))
    token = lexed.token
    prev = 0
    for i, j, closed in chunks or ():
        stream.extend(token(k) for k in range(prev, i))
        nxt = token(j) if j < n else eof
        chunk = _parse_chunk(lexed, i, j, stop, closed, nxt)
        errors.extend(chunk.syntax_errors)
        literal.extend(chunk.literal_errors)
        if chunk.block is not None:
            stream.append(_Pushed(chunk.block, token(i)))
        prev = j
    stream.extend(token(k) for k in range(prev, n))
    file_errors: list[HLXError] = []
    run = _Run("file", file_errors)
    syntax.reset()
    tree = run.run(stream, eof, end, stop)
    literal.extend(syntax.literal_errors())
    errors.extend(file_errors)
    errors.sort(key=lambda e: (e.line, e.column))
    literal.sort(key=lambda e: (e.line, e.column))
    file = None
    if tree is not None:
        file = A.File(tree.tables, tree.program, _comments(lexed), tree.span)
    return Parsed(file, _dedupe(errors), literal, lexed)


def _too_deep(lexed: Lexed) -> bool:
    """Whether :func:`check_brackets` may find something (it scans every character)."""
    if lexed.errors:
        return True
    depth = 0
    for ty in lexed.types:
        if ty in _OPEN:
            depth += 1
            if depth > MAX_OPEN_BRACKETS:
                return True
        elif ty in _CLOSE:
            depth -= 1
    return False


_OPEN = frozenset(("LPAR", "LSQB", "LBRACE"))
_CLOSE = frozenset(("RPAR", "RSQB", "RBRACE"))


def _comments(lexed: Lexed) -> tuple[A.Comment, ...]:
    out = []
    pos = lexed.lines.pos
    for start, end in lexed.comments:
        a, b = pos(start), pos(end)
        out.append(A.Comment(lexed.text[start:end],
                             A.Span(a.line + 1, a.col + 1, b.line + 1, b.col + 1, start, end)))
    return tuple(out)


def _dedupe(errors: list[HLXError]) -> list[HLXError]:
    out, seen = [], set()
    for e in errors:
        key = (e.line, e.column)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
