"""Static types (HLX-SPEC §12.4), hover and Type (§12.5) and diagnostics (§12.3), on both
tracks."""

from __future__ import annotations

import pytest

from helix_lang.hlxl.parser import load
from helix_lang.hlxl.types import (
    BUILTIN_SIGNATURES, Binding, check, compatible, diagnostics, diagnostics_answer, hover, join,
    load_diagnostic, type_at, type_errors,
)
from helix_lang.translit import to_hlx
from spec_vectors import DIAG_SRC, HOVER_SRC, at



def lc(src: str, needle: str, k: int = 0, nth: int = 1) -> str:
    line, col = at(src, needle, k, nth)
    return f"{line}:{col}"


# --- the worked examples of §12.3 and §12.5 -----------------------------------------------------

@pytest.mark.parametrize("pos, answer", [
    ((3, 12), "type: Array<Int>\nlet xs"),
    ((5, 13), "type: Int\nfor x"),
    ((5, 44), "type: Fn(Any) -> Any\nblock twice"),
    ((4, 12), "type: Int\nlet total"),
    ((6, 15), "type: Any\nlet total"),   # latest assignment is `total + twice(x)`: Int + Any
])
def test_spec_hover(pos, answer):
    assert hover(HOVER_SRC, *pos) == answer
    assert type_at(HOVER_SRC, *pos) == answer.split("\n")[0][6:]


def test_spec_type():
    assert type_at(HOVER_SRC, 3, 12) == "Array<Int>"


def test_spec_diagnostics():
    assert diagnostics_answer(DIAG_SRC) == (
        "2:17 E_CONTRACT_FIELD_MISSING contract 900 requires @2 stage\n"
        "3:20 E_TYPE_MISMATCH text - int\n"
        "4:15 E_UNDEFINED_NAME y")


def test_spec_examples_on_the_runic_track():
    hlx = to_hlx(HOVER_SRC)
    # `⊢ xs` is two columns left of `let xs`, `⟲ (x` two left of `for (x`
    assert hover(hlx, 3, 10, track="hlx") == "type: Array<Int>\nlet xs"
    assert hover(hlx, 5, 11, track="hlx") == "type: Int\nfor x"
    assert hover(hlx, 5, 40, track="hlx") == "type: Fn(Any) -> Any\nblock twice"
    assert hover(hlx, 6, 10, track="hlx") == "type: Any\nlet total"
    assert diagnostics_answer(to_hlx(DIAG_SRC), track="hlx") == (
        "2:15 E_CONTRACT_FIELD_MISSING contract 900 requires @2 stage\n"
        "3:18 E_TYPE_MISMATCH text - int\n"
        "4:10 E_UNDEFINED_NAME y")


# --- static types of expressions (§12.4) --------------------------------------------------------

def expr_type(expr: str, pre: str = "", blocks: str = "") -> str:
    src = ("latent table tb;\nprogram p {\n" + blocks +
           "\nblock main(q) {\n" + pre + "\nlet r = " + expr + ";\nreturn r;\n}\n}")
    info = check(load(src))
    let = info.file.program.blocks[-1].body.stmts[-2]
    return info.type_of(let.value)


EXPR_ROWS = [
    # literals
    ("1", "Int"), ("1.5", "Float"), ("1e3", "Float"), ('"s"', "Text"), ('x"00"', "Bytes"),
    ('b"ab"', "Bytes"), ("&h_a", "Handle"), ("null", "Null"), ("true", "Bool"),
    ("false", "Bool"),
    # arrays and maps
    ("[]", "Array<Any>"), ("[1, 2]", "Array<Int>"), ("[1, 2.0]", "Array<Any>"),
    ("[[1], [2]]", "Array<Array<Int>>"), ("[[1], []]", "Array<Any>"), ("[q]", "Array<Any>"),
    ("{}", "Map<Any>"), ("{a: 1}", "Map<Int>"), ('{a: 1, "b c": 2}', "Map<Int>"),
    ('{a: 1, b: "x"}', "Map<Any>"), ("{a: [1.5]}", "Map<Array<Float>>"),
    # contracts
    ("{14: {@0: 1}}", "Contract<14>"), ("{5000: {}}", "Contract<5000>"),
    ("contract 902 {}", "Contract<902>"), ("[contract 14 {}]", "Array<Contract<14>>"),
    # unary
    ("-1", "Int"), ("-1.5", "Float"), ('-"a"', "Any"), ("-q", "Any"), ("!1", "Bool"),
    ("!q", "Bool"), ("--1", "Int"),
    # + and the other arithmetic operators
    ("1 + 2", "Int"), ("1 + 2.0", "Float"), ("1.0 + 2", "Float"), ("1.0 + 2.0", "Float"),
    ('"a" + "b"', "Text"), ('x"00" + b"a"', "Bytes"), ("[1] + [2]", "Array<Int>"),
    ('[1] + ["a"]', "Array<Any>"), ("[1] + []", "Array<Any>"), ("true + 1", "Any"),
    ("q + 1", "Any"), ('"a" + 1', "Any"), ("{} + {}", "Any"),
    ("1 - 2", "Int"), ("1 * 2", "Int"), ("7 / 2", "Int"), ("7 % 2", "Int"),
    ("1 - 2.0", "Float"), ("1.5 * 2", "Float"), ("1 / 2.0", "Float"), ("1.5 % 2.5", "Float"),
    ('"a" - 1', "Any"), ("q * 2", "Any"), ("[1] - [1]", "Any"),
    # comparisons and logic
    ("1 < 2", "Bool"), ('"a" <= "b"', "Bool"), ("1 > q", "Bool"), ("1 >= 2", "Bool"),
    ("1 == 1.0", "Bool"), ("q != null", "Bool"), ("1 && q", "Bool"), ("null || 0", "Bool"),
    # blocks and builtins
    ("two(1, 2)", "Int"), ("1 |> one", "Text"), ("none()", "Null"),
    ("len(q)", "Int"), ("type(1)", "Text"), ("str(1)", "Text"), ("int(1.5)", "Int"),
    ("float(1)", "Float"), ("keys({a: 1})", "Array<Text>"), ("range(3)", "Array<Int>"),
    ("append([1], 2)", "Array<Int>"), ('append([1], "a")', "Array<Any>"),
    ("append(q, 2)", "Array<Any>"), ("append([], 2)", "Array<Any>"),
    ("[1] |> append", "Array<Any>"), ("q |> len", "Int"), ("q |> keys", "Array<Text>"),
    # lambdas: the parameter has the type of the piped value
    ('"s" |> (v) { return v; }', "Text"), ("[1] |> (v) { return v[0]; }", "Int"),
    ("1 |> (v) { let w = v; }", "Null"), ("1 |> (v) { return; }", "Null"),
    ("1 |> (v) { if (v) { return 1; } }", "Any"),
    ("1 |> (v) { if (v) { return 1; } return 2; }", "Int"),
    ("3 |> (v) { return v * 2; } |> (w) { return w + 0.5; }", "Float"),
    ("1 |> (v) { return 2 |> (w) { return [v, w]; }; }", "Array<Int>"),
    # indexing
    ("[1][0]", "Int"), ("[[1]][q]", "Array<Int>"), ('"abc"[0]', "Text"), ('x"00"[0]', "Int"),
    ('{a: 1.5}["a"]', "Float"), ("{14: {@0: 1}}[0]", "Int"), ("{902: {}}[1]", "Array<Handle>"),
    ("{902: {}}[2]", "Array<Map<Any>>"), ("{902: {}}[7]", "Any"), ("{1000: {}}[5]", "Any"),
    ("{5000: {}}[0]", "Any"), ("{902: {}}[q]", "Any"), ("{902: {}}[-1]", "Any"),
    ("1[0]", "Any"), ("q[0]", "Any"),
    # member access
    ("{a: 1}.a", "Int"), ("{a: [1]}.b", "Array<Int>"), ("(contract 902 {}).stages",
                                                          "Array<Handle>"),
    ("(contract 901 {}).workgroup_size", "Array<Int>"), ("(contract 902 {}).zzz", "Any"),
    ("{5000: {}}.x", "Any"), ("q.a", "Any"), ('"s".a', "Any"),
    # latent-space operations
    ("ls.collapse node 1", "Handle"), ("ls.collapse tb node 1", "Handle"),
    ("ls.resolve &h_a", "Any"), ("ls.resolve tb &h_a", "Any"), ("ls.snapshot", "Map<Any>"),
    ("ls.snapshot tb", "Map<Any>"), ("ls.snapshot.count", "Any"), ("ls.fingerprint 1", "Text"),
    ("ls.validate 1", "Bool"),
    # unresolved names
    ("zz", "Any"), ("nope(1)", "Any"), ("1 |> nope", "Any"),
]

BLOCKS = ("block two(a, b) { return 1; }\nblock one(a) { return str(a); }\n"
          "block none() { }")


@pytest.mark.parametrize("expr, expected", EXPR_ROWS)
def test_expression_types(expr, expected):
    assert expr_type(expr, blocks=BLOCKS) == expected


def test_join():
    assert join([]) == "Any"
    assert join(["Int"]) == "Int"
    assert join(["Int", "Int"]) == "Int"
    assert join(["Int", "Float"]) == "Any"
    assert join(["Array<Int>", "Array<Any>"]) == "Any"


@pytest.mark.parametrize("t, s, ok", [
    ("Any", "Int", True), ("Int", "Any", True), ("Int", "Int", True), ("Int", "Float", False),
    ("Array<Any>", "Array<Handle>", True), ("Array<Text>", "Array<Handle>", False),
    ("Array<Array<Any>>", "Array<Array<Int>>", True), ("Map<Int>", "Map<Any>", True),
    ("Map<Int>", "Array<Int>", False), ("Contract<5>", "Contract<5>", True),
    ("Contract<4>", "Contract<5>", False), ("Array<Map<Int>>", "Array<Map<Any>>", True),
])
def test_compatible(t, s, ok):
    assert compatible(t, s) is ok


# --- variable references: the latest assignment ending before the reference --------------------

def var_types(body: str, params: str = "q") -> list[tuple[str, str]]:
    """(text, type) of every variable reference in ``main``."""
    from helix_lang.ast import Var, walk
    src = "program p { block main(" + params + ") { " + body + " } }"
    info = check(load(src))
    main = info.file.program.blocks[-1]
    return [(n.name.text, info.type_of(n)) for n in walk(main.body) if isinstance(n, Var)]


@pytest.mark.parametrize("body, expected", [
    ('let x = 1; let y = x; let x = "s"; let z = x;', [("x", "Int"), ("x", "Text")]),
    ("let x = 1; let x = x + 0.5; return x;", [("x", "Int"), ("x", "Float")]),
    ('let t = 0; while (q) { let u = t; let t = "s"; } return t;',
     [("q", "Any"), ("t", "Int"), ("t", "Text")]),
    ("let t = 0; if (q) { local t = 1.5; return t; } return t;",
     [("q", "Any"), ("t", "Float"), ("t", "Int")]),
    # a lambda's `let` declares its own variable, the outer one keeps its type
    ('let k = 1; let r = 2 |> (v) { let k = "s"; return k; }; return [k, r];',
     [("k", "Text"), ("k", "Int"), ("r", "Text")]),
    ('let k = 1; let r = "s" |> (v) { return [k, v]; }; return r;',
     [("k", "Int"), ("v", "Text"), ("r", "Array<Any>")]),
    # parameters and loop variables
    ("return q;", [("q", "Any")]),
    ("for (x in [[1]]) { return x; }", [("x", "Array<Int>")]),
    ("for (x in {a: 1}) { return x; }", [("x", "Text")]),
    ('for (x in "abc") { return x; }', [("x", "Any")]),
    ("for (x in q) { return x; }", [("q", "Any"), ("x", "Any")]),
    ("for (x in range(3)) { let x = x * 1.5; return x; }", [("x", "Int"), ("x", "Float")]),
    ("local a = [1]; return a;", [("a", "Array<Int>")]),
])
def test_variable_reference_types(body, expected):
    assert var_types(body) == expected


# --- block return types and signatures ----------------------------------------------------------

@pytest.mark.parametrize("block, signature", [
    ("block f() { }", "Fn() -> Null"),
    ("block f() { return; }", "Fn() -> Null"),
    ("block f() { return 1; }", "Fn() -> Int"),
    ("block f(a, b) { return a; }", "Fn(Any, Any) -> Any"),
    ("block f() { let x = 1; }", "Fn() -> Null"),
    ("block f(c) { if (c) { return 1; } }", "Fn(Any) -> Any"),
    ("block f(c) { if (c) { return 1; } return 2; }", "Fn(Any) -> Int"),
    ("block f(c) { if (c) { return 1; } else { return 2; } }", "Fn(Any) -> Any"),
    ("block f(c) { if (c) { return; } }", "Fn(Any) -> Null"),
    ("block f(c) { if (c) { return 1; } else if (c) { return 2; } else { return 3; } return 4; }",
     "Fn(Any) -> Int"),
    ("block f() { while (true) { return 1; } return 1; }", "Fn() -> Int"),
    ('block f() { for (x in [1]) { return "a"; } return 1; }', "Fn() -> Any"),
    ('block f() { ls.transaction { return "a"; } return "b"; }', "Fn() -> Text"),
    # returns inside lambdas do not count
    ('block f() { let x = 1 |> (v) { return "s"; }; return 1; }', "Fn() -> Int"),
    ('block f() { return 1 |> (v) { return "s"; }; }', "Fn() -> Text"),
    # recursion: a call that reaches the block being computed has type Any
    ("block f(n) { return f(n); }", "Fn(Any) -> Any"),
    ("block f(n) { if (n) { return 1; } return f(n) + 1; }", "Fn(Any) -> Any"),
    ("block f(n) { return len(f(n)); }", "Fn(Any) -> Int"),
    ("block f(n) { return n |> f |> str; }", "Fn(Any) -> Text"),
])
def test_block_signatures(block, signature):
    src = "program p { " + block + " block main() { return f; } }"
    info = check(load(src))
    assert info.signature(info.res.blocks["f"]) == signature
    assert hover(src, 0, 18) == f"type: {signature}\nblock f"


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")])
def test_mutual_recursion_does_not_depend_on_order(order):
    text = {"a": "block a() { return b(); }", "b": "block b() { return [a()]; }"}
    src = "program p { " + " ".join(text[n] for n in order) + " block main() { return a(); } }"
    info = check(load(src))
    assert info.block_return("a") == "Array<Any>"
    assert info.block_return("b") == "Array<Any>"
    assert type_at(src, *at(src, "a()")) == "Fn() -> Array<Any>"


@pytest.mark.parametrize("name, signature", sorted(BUILTIN_SIGNATURES.items()))
def test_builtin_signatures(name, signature):
    args = "[1], 2" if name == "append" else "1"
    src = "program p { block main() { return " + name + "(" + args + "); } }"
    assert hover(src, *at(src, name + "(")) == f"type: {signature}\nbuiltin {name}"


def test_binding_types():
    src = ("program p {\n  block f(a) { return a; }\n  block main() {\n    let x = 1;\n"
           "    local y = [x];\n    for (i in y) { let x = i + 0.5; }\n"
           "    return 1 |> (v) { return v; };\n  }\n}")
    assert check(load(src)).binding_types() == [
        Binding("f", 2, 9, "Fn(Any) -> Any", "block"),
        Binding("a", 2, 11, "Any", "param"),
        Binding("main", 3, 9, "Fn() -> Int", "block"),
        Binding("x", 4, 9, "Int", "let"),
        Binding("y", 5, 11, "Array<Int>", "local"),
        Binding("i", 6, 10, "Int", "for"),
        Binding("x", 6, 24, "Float", "let"),
        Binding("v", 7, 18, "Int", "param"),
    ]


# --- hover: every row kind of §12.5 -------------------------------------------------------------

KINDS_SRC = """latent table tb;
program demo {
    block helper(a, b) { return [a, b]; }
    block main() using tb {
        let h = ls.collapse tb node 42;
        local v = ls.resolve h;
        ls.guard h != null;
        ls.transaction { let s = ls.snapshot; }
        let f = ls.fingerprint v;
        let ok = ls.validate {900: {@0: &h_spirv, @1: "main", @2: "compute", @3: [&h_a]}};
        let c = contract 902 { pipeline_id: "p", stages: [&h_a], @3: &h_out };
        let u = {5000: {@1: x"00ff"}};
        let o = contract 1000 { op: "read", @4: b"ab" };
        let k = contract 820 { op_code: 1, "table": "main" };
        let bad = {902: {@0: "p", @1: [&h_a], @7: 1}};
        let m = {name: -1.5, "quoted": true, n: false, z: null};
        let w = [1, 2] |> (p) { return p |> len; };
        for (e in keys(m)) { let w = append(helper(e, 1), e); }
        return [m.name, c.stages, w, c |> str, u[1], ls.snapshot tb];
    }
}"""

HOVER_ROWS = [
    # variables: declaring, assigning and referencing tokens
    (("h =", 0), "type: Handle\nlet h"),
    (("h;", 0), "type: Handle\nlet h"),
    (("h !=", 0), "type: Handle\nlet h"),
    (("v =", 0), "type: Any\nlocal v"),
    (("v;", 0), "type: Any\nlocal v"),
    (("s =", 0), "type: Map<Any>\nlet s"),
    (("ok =", 0), "type: Bool\nlet ok"),
    (("c =", 0), "type: Contract<902>\nlet c"),
    (("c.stages", 0), "type: Contract<902>\nlet c"),
    (("a, b)", 0), "type: Any\nparam a"),
    (("b]", 0), "type: Any\nparam b"),
    (("p) {", 0), "type: Array<Int>\nparam p"),          # lambda parameter
    (("p |> len", 0), "type: Array<Int>\nparam p"),
    (("e in", 0), "type: Text\nfor e"),
    (("e, 1", 0), "type: Text\nfor e"),
    (("w =", 0), "type: Int\nlet w"),
    (("w = append", 0), "type: Array<Any>\nlet w"),      # an assigning `let`
    (("w, c", 0), "type: Array<Any>\nlet w"),
    (("m.name", 0), "type: Map<Any>\nlet m"),
    # blocks (declaration, call) and builtins (call, stage)
    (("helper(a", 0), "type: Fn(Any, Any) -> Array<Any>\nblock helper"),
    (("helper(e", 0), "type: Fn(Any, Any) -> Array<Any>\nblock helper"),
    (("main()", 0), "type: Fn() -> Array<Any>\nblock main"),
    (("len;", 0), "type: Fn(Any) -> Int\nbuiltin len"),
    (("keys(", 0), "type: Fn(Map<Any>) -> Array<Text>\nbuiltin keys"),
    (("append(", 0), "type: Fn(Array<Any>, Any) -> Array<Any>\nbuiltin append"),
    (("str,", 0), "type: Fn(Any) -> Text\nbuiltin str"),
    # the seven LSOPs
    (("ls.collapse", 0), "type: Handle\nls.collapse"),
    (("ls.collapse", 5), "type: Handle\nls.collapse"),
    (("ls.resolve", 0), "type: Any\nls.resolve"),
    (("ls.guard", 0), "type: Null\nls.guard"),
    (("ls.transaction", 0), "type: Null\nls.transaction"),
    (("ls.snapshot;", 0), "type: Map<Any>\nls.snapshot"),
    (("ls.snapshot tb", 0), "type: Map<Any>\nls.snapshot"),
    (("ls.fingerprint", 0), "type: Text\nls.fingerprint"),
    (("ls.validate", 0), "type: Bool\nls.validate"),
    # literal tokens
    (("42", 0), "type: Int\nliteral"),
    (("42", 1), "type: Int\nliteral"),
    (("1.5", 0), "type: Float\nliteral"),
    (('"main"', 0), "type: Text\nliteral"),
    (('x"00ff"', 0), "type: Bytes\nliteral"),
    (('b"ab"', 1), "type: Bytes\nliteral"),
    (("&h_spirv", 3), "type: Handle\nliteral"),
    (("null}", 0), "type: Null\nliteral"),
    (("true", 0), "type: Bool\nliteral"),
    (("false", 0), "type: Bool\nliteral"),
    # contract ids
    (("900", 0), "type: Contract<900>\ncontract 900 VulkanShader"),
    (("902 {", 0), "type: Contract<902>\ncontract 902 PipelineConfig"),
    (("5000", 0), "type: Contract<5000>\ncontract 5000"),
    (("1000", 0), "type: Contract<1000>\ncontract 1000 Operation"),
    # fields and entry names
    (("@0: &h_spirv", 0), "type: Handle\nfield @0 spirv (required)"),
    (("@3: [&h_a]", 0), "type: Array<Handle>\nfield @3 descriptor_bindings (optional)"),
    (("pipeline_id", 0), "type: Text\nfield @0 pipeline_id (required)"),
    (("stages:", 0), "type: Array<Handle>\nfield @1 stages (required)"),
    (("@3: &h_out", 0), "type: Handle\nfield @3 output_image (optional)"),
    (("@1: x", 0), "type: Any\nfield @1"),                # unregistered contract
    (("@4", 0), "type: Any\nfield @4 (variadic)"),
    (("op:", 0), "type: Text\nfield @0 op (required)"),
    (('"table"', 0), "type: Text\nfield @1 table (required)"),
    (("op_code", 0), "type: Int\nfield @0 op_code (required)"),
    (("@7", 0), "type: Any\nfield @7"),                   # not in the schema
]

EMPTY_ROWS = [
    ("tb;", 0), ("tb {", 0), ("tb node", 0), ("tb]", 0),   # tables
    ("node", 0),                                           # a collapse tag
    ("name:", 0), ('"quoted"', 0), ("n: false", 0),        # map keys
    ("name, c", 0), ("stages, w", 0),                      # member names
    ("program", 0), ("demo", 0), ("block helper", 0), ("using", 0), ("let h", 0),
    ("contract 902", 0), ("for", 0), ("in keys", 0), ("return [a", 0),   # keywords, names
    ("-1.5", 0), ("= ls.collapse", 0), ("[a, b]", 0), ("{900", 0), ("|> len", 0),  # punct
    ("    block main", 1),                                 # whitespace
]


@pytest.mark.parametrize("where, answer", HOVER_ROWS)
def test_hover_rows(where, answer):
    pos = at(KINDS_SRC, *where)
    assert hover(KINDS_SRC, *pos) == answer
    assert type_at(KINDS_SRC, *pos) == answer.split("\n")[0][len("type: "):]


@pytest.mark.parametrize("where", EMPTY_ROWS)
def test_hover_empty(where):
    pos = at(KINDS_SRC, *where)
    assert hover(KINDS_SRC, *pos) == ""
    assert type_at(KINDS_SRC, *pos) is None


def test_kinds_source_has_only_the_expected_findings():
    assert diagnostics_answer(KINDS_SRC) == (
        f"{lc(KINDS_SRC, '@7')} E_CONTRACT_UNKNOWN_FIELD contract 902 PipelineConfig has no "
        "field @7")


def test_hover_needs_a_source_that_loads():
    broken = HOVER_SRC.replace("return total;", "return total +;")
    assert hover(broken, 3, 12) == "" and type_at(broken, 3, 12) is None
    assert hover("program p { block main() {} block main() {} }", 0, 18) == ""


def test_hover_positions_outside_the_text():
    assert hover(HOVER_SRC, 99, 0) == ""
    assert hover(HOVER_SRC, 3, 200) == ""
    assert hover(HOVER_SRC, 3, 27) == ""   # the line end: the `;` ends there


def test_hover_unresolved_names_are_empty():
    src = "program p { block main() { return [q, nope(1)]; } }"
    assert hover(src, *at(src, "q")) == ""
    assert hover(src, *at(src, "nope")) == ""


# --- the runic track ----------------------------------------------------------------------------

KINDS_HLX = to_hlx(KINDS_SRC)


@pytest.mark.parametrize("glyph, nth, answer", [
    ("⚳", 1, "type: Handle\nls.collapse"),
    ("⚯", 1, "type: Any\nls.resolve"),
    ("⚐", 1, "type: Null\nls.guard"),
    ("⚿", 1, "type: Null\nls.transaction"),
    ("⚶", 1, "type: Map<Any>\nls.snapshot"),
    ("⚉", 1, "type: Text\nls.fingerprint"),
    ("⚇", 1, "type: Bool\nls.validate"),
    ("⟁", 1, "type: Handle\nliteral"),
    ("⊢", 1, ""), ("⊡", 1, ""), ("◇", 1, ""), ("⟠", 1, ""), ("ꙮ", 1, ""), ("⌸", 1, ""),
    ("▣", 1, ""), ("⟲", 1, ""), ("↩", 1, ""), ("▷", 1, ""),
])
def test_hover_on_glyphs(glyph, nth, answer):
    line, col = at(KINDS_HLX, glyph, 0, nth)
    assert hover(KINDS_HLX, line, col, track="hlx") == answer
    if KINDS_HLX.split("\n")[line][col + 1] == " ":  # right after the glyph: it ends there
        assert hover(KINDS_HLX, line, col + 1, track="hlx") == answer


@pytest.mark.parametrize("where, answer", HOVER_ROWS)
def test_hover_rows_on_the_runic_track(where, answer):
    needle, k = where
    hlx_needle = to_hlx(needle)
    if hlx_needle != needle:  # a needle with a keyword in it: ask at its HLX spelling
        k = min(k, len(hlx_needle) - 1)
    pos = at(KINDS_HLX, hlx_needle, k)
    assert hover(KINDS_HLX, *pos, track="hlx") == answer


def test_runic_track_handle_name_and_after_glyph():
    hlx = "⟠ p { ◇ main() { ⊢ h = ⚳ tag ⟁abc; ↩ h; } }"
    assert hover(hlx, *at(hlx, "abc"), track="hlx") == "type: Handle\nliteral"
    assert hover(hlx, *at(hlx, "h ="), track="hlx") == "type: Handle\nlet h"
    assert type_at(hlx, *at(hlx, "h;"), track="hlx") == "Handle"


# --- phase-2 diagnostics (§12.3) ----------------------------------------------------------------

def prog(body: str) -> str:
    return ("program p {\n    block two(a, b) { return a; }\n    block main() {\n        "
            + body + "\n    }\n    block none() { }\n}")


# (body, [(code, needle, k, nth, message)])
DIAG_ROWS = [
    # E_TYPE_MISMATCH: binary operators with both types known
    ('return 1 + "a";', [("E_TYPE_MISMATCH", "+", 0, 1, "int + text")]),
    ("return [1] + 1;", [("E_TYPE_MISMATCH", "+", 0, 1, "array + int")]),
    ("return {a: 1} + {b: 2};", [("E_TYPE_MISMATCH", "+", 0, 1, "map + map")]),
    ("return true - 1;", [("E_TYPE_MISMATCH", "-", 0, 1, "bool - int")]),
    ('return "a" * 2;', [("E_TYPE_MISMATCH", "*", 0, 1, "text * int")]),
    ("return null / 2;", [("E_TYPE_MISMATCH", "/", 0, 1, "null / int")]),
    ("return 5 % &h_a;", [("E_TYPE_MISMATCH", "%", 0, 1, "int % handle")]),
    ('return "a" < 1;', [("E_TYPE_MISMATCH", "<", 0, 1, "text < int")]),
    ("return x\"00\" <= x\"01\";", [("E_TYPE_MISMATCH", "<=", 0, 1, "bytes <= bytes")]),
    ("return [1] > [2];", [("E_TYPE_MISMATCH", ">", 0, 1, "array > array")]),
    ("return {14: {@0: 1}} >= 1;", [("E_TYPE_MISMATCH", ">=", 0, 1, "contract >= int")]),
    ("return 1 + 2 + \"a\";", [("E_TYPE_MISMATCH", "+", 0, 2, "int + text")]),
    ('return len([1]) - "b";', [("E_TYPE_MISMATCH", "-", 0, 1, "int - text")]),
    ("return none() + 1;", [("E_TYPE_MISMATCH", "+", 0, 1, "null + int")]),
    # allowed combinations and Any operands give nothing
    ('return [1 + 2.5, "a" + "b", x"00" + x"01", [1] + ["a"], "a" < "b", 1 <= 2.5, 7 % 2];',
     []),
    ('return [q + 1, 1 - q, q < "x", -q, q[0], [1][q], null == 1, true && 1, !q];', None),
    # unary minus
    ('return -"a";', [("E_TYPE_MISMATCH", "-", 0, 1, "-text")]),
    ("return -[1];", [("E_TYPE_MISMATCH", "-", 0, 1, "-array")]),
    ("return -true;", [("E_TYPE_MISMATCH", "-", 0, 1, "-bool")]),
    ("return [-1, -1.5, -(1 + 2.5), !\"a\"];", []),
    # indexing
    ('return [1]["a"];', [("E_TYPE_MISMATCH", "[", 0, 2, "array[text]")]),
    ("return {a: 1}[0];", [("E_TYPE_MISMATCH", "[", 0, 1, "map[int]")]),
    ('return "abc"[1.5];', [("E_TYPE_MISMATCH", "[", 0, 1, "text[float]")]),
    ("return 1[0];", [("E_TYPE_MISMATCH", "[", 0, 1, "int[int]")]),
    ('return {14: {@0: 1}}["x"];', [("E_TYPE_MISMATCH", "[", 0, 1, "contract[text]")]),
    ('return [[1][0], "a"[0], x"00"[0], {a: 1}["a"], {14: {@0: 1}}[0]];', []),
    # arity of calls and stages
    ("return len(1, 2);", [("E_TYPE_MISMATCH", "len", 0, 1,
                            "builtin len takes 1 argument, got 2")]),
    ("return append([1]);", [("E_TYPE_MISMATCH", "append", 0, 1,
                              "builtin append takes 2 arguments, got 1")]),
    ("return [1] |> append;", [("E_TYPE_MISMATCH", "append", 0, 1,
                                "builtin append takes 2 arguments, got 1")]),
    ("return range();", [("E_TYPE_MISMATCH", "range", 0, 1,
                          "builtin range takes 1 argument, got 0")]),
    ("return two(1);", [("E_TYPE_MISMATCH", "two", 0, 2, "block two takes 2 arguments, got 1")]),
    ("return 1 |> two;", [("E_TYPE_MISMATCH", "two", 0, 2,
                           "block two takes 2 arguments, got 1")]),
    ("return main(1);", [("E_TYPE_MISMATCH", "main", 0, 2, "block main takes 0 arguments, got 1")]),
    ("return [two(1, 2), 1 |> len, len(1)];", []),
    # E_UNDEFINED_NAME
    ("return y;", [("E_UNDEFINED_NAME", "y", 0, 1, "y")]),
    ("return nope(1);", [("E_UNDEFINED_NAME", "nope", 0, 1, "nope")]),
    ("return 1 |> nada;", [("E_UNDEFINED_NAME", "nada", 0, 1, "nada")]),
    ("return two;", [("E_UNDEFINED_NAME", "two", 0, 2, "two")]),   # a block is not a variable
    ("if (true) { local t = 1; } return t;", [("E_UNDEFINED_NAME", "t;", 0, 1, "t")]),
    ("let k = k + 1;", [("E_UNDEFINED_NAME", "k +", 0, 1, "k")]),
    ("return 1 |> (v) { return w; };", [("E_UNDEFINED_NAME", "w;", 0, 1, "w")]),
    ("return [zz(yy), 1 |> (v) { return v; }];", [("E_UNDEFINED_NAME", "zz", 0, 1, "zz"),
                                                   ("E_UNDEFINED_NAME", "yy", 0, 1, "yy")]),
    # contract findings: missing (at the id, one per field), unknown (at `@i`), type (at `@i`/name)
    ("return {900: {@0: &h_s}};", [
        ("E_CONTRACT_FIELD_MISSING", "900", 0, 1, "contract 900 requires @1 entry_point"),
        ("E_CONTRACT_FIELD_MISSING", "900", 0, 1, "contract 900 requires @2 stage")]),
    ("return contract 14 {};", [("E_CONTRACT_FIELD_MISSING", "14", 0, 1,
                                 "contract 14 requires @0 value")]),
    ('return {902: {@0: "p", @1: [&h_a], @7: 1}};',
     [("E_CONTRACT_UNKNOWN_FIELD", "@7", 0, 1, "contract 902 PipelineConfig has no field @7")]),
    ('return {900: {@0: &h_s, @1: "main", @2: "geometry"}};',
     [("E_CONTRACT_FIELD_TYPE", "@2", 0, 1, None)]),
    ('return {901: {@0: "k", @1: &h_s, @2: [8, 8, 0]}};',
     [("E_CONTRACT_FIELD_TYPE", "@2", 0, 1, None)]),
    ('return {902: {@0: "p", @1: [], @7: 1}};',
     [("E_CONTRACT_FIELD_TYPE", "@1", 0, 1, None),
      ("E_CONTRACT_UNKNOWN_FIELD", "@7", 0, 1, None)]),
    ("return [{14: {}}, {5000: {@3: {16: {@0: 1}}}}];",
     [("E_CONTRACT_FIELD_MISSING", "14", 0, 1, None),
      ("E_CONTRACT_FIELD_TYPE", "@0", 0, 1, "contract 16 field @0 value must be Text; the value "
                                            "does not match")]),
    ('return {1000: {@0: "read", @1: 1, @9: [2]}};', []),
    ("return contract 15 { value: -5 };", [("E_CONTRACT_FIELD_TYPE", "value", 0, 1, None)]),
    ("return contract 14 { value: -5 };", []),                     # a leading `-` is allowed
    ("return contract 14 { value: -9223372036854775808 };", []),
    ("return contract 901 { kernel_name: \"k\", shader: &h_s, workgroup_size: [1, 1, 1], "
     "shared_memory_bytes: -1 };", [("E_CONTRACT_FIELD_TYPE", "shared_memory_bytes", 0, 1,
                                     None)]),
    ('return contract 820 { op_code: 4, "table": "main" };',
     [("E_CONTRACT_FIELD_TYPE", "op_code", 0, 1, None)]),
    ('return contract 820 { op_code: 1, "table": 5 };',
     [("E_CONTRACT_FIELD_TYPE", '"table"', 0, 1, None)]),
    # not value literals: the static type decides, constraints are not checked
    ('let x = "s"; return {902: {@0: x, @1: [x]}};',
     [("E_CONTRACT_FIELD_TYPE", "@1", 0, 1, "contract 902 field @1 stages must be "
                                            "Array<Handle> (nonempty); the value is Array<Text>")]),
    ("let x = 1; return {902: {@0: x, @1: [&h_a, 2]}};",
     [("E_CONTRACT_FIELD_TYPE", "@0", 0, 1, "contract 902 field @0 pipeline_id must be Text; "
                                            "the value is Int"),
      ("E_CONTRACT_FIELD_TYPE", "@1", 0, 1, None)]),
    ("return contract 901 { kernel_name: str(1), shader: ls.collapse t 1, "
     "workgroup_size: range(0), shared_memory_bytes: 1 - 2 };", []),
    ('return contract 902 { pipeline_id: q, stages: [q], sync_barriers: [{a: 1}] };', None),
    ("return contract 3 { contract_id: 1, fields: [contract 2 { index: 1, value: 2 }] };", []),
    ("return contract 3 { contract_id: 1, fields: [contract 2 { index: 1, value: 2 }, 1] };",
     [("E_CONTRACT_FIELD_TYPE", "fields", 0, 1, None)]),
    ("return contract 4 { root: 1, provenance: contract 5 {} };",
     [("E_CONTRACT_FIELD_MISSING", "5 {", 0, 1, "contract 5 requires @0 profile")]),
    ('return contract 4 { root: 1, provenance: {5: {@0: "x"}} |> (v) { return v; } };', []),
    ("return contract 4 { root: 1, provenance: contract 4 { root: 1 } };",
     [("E_CONTRACT_FIELD_TYPE", "provenance", 0, 1, None)]),
    ("return contract 4 { root: 1, provenance: [1] |> len };",
     [("E_CONTRACT_FIELD_TYPE", "provenance", 0, 1, "contract 4 field @1 provenance must be "
                                                    "Contract<5>; the value is Int")]),
    ("return {5000: {@0: 1}};", []),                                # unregistered: nothing
]


@pytest.mark.parametrize("body, expected", DIAG_ROWS)
def test_phase2_diagnostics(body, expected):
    if expected is None:  # the `q`-variants: Any operands; declare q first
        body, expected = "let q = two(1, 2) |> (v) { return v[0]; };\n        " + body, []
        assert type_at(prog(body), *at(prog(body), "q =")) == "Any"
    src = prog(body)
    got = [line.split(" ", 2) for line in diagnostics_answer(src).split("\n") if line]
    want = [[lc(src, needle, k, nth), code, msg] for code, needle, k, nth, msg in expected]
    assert [g[:2] for g in got] == [w[:2] for w in want]
    for g, w in zip(got, want):
        if w[2] is not None:
            assert g[2] == w[2]


def test_type_errors_are_one_based_and_sorted():
    src = prog('return [y, "a" - 1, {900: {}}];')
    errors = type_errors(load(src))
    assert [(e.code, e.line, e.column) for e in errors] == [
        ("E_UNDEFINED_NAME", 4, 17),
        ("E_TYPE_MISMATCH", 4, 24),
        ("E_CONTRACT_FIELD_MISSING", 4, 30),
        ("E_CONTRACT_FIELD_MISSING", 4, 30),
        ("E_CONTRACT_FIELD_MISSING", 4, 30),
    ]
    assert [e.message for e in type_errors(check(load(src)))] == [e.message for e in errors]
    assert diagnostics_answer(src).split("\n")[2:] == [
        "3:29 E_CONTRACT_FIELD_MISSING contract 900 requires @0 spirv",
        "3:29 E_CONTRACT_FIELD_MISSING contract 900 requires @1 entry_point",
        "3:29 E_CONTRACT_FIELD_MISSING contract 900 requires @2 stage",
    ]


def test_clean_source_has_no_diagnostics():
    assert diagnostics_answer(HOVER_SRC) == ""
    assert diagnostics(HOVER_SRC) == []


def test_phase2_on_the_runic_track():
    src = prog('let s = "a"; return [s - 1, ls.collapse t s, nope];')
    hlx = to_hlx(src)
    assert diagnostics_answer(hlx, track="hlx") == (
        f"{lc(hlx, '-')} E_TYPE_MISMATCH text - int\n"
        f"{lc(hlx, 'nope')} E_UNDEFINED_NAME nope")


# --- phase 1: the one diagnostic of a source that does not load ---------------------------------

def deep(n: int) -> str:
    return "[" * n + "1" + "]" * n


PHASE1_ROWS = [
    # syntax errors, first in text order; a syntax error wins over any load error
    ("hlxl", "program p { block main() { return 1 +; } }", "E_LC_PARSE", ";", 0),
    ("hlxl", 'program p { block main() { return "\\q" + ; } }', "E_LC_PARSE", ";", 0),
    ("hlxl", "program p { block main() { return ls.foo; } }", "E_LC_PARSE", "ls.foo", 0),
    ("hlxl", "program p { block main() { return é; } }", "E_LC_PARSE", "é", 0),
    ("hlxl", "program p { block main() { let let = 1; } }", "E_LC_PARSE", "let =", 0),
    ("hlxl", "program p { block main() { return " + deep(300) + "; } }",
     "E_DEPTH_EXCEEDED", "[", 254),
    ("hlxl", "program p { block main() { return 1 +; return " + deep(300) + "; } }",
     "E_LC_PARSE", ";", 0),
    ("hlxl", "program p { block main() { return " + deep(300) + "; return 1 +; } }",
     "E_DEPTH_EXCEEDED", "[", 254),
    ("hlxl", "", "E_LC_PARSE", None, 0),
    # load errors: the one with the smallest position
    ("hlxl", 'program p { block main() { return "\\q"; } }', "E_INVALID_ESCAPE", "\\q", 0),
    ("hlxl", 'program p { block main() { return x"abc"; } }', "E_INVALID_HEX", "abc", 0),
    ("hlxl", 'program p { block main() { return x"abc"; } block main() {} }',
     "E_INVALID_HEX", "abc", 0),
    ("hlxl", 'program p { block main() {} block main() { return x"abc"; } }',
     "E_DUPLICATE_NAME", "main", 1),
    ("hlxl", "program p { block f(a, a) {} block len() {} }", "E_DUPLICATE_NAME", "a)", 0),
    ("hlxl", "program p { block main() using t {} }", "E_UNDEFINED_NAME", "t {", 0),
    ("hlxl", "latent table t; latent table t; program p { }", "E_DUPLICATE_NAME", "t;", 1),
    ("hlxl", "program p { block main() { return 9223372036854775808; } }",
     "E_INT_OVERFLOW", "9223", 0),
    ("hlxl", "program p { block main() { return {14: {@1: 1, @0: 2}}; } }",
     "E_FIELD_ORDER", "@0", 0),
    ("hlxl", "program p { block main() { return {14: {@0: 1, @0: 2}}; } }",
     "E_DUPLICATE_FIELD", "@0", 1),
    ("hlxl", "program p { block main() { return {a: 1, a: 2}; } }", "E_DUPLICATE_KEY", "a: 2", 0),
    ("hlxl", "program p { block main() { return contract 902 { nme: 1 }; } }",
     "E_CONTRACT_UNKNOWN_FIELD", "nme", 0),
    ("hlxl", "program p { block main() { return 1e999; } }", "E_FLOAT_SPECIAL", "1e999", 0),
    # the runic track: validity errors at HLX positions, in text order with syntax errors
    ("hlx", "⟠ p { ◇ main() { ↩ ★; } }", "E_UNKNOWN_GLYPH", "★", 0),
    ("hlx", "⟠ p { ◇ main() { let x = 1; } }", "E_LC_PARSE", "let", 0),
    ("hlx", "⟠ p { ◇ main() { ↩ &h_a; } }", "E_LC_PARSE", "&h_a", 0),
    ("hlx", "⟠ p { ◇ main() { ↩ 1 |> len; } }", "E_LC_PARSE", "|>", 0),
    ("hlx", "⟠ p { ◇main() {} }", "E_LC_PARSE", "main", 0),
    ("hlx", "ꙮ⌸ t; ⟠ p { }", "E_LC_PARSE", "⌸", 0),
    ("hlx", "⟠ p { ◇ main() { ↩ 1 +; ↩ ⟁a; ↩ &h_a; } }", "E_LC_PARSE", ";", 0),
    ("hlx", '⟠ p { ◇ main() { ↩ "\\q"; } }', "E_INVALID_ESCAPE", "\\q", 0),
    ("hlx", "⟠ p { ◇ main() ▣ t { } }", "E_UNDEFINED_NAME", "t {", 0),
]


@pytest.mark.parametrize("track, src, code, needle, nth_or_k", PHASE1_ROWS)
def test_phase1(track, src, code, needle, nth_or_k):
    answer = diagnostics_answer(src, track=track)
    assert "\n" not in answer
    if needle is None:
        where = "0:0"
    elif needle == "[":
        where = lc(src, "[", 0, nth_or_k + 1)  # with `{` `{` open, the 255th `[` is the 257th
    elif needle in ("main", "t;", "@0") and nth_or_k:
        where = lc(src, needle, 0, nth_or_k + 1)
    else:
        where = lc(src, needle)
    assert answer.split(" ", 2)[:2] == [where, code]
    err = load_diagnostic(src, track=track)
    assert err is not None and err.code == code


def test_loading_source_has_no_phase1_error():
    assert load_diagnostic(HOVER_SRC) is None
    assert load_diagnostic(to_hlx(HOVER_SRC), track="hlx") is None
    assert load_diagnostic(prog("return -9223372036854775808;")) is None
    with pytest.raises(ValueError):
        load_diagnostic(HOVER_SRC, track="lct")
