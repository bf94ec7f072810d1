"""HLXL programs and their runic twins (HLX-SPEC §8, §10): a seeded program generator and the
transliteration families (HLX → HLXL for the ASCII track, glyph optimisation HLXL → HLX for the
runic track, both directions in phase 1).

:class:`ProgramGen` writes programs that load (``helix_lang.hlxl.parser.load``) on both tracks and
that mostly run (variables are bound before use, operands have fitting kinds), with the traps
transliteration must respect: keywords inside strings and comments, identifiers that contain
keywords (``format``, ``lettuce``, ``for_each``), ``&&`` next to ``&h_``, one-line and indented
layouts.  Its ``shape`` (statement kinds and nesting per block) is the skeleton splits hold out.
The evaluation, static-type, layout and language-service families reuse it (next to
:class:`~helix_corpus.families.calc.CalcGen`).

>>> text, shape = ProgramGen(random.Random(4)).program()
>>> from helix_lang.hlxl.parser import load
>>> _ = load(text); _ = load(to_hlx(text), track="hlx")
"""

from __future__ import annotations

import random

from helix_lang import HLXError, to_hlx, to_hlxl
from helix_lang.hlxl.parser import load

from ..core import Draft, Family, GenerationError, Paraphrases, sample
from ..graders import grade_program

__all__ = ["ProgramGen", "program_sample", "GLYPH_OPTIMISE", "HLX_TO_HLXL", "TRANSLIT"]

TABLES = ("t", "ast_table", "cache", "store")
PROGRAMS = ("p", "demo", "calc", "pipeline", "hello", "main_prog", "job")
VARS = ("x", "y", "n", "acc", "total", "s", "items", "m", "h", "k", "count", "format", "lettuce",
        "for_each", "iffy", "returned", "tables", "block_size", "elsewhere", "programmer",
        "using_x", "ls_count", "data", "r", "letter")
HELPERS = ("wrap", "twice", "inc", "add", "pick", "make_node", "double", "shout")
TAGS = ("node", "data", "a", "b", "cfg")
STRINGS = ("hello", "let |> &h_x", "if else", "⊢ stays text", "return", "a b", "x", "",
           "ls.collapse", "🜁 not a glyph here", "program p {}", "while")
LINE_COMMENTS = ("// let x stays a word here", "// uses |> and &h_ in a comment", "// note",
                 "// ⊢ and ↩ are glyphs only in code", "// for each item")
BLOCK_COMMENTS = ("/* ls.collapse */", "/* program */", "/* if (x) return */", "/* ok */")


class ProgramGen:
    """Draws one program: ``program() -> (text, shape)``."""

    def __init__(self, rng: random.Random, *, size: int = 6, multiline: float = 0.6):
        self.rng = rng
        self.size = size
        self.multiline = rng.random() < multiline
        self.tables: list[str] = []
        self.helpers: dict[str, int] = {}
        self.fresh = 0

    # -- expressions by kind: int, bool, text, array, map, handle, any ------------------------
    def expr(self, kind: str, scope: dict[str, str], d: int = 0) -> str:
        rng = self.rng
        own = [v for v, k in scope.items() if k == kind]
        if own and rng.random() < 0.35:
            return rng.choice(own)
        deep = d < 2 and rng.random() < 0.5
        if kind == "int":
            if not deep:
                return str(rng.randint(0, 99))
            r = rng.random()
            if r < 0.45:
                op = rng.choice("+-*")
                return f"{self.expr('int', scope, d + 1)} {op} {self.expr('int', scope, d + 1)}"
            if r < 0.55:
                return f"{self.expr('int', scope, d + 1)} {rng.choice('/%')} {rng.randint(1, 9)}"
            if r < 0.7:
                return f"len({self.expr(rng.choice(('text', 'array')), scope, d + 1)})"
            if r < 0.85:
                return f"({self.expr('int', scope, d + 1)} |> (v){{ return v * 2; }})"
            if "inc" in self.helpers:
                return f"inc({self.expr('int', scope, d + 1)})"
            return "int(" + rng.choice(("2.5", "-3.9", "true", '"42"')) + ")"
        if kind == "bool":
            if not deep:
                return rng.choice(("true", "false", f"{self.expr('int', scope, d + 1)} > 3"))
            r = rng.random()
            if r < 0.4:
                op = rng.choice(("<", "<=", "==", "!=", ">="))
                return f"{self.expr('int', scope, d + 1)} {op} {self.expr('int', scope, d + 1)}"
            if r < 0.7:
                op = rng.choice(("&&", "||"))
                return f"{self.expr('bool', scope, d + 1)} {op} {self.expr('bool', scope, d + 1)}"
            if rng.random() < 0.5:
                return f"!{self.operand('bool', scope, d)}"
            return f"ls.validate {self.operand('any', scope, d)}"
        if kind == "text":
            if not deep:
                return '"' + rng.choice(STRINGS) + '"'
            r = rng.random()
            if r < 0.4:
                return f"{self.expr('text', scope, d + 1)} + {self.expr('text', scope, d + 1)}"
            if r < 0.6:
                return f"str({self.expr('any', scope, d + 1)})"
            if r < 0.8:
                return f"type({self.expr('any', scope, d + 1)})"
            return f"ls.fingerprint {self.operand('int', scope, d)}"
        if kind == "array":
            r = rng.random()
            if not deep or r < 0.4:
                n = rng.randint(0, 3)
                return "[" + ", ".join(self.expr(rng.choice(("int", "text", "bool")), scope, d + 1)
                                       for _ in range(n)) + "]"
            if r < 0.6:
                return f"range({rng.randint(0, 5)})"
            if r < 0.8:
                items, item = self.expr("array", scope, d + 1), self.expr("int", scope, d + 1)
                return f"append({items}, {item})"
            return f"keys({self.expr('map', scope, d + 1)})"
        if kind == "map":
            if self.tables and rng.random() < 0.2:
                return f"ls.snapshot {rng.choice(self.tables)}"
            if rng.random() < 0.15:
                return "ls.snapshot"
            keys = rng.sample(("a", "b", "name", "size", '"let"', '"a b"', "count"),
                              rng.randint(0, 3))
            return "{" + ", ".join(f"{k}: {self.expr(rng.choice(('int', 'text')), scope, d + 1)}"
                                   for k in keys) + "}"
        if kind == "handle":
            r = rng.random()
            if r < 0.4:
                return "&h_" + rng.choice(("a", "vs", "node_1", "x"))
            table = f"{rng.choice(self.tables)} " if self.tables and rng.random() < 0.4 else ""
            return f"ls.collapse {table}{rng.choice(TAGS)} {self.operand('any', scope, d)}"
        # any
        r = rng.random()
        if r < 0.3:
            return self.expr(rng.choice(("int", "text", "array", "map")), scope, d + 1)
        if r < 0.5:
            return "{14: {@0: " + self.expr("int", scope, d + 1) + "}}"
        if r < 0.6:
            return 'contract 902 { pipeline_id: "p", stages: [&h_vs] }'
        if r < 0.75:
            return f"ls.resolve {self.operand('handle', scope, d)}"
        return rng.choice(("null", "1.5", 'x"00ff"', "[1, [2, 3]]"))

    def operand(self, kind: str, scope: dict[str, str], d: int) -> str:
        """An operand of a prefix operator: parenthesised unless it is one token or bracketed."""
        text = self.expr(kind, scope, d + 1)
        return text if " " not in text or text[0] in "[{(" and _balanced(text) else f"({text})"

    # -- statements -----------------------------------------------------------------------
    def var(self, scope: dict[str, str]) -> str:
        free = [v for v in VARS if v not in scope]
        return self.rng.choice(free) if free else f"v{len(scope)}"

    def stmts(self, scope: dict[str, str], budget: int, depth: int) -> list:
        """A list of statements: ``(shape_letter, text)`` or ``(letter, head, body, else_body)``."""
        rng = self.rng
        out: list = []
        while budget > 0:
            budget -= 1
            r = rng.random()
            kind = rng.choice(("int", "int", "text", "array", "map", "handle", "bool"))
            if r < 0.35 or not scope:
                name = self.var(scope) if rng.random() < 0.8 or not scope else rng.choice(
                    list(scope))
                out.append(("L", f"let {name} = {self.expr(kind, scope)};"))
                scope[name] = kind
            elif r < 0.42:
                name = self.var(scope)
                out.append(("l", f"local {name} = {self.expr(kind, scope)};"))
                scope[name] = kind
            elif r < 0.55 and depth < 2:
                body = self.stmts(dict(scope), rng.randint(1, 2), depth + 1)
                other = None
                if rng.random() < 0.5:
                    other = self.stmts(dict(scope), rng.randint(1, 2), depth + 1)
                out.append(("I", f"if ({self.expr('bool', scope)})", body, other))
            elif r < 0.62 and depth < 2:
                inner = dict(scope)
                loop = self.var(inner)
                inner[loop] = "any"
                src = self.expr(rng.choice(("array", "map")), scope)
                out.append(("F", f"for ({loop} in {src})", self.stmts(inner, 1, depth + 1), None))
            elif r < 0.67 and depth < 2:
                counter = self.var(scope)
                scope[counter] = "int"
                out.append(("L", f"let {counter} = 0;"))
                out.append(("W", f"while ({counter} < {rng.randint(1, 4)})",
                            [("L", f"let {counter} = {counter} + 1;")], None))
            elif r < 0.72:
                out.append(("A", f"assert({self.expr('bool', scope)});"))
            elif r < 0.77:
                out.append(("G", f"ls.guard {self.expr('handle', scope)} != null;"))
            elif r < 0.82 and depth < 2:
                name = self.var(scope)
                body = [("L", f"let {name} = {self.expr('handle', scope)};"),
                        ("G", f"ls.guard {name} != null;")]
                scope[name] = "handle"
                out.append(("T", "ls.transaction", body, None))
            elif r < 0.88:
                call = rng.choice(list(self.helpers)) if self.helpers else None
                args = ", ".join(self.expr("int", scope) for _ in range(self.helpers.get(call, 0)))
                text = f"{call}({args});" if call else f"len({self.expr('text', scope)});"
                out.append(("E", text))
            else:
                out.append(("#", rng.choice(LINE_COMMENTS if self.multiline else BLOCK_COMMENTS)))
        return out

    def block(self, name: str, params: list[str], using: str | None, main: bool) -> tuple:
        scope = {p: "int" for p in params}
        body = self.stmts(scope, self.rng.randint(1, self.size) if main else
                          self.rng.randint(0, 2), 0)
        kind = self.rng.choice(("int", "array", "map", "text", "any"))
        body.append(("R", f"return {self.expr(kind, scope)};"))
        head = f"block {name}({', '.join(params)})" + (f" using {using}" if using else "")
        return head, body

    def program(self) -> tuple[str, str]:
        rng = self.rng
        self.tables = rng.sample(TABLES, rng.choice((0, 0, 1, 2)))
        blocks = []
        for h in rng.sample(HELPERS, rng.choice((0, 0, 1, 2))):
            self.helpers[h] = rng.randint(0, 2)
        for h, arity in self.helpers.items():
            params = rng.sample(("v", "a", "b", "w"), arity)
            blocks.append(self.block(h, params, None, False))
        using = rng.choice(self.tables) if self.tables and rng.random() < 0.6 else None
        blocks.append(self.block("main", [], using, True))
        decls = [f"latent table {t};" for t in self.tables]
        text = self.render(decls, rng.choice(PROGRAMS), blocks)
        shape = f"prog:T{len(self.tables)}:" + ";".join(
            f"{_arity(head)}{'u' if ' using ' in head else ''}[{_shape(body)}]"
            for head, body in blocks)
        basic = len(blocks) == 1 and len(blocks[0][1]) <= 2 and all(
            len(s) == 2 for s in blocks[0][1])
        return text, ("~" + shape if basic else shape)

    # -- layout ----------------------------------------------------------------------------
    def render(self, decls: list[str], name: str, blocks: list) -> str:
        if not self.multiline:
            inner = " ".join(f"{head} {{ {self._flat(body)} }}" for head, body in blocks)
            return " ".join(decls + [f"program {name} {{ {inner} }}"])
        lines = decls + ([""] if decls else []) + [f"program {name} {{"]
        for n, (head, body) in enumerate(blocks):
            if n:
                lines.append("")
            lines.append(f"    {head} {{")
            lines += self._lines(body, 2)
            lines.append("    }")
        lines.append("}")
        return "\n".join(lines)

    def _flat(self, body: list) -> str:
        parts = []
        for s in body:
            if len(s) == 2:
                parts.append(s[1])
                continue
            _, head, inner, other = s
            text = f"{head} {{ {self._flat(inner)} }}"
            if other is not None:
                text += f" else {{ {self._flat(other)} }}"
            parts.append(text)
        return " ".join(parts)

    def _lines(self, body: list, level: int) -> list[str]:
        pad = "    " * level
        out = []
        for s in body:
            if len(s) == 2:
                out.append(pad + s[1])
                continue
            _, head, inner, other = s
            out.append(f"{pad}{head} {{")
            out += self._lines(inner, level + 1)
            if other is not None:
                out.append(f"{pad}}} else {{")
                out += self._lines(other, level + 1)
            out.append(pad + "}")
        return out


def _arity(head: str) -> int:
    params = head.split("(", 1)[1].split(")", 1)[0]
    return params.count(",") + 1 if params else 0


def _balanced(text: str) -> bool:
    """Whether the bracket opening ``text`` closes at its very end (``[1, 2]``, not ``[1] + x``)."""
    level = 0
    for i, ch in enumerate(text):
        level += ch in "[{("
        level -= ch in "]})"
        if level == 0:
            return i == len(text) - 1
    return False


def _shape(body: list) -> str:
    parts = []
    for s in body:
        if len(s) == 2:
            parts.append(s[0])
        else:
            parts.append(f"{s[0]}({_shape(s[2])}" + (f"|{_shape(s[3])}" if s[3] else "") + ")")
    return "".join(parts)


def program_sample(rng: random.Random, split: str, *, size: int = 6, what: str = "program"):
    """``(shape, hlxl_text)`` of a program whose shape belongs to ``split``, checked to load on
    both tracks and to survive the HLXL → HLX → HLXL round trip."""
    for _ in range(20):
        shape, text = sample(split, lambda: _swap(ProgramGen(rng, size=size).program()),
                             what=what)
        hlx = to_hlx(text)
        if to_hlxl(hlx) != text:
            continue
        try:
            load(hlx, track="hlx")  # checks HLX validity, then loads the HLXL transliteration
        except HLXError:
            continue
        return shape, text
    raise GenerationError(f"{what}: 20 generated programs in a row failed to load")


def _swap(pair: tuple[str, str]) -> tuple[str, str]:
    return pair[1], pair[0]


TO_HLX = Paraphrases("translit.to_hlx", (
    "Optimise this HLXL program into HLX: the same program with its keywords written as "
    "glyphs.\n{text}",
    "Transliterate the following HLXL program to the runic HLX track.\n{text}",
    "Rewrite this program in HLX glyph form, changing nothing else:\n{text}",
    "{text}\nGive the HLX spelling of the HLXL program above.",
), (
    "Convert this HLXL source to HLX (keywords become glyphs; strings and comments stay).\n"
    "{text}",
    "Produce the glyph-optimised HLX text of:\n{text}",
))
TO_HLXL = Paraphrases("translit.to_hlxl", (
    "Transliterate this HLX program to HLXL.\n{text}",
    "Rewrite the following runic HLX program with ASCII HLXL keywords.\n{text}",
    "Spell this HLX program in HLXL, changing nothing but the glyphs:\n{text}",
    "{text}\nWhat is the HLXL text of the HLX program above?",
), (
    "Turn the glyphs of this HLX source back into HLXL keywords.\n{text}",
    "Give the ASCII (HLXL) form of this program:\n{text}",
))


def translit_family(name: str, summary: str, directions: tuple[str, ...], size: int,
                    tracks: dict[str, int]) -> Family:
    """Program transliteration; ``directions`` holds ``"hlx"`` (HLXL → HLX) and/or ``"hlxl"``."""

    def make(rng: random.Random, split: str) -> Draft:
        shape, text = program_sample(rng, split, size=size, what=name)
        dst = rng.choice(directions)
        src_text, answer = (text, to_hlx(text)) if dst == "hlx" else (to_hlx(text), text)
        templates = TO_HLX if dst == "hlx" else TO_HLXL
        tid, request = templates.render(rng, split, text=src_text)
        src = "hlxl" if dst == "hlx" else "hlx"
        return Draft(request, answer, {"kind": "program", "track": dst, "expected": answer},
                     shape, tid, (src, dst))

    return Family(name, summary, tracks, make, grade_program)


GLYPH_OPTIMISE = translit_family(
    "glyph_optimise", "an HLXL program, asked as HLX (keywords as glyphs; strings, comments and "
    "layout unchanged)", ("hlx",), 5, {"runic": 3})
HLX_TO_HLXL = translit_family(
    "hlx_to_hlxl", "an HLX program, asked as HLXL", ("hlxl",), 5, {"ascii": 3})
TRANSLIT = translit_family(
    "translit", "small programs transliterated HLXL to HLX and back", ("hlx", "hlxl"), 3,
    {"general": 2})
