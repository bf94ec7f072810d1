"""Purpose-made HLXL programs that compute something (HLX-SPEC §10.4–§10.8), for the evaluation,
statement, type and language-service families.

:class:`ProgramGen` programs load on both tracks and mostly run, but they return whatever their
last expression happens to be.  :class:`CalcGen` writes programs whose result depends on the work
they do: accumulating loops over arrays, ranges and map keys, counters, ``if``/``else`` on
computed values, lambdas and block stages in pipelines, helper blocks (recursive ones too),
contracts and their fields, ``ls.collapse`` / ``ls.resolve`` / ``ls.snapshot``, and the scoping
rules of ``let`` and ``local``.  It tracks each variable's kind (and the least length of arrays,
the keys of maps), so almost every program runs; with ``errors`` it plants a statement that fails
at run time (division by zero, an index out of range, a missing key, a failed assert, …).

The program's ``shape`` (helper templates and the statement kinds of ``main``) is its skeleton,
like :class:`ProgramGen`'s; the values never are.

>>> from helix_corpus.execution import outcome
>>> gen = CalcGen(random.Random(7), size=4)
>>> text, shape = gen.program()
>>> shape.startswith(("calc:", "~calc:")), outcome(text).ok
(True, True)
"""

from __future__ import annotations

import random
import re

from .programs import PROGRAMS, ProgramGen, _shape

__all__ = ["CalcGen", "HELPERS", "Stmt", "let_name"]

#: A statement as :class:`ProgramGen` renders it: ``(letter, text)`` or
#: ``(letter, head, body, else_body)``.
Stmt = tuple

INT_VARS = ("a", "b", "n", "acc", "total", "count", "k", "step", "best", "lo", "hi", "sum2",
            "prod", "left", "right", "score")
TEXT_VARS = ("s", "word", "label", "out", "msg", "name_text", "line")
ARRAY_VARS = ("xs", "items", "vals", "evens", "seen", "row", "picked")
MAP_VARS = ("m", "cfg", "info", "point")
BOOL_VARS = ("ok", "flag", "done", "big")
FLOAT_VARS = ("f", "ratio", "avg")
CONTRACT_VARS = ("c", "node", "cell")
HANDLE_VARS = ("h", "ref", "hd")
WORDS = ("ab", "hi", "node", "x", "let", "zeta", "run", "go", "ok", "é", "λ", "if else",
         "a b", "sum")
MAP_KEYS = ("a", "b", "x", "y", "count", "size", "id", "w")

#: Helper blocks: name → (parameters, body, argument kinds, result kind).  ``small`` arguments
#: are Int literals 0-9 (recursion and loops stay short).
HELPERS: dict[str, tuple[tuple[str, ...], list, tuple[str, ...], str]] = {
    "sq": (("v",), [("R", "return v * v;")], ("int",), "int"),
    "add": (("a", "b"), [("R", "return a + b;")], ("int", "int"), "int"),
    "clamp": (("v", "hi"), [("I", "if (v > hi)", [("R", "return hi;")], None),
                            ("R", "return v;")], ("int", "int"), "int"),
    "fact": (("n",), [("I", "if (n <= 1)", [("R", "return 1;")], None),
                      ("R", "return n * fact(n - 1);")], ("small",), "int"),
    "fib": (("n",), [("I", "if (n < 2)", [("R", "return n;")], None),
                     ("R", "return fib(n - 1) + fib(n - 2);")], ("small",), "int"),
    "sum_to": (("n",), [("L", "let t = 0;"), ("L", "let i = 1;"),
                        ("W", "while (i <= n)", [("L", "let t = t + i;"),
                                                 ("L", "let i = i + 1;")], None),
                        ("R", "return t;")], ("small",), "int"),
    "parity": (("v",), [("I", "if (v % 2 == 0)", [("R", 'return "even";')], None),
                        ("R", 'return "odd";')], ("int",), "text"),
    "wrap": (("v",), [("R", "return {14: {@0: v}};")], ("int",), "contract"),
    "count_over": (("xs", "k"), [("L", "let c = 0;"),
                                 ("F", "for (x in xs)", [("I", "if (x > k)",
                                                          [("L", "let c = c + 1;")], None)],
                                  None),
                                 ("R", "return c;")], ("intarray", "int"), "int"),
    "rev": (("xs",), [("L", "let out = [];"), ("L", "let i = len(xs) - 1;"),
                      ("W", "while (i >= 0)", [("L", "let out = append(out, xs[i]);"),
                                               ("L", "let i = i - 1;")], None),
                      ("R", "return out;")], ("intarray",), "intarray"),
    "total": (("xs",), [("L", "let t = 0;"),
                        ("F", "for (x in xs)", [("L", "let t = t + x;")], None),
                        ("R", "return t;")], ("intarray",), "int"),
    "shout": (("s",), [("R", 'return s + "!";')], ("text",), "text"),
    "max2": (("a", "b"), [("I", "if (a > b)", [("R", "return a;")], [("R", "return b;")])],
             ("int", "int"), "int"),
}

_LET = re.compile(r"(?:let|local) ([A-Za-z_][A-Za-z0-9_]*) = ")


def let_name(stmt: Stmt) -> str | None:
    """The variable a flat ``let``/``local`` statement binds, else None."""
    if len(stmt) != 2:
        return None
    m = _LET.match(stmt[1])
    return m.group(1) if m else None


class CalcGen(ProgramGen):
    """Draws one computing program: ``program() -> (text, shape)``; ``blocks`` and ``main_body``
    keep its parts for :meth:`render_with` (the same program with another ``main`` body)."""

    def __init__(self, rng: random.Random, *, size: int = 4, helpers: float = 0.35,
                 max_helpers: int = 1, errors: float = 0.0, nest: int = 1,
                 multiline: float = 0.6):
        super().__init__(rng, size=size, multiline=multiline)
        self.helper_share = helpers
        self.max_helpers = max_helpers
        self.errors = errors
        self.nest = nest
        self.kinds: dict[str, str] = {}     # top-level variables of main → kind
        self.minlen: dict[str, int] = {}    # arrays: least length
        self.mapkeys: dict[str, tuple[str, ...]] = {}
        self.used: list[str] = []           # helpers in use
        self.counters: set[str] = set()     # while counters (never written by other code)
        self.loops = 0                      # loops around the statement being generated
        self.touched: list[str] = []        # variables in the order they were last written
        self.name = ""
        self.blocks: list = []
        self.main_body: list = []

    # -- expressions ------------------------------------------------------------------------
    def _vars(self, kind: str, scope: dict[str, str]) -> list[str]:
        return [v for v, k in scope.items() if k == kind]

    def _helper(self, result: str) -> str | None:
        names = [h for h in self.used if HELPERS[h][3] == result]
        return self.rng.choice(names) if names else None

    def _args(self, name: str, scope: dict[str, str], d: int) -> str:
        out = []
        for kind in HELPERS[name][2]:
            if kind == "small":
                out.append(str(self.rng.randint(0, 9)))
            else:
                out.append(self.e(kind, scope, d + 1))
        return ", ".join(out)

    def e(self, kind: str, scope: dict[str, str], d: int = 0) -> str:
        """An expression of ``kind``: int, text, intarray, map, bool, float, contract."""
        return getattr(self, "e_" + kind)(scope, d)

    def e_int(self, scope: dict[str, str], d: int) -> str:
        rng = self.rng
        own = self._vars("int", scope)
        if own and rng.random() < 0.45:
            return rng.choice(own)
        if d >= 2 or rng.random() < 0.3:
            return str(rng.randint(0, 12) if rng.random() < 0.8 else rng.randint(13, 99))
        r = rng.random()
        if r < 0.35:
            op = rng.choice("+-*+-")
            left = self.e_int(scope, d + 1)
            right = self.e_int(scope, d + 1)
            if op == "*" and not right.isdigit():
                right = str(rng.randint(2, 5))
            return f"{self._paren(left)} {op} {self._paren(right)}"
        if r < 0.47:
            k = rng.choice(("2", "3", "4", "5", "7", "-3", "-2"))
            return f"{self._paren(self.e_int(scope, d + 1))} {rng.choice('/%')} {k}"
        if r < 0.57:
            arrays = self._vars("intarray", scope)
            texts = self._vars("text", scope)
            what = rng.choice(arrays + texts) if arrays + texts and rng.random() < 0.7 else \
                '"' + rng.choice(WORDS) + '"'
            return f"len({what})"
        if r < 0.66:
            arrays = [v for v in self._vars("intarray", scope) if self.minlen.get(v, 0) > 0]
            if arrays:
                v = rng.choice(arrays)
                return f"{v}[{rng.randrange(self.minlen[v])}]"
            maps = [v for v in self._vars("map", scope) if self.mapkeys.get(v)]
            if maps:
                v = rng.choice(maps)
                key = rng.choice(self.mapkeys[v])
                return f"{v}.{key}" if rng.random() < 0.6 else f'{v}["{key}"]'
        if r < 0.74:
            h = self._helper("int")
            if h is not None:
                return f"{h}({self._args(h, scope, d)})"
        if r < 0.8:
            cs = self._vars("contract", scope)
            if cs:
                v = rng.choice(cs)
                return rng.choice((f"{v}[0]", f"{v}.value"))
        if r < 0.86:
            own = self._vars("int", scope)
            if own:
                return f"-{rng.choice(own)}"
        return rng.choice(('int("17")', "int(3.9)", "int(-2.5)", "int(true)", 'len("héllo")',
                           "len([1, [2, 3]])", "len({a: 1, b: 2})"))

    @staticmethod
    def _paren(text: str) -> str:
        return f"({text})" if " " in text and not text.endswith(")") else text

    def e_text(self, scope: dict[str, str], d: int) -> str:
        rng = self.rng
        own = self._vars("text", scope)
        if own and rng.random() < 0.45:
            return rng.choice(own)
        if d >= 2 or rng.random() < 0.3:
            return '"' + rng.choice(WORDS) + '"'
        r = rng.random()
        if r < 0.35:
            return f"{self.e_text(scope, d + 1)} + {self.e_text(scope, d + 1)}"
        if r < 0.55:
            return f"str({self.e(rng.choice(('int', 'int', 'intarray', 'bool')), scope, d + 1)})"
        if r < 0.65 and own:
            v = rng.choice(own)
            return rng.choice((f"{v}[0]", f"{v}[len({v}) - 1]"))
        if r < 0.75:
            kind = rng.choice(("int", "text", "intarray", "map", "float"))
            return f"type({self.e(kind, scope, d + 1)})"
        if r < 0.85:
            h = self._helper("text")
            if h is not None:
                return f"{h}({self._args(h, scope, d)})"
        maps = [v for v in self._vars("map", scope) if self.mapkeys.get(v)]
        if maps:
            return f"keys({rng.choice(maps)})[0]"
        return '"' + rng.choice(WORDS) + '"'

    def e_intarray(self, scope: dict[str, str], d: int) -> str:
        return self._array(scope, d)[0]

    def _array(self, scope: dict[str, str], d: int) -> tuple[str, int]:
        """An Int array expression and its least length."""
        rng = self.rng
        own = self._vars("intarray", scope)
        if own and rng.random() < 0.35:
            v = rng.choice(own)
            return v, self.minlen.get(v, 0)
        r = rng.random()
        if r < 0.4 or d >= 2:
            n = rng.randint(1, 4)
            return "[" + ", ".join(self.e_int(scope, d + 1) if rng.random() < 0.3 else
                                   str(rng.randint(-5, 20)) for _ in range(n)) + "]", n
        if r < 0.6:
            n = rng.randint(1, 6)
            return f"range({n})", n
        if r < 0.8:
            base, n = self._array(scope, d + 1)
            return f"append({base}, {self.e_int(scope, d + 1)})", n + 1
        if r < 0.9:
            h = self._helper("intarray")
            if h is not None and own:
                v = rng.choice(own)
                return f"rev({v})", self.minlen.get(v, 0)
        base, n = self._array(scope, d + 1)
        return f"{base} + [{rng.randint(0, 9)}]", n + 1

    def e_map(self, scope: dict[str, str], d: int) -> str:
        return self._map(scope, d)[0]

    def _map(self, scope: dict[str, str], d: int) -> tuple[str, tuple[str, ...]]:
        keys = tuple(self.rng.sample(MAP_KEYS, self.rng.randint(1, 3)))
        return "{" + ", ".join(f"{k}: {self.e_int(scope, d + 1)}" for k in keys) + "}", keys

    def e_bool(self, scope: dict[str, str], d: int) -> str:
        rng = self.rng
        own = self._vars("bool", scope)
        if own and rng.random() < 0.3:
            v = rng.choice(own)
            return v if rng.random() < 0.6 else f"!{v}"
        r = rng.random()
        if r < 0.5 or d >= 2:
            op = rng.choice(("<", "<=", ">", ">=", "==", "!="))
            return f"{self.e_int(scope, d + 1)} {op} {self.e_int(scope, d + 1)}"
        if r < 0.7:
            op = rng.choice(("&&", "||"))
            return f"{self.e_bool(scope, d + 1)} {op} {self.e_bool(scope, d + 1)}"
        if r < 0.8:
            texts = self._vars("text", scope)
            if texts:
                return f'{rng.choice(texts)} == "{rng.choice(WORDS)}"'
        if r < 0.9:
            return f"{self.e_int(scope, d + 1)} % 2 == 0"
        return rng.choice(("!0", "!!1", '!""', "![]", "1 == 1.0", "[1, 2] == [1, 2]",
                           "{a: 1, b: 2} == {b: 2, a: 1}", "null == null"))

    def e_float(self, scope: dict[str, str], d: int) -> str:
        rng = self.rng
        own = self._vars("float", scope)
        if own and rng.random() < 0.35:
            return rng.choice(own)
        r = rng.random()
        if r < 0.4:
            return f"float({self.e_int(scope, d + 1)}) / {rng.choice(('2', '4', '5', '8'))}"
        if r < 0.7:
            left = self._paren(self.e_int(scope, d + 1))
            return f"{left} * {rng.choice(('0.5', '1.5', '0.25', '2.0'))}"
        return rng.choice(("1.5 + 2.25", "0.5 * 3", "7.5 - 10", "-2.5", "float(\"1e3\")",
                           "3 / 2.0", "7.0 % 2.5"))

    def e_contract(self, scope: dict[str, str], d: int) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.5:
            return f"{{14: {{@0: {self.e_int(scope, d + 1)}}}}}"
        if r < 0.7 and "wrap" in self.used:
            return f"wrap({self.e_int(scope, d + 1)})"
        return f"contract 14 {{ value: {self.e_int(scope, d + 1)} }}"

    # -- statements -------------------------------------------------------------------------
    def fresh_name(self, kind: str, scope: dict[str, str]) -> str:
        pool = {"int": INT_VARS, "text": TEXT_VARS, "intarray": ARRAY_VARS, "map": MAP_VARS,
                "bool": BOOL_VARS, "float": FLOAT_VARS, "contract": CONTRACT_VARS,
                "handle": HANDLE_VARS}[kind]
        free = [v for v in pool if v not in scope and v not in self.used]
        return self.rng.choice(free) if free else f"{pool[0]}{len(scope)}"

    def declare(self, scope: dict[str, str], kind: str | None = None) -> list[Stmt]:
        rng = self.rng
        kind = kind or rng.choice(("int", "int", "int", "text", "text", "intarray",
                                   "intarray", "map", "bool", "float", "contract"))
        name = self.fresh_name(kind, scope)
        if kind == "intarray":
            text, n = self._array(scope, 0)
            self.minlen[name] = n
        elif kind == "map":
            text, keys = self._map(scope, 0)
            self.mapkeys[name] = keys
        else:
            text = self.e(kind, scope)
        word = "local" if rng.random() < 0.12 else "let"
        scope[name] = kind
        self.touched.append(name)
        return [("l" if word == "local" else "L", f"{word} {name} = {text};")]

    def reassign(self, scope: dict[str, str], inner: dict[str, str] | None = None
                 ) -> Stmt | None:
        """``let v = …;`` for a top-level Int, Text or Int-array variable (kinds unchanged).
        Arrays grow only outside nested loops (so they stay short)."""
        rng = self.rng
        inner = inner if inner is not None else scope
        kinds = ("int", "text", "intarray") if self.loops < 2 else ("int", "text")
        names = [v for v in scope if scope[v] in kinds and v not in self.counters]
        if not names:
            return None
        v = rng.choice(names)
        kind = scope[v]
        self.touched.append(v)
        if kind == "int":
            r = rng.random()
            loopish = [x for x, k in inner.items() if k == "int" and x not in scope]
            if loopish and r < 0.6:
                x = rng.choice(loopish)
                forms = (f"{v} + {x}", f"{v} * 2 + {x}", f"{v} - {x}", f"{v} + {x} * {x}",
                         f"{x} - {v}")
                return ("L", f"let {v} = {rng.choice(forms)};")
            if rng.random() < 0.2:
                return ("L", f"let {v} = {v} * {rng.randint(2, 3)};")
            return ("L", f"let {v} = {v} {rng.choice('+-')} {self.e_int(inner, 1)};")
        if kind == "text":
            loopish = [x for x, k in inner.items() if k in ("int", "text") and x not in scope]
            if loopish and rng.random() < 0.5:
                x = rng.choice(loopish)
                return ("L", f"let {v} = {v} + {x if inner[x] == 'text' else f'str({x})'};")
            return ("L", f"let {v} = {v} + \"{rng.choice(WORDS)}\";")
        return ("L", f"let {v} = append({v}, {self.e_int(inner, 1)});")

    def loop_for(self, scope: dict[str, str], depth: int) -> list[Stmt]:
        rng = self.rng
        inner = dict(scope)
        maps = [v for v in self._vars("map", scope) if self.mapkeys.get(v)]
        if maps and rng.random() < 0.25:
            m = rng.choice(maps)
            x = rng.choice(("k", "key", "name_k"))
            inner[x] = "text"
            texts = self._vars("text", scope)
            if texts:
                body = [("L", f"let {rng.choice(texts)} = {rng.choice(texts)} + {x};")]
            else:
                ints = [v for v in self._vars("int", scope) if v not in self.counters]
                if not ints:
                    return self.declare(scope, "int")
                t = rng.choice(ints)
                body = [("L", f"let {t} = {t} + {m}[{x}];")]
            return [("F", f"for ({x} in {m})", body, None)]
        x = rng.choice([v for v in ("x", "i", "v", "item", "j", "e") if v not in scope]
                       or ["loop_v"])
        inner[x] = "int"
        src = rng.choice(self._vars("intarray", scope) or ["range(4)"]) if rng.random() < 0.5 \
            else self._array(scope, 1)[0]
        self.loops += 1
        body = self.body(scope, inner, depth + 1)
        self.loops -= 1
        return [("F", f"for ({x} in {src})", body, None)]

    def loop_while(self, scope: dict[str, str], depth: int) -> list[Stmt]:
        rng = self.rng
        counter = rng.choice([c for c in ("i", "j", "t", "round") if c not in scope] or ["ctr"])
        scope[counter] = "int"
        self.counters.add(counter)
        inner = dict(scope)
        self.loops += 1
        body = self.body(scope, inner, depth + 1, at_least=1)
        self.loops -= 1
        step = rng.choice((1, 1, 1, 2))
        body.append(("L", f"let {counter} = {counter} + {step};"))
        limit = rng.randint(1, 5) * step
        return [("L", f"let {counter} = 0;"),
                ("W", f"while ({counter} < {limit})", body, None)]

    def branch(self, scope: dict[str, str], depth: int) -> list[Stmt]:
        rng = self.rng
        cond = self.e_bool(scope, 1)
        ints = self._vars("int", scope)
        if ints and rng.random() < 0.25:  # `local` shadows inside the body; `let` writes out
            a = rng.choice(ints)
            others = [v for v in ints if v != a]
            body = [("l", f"local {a} = {rng.randint(50, 99)};")]
            if others:
                b = rng.choice(others)
                body.append(("L", f"let {b} = {a} + 1;"))
                self.touched.append(b)
            return [("I", f"if ({cond})", body, None)]
        body = self.body(scope, dict(scope), depth + 1, at_least=1)
        other = self.body(scope, dict(scope), depth + 1, at_least=1) \
            if rng.random() < 0.5 else None
        return [("I", f"if ({cond})", body, other)]

    def body(self, scope: dict[str, str], inner: dict[str, str], depth: int,
             at_least: int = 1) -> list[Stmt]:
        out: list[Stmt] = []
        for _ in range(max(at_least, self.rng.randint(1, 2))):
            if depth < self.nest and self.rng.random() < 0.25:
                out += (self.branch if self.rng.random() < 0.6 else self.loop_for)(inner, depth)
                continue
            s = self.reassign(scope, inner)
            if s is not None:
                out.append(s)
        return out or [("L", "let unused_tmp = 0;")]

    def pipe(self, scope: dict[str, str]) -> list[Stmt]:
        rng = self.rng
        name = self.fresh_name("int", scope)
        src = self.e_int(scope, 1)
        src = f"({src})" if " " in src else src
        r = rng.random()
        if r < 0.5:
            lam = rng.choice(("(v) { return v * 3 - 1; }", "(v) { return v % 4 + v / 3; }",
                              "(v) { let w = v * v; return w - v; }",
                              "(x) { if (x > 10) { return x - 10; } return x + 10; }"))
            stage = lam
        elif r < 0.75 and [h for h in self.used if HELPERS[h][2] == ("int",)]:
            stage = rng.choice([h for h in self.used if HELPERS[h][2] == ("int",)])
            if HELPERS[stage][3] != "int":
                return []
        else:
            arrays = self._vars("intarray", scope)
            texts = self._vars("text", scope)
            if arrays + texts:
                src = rng.choice(arrays + texts)
                stage = "len"
            else:
                stage = "(v) { return v + 1; }"
        more = " |> (w) { return w * 2; }" if rng.random() < 0.25 else ""
        scope[name] = "int"
        self.touched.append(name)
        return [("P", f"let {name} = {src} |> {stage}{more};")]

    def latent(self, scope: dict[str, str]) -> list[Stmt]:
        rng = self.rng
        h = self.fresh_name("handle", scope)
        kind = rng.choice(("int", "text", "intarray"))
        value = self.e(kind, scope, 1)
        back = self.fresh_name(kind, scope)
        tag = rng.choice(("node", "data", "item"))
        out = [("L", f"let {h} = ls.collapse {tag} {self._paren(value)};")]
        scope[h] = "handle"
        if rng.random() < 0.3:
            out.append(("L", f"let {h} = ls.collapse {tag} {self._paren(value)};"))
        out.append(("L", f"let {back} = ls.resolve {h};"))
        scope[back] = kind
        if kind == "intarray":
            self.minlen[back] = 0
        self.touched.append(back)
        if rng.random() < 0.5:
            cnt = self.fresh_name("int", scope)
            out.append(("L", f"let {cnt} = ls.snapshot.count;"))
            scope[cnt] = "int"
            self.touched.append(cnt)
        return out

    def planted_error(self, scope: dict[str, str]) -> list[Stmt]:
        rng = self.rng
        arrays = self._vars("intarray", scope)
        ints = self._vars("int", scope)
        texts = self._vars("text", scope)
        maps = self._vars("map", scope)
        options = [("L", "let bad = 10 / (3 - 3);"), ("A", "assert(1 > 2);"),
                   ("G", "ls.guard 0;"), ("L", "let bad = ls.resolve &h_missing;"),
                   ("L", 'let bad = int("12a");'), ("L", "let bad = 9223372036854775807 + 1;"),
                   ("L", "let bad = len(5);"), ("L", 'let bad = [1, 2][2];'),
                   ("L", "let bad = true + 1;")]
        if arrays:
            v = rng.choice(arrays)
            options += [("L", f"let bad = {v}[len({v})];"), ("A", f"assert(len({v}) > 99);")]
        if ints:
            v = rng.choice(ints)
            options += [("L", f"let bad = {v} % ({v} - {v});")]
        if texts and ints:
            options.append(("L", f"let bad = {rng.choice(texts)} + {rng.choice(ints)};"))
        if maps:
            options.append(("L", f"let bad = {rng.choice(maps)}.missing;"))
        if rng.random() < 0.15:
            return [("I", "if (true)", [("l", "local tmp = 1;")], None),
                    ("L", "let bad = tmp;")]
        return [rng.choice(options)]

    def _target(self, scope: dict[str, str]) -> list[Stmt]:
        """A declaration of an Int accumulator when no variable could be written in a body."""
        if any(k in ("int", "text", "intarray") and v not in self.counters
               for v, k in scope.items()):
            return []
        return self.declare(scope, "int")

    def statement(self, scope: dict[str, str]) -> list[Stmt]:
        r = self.rng.random()
        if r < 0.38 or len(scope) < 2:
            return self.declare(scope)
        if r < 0.48:
            s = self.reassign(scope)
            return [s] if s is not None else self.declare(scope)
        if r < 0.62:
            return self._target(scope) + self.loop_for(scope, 0)
        if r < 0.72:
            return self._target(scope) + self.loop_while(scope, 0)
        if r < 0.84:
            return self._target(scope) + self.branch(scope, 0)
        if r < 0.92:
            return self.pipe(scope) or self.declare(scope)
        if r < 0.97:
            return self.latent(scope)
        return [("A", f"assert({self.e_bool(scope, 1)});")]

    def returned(self, scope: dict[str, str]) -> Stmt:
        rng = self.rng
        names = [v for v in dict.fromkeys(reversed(self.touched)) if scope.get(v) not in
                 (None, "handle")]
        if not names:
            names = [v for v, k in scope.items() if k != "handle"] or ["0"]
        r = rng.random()
        if r < 0.35 or len(names) == 1:
            return ("R", f"return {names[0]};")
        pick = names[:rng.randint(2, min(3, len(names)))]
        rng.shuffle(pick)
        if r < 0.7:
            return ("R", f"return [{', '.join(pick)}];")
        if r < 0.85:
            return ("R", "return {" + ", ".join(f"{v}: {v}" for v in pick) + "};")
        ints = [v for v in names if scope[v] == "int"]
        if len(ints) >= 2:
            return ("R", f"return {ints[0]} * 2 + {ints[1]};")
        return ("R", f"return [{', '.join(pick)}];")

    # -- the program ------------------------------------------------------------------------
    def program(self) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < self.helper_share:
            self.used = rng.sample(sorted(HELPERS), rng.randint(1, self.max_helpers))
        scope: dict[str, str] = {}
        body: list[Stmt] = []
        n = rng.randint(max(1, self.size // 2), self.size)
        seams = [(0, {})]  # (index in body, the variables bound there)
        for _ in range(n):
            body += self.statement(scope)
            seams.append((len(body), dict(scope)))
        if self.errors and rng.random() < self.errors:
            at, known = rng.choice(seams[len(seams) // 2:])
            body[at:at] = self.planted_error(known)
        body.append(self.returned(scope))
        self.main_body = body
        self.blocks = [(f"block {h}({', '.join(HELPERS[h][0])})", [*HELPERS[h][1]])
                       for h in self.used]
        self.name = rng.choice(PROGRAMS)
        return self.render_with(body), self.shape_of(body)

    def render_with(self, body: list[Stmt]) -> str:
        """The program with ``body`` as the body of ``main``."""
        return self.render([], self.name, self.blocks + [("block main()", body)])

    def shape_of(self, body: list[Stmt]) -> str:
        helpers = ",".join(sorted(self.used))
        shape = f"calc:{helpers}:[{_shape(body)}]"
        basic = not self.used and len(body) <= 2 and all(len(s) == 2 for s in body)
        return "~" + shape if basic else shape
