"""The HLXL/HLX program AST (HLX-SPEC §10.2).

Every node is a frozen, slotted dataclass with a ``span``.  Spans are excluded from equality, so
``parse(format(p)) == parse(p)`` compares structure only.  Positions follow Lark: 1-based line
and column in code points, ``end_column`` exclusive, ``start``/``end`` string offsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

__all__ = [
    "Span", "Name", "Comment", "File", "TableDecl", "Program", "Block", "Body",
    "Let", "Return", "If", "While", "For", "Assert", "Transaction", "Guard", "ExprStmt",
    "Literal", "Var", "ArrayExpr", "MapEntry", "MapExpr", "FieldEntry", "ContractExpr",
    "Unary", "Binary", "Call", "Index", "Member", "Lambda", "Pipe", "LsCollapse", "LsResolve",
    "LsSnapshot", "LsFingerprint", "LsValidate", "Expr", "Stmt", "NOSPAN", "walk", "children",
]


@dataclass(frozen=True, slots=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int

    def contains(self, line: int, column: int) -> bool:
        """Whether 1-based (line, column) lies inside ``[start, end]`` (end inclusive)."""
        if (line, column) < (self.line, self.column):
            return False
        return (line, column) <= (self.end_line, self.end_column)

    @staticmethod
    def cover(a: "Span", b: "Span") -> "Span":
        return Span(a.line, a.column, b.end_line, b.end_column, a.start, b.end)


NOSPAN = Span(0, 0, 0, 0, 0, 0)


def _span() -> Any:
    return field(default=NOSPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier occurrence (declaration or use)."""

    text: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    span: Span = _span()


# ---------------------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Literal:
    """A scalar literal.  ``kind`` keeps Int 1, Float 1.0 and Bool true apart in comparisons.

    An Int literal may hold 2**63 here; the loader accepts it only as the operand of unary
    minus (§10.3).
    """

    kind: str
    value: Any
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Var:
    name: Name
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ArrayExpr:
    items: tuple
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MapEntry:
    key: str
    value: "Expr"
    key_span: Span = _span()


@dataclass(frozen=True, slots=True)
class MapExpr:
    entries: tuple[MapEntry, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class FieldEntry:
    """``@i: e`` (``name`` is None) or ``name: e`` in a named contract (``index`` resolved later).

    ``quoted`` records that the name was written as a string (reserved-word field names).
    """

    index: int | None
    name: str | None
    value: "Expr"
    label_span: Span = _span()
    quoted: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class ContractExpr:
    """A positional ``{N: {@i: e}}`` (``named`` False) or named ``contract N { … }`` literal."""

    id: int
    entries: tuple[FieldEntry, ...]
    named: bool
    span: Span = _span()
    id_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" or "!"
    operand: "Expr"
    span: Span = _span()
    op_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: "Expr"
    right: "Expr"
    span: Span = _span()
    op_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call:
    name: Name
    args: tuple
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Index:
    target: "Expr"
    index: "Expr"
    span: Span = _span()
    op_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Member:
    target: "Expr"
    name: Name
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Lambda:
    param: Name
    body: "Body"
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Pipe:
    """``value |> stage``; ``stage`` is a :class:`Name` (block or builtin) or a :class:`Lambda`."""

    value: "Expr"
    stage: Union[Name, Lambda]
    span: Span = _span()
    op_span: Span = _span()


@dataclass(frozen=True, slots=True)
class LsCollapse:
    table: Name | None
    tag: Name
    operand: "Expr"
    span: Span = _span()
    op_span: Span = _span()


@dataclass(frozen=True, slots=True)
class LsResolve:
    table: Name | None
    operand: "Expr"
    span: Span = _span()
    op_span: Span = _span()


@dataclass(frozen=True, slots=True)
class LsSnapshot:
    table: Name | None
    span: Span = _span()
    op_span: Span = _span()


@dataclass(frozen=True, slots=True)
class LsFingerprint:
    operand: "Expr"
    span: Span = _span()
    op_span: Span = _span()


@dataclass(frozen=True, slots=True)
class LsValidate:
    operand: "Expr"
    span: Span = _span()
    op_span: Span = _span()


Expr = Union[Literal, Var, ArrayExpr, MapExpr, ContractExpr, Unary, Binary, Call, Index, Member,
             Pipe, LsCollapse, LsResolve, LsSnapshot, LsFingerprint, LsValidate]

# ---------------------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class Let:
    """``let x = e;`` (``local`` False) or ``local x = e;``."""

    name: Name
    value: Expr
    local: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Return:
    value: Expr | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Body:
    stmts: tuple
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    then: Body
    orelse: Union[Body, "If", None]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class While:
    cond: Expr
    body: Body
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class For:
    var: Name
    iterable: Expr
    body: Body
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Assert:
    cond: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Transaction:
    body: Body
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Guard:
    cond: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ExprStmt:
    expr: Expr
    span: Span = _span()


Stmt = Union[Let, Return, If, While, For, Assert, Transaction, Guard, ExprStmt]

# ---------------------------------------------------------------------------- top level


@dataclass(frozen=True, slots=True)
class Block:
    name: Name
    params: tuple[Name, ...]
    using: Name | None
    body: Body
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Program:
    name: Name
    blocks: tuple[Block, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TableDecl:
    name: Name
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class File:
    tables: tuple[TableDecl, ...]
    program: Program
    comments: tuple[Comment, ...] = field(default=(), compare=False)
    span: Span = _span()


def children(node: Any) -> list:
    """The direct child nodes of ``node`` in source order (names and entries included)."""
    out = []
    for slot in node.__slots__:
        if slot.endswith("span") or slot == "comments":
            continue
        value = getattr(node, slot)
        if isinstance(value, tuple):
            out.extend(v for v in value if hasattr(v, "__slots__"))
        elif hasattr(value, "__slots__"):
            out.append(value)
    return out


def walk(node: Any):
    """Every node under ``node``, parents before children, in source order (no recursion)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))
