"""One analysed document: the source on its track, its HLXL text, the recovered parse, the
symbol resolution and the static types, and the coordinate maps between them.

Every operation of the service starts from :func:`analyze`.  An HLX document is analysed through
its transliteration (§12.7): the parse, the resolution and the types live in HLXL coordinates,
and every position that leaves this module is mapped back to the HLX text.  Analyses are cached by
``(track, source)`` (a few recent ones), so answering several questions about one text parses it
once; the parser additionally caches each ``block`` of a program, so the analysis of an edited text
reparses only the blocks that changed.

>>> a = analyze("⟠ p { ◇ main() { ⊢ x = 1; ↩ x; } }", "hlx")
>>> a.loads, a.hlxl
(True, 'program p { block main() { let x = 1; return x; } }')
>>> a.range_of_span(a.file.program.blocks[0].body.stmts[1].value.span)
Range(start=Pos(line=0, col=28), end=Pos(line=0, col=29))
"""

from __future__ import annotations

import functools
import sys
import threading
from bisect import bisect_right
from collections import OrderedDict

from .. import ast as A
from ..errors import HLXError
from ..hlxl.parser import load_errors
from ..hlxl.resolve import Resolution, resolve
from ..hlxl.types import TypeInfo, check
from ..translit import WORD_GLYPHS, check_hlx, translit
from .model import LineIndex, Pos, Range
from .parsing import Parsed, parse

__all__ = ["TRACKS", "Analysis", "analyze"]

TRACKS = ("hlxl", "hlx")
_MAX_HLX_ERRORS = 100
_RUN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
                       + "".join(WORD_GLYPHS.values()))


_NO_BODY = A.Body(())


class _Mapper:
    """String offsets of one text → the other, for the substitutions of a transliteration
    (§12.7: an offset inside or at the start of a substituted token maps to the start of its
    counterpart; others move by the length differences before them)."""

    def __init__(self, subs: list[tuple[int, int, int, int]]) -> None:
        self.subs = subs
        self.keys = [s[0] for s in subs]

    def __call__(self, i: int) -> int:
        k = bisect_right(self.keys, i) - 1
        if k < 0:
            return i
        _s0, s1, d0, d1 = self.subs[k]
        return d0 if i < s1 else i + (d1 - s1)


def _identity(i: int) -> int:
    return i


def hlx_validity_errors(text: str) -> list[HLXError]:
    """Every HLX validity error of §8.3 (up to 100), in text order, at HLX positions.

    :func:`~helix_lang.translit.check_hlx` stops at the first error; it is run again after
    each one on the rest of the code, so the whole check stays linear."""
    out: list[HLXError] = []
    lines = LineIndex(text)
    base = 0
    while len(out) < _MAX_HLX_ERRORS:
        rest = text[base:] if base else text
        try:
            check_hlx(rest)
            break
        except HLXError as e:
            sub = LineIndex(rest)
            start = base + sub.offset(e.line - 1, e.column - 1)
            width = max(1, (e.end_column or e.column + 1) - e.column)
            p = lines.pos(start)
            out.append(HLXError(e.code, e.message, line=p.line + 1, column=p.col + 1,
                                end_column=p.col + 1 + width))
            base = start + width
            if base >= len(text):
                break
    return out


def _run_start(text: str, lines: LineIndex, e: HLXError) -> tuple[int, int]:
    """Where an HLX validity error counts in text order (§12.3 phase 1): a glyph glued to a word
    (``◇main``) is one run whose HLXL twin (``blockmain``) fails at the run's start."""
    i = lines.offset(e.line - 1, e.column - 1)
    if i < len(text) and text[i] in _RUN_CHARS:
        while i > 0 and text[i - 1] in _RUN_CHARS:
            i -= 1
    p = lines.pos(i)
    return p.line + 1, p.col + 1


class Analysis:
    """The analysis of one source text on one track (see the module docstring).

    Positions of the public helpers are 0-based code points of :attr:`source` (§12.1).
    """

    def __init__(self, source: str, track: str = "hlxl") -> None:
        if track not in TRACKS:
            raise ValueError(f"track must be `hlxl` or `hlx`, not `{track}`")
        self.source = source
        self.track = track
        self.lines = LineIndex(source)
        if track == "hlx":
            mapping = translit(source, "hlxl")
            self.hlxl = mapping.dst
            self.to_hlxl = _Mapper(mapping.subs)
            self.from_hlxl = _Mapper([(d0, d1, s0, s1) for s0, s1, d0, d1 in mapping.subs])
            self.hlxl_lines = LineIndex(self.hlxl)
            self.hlx_errors = hlx_validity_errors(source)
        else:
            self.hlxl = source
            self.to_hlxl = self.from_hlxl = _identity
            self.hlxl_lines = self.lines
            self.hlx_errors = []
        self.parsed: Parsed = parse(self.hlxl)
        self._lock = threading.RLock()
        #: Derived data other modules compute once per analysis (indexes by offset, …).
        self.cache: dict = {}

    # ------------------------------------------------------------------ the layers
    @property
    def file(self) -> A.File | None:
        """The AST (recovered when the text has syntax errors), in HLXL coordinates."""
        return self.parsed.file

    @functools.cached_property
    def load_errors(self) -> list[HLXError]:
        """The load-time errors of §10.3 (literal rules included), HLXL coordinates, sorted."""
        errors = list(self.parsed.literal_errors)
        if self.file is not None:
            errors += load_errors(self._load_check_file())
        errors.sort(key=lambda e: (e.line, e.column))
        return errors

    def _load_check_file(self) -> A.File:
        """The file :func:`load_errors` needs.  Its only walk over the block bodies looks for
        Int literals above 2**63 − 1; without such a token in the text the bodies are left out,
        which keeps an edit in a large file from walking every block."""
        f = self.file
        lexed = self.parsed.lexed
        if any(ty == "UINT" and e - s >= 19 for ty, s, e in
               zip(lexed.types, lexed.starts, lexed.ends)):
            return f
        blocks = tuple(A.Block(b.name, b.params, b.using, _NO_BODY, b.span)
                       for b in f.program.blocks)
        return A.File(f.tables, A.Program(f.program.name, blocks, f.program.span), (), f.span)

    @functools.cached_property
    def syntax_errors(self) -> list[HLXError]:
        """HLX validity and syntax errors (recovered ones included), at positions of the
        source, sorted; one per position."""
        out = list(self.hlx_errors)
        out += [self.error_to_source(e) for e in self.parsed.syntax_errors]
        out.sort(key=lambda e: (e.line, e.column))
        seen, unique = set(), []
        for e in out:
            if (e.line, e.column) not in seen:
                seen.add((e.line, e.column))
                unique.append(e)
        return unique

    @property
    def loads(self) -> bool:
        """Whether the source loads (§10.3): the canonical answers need it."""
        return not self.hlx_errors and self.parsed.ok and not self.load_errors

    @functools.cached_property
    def resolution(self) -> Resolution | None:
        """Static resolution (§12.2) of the (possibly recovered) AST, or None without one.

        It belongs to this analysis: keep the analysis, not the resolution, to use it later."""
        if self.file is None:
            return None
        with self._lock:
            return resolve(self.file, self.source, track=self.track)

    @functools.cached_property
    def types(self) -> TypeInfo | None:
        """Static types (§12.4) of the (possibly recovered) AST, or None without one."""
        res = self.resolution
        if res is None:
            return None
        with self._lock:
            return check(self.file, res)

    def __del__(self) -> None:
        """Break the symbol ⇄ occurrence cycles of the resolution when nobody else holds it,
        so that reference counting frees an old analysis at once (a large file's analysis is
        ~100,000 objects; left to the cyclic collector they make its pauses long)."""
        res = self.__dict__.get("resolution")
        if res is None:
            return
        holders = 3 + (self.__dict__.get("types") is not None)  # dict, local, argument, types
        if sys.getrefcount(res) <= holders:
            for sym in res.symbols:
                sym.occurrences = []

    # ------------------------------------------------------------------ phase 1
    def first_error(self) -> HLXError | None:
        """§12.3 phase 1 at 1-based source positions: None when the source loads, else the first
        syntax error in text order, else the load error with the smallest position."""
        found = self.first_error_origin()
        if found is None:
            return None
        e, hlxl = found
        return self.error_to_source(e) if hlxl else e

    def first_error_origin(self) -> tuple[HLXError, bool] | None:
        """The phase-1 error as found, and whether its position is in HLXL coordinates (else in
        source coordinates: HLX validity errors)."""
        found: list[tuple[tuple[int, int], int, HLXError, bool]] = []
        if self.hlx_errors:
            e = self.hlx_errors[0]
            found.append((_run_start(self.source, self.lines, e), 0, e, False))
        syntax = self.parsed.syntax_errors[:1] + [
            e for e in self.parsed.literal_errors if e.code == "E_LC_PARSE"][:1]
        for e in syntax:
            moved = self.error_to_source(e)
            found.append(((moved.line, moved.column), 1, e, True))
        if found:
            best = min(found, key=lambda x: (x[0], x[1]))
            return best[2], best[3]
        if self.load_errors:
            return self.load_errors[0], True
        return None

    # ------------------------------------------------------------------ coordinates
    def hlxl_offset(self, line: int, col: int) -> int:
        """The HLXL string offset of a 0-based source position."""
        return self.to_hlxl(self.lines.offset(line, col))

    def pos_of_hlxl(self, offset: int) -> Pos:
        """The 0-based source position of an HLXL string offset."""
        return self.lines.pos(self.from_hlxl(offset))

    def range_of_span(self, span: A.Span) -> Range:
        """The source range of an AST span (or of a ``Name``'s span)."""
        return Range(self.pos_of_hlxl(span.start), self.pos_of_hlxl(span.end))

    def range_of_offsets(self, start: int, end: int) -> Range:
        return Range(self.pos_of_hlxl(start), self.pos_of_hlxl(end))

    def error_to_source(self, e: HLXError) -> HLXError:
        """An error at 1-based HLXL coordinates moved to 1-based source coordinates."""
        if self.track == "hlxl" or e.line is None:
            return e
        start = self.hlxl_lines.offset(e.line - 1, e.column - 1)
        p = self.pos_of_hlxl(start)
        return e.moved(p.line + 1, p.col + 1)

    def hlxl_error_range(self, e: HLXError) -> Range:
        """The 0-based source range of an error at 1-based HLXL coordinates (both ends mapped:
        a glyph is shorter than its keyword)."""
        if e.line is None:
            return Range(Pos(0, 0), Pos(0, 0))
        lines = self.hlxl_lines
        start = lines.offset(e.line - 1, e.column - 1)
        end = lines.offset((e.end_line or e.line) - 1, (e.end_column or e.column + 1) - 1)
        a, b = self.pos_of_hlxl(start), self.pos_of_hlxl(max(end, start))
        if b <= a and start < len(self.hlxl):
            b = self.lines.pos(self.lines.offset(a.line, a.col) + 1)
            if b.line != a.line:
                b = a
        return Range(a, b)

    def error_range(self, e: HLXError) -> Range:
        """The 0-based range of an error already in source coordinates."""
        if e.line is None:
            return Range(Pos(0, 0), Pos(0, 0))
        start = Pos(e.line - 1, e.column - 1)
        end_line = (e.end_line or e.line) - 1
        end_col = (e.end_column or e.column + 1) - 1
        end = Pos(end_line, end_col)
        if end <= start:
            end = Pos(start.line, start.col + 1)
        line_len = len(self.lines.line_text(start.line))
        if end.line == start.line and end.col > line_len:
            end = Pos(start.line, max(line_len, start.col))
        return Range(start, end)


_CACHE: OrderedDict[tuple[str, str], Analysis] = OrderedDict()
_CACHE_SIZE = 2
_cache_lock = threading.Lock()


def analyze(source: str | Analysis, track: str = "hlxl") -> Analysis:
    """The :class:`Analysis` of ``source`` on ``track`` (cached); an Analysis is returned as is."""
    if isinstance(source, Analysis):
        return source
    if not isinstance(source, str):
        raise TypeError(f"source must be text, not {type(source).__name__}")
    key = (track, source)
    with _cache_lock:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    a = Analysis(source, track)
    with _cache_lock:
        _CACHE[key] = a
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return a
