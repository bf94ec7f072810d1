"""The canonical layout (HLX-SPEC §12.10 Format, §12.11) and the compact notation.

Table-driven cases pin every layout rule; property tests over generated programs check that
both printers keep the AST (and, for format, the comments), are idempotent, and commute with the
HLX transliteration (§8.2, §12.7).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from spec_vectors import SPEC7_NONCANONICAL, vectors
from hypothesis import HealthCheck, given, settings
from program_strategies import programs, value_literals

from helix_lang.errors import HLXError
from helix_lang.formats import hlx as hlx_value
from helix_lang.formats import hlxl as hlxl_value
from helix_lang.hlxl.fmt import format_source, minify
from helix_lang.hlxl.parser import load
from helix_lang.translit import to_hlx, to_hlxl

PROPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _prog(*body: str, tables: str = "") -> str:
    """A canonical program whose `main` body holds ``body`` (8-space statement lines)."""
    inner = "".join(f"        {line}\n" if line else "\n" for line in body)
    head = tables + ("\n" if tables else "")
    return f"{head}program p {{\n    block main() {{\n{inner}    }}\n}}\n"


def _main(stmts: str, tables: str = "") -> str:
    return f"{tables}program p {{ block main() {{ {stmts} }} }}"


def _comments(text: str, track: str = "hlxl") -> list[str]:
    return [c.text for c in load(text, track=track).comments]


# ---------------------------------------------------------------------------- the spec example


def test_spec_example():
    src = "program p{block main(){let x=1+2*3;if(x>5){return x;}return 0;}}"
    assert format_source(src) == (
        "program p {\n"
        "    block main() {\n"
        "        let x = 1 + 2 * 3;\n"
        "        if (x > 5) {\n"
        "            return x;\n"
        "        }\n"
        "        return 0;\n"
        "    }\n"
        "}\n"
    )


def test_spec_complete_program_round_trips():
    """The complete program of §10.9 is in canonical layout already (both tracks)."""
    hlxl = (
        "latent table ast_table;\n\n"
        "program demo {\n"
        "    block wrap(v) {\n"
        "        return {14: {@0: v}};\n"
        "    }\n\n"
        "    block main() using ast_table {\n"
        "        let h = ls.collapse node wrap(123);  // store; h is &h_node_ee9c4d1fa1b01303\n"
        "        ls.guard h != null;\n"
        "        return [ls.resolve h, ls.snapshot];\n"
        "    }\n"
        "}\n"
    )
    assert format_source(hlxl) == hlxl
    assert format_source(to_hlx(hlxl), track="hlx") == to_hlx(hlxl)
    assert to_hlx(hlxl).startswith("ꙮ ⌸ ast_table;\n\n⟠ demo {\n    ◇ wrap(v) {")


# ---------------------------------------------------------------------------- layout rules

STATEMENTS = [
    # (statements of main, canonical lines)
    ("let x=1;local y=x;", ["let x = 1;", "local y = x;"]),
    ("return;", ["return;"]),
    ("assert(x);ls.guard x!=null;f(x);", ["assert(x);", "ls.guard x != null;", "f(x);"]),
    ("while(x<3){let x=x+1;}", ["while (x < 3) {", "    let x = x + 1;", "}"]),
    ("for(i in [1,2]){f(i);}", ["for (i in [1, 2]) {", "    f(i);", "}"]),
    ("ls.transaction{let x=ls.collapse data v;}",
     ["ls.transaction {", "    let x = ls.collapse data v;", "}"]),
    # empty bodies are `{}` on the opening line
    ("while(x){}for(i in xs){}ls.transaction{}if(a){}else{}",
     ["while (x) {}", "for (i in xs) {}", "ls.transaction {}", "if (a) {} else {}"]),
    # else / else if continue on the closing line
    ("if(a){return 1;}else if(b){return 2;}else if(c){}else{return 3;}",
     ["if (a) {", "    return 1;", "} else if (b) {", "    return 2;", "} else if (c) {} else {",
      "    return 3;", "}"]),
    ("if(a){}else{return 1;}", ["if (a) {} else {", "    return 1;", "}"]),
    ("if(a){if(b){return 1;}}else{while(c){}}",
     ["if (a) {", "    if (b) {", "        return 1;", "    }", "} else {", "    while (c) {}",
      "}"]),
    # statements nest 4 spaces deeper each level
    ("for(i in xs){while(i){ls.transaction{return i;}}}",
     ["for (i in xs) {", "    while (i) {", "        ls.transaction {", "            return i;",
      "        }", "    }", "}"]),
]


@pytest.mark.parametrize("stmts,lines", STATEMENTS)
def test_statement_layout(stmts, lines):
    assert format_source(_main(stmts)) == _prog(*lines)


EXPRESSIONS = [
    # spacing
    ("f(a,b)[0].c+-x*!y", "f(a, b)[0].c + -x * !y"),
    ("[ 1 ,2 ]", "[1, 2]"),
    ("{ a : 1 , b:[ ] }", "{a: 1, b: []}"),
    ("x|>f|>g", "x |> f |> g"),
    ("ls.collapse tag v", "ls.collapse tag v"),
    ("ls.snapshot.count", "ls.snapshot.count"),
    ("ls.fingerprint x==ls.validate y", "ls.fingerprint x == ls.validate y"),
    # parentheses only where needed
    ("((1))", "1"),
    ("(1+2)*3", "(1 + 2) * 3"),
    ("1+(2*3)", "1 + 2 * 3"),
    ("(1-2)-3", "1 - 2 - 3"),
    ("1-(2-3)", "1 - (2 - 3)"),
    ("1-(2+3)", "1 - (2 + 3)"),
    ("(a||b)&&c", "(a || b) && c"),
    ("a||(b&&c)", "a || b && c"),
    ("(1<2)==(3<4)", "1 < 2 == 3 < 4"),
    ("1<(2==3)", "1 < (2 == 3)"),
    ("(a==b)!=c", "a == b != c"),
    ("a==(b!=c)", "a == (b != c)"),
    ("(a*b)%c", "a * b % c"),
    ("a/(b*c)", "a / (b * c)"),
    ("(x|>f)|>g", "x |> f |> g"),
    ("(x|>f)+1", "(x |> f) + 1"),
    ("1+(x|>f)", "1 + (x |> f)"),
    ("f((x|>g))", "f(x |> g)"),
    ("[(1+2),(x|>f)]", "[1 + 2, x |> f]"),
    ("a[(1+2)]", "a[1 + 2]"),
    ("(a+b)[0]", "(a + b)[0]"),
    ("(-x)[0]", "(-x)[0]"),
    ("(-x).y", "(-x).y"),
    ("(ls.resolve h).a", "(ls.resolve h).a"),
    ("(f(x)).y", "f(x).y"),
    ("(ls.snapshot).count", "ls.snapshot.count"),
    # unary and prefix `ls.` operators
    ("-(-x)", "-(-x)"),
    ("- -x", "-(-x)"),
    ("!-x", "!(-x)"),
    ("-!x", "-!x"),
    ("!!x", "!!x"),
    ("-(x+1)", "-(x + 1)"),
    ("!(a==b)", "!(a == b)"),
    ("-(x|>f)", "-(x |> f)"),
    ("(-x)*y", "-x * y"),
    ("ls.collapse tag (a+b)", "ls.collapse tag (a + b)"),
    ("ls.collapse tag -x", "ls.collapse tag (-x)"),
    ("ls.collapse tag (ls.resolve h)", "ls.collapse tag ls.resolve h"),
    ("(ls.collapse tag x)+1", "ls.collapse tag x + 1"),
    ("ls.fingerprint -x", "ls.fingerprint (-x)"),
    ("ls.validate (!x)", "ls.validate !x"),
    ("ls.resolve (x|>f)", "ls.resolve (x |> f)"),
    ("ls.validate (a.b[0])", "ls.validate a.b[0]"),
    ("-9223372036854775808", "-9223372036854775808"),
    ("-(9223372036854775808)", "-9223372036854775808"),
    ("-(-9223372036854775808)", "-(-9223372036854775808)"),
    ("1--9223372036854775808", "1 - -9223372036854775808"),
    # literals print canonically
    ("1.50", "1.5"),
    ("1e3", "1000.0"),
    ("1E-5", "1e-05"),
    ("1e16", "1e+16"),
    ("-0.0", "-0.0"),
    ("0.1e1", "1.0"),
    ('b"ab"', 'x"6162"'),
    ('b"\\x00\\xFF\\n"', 'x"00ff0a"'),
    ('x""', 'x""'),
    ("&h_node_1", "&h_node_1"),
    ('"e\\u{301}"', '"é"'),
    ('"\\u{41}\\u{0}\\u{1B}\\t"', '"A\\u{0}\\u{1b}\\t"'),
    ('"🙂 ⊢ |> &h_x"', '"🙂 ⊢ |> &h_x"'),
    ("[null,true,false]", "[null, true, false]"),
    # map keys keep their order, bare or quoted per §4.3
    ('{b:1,"a":2,"let":3,"a b":4,"é":5,"":6,C:7,NULL:8}',
     '{b: 1, a: 2, "let": 3, "a b": 4, "é": 5, "": 6, C: 7, NULL: 8}'),
    # contracts
    ("{ 14 : { @0 : 42 } }", "{14: {@0: 42}}"),
    ("{15:{}}", "{15: {}}"),
    ("{7:{@8:1,@127:2}}", "{7: {@8: 1, @127: 2}}"),
    ('contract 902{pipeline_id:"p",stages:[&h_a]}',
     'contract 902 { pipeline_id: "p", stages: [&h_a] }'),
    ('contract 902{"pipeline_id":"p",@1:[]}', 'contract 902 { pipeline_id: "p", @1: [] }'),
    ('contract 820{op_code:1,"table":"m"}', 'contract 820 { op_code: 1, "table": "m" }'),
    ('contract 106{condition:c,then:1,"else":2}',
     'contract 106 { condition: c, then: 1, "else": 2 }'),
    ('contract 1000{op:"x",@3:1}', 'contract 1000 { op: "x", @3: 1 }'),
    ("contract 15{}", "contract 15 {}"),
    ("contract 4000 { @1: 2 }", "contract 4000 { @1: 2 }"),
    ("contract 14{value:1}.value", "contract 14 { value: 1 }.value"),
]


@pytest.mark.parametrize("src,canonical", EXPRESSIONS)
def test_expression_layout(src, canonical):
    assert format_source(_main(f"return {src};")) == _prog(f"return {canonical};")


def test_tables_blocks_and_blank_lines():
    src = ("latent table t;latent table u;program p{block f(a,b)using t{return a;}"
           "block g(){}block main()using u{return f(1,2);}}")
    assert format_source(src) == (
        "latent table t;\n"
        "latent table u;\n"
        "\n"
        "program p {\n"
        "    block f(a, b) using t {\n"
        "        return a;\n"
        "    }\n"
        "\n"
        "    block g() {}\n"
        "\n"
        "    block main() using u {\n"
        "        return f(1, 2);\n"
        "    }\n"
        "}\n"
    )
    assert format_source("program p{}") == "program p {}\n"


def test_table_operands():
    tables = "latent table t;"
    src = _main("let t = ls.collapse t tag 1; return [ls.resolve t t, ls.resolve (t), "
                "ls.resolve (t)[0], ls.snapshot t, ls.snapshot t.count];", tables)
    lines = ["let t = ls.collapse t tag 1;",
             "return [ls.resolve t t, ls.resolve (t), ls.resolve (t[0]), ls.snapshot t, "
             "ls.snapshot t.count];"]
    assert format_source(src) == _prog(*lines, tables="latent table t;\n")
    assert minify(src) == ("latent table t;program p{block main(){let t=ls.collapse t tag 1;"
                           "return[ls.resolve t t,ls.resolve(t),ls.resolve(t[0]),ls.snapshot t,"
                           "ls.snapshot t.count];}}")
    assert load(minify(src)) == load(src)


LAMBDAS = [
    ("let y=1|>(v){return v*2;};",
     ["let y = 1 |> (v) {", "    return v * 2;", "};"]),
    ("return 2|>(v){};", ["return 2 |> (v) {};"]),
    ("return 5|>(x){return x*2;}|>(x){return x+1;};",
     ["return 5 |> (x) {", "    return x * 2;", "} |> (x) {", "    return x + 1;", "};"]),
    # nested in statements: the body is 4 deeper than the statement holding the lambda
    ("if(x){let y=1|>(v){return v|>(w){return w;};};}",
     ["if (x) {", "    let y = 1 |> (v) {", "        return v |> (w) {", "            return w;",
      "        };", "    };", "}"]),
    ("if((1|>(v){return v;})>0){while(f(1|>(v){return v;},2)){}}",
     ["if ((1 |> (v) {", "    return v;", "}) > 0) {", "    while (f(1 |> (v) {",
      "        return v;", "    }, 2)) {}", "}"]),
    ("if(a){}else if(x|>(v){return v;}){return 1;}",
     ["if (a) {} else if (x |> (v) {", "    return v;", "}) {", "    return 1;", "}"]),
    ("for(i in xs|>(v){for(j in v){}return v;}){}",
     ["for (i in xs |> (v) {", "    for (j in v) {}", "    return v;", "}) {}"]),
    ("ls.guard[1|>(v){return v;},2];",
     ["ls.guard [1 |> (v) {", "    return v;", "}, 2];"]),
]


@pytest.mark.parametrize("stmts,lines", LAMBDAS)
def test_lambda_layout(stmts, lines):
    assert format_source(_main(stmts)) == _prog(*lines)


COMMENTS = [
    # (statements of main, canonical lines)
    ("let x = 1; // trailing\nlet y = 2;", ["let x = 1;  // trailing", "let y = 2;"]),
    ("let x = 1;\t//tab\n", ["let x = 1;  //tab"]),
    ("let x = 1;\r\n// crlf\r\nlet y = 2; // cr\r\n", ["let x = 1;", "// crlf\r", "let y = 2;  // cr\r"]),
    ("// own line\nlet x = 1;", ["// own line", "let x = 1;"]),
    ("/* block */ let x = 1; /* after */", ["/* block */", "let x = 1;", "/* after */"]),
    ("let x = 1; /* a */ // b\n", ["let x = 1;", "/* a */", "// b"]),
    ("return 1 + /* mid */ 2; // end", ["/* mid */", "return 1 + 2;  // end"]),
    ("let x = 1 + // line in expression\n 2;", ["// line in expression", "let x = 1 + 2;"]),
    ("if (x) { // open\n return 1; // ret\n } // after if\n",
     ["if (x) {", "    // open", "    return 1;  // ret", "}  // after if"]),
    ("if (x) { /* only */ }", ["if (x) {", "    /* only */", "}"]),
    ("while (x) {\n// only\n}", ["while (x) {", "    // only", "}"]),
    ("if (a) { return 1; } /* c */ else { return 2; } // d\n",
     ["if (a) {", "    return 1;", "    /* c */", "} else {", "    return 2;", "}  // d"]),
    ("if (a) {} else /* e */ if (b) {}", ["/* e */", "if (a) {} else if (b) {}"]),
    ("if (a) { f(); } else /* e */ if (b) {}", ["if (a) {", "    f();", "    /* e */",
                                                 "} else if (b) {}"]),
    ("if (/* cond */ x) { f(x); }", ["/* cond */", "if (x) {", "    f(x);", "}"]),
    ("let r = 1 |> (v) { return v; // in\n } // after\n;",
     ["let r = 1 |> (v) {", "    return v;  // in", "    // after", "};"]),
    ("let r = 1 |> (v) { /* lam */ };", ["let r = 1 |> (v) {", "    /* lam */", "};"]),
    ("return 1; // last\n/* before close */",
     ["return 1;  // last", "/* before close */"]),
    ("/* multi\n   line */ return 1;", ["/* multi\n   line */", "return 1;"]),
    ("let s = \"// not a comment /* */\"; // real", ['let s = "// not a comment /* */";  // real']),
]


@pytest.mark.parametrize("stmts,lines", COMMENTS)
def test_comment_layout(stmts, lines):
    src = "program p {\nblock main() {\n" + stmts + "\n}\n}"
    out = format_source(src)
    assert out == _prog(*lines)
    assert _comments(out) == _comments(src)
    assert format_source(out) == out


def test_comments_around_declarations_and_blocks():
    src = (
        "// head\n"
        "latent table t; /* t */ // also t\n"
        "program p { // open\n"
        "    // before f\n"
        "    block f() { /* empty */ } // after f\n"
        "    /* between */\n"
        "    block main() { return 1; }\n"
        "    // last\n"
        "} // tail\n"
        "/* end */"
    )
    out = format_source(src)
    assert out == (
        "// head\n"
        "latent table t;\n"
        "\n"
        "/* t */\n"
        "// also t\n"
        "program p {\n"
        "    // open\n"
        "    // before f\n"
        "    block f() {\n"
        "        /* empty */\n"
        "    }\n"
        "\n"
        "    // after f\n"
        "    /* between */\n"
        "    block main() {\n"
        "        return 1;\n"
        "    }\n"
        "    // last\n"
        "}\n"
        "// tail\n"
        "/* end */\n"
    )
    assert _comments(out) == _comments(src)
    assert format_source(out) == out
    assert format_source("program p { /* x */ }") == "program p {\n    /* x */\n}\n"
    assert format_source("program /* a */ p /* b */ { }") == "/* a */\n/* b */\nprogram p {}\n"


@pytest.mark.parametrize("src,expected", [
    # operator and pipeline chains are printed without recursion
    (_main("return " + "+".join(["1"] * 3000) + ";"), "return " + " + ".join(["1"] * 3000) + ";"),
    (_main("return x" + "|>f" * 3000 + ";"), "return x" + " |> f" * 3000 + ";"),
    (_main("return " + "!" * 3000 + "x;"), "return " + "!" * 3000 + "x;"),
    # bodies and lambdas nested up to the bracket limit of §10.1 (deepest indent expected)
    (_main("if(x){" * 250 + "}" * 250), 8 + 249 * 4),
    (_main("return " + "x|>(v){return " * 250 + "v" + ";}" * 250 + ";"), 8 + 250 * 4),
], ids=["binary", "pipeline", "prefix", "bodies", "lambdas"])
def test_deep_nesting(src, expected):
    out, compact = format_source(src), minify(src)
    assert format_source(compact) == out and minify(out) == compact
    if isinstance(expected, str):
        assert out == _prog(expected)
    else:
        assert max(len(ln) - len(ln.lstrip(" ")) for ln in out.split("\n")) == expected


# ---------------------------------------------------------------------------- values and tracks


VALUES = SPEC7_NONCANONICAL + [
    ("-5", "-5"),
    ("/* c */ {b: 1, a: [1.50, null]}", "{a: [1.5, null], b: 1}"),
    ('{"let": 1, "null": 2, "program": 3}', '{"let": 1, "null": 2, "program": 3}'),
]


@pytest.mark.parametrize("src,canonical", VALUES)
def test_value_literals(src, canonical):
    assert format_source(src) == canonical
    assert hlxl_value.parse(minify(src)) == hlxl_value.parse(src)
    assert " " not in minify(canonical.replace('"main"', '"m"').replace('"read"', '"r"'))


def test_value_literal_compact():
    assert minify('{b: x"00", a: [1, 2.50, "a b"], c: {14: {@0: 1}}}') == \
        '{a:[1,2.5,"a b"],b:x"00",c:{14:{@0:1}}}'
    assert minify("{15: {}}") == "{15:{}}"


def test_hlx_track():
    src = "⟠ p{◇ main(){⊢ x=1;↩ x ▷ (v){↩ ⟁a;};}}"
    assert format_source(src, track="hlx") == (
        "⟠ p {\n    ◇ main() {\n        ⊢ x = 1;\n        ↩ x ▷ (v) {\n"
        "            ↩ ⟁a;\n        };\n    }\n}\n"
    )
    assert minify(src, track="hlx") == "⟠ p{◇ main(){⊢ x=1;↩ x▷(v){↩⟁a;};}}"
    assert load(minify(src, track="hlx"), track="hlx") == load(src, track="hlx")
    assert format_source("[⟁a,{k:⟁b}] // c", track="hlx") == "[⟁a, {k: ⟁b}]"
    assert minify("[⟁a, {k: ⟁b}]", track="hlx") == "[⟁a,{k:⟁b}]"
    # glyphs keep the spaces of their keywords, so the compact form is valid HLX
    src = "ꙮ ⌸ t; ⟠ p { ◇ main() ▣ t { ❓ (true) {} ❗ ❓ (false) {} ❗ {} ↩ ⚳ t tag 1; } }"
    out = minify(src, track="hlx")
    assert out == "ꙮ ⌸ t;⟠ p{◇ main()▣ t{❓(true){}❗ ❓(false){}❗{}↩ ⚳ t tag 1;}}"
    assert load(out, track="hlx") == load(src, track="hlx")


@pytest.mark.parametrize("src,code", [
    ("program p {", "E_LC_PARSE"),
    ("program p { block len() {} }", "E_DUPLICATE_NAME"),
    ("program p { block main() using t {} }", "E_UNDEFINED_NAME"),
    ("program p { block main() { return 9223372036854775808; } }", "E_INT_OVERFLOW"),
    ("[1,", "E_LC_PARSE"),
    ('{a: 1, a: 2}', "E_DUPLICATE_KEY"),
    ("{14: {@1: 1, @0: 2}}", "E_FIELD_ORDER"),
])
def test_load_errors_raise(src, code):
    for fn in (format_source, minify):
        with pytest.raises(HLXError) as e:
            fn(src)
        assert e.value.code == code


def test_hlx_errors_raise_at_hlx_positions():
    with pytest.raises(HLXError) as e:
        format_source("⟠ p { ◇ main() { let x = 1; } }", track="hlx")
    assert (e.value.code, e.value.line, e.value.column) == ("E_LC_PARSE", 1, 18)
    with pytest.raises(ValueError):
        format_source("program p {}", track="lct")


# ---------------------------------------------------------------------------- compact notation

MINIFY = [
    ("let x = 1; return x;", "let x=1;return x;"),
    ("return -1;", "return-1;"),
    ('return "s";', 'return"s";'),
    ("return [1];", "return[1];"),
    ("return a - -b;", "return a--b;"),
    ("return -(-x);", "return--x;"),
    ("return ls.validate -x;", "return ls.validate-x;"),
    ("return !(a == b) || c && d;", "return!(a==b)||c&&d;"),
    ("return 1 - (2 - 3) * (4 + 5);", "return 1-(2-3)*(4+5);"),
    ("return a && &h_x;", "return a&&&h_x;"),
    ('return ls.collapse b "s";', 'return ls.collapse b "s";'),
    ('return ls.collapse x "s";', 'return ls.collapse x "s";'),
    ('return ls.collapse tag "s";', 'return ls.collapse tag"s";'),
    ("return ls.collapse tag (a + b);", "return ls.collapse tag(a+b);"),
    ("return ls.snapshot.count;", "return ls.snapshot.count;"),
    ("if (a) { return 1; } else if (b) {} else {}", "if(a){return 1;}else if(b){}else{}"),
    ("for (i in xs) { f(i); }", "for(i in xs){f(i);}"),
    ("while (x < 3) { let x = x + 1; }", "while(x<3){let x=x+1;}"),
    ("ls.transaction { ls.guard x; }", "ls.transaction{ls.guard x;}"),
    ("assert(x); // gone\n/* gone */", "assert(x);"),
    ("return 3 |> (v) { return v * 2; } |> str;", "return 3|>(v){return v*2;}|>str;"),
    ('return {b: 1, "let": 2, "a b": 3};', 'return{b:1,"let":2,"a b":3};'),
    ('return contract 902 { pipeline_id: "p", stages: [&h_a] };',
     'return contract 902{pipeline_id:"p",stages:[&h_a]};'),
    ("return [{14: {@0: 1.50}}, contract 15 {}, x\"00\", b\"a\"];",
     'return[{14:{@0:1.5}},contract 15{},x"00",x"61"];'),
    ("return -9223372036854775808;", "return-9223372036854775808;"),
    ("return 1.0.x;", "return 1.0.x;"),
    ("return 1 .e5;", "return 1.e5;"),
]


@pytest.mark.parametrize("stmts,compact", MINIFY)
def test_minify(stmts, compact):
    src = _main(stmts)
    out = minify(src)
    assert out == f"program p{{block main(){{{compact}}}}}"
    assert load(out) == load(src)
    assert minify(out) == out


def test_minify_tables_and_blocks():
    src = ("latent table t; latent table u;\nprogram p {\n    block f(a, b) using t { return a; }\n"
           "    block main() { return f(1, 2); }\n}\n")
    assert minify(src) == ("latent table t;latent table u;program p{block f(a,b)using t"
                           "{return a;}block main(){return f(1,2);}}")


# ---------------------------------------------------------------------------- properties


@PROPS
@given(programs())
def test_format_properties(p):
    f = load(p)
    out = format_source(p)
    assert load(out) == f
    assert _comments(out) == _comments(p)
    assert format_source(out) == out
    assert out.endswith("\n") and not out.endswith("\n\n")
    assert "\t" not in re.sub(r'"([^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/', "", out, flags=re.S)
    # HLX: formatting the transliteration is the transliteration of the formatting (§12.7)
    h = to_hlx(p)
    assert format_source(h, track="hlx") == to_hlx(out)
    assert to_hlxl(to_hlx(out)) == out


@PROPS
@given(programs())
def test_minify_properties(p):
    f = load(p)
    out = minify(p)
    assert load(out) == f
    assert minify(out) == out
    assert "\n" not in out and not load(out).comments
    assert minify(format_source(p)) == out
    h = minify(to_hlx(p), track="hlx")
    assert h == to_hlx(out)
    assert load(h, track="hlx") == f
    assert to_hlxl(h) == out


@PROPS
@given(programs(comments=False))
def test_minify_then_format_is_format(p):
    assert format_source(minify(p)) == format_source(p)


@PROPS
@given(programs())
def test_transliteration_round_trips(p):
    h = to_hlx(p)
    assert to_hlxl(h) == p
    assert to_hlx(to_hlxl(h)) == h
    assert load(h, track="hlx") == load(p)


@PROPS
@given(value_literals())
def test_value_literal_properties(v):
    value = hlxl_value.parse(v)
    out = format_source(v)
    assert out == hlxl_value.dump(value)
    assert format_source(out) == out
    m = minify(v)
    assert hlxl_value.parse(m) == value and minify(m) == m and minify(out) == m
    assert format_source(to_hlx(v), track="hlx") == hlx_value.dump(value)
    assert minify(to_hlx(v), track="hlx") == to_hlx(m)


# ---------------------------------------------------------------------------- spec vectors

PROGRAMS = [row for row in vectors("programs") if not row["id"].startswith("p-frag-")]


@pytest.mark.parametrize("row", PROGRAMS, ids=[row["id"] for row in PROGRAMS])
def test_vector_programs(row):
    src = row["hlxl"]
    f = load(src)
    out = format_source(src)
    assert load(out) == f and format_source(out) == out
    assert _comments(out) == _comments(src)
    m = minify(src)
    assert load(m) == f and minify(m) == m and minify(out) == m
    assert format_source(row["hlx"], track="hlx") == to_hlx(out)
    assert minify(row["hlx"], track="hlx") == to_hlx(m)


ERRORS = vectors("program_errors")


@pytest.mark.parametrize("row", ERRORS, ids=[row["id"] for row in ERRORS])
def test_vector_program_errors(row):
    """A program that does not load makes format fail with the load error; one that loads (and
    fails only when run) formats like any other."""
    try:
        f = load(row["hlxl"])
    except HLXError as e:
        for track in ("hlxl", "hlx"):
            with pytest.raises(HLXError) as got:
                format_source(row[track], track=track)
            assert got.value.code == e.code
        return
    out = format_source(row["hlxl"])
    assert load(out) == f and load(minify(row["hlxl"])) == f


# ---------------------------------------------------------------------------- the docs


def test_docs_example_is_real_output():
    """docs/formatting.md shows an input and the real output of both printers."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "formatting.md").read_text("utf-8")
    blocks = dict(re.findall(r"<!-- (\w+) -->\n```\w*\n(.*?)```", doc, flags=re.S))
    assert format_source(blocks["input"]) == blocks["formatted"]
    assert minify(blocks["input"]) + "\n" == blocks["compact"]
    assert format_source(to_hlx(blocks["input"]), track="hlx") == blocks["formatted_hlx"]
