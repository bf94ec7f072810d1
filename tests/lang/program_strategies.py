"""Hypothesis strategies for HLXL source texts: ``programs()`` and ``value_literals()``.

``programs()`` draws well-formed programs that load (§10.1–§10.3) and, by construction, mostly
run without error: a small static type model picks every operand so that the operation is
defined (division by non-zero literals, indexing with `0` into non-empty arrays, `ls.resolve` of a
handle collapsed into the same table, calls only to blocks generated earlier, so no recursion),
and every `while` loop counts a fresh counter up to a small bound.  Some runs may still fail
(an `int` can overflow after enough loop iterations); none loops without end.

Every statement kind, every precedence level, pipelines with names and lambdas, map/array/
positional and named contracts (with reserved-word field names), handles, tables and all `ls.`
operations appear, written with random layout: no spaces where allowed, spaces, line breaks,
redundant parentheses, non-canonical literals (``1.50``, ``b"…"``, ``"e\\u{301}"``) and comments
(``//`` and ``/* … */``, also multi-line) at arbitrary token boundaries.

``value_literals()`` draws non-canonical value literal texts (§7).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hypothesis import strategies as st

from helix_lang.contracts import REGISTRY
from helix_lang.lexical import RESERVED

__all__ = ["programs", "value_literals", "layout"]

_IDENT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
PIPE, OR, AND, EQ, REL, ADD, MUL, PREFIX, POSTFIX, ATOM = range(10)

_REGISTRY_IDS = sorted(REGISTRY)
SIZED = ("text", "ints", "bytes", "rec", "c14")  # types `len` accepts
TYPES = ("int", "float", "text", "bool", "null", "bytes", "handle", "ints", "rec", "c14")
NAME_STEMS = ("v", "x", "b", "format", "lettuce", "for_each", "iffy", "returned", "_let", "ls_x",
              "Else", "tablet", "h")
TAGS = ("tag", "node", "x", "b", "a_1", "letter", "ls_tag")
TABLE_NAMES = ("t", "ast_table", "u2", "store")
INT_TEXTS = ("0", "1", "2", "3", "5", "7", "10", "42", "99", "1000", "123456")
FLOAT_TEXTS = ("0.5", "1.5", "1.50", "2.0", "0.0", "1e3", "1E-5", "3.25e+2", "100.0", "0.1",
               "1e16", "2.5E0", "0.30000000000000004")
STRING_PIECES = ("a", "b", "Z", " ", "hello", "let", "|>", "&h_x", "//", "/*", "*/", "ls.guard",
                 "\\\"", "\\\\", "\\n", "\\t", "\\r", "\\u{e9}", "\\u{1F600}", "\\u{0}",
                 "\\u{7f}", "\\u{1b}", "\\u{301}", "e\\u{301}", "é", "日本", "🙂", "\u2028",
                 "\ufeff", "⊢", "▷", "⟁", "ꙮ", "\\u{A66E}")
BYTE_PIECES = ("a", " ", "~", "\\x00", "\\xFF", "\\n", "\\\\", '\\"', "\\t", "\\x7f", "Z")
KEYS = ("a", "b", "k", "_z", '"let"', '"a b"', '"é"', '"1x"', '""', "C", "NULL", '"program"',
        "value", '"x"')
COMMENT_TEXTS = ("note", "⊢ let |> &h_x", "TODO: fix", "\"quoted\"", "é 🙂", "ls.collapse t x",
                 "", " spaced  ", "/ slash", "if (x) { return; }")


def _needs_space(prev: str, nxt: str) -> bool:
    if prev[-1] in _IDENT_CHARS and nxt[0] in _IDENT_CHARS:
        return True
    return nxt[0] == '"' and prev[-1] in _IDENT_CHARS


@dataclass
class _Var:
    type: str
    resolvable: tuple[str, str] | None = None  # (table, inner type) of a collapsed handle


@dataclass
class _Sig:
    name: str
    params: tuple[str, ...]
    ret: str


@dataclass
class _Ctx:
    frames: list  # each frame: list of scopes {name: _Var}; the last frame is the current one
    active: str  # the active table ("" = the default table)
    sigs: list  # blocks that may be called (generated before: no recursion)
    ret: str  # the type every `return` of the current block or lambda gives
    counters: set = field(default_factory=set)  # loop counters, never reassigned
    in_loop: bool = False  # inside a loop body: no block calls, reassignments use no variables

    def visible(self) -> dict:
        out: dict = {}
        for frame in reversed(self.frames):
            for scope in reversed(frame):
                for name, var in scope.items():
                    out.setdefault(name, var)
        return out

    def own(self) -> dict:
        out: dict = {}
        for scope in reversed(self.frames[-1]):
            for name, var in scope.items():
                out.setdefault(name, var)
        return out


class _Gen:
    def __init__(self, draw) -> None:
        self.draw = draw
        self.n = 0
        self.tables: list[str] = []

    # ------------------------------------------------------------------ choices
    def int(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def pick(self, seq):
        return seq[self.int(0, len(seq) - 1)]

    def chance(self, percent: int) -> bool:
        return self.int(0, 99) < percent

    def fresh(self, stems=NAME_STEMS) -> str:
        self.n += 1
        return f"{self.pick(stems)}{self.n}"

    # ------------------------------------------------------------------ literals
    def string(self) -> str:
        return '"' + "".join(self.pick(STRING_PIECES) for _ in range(self.int(0, 3))) + '"'

    def bytes_lit(self) -> str:
        if self.chance(50):
            digits = (self.pick("0123456789abcdef") for _ in range(2 * self.int(0, 3)))
            return 'x"' + "".join(digits) + '"'
        chars = (self.pick(BYTE_PIECES) for _ in range(self.int(0, 3)))
        return 'b"' + "".join(chars) + '"'

    def tag(self) -> str:
        return self.pick(TAGS)

    # ------------------------------------------------------------------ expressions
    def wrap(self, toks: list, prec: int, minprec: int) -> list:
        if prec < minprec or self.chance(4):
            return ["(", *toks, ")"]
        return toks

    def opnd(self, ctx: _Ctx, t: str, d: int, minprec: int) -> list:
        toks, prec = self.expr(ctx, t, d)
        return self.wrap(toks, prec, minprec)

    def expr(self, ctx: _Ctx, t: str, d: int) -> tuple[list, int]:
        """Tokens and precedence of an expression of type ``t`` (``any``: of any type)."""
        if t == "any":
            names = list(ctx.visible()) if self.chance(20) else []
            if names:
                return [self.pick(names)], ATOM
            if self.chance(25):
                return self.any_extra(ctx, d)
            t = self.pick(TYPES)
        if d <= 0 or self.chance(30):
            return self.leaf(ctx, t)
        opts = getattr(self, "e_" + t)(ctx, d - 1)
        common = [self.call_expr, self.pipe_lambda]
        if t in ("int", "text", "handle", "ints") or self.chance(30):
            common.append(self.resolve_expr)
        make = self.pick(opts + common)
        out = make(ctx, t, d - 1) if make in common else make()
        return out if out is not None else self.leaf(ctx, t)

    def leaf(self, ctx: _Ctx, t: str) -> tuple[list, int]:
        names = [n for n, v in ctx.visible().items() if v.type == t or t == "any"]
        if names and self.chance(50):
            return [self.pick(names)], ATOM
        if t == "int":
            return [self.pick(INT_TEXTS)], ATOM
        if t == "float":
            return [self.pick(FLOAT_TEXTS)], ATOM
        if t == "text":
            return [self.string()], ATOM
        if t == "bool":
            return [self.pick(("true", "false"))], ATOM
        if t == "null":
            return ["null"], ATOM
        if t == "bytes":
            return [self.bytes_lit()], ATOM
        if t == "handle":
            return ["&h_" + self.pick(("a", "x1", "node_ee9c4d1fa1b01303", "_", "Z9"))], ATOM
        if t == "ints":
            return ["[", self.pick(INT_TEXTS), "]"], ATOM
        if t == "rec":
            return ["{", "a", ":", "1", ",", "b", ":", '"s"', "}"], ATOM
        if t == "c14":
            return ["{", "14", ":", "{", "@0", ":", "1", "}", "}"], ATOM
        return ["null"], ATOM

    def binary(self, ctx, t_left, op, prec, t_right, d) -> tuple[list, int]:
        return [*self.opnd(ctx, t_left, d, prec), op, *self.opnd(ctx, t_right, d, prec + 1)], prec

    def e_int(self, ctx, d):
        def nonzero() -> list:
            return [self.pick(("1", "2", "3", "7"))] if self.chance(80) else ["-", "3"]

        return [
            lambda: self.binary(ctx, "int", self.pick(("+", "-")), ADD, "int", d),
            lambda: ([*self.opnd(ctx, "int", d, MUL), "*", self.pick(("2", "3", "9"))], MUL),
            lambda: ([*self.opnd(ctx, "int", d, MUL), self.pick(("/", "%")), *nonzero()], MUL),
            lambda: (["-", *self.opnd(ctx, "int", d, PREFIX)], PREFIX),
            lambda: (["len", "(", *self.expr(ctx, self.pick(SIZED), d)[0], ")"], POSTFIX),
            lambda: ([*self.opnd(ctx, "ints", d, POSTFIX), "[", "0", "]"], POSTFIX),
            lambda: ([*self.opnd(ctx, "rec", d, POSTFIX),
                      *self.pick(([".", "a"], ["[", '"a"', "]"]))], POSTFIX),
            lambda: ([*self.opnd(ctx, "c14", d, POSTFIX),
                      *self.pick(([".", "value"], ["[", "0", "]"]))], POSTFIX),
            lambda: (["int", "(", *self.expr(ctx, self.pick(("int", "float", "bool")), d)[0], ")"],
                     POSTFIX),
            lambda: (["int", "(", self.pick(('"42"', '"-7"', '"0"')), ")"], POSTFIX),
            lambda: (["ls.snapshot", *self.table_ref(), ".", "count"], POSTFIX),
            lambda: ([*self.opnd(ctx, self.pick(("text", "ints", "bytes")), d, PIPE), "|>", "len"],
                     PIPE),
        ]

    def e_float(self, ctx, d):
        return [
            lambda: self.binary(ctx, "float", self.pick(("+", "-")), ADD, "float", d),
            lambda: self.binary(ctx, "int", "*", MUL, "float", d),
            lambda: self.binary(ctx, "float", "+", ADD, "int", d),
            lambda: ([*self.opnd(ctx, "float", d, MUL), "/", self.pick(("2.0", "0.5", "4"))], MUL),
            lambda: (["-", *self.opnd(ctx, "float", d, PREFIX)], PREFIX),
            lambda: (["float", "(", *self.expr(ctx, self.pick(("int", "float", "bool")), d)[0],
                      ")"], POSTFIX),
            lambda: (["{", "15", ":", "{", "@0", ":", *self.expr(ctx, "float", d)[0], "}", "}",
                      ".", "value"], POSTFIX),
        ]

    def e_text(self, ctx, d):
        return [
            lambda: self.binary(ctx, "text", "+", ADD, "text", d),
            lambda: (["str", "(", *self.expr(ctx, "any", d)[0], ")"], POSTFIX),
            lambda: (["type", "(", *self.expr(ctx, "any", d)[0], ")"], POSTFIX),
            lambda: (["ls.fingerprint", *self.opnd(ctx, "any", d, PREFIX)], PREFIX),
            lambda: (['"abc"', "[", self.pick(("0", "2")), "]"], POSTFIX),
            lambda: ([*self.opnd(ctx, "rec", d, POSTFIX), ".", "b"], POSTFIX),
            lambda: (["keys", "(", *self.expr(ctx, "rec", d)[0], ")", "[", "0", "]"], POSTFIX),
            lambda: ([*self.opnd(ctx, "any", d, PIPE), "|>", self.pick(("str", "type"))], PIPE),
        ]

    def e_bool(self, ctx, d):
        num = lambda: self.pick(("int", "float"))  # noqa: E731
        return [
            lambda: self.binary(ctx, num(), self.pick(("<", "<=", ">", ">=")), REL, num(), d),
            lambda: self.binary(ctx, "text", self.pick(("<", ">=")), REL, "text", d),
            lambda: self.binary(ctx, "any", self.pick(("==", "!=")), EQ, "any", d),
            lambda: (["!", *self.opnd(ctx, "any", d, PREFIX)], PREFIX),
            lambda: self.binary(ctx, "bool", "&&", AND, "bool", d),
            lambda: self.binary(ctx, "any", "||", OR, "bool", d),
            lambda: (["ls.validate", *self.opnd(ctx, "any", d, PREFIX)], PREFIX),
        ]

    def e_null(self, ctx, d):
        return [lambda: (["null"], ATOM)]

    def e_bytes(self, ctx, d):
        return [lambda: self.binary(ctx, "bytes", "+", ADD, "bytes", d)]

    def e_handle(self, ctx, d):
        return [lambda: self.collapse(ctx, d, "any")[0]]

    def e_ints(self, ctx, d):
        return [
            lambda: (["[", *self.items(ctx, "int", d, 1), "]"], ATOM),
            lambda: (["range", "(", self.pick(("1", "2", "4")), ")"], POSTFIX),
            lambda: (["append", "(", *self.expr(ctx, "ints", d)[0], ",",
                      *self.expr(ctx, "int", d)[0], ")"], POSTFIX),
            lambda: self.binary(ctx, "ints", "+", ADD, "ints", d),
        ]

    def e_rec(self, ctx, d):
        def rec():
            keys = [k for k in KEYS if k not in ("a", "b", '"x"') and self.chance(15)]
            entries = [["a", ":", *self.expr(ctx, "int", d)[0]],
                       ["b", ":", *self.expr(ctx, "text", d)[0]]]
            entries += [[k, ":", *self.expr(ctx, "any", d - 1)[0]] for k in keys]
            order = self.draw(st.permutations(range(len(entries))))
            return ["{", *self.join([entries[i] for i in order]), "}"], ATOM
        return [rec]

    def e_c14(self, ctx, d):
        v = lambda: self.expr(ctx, "int", d)[0]  # noqa: E731
        return [
            lambda: (["{", "14", ":", "{", "@0", ":", *v(), "}", "}"], ATOM),
            lambda: (["contract", "14", "{", self.pick(("value", '"value"', "@0")), ":", *v(), "}"],
                     ATOM),
        ]

    def any_extra(self, ctx, d) -> tuple[list, int]:
        a = lambda: self.expr(ctx, "any", d - 1)[0]  # noqa: E731
        h = lambda: self.expr(ctx, "handle", d - 1)[0]  # noqa: E731
        forms = [
            lambda: (self.registry_contract(a), ATOM),
            lambda: (self.registry_contract(a), ATOM),
            lambda: (["[", *self.items(ctx, "any", d - 1, 0), "]"], ATOM),
            lambda: (["{", "}"], ATOM),
            lambda: (["-", "9223372036854775808"], PREFIX),
            lambda: (["9223372036854775807"], ATOM),
            lambda: (["ls.snapshot", *self.table_ref()], ATOM),
            lambda: (["{", "15", ":", "{", "}", "}"], ATOM),
            lambda: (["contract", self.pick(("15", "4000")), "{", "}"], ATOM),
            lambda: (["{", "7", ":", "{", "@8", ":", *a(), ",", "@127", ":", *a(), "}", "}"], ATOM),
            lambda: (["contract", "902", "{", "pipeline_id", ":", self.string(), ",", "stages", ":",
                      "[", *h(), "]", *([",", "@3", ":", *h()] if self.chance(50) else []), "}"],
                     ATOM),
            lambda: (["{", "902", ":", "{", "@0", ":", '"p"', ",", "@1", ":", "[", *h(), ",", *h(),
                      "]", "}", "}"], ATOM),
            lambda: (["contract", "820", "{", "op_code", ":", self.pick(("0", "3", "7")), ",",
                      '"table"', ":", '"main"', ",", "handle", ":", *h(), "}"], ATOM),
            lambda: (["contract", "106", "{", "condition", ":", *a(), ",", "then", ":", *a(), ",",
                      '"else"', ":", *a(), "}"], ATOM),
            lambda: (["contract", "1000", "{", "op", ":", '"read"', ",", "@1", ":", *a(),
                      ",", "@5", ":", *a(), "}"], ATOM),
            lambda: (["{", *self.join([[k, ":", *a()] for k in KEYS if self.chance(20)]), "}"],
                     ATOM),
        ]
        return self.pick(forms)()

    def items(self, ctx, t, d, least) -> list:
        return self.join([self.expr(ctx, t, d)[0] for _ in range(self.int(least, 3))])

    @staticmethod
    def join(parts: list) -> list:
        out: list = []
        for i, p in enumerate(parts):
            if i:
                out.append(",")
            out += p
        return out

    def registry_contract(self, value) -> list:
        """A literal of a registered contract (§11): named (``contract N { name: v, @i: v }``,
        reserved-word names quoted) or positional; ``value()`` gives each field's tokens."""
        spec = REGISTRY[self.pick(_REGISTRY_IDS)]
        fields = [(f.index, f.name) for f in spec.fields if self.chance(60)]
        if spec.variadic_from is not None:
            fields += [(i, None) for i in sorted({self.int(spec.variadic_from, 9)
                                                  for _ in range(self.int(0, 2))})]
        named = self.chance(70)
        entries = []
        for index, name in fields:
            if not named or name is None or self.chance(15):
                label = f"@{index}"
            elif name in RESERVED or self.chance(15):
                label = f'"{name}"'
            else:
                label = name
            entries.append([label, ":", *value()])
        if named:
            return ["contract", str(spec.id), "{", *self.join(entries), "}"]
        return ["{", str(spec.id), ":", "{", *self.join(entries), "}", "}"]

    def table_ref(self) -> list:
        return [self.pick(self.tables)] if self.tables and self.chance(50) else []

    def collapse(self, ctx, d, t) -> tuple[tuple[list, int], tuple[str, str]]:
        """``ls.collapse [T] tag e``: tokens and (table, inner type) of the handle."""
        table = self.table_ref()
        inner = self.pick(TYPES) if t == "any" else t
        toks = ["ls.collapse", *table, self.tag(), *self.opnd(ctx, inner, d, PREFIX)]
        return (toks, PREFIX), (table[0] if table else ctx.active, inner)

    def resolve_expr(self, ctx, t, d):
        """``ls.resolve`` of a handle collapsed into the same table (a variable or inline)."""
        names = [(n, v.resolvable) for n, v in ctx.visible().items()
                 if v.resolvable and v.resolvable[1] == t]
        if names and self.chance(60):
            name, (table, _) = self.pick(names)
            operand = [name] if self.chance(80) else ["(", name, ")"]
        else:
            (operand, _), (table, _) = self.collapse(ctx, d, t)
            operand = ["(", *operand, ")"]
        if table == ctx.active and self.chance(50):
            return ["ls.resolve", *operand], PREFIX
        if not table:
            return None
        return ["ls.resolve", table, *operand], PREFIX

    def call_expr(self, ctx, t, d):
        sigs = [s for s in ctx.sigs if s.ret == t]
        if not sigs or ctx.in_loop:
            return None
        s = self.pick(sigs)
        args = self.join([self.expr(ctx, p, d)[0] for p in s.params])
        if len(s.params) == 1 and self.chance(40):
            return [*self.opnd(ctx, s.params[0], d, PIPE), "|>", s.name], PIPE
        return [s.name, "(", *args, ")"], POSTFIX

    def pipe_lambda(self, ctx, t, d):
        """``e |> (p) { …; return e2; }`` with ``p`` of the type of ``e``."""
        if len(ctx.frames) > 2:  # at most two lambdas inside each other
            return None
        pt = self.pick(TYPES)
        value = self.opnd(ctx, pt, min(d, 1), PIPE)
        param = self.fresh()
        inner = _Ctx(ctx.frames + [[{param: _Var(pt)}]], ctx.active, ctx.sigs, t,
                     in_loop=ctx.in_loop)
        body = self.body(inner, depth=min(1, d), ret=True, frame_scope=True)
        toks = [*value, "|>", "(", param, ")", *body]
        if self.chance(25):  # a second stage
            toks += ["|>", self.pick(("str", "type"))] if t in ("text",) else []
        return toks, PIPE

    # ------------------------------------------------------------------ statements
    def truthy(self, ctx, d) -> list:
        return self.pick([
            lambda: ["true"],
            lambda: [self.pick(("1", "42", '"s"', "[0]", "&h_a"))],
            lambda: (lambda e: [*e, "==", *e])(self.opnd(ctx, self.pick(("int", "text", "ints")),
                                                         d, REL)),
            lambda: ["!", "false"],
            lambda: ["1", "<", "2", "&&", "!", "(", "2", "<", "1", ")"],
            lambda: [*self.opnd(ctx, "int", d, REL), "==", *self.opnd(ctx, "int", d, REL), "||",
                     "true"],
            lambda: ["len", "(", '"ab"', ")", "==", "2"],
        ])()

    def body(self, ctx: _Ctx, depth: int, ret: bool = False, frame_scope: bool = False) -> list:
        """``{ stmts }``; ``ret``: ends with a `return` of ``ctx.ret``."""
        if not frame_scope:
            ctx.frames[-1].append({})
        toks = ["{"]
        for _ in range(self.int(0, 3 if depth > 0 else 1)):
            toks += self.stmt(ctx, depth)
        if ret or self.chance(15):
            toks += self.ret_stmt(ctx, depth)
        toks.append("}")
        if not frame_scope:
            ctx.frames[-1].pop()
        return toks

    def ret_stmt(self, ctx, depth) -> list:
        if ctx.ret in ("null", "any") and self.chance(20):
            return ["return", ";"]
        return ["return", *self.expr(ctx, ctx.ret, min(depth + 1, 2))[0], ";"]

    def stmt(self, ctx: _Ctx, depth: int) -> list:
        d = min(depth + 1, 2)
        kinds = [self.s_let, self.s_let, self.s_reassign, self.s_expr, self.s_assert,
                 self.s_guard]
        if depth > 0:
            kinds += [self.s_if, self.s_while, self.s_for, self.s_transaction]
        return self.pick(kinds)(ctx, depth, d)

    def s_let(self, ctx, depth, d):
        name = self.fresh()
        t = self.pick(TYPES + ("any",))
        resolvable = None
        if t == "handle" and self.chance(60):
            (toks, _), resolvable = self.collapse(ctx, d, "any")
        else:
            toks = self.expr(ctx, t, d)[0]
            if t == "any":
                t = "?"
        kw = "local" if self.chance(30) else "let"
        out = [kw, name, "=", *toks, ";"]
        ctx.frames[-1][-1][name] = _Var(t, resolvable)
        return out

    def s_reassign(self, ctx, depth, d):
        names = [(n, v) for n, v in ctx.own().items()
                 if n not in ctx.counters and v.type in TYPES and not v.resolvable]
        if not names:
            return self.s_let(ctx, depth, d)
        name, var = self.pick(names)
        if ctx.in_loop:  # `let s = s + s;` in nested loops would grow without bound
            ctx = _Ctx([[{}]], ctx.active, [], ctx.ret, in_loop=True)
        return ["let", name, "=", *self.expr(ctx, var.type, d)[0], ";"]

    def s_expr(self, ctx, depth, d):
        return [*self.expr(ctx, "any", d)[0], ";"]

    def s_assert(self, ctx, depth, d):
        return ["assert", "(", *self.truthy(ctx, d), ")", ";"]

    def s_guard(self, ctx, depth, d):
        return ["ls.guard", *self.truthy(ctx, d), ";"]

    def s_if(self, ctx, depth, d):
        out = ["if", "(", *self.expr(ctx, self.pick(("bool", "bool", "any")), d)[0], ")",
               *self.branch(ctx, depth)]
        while self.chance(35):
            out += ["else", "if", "(", *self.expr(ctx, "bool", d)[0], ")", *self.branch(ctx, depth)]
        if self.chance(50):
            out += ["else", *self.branch(ctx, depth)]
        return out

    def branch(self, ctx, depth) -> list:
        return self.body(ctx, depth - 1, ret=self.chance(20))

    def s_while(self, ctx, depth, d):
        counter = self.fresh(("w", "i", "while_n"))
        ctx.counters.add(counter)
        bound = self.pick(("0", "1", "2", "3"))
        ctx.frames[-1][-1][counter] = _Var("int")
        ctx.frames[-1].append({})
        was, ctx.in_loop = ctx.in_loop, True
        body = ["{"]
        for _ in range(self.int(0, 2)):
            body += self.stmt(ctx, depth - 1)
        body += ["let", counter, "=", counter, "+", "1", ";", "}"]
        ctx.frames[-1].pop()
        ctx.in_loop = was
        return [self.pick(("let", "local")), counter, "=", "0", ";",
                "while", "(", counter, "<", bound, ")", *body]

    def s_for(self, ctx, depth, d):
        var = self.fresh(("e", "item", "for_x", "k"))
        t, it = self.pick([
            lambda: ("int", self.expr(ctx, "ints", d)[0]),
            lambda: ("text", self.expr(ctx, "rec", d)[0]),
            lambda: ("int", ["range", "(", self.pick(("0", "2", "3")), ")"]),
            lambda: ("?", ["[", *self.items(ctx, "any", d - 1, 0), "]"]),
        ])()
        ctx.frames[-1].append({var: _Var(t)})
        was, ctx.in_loop = ctx.in_loop, True
        body = ["{"]
        for _ in range(self.int(0, 2)):
            body += self.stmt(ctx, depth - 1)
        body.append("}")
        ctx.frames[-1].pop()
        ctx.in_loop = was
        return ["for", "(", var, "in", *it, ")", *body]

    def s_transaction(self, ctx, depth, d):
        return ["ls.transaction", *self.body(ctx, depth - 1)]

    # ------------------------------------------------------------------ program
    def program(self) -> list:
        self.tables = [n for n in TABLE_NAMES if self.chance(25)]
        toks: list = []
        for t in self.tables:
            toks += ["latent", "table", t, ";"]
        sigs: list[_Sig] = []
        blocks: list[list] = []
        for _ in range(self.int(0, 3)):
            sig = _Sig(self.fresh(("f", "helper", "blocky", "format_", "lettuce")),
                       tuple(self.pick(TYPES) for _ in range(self.int(0, 3))), self.pick(TYPES))
            blocks.append(self.block(sig, list(sigs)))
            sigs.append(sig)
        main = self.block(_Sig("main", (), "any"), sigs)
        blocks.insert(self.int(0, len(blocks)), main)
        toks += ["program", self.pick(("p", "demo", "lettuce", "hello")), "{"]
        for b in blocks:
            toks += b
        toks.append("}")
        return toks

    def block(self, sig: _Sig, sigs: list) -> list:
        params = {self.fresh(("n", "p", "arg", "inx")): _Var(t) for t in sig.params}
        using = [self.pick(self.tables)] if self.tables and self.chance(40) else []
        head = ["block", sig.name, "(", *self.join([[p] for p in params]), ")"]
        ctx = _Ctx([[params]], using[0] if using else "", sigs, sig.ret)
        body = self.body(ctx, depth=2, ret=True, frame_scope=True)
        return head + (["using", *using] if using else []) + body


class _Rng:
    """The choice helpers of :class:`_Gen` on a seeded ``random.Random`` (layout only: one
    Hypothesis draw for all the whitespace and comments of a text keeps generation fast)."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def int(self, lo: int, hi: int) -> int:
        return self.r.randint(lo, hi)

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def chance(self, percent: int) -> bool:
        return self.r.randrange(100) < percent


def _comment(g: _Rng, line: bool) -> str:
    text = g.pick(COMMENT_TEXTS)
    if line:
        return "//" + text
    if g.chance(20):
        text += "\n  * second line\n "
    return "/*" + text + "*/"


def layout(seed: int, toks: list, comments: int) -> str:
    """Join tokens with a random style of whitespace and ``comments`` percent of comments."""
    g = _Rng(seed)
    style = g.int(0, 3)  # 0 dense, 1 single spaces, 2 lines, 3 mixed
    out: list[str] = []
    prev = ""
    depth = 0
    for tok in toks:
        sep = ""
        if prev:
            if comments and g.chance(comments):
                line = g.chance(50)
                c = _comment(g, line)
                pad = " " if prev.endswith("/") or g.chance(50) else ""
                sep = pad + c + ("\n" + "    " * depth if line else (" " if g.chance(50) else ""))
            elif style == 1 or (style == 3 and g.chance(40)):
                sep = " "
            elif style == 2 and prev in ("{", ";", "}"):
                sep = "\n" + "    " * max(depth - (tok == "}"), 0)
            elif style == 3 and g.chance(10):
                sep = g.pick(("\n", "\t", "  ", "\r\n   "))
            if not sep and _needs_space(prev, tok):
                sep = " "
        out.append(sep + tok)
        depth += (tok == "{") - (tok == "}")
        prev = tok
    tail = ""
    if comments and g.chance(comments):
        tail = " " + _comment(g, g.chance(50))
    head = ""
    if comments and g.chance(comments):
        head = _comment(g, True) + "\n"
    return head + "".join(out) + tail + ("\n" if g.chance(50) else "")


_SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def programs(draw, comments: bool = True) -> str:
    """An HLXL program text that loads (and mostly runs) with random layout and comments."""
    g = _Gen(draw)
    toks = g.program()
    return layout(draw(_SEEDS), toks, g.pick((0, 3, 10, 25)) if comments else 0)


@st.composite
def value_literals(draw) -> str:
    """A non-canonical HLXL value literal text (§7): spacing, comments, sugar, ``b"…"``."""
    g = _Gen(draw)

    def value(d: int) -> list:
        kinds = ["num", "str", "bytes", "atom", "handle"]
        if d > 0:
            kinds += ["array", "map", "contract", "named"]
        k = g.pick(kinds)
        if k == "num":
            return [g.pick(("-0", "-0.0", "1.50", "-5", "1e3", "-1E-5", "7", "-9223372036854775808",
                            "9223372036854775807", "0.1"))]
        if k == "str":
            return [g.string()]
        if k == "bytes":
            return [g.bytes_lit()]
        if k == "atom":
            return [g.pick(("null", "true", "false"))]
        if k == "handle":
            return ["&h_" + g.pick(("a", "b_2", "Z"))]
        if k == "array":
            return ["[", *g.join([value(d - 1) for _ in range(g.int(0, 3))]), "]"]
        if k == "map":
            keys = [key for key in KEYS if g.chance(25)]
            return ["{", *g.join([[key, ":", *value(d - 1)] for key in keys]), "}"]
        if k == "contract":
            idx = sorted({g.int(0, 70000 // 1000) for _ in range(g.int(0, 3))})
            return ["{", str(g.pick((14, 7, 4000))), ":", "{",
                    *g.join([[f"@{i}", ":", *value(d - 1)] for i in idx]), "}", "}"]
        return g.pick([
            lambda: g.registry_contract(lambda: value(d - 1)),
            lambda: g.registry_contract(lambda: value(d - 1)),
            lambda: ["contract", "902", "{", "pipeline_id", ":", '"p"', ",", "stages", ":",
                     "[", "&h_a", "]", "}"],
            lambda: ["contract", "820", "{", "op_code", ":", "1", ",", '"table"', ":", '"m"', "}"],
            lambda: ["contract", "1000", "{", "op", ":", '"x"', ",", "@4", ":", *value(d - 1), "}"],
            lambda: ["contract", "15", "{", "}"],
        ])()

    return layout(draw(_SEEDS), value(3), g.pick((0, 10)))
