"""Plain English → program: a small computation described in words, answered with an HLXL (or
HLX) program whose ``main`` returns the described result.

Graded by running the answer (``grading.kind = "run"``): it must load, run to a value equal to
the reference result and use the constructs the request names (a ``while`` loop, a recursive
helper block, a lambda stage, ``ls.collapse``, …), so any correct program passes, and
``return 55;`` does not pass a request for a loop.  The completion of the record is a reference
program in canonical layout (``helix_lang.hlxl.fmt.format_source``).

The skeleton is the task, the construct it asks for and the size class of its data
(``nl:sum_range:while:2``), so val and test hold combinations that train never shows.
"""

from __future__ import annotations

import random
import re
from typing import Callable

from helix_lang import to_hlx
from helix_lang.hlxl.fmt import format_source
from helix_lang.translit import WORD_GLYPHS

from ..core import Draft, Family, GenerationError, Paraphrases, sample
from ..execution import outcome
from ..graders import grade_run
from .common import LABEL

__all__ = ["NL_TO_PROGRAM", "NL_TO_HLX_PROGRAM", "TASKS", "Task"]

REQUIRE_TEXT = {
    "while": "use a `while` loop",
    "for": "use a `for` loop",
    "if": "use an `if` statement",
    "lambda": "use a lambda pipeline stage (`|> (v) { }`)",
    "helper": "put the computation in a helper block that `main` calls",
    "recursion": "use a recursive helper block",
    "collapse": "store the values with `ls.collapse`",
    "snapshot": "read the count from `ls.snapshot`",
    "validate": "check it with `ls.validate`",
}
WORDS = ("alpha", "beta", "node", "red", "x", "sky", "io", "zeta", "cat", "dog", "blue", "map")


def _ints(rng: random.Random, n: int, lo: int = -9, hi: int = 30) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(n)]


def _arr(xs) -> str:
    return "[" + ", ".join(str(x) if not isinstance(x, str) else f'"{x}"' for x in xs) + "]"


def _size(n: int) -> int:
    return 0 if n <= 3 else 1 if n <= 6 else 2


#: One task: ``make(rng) -> (variant, size_class, description, program, requires)``.
Task = Callable[[random.Random], tuple[str, int, str, str, tuple[str, ...]]]


def t_sum_range(rng):
    a = rng.randint(-5, 20)
    b = a + rng.randint(1, 40)
    v = rng.choice(("while", "for"))
    desc = f"returns the sum of all integers from {a} to {b}, both included"
    if v == "while":
        body = (f"let total = 0; let i = {a}; while (i <= {b}) {{ let total = total + i; "
                f"let i = i + 1; }} return total;")
    else:
        body = (f"let total = 0; for (i in range({b - a + 1})) {{ let total = total + {a} + i; }} "
                f"return total;")
    return v, _size(len(str(b - a))), desc, f"block main() {{ {body} }}", (v,)


def t_factorial(rng):
    v = rng.choice(("recursion", "while", "for"))
    if rng.random() < 0.4:
        n = rng.randint(0, 20)
        desc, lo, hi = f"returns the factorial of {n} ({n}!)", 2, n
    else:
        lo = rng.randint(-6, 12)
        hi = lo + rng.randint(0, 7)
        desc = f"returns the product of all integers from {lo} to {hi}, both included"
    if v == "recursion":
        prog = (f"block prod(a, b) {{ if (a > b) {{ return 1; }} return a * prod(a + 1, b); }} "
                f"block main() {{ return prod({lo}, {hi}); }}")
    elif v == "while":
        prog = (f"block main() {{ let r = 1; let i = {lo}; while (i <= {hi}) {{ let r = r * i; "
                f"let i = i + 1; }} return r; }}")
    else:
        prog = (f"block main() {{ let r = 1; for (i in range({hi - lo + 1})) {{ "
                f"let r = r * ({lo} + i); }} return r; }}")
    return v, _size((hi - lo) // 3), desc, prog, (v,)


_SEQUENCES = {
    "squares": ("the squares of", "i * i"), "cubes": ("the cubes of", "i * i * i"),
    "doubles": ("twice each of", "2 * i"), "odd": ("2 * i + 1 for each of", "2 * i + 1"),
    "halves": ("the integer half (HLXL `/ 2`) of each of", "i / 2"),
    "mod3": ("the remainder modulo 3 (HLXL `%`) of each of", "i % 3"),
    "negs": ("the negation of each of", "-i"),
}


def t_powers(rng):
    kind = rng.choice(sorted(_SEQUENCES))
    what, expr = _SEQUENCES[kind]
    lo = rng.randint(-6, 6) if kind not in ("squares", "cubes") or rng.random() < 0.5 else 0
    n = rng.randint(1, 9)
    desc = (f"returns the array of {what} the integers {lo} to {lo + n - 1}, in increasing order "
            f"of the integer")
    prog = (f"block main() {{ let out = []; for (k in range({n})) {{ let i = {lo} + k; "
            f"let out = append(out, {expr}); }} return out; }}")
    return kind, _size(n), desc, prog, ("for",)


def t_count_even(rng):
    xs = _ints(rng, rng.randint(2, 9))
    odd = rng.random() < 0.4
    what = "odd" if odd else "even"
    desc = f"returns how many elements of the array {_arr(xs)} are {what}"
    test = "x % 2 != 0" if odd else "x % 2 == 0"
    prog = (f"block main() {{ let c = 0; for (x in {_arr(xs)}) {{ if ({test}) {{ let c = c + 1; "
            f"}} }} return c; }}")
    return what, _size(len(xs)), desc, prog, ("for", "if")


def t_extreme(rng):
    xs = _ints(rng, rng.randint(2, 9), -50, 50)
    big = rng.random() < 0.6
    desc = f"returns the {'largest' if big else 'smallest'} element of {_arr(xs)}"
    op = ">" if big else "<"
    prog = (f"block main() {{ let xs = {_arr(xs)}; let best = xs[0]; for (x in xs) {{ "
            f"if (x {op} best) {{ let best = x; }} }} return best; }}")
    return "max" if big else "min", _size(len(xs)), desc, prog, ("for", "if")


def t_reverse(rng):
    if rng.random() < 0.7:
        xs = _ints(rng, rng.randint(2, 8))
    else:
        xs = rng.sample(WORDS, rng.randint(2, 6))
    desc = f"returns the array {_arr(xs)} in reverse order"
    prog = (f"block main() {{ let xs = {_arr(xs)}; let out = []; let i = len(xs) - 1; "
            f"while (i >= 0) {{ let out = append(out, xs[i]); let i = i - 1; }} return out; }}")
    return "text" if isinstance(xs[0], str) else "int", _size(len(xs)), desc, prog, ("while",)


def t_join(rng):
    ws = [rng.choice(WORDS) for _ in range(rng.randint(2, 6))]
    sep = rng.choice(("-", ", ", " ", "/", "+", ""))
    desc = (f"joins the texts {_arr(ws)} into one text, with \"{sep}\" between neighbours"
            if sep else f"concatenates the texts {_arr(ws)} into one text")
    prog = (f'block main() {{ let out = ""; let first = true; for (w in {_arr(ws)}) {{ '
            f'if (!first) {{ let out = out + "{sep}"; }} let out = out + w; let first = false; '
            f"}} return out; }}")
    return "sep" if sep else "concat", _size(len(ws)), desc, prog, ("for",)


def t_fib(rng):
    if rng.random() < 0.5:
        a, b, n = 0, 1, rng.randint(0, 25)
        desc = (f"returns the Fibonacci number F({n}), where F(0) = 0, F(1) = 1 and "
                f"F(n) = F(n - 1) + F(n - 2)")
    else:
        a, b, n = rng.randint(-5, 9), rng.randint(-5, 9), rng.randint(0, 20)
        desc = (f"returns term number {n} (counting from 0) of the sequence that starts {a}, {b} "
                f"and continues with the sum of the two terms before")
    v = rng.choice(("while", "recursion")) if n <= 15 else "while"
    if rng.random() < 0.3 and v == "while":
        v = "array"
        desc = (f"returns the array of the first {n + 1} terms of the sequence that starts {a}, "
                f"{b} and continues with the sum of the two terms before")
        prog = (f"block main() {{ let a = {a}; let b = {b}; let out = []; let i = 0; "
                f"while (i <= {n}) {{ let out = append(out, a); let t = a + b; let a = b; "
                f"let b = t; let i = i + 1; }} return out; }}")
        return v, _size(n // 3), desc, prog, ("while",)
    if v == "recursion":
        prog = (f"block seq(n) {{ if (n == 0) {{ return {a}; }} if (n == 1) {{ return {b}; }} "
                f"return seq(n - 1) + seq(n - 2); }} block main() {{ return seq({n}); }}")
    else:
        prog = (f"block main() {{ let a = {a}; let b = {b}; let i = 0; while (i < {n}) {{ "
                f"let t = a + b; let a = b; let b = t; let i = i + 1; }} return a; }}")
    return v, _size(n // 3), desc, prog, (v,)


def t_map_sum(rng):
    keys = rng.sample(("a", "b", "c", "x", "y", "size", "count", "w", "k"), rng.randint(1, 6))
    m = "{" + ", ".join(f"{k}: {rng.randint(-20, 90)}" for k in keys) + "}"
    desc = f"returns the sum of the values of the map {m}"
    prog = (f"block main() {{ let m = {m}; let total = 0; for (k in m) {{ "
            f"let total = total + m[k]; }} return total; }}")
    return "map", _size(len(keys)), desc, prog, ("for",)


def t_filter(rng):
    xs = _ints(rng, rng.randint(2, 9))
    k = rng.randint(0, 15)
    desc = f"returns, in their order, the elements of {_arr(xs)} that are greater than {k}"
    prog = (f"block main() {{ let out = []; for (x in {_arr(xs)}) {{ if (x > {k}) {{ "
            f"let out = append(out, x); }} }} return out; }}")
    return "gt", _size(len(xs)), desc, prog, ("for", "if")


def t_divmod(rng):
    a = rng.randint(-60, 60)
    b = rng.choice([x for x in range(-9, 10) if x])
    desc = (f"returns the array [q, r] where q is {a} divided by {b} and r is {a} modulo {b}, "
            f"with HLXL's integer division and remainder")
    return "divmod", 0 if a >= 0 and b > 0 else 1, desc, \
        f"block main() {{ return [{a} / {b}, {a} % {b}]; }}", ()


def t_collapse(rng):
    vals = [rng.randint(0, 5) if rng.random() < 0.6 else rng.choice(WORDS)
            for _ in range(rng.randint(2, 7))]
    tag = rng.choice(("node", "item", "data", "entry"))
    desc = (f"stores each of the values {_arr(vals)} in the default latent table with "
            f"`ls.collapse` under the tag `{tag}`, then returns the number of entries the table "
            f"holds")
    prog = (f"block main() {{ for (v in {_arr(vals)}) {{ ls.collapse {tag} v; }} "
            f"return ls.snapshot.count; }}")
    return "count", _size(len(vals)), desc, prog, ("collapse", "snapshot")


def t_pipeline(rng):
    a = rng.randint(-10, 30)
    k = rng.randint(2, 6)
    j = rng.randint(-9, 9)
    desc = (f"pipes {a} through a lambda that multiplies its input by {k} and then through a "
            f"second lambda that adds {j}, and returns the result")
    prog = (f"block main() {{ return {a} |> (v) {{ return v * {k}; }} |> (w) {{ return w + {j}; "
            f"}}; }}")
    return "two", _size(abs(a) // 5), desc, prog, ("lambda",)


def t_digits(rng):
    n = rng.randint(0, 10**rng.randint(1, 7))
    desc = f"returns the sum of the decimal digits of {n}"
    prog = (f"block main() {{ let n = {n}; let s = 0; while (n > 0) {{ let s = s + n % 10; "
            f"let n = n / 10; }} return s; }}")
    return "digits", _size(len(str(n))), desc, prog, ("while",)


def t_power(rng):
    b = rng.randint(-5, 9)
    e = rng.randint(0, 12)
    v = rng.choice(("while", "for"))
    desc = f"computes {b} to the power {e} by repeated multiplication and returns it"
    if v == "while":
        prog = (f"block main() {{ let r = 1; let i = 0; while (i < {e}) {{ let r = r * {b}; "
                f"let i = i + 1; }} return r; }}")
    else:
        prog = (f"block main() {{ let r = 1; for (i in range({e})) {{ let r = r * {b}; }} "
                f"return r; }}")
    return v, _size(e // 2), desc, prog, (v,)


def t_validate(rng):
    n = rng.randint(0, 4)
    stages = [f"&h_{rng.choice(('vs', 'fs', 'blur', 'cs', 'gbuf', 'tone'))}" for _ in range(n)]
    pid = rng.choice(("main", "post_fx", "shadow", "p", "bloom", "ui", "deferred", "sky"))
    desc = (f"builds a PipelineConfig contract (id 902) with pipeline_id \"{pid}\" and stages "
            f"{_arr(stages).replace(chr(34), '')} and returns whether it passes schema validation")
    prog = (f'block main() {{ let c = contract 902 {{ pipeline_id: "{pid}", stages: '
            f"{'[' + ', '.join(stages) + ']'} }}; return ls.validate c; }}")
    return "902", _size(n), desc, prog, ("validate",)


def t_count_char(rng):
    text = "".join(rng.choice("abcab ") for _ in range(rng.randint(3, 12)))
    ch = rng.choice("abc")
    desc = f"counts how many times the character \"{ch}\" occurs in the text \"{text}\""
    prog = (f'block main() {{ let s = "{text}"; let c = 0; for (i in range(len(s))) {{ '
            f'if (s[i] == "{ch}") {{ let c = c + 1; }} }} return c; }}')
    return "char", _size(len(text) // 2), desc, prog, ("for", "if")


def t_helper_double(rng):
    xs = _ints(rng, rng.randint(1, 6))
    k = rng.randint(2, 5)
    desc = (f"returns the array {_arr(xs)} with every element multiplied by {k}, computed by a "
            f"helper block that takes one number")
    prog = (f"block scale(v) {{ return v * {k}; }} block main() {{ let out = []; "
            f"for (x in {_arr(xs)}) {{ let out = append(out, scale(x)); }} return out; }}")
    return "map", _size(len(xs)), desc, prog, ("helper", "for")


def t_keys(rng):
    keys = rng.sample(("b", "a", "zeta", "c", "x", "size", "id", "Key", "w"), rng.randint(2, 6))
    m = "{" + ", ".join(f"{k}: {rng.randint(0, 9)}" for k in keys) + "}"
    desc = (f"returns the keys of the map {m}, in the order a `for` loop over the map visits "
            f"them, joined into one text with \",\" between them")
    prog = (f'block main() {{ let out = ""; for (k in {m}) {{ if (out != "") {{ '
            f'let out = out + ","; }} let out = out + k; }} return out; }}')
    return "keys", _size(len(keys)), desc, prog, ("for",)


TASKS: dict[str, Task] = {
    "sum_range": t_sum_range, "factorial": t_factorial, "powers": t_powers,
    "count_even": t_count_even, "extreme": t_extreme, "reverse": t_reverse, "join": t_join,
    "fib": t_fib, "map_sum": t_map_sum, "filter": t_filter, "divmod": t_divmod,
    "collapse": t_collapse, "pipeline": t_pipeline, "digits": t_digits, "power": t_power,
    "validate": t_validate, "count_char": t_count_char, "helper": t_helper_double,
    "keys": t_keys,
}

TEMPLATES = Paraphrases("nl_program", (
    "Write an {lang} program whose `main` block {desc}.{req} Reply with the program only.",
    "I need a small {lang} program: `main` {desc}.{req}",
    "Write a program in {lang} where `main` {desc}.{req} Give just the source.",
    "Task: a `main` block that {desc}. Write it as an {lang} program.{req}",
), (
    "Produce {lang} source for a program whose entry block `main` {desc}.{req}",
    "Implement this in {lang}: `main` {desc}.{req} Output only the program text.",
))


_KEYWORD = re.compile(r"`(while|for|if|ls\.collapse|ls\.snapshot|ls\.validate)`|\|>|&h_")


def runic(text: str) -> str:
    """A request text for the runic track: backquoted keywords as their HLX glyphs (with the
    word), ``|>`` as ▷ and handles as ⟁name."""
    def sub(m: re.Match) -> str:
        if m.group(0) == "|>":
            return "▷"
        if m.group(0) == "&h_":
            return "⟁"
        word = m.group(1)
        return f"`{WORD_GLYPHS[word]}` ({word})"
    return _KEYWORD.sub(sub, text)


def _requirements(requires: tuple[str, ...]) -> str:
    if not requires:
        return ""
    return " It must " + " and ".join(REQUIRE_TEXT[r] for r in requires) + "."


def nl_family(name: str, summary: str, track: str, weights: dict[str, int]) -> Family:
    def make(rng: random.Random, split: str) -> Draft:
        def gen():
            task = rng.choice(sorted(TASKS))
            variant, size, desc, body, requires = TASKS[task](rng)
            return f"nl:{task}:{variant}:{size}", (desc, body, requires)

        for _ in range(20):
            skeleton, (desc, body, requires) = sample(split, gen, what=name)
            program = format_source(f"program {rng.choice(('p', 'task', 'calc', 'demo'))} "
                                    f"{{ {body} }}").rstrip("\n")
            got = outcome(program)
            if not got.ok:
                continue
            answer = program if track == "hlxl" else to_hlx(program)
            req = _requirements(requires)
            if track == "hlx":
                desc, req = runic(desc), runic(req)
            tid, request = TEMPLATES.render(rng, split, lang=LABEL[track], desc=desc, req=req)
            grading = {"kind": "run", "track": track, "expected": answer,
                       "result": got.text("hlxl"), "requires": list(requires)}
            return Draft(request, answer, grading, skeleton, tid, (track,))
        raise GenerationError(f"{name}: 20 reference programs in a row failed")

    return Family(name, summary, weights, make, grade_run)


NL_TO_PROGRAM = nl_family(
    "nl_to_program", "a computation described in plain English, answered with an HLXL program "
    "whose `main` returns the result (graded by running it; named constructs required)", "hlxl",
    {"ascii": 3})
NL_TO_HLX_PROGRAM = nl_family(
    "nl_to_hlx_program", "a computation described in plain English, answered with an HLX "
    "program (graded by running it; named constructs required)", "hlx", {"runic": 3})
