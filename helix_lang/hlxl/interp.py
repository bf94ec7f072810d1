"""The HLXL / HLX interpreter (HLX-SPEC §10.4–§10.8).

>>> run("program p { block main() { return [7 / 2, -7 / 2, 7 % 3, -7 % 3, 7 % -3]; } }")
(3, -4, 1, 2, -2)
>>> it = Interpreter("latent table t; program p { block main() using t "
...                  "{ return ls.collapse n 123; } }")
>>> it.run()
Handle('n_ea113457051ca7b6')
>>> it.snapshot("t"), it.table("t"), it.steps
({'count': 1, 'handles': (Handle('n_ea113457051ca7b6'),)}, {'n_ea113457051ca7b6': 123}, 3)

Design
------
The program is loaded once (:func:`helix_lang.hlxl.parser.load`) and each block is *compiled* into
Python closures: one pass over the AST, one ``match`` case per node kind, produces a closure per
node that evaluates it (``fn(env) -> value``; statements return ``None`` or ``(value,)`` for
``return``).  Running a program then never looks at the AST again, which makes the evaluator
several times faster than dispatching on node types at run time.  Hot operator/operand shapes
(``i < n``, ``i + 1``) get specialised closures with an Int fast path (generated once from source
templates, :func:`_binary_factory`).

Environments.  A frame is a Python list of scope dicts, ``env[0]`` being the function scope
(parameters); a nested body that contains ``local`` statements pushes a fresh dict each time it
runs, a ``for`` body pushes one holding the loop variable per iteration.  Bodies without ``local``
push nothing: their scope could never hold a binding (``let`` binds in an existing scope of the
frame or in the function scope, §10.4).  Names that no ``local``/``for`` of the frame can bind live
only in the function scope, so their reads and ``let`` s are a single dict operation.  A lambda
frame keeps the frame it appears in under the key :data:`OUTER` of its function scope (not an
identifier, so no program can see it) and looks there after its own scopes; block frames have no
outer frame.

Steps (the ``max_steps`` bound, ``E_STEP_LIMIT``).  A step is one statement or one expression node.
They are charged per body run: when a body starts it is charged its direct statements and their
expression nodes (nested bodies and lambda bodies are charged when they run); a ``while``
condition is charged each time it is evaluated; ``range(n)`` additionally costs ``n`` steps.
Counts are static, so short-circuited operands and statements after a ``return`` count too.
``let i = 0; while (i < 1000000) { let i = i + 1; }`` costs 7 steps per iteration (condition:
``<``, ``i``, ``1000000``; body: ``let``, ``+``, ``i``, ``1``).

Python recursion.  The evaluator recurses over the expression tree.  Left-nested operator chains
(``1 + 1 + … + 1``), unary chains (``- - ! x``) and postfix/pipeline chains (``a[0][1].b |> f``)
longer than :data:`CHAIN` are evaluated by loops instead, so the Python depth is essentially the
bracket depth (≤ 256, §10.1) times the call depth (≤ 64); only chains of ``ls.`` prefix operators
and ``else if`` chains still recurse once per link.  Loading, compiling and running happen on a
helper thread with a large stack (:data:`THREAD_STACK`) and a recursion limit raised to
:data:`RECURSION_LIMIT` for the time of the run; a ``RecursionError`` that still happens becomes
``E_DEPTH_EXCEEDED`` (never a host exception).  An :class:`Interpreter` runs one call at a time.

Positions.  Every runtime error carries the line/column of the offending token: the operator
(binary, unary, ``ls.`` operators, the ``[`` of an index, ``|>`` for lambda depth errors), the name
of a call, stage, variable or member, the opening bracket of a too-deep literal, the iterated
expression of ``for``, the keyword of ``assert``/``ls.guard``; ``E_STEP_LIMIT`` the loop, call or
body being charged.  For ``track="hlx"`` positions (start and end) are mapped back to HLX
coordinates.
"""

from __future__ import annotations

import math
import re
import sys
import threading
from typing import Any, Callable

from blake3 import blake3

from .. import ast as A
from ..contracts import REGISTRY, validate
from ..errors import HLXError
from ..formats import lcb
from ..formats.hlxl import dump as dump_hlxl
from ..hashing import fingerprint
from ..store import DEFAULT_TABLE, MISSING, LatentStore, MemoryStore
from ..translit import translit
from ..values import INT_MAX, INT_MIN, MAX_DEPTH, Contract, Handle, equal, kind, make, nfc
from ..values import depth as value_depth
from .parser import BUILTINS, load

__all__ = ["run", "Interpreter", "OUTER", "DEFAULT_MAX_STEPS", "DEFAULT_MAX_DEPTH", "CHAIN",
           "truthy"]

DEFAULT_MAX_STEPS = 10_000_000
DEFAULT_MAX_DEPTH = 64
#: Results of `+` and `append` longer than COPY_FREE cost one extra step per 2**COPY_SHIFT
#: elements (characters, bytes) copied.
COPY_FREE = 64
COPY_SHIFT = 4
#: Largest number of nodes (elements of all nesting levels, shared sub-values counted each time)
#: a value built by a program may have.
MAX_NODES = 1 << 22
#: Operator chains longer than this are evaluated iteratively (no Python recursion).
CHAIN = 16
#: Key of a lambda frame's function scope that holds the frame the lambda appears in.
OUTER = " outer"
#: Stack size of the helper thread that runs programs, and the recursion limit during runs.
THREAD_STACK = 512 * 1024 * 1024
RECURSION_LIMIT = 250_000

_INT_RE = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)")
_CONTAINERS = (tuple, dict, Contract)
_NUM = (int, float)


# ============================================================================ errors


def _err(code: str, message: str, span: A.Span | None) -> HLXError:
    if span is None or span.line == 0:
        return HLXError(code, message)
    return HLXError(code, message, line=span.line, column=span.column, end_line=span.end_line,
                    end_column=span.end_column)


def _mismatch(what: str, span: A.Span | None, *vals: Any) -> HLXError:
    kinds = ", ".join(kind(v) for v in vals)
    return _err("E_TYPE_MISMATCH", f"{what} does not accept ({kinds})", span)


# ============================================================================ value helpers


def truthy(v: Any) -> bool:
    """Truthiness of §10.4: null, false, 0, 0.0, empty text/bytes/array/map/contract are falsy."""
    if v is True:
        return True
    if v is False or v is None:
        return False
    if type(v) is Contract:
        return bool(v.fields)
    return bool(v)  # int, float, str, bytes, tuple, dict; a Handle is always truthy


def _fcheck(x: float, span: A.Span | None) -> float:
    if x - x != 0.0:  # inf or nan
        raise _err("E_FLOAT_SPECIAL", f"the result `{x}` is not a finite Float", span)
    return 0.0 if x == 0.0 else x


def _overflow(r: int, span: A.Span | None) -> HLXError:
    return _err("E_INT_OVERFLOW", f"the result {r} is outside int64", span)


def arith(op: str, a: Any, b: Any, span: A.Span | None = None) -> Any:
    """``a op b`` for ``+ - * / %`` with every rule of §10.6."""
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        if op == "+":
            r = a + b
        elif op == "-":
            r = a - b
        elif op == "*":
            r = a * b
        elif b == 0:
            raise _err("E_DIV_ZERO", f"`{op}` by zero", span)
        elif op == "/":
            r = a // b
        else:
            r = a % b
        if INT_MIN <= r <= INT_MAX:
            return r
        raise _overflow(r, span)
    if (ta is int or ta is float) and (tb is int or tb is float):
        x, y = float(a), float(b)
        if op == "+":
            r = x + y
        elif op == "-":
            r = x - y
        elif op == "*":
            r = x * y
        elif y == 0.0:
            raise _err("E_DIV_ZERO", f"`{op}` by zero", span)
        elif op == "/":
            r = x / y
        else:
            r = math.fmod(x, y)
            if r != 0.0 and (r < 0.0) != (y < 0.0):
                r += y
        return _fcheck(r, span)
    if op == "+" and ta is tb:
        if ta is str:
            return nfc(a + b)
        if ta is bytes or ta is tuple:
            return a + b
    raise _mismatch(f"`{op}`", span, a, b)


_CMP = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b}


def compare(op: str, a: Any, b: Any, span: A.Span | None = None) -> bool:
    """``a op b`` for ``< <= > >=``: numbers (exact, mixed allowed) or Text, Text."""
    ta, tb = type(a), type(b)
    if ((ta is int or ta is float) and (tb is int or tb is float)) or (ta is str and tb is str):
        return _CMP[op](a, b)  # Python compares int and float exactly
    raise _mismatch(f"`{op}`", span, a, b)


def _eq(a: Any, b: Any) -> bool:
    ta = type(a)
    if ta is type(b) and (ta is int or ta is str):
        return a == b
    return equal(a, b)


def binop(op: str, a: Any, b: Any, span: A.Span | None = None) -> Any:
    """Any non-short-circuit binary operator of §10.6."""
    if op in ("+", "-", "*", "/", "%"):
        return arith(op, a, b, span)
    if op == "==":
        return _eq(a, b)
    if op == "!=":
        return not _eq(a, b)
    return compare(op, a, b, span)


def negate(a: Any, span: A.Span | None = None) -> Any:
    t = type(a)
    if t is int:
        if a == INT_MIN:
            raise _overflow(-a, span)
        return -a
    if t is float:
        return 0.0 if a == 0.0 else -a
    raise _mismatch("unary `-`", span, a)


# ============================================================================ builtins


def _b_len(v: Any, span: A.Span | None) -> int:
    t = type(v)
    if t is str or t is bytes or t is tuple or t is dict:
        return len(v)
    if t is Contract:
        return len(v.fields)
    raise _mismatch("`len`", span, v)


def _b_type(v: Any, span: A.Span | None) -> str:
    return kind(v)


def _b_str(v: Any, span: A.Span | None) -> str:
    return v if type(v) is str else dump_hlxl(v)


def _b_int(v: Any, span: A.Span | None) -> int:
    t = type(v)
    if t is int:
        return v
    if t is bool:
        return 1 if v else 0
    if t is float:
        r = math.trunc(v)
    elif t is str and _INT_RE.fullmatch(v):
        if len(v) > 20:  # int() refuses very long digit strings; int64 needs at most 19 digits
            raise _err("E_INT_OVERFLOW", f"`{v[:24]}…` is outside int64", span)
        r = int(v)
    else:
        raise _mismatch("`int`", span, v)
    if INT_MIN <= r <= INT_MAX:
        return r
    raise _overflow(r, span)


def _b_float(v: Any, span: A.Span | None) -> float:
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    if t is bool:
        return 1.0 if v else 0.0
    if t is str and (_INT_RE.fullmatch(v) or _FLOAT_RE.fullmatch(v)):
        return _fcheck(float(v), span)
    raise _mismatch("`float`", span, v)


def _b_keys(v: Any, span: A.Span | None) -> tuple:
    if type(v) is dict:
        return tuple(sorted(v))
    raise _mismatch("`keys`", span, v)


# ``append`` and ``range`` need the run state (depth check, step charge): see _Compiler.builtin.
_PURE_BUILTINS: dict[str, Callable[[Any, A.Span | None], Any]] = {
    "len": _b_len, "type": _b_type, "str": _b_str, "int": _b_int, "float": _b_float,
    "keys": _b_keys,
}


# ============================================================================ run state


class _Interrupted(KeyboardInterrupt):
    """Raised inside a run when the host interrupted it (Ctrl-C while waiting)."""


class _State:
    """Mutable state of the run in progress, shared by every compiled closure."""

    __slots__ = ("rem", "depth", "max_depth", "max_steps", "store", "cancelled", "dcache")

    def __init__(self, store: LatentStore, max_steps: int | None, max_depth: int) -> None:
        self.store = store
        self.max_steps = max_steps
        self.max_depth = max_depth
        self.rem = 0
        self.depth = 0
        self.cancelled = False
        self.dcache: dict[int, tuple[Any, int]] = {}

    def reset(self) -> None:
        self.rem = (1 << 62) if self.max_steps is None else self.max_steps
        self.depth = 0
        self.cancelled = False
        self.dcache.clear()

    def exhausted(self, span: A.Span | None) -> None:
        if self.cancelled:
            raise _Interrupted()
        raise _err("E_STEP_LIMIT", f"the step limit of {self.max_steps} was reached", span)

    def measure(self, v: Any) -> tuple[int, int]:
        """(depth of §1.2, number of nodes) of a container value, memoised per object for the
        duration of the run.

        Shared sub-values are measured once, so values built by repeated self-nesting
        (``let s = append(s, s);``) cost the number of distinct objects, not of tree nodes.
        """
        cache = self.dcache
        hit = cache.get(id(v))
        if hit is not None and hit[0] is v:
            return hit[1], hit[2]
        if len(cache) >= 1 << 16:
            cache.clear()
        stack = [(v, False)]
        while stack:
            node, ready = stack.pop()
            h = cache.get(id(node))
            if h is not None and h[0] is node:
                continue
            t = type(node)
            kids = node.values() if t is dict else node.fields.values() if t is Contract else node
            if ready:
                depth, size = 0, 1 + len(kids)
                for c in kids:
                    if type(c) in _CONTAINERS:
                        _, d, n = cache[id(c)]
                        depth = d if d > depth else depth
                        size += n - 1
                cache[id(node)] = (node, depth + 1, size)
            else:
                stack.append((node, True))
                stack.extend((c, False) for c in kids if type(c) in _CONTAINERS)
        _, d, n = cache[id(v)]
        return d, n

    def container_depth(self, v: Any) -> int:
        return self.measure(v)[0]

    def check_size(self, parts: Any, span: A.Span | None) -> None:
        """``E_STEP_LIMIT`` when a value being built would have more than MAX_NODES nodes in
        all (shared sub-values counted each time they occur): printing, comparing or hashing
        it would otherwise take unbounded time (§10.4 leaves resource bounds to the host)."""
        total = 1
        for c in parts:
            total += self.measure(c)[1] if type(c) in _CONTAINERS else 1
        if total > MAX_NODES:
            raise _err("E_STEP_LIMIT", f"the value would have more than {MAX_NODES:,} elements "
                       f"in all (a resource bound of this host)", span)


class _BlockFn:
    """A compiled block: parameters, the body closure and its step cost."""

    __slots__ = ("name", "params", "body", "cost", "node")

    def __init__(self, node: A.Block) -> None:
        self.node = node
        self.name = node.name.text
        self.params = tuple(p.text for p in node.params)
        self.body: Callable = None  # type: ignore[assignment]
        self.cost = 0


class _Ctx:
    """Static context of the code being compiled."""

    __slots__ = ("table", "lam", "inner")

    def __init__(self, table: str, lam: bool, inner: frozenset) -> None:
        self.table = table  # the active table
        self.lam = lam  # inside a lambda frame
        self.inner = inner  # names a `local`/`for` of this frame may bind off the function scope


# ============================================================================ static helpers

_NESTED_BODY_FIELDS = {A.If: ("then", "orelse"), A.While: ("body",), A.For: ("body",),
                       A.Transaction: ("body",)}


def _expr_cost(e: Any) -> int:
    """Number of expression nodes of ``e`` (lambda bodies excluded)."""
    n = 0
    stack = [e]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is A.Name or x is None:
            continue
        if t is A.MapEntry or t is A.FieldEntry:
            stack.append(x.value)
            continue
        if t is A.Lambda:
            continue
        n += 1
        if t is A.Binary:
            stack.append(x.left)
            stack.append(x.right)
        elif t is A.Unary or t is A.LsCollapse or t is A.LsResolve or t is A.LsFingerprint \
                or t is A.LsValidate:
            stack.append(x.operand)
        elif t is A.Index:
            stack.append(x.target)
            stack.append(x.index)
        elif t is A.Member:
            stack.append(x.target)
        elif t is A.Pipe:
            stack.append(x.value)
        elif t is A.Call or t is A.ArrayExpr:
            stack.extend(x.args if t is A.Call else x.items)
        elif t is A.MapExpr or t is A.ContractExpr:
            stack.extend(x.entries)
    return n


def _stmt_cost(s: Any) -> int:
    t = type(s)
    if t is A.Let or t is A.Return:
        return 1 + (_expr_cost(s.value) if s.value is not None else 0)
    if t is A.If or t is A.Assert or t is A.Guard:
        return 1 + _expr_cost(s.cond)
    if t is A.For:
        return 1 + _expr_cost(s.iterable)
    if t is A.ExprStmt:
        return 1 + _expr_cost(s.expr)
    return 1  # While (condition charged per evaluation), Transaction


def _body_cost(body: A.Body) -> int:
    return sum(_stmt_cost(s) for s in body.stmts)


def _inner_names(body: A.Body) -> frozenset:
    """Names that ``local`` statements of nested bodies or ``for`` loops of this frame bind."""
    names: set[str] = set()
    stack = [(body, True)]
    while stack:
        b, top = stack.pop()
        if b is None:
            continue
        if type(b) is A.If:  # an `else if`
            stack.append((b.then, False))
            stack.append((b.orelse, False))
            continue
        for s in b.stmts:
            t = type(s)
            if t is A.Let and s.local and not top:
                names.add(s.name.text)
            elif t is A.For:
                names.add(s.var.text)
            for f in _NESTED_BODY_FIELDS.get(t, ()):
                stack.append((getattr(s, f), False))
    return frozenset(names)


def _has_local(body: A.Body) -> bool:
    return any(type(s) is A.Let and s.local for s in body.stmts)


# ============================================================================ specialised binaries

_FAST_OPS = ("+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=")
_FACTORIES: dict[tuple, Callable] = {}


def _binary_factory(op: str, lk: str, rk: str, lint: bool, rint: bool) -> Callable:
    """A factory of closures for ``a op b`` with operand shapes ``lk``/``rk``: ``c`` constant,
    ``v`` function-scope variable of a block frame, ``f`` any closure; ``lint``/``rint`` tell
    that the operand is a constant Int (its type test is skipped)."""
    key = (op, lk, rk, lint, rint)
    fac = _FACTORIES.get(key)
    if fac is not None:
        return fac
    lines = ["def factory(L, R, lc, rc, ln, rn, ul, ur, slow, span):", "    def f(env):"]
    for var, k, fn, c, n, u in (("a", lk, "L", "lc", "ln", "ul"), ("b", rk, "R", "rc", "rn", "ur")):
        if k == "c":
            lines.append(f"        {var} = {c}")
        elif k == "v":
            lines += ["        try:", f"            {var} = env[0][{n}]",
                      "        except KeyError:", f"            {u}()"]
        else:
            lines.append(f"        {var} = {fn}(env)")
    tests = [t for t, skip in (("type(a) is int", lint), ("type(b) is int", rint)) if not skip]
    cond = " and ".join(tests) or "True"
    lo, hi = INT_MIN, INT_MAX
    if op in ("+", "-", "*"):
        lines += [f"        if {cond}:", f"            r = a {op} b",
                  f"            if {lo} <= r <= {hi}:", "                return r"]
    elif op == "/":
        lines += [f"        if {cond} and b > 0:", "            return a // b"]
    elif op == "%":
        lines += [f"        if {cond} and b > 0:", "            return a % b"]
    elif op in ("<", "<=", ">", ">="):
        lines += [f"        if {cond}:", f"            return a {op} b"]
    else:  # == !=
        py = "==" if op == "==" else "!="
        lines += ["        ta = type(a)", "        if ta is type(b) and (ta is int or ta is str):",
                  f"            return a {py} b"]
    lines += ["        return slow(a, b, span)", "    return f"]
    ns: dict[str, Any] = {}
    exec("\n".join(lines), ns)  # noqa: S102 - fixed templates, no program text
    fac = _FACTORIES[key] = ns["factory"]
    return fac


def _slow_for(op: str) -> Callable:
    if op in ("+", "-", "*", "/", "%"):
        return lambda a, b, span: arith(op, a, b, span)
    if op == "==":
        return lambda a, b, span: equal(a, b)
    if op == "!=":
        return lambda a, b, span: not equal(a, b)
    return lambda a, b, span: compare(op, a, b, span)


_SLOW = {op: _slow_for(op) for op in _FAST_OPS}


# ============================================================================ compiler


class _Compiler:
    """Turns the AST of a loaded program into closures (one ``match`` case per node kind)."""

    def __init__(self, f: A.File, st: _State) -> None:
        self.st = st
        self.tables = {t.name.text for t in f.tables}
        self.blocks: dict[str, _BlockFn] = {b.name.text: _BlockFn(b) for b in f.program.blocks}
        for bf in self.blocks.values():
            b = bf.node
            ctx = _Ctx(b.using.text if b.using else DEFAULT_TABLE, False, _inner_names(b.body))
            bf.body = self.body(b.body, ctx, scope=False)
            bf.cost = _body_cost(b.body)

    # ------------------------------------------------------------------ bodies and statements
    def body(self, body: A.Body, ctx: _Ctx, *, scope: bool) -> Callable:
        """A closure running the statements of ``body`` (not charging steps).  ``scope``: push a
        fresh scope when the body has ``local`` statements."""
        stmts = tuple(self.stmt(s, ctx) for s in body.stmts)
        push = scope and _has_local(body)
        if push:
            def run_scoped(env):
                env.append({})
                for s in stmts:
                    r = s(env)
                    if r is not None:
                        env.pop()
                        return r
                env.pop()
                return None
            return run_scoped
        if not stmts:
            return lambda env: None
        if len(stmts) == 1:
            return stmts[0]
        if len(stmts) == 2:
            s0, s1 = stmts

            def run2(env):
                r = s0(env)
                if r is not None:
                    return r
                return s1(env)
            return run2

        def run(env):
            for s in stmts:
                r = s(env)
                if r is not None:
                    return r
            return None
        return run

    def charged(self, fn: Callable, cost: int, span: A.Span) -> Callable:
        st = self.st

        def run(env):
            r = st.rem - cost
            st.rem = r
            if r < 0:
                st.exhausted(span)
            return fn(env)
        return run

    def stmt(self, s: Any, ctx: _Ctx) -> Callable:
        st = self.st
        match s:
            case A.Let(name=name, value=value, local=local):
                x = name.text
                V = self.expr(value, ctx)
                if local:
                    def let_local(env):
                        env[-1][x] = V(env)
                    return let_local
                if x not in ctx.inner:
                    def let_fn(env):
                        env[0][x] = V(env)
                    return let_fn

                def let_search(env):
                    v = V(env)
                    for d in reversed(env):
                        if x in d:
                            d[x] = v
                            return None
                    env[0][x] = v
                    return None
                return let_search
            case A.Return(value=value):
                if value is None:
                    return lambda env: (None,)
                V = self.expr(value, ctx)
                return lambda env: (V(env),)
            case A.ExprStmt(expr=e):
                E = self.expr(e, ctx)

                def expr_stmt(env):
                    E(env)
                return expr_stmt
            case A.If():
                return self.if_stmt(s, ctx)
            case A.While(cond=cond, body=body, span=span):
                C = self.expr(cond, ctx)
                B = self.body(body, ctx, scope=True)
                cost = _expr_cost(cond) + _body_cost(body)

                def while_(env):
                    while True:
                        r = st.rem - cost
                        st.rem = r
                        if r < 0:
                            st.exhausted(span)
                        c = C(env)
                        if c is not True and (c is False or not truthy(c)):
                            return None
                        r = B(env)
                        if r is not None:
                            return r
                return while_
            case A.For(var=var, iterable=it, body=body):
                x = var.text
                I = self.expr(it, ctx)
                B = self.body(body, ctx, scope=False)  # the loop scope below takes its locals
                cost = _body_cost(body)
                ispan = it.span

                def for_(env):
                    seq = I(env)
                    t = type(seq)
                    if t is dict:
                        seq = sorted(seq)
                    elif t is not tuple:
                        raise _err("E_TYPE_MISMATCH",
                                   f"`for` iterates over an array or a map, not {kind(seq)}", ispan)
                    env.append(None)
                    for item in seq:
                        r = st.rem - cost
                        st.rem = r
                        if r < 0:
                            st.exhausted(ispan)
                        env[-1] = {x: item}
                        r = B(env)
                        if r is not None:
                            env.pop()
                            return r
                    env.pop()
                    return None
                return for_
            case A.Assert(cond=cond, span=span):
                C = self.expr(cond, ctx)

                def assert_(env):
                    if not truthy(C(env)):
                        raise _err("E_ASSERT_FAILED", "assertion failed", span)
                return assert_
            case A.Guard(cond=cond, span=span):
                C = self.expr(cond, ctx)

                def guard(env):
                    if not truthy(C(env)):
                        raise _err("E_GUARD_FAILED", "`ls.guard` expression is falsy", span)
                return guard
            case A.Transaction(body=body, span=span):
                B = self.charged(self.body(body, ctx, scope=True), _body_cost(body), span)

                def transaction(env):
                    store = st.store
                    store.begin()
                    try:
                        r = B(env)
                    except BaseException:
                        store.rollback()
                        raise
                    store.commit()
                    return r
                return transaction
        raise TypeError(f"not a statement: {type(s).__name__}")  # pragma: no cover

    def if_stmt(self, s: A.If, ctx: _Ctx) -> Callable:
        st = self.st
        C = self.expr(s.cond, ctx)
        T = self.body(s.then, ctx, scope=True)
        tcost = _body_cost(s.then)
        span = s.span
        if s.orelse is None:
            E, ecost = None, 0
        elif type(s.orelse) is A.If:
            E, ecost = self.if_stmt(s.orelse, ctx), _stmt_cost(s.orelse)
        else:
            E, ecost = self.body(s.orelse, ctx, scope=True), _body_cost(s.orelse)

        def if_(env):
            c = C(env)
            if c is True or (c is not False and truthy(c)):
                r = st.rem - tcost
                st.rem = r
                if r < 0:
                    st.exhausted(span)
                return T(env)
            if E is not None:
                r = st.rem - ecost
                st.rem = r
                if r < 0:
                    st.exhausted(span)
                return E(env)
            return None
        return if_

    # ------------------------------------------------------------------ expressions
    def operand(self, e: Any, ctx: _Ctx) -> tuple[str, Any]:
        """Classify an operand: ``("c", value)``, ``("v", name)`` or ``("f", closure)``."""
        c = self.const(e)
        if c is not _NOCONST:
            return "c", c
        if type(e) is A.Var and not ctx.lam and e.name.text not in ctx.inner:
            return "v", e.name.text
        return "f", self.expr(e, ctx)

    def const(self, e: Any) -> Any:
        """The value of a constant expression (literals, ``-`` of numbers, arrays of constants)."""
        t = type(e)
        if t is A.Literal:
            return e.value
        if t is A.Unary and type(e.operand) is A.Literal:
            v = e.operand.value
            if e.op == "-" and type(v) in _NUM:
                return 0.0 if v == 0.0 and type(v) is float else -v
            if e.op == "!":
                return not truthy(v)
        if t is A.ArrayExpr and len(e.items) <= 64:
            items = []
            for x in e.items:
                c = self.const(x)
                if c is _NOCONST or (type(c) in _CONTAINERS and value_depth(c) >= MAX_DEPTH):
                    return _NOCONST
                items.append(c)
            return tuple(items)
        return _NOCONST

    def undefined(self, name: A.Name) -> Callable:
        span = name.span
        text = name.text

        def raise_undefined():
            raise _err("E_UNDEFINED_NAME", f"`{text}` is not defined here", span)
        return raise_undefined

    def expr(self, e: Any, ctx: _Ctx) -> Callable:
        c = self.const(e)
        if c is not _NOCONST:
            return lambda env: c
        st = self.st
        match e:
            case A.Var(name=name):
                return self.var(name, ctx)
            case A.Binary():
                return self.binary(e, ctx)
            case A.Unary():
                return self.unary(e, ctx)
            case A.ArrayExpr(items=items, span=span):
                fns = tuple(self.expr(x, ctx) for x in items)
                return self.container(lambda vals: tuple(vals), fns, span)
            case A.MapExpr(entries=entries, span=span):
                keys = tuple(en.key for en in entries)
                fns = tuple(self.expr(en.value, ctx) for en in entries)
                return self.container(lambda vals: dict(zip(keys, vals)), fns, span)
            case A.ContractExpr(id=cid, entries=entries, span=span):
                idx = tuple(en.index for en in entries)
                fns = tuple(self.expr(en.value, ctx) for en in entries)
                return self.container(lambda vals: Contract(cid, dict(zip(idx, vals))), fns, span)
            case A.Call(name=name, args=args):
                return self.call(name, tuple(self.expr(a, ctx) for a in args))
            case A.Index() | A.Member() | A.Pipe():
                return self.postfix(e, ctx)
            case A.LsCollapse(table=table, tag=tag, operand=operand, op_span=span):
                tname = table.text if table is not None else ctx.table
                tg = tag.text
                V = self.expr(operand, ctx)

                def collapse(env):
                    v = V(env)
                    data = lcb.encode(v)
                    name = f"{tg}_{blake3(data).hexdigest()[:16]}"
                    st.store.put_if_absent(tname, name, v, data)
                    return Handle(name)
                return collapse
            case A.LsResolve(table=table, operand=operand, op_span=span):
                tname = table.text if table is not None else ctx.table
                V = self.expr(operand, ctx)

                def resolve(env):
                    h = V(env)
                    if type(h) is not Handle:
                        raise _mismatch("`ls.resolve`", span, h)
                    v = st.store.get(tname, h.name)
                    if v is MISSING:
                        where = f"table `{tname}`" if tname else "the default table"
                        raise _err("E_HANDLE_NOT_FOUND", f"&h_{h.name} is not in {where}", span)
                    return v
                return resolve
            case A.LsSnapshot(table=table):
                tname = table.text if table is not None else ctx.table

                def snapshot(env):
                    count, names = st.store.snapshot(tname)
                    return {"count": count, "handles": tuple(Handle(n) for n in names)}
                return snapshot
            case A.LsFingerprint(operand=operand):
                V = self.expr(operand, ctx)
                return lambda env: fingerprint(V(env))
            case A.LsValidate(operand=operand):
                V = self.expr(operand, ctx)
                return lambda env: not validate(V(env))
        raise TypeError(f"not an expression: {type(e).__name__}")  # pragma: no cover

    def var(self, name: A.Name, ctx: _Ctx) -> Callable:
        x = name.text
        undefined = self.undefined(name)
        if not ctx.lam:
            if x not in ctx.inner:
                def fvar(env):
                    try:
                        return env[0][x]
                    except KeyError:
                        undefined()
                return fvar

            def svar(env):
                for d in reversed(env):
                    if x in d:
                        return d[x]
                undefined()
            return svar

        def lvar(env):  # a lambda frame, then the frames around it
            while True:
                for d in reversed(env):
                    if x in d:
                        return d[x]
                env = env[0].get(OUTER)
                if env is None:
                    undefined()
        return lvar

    def container(self, build: Callable, fns: tuple, span: A.Span) -> Callable:
        st = self.st

        def make(env):
            vals = [f(env) for f in fns]
            for v in vals:
                if type(v) in _CONTAINERS and st.container_depth(v) >= MAX_DEPTH:
                    raise _err("E_DEPTH_EXCEEDED",
                               f"the value would be nested deeper than {MAX_DEPTH}", span)
            if len(vals) > 1:
                st.check_size(vals, span)
            return build(vals)
        return make

    def unary(self, e: A.Unary, ctx: _Ctx) -> Callable:
        ops = []  # outermost first
        while type(e) is A.Unary and self.const(e) is _NOCONST:
            ops.append((e.op, e.op_span))
            e = e.operand
        X = self.expr(e, ctx)
        if len(ops) == 1:
            op, span = ops[0]
            if op == "!":
                return lambda env: not truthy(X(env))

            def neg(env):
                a = X(env)
                if type(a) is int and a != INT_MIN:
                    return -a
                return negate(a, span)
            return neg
        ops.reverse()

        def chain(env):
            a = X(env)
            for op, span in ops:
                a = (not truthy(a)) if op == "!" else negate(a, span)
            return a
        return chain

    def binary(self, e: A.Binary, ctx: _Ctx) -> Callable:
        spine = []  # (op, right, op_span), innermost first after reversal
        x = e
        while type(x) is A.Binary and self.const(x) is _NOCONST:
            spine.append(x)
            x = x.left
        if len(spine) > CHAIN:
            return self.binary_chain(x, spine[::-1], ctx)
        op, span = e.op, e.op_span
        if op == "&&" or op == "||":
            L = self.expr(e.left, ctx)
            R = self.expr(e.right, ctx)
            if op == "&&":
                return lambda env: truthy(L(env)) and truthy(R(env))
            return lambda env: truthy(L(env)) or truthy(R(env))
        lk, lv = self.operand(e.left, ctx)
        rk, rv = self.operand(e.right, ctx)
        if lk == "c" and rk == "c":  # e.g. `1 / 0`: keep the error at run time
            return lambda env: binop(op, lv, rv, span)
        fac = _binary_factory(op, lk, rk, lk == "c" and type(lv) is int,
                              rk == "c" and type(rv) is int)
        ul = self.undefined(e.left.name) if lk == "v" else None
        ur = self.undefined(e.right.name) if rk == "v" else None
        return fac(lv if lk == "f" else None, rv if rk == "f" else None,
                   lv if lk == "c" else None, rv if rk == "c" else None,
                   lv if lk == "v" else None, rv if rk == "v" else None,
                   ul, ur, self.charged_plus() if op == "+" else _SLOW[op], span)

    def charged_plus(self) -> Callable:
        """``+`` that charges one step per 16 elements of a long Text, Bytes or Array result,
        so that the step bound also bounds the memory and time spent copying (§10.4 leaves
        steps to the host; without this a doubling loop exhausts memory in a few dozen steps)."""
        st = self.st

        def plus(a, b, span):
            r = arith("+", a, b, span)
            t = type(r)
            if t is tuple:
                st.check_size((a, b), span)
            if (t is str or t is bytes or t is tuple) and len(r) > COPY_FREE:
                rem = st.rem - (len(r) >> COPY_SHIFT)
                st.rem = rem
                if rem < 0:
                    st.exhausted(span)
            return r
        return plus

    def binary_chain(self, base: Any, spine: list, ctx: _Ctx) -> Callable:
        """A long left-nested chain ``((b op r1) op r2) …`` evaluated by a loop."""
        B = self.expr(base, ctx)
        steps = tuple((n.op, self.expr(n.right, ctx), n.op_span) for n in spine)
        plus = self.charged_plus()

        def chain(env):
            a = B(env)
            for op, R, span in steps:
                if op == "&&":
                    a = truthy(R(env)) if truthy(a) else False
                elif op == "||":
                    a = True if truthy(a) else truthy(R(env))
                elif op == "+":
                    a = plus(a, R(env), span)
                else:
                    a = binop(op, a, R(env), span)
            return a
        return chain

    # ------------------------------------------------------------------ postfix and pipelines
    def postfix(self, e: Any, ctx: _Ctx) -> Callable:
        chain = []  # outermost first
        while type(e) in (A.Index, A.Member, A.Pipe) and self.const(e) is _NOCONST:
            chain.append(e)
            e = e.target if type(e) is not A.Pipe else e.value
        X = self.expr(e, ctx)
        ops = [self.postfix_op(n, ctx) for n in reversed(chain)]
        if len(ops) == 1:
            op = ops[0]
            return lambda env: op(X(env), env)
        if len(ops) <= CHAIN:
            fn = X
            for op in ops:
                fn = (lambda f, o: lambda env: o(f(env), env))(fn, op)
            return fn
        ops_t = tuple(ops)

        def run_chain(env):
            a = X(env)
            for op in ops_t:
                a = op(a, env)
            return a
        return run_chain

    def postfix_op(self, n: Any, ctx: _Ctx) -> Callable:
        """A closure ``op(value, env)`` applying one ``[i]``, ``.name`` or ``|> stage``."""
        st = self.st
        match n:
            case A.Index(index=index, op_span=span):
                I = self.expr(index, ctx)

                def index_(a, env):
                    i = I(env)
                    ta, ti = type(a), type(i)
                    if ti is int:
                        if ta is tuple or ta is str or ta is bytes:
                            if 0 <= i < len(a):
                                return nfc(a[i]) if ta is str else a[i]
                            raise _err("E_INDEX_OUT_OF_RANGE",
                                       f"index {i} is outside 0 … {len(a) - 1}", span)
                        if ta is Contract:
                            try:
                                return a.fields[i]
                            except KeyError:
                                raise _err("E_KEY_NOT_FOUND",
                                           f"contract {a.id} has no field @{i}", span) from None
                    elif ti is str and ta is dict:
                        try:
                            return a[i]
                        except KeyError:
                            raise _err("E_KEY_NOT_FOUND", f"the map has no key {dump_hlxl(i)}",
                                       span) from None
                    raise _mismatch("indexing", span, a, i)
                return index_
            case A.Member(name=name):
                x, span = name.text, name.span

                def member(a, env):
                    t = type(a)
                    if t is dict:
                        try:
                            return a[x]
                        except KeyError:
                            raise _err("E_KEY_NOT_FOUND", f"the map has no key `{x}`",
                                       span) from None
                    if t is Contract:
                        spec = REGISTRY.get(a.id)
                        fs = spec.field_by_name(x) if spec is not None else None
                        if fs is None:
                            where = (f"contract {a.id} {spec.name}" if spec is not None
                                     else f"unregistered contract {a.id}")
                            raise _err("E_CONTRACT_UNKNOWN_FIELD", f"{where} has no field `{x}`",
                                       span)
                        try:
                            return a.fields[fs.index]
                        except KeyError:
                            raise _err("E_KEY_NOT_FOUND",
                                       f"contract {a.id} has no field @{fs.index} {x}",
                                       span) from None
                    raise _mismatch(f"`.{x}`", span, a)
                return member
            case A.Pipe(stage=stage, op_span=span):
                if type(stage) is A.Name:
                    fn = self.callable(stage, 1)
                    return lambda a, env: fn((a,))
                return self.lambda_(stage, ctx, span)
        raise TypeError(f"not a postfix node: {type(n).__name__}")  # pragma: no cover

    def lambda_(self, lam: A.Lambda, ctx: _Ctx, span: A.Span) -> Callable:
        st = self.st
        lctx = _Ctx(ctx.table, True, _inner_names(lam.body))
        B = self.body(lam.body, lctx, scope=False)
        cost = _body_cost(lam.body)
        p = lam.param.text

        def call_lambda(a, env):
            d = st.depth + 1
            if d > st.max_depth:
                raise _err("E_DEPTH_EXCEEDED",
                           f"more than {st.max_depth} block/lambda calls are active", span)
            st.depth = d
            r = st.rem - cost
            st.rem = r
            if r < 0:
                st.exhausted(span)
            r = B([{p: a, OUTER: env}])
            st.depth = d - 1
            return None if r is None else r[0]
        return call_lambda

    # ------------------------------------------------------------------ calls
    def callable(self, name: A.Name, nargs: int) -> Callable:
        """``fn(args_tuple)`` for a call of ``name`` with ``nargs`` arguments: a block, else a
        builtin; arity and existence are checked when the call is evaluated."""
        st = self.st
        text, span = name.text, name.span
        bf = self.blocks.get(text)
        if bf is not None:
            if len(bf.params) != nargs:
                def bad_arity(args):
                    raise _err("E_TYPE_MISMATCH", f"block `{text}` takes {len(bf.params)} "
                               f"argument(s), not {nargs}", span)
                return bad_arity
            return self.block_caller(bf, span)
        if text in BUILTINS:
            if BUILTINS[text] != nargs:
                def bad_builtin(args):
                    raise _err("E_TYPE_MISMATCH", f"builtin `{text}` takes {BUILTINS[text]} "
                               f"argument(s), not {nargs}", span)
                return bad_builtin
            if text == "append":
                def append(args):
                    a, v = args
                    if type(a) is not tuple:
                        raise _mismatch("`append`", span, a, v)
                    if type(v) in _CONTAINERS and st.container_depth(v) >= MAX_DEPTH:
                        raise _err("E_DEPTH_EXCEEDED",
                                   f"the value would be nested deeper than {MAX_DEPTH}", span)
                    st.check_size((a, v), span)
                    if len(a) >= COPY_FREE:  # copying is charged as for `+`
                        r = st.rem - ((len(a) + 1) >> COPY_SHIFT)
                        st.rem = r
                        if r < 0:
                            st.exhausted(span)
                    return a + (v,)
                return append
            if text == "range":
                def range_(args):
                    n = args[0]
                    if type(n) is not int:
                        raise _mismatch("`range`", span, n)
                    if n > 0:
                        r = st.rem - n
                        st.rem = r
                        if r < 0:
                            st.exhausted(span)
                    return tuple(range(n))
                return range_
            b = _PURE_BUILTINS[text]
            return lambda args: b(args[0], span)

        def undefined(args):
            raise _err("E_UNDEFINED_NAME", f"`{text}` is neither a block nor a builtin", span)
        return undefined

    def block_caller(self, bf: _BlockFn, span: A.Span) -> Callable:
        st = self.st
        params = bf.params

        def call_block(args):
            d = st.depth + 1
            if d > st.max_depth:
                raise _err("E_DEPTH_EXCEEDED",
                           f"more than {st.max_depth} block/lambda calls are active", span)
            st.depth = d
            r = st.rem - bf.cost
            st.rem = r
            if r < 0:
                st.exhausted(span)
            r = bf.body([dict(zip(params, args))])
            st.depth = d - 1
            return None if r is None else r[0]
        return call_block

    def call(self, name: A.Name, fns: tuple) -> Callable:
        fn = self.callable(name, len(fns))
        if not fns:
            return lambda env: fn(())
        if len(fns) == 1:
            (a0,) = fns
            return lambda env: fn((a0(env),))
        if len(fns) == 2:
            a0, a1 = fns
            return lambda env: fn((a0(env), a1(env)))
        return lambda env: fn(tuple([a(env) for a in fns]))


_NOCONST: Any = object()


# ============================================================================ deep-stack runner

_limit_lock = threading.Lock()
_active_runs = 0
_saved_limit = 0


def _enter_deep() -> None:
    global _active_runs, _saved_limit
    with _limit_lock:
        if _active_runs == 0:
            _saved_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_saved_limit, RECURSION_LIMIT))
        _active_runs += 1


def _leave_deep() -> None:
    global _active_runs
    with _limit_lock:
        _active_runs -= 1
        if _active_runs == 0:
            sys.setrecursionlimit(_saved_limit)


def _start_thread(target: Callable[[], None]) -> threading.Thread | None:
    """Start ``target`` on a thread with a large stack; None when the platform refuses."""
    with _limit_lock:
        old = threading.stack_size()
        try:
            for size in (THREAD_STACK, 64 * 1024 * 1024):
                try:
                    threading.stack_size(size)
                    t = threading.Thread(target=target, name="hlxl-run", daemon=True)
                    t.start()
                    return t
                except (ValueError, RuntimeError, MemoryError):
                    continue
            return None
        finally:
            threading.stack_size(old)


def _run_deep(fn: Callable[[], Any], on_interrupt: Callable[[], None]) -> Any:
    """Run ``fn`` on a helper thread with a large stack and a raised recursion limit (or, when no
    such thread can be started, right here with the host's limit); return or raise its outcome."""
    box: list = []

    def target() -> None:
        try:
            box.append((True, fn()))
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            box.append((False, e))

    _enter_deep()
    try:
        t = _start_thread(target)
        if t is None:
            _leave_deep()  # no big stack: keep the host's recursion limit
            try:
                target()
            finally:
                _enter_deep()
        else:
            while True:
                try:
                    t.join()
                    break
                except KeyboardInterrupt:
                    on_interrupt()
    finally:
        _leave_deep()
    ok, value = box[0]
    if ok:
        return value
    raise value


# ============================================================================ public API


class Interpreter:
    """A loaded program, ready to run its blocks against a latent store.

    ``source`` is loaded at once (:class:`HLXError` for syntax and load-time errors, with
    positions in the coordinates of ``track``).  ``store`` defaults to a fresh
    :class:`~helix_lang.store.MemoryStore`; the interpreter never closes a store it was given.
    ``max_steps`` (``None``: unbounded) and ``max_depth`` (call depth, 64 per §10.4) bound every
    call.  Tables persist across calls, so a REPL or service can call blocks one after another and
    inspect the tables with :meth:`table` and :meth:`snapshot`.
    """

    def __init__(self, source: str, *, track: str = "hlxl", store: LatentStore | None = None,
                 max_steps: int | None = DEFAULT_MAX_STEPS,
                 max_depth: int = DEFAULT_MAX_DEPTH) -> None:
        self.source = source
        self.track = track
        self.store: LatentStore = store if store is not None else MemoryStore()
        self._st = _State(self.store, max_steps, max_depth)
        #: Steps used by the last call (see the module documentation for what a step is).
        self.steps = 0
        self._mapping = None

        def build() -> tuple[A.File, _Compiler]:
            try:
                f = load(source, track=track)
                return f, _Compiler(f, self._st)
            except RecursionError:
                raise HLXError("E_DEPTH_EXCEEDED",
                               "the program is nested too deeply for this evaluator") from None

        self.file: A.File
        self._compiled: _Compiler
        self.file, self._compiled = _run_deep(build, lambda: None)

    # ------------------------------------------------------------------ introspection
    @property
    def table_names(self) -> list[str]:
        """``""`` (the default table) and the declared tables, in declaration order."""
        return [DEFAULT_TABLE] + [t.name.text for t in self.file.tables]

    @property
    def blocks(self) -> dict[str, tuple[str, ...]]:
        """Block name → parameter names."""
        return {b.name.text: tuple(p.text for p in b.params) for b in self.file.program.blocks}

    def table(self, name: str = DEFAULT_TABLE) -> dict[str, Any]:
        """The entries of a table: handle name (without ``&h_``) → value, in name order."""
        return dict(self.store.items(name))

    def snapshot(self, name: str = DEFAULT_TABLE) -> dict[str, Any]:
        """What ``ls.snapshot`` returns for the table ``name``."""
        count, names = self.store.snapshot(name)
        return {"count": count, "handles": tuple(Handle(n) for n in names)}

    # ------------------------------------------------------------------ running
    def run(self, entry: str = "main") -> Any:
        """Run the program (§10.4): call ``entry`` with no arguments and return its value.

        No such block: ``E_UNDEFINED_NAME``; a block with parameters: ``E_TYPE_MISMATCH``.
        """
        b = next((b for b in self.file.program.blocks if b.name.text == entry), None)
        if b is None:
            name = self.file.program.name
            raise self._map(_err("E_UNDEFINED_NAME", f"the program has no block `{entry}`",
                                 name.span))
        if b.params:
            raise self._map(_err("E_TYPE_MISMATCH",
                                 f"block `{entry}` must take no parameters to be run", b.name.span))
        return self.call(entry)

    def call(self, name: str, *args: Any) -> Any:
        """Call block ``name`` with argument values ``args`` (Python data is converted with
        :func:`helix_lang.values.make`).  Each call is a new run: steps and call depth start
        afresh, tables persist, and the store's :meth:`~helix_lang.store.LatentStore.end_run` is
        called after it."""
        comp = self._compiled
        bf = comp.blocks.get(name)
        if bf is None:
            raise HLXError("E_UNDEFINED_NAME", f"the program has no block `{name}`")
        if len(bf.params) != len(args):
            raise HLXError("E_TYPE_MISMATCH",
                           f"block `{name}` takes {len(bf.params)} argument(s), not {len(args)}")
        args = tuple(make(a) for a in args)  # lists → arrays, construction rules checked
        st = self._st
        st.store = self.store
        st.reset()
        span = bf.node.name.span
        caller = comp.block_caller(bf, span)

        def go() -> Any:
            try:
                return caller(tuple(args))
            except RecursionError:
                raise HLXError("E_DEPTH_EXCEEDED",
                               "the program is nested too deeply for this evaluator") from None

        def interrupt() -> None:
            st.cancelled = True
            st.rem = -(1 << 62)

        ok = False
        try:
            value = _run_deep(go, interrupt)
            ok = True
            return value
        except _Interrupted:
            raise KeyboardInterrupt from None
        except HLXError as e:
            raise self._map(e) from None
        finally:
            used = (1 << 62 if st.max_steps is None else st.max_steps) - st.rem
            self.steps = max(0, used) if not st.cancelled else 0
            st.dcache.clear()
            self.store.end_run(ok)

    def _map(self, e: HLXError) -> HLXError:
        """Map an error position of the HLXL transliteration back to HLX coordinates."""
        if self.track != "hlx" or e.line is None:
            return e
        if self._mapping is None:
            self._mapping = translit(self.source, "hlxl").inverse()
        line, col = self._mapping.position(e.line, e.column)
        if e.end_line is None or e.end_column is None:
            return e.moved(line, col)
        end_line, end_col = self._mapping.position(e.end_line, e.end_column)
        return HLXError(e.code, e.message, line=line, column=col, end_line=end_line,
                        end_column=end_col)


def run(source: str, entry: str = "main", *, track: str = "hlxl",
        store: LatentStore | None = None, max_steps: int | None = DEFAULT_MAX_STEPS,
        max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Load and run a program; return the value of ``entry`` (``main``), or raise
    :class:`HLXError` with the code of §13 and the position of the offending token.

    ``store`` (default: a fresh in-memory store) is left open; pass
    :class:`helix_lang.store.SqliteStore` for persistent tables.
    """
    return Interpreter(source, track=track, store=store, max_steps=max_steps,
                       max_depth=max_depth).run(entry)
