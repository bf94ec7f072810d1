"""Positions and the structured results of the language service (HLX-SPEC §12).

Every position here is the spec's (§12.1): a **0-based** line and a **0-based** column counted in
code points, lines split on LF only.  The LSP adapter converts to the client's encoding at its edge.
Each result renders to the spec's canonical text with ``render()``; fields that the spec does not
know (ranges, severities, fixes, extra candidates) are marked so that rendering leaves them out.

>>> Diagnostic("E_UNDEFINED_NAME", Range(Pos(4, 15), Pos(4, 16)), "`y` is not defined").render()
'4:15 E_UNDEFINED_NAME `y` is not defined'
>>> Hover("Array<Int>", "let xs", Range(Pos(3, 12), Pos(3, 14))).render()
'type: Array<Int>\\nlet xs'
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ERROR",
    "INFO",
    "WARNING",
    "Completion",
    "Completions",
    "Diagnostic",
    "Edit",
    "Fix",
    "Hover",
    "LineIndex",
    "Pos",
    "Range",
    "RenameResult",
    "Rewrite",
    "Symbol",
    "apply_edits",
    "minimal_edit",
]

ERROR, WARNING, INFO = "error", "warning", "information"


@dataclass(frozen=True, order=True, slots=True)
class Pos:
    """0-based line and column (code points)."""

    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"


@dataclass(frozen=True, order=True, slots=True)
class Range:
    """``[start, end)`` in 0-based code-point positions."""

    start: Pos
    end: Pos

    def contains(self, pos: Pos) -> bool:
        """Whether ``pos`` lies in the range, its end included (§12.1 token-at-position rule)."""
        return self.start <= pos <= self.end

    @staticmethod
    def point(line: int, col: int, width: int = 0) -> Range:
        return Range(Pos(line, col), Pos(line, col + width))


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text of ``range`` by ``new_text``."""

    range: Range
    new_text: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A mechanical quick-fix: a title for the menu and the edits that make it."""

    title: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One diagnostic.  ``canonical`` is False for what the spec's answer leaves out (warnings,
    further syntax errors found by recovery, …); ``message`` is the short spec-style text of
    the canonical answer and ``hint`` the advice an editor adds to it."""

    code: str
    range: Range
    message: str
    severity: str = ERROR
    canonical: bool = True
    fixes: tuple[Fix, ...] = ()
    hint: str = ""  # how to act on it (an editor shows it after the message)

    def render(self) -> str:
        """``L:C CODE message`` (§12.3)."""
        return f"{self.range.start} {self.code} {self.message}"


@dataclass(frozen=True, slots=True)
class Completion:
    """A completion candidate.  ``label`` is the text answered (a glyph on the HLX track);
    ``insert_text`` what an editor inserts (a snippet-free string; defaults to ``label``)."""

    label: str
    kind: str  # keyword, operation, builtin, block, table, variable, field, contract, value, handle
    detail: str = ""
    insert_text: str | None = None
    canonical: bool = True
    documentation: str = ""
    filter_text: str | None = None
    valid: bool = True  # whether the grammar accepts it at the cursor (editors list these first)

    @property
    def text(self) -> str:
        return self.label if self.insert_text is None else self.insert_text


@dataclass(frozen=True, slots=True)
class Completions:
    """The candidates at a position: ``range`` is the prefix being completed (what an editor
    replaces), ``items`` the candidates, canonical ones first in answer order."""

    prefix: str
    range: Range
    items: tuple[Completion, ...] = ()

    def render(self) -> str:
        """The canonical answer of §12.6: canonical labels, unique, sorted by code point."""
        return "\n".join(sorted({c.label for c in self.items if c.canonical}))


@dataclass(frozen=True, slots=True)
class Hover:
    """``type: T`` plus the doc line of §12.5; ``documentation`` is the longer text an editor
    may show below it (registry rows, spec summaries).  A hover with ``type`` None carries only
    documentation (keywords, tables: their canonical answer is empty)."""

    type: str | None
    doc: str
    range: Range
    documentation: str = ""

    def render(self) -> str:
        return "" if self.type is None else f"type: {self.type}\n{self.doc}"


@dataclass(frozen=True, slots=True)
class Symbol:
    """A declared table, block or variable (document outline)."""

    name: str
    kind: str  # table, program, block, variable, parameter
    range: Range  # the whole declaration
    selection: Range  # the declaring name
    children: tuple[Symbol, ...] = ()


@dataclass(frozen=True, slots=True)
class RenameResult:
    """The renamed text, the edits that make it, or the reason it was refused."""

    text: str
    edits: tuple[Edit, ...] = ()
    error: str | None = None  # an error code (``E_LC_PARSE``) when the new name is refused
    message: str = ""

    def render(self) -> str:
        return f"error: {self.error}" if self.error else self.text


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A refactoring's outcome: the new text and the edits that make it (none when unchanged)."""

    text: str
    edits: tuple[Edit, ...] = ()

    def render(self) -> str:
        return self.text


@dataclass(slots=True)
class LineIndex:
    """Offsets ⇄ 0-based (line, column) for one text, lines split on LF only (§0.2)."""

    text: str
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        starts = [0]
        find = self.text.find
        i = find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self.starts = starts

    def pos(self, offset: int) -> Pos:
        """The position of string index ``offset`` (clamped to the text)."""
        from bisect import bisect_right

        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.starts, offset) - 1
        return Pos(line, offset - self.starts[line])

    def offset(self, line: int, col: int) -> int:
        """The string index of (line, col), clamped to the line and the text."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[line]
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        return start + max(0, min(col, end - start))

    def line_text(self, line: int) -> str:
        if not 0 <= line < len(self.starts):
            return ""
        start = self.starts[line]
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        return self.text[start:end]

    def range(self, start: int, end: int) -> Range:
        return Range(self.pos(start), self.pos(end))


def minimal_edit(old: str, new: str) -> Edit | None:
    """One edit that turns ``old`` into ``new``, covering only the part that differs."""
    if old == new:
        return None
    n = min(len(old), len(new))
    lo, hi = 0, n
    while lo < hi:  # longest common prefix, by halving (C-speed comparisons)
        mid = (lo + hi + 1) // 2
        if old[:mid] == new[:mid]:
            lo = mid
        else:
            hi = mid - 1
    p = lo
    lo, hi = 0, n - p
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[len(old) - mid:] == new[len(new) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    q = lo
    index = LineIndex(old)
    return Edit(index.range(p, len(old) - q), new[p:len(new) - q])


def apply_edits(text: str, edits) -> str:
    """Apply non-overlapping edits (any order) to ``text``."""
    index = LineIndex(text)
    spans = sorted(((index.offset(e.range.start.line, e.range.start.col),
                     index.offset(e.range.end.line, e.range.end.col), e.new_text)
                    for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text
