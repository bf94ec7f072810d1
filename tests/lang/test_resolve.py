"""Static symbol resolution (HLX-SPEC §12.2), the token at a position (§12.1) and definition /
references (§12.8), on both tracks."""

from __future__ import annotations

import pytest

from helix_lang.errors import HLXError
from helix_lang.hlxl.parser import load
from helix_lang.hlxl.resolve import (
    analyze, definition, occurrence_at, references, resolve, symbol_at, tokens,
)
from helix_lang.translit import to_hlx
from spec_vectors import HOVER_SRC, at


def refs(res, line, col):
    sym = symbol_at(res, line, col)
    return None if sym is None else [res.position(n) for n in references(sym)]


def defn(res, line, col):
    sym = symbol_at(res, line, col)
    if sym is None or definition(sym) is None:
        return None
    return res.position(definition(sym))


# --- the worked example of §12.8 ----------------------------------------------------------------

@pytest.mark.parametrize("pos", [(6, 15), (4, 12), (5, 28), (5, 36)])
def test_spec_definition_and_references(pos):
    res = analyze(HOVER_SRC)
    assert defn(res, *pos) == (4, 12)
    assert refs(res, *pos) == [(4, 12), (5, 28), (5, 36), (6, 15)]


@pytest.mark.parametrize("pos, role", [((4, 12), "declare"), ((5, 28), "assign"),
                                       ((5, 36), "reference"), ((6, 15), "reference"),
                                       ((5, 13), "declare"), ((5, 50), "reference")])
def test_spec_roles(pos, role):
    assert occurrence_at(analyze(HOVER_SRC), *pos).role == role


def test_spec_symbols():
    res = analyze(HOVER_SRC)
    assert symbol_at(res, 5, 44) is res.blocks["twice"]
    assert defn(res, 5, 44) == (1, 10)
    assert refs(res, 5, 44) == [(1, 10), (5, 44)]
    assert symbol_at(res, 1, 16).decl_kind == "param"
    assert refs(res, 1, 16) == [(1, 16), (1, 28)]
    assert symbol_at(res, 5, 13).decl_kind == "for"
    assert refs(res, 3, 12) == [(3, 12), (5, 18)]
    assert res.unresolved == []


# --- token at a position (§12.1) ----------------------------------------------------------------

@pytest.mark.parametrize("pos, text", [
    ((3, 12), "xs"), ((3, 13), "xs"), ((3, 14), "xs"),      # inside, and ending at the column
    ((3, 15), "="), ((3, 16), "="),
    ((3, 8), "let"), ((3, 11), "let"),                     # `let` ends at 11, then a space
    ((5, 20), ")"),                                         # `xs)`: the `)` contains column 20
    ((5, 19), "xs"),
    ((6, 20), ";"),                                         # line end: `;` ends there
    ((0, 0), "program"),
    ((2, 0), None), ((2, 3), None),                         # indentation only
    ((3, 99), None), ((99, 0), None), ((-1, 0), None),
])
def test_token_at(pos, text):
    tok = analyze(HOVER_SRC).token_at(*pos)
    assert (tok.text if tok else None) == text


def test_token_at_ignores_comments():
    src = "program p { block main() { /* c */ return 1; // tail\n } }"
    res = analyze(src)
    assert res.token_at(*at(src, "{ /*", 1)).text == "{"   # `{` ends there, a space follows
    assert res.token_at(*at(src, "/*")) is None
    assert res.token_at(*at(src, "c */")) is None
    assert res.token_at(*at(src, "*/", 2)) is None          # a space between comment and `return`
    assert res.token_at(*at(src, "return")).text == "return"
    assert res.token_at(*at(src, "tail", 4)) is None        # end of line, after a comment
    assert res.token_at(*at(src, "; //", 1)).text == ";"


@pytest.mark.parametrize("text, expected", [
    ("let x = 1;", [("keyword", "let"), ("ident", "x"), ("punct", "="), ("number", "1"),
                    ("punct", ";")]),
    ('x"00" b"a\\"" "s\\"t" &h_ab_1 @12', [("bytes", 'x"00"'), ("bytes", 'b"a\\""'),
                                            ("string", '"s\\"t"'), ("handle", "&h_ab_1"),
                                            ("field", "@12")]),
    ("ls.snapshot.count |> f", [("lsop", "ls.snapshot"), ("punct", "."), ("ident", "count"),
                                ("punct", "|>"), ("ident", "f")]),
    ("a<=b&&c||!d 1.5e3 2", [("ident", "a"), ("punct", "<="), ("ident", "b"), ("punct", "&&"),
                             ("ident", "c"), ("punct", "||"), ("punct", "!"), ("ident", "d"),
                             ("number", "1.5e3"), ("number", "2")]),
    ("x /* a */ // b\n y", [("ident", "x"), ("ident", "y")]),
])
def test_tokens(text, expected):
    assert [(t.kind, t.text) for t in tokens(text)] == expected


# --- shadowing and scopes -----------------------------------------------------------------------

def prog(body: str, blocks: str = "") -> str:
    return "program p {\n" + blocks + "block main() {\n" + body + "\n}\n}"


# (params of main, body, token to ask about (needle, nth), its declaration (needle, nth), kind);
# needles are searched in the body only
SCOPE_ROWS = [
    # §10.9: `local` shadows in the `if` body, `let y` declares in the function scope
    ("", "let x = 1; if (true) { local x = 2; let y = x; } return [x, y];",
     ("x", 3), ("x", 2), "local"),
    ("", "let x = 1; if (true) { local x = 2; let y = x; } return [x, y];",
     ("x", 4), ("x", 1), "let"),
    ("", "let x = 1; if (true) { local x = 2; let y = x; } return [x, y];",
     ("y", 2), ("y", 1), "let"),
    # a lambda never rebinds the variables around it: its `let k` declares
    ("", "let k = 1; let r = 2 |> (v){ let k = v * 100; return k; }; return [k, r];",
     ("k;", 1), ("k", 2), "let"),
    ("", "let k = 1; let r = 2 |> (v){ let k = v * 100; return k; }; return [k, r];",
     ("k, r", 1), ("k", 1), "let"),
    # ... but it reads them through its outer frame, and so do nested lambdas
    ("", "let a = 1; return 2 |> (v){ return v + a; };", ("a;", 1), ("a", 1), "let"),
    ("", "let a = 1; return 2 |> (v){ let b = a; return 2 |> (w){ return [w, v, b, a]; }; };",
     ("a]", 1), ("a", 1), "let"),
    ("", "let a = 1; return 2 |> (v){ let b = a; return 2 |> (w){ return [w, v, b, a]; }; };",
     ("v, b", 1), ("v)", 1), "param"),
    ("", "let a = 1; return 2 |> (v){ let b = a; return 2 |> (w){ return [w, v, b, a]; }; };",
     ("b, a", 1), ("b", 1), "let"),
    # a lambda parameter shadows an outer variable of the same name
    ("", "let v = 1; return 2 |> (v){ return v; };", ("v;", 1), ("v)", 1), "param"),
    ("", "let v = 1; let w = 2 |> (v){ return v; }; return v;", ("v;", 2), ("v", 1), "let"),
    # the `for` variable lives in the body scope; `let` there assigns it
    ("", "for (i in [1]) { let i = i + 1; }", ("i =", 1), ("i in", 1), "for"),
    ("", "let i = 0; for (i in [1]) { local j = i; }", ("i;", 1), ("i in", 1), "for"),
    ("", "let i = 0; for (i in [1]) { } return i;", ("i;", 1), ("i", 1), "let"),
    # `let` assigns a variable of the open scopes, else declares in the function scope
    ("", "if (true) { local t = 1; let t = 2; return t; }", ("t =", 2), ("t = 1", 1), "local"),
    ("", "if (true) { local t = 1; } let t = 2; return t;", ("t;", 1), ("t = 2", 1), "let"),
    ("", "if (true) { let t = 1; } return t;", ("t;", 1), ("t = 1", 1), "let"),
    ("", "while (false) { let t = 1; } ls.transaction { let t = 2; } return t;",
     ("t;", 1), ("t = 1", 1), "let"),
    ("", "if (false) { } else if (true) { let t = 1; } else { local t = 2; return t; }",
     ("t;", 1), ("t = 2", 1), "local"),
    # `local` always declares in the innermost scope, even over a parameter
    ("a", "local a = 2; return a;", ("a;", 1), ("a = 2", 1), "local"),
    ("a", "let a = 2; return a;", ("a;", 1), ("a", 0), "param"),
    ("", "local q = 1; local q = 2; return q;", ("q;", 1), ("q = 2", 1), "local"),
    ("", "let a = a;", ("a =", 1), ("a =", 1), "let"),  # declares `a`; the right side is unresolved
]


@pytest.mark.parametrize("params, body, token, decl, kind", SCOPE_ROWS)
def test_scopes(params, body, token, decl, kind):
    src = "program p {\n    block main(" + params + ") {\n        " + body + "\n    }\n}"
    res = analyze(src)
    base = src.index(body)

    def find(needle, nth):
        if nth == 0:  # the parameter
            i = src.index("(" + needle) + 1
        else:
            i = base - 1
            for _ in range(nth):
                i = src.index(needle, i + 1)
        return src.count("\n", 0, i), i - (src.rfind("\n", 0, i) + 1)

    sym = symbol_at(res, *find(*token))
    assert sym is not None
    assert res.position(sym.decl) == find(*decl)
    assert sym.decl_kind == kind


def test_let_of_undeclared_right_side_is_unresolved():
    res = analyze(prog("let a = a;"))
    assert [(u.name.text, u.what) for u in res.unresolved] == [("a", "variable")]
    assert occurrence_at(res, *at(res.text, "a =")).role == "declare"
    assert occurrence_at(res, *at(res.text, "a;")) is None


def test_lambda_parameter_declares_param():
    res = analyze(prog("return 2 |> (v){ return v; };"))
    sym = symbol_at(res, *at(res.text, "v)"))
    assert sym.decl_kind == "param" and sym.lambda_param
    block_param = symbol_at(analyze(HOVER_SRC), 1, 16)
    assert block_param.decl_kind == "param" and not block_param.lambda_param


# --- blocks, builtins, tables and what is not a symbol ------------------------------------------

TABLE_SRC = """latent table t;
latent table u;
program p {
    block helper(v) { return v; }
    block main() using t {
        let h = ls.collapse t node helper(1);
        let g = ls.collapse node 2;
        let s = [ls.resolve u h, ls.snapshot t, ls.snapshot];
        let m = {len: 1};
        return [len(s), s |> len, m.len, helper(h) |> helper];
    }
}"""


def test_tables():
    res = analyze(TABLE_SRC)
    t_refs = [(0, 13), at(TABLE_SRC, "t {"), at(TABLE_SRC, "t node"),
              at(TABLE_SRC, "t, ls")]
    assert t_refs == [(0, 13), (4, 23), (5, 28), (7, 45)]
    assert refs(res, 0, 13) == t_refs
    assert defn(res, 5, 28) == (0, 13)
    assert refs(res, *at(TABLE_SRC, "u h")) == [(1, 13), (7, 28)]


def test_blocks_and_builtins():
    res = analyze(TABLE_SRC)
    helper = [(3, 10), (5, 35), (9, 41), (9, 54)]
    assert helper[1:] == [at(TABLE_SRC, "helper", nth=n) for n in (2, 3, 4)]
    assert refs(res, 9, 54) == helper and defn(res, 9, 41) == (3, 10)
    len_refs = [(9, 16), (9, 29)]
    assert len_refs == [at(TABLE_SRC, "len(s"), at(TABLE_SRC, "len,")]
    sym = symbol_at(res, 9, 16)
    assert sym.kind == "builtin" and sym.decl is None and definition(sym) is None
    assert refs(res, 9, 29) == len_refs
    assert symbol_at(res, 9, 16) is res.builtins["len"]


@pytest.mark.parametrize("needle, k", [
    ("node helper", 0), ("node 2", 0),       # collapse tags
    ("len: 1", 0),                           # a map key
    ("m.len", 2),                            # a member name
    ("program", 0), ("p {", 0),              # keyword, the program name
    ("let", 0), ("1)", 0), ("[len", 0),      # keyword, literal, punctuation before a name
])
def test_not_symbols(needle, k):
    res = analyze(TABLE_SRC)
    assert symbol_at(res, *at(TABLE_SRC, needle, k)) is None


def test_block_declaration_is_a_symbol():
    res = analyze(TABLE_SRC)
    assert symbol_at(res, *at(TABLE_SRC, "main")) is res.blocks["main"]


def test_unresolved_names():
    src = prog("return [q, nope(1), 1 |> nada, helper(1), f];", "block helper(v) { return v; }\n")
    res = analyze(src)
    assert [(u.name.text, u.what) for u in res.unresolved] == [
        ("q", "variable"), ("nope", "call"), ("nada", "stage"), ("f", "variable")]
    assert symbol_at(res, *at(src, "q,")) is None


def test_call_before_declaration_and_recursion():
    src = "program p { block main() { return f(1); } block f(n) { return f(n); } }"
    res = analyze(src)
    assert refs(res, *at(src, "f(1")) == [at(src, "f(1"), at(src, "f(n)"), at(src, "f(n);")]


# --- the runic track ----------------------------------------------------------------------------

def test_hlx_positions():
    hlx = to_hlx(HOVER_SRC)
    res = analyze(hlx, track="hlx")
    lines = hlx.split("\n")
    assert lines[4] == "        ⊢ total = 0;"
    assert defn(res, 6, 10) == (4, 10)             # `↩ total;`
    assert refs(res, 6, 10) == [(4, 10), (5, 24), (5, 32), (6, 10)]
    assert res.token_at(4, 8).text == "let"          # the glyph ⊢ is the `let` token
    assert res.token_at(4, 9).text == "let"          # ... and ends at column 9
    assert symbol_at(res, 4, 8) is None
    assert symbol_at(res, 5, 40) is res.blocks["twice"]
    assert symbol_at(res, 5, 45) is None            # the `(` after `twice` contains column 45



def test_hlx_glyph_neighbours():
    hlx = "⟠ p { ◇ main() { ⊢ h = ⚳ tag 1; ↩ h; } }"
    res = analyze(hlx, track="hlx")
    assert res.token_at(0, 23).text == "ls.collapse"
    assert res.token_at(0, 24).text == "ls.collapse"    # ends at the column (a space follows)
    assert refs(res, 0, 34) == [(0, 19), (0, 34)]


# --- API corner cases ---------------------------------------------------------------------------

def test_resolve_without_text():
    res = resolve(load(HOVER_SRC))
    assert len([s for s in res.symbols if s.kind == "variable"]) == 4
    with pytest.raises(ValueError):
        symbol_at(res, 4, 12)
    with_text = resolve(load(HOVER_SRC), HOVER_SRC)
    assert symbol_at(with_text, 4, 12).name == "total"


def test_analyze_raises_for_source_that_does_not_load():
    with pytest.raises(HLXError):
        analyze("program p { block main() { return 1 +; } }")
    with pytest.raises(ValueError):
        resolve(load(HOVER_SRC), HOVER_SRC, track="lct")


def test_long_operator_chain():
    src = prog("let a = 1; return " + " + ".join(["a"] * 3000) + ";")
    res = analyze(src)
    assert len(references(res.symbols[-1])) == 3001
