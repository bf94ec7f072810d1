"""Definition, references, rename (HLX-SPEC §12.8, §12.9) and the outline, on both tracks, with
property tests on generated programs whose scoping is known by construction."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from svc_helpers import HOVER_SRC, at

from helix_lang.service import (
    analyze,
    answer,
    definition,
    document_symbols,
    prepare_rename,
    references,
    rename,
)
from helix_lang.translit import to_hlx

# ------------------------------------------------------------------------------- tables


def test_spec_example():
    assert answer("definition", "hlxl", HOVER_SRC, 6, 15) == "4:12"
    assert answer("references", "hlxl", HOVER_SRC, 6, 15) == "4:12\n5:28\n5:36\n6:15"
    renamed = answer("rename", "hlxl", HOVER_SRC, 4, 12, "sum")
    assert renamed == HOVER_SRC.replace("total", "sum")


SRC = """latent table t;
program p {
    block helper(a) { return a; }
    block main() using t {
        let x = 1;
        if (x > 0) { local x = 2; let y = x; }
        let x = x + 1;
        for (i in [1, 2]) { let x = i; }
        let r = x |> (x) { let k = x; return k; };
        let s = 5 |> helper |> len;
        let h = ls.collapse t tag x;
        return [x, y, r, s, ls.resolve t h, helper(len([1]))];
    }
}"""

# (token, definition, references) — tokens as (needle, k, nth)
NAV = [
    (("x = 1", 0, 1), "4:12", ["4:12", "5:12", "6:12", "6:16", "7:32", "8:16", "10:34",
                               "11:16"]),  # `let x = i` in the `for` body assigns (7:32)
    (("x = 2", 0, 1), "5:27", ["5:27", "5:42"]),
    (("y = x", 0, 1), "5:38", ["5:38", "11:19"]),  # declared in the function scope
    (("i in", 0, 1), "7:13", ["7:13", "7:36"]),
    (("(x)", 1, 1), "8:22", ["8:22", "8:35"]),  # the lambda parameter shadows `x`
    (("k;", 0, 1), "8:31", ["8:31", "8:45"]),
    (("helper", 0, 2), "2:10", ["2:10", "9:21", "11:44"]),
    (("a;", 0, 1), "2:17", ["2:17", "2:29"]),
    (("t;", 0, 1), "0:13", ["0:13", "3:23", "10:28", "11:39"]),
    (("len", 0, 1), "", ["9:31", "11:51"]),  # builtins: no definition, every call/stage
    (("tag", 0, 1), "", []),
    (("return", 0, 1), "", []),
    (("[1, 2]", 1, 1), "", []),
]


@pytest.mark.parametrize("token, defn, refs", NAV)
@pytest.mark.parametrize("track", ["hlxl", "hlx"])
def test_definition_and_references(token, defn, refs, track):
    src, pos = SRC, at(SRC, *token)
    if track == "hlx":
        line = SRC.split("\n")[pos[0]]
        src, pos = to_hlx(SRC), (pos[0], len(to_hlx(line[:pos[1]])))

        def move(p):
            line_no, col = map(int, p.split(":"))
            return f"{line_no}:{len(to_hlx(SRC.split(chr(10))[line_no][:col]))}"

        defn = move(defn) if defn else ""
        refs = [move(r) for r in refs]
    assert answer("definition", track, src, *pos) == defn
    assert answer("references", track, src, *pos) == "\n".join(refs)
    for r in refs:  # every reference leads to the same definition and the same list
        line, col = map(int, r.split(":"))
        assert answer("definition", track, src, line, col) == defn


def test_rename_rows():
    r = rename(SRC, *at(SRC, "x = 1"), "value")
    assert r.error is None
    text = r.text
    assert "local x = 2" in text and "|> (x) { let k = x;" in text
    assert text.count("value") == 8
    assert analyze(text).loads


@pytest.mark.parametrize("new, ok", [
    ("y2", True), ("_", True), ("Let", True), ("ls_x", True), ("let", False), ("ls", False),
    ("ls.x", False), ("2x", False), ("a-b", False), ("", False), ("é", False), ("null", False),
])
def test_rename_validates_the_new_name(new, ok):
    got = answer("rename", "hlxl", SRC, *at(SRC, "x = 1"), new)
    assert (got != "error: E_LC_PARSE") == ok
    r = rename(SRC, *at(SRC, "x = 1"), new)
    assert (r.message == "") == ok or not ok


def test_rename_a_block_to_a_builtin_name_is_refused_but_a_variable_may():
    assert answer("rename", "hlxl", SRC, *at(SRC, "helper"), "len") == "error: E_LC_PARSE"
    assert rename(SRC, *at(SRC, "helper"), "len").message == \
        "`len` is a builtin; a block cannot have its name"
    assert answer("rename", "hlxl", SRC, *at(SRC, "a;"), "len") != "error: E_LC_PARSE"


@pytest.mark.parametrize("token", [("len", 0, 1), ("tag", 0, 1), ("return", 0, 1)])
def test_rename_of_a_non_symbol_answers_the_source_unchanged(token):
    """Even with an invalid new name: the symbol check comes first (§12.9)."""
    assert answer("rename", "hlxl", SRC, *at(SRC, *token), "let") == SRC


def test_rename_hlx_is_the_hlxl_rename_transliterated():
    pos = at(SRC, "x = 1")
    hlx = to_hlx(SRC)
    line = SRC.split("\n")[pos[0]]
    hpos = (pos[0], len(to_hlx(line[:pos[1]])))
    assert answer("rename", "hlx", hlx, *hpos, "w") == to_hlx(answer("rename", "hlxl", SRC,
                                                                       *pos, "w"))


def test_not_loading_sources():
    broken = SRC.replace("return [", "return [[")
    pos = at(broken, "x = 1")
    assert answer("definition", "hlxl", broken, *pos) == ""
    assert answer("references", "hlxl", broken, *pos) == ""
    assert answer("rename", "hlxl", broken, *pos, "z") == broken
    # an editor still gets answers from the recovered AST
    assert str(definition(broken, *at(broken, "x, y"), lenient=True).start) == "4:12"
    assert len(references(broken, *pos, lenient=True)) == 8
    assert rename(broken, *pos, "z", lenient=True).text.count("z") >= 8


def test_prepare_rename():
    assert str(prepare_rename(SRC, *at(SRC, "x = 1", 0)).start) == "4:12"
    assert prepare_rename(SRC, *at(SRC, "len")) is None
    assert prepare_rename(SRC, *at(SRC, "return")) is None


def test_capture_warning():
    r = rename(SRC, *at(SRC, "y = x"), "x")
    assert r.error is None and "already used" in r.message


def test_document_symbols():
    (table, program) = document_symbols(SRC)
    assert (table.name, table.kind, str(table.selection.start)) == ("t", "table", "0:13")
    assert [b.name for b in program.children] == ["helper", "main"]
    main = program.children[1]
    assert [(s.name, s.kind) for s in main.children] == [
        ("x", "variable"), ("x", "variable"), ("y", "variable"), ("i", "variable"),
        ("r", "variable"), ("x", "parameter"), ("k", "variable"), ("s", "variable"),
        ("h", "variable")]
    broken = "program p { block main() { let a = ; } block f(q) { let b = 1 "
    assert [b.name for b in document_symbols(broken)[0].children] == ["main", "f"]


# ------------------------------------------------------------------------------- properties


class _Gen:
    """A random block body whose name resolution is known by construction (§10.4, §12.2).

    Every name token is recorded with the offset of its declaring token (None: unresolved),
    computed by this class's own model of frames and scopes.
    """

    NAMES = ("a", "b", "c", "xs")

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.out: list[str] = []
        self.pos = 0
        self.expect: list[tuple[int, int | None]] = []  # (offset of a name, its declaration)

    def emit(self, text: str) -> int:
        start = self.pos
        self.out.append(text)
        self.pos += len(text)
        return start

    def name_ref(self, frames: list[list[dict]]) -> None:
        name = self.rnd.choice(self.NAMES)
        decl = None
        for frame in reversed(frames):  # current frame first, then the outer ones
            for scope in reversed(frame):
                if name in scope:
                    decl = scope[name]
                    break
            if decl is not None:
                break
        self.expect.append((self.emit(name), decl))

    def expr(self, frames, depth: int) -> None:
        k = self.rnd.randrange(4 if depth < 2 else 2)
        if k == 0:
            self.emit(str(self.rnd.randrange(10)))
        elif k == 1:
            self.name_ref(frames)
        elif k == 2:
            self.emit("[")
            self.expr(frames, depth + 1)
            self.emit(", ")
            self.expr(frames, depth + 1)
            self.emit("]")
        else:  # a lambda: a new frame whose outer frames are the current ones
            self.expr(frames, depth + 1)
            self.emit(" |> (")
            param = self.rnd.choice(self.NAMES)
            frame = [{param: self.emit(param)}]
            self.emit(") { ")
            self.body(frames + [frame], depth + 1, new_scope=False)
            self.emit("return 0; }")

    def stmt(self, frames, depth: int) -> None:
        frame = frames[-1]
        k = self.rnd.randrange(6 if depth < 3 else 3)
        if k in (0, 1):  # let: assigns when bound in the current frame, else declares
            self.emit("let ")
            name = self.rnd.choice(self.NAMES)
            at = self.pos
            self.emit(name + " = ")
            self.expr(frames, depth)
            self.emit("; ")
            decl = next((s[name] for s in reversed(frame) if name in s), None)
            if decl is None:
                frame[0][name] = at
                decl = at
            self.expect.append((at, decl))
        elif k == 2:  # local: declares in the innermost scope
            self.emit("local ")
            name = self.rnd.choice(self.NAMES)
            at = self.pos
            self.emit(name + " = ")
            self.expr(frames, depth)
            self.emit("; ")
            frame[-1][name] = at
            self.expect.append((at, at))
        elif k == 3:
            self.emit("if (")
            self.expr(frames, depth)
            self.emit(") { ")
            self.body(frames, depth + 1)
            self.emit("} ")
        elif k == 4:
            self.emit("for (")
            name = self.rnd.choice(self.NAMES)
            at = self.emit(name)
            self.emit(" in ")
            self.expr(frames, depth)  # evaluated before the loop variable exists
            self.emit(") { ")
            frame.append({name: at})
            self.expect.append((at, at))
            self.body(frames, depth + 1, new_scope=False)
            frame.pop()
            self.emit("} ")
        else:
            self.emit("while (")
            self.expr(frames, depth)
            self.emit(") { ")
            self.body(frames, depth + 1)
            self.emit("} ")

    def body(self, frames, depth: int, new_scope: bool = True) -> None:
        if new_scope:
            frames[-1].append({})
        for _ in range(self.rnd.randrange(1, 4)):
            self.stmt(frames, depth)
        if new_scope:
            frames[-1].pop()

    def program(self) -> str:
        self.emit("program p { block main(a) { ")
        frames = [[{"a": self.pos - len("a) { ") - 0}]]
        frames[0][0]["a"] = len("program p { block main(")
        self.expect.append((frames[0][0]["a"], frames[0][0]["a"]))
        self.body(frames, 0, new_scope=False)
        self.emit("return 0; } }")
        return "".join(self.out)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**32), st.sampled_from(["hlxl", "hlx"]))
def test_definition_of_every_name_is_the_binding_of_the_scoping_rules(seed, track):
    g = _Gen(random.Random(seed))
    src = g.program()
    a = analyze(src)
    assert a.loads, src
    if track == "hlx":
        hlx = to_hlx(src)
        a = analyze(hlx, "hlx")
    for offset, decl in g.expect:
        pos = a.pos_of_hlxl(offset)
        got = definition(a, pos.line, pos.col)
        want = None if decl is None else a.pos_of_hlxl(decl)
        assert (None if got is None else got.start) == want, (src, offset, decl)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**32), st.data())
def test_rename_then_reanalysis_gives_the_same_references(seed, data):
    g = _Gen(random.Random(seed))
    src = g.program()
    a = analyze(src)
    declared = sorted({d for _, d in g.expect if d is not None})
    offset = data.draw(st.sampled_from(declared))
    pos = a.pos_of_hlxl(offset)
    before = references(a, pos.line, pos.col)
    r = rename(a, pos.line, pos.col, "fresh_name")
    assert r.error is None and r.message == ""
    b = analyze(r.text)
    assert b.loads
    after = references(b, pos.line, pos.col)
    # same tokens (the new name is longer: columns move after each renamed token on a line)
    assert len(after) == len(before)
    for r_old, r_new in zip(before, after):
        assert r_new.start.line == r_old.start.line
        assert b.source[b.lines.offset(r_new.start.line, r_new.start.col):][:10] == "fresh_name"
    # every other symbol keeps its references
    others = {(d) for _, d in g.expect if d is not None and d != offset}
    for d in others:
        p = a.pos_of_hlxl(d)
        old = [x.start.line for x in references(a, p.line, p.col)]
        shift = sum(1 for x in before if x.start.line == p.line and x.start.col < p.col)
        newp = (p.line, p.col + shift * (len("fresh_name") - (before[0].end.col -
                                                              before[0].start.col)))
        assert [x.start.line for x in references(b, *newp)] == old
