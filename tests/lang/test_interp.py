"""The interpreter against the tables of HLX-SPEC §10.4–§10.9: semantics and error positions."""

from __future__ import annotations

import math
import sys

import pytest

from helix_lang.errors import HLXError
from helix_lang.formats.hlxl import dump
from helix_lang.hlxl.interp import Interpreter, arith, compare, run, truthy
from helix_lang.store import MemoryStore
from helix_lang.translit import to_hlx
from helix_lang.values import Contract, Handle


def prog(body: str) -> str:
    return "program p { " + body + " }"


def ev(expr: str) -> str:
    """Canonical HLXL text of the value of ``expr`` returned by ``main``."""
    return dump(run(prog(f"block main() {{ return {expr}; }}")))


def err(source: str, **kw) -> HLXError:
    with pytest.raises(HLXError) as info:
        run(source, **kw)
    return info.value


def err_expr(expr: str) -> str:
    return err(prog(f"block main() {{ return {expr}; }}")).code


# ============================================================================ arithmetic §10.6

ARITH = [
    # Int, Int
    ("1 + 2", "3"), ("7 - 10", "-3"), ("6 * 7", "42"),
    ("7 / 2", "3"), ("-7 / 2", "-4"), ("7 / -2", "-4"), ("-7 / -2", "3"),
    ("7 % 3", "1"), ("-7 % 3", "2"), ("7 % -3", "-2"), ("-7 % -3", "-1"), ("0 % 5", "0"),
    ("9223372036854775807 + 0", "9223372036854775807"),
    ("-9223372036854775807 - 1", "-9223372036854775808"),
    ("-9223372036854775808 % -1", "0"),
    ("-9223372036854775808 / 1", "-9223372036854775808"),
    # mixed and Float
    ("1 + 0.5", "1.5"), ("0.5 + 1", "1.5"), ("7.0 / 2", "3.5"), ("7 / 2.0", "3.5"),
    ("1 / 3.0", "0.3333333333333333"), ("0.1 + 0.2", "0.30000000000000004"),
    ("2 * 1.5", "3.0"), ("3 - 0.5", "2.5"),
    ("-7.5 % 2", "0.5"), ("7.5 % -2", "-0.5"), ("7.5 % 2", "1.5"), ("-7.5 % -2", "-1.5"),
    ("6.0 % 3", "0.0"), ("-6.0 % 3", "0.0"), ("5 % -0.5", "0.0"), ("5 % 1.5", "0.5"),
    # −0.0 results become 0.0
    ("2 * -0.0", "0.0"), ("-0.0", "0.0"), ("0.0 * -1", "0.0"), ("-1.0 * 0", "0.0"),
    ("-(0.0)", "0.0"), ("-1e-320 / 1e10", "0.0"),
    # mixed arithmetic converts the Int to the nearest binary64 first
    ("9007199254740993 + 0.0", "9007199254740992.0"),
    ("9223372036854775807 * 1.0", "9.223372036854776e+18"),
    # unary minus
    ("-(5)", "-5"), ("- -3", "3"), ("-9223372036854775808", "-9223372036854775808"),
    ("-(1.5)", "-1.5"), ("- - - - 2.5", "2.5"),
    # concatenation
    ('"ab" + "cd"', '"abcd"'), ('"e" + "\\u{301}"', '"é"'), ('x"01" + x"ff"', 'x"01ff"'),
    ("[1] + [2, [3]]", "[1, 2, [3]]"), ("[] + []", "[]"), ('"" + ""', '""'),
    # precedence and associativity
    ("1 + 2 * 3 - 4 / 2", "5"), ("1 - 2 - 3", "-4"), ("2 * 3 % 4", "2"), ("-2 * 3", "-6"),
    ("100 / 10 / 5", "2"), ("(1 + 2) * 3", "9"),
]


@pytest.mark.parametrize("expr, want", ARITH)
def test_arithmetic(expr, want):
    assert ev(expr) == want


ARITH_ERRORS = [
    ("9223372036854775807 + 1", "E_INT_OVERFLOW"),
    ("-9223372036854775807 - 2", "E_INT_OVERFLOW"),
    ("4611686018427387904 * 2", "E_INT_OVERFLOW"),
    ("-(-9223372036854775808)", "E_INT_OVERFLOW"),
    ("-9223372036854775808 / -1", "E_INT_OVERFLOW"),
    ("-9223372036854775808 * -1", "E_INT_OVERFLOW"),
    ("1 / 0", "E_DIV_ZERO"), ("1 % 0", "E_DIV_ZERO"), ("1.0 / 0", "E_DIV_ZERO"),
    ("1 / 0.0", "E_DIV_ZERO"), ("5.5 % 0.0", "E_DIV_ZERO"), ("0 / 0", "E_DIV_ZERO"),
    ("1e308 * 10", "E_FLOAT_SPECIAL"), ("1e308 + 1e308", "E_FLOAT_SPECIAL"),
    ("-1e308 - 1e308", "E_FLOAT_SPECIAL"), ("1e308 / 1e-10", "E_FLOAT_SPECIAL"),
    ("true + 1", "E_TYPE_MISMATCH"), ('"a" - 1', "E_TYPE_MISMATCH"), ('"a" + 1', "E_TYPE_MISMATCH"),
    ("null + null", "E_TYPE_MISMATCH"), ("[1] + 1", "E_TYPE_MISMATCH"),
    ("{} + {}", "E_TYPE_MISMATCH"),
    ('x"00" + "a"', "E_TYPE_MISMATCH"), ("[1] * 2", "E_TYPE_MISMATCH"),
    ('"ab" * 2', "E_TYPE_MISMATCH"),
    ("&h_a + &h_b", "E_TYPE_MISMATCH"), ("{14: {}} + {14: {}}", "E_TYPE_MISMATCH"),
    ("-true", "E_TYPE_MISMATCH"), ('-"a"', "E_TYPE_MISMATCH"), ("-null", "E_TYPE_MISMATCH"),
    ("1 - false", "E_TYPE_MISMATCH"), ("2.0 % true", "E_TYPE_MISMATCH"),
]


@pytest.mark.parametrize("expr, code", ARITH_ERRORS)
def test_arithmetic_errors(expr, code):
    assert err_expr(expr) == code


def test_long_operator_chains_do_not_recurse():
    # left-nested chains far deeper than Python's recursion limit
    assert ev(" + ".join(["1"] * 5000)) == "5000"
    assert ev(" - ".join(["1"] * 3000)) == "-2998"
    assert ev("1" + " * 1" * 4000) == "1"
    assert ev(" && ".join(["true"] * 3000)) == "true"
    assert ev(" || ".join(["false"] * 3000)) == "false"
    assert ev("- " * 3001 + "7") == "-7"
    assert ev("!" * 3000 + "0") == "false"
    assert ev("[[1]]" + "[0]" * 1 + " + [2]" * 2000) == "[" + ", ".join(["1"] + ["2"] * 2000) + "]"
    assert ev("{a: {a: 1}}" + ".a" * 2) == "1"
    assert ev("0" + " |> (v){ return v + 1; }" * 2000) == "2000"
    assert ev("[1]" + " |> len |> range" * 1000) == "[0]"
    assert ev('"a"' + "[0]" * 3000) == '"a"'
    assert ev('x"07"[0]' + " |> range |> len" * 2000) == "7"
    # and an operation inside a long chain still reports its position
    e = err(prog("block main() { return " + "1 + " * 3000 + "true; }"))
    assert (e.code, e.line, e.column) == ("E_TYPE_MISMATCH", 1, 35 + 4 * 2999 + 2)


def test_long_prefix_and_else_if_chains():
    assert ev("ls.validate " * 3000 + "1") == "true"
    chain = " else ".join(f"if (n == {i}) {{ return {i}; }}" for i in range(1, 1500))
    src = prog("block f(n) { " + chain + " return -1; } "
               "block main() { return [f(1), f(1499), f(2000)]; }")
    assert run(src) == (1, 1499, -1)


def test_recursion_error_becomes_depth_exceeded(monkeypatch):
    import helix_lang.hlxl.interp as interp

    monkeypatch.setattr(interp, "RECURSION_LIMIT", 0)  # keep the host's (small) limit
    with pytest.raises(HLXError) as info:
        run(prog("block main() { return " + "ls.fingerprint " * (3 * sys.getrecursionlimit())
                 + "1; }"))
    assert info.value.code == "E_DEPTH_EXCEEDED"


def test_runs_without_a_helper_thread(monkeypatch):
    import helix_lang.hlxl.interp as interp

    monkeypatch.setattr(interp, "_start_thread", lambda target: None)
    limit = sys.getrecursionlimit()
    assert run(prog("block main() { return " + " + ".join(["1"] * 500) + "; }")) == 500
    assert err_expr("1 / 0") == "E_DIV_ZERO"
    assert sys.getrecursionlimit() == limit


def test_deep_nesting_with_deep_recursion():
    # 250 open brackets around a call at each of 63 nested calls (64 with main)
    deep = "[0][" * 250 + "f(n - 1)" + "]" * 250
    assert run(prog("block f(n) { if (n == 0) { return 0; } return " + deep + "; }"
                    " block main() { return f(62); }")) == 0
    ifs = "if (true) { " * 120 + "return f(n - 1) + 1;" + " }" * 120
    assert run(prog("block f(n) { if (n == 0) { return 0; } " + ifs + " }"
                    " block main() { return f(62); }")) == 62


def test_helpers_directly():
    assert arith("/", -7, 2) == -4 and arith("%", -7.5, 2) == 0.5
    assert compare("<", 9007199254740993, 9007199254740992.0) is False
    assert [truthy(v) for v in (Contract(1, {}), Contract(1, {0: 0}), Handle("x"), -0.0)] == \
        [False, True, True, False]


# ============================================================================ comparisons

COMPARE = [
    ("1 < 2", "true"), ("2 <= 2", "true"), ("3 > 2", "true"), ("2 >= 3", "false"),
    ("1 < 1.5", "true"), ("1.5 < 1", "false"), ("2.0 >= 2", "true"), ("2 <= 2.0", "true"),
    # exact comparison of Int and Float (no rounding of the Int)
    ("9007199254740993 > 9007199254740992.0", "true"),
    ("9007199254740993 <= 9007199254740992.0", "false"),
    ("9223372036854775807 < 9223372036854775808.0", "true"),
    ("-9223372036854775808 >= -9223372036854775808.0", "true"),
    ("-9223372036854775807 > -9223372036854775808.0", "true"),
    ('"abc" < "abd"', "true"), ('"b" > "abc"', "true"), ('"" < "a"', "true"),
    ('"Z" < "a"', "true"), ('"é" > "z"', "true"), ('"\\u{ffff}" < "\\u{10000}"', "true"),
    # equality is value equality of §1.3
    ("1 == 1.0", "false"), ("1 != 1.0", "true"), ("0 == false", "false"), ("null == null", "true"),
    ("[1, 2] == [1, 2]", "true"), ("[1, 2] == [2, 1]", "false"), ("[1] == [1.0]", "false"),
    ("{a: 1, b: 2} == {b: 2, a: 1}", "true"), ("{a: 1} == {a: 1, b: 2}", "false"),
    ("{14: {@0: 1}} == {14: {@0: 1}}", "true"), ("{14: {@0: 1}} == {15: {@0: 1}}", "false"),
    ("&h_a == &h_a", "true"), ('&h_a == "&h_a"', "false"), ('x"00" == x"00"', "true"),
    ('"é" == "e\\u{301}"', "true"), ("0.1 + 0.2 == 0.3", "false"), ("[] != {}", "true"),
    # logic: results are Bool, operands evaluated only when needed
    ("1 && 2", "true"), ("0 || \"\"", "false"), ("null || \"x\"", "true"), ("[] && 1 / 0", "false"),
    ("false && 1 / 0", "false"), ("true || 1 / 0", "true"), ("!0", "true"), ("!!\"a\"", "true"),
    ("!&h_x", "false"), ("1 + 2 == 3 && !(2 > 3) || false", "true"),
]


@pytest.mark.parametrize("expr, want", COMPARE)
def test_comparisons(expr, want):
    assert ev(expr) == want


@pytest.mark.parametrize("expr", [
    '1 < "2"', "true < false", "[1] < [2]", "null <= null", "&h_a > &h_b", 'x"00" < x"01"',
    "1 >= true", "{} < {}",
])
def test_comparison_errors(expr):
    assert err_expr(expr) == "E_TYPE_MISMATCH"


# ============================================================================ truthiness

@pytest.mark.parametrize("value, want", [
    ("null", False), ("false", False), ("0", False), ("0.0", False), ('""', False),
    ('x""', False), ("[]", False), ("{}", False), ("{15: {}}", False),
    ("true", True), ("1", True), ("-1", True), ("0.5", True), ('"a"', True), ('" "', True),
    ('x"00"', True), ("[0]", True), ("[[]]", True), ("{a: null}", True), ("{15: {@0: null}}", True),
    ("&h_x", True), ("&h_0", True),
])
def test_truthiness(value, want):
    src = prog(f"block main() {{ let r = []; if ({value}) {{ let r = 1; }} else {{ let r = 0; }} "
               f"assert({'' if want else '!'}{value}); let w = 0; while ({value}) "
               f"{{ let w = 1; return [r, w, !{value}]; }} return [r, w, !{value}]; }}")
    assert run(src) == (int(want), int(want), not want)


# ============================================================================ indexing and members

INDEX = [
    ("[10, 20, 30][0]", "10"), ("[10, 20, 30][2]", "30"), ('"héllo"[1]', '"é"'),
    ('"abc"[2]', '"c"'),
    ('x"ff00"[0]', "255"), ('x"ff00"[1]', "0"), ('{k: "v"}["k"]', '"v"'), ('{k: "v"}.k', '"v"'),
    ('{"a b": 1}["a b"]', "1"), ('{"é": 1}["e\\u{301}"]', "1"), ("{14: {@0: 42}}[0]", "42"),
    ("{14: {@0: 1, @5: 2}}[5]", "2"), ("[[1, 2], [3]][0][1]", "2"),
    ('contract 902 { pipeline_id: "m", stages: [&h_vs] }.stages', "[&h_vs]"),
    ('contract 902 { pipeline_id: "m", stages: [&h_vs] }.pipeline_id', '"m"'),
    ('{1000: {@0: "read", @1: 5}}.op', '"read"'),
    ("{m: {n: 1}}.m.n", "1"),
]


@pytest.mark.parametrize("expr, want", INDEX)
def test_indexing(expr, want):
    assert ev(expr) == want


@pytest.mark.parametrize("expr, code", [
    ("[1, 2][2]", "E_INDEX_OUT_OF_RANGE"), ("[1, 2][-1]", "E_INDEX_OUT_OF_RANGE"),
    ("[][0]", "E_INDEX_OUT_OF_RANGE"), ('"abc"[-1]', "E_INDEX_OUT_OF_RANGE"),
    ('"abc"[3]', "E_INDEX_OUT_OF_RANGE"), ('x"00"[1]', "E_INDEX_OUT_OF_RANGE"),
    ('{a: 1}["b"]', "E_KEY_NOT_FOUND"), ("{a: 1}.b", "E_KEY_NOT_FOUND"),
    ("{14: {@0: 1}}[3]", "E_KEY_NOT_FOUND"), ("{14: {@0: 1}}[-1]", "E_KEY_NOT_FOUND"),
    ('{902: {@0: "p"}}.stages', "E_KEY_NOT_FOUND"),
    ('{902: {@0: "p"}}.foo', "E_CONTRACT_UNKNOWN_FIELD"),
    ("{5000: {@0: 1}}.value", "E_CONTRACT_UNKNOWN_FIELD"),
    ("{1000: {@1: 1}}.op", "E_KEY_NOT_FOUND"),
    ("[1][true]", "E_TYPE_MISMATCH"), ('[1]["0"]', "E_TYPE_MISMATCH"),
    ("[1][0.0]", "E_TYPE_MISMATCH"),
    ("{a: 1}[0]", "E_TYPE_MISMATCH"), ('{14: {@0: 1}}["0"]', "E_TYPE_MISMATCH"),
    ("5[0]", "E_TYPE_MISMATCH"), ("null[0]", "E_TYPE_MISMATCH"), ("&h_a[0]", "E_TYPE_MISMATCH"),
    ("[1].a", "E_TYPE_MISMATCH"), ('"abc".a', "E_TYPE_MISMATCH"), ("1.x", "E_TYPE_MISMATCH"),
])
def test_index_errors(expr, code):
    assert err_expr(expr) == code


# ============================================================================ builtins §10.7

BUILTIN_CASES = [
    ('len("héllo")', "5"), ('len("")', "0"), ('len(x"0102")', "2"), ("len([1, [2, 3]])", "2"),
    ("len({a: 1})", "1"), ("len({14: {@0: 1, @5: 2}})", "2"), ("len({14: {}})", "0"),
    ("type(null)", '"null"'), ("type(true)", '"bool"'), ("type(1)", '"int"'),
    ("type(1.0)", '"float"'), ('type("s")', '"text"'), ('type(x"00")', '"bytes"'),
    ("type([])", '"array"'), ("type({})", '"map"'), ("type({14: {}})", '"contract"'),
    ("type(&h_a)", '"handle"'),
    ("str(1.5)", '"1.5"'), ('str([1, "a"])', '"[1, \\"a\\"]"'), ('str("plain")', '"plain"'),
    ("str(null)", '"null"'), ("str(true)", '"true"'), ("str(1e16)", '"1e+16"'),
    ("str(100.0)", '"100.0"'), ("str(&h_a)", '"&h_a"'), ('str(x"ab")', '"x\\"ab\\""'),
    ('str({b: 1, "let": 2, a: "x"})', '"{a: \\"x\\", b: 1, \\"let\\": 2}"'),
    ("str({14: {@0: -0.0}})", '"{14: {@0: 0.0}}"'), ('str("é")', '"é"'),
    ("int(3.9)", "3"), ("int(-3.9)", "-3"), ("int(-0.5)", "0"), ('int("-42")', "-42"),
    ('int("0")', "0"), ('int("-0")', "0"), ("int(true)", "1"), ("int(false)", "0"), ("int(7)", "7"),
    ('int("9223372036854775807")', "9223372036854775807"),
    ('int("-9223372036854775808")', "-9223372036854775808"),
    ("int(9.2e18)", "9200000000000000000"), ("int(-9223372036854775808.0)", "-9223372036854775808"),
    ("float(2)", "2.0"), ('float("1e3")', "1000.0"), ('float("-0")', "0.0"),
    ('float("-0.0")', "0.0"),
    ('float("12")', "12.0"), ('float("2.5E-3")', "0.0025"), ("float(true)", "1.0"),
    ("float(false)", "0.0"), ("float(0.1)", "0.1"),
    ("float(9007199254740993)", "9007199254740992.0"),
    ('float("99999999999999999999")', "1e+20"), ('float("1e-400")', "0.0"),
    ("keys({b: 1, a: 2})", '["a", "b"]'),
    ('keys({zeta: 1, alpha: 2, "a b": 3})', '["a b", "alpha", "zeta"]'),
    ("keys({})", "[]"), ('keys({"é": 1, z: 2})', '["z", "é"]'),
    ("append([1], [2])", "[1, [2]]"), ("append([], null)", "[null]"),
    ("range(5)", "[0, 1, 2, 3, 4]"), ("range(0)", "[]"), ("range(-3)", "[]"),
    ("[1, 2, 3] |> len", "3"), ("3 |> range |> len", "3"),
]


@pytest.mark.parametrize("expr, want", BUILTIN_CASES)
def test_builtins(expr, want):
    assert ev(expr) == want


@pytest.mark.parametrize("expr, code", [
    ("len(5)", "E_TYPE_MISMATCH"), ("len(null)", "E_TYPE_MISMATCH"),
    ("len(&h_a)", "E_TYPE_MISMATCH"),
    ("len(1.0)", "E_TYPE_MISMATCH"), ("len(true)", "E_TYPE_MISMATCH"),
    ('int("abc")', "E_TYPE_MISMATCH"), ('int("1.5")', "E_TYPE_MISMATCH"),
    ('int("00")', "E_TYPE_MISMATCH"),
    ('int(" 1")', "E_TYPE_MISMATCH"), ('int("1\\n")', "E_TYPE_MISMATCH"),
    ('int("+1")', "E_TYPE_MISMATCH"),
    ('int("")', "E_TYPE_MISMATCH"), ("int(null)", "E_TYPE_MISMATCH"),
    ("int([1])", "E_TYPE_MISMATCH"),
    ('int("-")', "E_TYPE_MISMATCH"), ('int("١")', "E_TYPE_MISMATCH"),
    ('int("9223372036854775808")', "E_INT_OVERFLOW"),
    ('int("-9223372036854775809")', "E_INT_OVERFLOW"),
    ('int("' + "9" * 5000 + '")', "E_INT_OVERFLOW"), ("int(1e19)", "E_INT_OVERFLOW"),
    ("int(-1e300)", "E_INT_OVERFLOW"),
    ('float("1.")', "E_TYPE_MISMATCH"), ('float(".5")', "E_TYPE_MISMATCH"),
    ('float("NaN")', "E_TYPE_MISMATCH"),
    ('float("Infinity")', "E_TYPE_MISMATCH"), ('float("1e")', "E_TYPE_MISMATCH"),
    ('float("01.5")', "E_TYPE_MISMATCH"), ('float(" 1.0")', "E_TYPE_MISMATCH"),
    ("float(null)", "E_TYPE_MISMATCH"),
    ('float("1_000")', "E_TYPE_MISMATCH"), ('float("1e309")', "E_FLOAT_SPECIAL"),
    ('float("-' + "9" * 400 + '")', "E_FLOAT_SPECIAL"),
    ("keys([1])", "E_TYPE_MISMATCH"), ("keys({14: {}})", "E_TYPE_MISMATCH"),
    ("append(1, 2)", "E_TYPE_MISMATCH"), ('append("ab", "c")', "E_TYPE_MISMATCH"),
    ("range(true)", "E_TYPE_MISMATCH"), ("range(2.0)", "E_TYPE_MISMATCH"),
    ('range("3")', "E_TYPE_MISMATCH"),
    ("len(1, 2)", "E_TYPE_MISMATCH"), ("append([1])", "E_TYPE_MISMATCH"),
    ("range()", "E_TYPE_MISMATCH"),
    ("[1] |> append", "E_TYPE_MISMATCH"), ("nope(1)", "E_UNDEFINED_NAME"),
    ("1 |> nope", "E_UNDEFINED_NAME"),
])
def test_builtin_errors(expr, code):
    assert err_expr(expr) == code


def test_blocks_shadow_nothing_and_calls_check_arity():
    src = prog("block add(a, b) { return a + b; } block one() { return 1; } "
               "block main() { return [add(1, 2), one(), 4 |> add2]; } "
               "block add2(x) { return x + 2; }")
    assert dump(run(src)) == "[3, 1, 6]"
    assert err(prog("block f(x) { return x; } block main() { return f(1, 2); }")).code == \
        "E_TYPE_MISMATCH"
    assert err(prog("block f(x, y) { return x; } block main() { return 1 |> f; }")).code == \
        "E_TYPE_MISMATCH"
    assert err(prog("block f() { return 1; } block main() { return f(2); }")).code == \
        "E_TYPE_MISMATCH"
    # a block falls off its end with null; `return;` returns null
    assert run(prog("block f() { let x = 1; } block g() { return; } "
                    "block main() { return [f(), g()]; }")) == (None, None)


# ============================================================================ statements §10.5

def test_while_for_if():
    assert dump(run(prog("block main() { let i = 0; let s = 0; while (i < 10) "
                         "{ let i = i + 1; let s = s + i; } return [i, s]; }"))) == "[10, 55]"
    assert run(prog('block main() { let s = ""; for (k in {b: 1, a: 2, c: 3}) { let s = s + k; } '
                    "return s; }")) == "abc"
    assert run(prog("block main() { let t = 0; for (x in [1, 2, 3]) { let t = t * 10 + x; } "
                    "return t; }")) == 123
    assert run(prog("block main() { for (x in []) { return 1; } for (x in {}) { return 2; } "
                    "return 3; }")) == 3
    src = prog('block sign(n) { if (n > 0) { return "+"; } else if (n < 0) { return "-"; } '
               'else { return "0"; } } block main() { return [sign(5), sign(-3), sign(0)]; }')
    assert run(src) == ("+", "-", "0")
    # the iterated value is evaluated once; the loop sees the old binding
    assert run(prog("block main() { let a = [1, 2]; let n = 0; for (x in a) "
                    "{ let a = append(a, x); let n = n + 1; } return [n, a]; }")) \
        == (2, (1, 2, 1, 2))
    # return from inside nested loops and bodies
    assert run(prog("block main() { while (true) { for (i in range(10)) { if (i == 3) "
                    "{ local j = i * 2; return j; } } } }")) == 6


@pytest.mark.parametrize("iterable", ["5", '"abc"', 'x"00"', "null", "{14: {}}", "&h_a", "1.0"])
def test_for_rejects_non_containers(iterable):
    assert err(prog(f"block main() {{ for (x in {iterable}) {{ }} }}")).code == "E_TYPE_MISMATCH"


def test_assert_and_guard():
    assert run(prog("block main() { assert(1); ls.guard [0]; return 1; }")) == 1
    for stmt, code in (("assert(0);", "E_ASSERT_FAILED"), ("assert(1 > 2);", "E_ASSERT_FAILED"),
                       ("ls.guard 0;", "E_GUARD_FAILED"), ('ls.guard "";', "E_GUARD_FAILED"),
                       ("ls.guard {14: {}};", "E_GUARD_FAILED")):
        assert err(prog(f"block main() {{ {stmt} }}")).code == code


# ======================================================================== frames and scopes §10.4

SCOPES = [
    # §10.9: `local` shadows in the `if` scope; `let y` declares in the function scope
    ("let x = 1; if (true) { local x = 2; let y = x; } return [x, y];", "[1, 2]"),
    # a lambda's `let` binds in the lambda frame, never in the code around it
    ("let k = 1; let r = 2 |> (v){ let k = v * 100; return k; }; return [k, r];", "[1, 200]"),
    # `let` inside a body replaces the function-scope binding
    ("let x = 1; if (true) { let x = 2; } return x;", "2"),
    # `let` replaces the innermost binding of the current frame (here the `local`)
    ("let x = 1; if (true) { local x = 2; let x = 3; let y = x; } return [x, y];", "[1, 3]"),
    # a `for` body scope holds the loop variable; `let` of it rebinds the loop scope only
    ("let i = 100; for (i in [1, 2]) { let i = i * 10; let last = i; } return [i, last];",
     "[100, 20]"),
    # each run of a body gets a fresh scope
    ("let n = 0; for (i in range(3)) { if (i == 0) { local seen = 1; } "
     "let n = n + 1; } return n;", "3"),
    ("let out = []; for (i in range(2)) { local c = i; let out = append(out, c); } return out;",
     "[0, 1]"),
    # lambdas see the scopes of the frame they appear in, including inner scopes
    ("let r = []; for (i in [1, 2]) { local j = i * 10; "
     "let r = append(r, i |> (v){ return v + j; }); } return r;", "[11, 22]"),
    # nested lambdas see every frame around them
    ("let a = 1; return 2 |> (b){ return 3 |> (c){ return [a, b, c]; }; };", "[1, 2, 3]"),
    ("let a = 1; return 2 |> (a){ return 3 |> (c){ return a + c; }; };", "5"),
    # `local` at the top of a block body is the function scope
    ("local x = 1; if (true) { let x = 2; } return x;", "2"),
    # lambda parameters shadow; the outer variable is unchanged
    ("let v = 1; let w = 5 |> (v){ let v = v + 1; return v; }; return [v, w];", "[1, 6]"),
    # `let` in a lambda of an inner scope does not rebind the outer frame's local
    ("let r = 0; if (true) { local z = 1; let r = 0 |> (q){ let z = 9; return z; }; "
     "let r = [r, z]; } return r;", "[9, 1]"),
    # variables assigned in a while body survive it
    ("let i = 0; while (i < 3) { let i = i + 1; let last = i * 2; } return last;", "6"),
]


@pytest.mark.parametrize("body, want", SCOPES)
def test_scopes(body, want):
    assert dump(run(prog("block main() { " + body + " }"))) == want


@pytest.mark.parametrize("src", [
    "block main() { if (true) { local z = 1; } return z; }",
    "block main() { for (i in [1]) { } return i; }",
    "block f() { return x; } block main() { let x = 1; return f(); }",  # blocks see no outer frame
    "block main() { let r = 1 |> (v){ let w = v; return w; }; return w; }",
    "block main() { while (false) { let never = 1; } return never; }",
    "block main() { if (false) { let y = 1; } return y; }",
])
def test_scope_errors(src):
    assert err(prog(src)).code == "E_UNDEFINED_NAME"


def test_blocks_tables_and_builtins_are_not_variables():
    for expr in ("main", "len", "t", "ls"):
        code = err("latent table t; " + prog(f"block main() {{ return {expr}; }}")).code
        assert code in ("E_UNDEFINED_NAME", "E_LC_PARSE")
    assert err(prog("block main() { return main; }")).code == "E_UNDEFINED_NAME"


# ================================================================ call depth, steps, value depth

def test_call_depth():
    # main + 63 nested calls is the maximum; one more fails
    src = prog("block f(n) { if (n == 0) { return 0; } return f(n - 1) + 1; } "
               "block main() { return f(%d); }")
    assert run(src % 62) == 62
    e = err(src % 63)
    assert e.code == "E_DEPTH_EXCEEDED"
    lam = "return 0;"
    for i in range(63):
        lam = f"return {i} |> (x{i}){{ {lam} }};"
    assert run(prog("block main() { " + lam + " }")) == 0
    assert err(prog("block main() { return 1 |> (q){ " + lam + " }; }")).code == "E_DEPTH_EXCEEDED"
    assert Interpreter(src % 10, max_depth=12).run() == 10  # main + f(10) … f(0)
    assert err(src % 10, max_depth=11).code == "E_DEPTH_EXCEEDED"
    # sequential calls do not accumulate depth
    assert run(prog("block f() { return 1; } block main() { let s = 0; "
                    "for (i in range(200)) { let s = s + f(); } return s; }")) == 200


def test_value_depth():
    assert err(prog("block main() { let v = []; for (i in range(64)) { let v = [v]; } "
                    "return v; }")).code == "E_DEPTH_EXCEEDED"
    assert run(prog("block main() { let v = []; for (i in range(63)) { let v = [v]; } "
                    "return len(str(v)); }")) == 128
    for wrap in ("{a: v}", "{14: {@0: v}}", "contract 1000 { op: v }", "append([], v)",
                 "[1, v, 2]"):
        ok = prog("block main() { let v = 0; for (i in range(63)) { let v = [v]; } "
                  f"let w = {wrap}; return 1; }}")
        assert run(ok) == 1
        bad = ok.replace("range(63)", "range(64)")
        assert err(bad).code == "E_DEPTH_EXCEEDED", wrap
    # a literal deeper than 64 fails only when evaluated
    deep = "[" * 65 + "]" * 65
    assert run(prog(f"block main() {{ if (false) {{ return {deep}; }} return 1; }}")) == 1
    assert err(prog(f"block main() {{ return {deep}; }}")).code == "E_DEPTH_EXCEEDED"
    assert dump(run(prog("block main() { return " + "[" * 64 + "]" * 64 + "; }"))).count("[") == 64


def test_step_limit():
    src = prog("block main() { while (true) { } }")
    e = err(src, max_steps=10_000)
    assert (e.code, e.line, e.column) == ("E_STEP_LIMIT", 1, 28)
    loop = prog("block main() { let i = 0; while (i < 1000) { let i = i + 1; } return i; }")
    it = Interpreter(loop, max_steps=None)
    assert it.run() == 1000
    assert 7000 <= it.steps <= 7100  # 7 steps per iteration (module documentation)
    assert err(loop, max_steps=5000).code == "E_STEP_LIMIT"
    assert Interpreter(loop, max_steps=it.steps).run() == 1000
    assert err(loop, max_steps=it.steps - 1).code == "E_STEP_LIMIT"
    # recursion without loops, and huge ranges, count too
    assert err(prog("block f(n) { if (n == 0) { return 0; } return f(n - 1) + f(n - 1); } "
                    "block main() { return f(40); }"), max_steps=100_000).code == "E_STEP_LIMIT"
    assert err(prog("block main() { return len(range(1000000000000)); }")).code == "E_STEP_LIMIT"
    # the default bound allows well over 10^6 statements
    big = prog("block main() { let i = 0; while (i < 1000000) { let i = i + 1; } return i; }")
    assert run(big) == 1_000_000


# ============================================================================ latent space §10.8

def test_collapse_resolve_snapshot():
    src = ("latent table ast_table;\n"
           "program demo {\n"
           "    block wrap(v) { return {14: {@0: v}}; }\n"
           "    block main() using ast_table {\n"
           "        let h = ls.collapse node wrap(123);\n"
           "        ls.guard h != null;\n"
           "        return [ls.resolve h, ls.snapshot];\n"
           "    }\n"
           "}\n")
    want = "[{14: {@0: 123}}, {count: 1, handles: [&h_node_ee9c4d1fa1b01303]}]"
    assert dump(run(src)) == want
    assert dump(run(to_hlx(src), track="hlx")) == want


def test_collapse_semantics():
    src = prog("block main() { let h1 = ls.collapse a 42; let h2 = ls.collapse a 42; "
               "let h3 = ls.collapse b 42; let h4 = ls.collapse a 42.0; "
               "return [h1, h1 == h2, h1 == h3, h1 == h4, ls.snapshot]; }")
    h1, same, other_tag, other_value, snap = run(src)
    assert dump(h1) == "&h_a_e249af57caad74a9"
    assert (same, other_tag, other_value) == (True, False, False)
    fp = run(prog("block main() { return ls.fingerprint 42.0; }"))
    names = sorted(["a_e249af57caad74a9", "b_e249af57caad74a9", "a_" + fp[:16]])
    assert snap == {"count": 3, "handles": tuple(Handle(n) for n in names)}
    # an existing handle keeps its stored value
    store = MemoryStore()
    store.put_if_absent("", "x_1", "old")
    assert run(prog("block main() { return ls.resolve &h_x_1; }"), store=store) == "old"
    # handles sort by name in code point order
    src = prog("block main() { let a = ls.collapse Z 1; let b = ls.collapse a 1; "
               "let c = ls.collapse _ 1; let d = ls.collapse A9 1; return ls.snapshot.handles; }")
    names = [h.name[:h.name.rindex("_")] for h in run(src)]
    assert names == ["A9", "Z", "_", "a"]


def test_tables_are_separate():
    src = ("latent table t1;\nlatent table t2;\n"
           'program p { block main() { let h = ls.collapse t1 tag "x"; '
           "return [ls.resolve t1 h, ls.snapshot t1.count, ls.snapshot t2.count, "
           "ls.snapshot.count, helper(h)]; } "
           "block helper(h) using t1 { return ls.resolve h; } }")
    assert dump(run(src)) == '["x", 1, 0, 0, "x"]'
    e = err("latent table t; " + prog("block main() { let h = ls.collapse t x 1; "
                                      "return ls.resolve h; }"))
    assert e.code == "E_HANDLE_NOT_FOUND"
    # a lambda uses the active table of the code around it
    src = ("latent table t; " + prog("block main() using t { let h = ls.collapse a 1; "
                                     "return h |> (x){ return [ls.resolve x, "
                                     "ls.snapshot.count]; }; }"))
    assert dump(run(src)) == "[1, 1]"


def test_fingerprint_and_validate():
    assert ev("ls.fingerprint null") == \
        '"2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213"'
    assert ev("ls.fingerprint 123") == \
        '"ea113457051ca7b6342c1c695a317ef6b2645a1eb6d0d434f96fe6de04c0679c"'
    assert ev('ls.collapse node {14: {@0: 123}}') == "&h_node_ee9c4d1fa1b01303"
    assert ev("ls.collapse int 123") == "&h_int_ea113457051ca7b6"
    cases = [('{900: {@0: &h_spirv, @1: "main", @2: "compute"}}', "true"),
             ('{900: {@0: &h_spirv, @1: "main"}}', "false"),
             ('{901: {@0: "k", @1: &h_s, @2: [8, 8, 0]}}', "false"),
             ('{1000: {@0: "read", @1: 1, @9: [2]}}', "true"),
             ("[{14: {}}, {5000: {@3: {16: {@0: 1}}}}]", "false"), ("5", "true"), ("[]", "true")]
    for value, want in cases:
        assert ev(f"ls.validate {value}") == want


def test_latent_errors():
    assert err_expr("ls.resolve 5") == "E_TYPE_MISMATCH"
    assert err_expr('ls.resolve "&h_x"') == "E_TYPE_MISMATCH"
    assert err_expr("ls.resolve &h_nope") == "E_HANDLE_NOT_FOUND"


def test_transaction_rollback_and_keep():
    store = MemoryStore()
    ok = ("latent table t; " + prog(
        "block main() using t { ls.transaction { let h = ls.collapse item \"a\"; "
        "ls.transaction { let g = ls.collapse inner 1; } ls.guard h != null; } "
        "return ls.snapshot.count; }"))
    assert run(ok, store=store) == 2
    store = MemoryStore()
    bad = ("latent table t; " + prog(
        "block main() using t { let keep = ls.collapse keep 0; "
        "ls.transaction { let h = ls.collapse x 1; ls.transaction { let g = ls.collapse y 2; } "
        "let z = ls.collapse default_table 3; ls.guard false; } return 0; }"))
    it = Interpreter(bad, store=store)
    with pytest.raises(HLXError) as info:
        it.run()
    assert info.value.code == "E_GUARD_FAILED"
    # the table state after the failed run: the transaction's changes are gone, the rest stays
    assert list(it.table("t")) == [run(prog("block main() { return ls.collapse keep 0; }")).name]
    assert it.snapshot("t")["count"] == 1 and store.depth == 0
    # `return` inside a transaction keeps its changes
    ret = prog("block main() { ls.transaction { let h = ls.collapse r 1; "
               "return ls.snapshot.count; } }")
    store = MemoryStore()
    assert run(ret, store=store) == 1 and store.count("") == 1
    # an inner transaction that succeeded is undone when the outer one fails
    store = MemoryStore()
    with pytest.raises(HLXError):
        run(prog("block main() { ls.transaction { ls.transaction { let a = ls.collapse a 1; } "
                 "let b = 1 / 0; } }"), store=store)
    assert store.count("") == 0


def test_interpreter_api():
    src = ("latent table t;\n" + prog(
        "block put(v) using t { return ls.collapse item v; } "
        "block get(h) using t { return ls.resolve h; } "
        "block main() { return put(7); }"))
    it = Interpreter(src)
    h = it.call("put", 5)
    assert type(h) is Handle and it.call("get", h) == 5
    assert it.run() != h and it.snapshot("t")["count"] == 2
    assert sorted(it.table("t").values()) == [5, 7]
    assert it.table_names == ["", "t"] and it.blocks["put"] == ("v",)
    with pytest.raises(HLXError) as info:
        it.call("nope")
    assert info.value.code == "E_UNDEFINED_NAME"
    with pytest.raises(HLXError) as info:
        it.call("put")
    assert info.value.code == "E_TYPE_MISMATCH"
    assert run(prog("block start() { return 1; } block main() { return 2; }"), entry="start") == 1


def test_run_entry_rules():
    e = err(prog("block start() { return 1; }"))
    assert (e.code, e.line, e.column) == ("E_UNDEFINED_NAME", 1, 9)
    e = err(prog("block main(x) { return x; }"))
    assert (e.code, e.line, e.column) == ("E_TYPE_MISMATCH", 1, 19)


def test_evaluation_order_is_left_to_right():
    # the first failing operand decides the error
    assert err_expr("[1 / 0, nope]") == "E_DIV_ZERO"
    assert err_expr("[nope, 1 / 0]") == "E_UNDEFINED_NAME"
    assert err_expr("{a: 1 % 0, b: [][0]}") == "E_DIV_ZERO"
    assert err_expr("(1 / 0) + [][0]") == "E_DIV_ZERO"
    assert err_expr("[][0] + (1 / 0)") == "E_INDEX_OUT_OF_RANGE"
    src = ("latent table t; " + prog(
        "block main() using t { let a = [ls.collapse a 1, ls.snapshot.count, ls.collapse b 2, "
        "ls.snapshot.count]; return [a[1], a[3]]; }"))
    assert run(src) == (1, 2)


def test_nfc_and_text_results():
    assert run(prog('block main() { let s = "e" + "\\u{301}"; return [s == "é", len(s), s]; }')) \
        == (True, 1, "é")
    assert math.isclose(run(prog("block main() { return 1 / 3.0; }")), 1 / 3)


# ============================================================================ error positions

def _where(src: str, **kw) -> tuple:
    e = err(src, **kw)
    return e.code, e.line, e.column


POSITIONS = [
    # (program, code, line, column) — the offending token
    ("block main() {\n  return 1 +\n    9223372036854775807;\n}", "E_INT_OVERFLOW", 2, 12),
    ("block main() {\n  return [1e308 * 10];\n}", "E_FLOAT_SPECIAL", 2, 17),
    ("block main() {\n  let x = 0;\n  return 5 % x;\n}", "E_DIV_ZERO", 3, 12),
    ("block main() {\n  return -(-9223372036854775808);\n}", "E_INT_OVERFLOW", 2, 10),
    ('block main() {\n  return "a" < 1;\n}', "E_TYPE_MISMATCH", 2, 14),
    ("block main() {\n  return -true;\n}", "E_TYPE_MISMATCH", 2, 10),
    ("block main() {\n  return len(5);\n}", "E_TYPE_MISMATCH", 2, 10),
    ("block f(a) { return a; }\nblock main() {\n  return [f(1, 2)];\n}", "E_TYPE_MISMATCH", 3, 11),
    ("block main() {\n  for (x in 5) { }\n}", "E_TYPE_MISMATCH", 2, 13),
    ("block main() {\n  return 1 |> (v){ return v; } |> append;\n}", "E_TYPE_MISMATCH", 2, 35),
    ("block main() {\n  let a = 1;\n  return a + zz;\n}", "E_UNDEFINED_NAME", 3, 14),
    ("block main() {\n  return missing(1);\n}", "E_UNDEFINED_NAME", 2, 10),
    ("block main() {\n  return 2 |> (v){ return w; };\n}", "E_UNDEFINED_NAME", 2, 27),
    ("block f(n) { return f(n); }\nblock main() {\n  return f(1);\n}", "E_DEPTH_EXCEEDED", 1, 21),
    ("block main() {\n  let v = [];\n  for (i in range(64)) {\n    let v = [v];\n  }\n}",
     "E_DEPTH_EXCEEDED", 4, 13),
    ("block main() {\n  let a = [1, 2];\n  return a[0] + a[2];\n}", "E_INDEX_OUT_OF_RANGE", 3, 18),
    ('block main() {\n  return {a: 1}["b"];\n}', "E_KEY_NOT_FOUND", 2, 16),
    ("block main() {\n  return {a: 1}.b;\n}", "E_KEY_NOT_FOUND", 2, 17),
    ('block main() {\n  return {902: {@0: "p"}}.foo;\n}', "E_CONTRACT_UNKNOWN_FIELD", 2, 27),
    ("block main() {\n  return ls.resolve &h_nope;\n}", "E_HANDLE_NOT_FOUND", 2, 10),
    ("block main() {\n  ls.guard 0;\n}", "E_GUARD_FAILED", 2, 3),
    ("block main() {\n  if (true) {\n    assert(1 > 2);\n  }\n}", "E_ASSERT_FAILED", 3, 5),
]


@pytest.mark.parametrize("body, code, line, column", POSITIONS)
def test_error_positions(body, code, line, column):
    src = "program p {\n" + body + "\n}"
    # the program text starts on line 2 of `src`
    assert _where(src) == (code, line + 1, column)
    # the same error on the runic track, at the HLX position of the same token
    hlx = to_hlx(src)
    e = err(hlx, track="hlx")
    assert e.code == code and e.line == line + 1
    hlx_line = hlx.split("\n")[e.line - 1]
    hlxl_line = src.split("\n")[line]
    hlxl_token = hlxl_line[column - 1:]
    hlx_token = hlx_line[e.column - 1:]
    assert to_hlx(hlxl_token) == hlx_token


def test_step_limit_position_and_hlx_mapping():
    src = "program p {\n  block main() {\n    ls.transaction { while (1) { } }\n  }\n}"
    assert _where(src, max_steps=100) == ("E_STEP_LIMIT", 3, 22)
    hlx = to_hlx(src)
    e = err(hlx, track="hlx", max_steps=100)
    assert (e.code, e.line, e.column) == ("E_STEP_LIMIT", 3, hlx.split("\n")[2].index("⟳") + 1)
    # glyphs before the error shift its column on the runic track
    src = "program p { block main() { let h = ls.collapse x 1; return ls.resolve &h_x; } }"
    e_l = err(src)
    e_r = err(to_hlx(src), track="hlx")
    assert e_l.code == e_r.code == "E_HANDLE_NOT_FOUND"
    assert to_hlx(src)[e_r.column - 1] == "⚯" and src[e_l.column - 1:].startswith("ls.resolve")
    assert (e_r.end_column - e_r.column, e_l.end_column - e_l.column) == (1, len("ls.resolve"))


def test_load_errors_come_first():
    assert err(prog("block main() { return 1 / 0; } block main() { return 1; }")).code == \
        "E_DUPLICATE_NAME"
    assert err(prog("block main() { return 9223372036854775808; }")).code == "E_INT_OVERFLOW"
    assert run(prog("block main() { return -9223372036854775808; }")) == -(2**63)


def test_step_bound_also_bounds_copying():
    # A doubling loop would need terabytes after 40 rounds; copying long results costs steps,
    # so the step bound stops it early with E_STEP_LIMIT instead of exhausting memory.
    src = ('program p { block main() { let s = "ab"; let i = 0; '
           'while (i < 40) { let s = s + s; let i = i + 1; } return len(s); } }')
    assert err(src, max_steps=10**6).code == "E_STEP_LIMIT"
    assert run(src.replace("40", "10"), max_steps=10**6) == 2 * 2**10


def test_self_nesting_is_measured_once_per_object():
    # `append(s, s)` shares s twice: the tree has 2**n nodes but n distinct objects; measuring
    # stays linear in the objects (it used to walk the whole tree, which never finished) and
    # the node bound stops the run long before the depth limit would.
    src = ("program p { block main() { let s = []; let i = 0; "
           "while (i < 70) { let s = append(s, s); let i = i + 1; } return len(s); } }")
    assert err(src).code == "E_STEP_LIMIT"
    assert run(src.replace("70", "15")) == 15


def test_values_too_large_to_print_are_refused():
    # 40 rounds of `[s, s]` share structure: 2**40 leaves, but only 40 objects.  Printing,
    # comparing or hashing it could never finish, so building it stops at the node bound.
    src = ("program p { block main() { let s = [1]; let i = 0; "
           "while (i < 40) { let s = [s, s]; let i = i + 1; } return s == s; } }")
    assert err(src).code == "E_STEP_LIMIT"
    assert run(src.replace("40", "10")) is True
