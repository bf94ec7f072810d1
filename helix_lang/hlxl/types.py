"""Static types of HLXL programs (HLX-SPEC §12.4), phase-2 diagnostics (§12.3) and hover (§12.5).

Types are strings of the type language of §12.4: ``Int``, ``Array<Int>``, ``Map<Any>``,
``Contract<902>``, ``Fn(Any, Any) -> Int``.  :func:`check` computes the type of every expression
of a loaded file once and answers from a memo:

>>> from helix_lang.hlxl.parser import load
>>> info = check(load("program p { block f(a, b) { return [a, 1]; } "
...                   "block main() { let x = [1, 2] + [3]; return f(x, 2.5) |> len; } }"))
>>> info.signature(info.res.blocks["f"])
'Fn(Any, Any) -> Array<Any>'
>>> [(b.name, b.type) for b in info.binding_types()][2:]
[('b', 'Any'), ('main', 'Fn() -> Int'), ('x', 'Array<Int>')]

The language-service answers take a source text and **0-based** line and column, like every
position of §12 (the AST itself is 1-based):

>>> src = 'program p { block main() { let s = "a" - 1; return y; } }'
>>> print(diagnostics_answer(src))
0:39 E_TYPE_MISMATCH text - int
0:51 E_UNDEFINED_NAME y
>>> hover(src, 0, 31), type_at(src, 0, 31)
('type: Any\\nlet s', 'Any')

Block return types follow §12.4 literally: while the return type of a block is being computed,
a call that reaches that block again has type ``Any`` (the set of blocks being computed is part
of the memo key, restricted to the blocks each block can reach, so answers never depend on the
order of questions).
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, NamedTuple

from lark.exceptions import UnexpectedInput

from .. import ast as A
from ..contracts import REGISTRY, check_constraint, matches_type, parse_type
from ..errors import HLXError, line_col, offset_of
from ..grammar import parser as lark_parser
from ..grammar import syntax_error
from ..translit import WORD_GLYPHS, check_hlx, translit
from ..values import Contract
from . import syntax
from .parser import BUILTINS, check_brackets, load_errors
from .resolve import Occurrence, Resolution, Symbol, analyze, deep_recursion, resolve

__all__ = ["ANY", "NULL", "join", "BUILTIN_SIGNATURES", "LSOP_TYPES", "Binding", "TypeInfo",
           "check", "compatible", "type_errors", "hover", "type_at", "diagnostics",
           "diagnostics_answer", "load_diagnostic", "value_literal"]

ANY = "Any"
NULL = "Null"

#: Static type of a literal by the AST's ``Literal.kind``.
LITERAL_TYPES = {"int": "Int", "float": "Float", "text": "Text", "bytes": "Bytes",
                 "handle": "Handle", "null": "Null", "bool": "Bool"}
#: §12.4 builtin signatures.
BUILTIN_SIGNATURES = {
    "len": "Fn(Any) -> Int", "type": "Fn(Any) -> Text", "str": "Fn(Any) -> Text",
    "int": "Fn(Any) -> Int", "float": "Fn(Any) -> Float", "keys": "Fn(Map<Any>) -> Array<Text>",
    "append": "Fn(Array<Any>, Any) -> Array<Any>", "range": "Fn(Int) -> Array<Int>",
}
_BUILTIN_RESULTS = {name: sig.rsplit(" -> ", 1)[1] for name, sig in BUILTIN_SIGNATURES.items()}
#: Type of each ``ls.`` operation as hover shows it (§12.4, §12.5).
LSOP_TYPES = {
    "ls.collapse": "Handle", "ls.resolve": "Any", "ls.snapshot": "Map<Any>",
    "ls.fingerprint": "Text", "ls.validate": "Bool", "ls.guard": "Null",
    "ls.transaction": "Null",
}

_NUMERIC = {("int", "int"), ("int", "float"), ("float", "int"), ("float", "float")}
#: Operand kind pairs allowed by §10.6 (``Array<…>`` counts as array, …).
_ALLOWED = {
    "+": _NUMERIC | {("text", "text"), ("bytes", "bytes"), ("array", "array")},
    "-": _NUMERIC, "*": _NUMERIC, "/": _NUMERIC, "%": _NUMERIC,
    "<": _NUMERIC | {("text", "text")}, "<=": _NUMERIC | {("text", "text")},
    ">": _NUMERIC | {("text", "text")}, ">=": _NUMERIC | {("text", "text")},
}
_INDEXING = {("array", "int"), ("text", "int"), ("bytes", "int"), ("map", "text"),
             ("contract", "int")}
_BOOL_OPS = {"==", "!=", "<", "<=", ">", ">=", "&&", "||"}


def join(types: Any) -> str:
    """``T1`` when all types are identical, otherwise ``Any`` (also for no types)."""
    types = list(types)
    return types[0] if types and all(t == types[0] for t in types) else ANY


def _cat(t: str) -> str:
    """The kind a type stands for in §10.6's rules: ``Array<Int>`` → ``array``."""
    return parse_type(t)[0].lower()


def compatible(t: str, s: str) -> bool:
    """Static type ``t`` is compatible with schema type ``s`` (§12.3)."""
    if t == ANY or s == ANY:
        return True
    th, ta = parse_type(t)
    sh, sa = parse_type(s)
    if th == sh and th in ("Array", "Map"):
        return compatible(ta, sa)
    return t == s


_NOT_LITERAL = object()


def value_literal(e: Any) -> Any:
    """The value of an expression that is a value literal (§7; a leading ``-`` on a number is
    allowed), or the sentinel ``value_literal.NO`` when it is not one."""
    if isinstance(e, A.Literal):
        return e.value
    if isinstance(e, A.Unary):
        if e.op == "-" and isinstance(e.operand, A.Literal) and e.operand.kind in ("int", "float"):
            v = -e.operand.value
            return 0.0 if v == 0.0 and isinstance(v, float) else v
        return _NOT_LITERAL
    if isinstance(e, A.ArrayExpr):
        items = tuple(value_literal(x) for x in e.items)
        return _NOT_LITERAL if any(x is _NOT_LITERAL for x in items) else items
    if isinstance(e, A.MapExpr):
        out = {}
        for entry in e.entries:
            v = value_literal(entry.value)
            if v is _NOT_LITERAL:
                return _NOT_LITERAL
            out[entry.key] = v
        return out
    if isinstance(e, A.ContractExpr):
        fields = {}
        for entry in e.entries:
            v = value_literal(entry.value)
            if v is _NOT_LITERAL or entry.index is None:
                return _NOT_LITERAL
            fields[entry.index] = v
        return Contract(e.id, fields)
    return _NOT_LITERAL


value_literal.NO = _NOT_LITERAL  # type: ignore[attr-defined]


def _returns(stmts: tuple) -> list[A.Return]:
    """The ``return`` statements of a body, nested bodies included, lambdas excluded."""
    out = []
    for s in stmts:
        if isinstance(s, A.Return):
            out.append(s)
        elif isinstance(s, A.If):
            out += _returns(s.then.stmts)
            if isinstance(s.orelse, A.Body):
                out += _returns(s.orelse.stmts)
            elif s.orelse is not None:
                out += _returns((s.orelse,))
        elif isinstance(s, (A.While, A.For, A.Transaction)):
            out += _returns(s.body.stmts)
    return out


_EXPR_TYPES = (A.Literal, A.Var, A.ArrayExpr, A.MapExpr, A.ContractExpr, A.Unary, A.Binary,
               A.Call, A.Index, A.Member, A.Pipe, A.LsCollapse, A.LsResolve, A.LsSnapshot,
               A.LsFingerprint, A.LsValidate)


class Binding(NamedTuple):
    """One declaration or assignment for ``helix-lang types``: 1-based HLXL position of its
    token; ``kind`` is ``block`` for a block (``type`` its signature), else how the variable
    was declared (``let``, ``local``, ``param``, ``for`` — the hover doc word, so an assigning
    ``let`` of a ``local`` variable says ``local``)."""

    name: str
    line: int
    column: int
    type: str
    kind: str


def _err(code: str, message: str, span: A.Span) -> HLXError:
    return HLXError(code, message, line=span.line, column=span.column,
                    end_line=span.end_line, end_column=span.end_column)


class TypeInfo:
    """Static types of one loaded file (§12.4), computed once per expression.

    ``res`` is the file's :class:`~helix_lang.hlxl.resolve.Resolution`.
    """

    def __init__(self, file: A.File, res: Resolution | None = None) -> None:
        self.file = file
        self.res = res if res is not None else resolve(file)
        self._blocks = {}
        for b in file.program.blocks:
            self._blocks.setdefault(b.name.text, b)
        self._owner: dict[int, str] = {}
        self._exprs: list[Any] = []
        calls: dict[str, set[str]] = {}
        for name, b in self._blocks.items():
            called = calls.setdefault(name, set())
            for node in A.walk(b.body):
                if isinstance(node, _EXPR_TYPES):
                    self._owner[id(node)] = name
                    self._exprs.append(node)
                callee = (node.name if isinstance(node, A.Call) else
                          node.stage if isinstance(node, A.Pipe) else None)
                if isinstance(callee, A.Name) and callee.text in self._blocks:
                    called.add(callee.text)
        self._reach = {name: self._closure(name, calls) for name in self._blocks}
        self._memo: dict[tuple, str] = {}
        self._binding_ends: dict[int, tuple[list[int], list[Occurrence]]] = {}
        self._hover_cache: dict[tuple[int, int], Any] | None = None
        self._stack: frozenset[str] = frozenset()
        with deep_recursion():
            for e in reversed(self._exprs):  # children first: the memo keeps recursion shallow
                self._type(e)

    @staticmethod
    def _closure(start: str, calls: dict[str, set[str]]) -> frozenset[str]:
        seen: set[str] = set()
        todo = list(calls.get(start, ()))
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(calls.get(n, ()))
        return frozenset(seen)

    # ------------------------------------------------------------------ public queries
    def type_of(self, expr: Any) -> str:
        """The static type of an expression node of this file."""
        with deep_recursion():
            return self._type(expr)

    def block_return(self, name: str) -> str:
        """The return type *R* of block ``name`` (§12.4)."""
        with deep_recursion():
            return self._block_return(name)

    def signature(self, sym: Symbol) -> str:
        """``Fn(Any, …) -> R`` of a block symbol, or the builtin signature of §12.4."""
        if sym.kind == "builtin":
            return BUILTIN_SIGNATURES[sym.name]
        block = sym.node
        params = ", ".join(ANY for _ in block.params)
        return f"Fn({params}) -> {self.block_return(block.name.text)}"

    def binding_type(self, occ: Occurrence) -> str:
        """The type assigned at a declaring or assigning variable token (§12.4 declaration
        rules: ``let``/``local`` → right side, block parameter → ``Any``, lambda parameter →
        the piped value, ``for`` variable → element type of the iterated expression)."""
        with deep_recursion():
            return self._binding_type(occ)

    def variable_type(self, occ: Occurrence) -> str:
        """Hover's type of a variable token: the assigned type at a declaring/assigning token,
        the static type at a reference."""
        if occ.role == "reference":
            return self.type_of(occ.node)
        return self.binding_type(occ)

    def binding_types(self) -> list[Binding]:
        """Every block and every variable declaration/assignment, in source order."""
        out = []
        for sym in self.res.symbols:
            if sym.kind == "block" and self.res.blocks.get(sym.name) is sym:
                out.append(Binding(sym.name, sym.decl.span.line, sym.decl.span.column,
                                   self.signature(sym), "block"))
            elif sym.kind == "variable":
                for occ in sym.bindings:
                    out.append(Binding(sym.name, occ.name.span.line, occ.name.span.column,
                                       self.binding_type(occ), sym.decl_kind))
        out.sort(key=lambda b: (b.line, b.column))
        return out

    # ------------------------------------------------------------------ machinery
    def _key(self, node: Any) -> tuple:
        owner = self._owner.get(id(node))
        ctx = self._stack & self._reach[owner] if owner is not None else frozenset()
        return id(node), ctx

    def _type(self, e: Any) -> str:
        key = self._key(e)
        t = self._memo.get(key)
        if t is None:
            t = self._compute(e)
            self._memo[key] = t
        return t

    def _block_return(self, name: str) -> str:
        if name in self._stack:
            return ANY
        key = ("R", name, self._stack & self._reach[name])
        t = self._memo.get(key)
        if t is None:
            saved = self._stack
            self._stack = saved | {name}
            try:
                t = self._body_return(self._blocks[name].body)
            finally:
                self._stack = saved
            self._memo[key] = t
        return t

    def _body_return(self, body: A.Body) -> str:
        types = [self._type(r.value) if r.value is not None else NULL
                 for r in _returns(body.stmts)]
        if not body.stmts or not isinstance(body.stmts[-1], A.Return):
            types.append(NULL)
        return join(types)

    def _binding_type(self, occ: Occurrence) -> str:
        node = occ.node
        if isinstance(node, A.Let):
            return self._type(node.value)
        if isinstance(node, A.Pipe):  # lambda parameter: the piped value
            return self._type(node.value)
        if isinstance(node, A.For):
            head, arg = parse_type(self._type(node.iterable))
            return arg if head == "Array" else "Text" if head == "Map" else ANY
        return ANY  # block parameter

    def _var_type(self, sym: Symbol, at: int) -> str:
        """Type of the latest binding of ``sym`` whose statement ends before offset ``at``
        (a parameter or ``for`` variable is bound at its own token)."""
        ends = self._binding_ends.get(id(sym))
        if ends is None:
            pairs = sorted((((occ.node.span.end if isinstance(occ.node, A.Let)
                              else occ.name.span.end), occ) for occ in sym.bindings),
                           key=lambda pair: pair[0])
            ends = self._binding_ends[id(sym)] = ([e for e, _ in pairs], [o for _, o in pairs])
        k = bisect_right(ends[0], at)
        return self._binding_type(ends[1][k - 1]) if k else ANY

    def _call(self, name: A.Name, arg_types: list[str]) -> str:
        sym = self.res.symbol_of(name)
        if sym is None:
            return ANY
        if sym.kind == "block":
            return self._block_return(sym.name)
        if sym.name == "append":
            if len(arg_types) == 2:
                head, arg = parse_type(arg_types[0])
                if head == "Array" and arg == arg_types[1]:
                    return arg_types[0]
            return "Array<Any>"
        return _BUILTIN_RESULTS[sym.name]

    def _compute(self, e: Any) -> str:
        if isinstance(e, A.Literal):
            return LITERAL_TYPES[e.kind]
        if isinstance(e, A.Var):
            occ = self.res.occurrence(e.name)
            if occ is None or occ.symbol.kind != "variable":
                return ANY
            return self._var_type(occ.symbol, e.span.start)
        if isinstance(e, A.ArrayExpr):
            return f"Array<{join(self._type(x) for x in e.items)}>"
        if isinstance(e, A.MapExpr):
            return f"Map<{join(self._type(x.value) for x in e.entries)}>"
        if isinstance(e, A.ContractExpr):
            for entry in e.entries:
                self._type(entry.value)
            return f"Contract<{e.id}>"
        if isinstance(e, A.Unary):
            t = self._type(e.operand)
            if e.op == "!":
                return "Bool"
            return t if t in ("Int", "Float") else ANY
        if isinstance(e, A.Binary):
            lt, rt = self._type(e.left), self._type(e.right)
            if e.op in _BOOL_OPS:
                return "Bool"
            if lt in ("Int", "Float") and rt in ("Int", "Float"):
                return "Int" if lt == rt == "Int" else "Float"
            if e.op == "+":
                if lt == rt and lt in ("Text", "Bytes"):
                    return lt
                (lh, la), (rh, ra) = parse_type(lt), parse_type(rt)
                if lh == rh == "Array":
                    return f"Array<{join((la, ra))}>"
            return ANY
        if isinstance(e, A.Call):
            return self._call(e.name, [self._type(a) for a in e.args])
        if isinstance(e, A.Pipe):
            vt = self._type(e.value)
            if isinstance(e.stage, A.Name):
                return self._call(e.stage, [vt])
            key = (id(e.stage),) + self._key(e)[1:]
            t = self._memo.get(key)
            if t is None:
                t = self._memo[key] = self._body_return(e.stage.body)
            return t
        if isinstance(e, A.Index):
            tt, it = self._type(e.target), self._type(e.index)
            head, arg = parse_type(tt)
            if head in ("Array", "Map"):
                return arg
            if tt == "Text":
                return "Text"
            if tt == "Bytes":
                return "Int"
            if head == "Contract" and isinstance(e.index, A.Literal) and e.index.kind == "int":
                spec = REGISTRY.get(arg)
                fs = spec.field_by_index(e.index.value) if spec else None
                return fs.type if fs else ANY
            return ANY
        if isinstance(e, A.Member):
            head, arg = parse_type(self._type(e.target))
            if head == "Map":
                return arg
            if head == "Contract":
                spec = REGISTRY.get(arg)
                fs = spec.field_by_name(e.name.text) if spec else None
                return fs.type if fs else ANY
            return ANY
        if isinstance(e, (A.LsCollapse, A.LsResolve, A.LsFingerprint, A.LsValidate)):
            self._type(e.operand)
        if isinstance(e, A.LsCollapse):
            return "Handle"
        if isinstance(e, A.LsResolve):
            return ANY
        if isinstance(e, A.LsSnapshot):
            return "Map<Any>"
        if isinstance(e, A.LsFingerprint):
            return "Text"
        if isinstance(e, A.LsValidate):
            return "Bool"
        raise TypeError(f"not an expression: {type(e).__name__}")  # pragma: no cover

    # ------------------------------------------------------------------ phase-2 diagnostics
    def errors(self) -> list[HLXError]:
        """The phase-2 diagnostics of §12.3 (1-based HLXL positions), sorted by line, column
        and code."""
        out: list[HLXError] = []
        for u in self.res.unresolved:
            out.append(_err("E_UNDEFINED_NAME", u.name.text, u.name.span))
        for e in self._exprs:
            if isinstance(e, A.Call):
                self._arity(e.name, len(e.args), out)
            elif isinstance(e, A.Pipe) and isinstance(e.stage, A.Name):
                self._arity(e.stage, 1, out)
            elif isinstance(e, A.Binary) and e.op in _ALLOWED:
                lt, rt = self.type_of(e.left), self.type_of(e.right)
                if lt != ANY and rt != ANY and (_cat(lt), _cat(rt)) not in _ALLOWED[e.op]:
                    out.append(_err("E_TYPE_MISMATCH", f"{_cat(lt)} {e.op} {_cat(rt)}",
                                    e.op_span))
            elif isinstance(e, A.Unary) and e.op == "-":
                t = self.type_of(e.operand)
                if t not in (ANY, "Int", "Float"):
                    out.append(_err("E_TYPE_MISMATCH", f"-{_cat(t)}", e.op_span))
            elif isinstance(e, A.Index):
                tt, it = self.type_of(e.target), self.type_of(e.index)
                if tt != ANY and it != ANY and (_cat(tt), _cat(it)) not in _INDEXING:
                    out.append(_err("E_TYPE_MISMATCH", f"{_cat(tt)}[{_cat(it)}]", e.op_span))
            elif isinstance(e, A.ContractExpr):
                self._contract_findings(e, out)
        out.sort(key=lambda err: (err.line, err.column, err.code))
        return out

    def _arity(self, name: A.Name, given: int, out: list[HLXError]) -> None:
        sym = self.res.symbol_of(name)
        if sym is None:
            return
        want = len(sym.node.params) if sym.kind == "block" else BUILTINS[sym.name]
        if want != given:
            plural = "" if want == 1 else "s"
            out.append(_err("E_TYPE_MISMATCH",
                            f"{sym.kind} {name.text} takes {want} argument{plural}, got {given}",
                            name.span))

    def _contract_findings(self, e: A.ContractExpr, out: list[HLXError]) -> None:
        spec = REGISTRY.get(e.id)
        if spec is None:
            return
        present = {entry.index: entry for entry in e.entries if entry.index is not None}
        for i in sorted({f.index for f in spec.fields} | set(present)):
            fs = spec.field_by_index(i)
            entry = present.get(i)
            if fs is None:
                out.append(_err("E_CONTRACT_UNKNOWN_FIELD",
                                f"contract {e.id} {spec.name} has no field @{i}",
                                entry.label_span))
            elif entry is None:
                if fs.required:
                    out.append(_err("E_CONTRACT_FIELD_MISSING",
                                    f"contract {e.id} requires @{i} {fs.name}", e.id_span))
            else:
                value = value_literal(entry.value)
                if value is _NOT_LITERAL:
                    t = self.type_of(entry.value)
                    if compatible(t, fs.type):
                        continue
                    why = f"is {t}"
                elif matches_type(value, fs.type) and check_constraint(value, fs.constraint):
                    continue
                else:
                    why = "does not match"
                want = fs.type + ("" if fs.constraint == "-" else f" ({fs.constraint})")
                label = f"@{i} {fs.name}" if fs.name else f"@{i}"
                out.append(_err("E_CONTRACT_FIELD_TYPE",
                                f"contract {e.id} field {label} must be {want}; the value {why}",
                                entry.label_span))

    # ------------------------------------------------------------------ hover
    def hover_at(self, line: int, column: int) -> str:
        """The canonical hover answer (§12.5) at a 0-based position of the resolution's source:
        ``type: T`` LF doc line, or empty."""
        tok = self.res.token_at(line, column)
        if tok is None:
            return ""
        span_key = (tok.start, tok.end)
        occ = self.res.occurrences.get(span_key)
        if occ is not None:
            sym = occ.symbol
            if sym.kind == "variable":
                return f"type: {self.variable_type(occ)}\n{sym.decl_kind} {sym.name}"
            if sym.kind in ("block", "builtin"):
                return f"type: {self.signature(sym)}\n{sym.kind} {sym.name}"
            return ""  # tables
        if tok.kind == "lsop":
            return f"type: {LSOP_TYPES[tok.text]}\n{tok.text}"
        hit = self._hover_index().get(span_key)
        if hit is None:
            return ""
        if isinstance(hit, A.Literal):
            return f"type: {LITERAL_TYPES[hit.kind]}\nliteral"
        if isinstance(hit, A.ContractExpr):
            spec = REGISTRY.get(hit.id)
            doc = f"contract {hit.id} {spec.name}" if spec else f"contract {hit.id}"
            return f"type: Contract<{hit.id}>\n{doc}"
        contract, entry = hit
        if entry.index is None:  # an unknown entry name: only in a source that does not load
            return ""
        spec = REGISTRY.get(contract.id)
        fs = spec.field_by_index(entry.index) if spec else None
        if fs is None:
            return f"type: Any\nfield @{entry.index}"
        return f"type: {fs.type}\n{fs.describe()}"

    def _hover_index(self) -> dict:
        """Literal tokens, contract ids and entry labels by their (start, end) offsets."""
        if self._hover_cache is None:
            index: dict[tuple[int, int], Any] = {}
            for e in self._exprs:
                if isinstance(e, A.Literal):
                    index[(e.span.start, e.span.end)] = e
                elif isinstance(e, A.ContractExpr):
                    index[(e.id_span.start, e.id_span.end)] = e
                    for entry in e.entries:
                        index[(entry.label_span.start, entry.label_span.end)] = (e, entry)
            self._hover_cache = index
        return self._hover_cache


def check(file: A.File, res: Resolution | None = None) -> TypeInfo:
    """Type every expression of a loaded file (§12.4)."""
    return TypeInfo(file, res)


def type_errors(file: A.File | TypeInfo) -> list[HLXError]:
    """The phase-2 diagnostics of §12.3 of a loaded file, at 1-based HLXL positions."""
    info = file if isinstance(file, TypeInfo) else check(file)
    return info.errors()


# ---------------------------------------------------------------------- source-level answers


def _analyze(source: str, track: str) -> TypeInfo | None:
    try:
        res = analyze(source, track=track)
    except HLXError:
        return None
    return check(res.file, res)


def hover(source: str, line: int, column: int, *, track: str = "hlxl") -> str:
    """The hover answer of §12.5 at a **0-based** (line, column) of ``source``: ``type: T`` LF
    doc line, or ``""`` (also when the source does not load)."""
    info = _analyze(source, track)
    return info.hover_at(line, column) if info is not None else ""


def type_at(source: str, line: int, column: int, *, track: str = "hlxl") -> str | None:
    """The "Type" answer of §12.5 at a **0-based** (line, column): the hover type without
    ``type: ``, or ``None`` where hover is empty."""
    answer = hover(source, line, column, track=track)
    return answer.split("\n", 1)[0][len("type: "):] if answer else None


def _pos(e: HLXError) -> tuple:
    return (e.line or 0, e.column or 0, e.code)


def load_diagnostic(source: str, *, track: str = "hlxl") -> HLXError | None:
    """Phase 1 of §12.3: ``None`` when the source loads, else the one diagnostic — the first
    syntax error in text order (``E_LC_PARSE``, ``E_UNKNOWN_GLYPH``, the bracket-depth
    ``E_DEPTH_EXCEEDED``, HLX validity), else the load error with the smallest position.
    Positions are 1-based in the coordinates of ``source``."""
    if track not in ("hlxl", "hlx"):
        raise ValueError(f"track must be `hlxl` or `hlx`, not `{track}`")
    found: list[tuple[tuple[int, int], HLXError]] = []  # (position compared, error)
    text = source
    inverse = None
    if track == "hlx":
        try:
            check_hlx(source)
        except HLXError as e:
            found.append((_run_start(source, e), e))
        mapping = translit(source, "hlxl")
        text, inverse = mapping.dst, mapping.inverse()

    def back(e: HLXError) -> HLXError:
        if inverse is None or e.line is None:
            return e
        return e.moved(*inverse.position(e.line, e.column))

    syntax_errors: list[HLXError] = []
    try:
        check_brackets(text)
    except HLXError as e:
        syntax_errors.append(e)
    lark = lark_parser("hlxl", start="file", transformer=syntax.HlxlToAst,
                       postlex=syntax.HlxlPostLex)
    syntax.reset()
    tree = None
    try:
        tree = lark.parse(text)
    except UnexpectedInput as e:
        syntax_errors.append(syntax_error(e, text, lark))
    except HLXError as e:  # the post-lexer's unknown `ls.` word
        syntax_errors.append(e)
    literal = [back(e) for e in syntax.literal_errors()]
    syntax_errors = [back(e) for e in syntax_errors] + [
        e for e in literal if e.code == "E_LC_PARSE"]
    found += [((e.line or 0, e.column or 0), e) for e in syntax_errors]
    if found:  # min() keeps the first of equal positions: HLX validity before the rest
        return min(found, key=lambda pair: pair[0])[1]
    errors = literal + [back(e) for e in load_errors(A.File(tree.tables, tree.program))]
    return min(errors, key=lambda e: (e.line or 0, e.column or 0)) if errors else None


_RUN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
                       + "".join(WORD_GLYPHS.values()))


def _run_start(text: str, e: HLXError) -> tuple[int, int]:
    """Where an HLX validity error counts in text order: a glyph glued to a word (``◇main``)
    is one run, and the HLXL parse of its transliteration (``blockmain``) fails at the run's
    start, so the validity error counts from there."""
    if e.line is None:
        return (0, 0)
    i = offset_of(text, e.line, e.column)
    if i < len(text) and text[i] in _RUN_CHARS:
        while i > 0 and text[i - 1] in _RUN_CHARS:
            i -= 1
    return line_col(text, i)


def diagnostics(source: str, *, track: str = "hlxl") -> list[HLXError]:
    """The diagnostics of §12.3 as errors at 1-based positions of ``source`` (HLX coordinates
    on the runic track): the phase-1 error alone, or every phase-2 finding sorted by line,
    column and code."""
    first = load_diagnostic(source, track=track)
    if first is not None:
        return [first]
    info = _analyze(source, track)
    if info is None:  # pragma: no cover - load_diagnostic found no error, so it loads
        return []
    errors = info.errors()
    if info.res.mapping is not None:
        inverse = info.res.mapping.inverse()
        errors = [e.moved(*inverse.position(e.line, e.column)) for e in errors]
        errors.sort(key=_pos)
    return errors


def diagnostics_answer(source: str, *, track: str = "hlxl") -> str:
    """The canonical diagnostics answer of §12.3: ``L:C CODE message`` lines, 0-based, sorted
    by line, column, code; empty when there is nothing to report."""
    lines = []
    for e in diagnostics(source, track=track):
        message = " ".join(e.message.split("\n"))
        lines.append(f"{(e.line or 1) - 1}:{(e.column or 1) - 1} {e.code} {message}")
    return "\n".join(lines)

