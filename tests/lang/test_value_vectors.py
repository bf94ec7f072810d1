"""The value formats against the conformance vectors (HLX-SPEC §14) and the spec's own tables:
§4 lexical examples, §5 LC-T, §6 LC-R, §7 HLXL value literals, §8.4 HLX value literals, the §9
conversion rule and the error table of §13.

Every check goes through the public entry points: ``FORMATS[name].parse``/``dump`` and
``convert`` (for ``lcb`` the text is the hex display form of §2.5).
"""

from __future__ import annotations

import itertools
import re

import pytest
from spec_vectors import SPEC7_NONCANONICAL, vectors

from helix_lang.convert import FORMAT_NAMES, FORMATS, convert
from helix_lang.errors import CODES, HLXError
from helix_lang.formats import hlx, hlxl, lcb, lcr, lct
from helix_lang.values import Contract, Handle, equal

#: format name → column of values.jsonl
COLUMNS = {"hlxl": "hlxl", "hlx": "hlx", "lct": "lct", "lcr": "lcr", "lcb": "lcb_hex"}
TEXT_FORMATS = ("hlxl", "hlx", "lct", "lcr")

VALUE_ROWS = vectors("values")
INVALID_ROWS = vectors("invalid")
NORMALIZE_ROWS = vectors("normalize")


def _ids(rows):
    return [r["id"] for r in rows]


def error_of(fmt: str, text: str) -> HLXError:
    with pytest.raises(HLXError) as info:
        FORMATS[fmt].parse(text)
    return info.value


def assert_position_inside(err: HLXError, text: str) -> None:
    """A text-format error carries a 1-based line/column inside the text (or just after it)."""
    lines = text.split("\n")
    assert err.line is not None and err.column is not None, err
    assert 1 <= err.line <= len(lines), (err, text)
    assert 1 <= err.column <= len(lines[err.line - 1]) + 1, (err, text)


# --- values.jsonl -------------------------------------------------------------------------------

def test_vector_files_are_present():
    assert len(VALUE_ROWS) >= 100
    assert len(INVALID_ROWS) >= 90
    assert len(NORMALIZE_ROWS) >= 30
    assert set(FORMAT_NAMES) == set(COLUMNS)
    assert {r["format"] for r in INVALID_ROWS} == set(COLUMNS)
    assert len({r["id"] for r in VALUE_ROWS}) == len(VALUE_ROWS)


@pytest.mark.parametrize("row", VALUE_ROWS, ids=_ids(VALUE_ROWS))
def test_value_row_parses_to_one_value(row):
    parsed = {f: FORMATS[f].parse(row[c]) for f, c in COLUMNS.items()}
    reference = parsed["lcb"]
    for fmt, value in parsed.items():
        assert equal(value, reference), (fmt, value, reference)


@pytest.mark.parametrize("row", VALUE_ROWS, ids=_ids(VALUE_ROWS))
def test_value_row_prints_every_column(row):
    for src, src_col in COLUMNS.items():
        value = FORMATS[src].parse(row[src_col])
        for dst, dst_col in COLUMNS.items():
            assert FORMATS[dst].dump(value) == row[dst_col], (src, dst)


@pytest.mark.parametrize("src", list(COLUMNS))
@pytest.mark.parametrize("row", VALUE_ROWS, ids=_ids(VALUE_ROWS))
def test_value_row_converts_to_every_column(row, src):
    """§9: convert(A → B)(row[A]) == row[B] for all 25 ordered pairs (identity included)."""
    wrong = {dst: convert(row[COLUMNS[src]], src, dst) for dst in COLUMNS}
    wrong = {dst: out for dst, out in wrong.items() if out != row[COLUMNS[dst]]}
    assert not wrong, wrong


def test_value_rows_are_distinct_values():
    """Distinct rows spell distinct values (each printer is injective, §9)."""
    encodings = [row["lcb_hex"] for row in VALUE_ROWS]
    assert len(set(encodings)) == len(encodings)


def test_value_rows_cover_every_kind():
    from helix_lang.values import KINDS, kind

    seen = {kind(lcb.parse(row["lcb_hex"])) for row in VALUE_ROWS}
    assert seen == set(KINDS)


# --- invalid.jsonl --------------------------------------------------------------------------------

@pytest.mark.parametrize("row", INVALID_ROWS, ids=_ids(INVALID_ROWS))
def test_invalid_row(row):
    err = error_of(row["format"], row["input"])
    assert err.code == row["error"], err
    assert err.code in CODES
    assert_position_inside(err, row["input"])
    assert "^" in err.render(row["input"]).split("\n")[-1]


@pytest.mark.parametrize("row", INVALID_ROWS, ids=_ids(INVALID_ROWS))
def test_invalid_row_fails_conversion(row):
    for dst in COLUMNS:
        with pytest.raises(HLXError) as info:
            convert(row["input"], row["format"], dst)
        assert info.value.code == row["error"]


# --- normalize.jsonl ------------------------------------------------------------------------------

@pytest.mark.parametrize("row", NORMALIZE_ROWS, ids=_ids(NORMALIZE_ROWS))
def test_normalize_row(row):
    fmt = row["format"]
    assert row["input"] != row["canonical"]
    assert convert(row["input"], fmt, fmt) == row["canonical"]
    # The canonical text is a fixed point and means the same value.
    assert convert(row["canonical"], fmt, fmt) == row["canonical"]
    assert equal(FORMATS[fmt].parse(row["input"]), FORMATS[fmt].parse(row["canonical"]))


# --- §13: the error table -------------------------------------------------------------------------

ERROR_TABLE = [  # (format, input, code) — HLX-SPEC §13
    ("lct", "[1,2,]", "E_LC_PARSE"),
    ("lct", "{b:1,C:2}", "E_LC_PARSE"),
    ("lct", '"café"', "E_LC_PARSE"),
    ("lcr", '🜊14🜁0"x"🜂', "E_LC_PARSE"),
    ("lcr", "🐊14🐁0 1🐂", "E_UNKNOWN_GLYPH"),
    ("hlx", "&h_ast", "E_LC_PARSE"),
    ("lct", '"\\q"', "E_INVALID_ESCAPE"),
    ("lcr", '"\\u{d800}"', "E_INVALID_ESCAPE"),
    ("lct", "#ABCD", "E_INVALID_HEX"),
    ("hlxl", 'x"abc"', "E_INVALID_HEX"),
    ("lct", "9223372036854775808", "E_INT_OVERFLOW"),
    ("lcb", "01 80 80 80 80 80 80 80 80 80 01", "E_INT_OVERFLOW"),
    ("lct", "1e309", "E_FLOAT_SPECIAL"),
    ("hlxl", "{14: {@1: 1, @0: 2}}", "E_FIELD_ORDER"),
    ("lcb", "07 0a 02 01 01 01 00 01 02 08", "E_FIELD_ORDER"),
    ("lcb", "0c 02 01 62 00 01 61 00 0d", "E_KEY_ORDER"),
    ("lcr", '◇"é": 1, "e\u0301": 2◆', "E_DUPLICATE_KEY"),
    ("hlxl", "contract 902 { name: 1 }", "E_CONTRACT_UNKNOWN_FIELD"),
    ("lcb", "01 80 00", "E_LC_BINARY_DECODE"),
    ("lcb", "07 0e 00 00 01 2a 08", "E_LC_BINARY_DECODE"),
    ("lcb", "02 80 00 00 00 00 00 00 00", "E_LC_BINARY_DECODE"),
    ("lcb", "03 03 65 cc 81", "E_LC_BINARY_DECODE"),
]


@pytest.mark.parametrize("fmt, text, code", ERROR_TABLE)
def test_error_table(fmt, text, code):
    err = error_of(fmt, text)
    assert err.code == code
    assert_position_inside(err, text)


def test_error_table_lists_only_known_codes():
    assert {code for _, _, code in ERROR_TABLE} <= set(CODES)
    assert len(CODES) == 25


# --- §4: lexical rules ----------------------------------------------------------------------------

FLOAT_CANONICAL = [  # §4.1: canonical float text (Python's repr)
    (1.0, "1.0"), (0.1, "0.1"), (0.0001, "0.0001"), (1e-05, "1e-05"), (1e-06, "1e-06"),
    (1e16, "1e+16"), (1e15, "1000000000000000.0"), (0.1 + 0.2, "0.30000000000000004"),
    (1.7976931348623157e308, "1.7976931348623157e+308"), (5e-324, "5e-324"), (0.0, "0.0"),
    (-0.0, "0.0"), (-2.5, "-2.5"),
]


@pytest.mark.parametrize("x, text", FLOAT_CANONICAL)
def test_float_canonical_text(x, text):
    for fmt in TEXT_FORMATS:
        assert FORMATS[fmt].dump(x) == text
        assert FORMATS[fmt].parse(text) == x and type(FORMATS[fmt].parse(text)) is float


LEXICAL = [  # (format, input, canonical text in that format) — §4.1, §4.2
    ("lct", "-0", "0"),
    ("lct", "-0.0", "0.0"),
    ("lct", "1e-400", "0.0"),
    ("lct", "1E2", "100.0"),
    ("lct", "2.50e-3", "0.0025"),
    ("lct", "-9223372036854775808", "-9223372036854775808"),
    ("lct", '"\\u{0}"', '"\\u{0}"'),
    ("lct", '"\\u{1B}"', '"\\u{1b}"'),
    ("lct", '"\\u{00001b}"', '"\\u{1b}"'),
    ("lct", '"\\u{10FFFF}"', '"\\u{10ffff}"'),
    ("lct", '"\\"\\\\\\n\\r\\t"', '"\\"\\\\\\n\\r\\t"'),
    ("lct", '"\\u{7f}\\u{80}\\u{9f}\\u{a0}"', '"\\u{7f}\\u{80}\\u{9f}\\u{a0}"'),
    ("lct", '"~"', '"~"'),
    ("lcr", '"\\u{1b}\\u{85}\\u{2028}\\u{feff}"', '"\\u{1b}\\u{85}\u2028\ufeff"'),
    ("lcr", '"\\u{1f70a}"', '"\U0001f70a"'),
    ("hlxl", '"\\u{7f} \\u{a0}"', '"\\u{7f} \xa0"'),
    ("hlx", '"\\u{2205}"', '"∅"'),
]


@pytest.mark.parametrize("fmt, text, canonical", LEXICAL)
def test_lexical_examples(fmt, text, canonical):
    assert convert(text, fmt, fmt) == canonical


LEXICAL_ERRORS = [  # (format, input, code) — §4.1–§4.4
    ("lct", "007", "E_LC_PARSE"), ("lct", "1.", "E_LC_PARSE"), ("lct", ".5", "E_LC_PARSE"),
    ("lct", "+1", "E_LC_PARSE"), ("lct", "NaN", "E_LC_PARSE"), ("lct", "Infinity", "E_LC_PARSE"),
    ("lct", "1.5e", "E_LC_PARSE"), ("lct", "--1", "E_LC_PARSE"), ("lct", "0x10", "E_LC_PARSE"),
    ("hlxl", "007", "E_LC_PARSE"), ("hlxl", "+1", "E_LC_PARSE"), ("hlxl", "Infinity", "E_LC_PARSE"),
    ("lcr", "1.", "E_LC_PARSE"), ("hlx", ".5", "E_LC_PARSE"),
    ("lct", "9223372036854775808", "E_INT_OVERFLOW"),
    ("lct", "-9223372036854775809", "E_INT_OVERFLOW"),
    ("lcr", "99999999999999999999999", "E_INT_OVERFLOW"),
    ("hlx", "-99999999999999999999999", "E_INT_OVERFLOW"),
    ("lct", "{C:4294967296}", "E_INT_OVERFLOW"), ("lct", "{C:1,65536=1}", "E_INT_OVERFLOW"),
    ("lcr", "🜊4294967296🜂", "E_INT_OVERFLOW"), ("lcr", "🜊1🜁65536 1🜂", "E_INT_OVERFLOW"),
    ("hlxl", "{4294967296: {}}", "E_INT_OVERFLOW"), ("hlx", "{1: {@65536: 1}}", "E_INT_OVERFLOW"),
    ("lct", "1e309", "E_FLOAT_SPECIAL"), ("lcr", "-1e309", "E_FLOAT_SPECIAL"),
    ("hlxl", "1.8e308", "E_FLOAT_SPECIAL"), ("hlx", "[1e999]", "E_FLOAT_SPECIAL"),
    ("lct", '"\\q"', "E_INVALID_ESCAPE"), ("lct", '"\\x41"', "E_INVALID_ESCAPE"),
    ("lct", '"\\u0041"', "E_INVALID_ESCAPE"), ("lct", '"\\u{}"', "E_INVALID_ESCAPE"),
    ("lct", '"\\/"', "E_INVALID_ESCAPE"), ("lct", '"\\0"', "E_INVALID_ESCAPE"),
    ("lct", '"\\u{1234567}"', "E_INVALID_ESCAPE"), ("lct", '"\\u{110000}"', "E_INVALID_ESCAPE"),
    ("lcr", '"\\u{dfff}"', "E_INVALID_ESCAPE"), ("hlxl", '"\\u{d800}"', "E_INVALID_ESCAPE"),
    ("hlx", '"\\a"', "E_INVALID_ESCAPE"),
    ("lct", '"a\tb"', "E_LC_PARSE"), ("lct", '"a\nb"', "E_LC_PARSE"),
    ("lcr", '"a\x00b"', "E_LC_PARSE"), ("lcr", '"a\x85b"', "E_LC_PARSE"),
    ("hlxl", '"a\x7fb"', "E_LC_PARSE"), ("hlx", '"a\x9fb"', "E_LC_PARSE"),
    ("lcr", '"a\ud800b"', "E_LC_PARSE"), ("hlxl", '"\udc00"', "E_LC_PARSE"),
    ("lct", '"\\\n"', "E_LC_PARSE"), ("lcr", '"\\\x00"', "E_LC_PARSE"),
    ("lct", '"abc', "E_LC_PARSE"), ("lcr", '"abc\\"', "E_LC_PARSE"), ("hlxl", '"', "E_LC_PARSE"),
    ("lct", "#ABCD", "E_INVALID_HEX"), ("lct", "#abc", "E_INVALID_HEX"),
    ("lcr", "⊠0g", "E_INVALID_HEX"), ("lcr", "⊠0", "E_INVALID_HEX"),
    ("hlxl", 'x"0A"', "E_INVALID_HEX"), ("hlxl", 'x"abc"', "E_INVALID_HEX"),
    ("hlx", 'x"zz"', "E_INVALID_HEX"),
    ("lct", "@", "E_LC_PARSE"), ("lcr", "⟁", "E_LC_PARSE"), ("hlxl", "&h_", "E_LC_PARSE"),
    ("hlx", "⟁", "E_LC_PARSE"),
    ("lcr", "\u00e9", "E_UNKNOWN_GLYPH"), ("hlx", "\u00e9", "E_UNKNOWN_GLYPH"),
    ("lct", "\u00e9", "E_LC_PARSE"), ("hlxl", "[1, \u00e9]", "E_LC_PARSE"),
]


@pytest.mark.parametrize("fmt, text, code", LEXICAL_ERRORS)
def test_lexical_errors(fmt, text, code):
    err = error_of(fmt, text)
    assert err.code == code, err
    assert_position_inside(err, text)


def test_bare_keys_follow_the_key_rule():
    """§4.3: bare iff IDENT and not `C` (LC-T/LC-R) or a reserved word (HLXL/HLX)."""
    value = {"C": 1, "NULL": 2, "let": 3, "a b": 4, "x": 5}
    assert lct.dump(value) == '{"C":1,NULL:2,"a b":4,let:3,x:5}'
    assert lcr.dump(value) == '◇"C": 1, NULL: 2, "a b": 4, let: 3, x: 5◆'
    assert hlxl.dump(value) == '{C: 1, NULL: 2, "a b": 4, "let": 3, x: 5}'
    assert hlx.dump(value) == '{C: 1, NULL: 2, "a b": 4, "let": 3, x: 5}'


# --- §5: LC-T -----------------------------------------------------------------------------------

LCT_TABLE = [  # (HLXL, LC-T) — §5
    ("[true, false]", "[TRUE,FALSE]"),
    ("-17", "-17"),
    ("1e+16", "1e+16"),
    ('"😀\\n"', '"\\u{1f600}\\n"'),
    ('x"010203"', "#010203"),
    ('x""', "#"),
    ("&h_ast", "@ast"),
    ('[1, "two", true, null, 3.14]', '[1,"two",TRUE,NULL,3.14]'),
    ('{NULL: 3, "a b": 1, "let": 2}', '{NULL:3,"a b":1,let:2}'),
    ('{1000: {@0: "filter", @1: &h_users, @2: &h_active}}',
     '{C:1000,0="filter",1=@users,2=@active}'),
]

LCT_CANONICAL_LINES = [  # §5: "every line of the following block is canonical LC-T"
    '{C:900,0=@spirv,1="main",2="compute"}',
    '{C:1000,0="create",1={size:1024,type:"buffer",usage:["vertex","index"]}}',
    "{C:7,8=1,127=2,128=3,65535=NULL}",
    '["&h_not_a_handle","@x",#00ff]',
]

LCT_WHITESPACE = [  # §5: parsers accept whitespace between tokens
    ("{C: 14 , 0 = 42 }", "{C:14,0=42}"),
    (" [ 1 , 2 ] ", "[1,2]"),
    ("\t{ a :\r\n1 }\n", "{a:1}"),
    ("{C:15 }", "{C:15}"),
]

LCT_ERRORS = [  # §5
    ("{ C:1}", "E_LC_PARSE"), ("{b:1,C:2}", "E_LC_PARSE"), ("{C:}", "E_LC_PARSE"),
    ("{C :1}", "E_LC_PARSE"), ("{C:1,}", "E_LC_PARSE"), ("{C:1,0}", "E_LC_PARSE"),
    ("null", "E_LC_PARSE"), ("true", "E_LC_PARSE"), ("[1,]", "E_LC_PARSE"),
    ("{a:1,}", "E_LC_PARSE"), ("// x\n1", "E_LC_PARSE"), ("&h_x", "E_LC_PARSE"),
    ('x"00"', "E_LC_PARSE"), ("{C:14,0=42} ", None), ('"\\u{e9}"', None),
]


@pytest.mark.parametrize("hlxl_text, lct_text", LCT_TABLE)
def test_lct_table(hlxl_text, lct_text):
    assert convert(hlxl_text, "hlxl", "lct") == lct_text
    assert convert(lct_text, "lct", "hlxl") == hlxl_text


@pytest.mark.parametrize("text", LCT_CANONICAL_LINES)
def test_lct_canonical_lines(text):
    assert lct.dump(lct.parse(text)) == text
    for fmt in FORMAT_NAMES:
        assert convert(convert(text, "lct", fmt), fmt, "lct") == text


@pytest.mark.parametrize("text, canonical", LCT_WHITESPACE)
def test_lct_whitespace(text, canonical):
    assert convert(text, "lct", "lct") == canonical


@pytest.mark.parametrize("text, code", LCT_ERRORS)
def test_lct_errors(text, code):
    if code is None:
        lct.parse(text)
        return
    assert error_of("lct", text).code == code


def test_lct_output_is_ascii():
    value = {"é": ["😀", "\u2028", "∅", "\x85"], "k": Handle("x")}
    out = lct.dump(value)
    assert out.isascii()
    assert out == '{k:@x,"\\u{e9}":["\\u{1f600}","\\u{2028}","\\u{2205}","\\u{85}"]}'


# --- §6: LC-R -----------------------------------------------------------------------------------

LCR_TABLE = [  # (HLXL, LC-T, LC-R) — §6
    ("null", "NULL", "∅"),
    ("true", "TRUE", "⊤"),
    ("false", "FALSE", "⊥"),
    ('"café"', '"caf\\u{e9}"', '"café"'),
    ('"\\u{0}"', '"\\u{0}"', '"\\u{0}"'),
    ('x"64617461"', "#64617461", "⊠64617461"),
    ("&h_foo_0", "@foo_0", "⟁foo_0"),
    ("[]", "[]", "🜃🜄"),
    ("[1, 2, 3]", "[1,2,3]", "🜃1, 2, 3🜄"),
    ("[[1], [2, 3]]", "[[1],[2,3]]", "🜃🜃1🜄, 🜃2, 3🜄🜄"),
    ("{}", "{}", "◇◆"),
    ('{age: 30, name: "Alice"}', '{age:30,name:"Alice"}', '◇age: 30, name: "Alice"◆'),
    ("{C: 1}", '{"C":1}', '◇"C": 1◆'),
    ("{14: {@0: 42}}", "{C:14,0=42}", "🜊14🜁0 42🜂"),
    ("{15: {}}", "{C:15}", "🜊15🜂"),
    ('{900: {@0: &h_spirv, @1: "main", @2: "compute"}}',
     '{C:900,0=@spirv,1="main",2="compute"}', '🜊900🜁0 ⟁spirv🜁1 "main"🜁2 "compute"🜂'),
    ('{14: {@0: {15: {@0: "inner"}}}}', '{C:14,0={C:15,0="inner"}}',
     '🜊14🜁0 🜊15🜁0 "inner"🜂🜂'),
    ('{op: {1000: {@0: "read"}}}', '{op:{C:1000,0="read"}}', '◇op: 🜊1000🜁0 "read"🜂◆'),
]

LCR_CANONICAL_LINES = [  # §6
    '🜊104🜁0 "add"🜁1 🜃"a", "b"🜄🜁2 ⟁body🜂',
    '🜊1000🜁0 "search"🜁1 ⟁documents🜂',
    "🜃⟁a, ⟁b, ⟁c🜄",
    '"🜊14🜁0 42🜂 is just text"',
]

LCR_ERRORS = [  # §6, §15
    ("🜊 14🜂", "E_LC_PARSE"),
    ('🜊14🜁0"x"🜂', "E_LC_PARSE"),
    ("🜊14🜁 0 1🜂", "E_LC_PARSE"),
    ("◇C: 1◆", "E_LC_PARSE"),
    ("[1]", "E_LC_PARSE"),
    ("NULL", "E_LC_PARSE"),
    ("🜃1, 2,🜄", "E_LC_PARSE"),
    ("🜃1🜂", "E_LC_PARSE"),
    ("🐊14🐁0 1🐂", "E_UNKNOWN_GLYPH"),
    ("🐃1🐄", "E_UNKNOWN_GLYPH"),
    ("🜃1, 🐂🜄", "E_UNKNOWN_GLYPH"),
    ("⟠", "E_UNKNOWN_GLYPH"),
    ("∅\ufe0f", "E_UNKNOWN_GLYPH"),
    ("🜊14🜁0\t1🜂", None),
    ("🜊14🜁0\n1🜂", None),
]


@pytest.mark.parametrize("hlxl_text, lct_text, lcr_text", LCR_TABLE)
def test_lcr_table(hlxl_text, lct_text, lcr_text):
    spellings = {"hlxl": hlxl_text, "lct": lct_text, "lcr": lcr_text}
    for src, dst in itertools.product(spellings, repeat=2):
        assert convert(spellings[src], src, dst) == spellings[dst], (src, dst)


@pytest.mark.parametrize("text", LCR_CANONICAL_LINES)
def test_lcr_canonical_lines(text):
    assert lcr.dump(lcr.parse(text)) == text
    for fmt in FORMAT_NAMES:
        assert convert(convert(text, "lcr", fmt), fmt, "lcr") == text


def test_lcr_text_that_looks_like_structure_stays_text():
    assert lcr.parse('"🜊14🜁0 42🜂 is just text"') == "🜊14🜁0 42🜂 is just text"


@pytest.mark.parametrize("text, code", LCR_ERRORS)
def test_lcr_errors(text, code):
    if code is None:
        assert lcr.parse(text) == Contract(14, {0: 1})
        return
    err = error_of("lcr", text)
    assert err.code == code
    assert_position_inside(err, text)


def test_lct_lcr_is_not_a_substitution():
    """§9: `}` closes a map or a contract, so LC-T → LC-R goes through the value."""
    assert convert("{a:{C:1,0={}}}", "lct", "lcr") == "◇a: 🜊1🜁0 ◇◆🜂◆"


# --- §7: HLXL value literals ----------------------------------------------------------------------

HLXL_TABLE = [  # (HLXL, LC-T) — §7
    ("{C: 1, NULL: 4}", '{"C":1,NULL:4}'),
    ('{"let": 1, "null": 2, "program": 3}', "{let:1,null:2,program:3}"),
    ('{"": 0, "1x": 2, "a b": 1, "é": 3}', '{"":0,"1x":2,"a b":1,"\\u{e9}":3}'),
    ("{7: {@8: 1, @127: 2, @128: 3, @65535: null}}", "{C:7,8=1,127=2,128=3,65535=NULL}"),
]

HLXL_CANONICAL_LINES = [  # §7
    '{902: {@0: "graphics", @1: [&h_vs, &h_fs], @2: [{stage_idx: 0}], @3: &h_fb}}',
    '{901: {@0: "blur", @1: &h_blur_cs, @2: [16, 16, 1], @3: 4096}}',
    '[1, "two", true, null, 3.14]',
    '"e\\u{0}\\"\\\\\\t"',
]

HLXL_NONCANONICAL = SPEC7_NONCANONICAL + [  # (HLXL input, canonical HLXL)
    # further sugar and layout accepted by §7
    ("/* a */ [ /* b */ 1 /* c */ ] // d", "[1]"),
    ("[1,\n// comment\n2]", "[1, 2]"),
    ('b"\\\\\\"\\r\\t ~"', 'x"5c220d09207e"'),
    ('b""', 'x""'),
    ('{"C": 1}', "{C: 1}"),
    ('{"a b": 1, a: 2}', '{a: 2, "a b": 1}'),
    ("contract 15 {}", "{15: {}}"),
    ("{14:{}}", "{14: {}}"),
    ('contract 106 { condition: true, "then": 1, "else": 2 }', "{106: {@0: true, @1: 1, @2: 2}}"),
]

HLXL_ERRORS = [  # §7
    ("- 5", "E_LC_PARSE"),
    ("[1, 2,]", "E_LC_PARSE"),
    ("{let: 1}", "E_LC_PARSE"),
    ("{null: 1}", "E_LC_PARSE"),
    ("{contract: 1}", "E_LC_PARSE"),
    ("{ls: 1}", "E_LC_PARSE"),
    ("{ls.collapse: 1}", "E_LC_PARSE"),
    ("{ls.foo: 1}", "E_LC_PARSE"),
    ("NULL", "E_LC_PARSE"),
    ("[1] /* open", "E_LC_PARSE"),
    ("{14: {@ 0: 1}}", "E_LC_PARSE"),
    ("{14: {0: 1}}", "E_LC_PARSE"),
    ("{14: 5}", "E_LC_PARSE"),
    ("&h_", "E_LC_PARSE"),
    ("⟁a", "E_LC_PARSE"),
    ("# comment", "E_LC_PARSE"),
    ('x"0A"', "E_INVALID_HEX"),
    ('x"abc"', "E_INVALID_HEX"),
    ('x"0g"', "E_INVALID_HEX"),
    ('b"\\q"', "E_INVALID_ESCAPE"),
    ('b"\\x4"', "E_INVALID_ESCAPE"),
    ('b"\\u{41}"', "E_INVALID_ESCAPE"),
    ('b"é"', "E_LC_PARSE"),
    ('b"\x01"', "E_LC_PARSE"),
    ("contract 902 { name: 1 }", "E_CONTRACT_UNKNOWN_FIELD"),
    ("contract 4242 { op: 1 }", "E_CONTRACT_UNKNOWN_FIELD"),
    ('contract 902 { stages: [], pipeline_id: "p" }', "E_FIELD_ORDER"),
    ('contract 902 { pipeline_id: "p", @0: "q" }', "E_DUPLICATE_FIELD"),
    ("{14: {@0: 1, @0: 1}}", "E_DUPLICATE_FIELD"),
    ('{a: 1, "a": 2}', "E_DUPLICATE_KEY"),
    ('{"é": 1, "e\\u{301}": 2}', "E_DUPLICATE_KEY"),
]


@pytest.mark.parametrize("hlxl_text, lct_text", HLXL_TABLE)
def test_hlxl_table(hlxl_text, lct_text):
    assert convert(hlxl_text, "hlxl", "lct") == lct_text
    assert convert(lct_text, "lct", "hlxl") == hlxl_text


@pytest.mark.parametrize("text", HLXL_CANONICAL_LINES)
def test_hlxl_canonical_lines(text):
    assert hlxl.dump(hlxl.parse(text)) == text
    for fmt in FORMAT_NAMES:
        assert convert(convert(text, "hlxl", fmt), fmt, "hlxl") == text


@pytest.mark.parametrize("text, canonical", HLXL_NONCANONICAL)
def test_hlxl_noncanonical(text, canonical):
    assert convert(text, "hlxl", "hlxl") == canonical
    assert convert(canonical, "hlxl", "hlxl") == canonical


@pytest.mark.parametrize("text, code", HLXL_ERRORS)
def test_hlxl_errors(text, code):
    err = error_of("hlxl", text)
    assert err.code == code, err
    assert_position_inside(err, text)


def test_hlxl_printer_never_emits_sugar():
    v = hlxl.parse('contract 1000 { op: "read", @1: b"ab" } // c')
    assert v == Contract(1000, {0: "read", 1: b"ab"})
    assert hlxl.dump(v) == '{1000: {@0: "read", @1: x"6162"}}'


# --- §8.4: HLX value literals ---------------------------------------------------------------------

HLX_TABLE = [  # (HLXL, HLX, LC-R) — §8.4
    ("&h_ast", "⟁ast", "⟁ast"),
    ("[&h_a, {k: &h_b}]", "[⟁a, {k: ⟁b}]", "🜃⟁a, ◇k: ⟁b◆🜄"),
    ('{1000: {@0: "search", @1: &h_documents}}', '{1000: {@0: "search", @1: ⟁documents}}',
     '🜊1000🜁0 "search"🜁1 ⟁documents🜂'),
    ('"&h_x stays text"', '"&h_x stays text"', '"&h_x stays text"'),
]

HLX_ERRORS = [  # §8.3, §8.4
    ("&h_ast", "E_LC_PARSE"),
    ("[⊢]", "E_LC_PARSE"),
    ("[1, ⟠]", "E_LC_PARSE"),
    ("{k: ⟁a▷}", "E_LC_PARSE"),
    ("⟁", "E_LC_PARSE"),
    ("[⟁ a]", "E_LC_PARSE"),
    ("[ⓘ 42]", "E_UNKNOWN_GLYPH"),
    ("[⟁a\ufe0f]", "E_UNKNOWN_GLYPH"),
    ("🜃1🜄", "E_UNKNOWN_GLYPH"),
    ("{let: 1}", "E_LC_PARSE"),
    ("{⊢: 1}", "E_LC_PARSE"),
    ("[1 | 2]", "E_LC_PARSE"),
    ("contract 4242 { op: ⟁x }", "E_CONTRACT_UNKNOWN_FIELD"),
    ("{14: {@2: ⟁a, @1: ⟁b}}", "E_FIELD_ORDER"),
]


@pytest.mark.parametrize("hlxl_text, hlx_text, lcr_text", HLX_TABLE)
def test_hlx_table(hlxl_text, hlx_text, lcr_text):
    spellings = {"hlxl": hlxl_text, "hlx": hlx_text, "lcr": lcr_text}
    for src, dst in itertools.product(spellings, repeat=2):
        assert convert(spellings[src], src, dst) == spellings[dst], (src, dst)


@pytest.mark.parametrize("text, code", HLX_ERRORS)
def test_hlx_errors(text, code):
    err = error_of("hlx", text)
    assert err.code == code, err
    assert_position_inside(err, text)


def test_hlx_error_positions_are_in_hlx_text():
    """Errors found after transliteration are reported at their place in the HLX text."""
    text = '[⟁a, ⟁b, x"0g"]'
    err = error_of("hlx", text)
    assert err.code == "E_INVALID_HEX"
    assert (err.line, err.column) == (1, text.index('x"0g"') + 1 + 2)


def test_hlx_comments_and_strings_keep_glyphs():
    assert hlx.parse('["⊢ ⟁x" /* ⊢ ▷ */] // ⟠') == ("⊢ ⟁x",)


# --- §1: depth, in every format -------------------------------------------------------------------

def _nested(fmt: str, n: int) -> str:
    return FORMATS[fmt].dump(_nest_value(n))


def _nest_value(n: int):
    v: object = 0
    for i in range(n):
        v = (v,) if i % 3 == 0 else ({"k": v} if i % 3 == 1 else Contract(i, {0: v}))
    return v


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_depth_64_accepted_65_rejected(fmt):
    text64 = _nested(fmt, 64)
    assert equal(FORMATS[fmt].parse(text64), _nest_value(64))
    arrays65 = {"lct": "[" * 65 + "]" * 65, "lcr": "🜃" * 65 + "🜄" * 65,
                "hlxl": "[" * 65 + "]" * 65, "hlx": "[" * 65 + "]" * 65,
                "lcb": "05 " * 65 + " ".join(["06"] * 65)}[fmt]
    assert error_of(fmt, arrays65).code == "E_DEPTH_EXCEEDED"
    with pytest.raises(HLXError) as info:
        FORMATS[fmt].dump(_nest_value(65))
    assert info.value.code == "E_DEPTH_EXCEEDED"


def test_depth_error_points_at_the_65th_opener():
    text = "[" * 65 + "]" * 65
    for fmt in ("lct", "hlxl", "hlx"):
        err = error_of(fmt, text)
        assert (err.line, err.column) == (1, 65), fmt
    err = error_of("lcr", "🜃" * 65 + "🜄" * 65)
    assert (err.line, err.column) == (1, 65)


def test_contract_counts_as_one_level_in_hlxl():
    inner = "0"
    for i in range(64):
        inner = f"{{{i}: {{@0: {inner}}}}}"
    assert hlxl.dump(hlxl.parse(inner)) == inner
    assert error_of("hlxl", f"[{inner}]").code == "E_DEPTH_EXCEEDED"


# --- §1.3 / §9: canonical order -------------------------------------------------------------------

def test_keys_sorted_by_code_point_in_every_format():
    order = ["", "B", "a", "b", "é", "\uffff", "😀"]  # U+FFFF < U+1F600 (not UTF-16 order)
    value = {k: order.index(k) for k in reversed(order)}
    for fmt in TEXT_FORMATS:
        text = FORMATS[fmt].dump(value)
        assert re.findall(r":\s?(\d+)", text) == [str(i) for i in range(len(order))], fmt
    assert lcb.dump(value) == lcb.dump(dict(sorted(value.items())))


def test_float_and_int_stay_distinct():
    for fmt in FORMAT_NAMES:
        one_int, one_float = FORMATS[fmt].dump(1), FORMATS[fmt].dump(1.0)
        assert one_int != one_float
        assert type(FORMATS[fmt].parse(one_int)) is int
        assert type(FORMATS[fmt].parse(one_float)) is float


def test_text_that_looks_like_a_handle_is_text():
    for fmt in FORMAT_NAMES:
        assert FORMATS[fmt].parse(FORMATS[fmt].dump("&h_x")) == "&h_x"
        assert FORMATS[fmt].parse(FORMATS[fmt].dump(Handle("x"))) == Handle("x")


# --- the optional lark-cython plugin changes nothing ----------------------------------------------

@pytest.fixture
def pure_python_lark(monkeypatch):
    """Parsers rebuilt without lark-cython for the test (the caches are cleared around it)."""
    from helix_lang import grammar

    monkeypatch.setattr(grammar, "_lark_cython", None)
    grammar.parser.cache_clear()
    grammar.callback_parser.cache_clear()
    yield
    monkeypatch.undo()
    grammar.parser.cache_clear()
    grammar.callback_parser.cache_clear()


def test_vectors_without_lark_cython(pure_python_lark):
    from helix_lang import grammar

    assert grammar._lark_cython is None
    assert "lark_cython" not in type(grammar.parser("lct", "start", lct.LctToValue)
                                     .parser.parser).__module__
    for row in VALUE_ROWS:
        for src, col in COLUMNS.items():
            value = FORMATS[src].parse(row[col])
            assert {dst: FORMATS[dst].dump(value) for dst in COLUMNS} == \
                {dst: row[c] for dst, c in COLUMNS.items()}, (row["id"], src)
    for row in INVALID_ROWS:
        assert error_of(row["format"], row["input"]).code == row["error"], row["id"]
    for row in NORMALIZE_ROWS:
        assert convert(row["input"], row["format"], row["format"]) == row["canonical"]
