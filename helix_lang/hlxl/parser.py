"""Parsing and loading HLXL / HLX programs (HLX-SPEC §10.1–§10.3, §8.3).

``parse_program(text, track=...)`` returns a :class:`helix_lang.ast.File` or raises the first
error: HLX validity errors (runic track), the bracket-depth rule, syntax errors, then literal
errors in text order.  ``load(text)`` additionally applies the load-time rules of §10.3
(duplicate names, undeclared ``using`` tables, the ``2**63`` literal rule).  Positions of errors
are in the coordinates of the text given (HLX errors are mapped back from the HLXL
transliteration).

>>> f = parse_program("program p { block main() { return 1 + 2; } }")
>>> f.program.blocks[0].name.text
'main'
"""

from __future__ import annotations

from lark.exceptions import UnexpectedInput

from .. import ast as A
from ..errors import HLXError, line_col
from ..grammar import parser, syntax_error
from ..translit import check_hlx, segments, translit
from ..values import INT_MAX
from . import syntax
from .syntax import HlxlPostLex, HlxlToAst, HlxlToAstUnordered

__all__ = ["parse_program", "load", "BUILTINS", "MAX_OPEN_BRACKETS", "comments_of"]

MAX_OPEN_BRACKETS = 256
#: Builtin functions and their arity (§10.7).
BUILTINS = {"len": 1, "type": 1, "str": 1, "int": 1, "float": 1, "keys": 1, "append": 2,
            "range": 1}


def check_brackets(text: str) -> None:
    """``E_DEPTH_EXCEEDED`` when more than 256 brackets are open at once in code (§10.1)."""
    if text.count("(") + text.count("[") + text.count("{") <= MAX_OPEN_BRACKETS:
        return
    level = 0
    for kind, start, end in segments(text):
        if kind != "code":
            continue
        for i in range(start, end):
            ch = text[i]
            if ch in "([{":
                level += 1
                if level > MAX_OPEN_BRACKETS:
                    line, col = line_col(text, i)
                    raise HLXError("E_DEPTH_EXCEEDED",
                                   f"more than {MAX_OPEN_BRACKETS} brackets are open here",
                                   line=line, column=col)
            elif ch in ")]}":
                level -= 1


def comments_of(text: str) -> tuple[A.Comment, ...]:
    out = []
    for kind, start, end in segments(text):
        if kind == "comment":
            line, col = line_col(text, start)
            eline, ecol = line_col(text, end)
            out.append(A.Comment(text[start:end], A.Span(line, col, eline, ecol, start, end)))
    return tuple(out)


def _first(errors) -> HLXError:
    return min(errors, key=lambda e: (e.line, e.column))


def _parse_hlxl(text: str, check_order: bool) -> tuple[A.File, list[HLXError]]:
    """Parse HLXL text; raise the first syntax error (the bracket-depth rule counts as one, in
    text order), return the AST and the literal errors collected on the way."""
    try:
        check_brackets(text)
        too_deep = None
    except HLXError as e:
        too_deep = e
    transformer = HlxlToAst if check_order else HlxlToAstUnordered
    lark = parser("hlxl", start="file", transformer=transformer, postlex=HlxlPostLex)
    syntax.reset()
    try:
        tree = lark.parse(text)
    except UnexpectedInput as e:
        err = syntax_error(e, text, lark)
        raise (err if too_deep is None else _first([err, too_deep])) from None
    except HLXError as e:  # raised by the post-lexer
        raise (e if too_deep is None else _first([e, too_deep])) from None
    if too_deep is not None:
        raise too_deep
    return A.File(tree.tables, tree.program, comments_of(text), tree.span), syntax.literal_errors()


def _parse(text: str, track: str, check_order: bool) -> tuple[A.File, list[HLXError], object]:
    """(AST, literal errors in the coordinates of ``text``, HLXL→text position mapping)."""
    if track == "hlxl":
        f, errors = _parse_hlxl(text, check_order)
        return f, errors, None
    if track != "hlx":
        raise ValueError(f"track must be `hlxl` or `hlx`, not `{track}`")
    check_hlx(text)
    back = translit(text, "hlxl").inverse()

    def moved(e: HLXError) -> HLXError:
        return e if e.line is None else e.moved(*back.position(e.line, e.column))

    try:
        f, errors = _parse_hlxl(back.src, check_order)
    except HLXError as e:
        raise moved(e) from None
    return f, [moved(e) for e in errors], moved


def parse_program(text: str, *, track: str = "hlxl", check_order: bool = True) -> A.File:
    """Parse a program of the ``hlxl`` or ``hlx`` track into an AST (positions are HLXL ones;
    use :func:`helix_lang.translit.translit` to map them for HLX).  Raises the first syntax
    error, else the first literal error, in text order."""
    f, errors, _ = _parse(text, track, check_order)
    if errors:
        raise _first(errors)
    return f


# ------------------------------------------------------------------------ load-time rules


def load_errors(f: A.File) -> list[HLXError]:
    """Every load-time error of §10.3 (besides literal errors), in no particular order."""
    errors = []

    def dup(name: A.Name, what: str) -> None:
        errors.append(HLXError("E_DUPLICATE_NAME", f"{what} `{name.text}` is declared twice",
                               line=name.span.line, column=name.span.column,
                               end_column=name.span.end_column))

    tables: set[str] = set()
    for t in f.tables:
        if t.name.text in tables:
            dup(t.name, "table")
        tables.add(t.name.text)
    blocks: set[str] = set()
    for b in f.program.blocks:
        if b.name.text in BUILTINS:
            errors.append(HLXError(
                "E_DUPLICATE_NAME", f"block `{b.name.text}` has the name of a builtin; rename it",
                line=b.name.span.line, column=b.name.span.column,
                end_column=b.name.span.end_column))
        elif b.name.text in blocks:
            dup(b.name, "block")
        blocks.add(b.name.text)
        params: set[str] = set()
        for p in b.params:
            if p.text in params:
                dup(p, "parameter")
            params.add(p.text)
        if b.using is not None and b.using.text not in tables:
            u = b.using
            errors.append(HLXError("E_UNDEFINED_NAME",
                                   f"`using {u.text}` names no declared table; add "
                                   f"`latent table {u.text};` before the program",
                                   line=u.span.line, column=u.span.column,
                                   end_column=u.span.end_column))
    allowed: set[int] = set()  # literals 2**63 directly under unary minus (§10.3)
    for node in A.walk(f.program):
        if isinstance(node, A.Unary) and node.op == "-" and isinstance(node.operand, A.Literal):
            allowed.add(id(node.operand))
        elif (isinstance(node, A.Literal) and node.kind == "int" and node.value > INT_MAX
              and id(node) not in allowed):
            errors.append(HLXError("E_INT_OVERFLOW",
                                   f"`{node.value}` is outside int64; only "
                                   f"`-{node.value}` may be written",
                                   line=node.span.line, column=node.span.column,
                                   end_column=node.span.end_column))
    return errors


def load(text: str, *, track: str = "hlxl") -> A.File:
    """Parse and apply the load-time rules (§10.3); raise the first syntax error, else the
    load error (literal rules included) with the smallest position."""
    f, errors, moved = _parse(text, track, True)
    later = load_errors(f)
    if moved is not None:
        later = [moved(e) for e in later]
    if errors or later:
        raise _first(errors + later)
    return f
