"""One error family for every HLX format, the program loader, the interpreter and the service.

Every failure carries one of the spec's error codes (HLX-SPEC §13) in ``.code``.  Text formats
report a 1-based line and column (code points, lines split on LF only, HLX-SPEC §0.2); LC-B reports
a 0-based byte ``offset``.  ``render(text)`` prints ``file:line:col: CODE message`` followed by the
offending line and a caret under the spot, the way ``lark`` prints its parse errors.

>>> e = HLXError("E_LC_PARSE", "unexpected `]`", line=1, column=6)
>>> print(e.render("[1,2,]", source="x.lct"))
x.lct:1:6: E_LC_PARSE unexpected `]`
[1,2,]
     ^
"""

from __future__ import annotations

__all__ = ["CODES", "HLXError", "line_col", "offset_of"]

#: Every error code of HLX-SPEC §13, with its one-line meaning.
CODES: dict[str, str] = {
    "E_LC_PARSE": "syntax error: the text does not match the grammar",
    "E_UNKNOWN_GLYPH": "a non-ASCII character outside strings/comments that is not a glyph of the format",
    "E_INVALID_ESCAPE": "unknown escape, or a malformed, too large or surrogate \\u{...}",
    "E_INVALID_HEX": "hex that is not lowercase, of odd length or not hex",
    "E_INT_OVERFLOW": "Int outside int64, contract id above 2^32-1, field index above 65535",
    "E_FLOAT_SPECIAL": "NaN or infinite Float",
    "E_LC_BINARY_DECODE": "malformed or non-canonical LC-B",
    "E_FIELD_ORDER": "a contract field index smaller than the one before it",
    "E_DUPLICATE_FIELD": "a contract field index repeated",
    "E_KEY_ORDER": "map keys not in ascending UTF-8 byte order (LC-B)",
    "E_DUPLICATE_KEY": "a map key repeated (after NFC)",
    "E_DEPTH_EXCEEDED": "value depth above 64, more than 256 open brackets, call depth above 64",
    "E_CONTRACT_UNKNOWN_FIELD": "field name or index not defined for the contract id",
    "E_CONTRACT_FIELD_MISSING": "a required field is absent",
    "E_CONTRACT_FIELD_TYPE": "a field value does not match its type or constraint",
    "E_TYPE_MISMATCH": "operand kinds not allowed, wrong number of arguments",
    "E_UNDEFINED_NAME": "unknown variable, function, table or missing `main`",
    "E_DUPLICATE_NAME": "table, block or parameter declared twice, or a block named like a builtin",
    "E_DIV_ZERO": "`/` or `%` by zero",
    "E_INDEX_OUT_OF_RANGE": "array, text or bytes index outside 0 ... length-1",
    "E_KEY_NOT_FOUND": "map key or contract field absent",
    "E_HANDLE_NOT_FOUND": "the handle is not in the table",
    "E_GUARD_FAILED": "the guard expression is falsy",
    "E_ASSERT_FAILED": "the asserted expression is falsy",
    "E_STEP_LIMIT": "the evaluation step bound of the host was reached",
}


class HLXError(Exception):
    """An HLX failure: a spec error code, a message and where it happened.

    ``line``/``column`` are 1-based (code points); ``end_line``/``end_column`` optionally close the
    range (exclusive column).  ``offset`` is the 0-based byte offset of an LC-B error.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        end_line: int | None = None,
        end_column: int | None = None,
        offset: int | None = None,
    ) -> None:
        if code not in CODES:
            raise ValueError(f"unknown HLX error code `{code}`")
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.end_line = end_line if end_line is not None else line
        self.end_column = end_column if end_column is not None else (
            column + 1 if column is not None else None)
        self.offset = offset

    def __str__(self) -> str:
        return f"{self.where()}{self.code} {self.message}"

    def __repr__(self) -> str:
        return f"HLXError({self.code!r}, {self.message!r}, line={self.line}, column={self.column})"

    def where(self) -> str:
        """``line:col: `` (or ``byte N: ``), empty when the error has no position."""
        if self.line is not None:
            return f"{self.line}:{self.column}: "
        if self.offset is not None:
            return f"byte {self.offset}: "
        return ""

    def moved(self, line: int, column: int) -> "HLXError":
        """A copy of this error placed at another position (used to map HLX ⇄ HLXL positions)."""
        width = (self.end_column - self.column) if (
            self.end_column is not None and self.column is not None and self.end_line == self.line
        ) else 1
        return HLXError(self.code, self.message, line=line, column=column,
                        end_line=line, end_column=column + max(width, 1))

    def render(self, text: str | bytes, source: str = "<string>") -> str:
        """``source:line:col: CODE message``, the offending line and a caret under the column."""
        if isinstance(text, (bytes, bytearray)) or self.line is None:
            where = f"byte {self.offset}: " if self.offset is not None else ""
            return f"{source}:{where}{self.code} {self.message}"
        head = f"{source}:{self.line}:{self.column}: {self.code} {self.message}"
        lines = text.split("\n")
        if not 1 <= self.line <= len(lines):
            return head
        src_line = lines[self.line - 1]
        col = max(1, min(self.column or 1, len(src_line) + 1))
        # Tabs keep their width so that the caret lines up in a terminal.
        pad = "".join("\t" if ch == "\t" else " " for ch in src_line[: col - 1])
        shown = "".join(ch if ch.isprintable() or ch == "\t" else "\ufffd" for ch in src_line)
        return f"{head}\n{shown}\n{pad}^"


def line_col(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of the code point at ``index``; lines split on LF only."""
    line = text.count("\n", 0, index) + 1
    start = text.rfind("\n", 0, index) + 1
    return line, index - start + 1


def offset_of(text: str, line: int, column: int) -> int:
    """Inverse of :func:`line_col`: the string index of a 1-based (line, column)."""
    pos = 0
    for _ in range(line - 1):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return len(text)
        pos = nxt + 1
    return min(pos + column - 1, len(text))
