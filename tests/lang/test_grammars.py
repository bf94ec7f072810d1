"""The Lark grammars shipped in ``helix_lang.grammars``: they load in Lark (LALR) and in llguidance
(constrained decoding), stay inside the Lark subset llguidance accepts, agree with the value
parsers on what is syntactically valid, and ship in the wheel.
"""

from __future__ import annotations

import importlib.resources
import re
import zipfile

import llguidance
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark
from value_strategies import values

from helix_lang import grammar
from helix_lang.convert import FORMATS
from helix_lang.errors import HLXError
from helix_lang.formats import common, hlxl, lcr, lct
from helix_lang.grammar import GRAMMARS, grammar_text, llguidance_source, parser
from helix_lang.hlxl.syntax import HlxlPostLex

#: Start rules to load each grammar with (hlxl has no `start`: programs and value literals).
STARTS = {"lct": ["start"], "lcr": ["start"], "lcb_hex": ["start"],
          "hlxl": ["file", "value_literal"]}
#: Grammar used by each value format, with its start rule, for the llguidance agreement tests.
FORMAT_GRAMMAR = {"lct": ("lct", None), "lcr": ("lcr", None), "hlxl": ("hlxl", "value_literal"),
                  "lcb": ("lcb_hex", None)}


def grammar_files() -> list[str]:
    root = importlib.resources.files("helix_lang.grammars")
    return sorted(p.name for p in root.iterdir() if p.name.endswith(".lark"))


def _llg_source(name: str, start: str | None = None) -> str:
    src = llguidance_source(name)
    if start is not None:
        src = f"start: {start}\n" + src
    elif not re.search(r"^start\s*:", src, re.M):
        src = "start: file\n" + src
    return src


# --- loading --------------------------------------------------------------------------------------

def test_grammar_list_matches_the_files():
    assert set(GRAMMARS) | {"hlx_common"} == {f[:-5] for f in grammar_files()}


@pytest.mark.parametrize("name, start", [(n, s) for n in GRAMMARS for s in STARTS[n]])
def test_loads_in_lark_lalr(name, start):
    lark = Lark.open_from_package("helix_lang.grammars", f"{name}.lark", parser="lalr",
                                  start=start, lexer="contextual")
    assert lark.terminals
    # the cached helper builds the same grammar
    assert parser(name, start=start).options.parser == "lalr"


@pytest.mark.parametrize("name", GRAMMARS)
def test_inlined_source_loads_in_lark(name):
    """``llguidance_source`` (imports inlined) is still the same grammar for Lark."""
    src = _llg_source(name)
    assert "%import" not in src
    for start in STARTS[name]:
        Lark(src, parser="lalr", start=start)


@pytest.mark.parametrize("name", GRAMMARS)
def test_loads_in_llguidance(name):
    grammar = llguidance.LLMatcher.grammar_from_lark(_llg_source(name))
    assert llguidance.LLMatcher.validate_grammar_with_warnings(grammar, None) == (False, [])


@pytest.mark.parametrize("start", STARTS["hlxl"])
def test_hlxl_loads_in_llguidance_with_either_start(start):
    grammar = llguidance.LLMatcher.grammar_from_lark(_llg_source("hlxl", start))
    assert llguidance.LLMatcher.validate_grammar_with_warnings(grammar, None) == (False, [])


def test_llguidance_rejects_what_the_subset_forbids():
    """The checks below matter: llguidance really refuses these constructs."""
    for bad in ("start: A\nA.2: /a/", "start: A\nA: /(?=a)a/"):
        grammar = llguidance.LLMatcher.grammar_from_lark(bad)
        is_error, warnings = llguidance.LLMatcher.validate_grammar_with_warnings(grammar, None)
        assert is_error and warnings


# --- the Lark subset ------------------------------------------------------------------------------

def _definitions(text: str) -> list[str]:
    """The left-hand sides of the grammar's rules and terminals (comments removed)."""
    out = []
    for line in text.split("\n"):
        line = re.sub(r"\s//.*$|^//.*$", "", line)
        m = re.match(r"\s*([?!]?[A-Za-z_][A-Za-z_0-9]*(?:\.-?\d+)?(?:\{[^}]*\})?)\s*:", line)
        if m:
            out.append(m.group(1))
    return out


def _regexes(text: str) -> list[str]:
    text = "\n".join(re.sub(r"\s//.*$|^//.*$", "", line) for line in text.split("\n"))
    return re.findall(r"/((?:[^/\\\n]|\\.)+)/[imslux]*", text)


@pytest.mark.parametrize("file", grammar_files())
def test_no_priorities_templates_declare_or_lookaround(file):
    text = grammar_text(file[:-5])
    definitions = _definitions(text)
    assert definitions, file
    for d in definitions:
        assert not re.search(r"\.-?\d+$", d.split("{")[0]), f"priority in `{d}`"
        assert "{" not in d, f"template `{d}`"
    code = "\n".join(re.sub(r"^//.*$", "", line) for line in text.split("\n"))
    assert "%declare" not in code
    assert "%override" not in code and "%extend" not in code
    for rx in _regexes(text):
        assert not re.search(r"\(\?<?[=!]", rx), f"lookaround in /{rx}/"


def test_subset_checks_catch_offenders():
    assert _definitions("A.2: /a/\nrule{x}: x\n?v.1: A") == ["A.2", "rule{x}", "?v.1"]
    assert _regexes('A: /(?=a)a/  // /x/') == ["(?=a)a"]


# --- llguidance agrees with the value parsers -----------------------------------------------------

class _ByteTokenizer:
    """A tokenizer with one token per byte (plus EOS), so any text can be fed to a matcher."""

    eos_token_id = 256
    bos_token_id = None
    tokens = [bytes([i]) for i in range(256)] + [b"<eos>"]
    special_token_ids = [256]

    def __call__(self, s):
        return list(s.encode("utf-8") if isinstance(s, str) else s)


_TOKENIZER = llguidance.LLTokenizer(llguidance.TokenizerWrapper(_ByteTokenizer()), slices=[])
_COMPILED: dict[tuple[str, str | None], str] = {}


def llguidance_accepts(name: str, start: str | None, text: str) -> bool:
    key = (name, start)
    if key not in _COMPILED:
        _COMPILED[key] = llguidance.LLMatcher.grammar_from_lark(_llg_source(name, start))
    matcher = llguidance.LLMatcher(_TOKENIZER, _COMPILED[key], log_level=0)
    return matcher.consume_tokens(list(text.encode("utf-8"))) and matcher.is_accepting()


# Ignored tokens (whitespace, comments) are accepted between tokens by both; llguidance does not
# accept them before the first or after the last token unless `allow_initial_skip` is set, which
# does not matter for constrained decoding of canonical text (it has none there).
@pytest.mark.parametrize("fmt, text", [
    ("lct", '{C:1000,0="filter",1=@users,2={k:[1,2.5,TRUE,NULL,#00ff]}}'),
    ("lct", '[ 1 ,\r\n\t2 ]'),
    ("lcr", '🜊900🜁0 ⟁spirv🜁1 "main"🜁2 "compute"🜂'),
    ("lcr", '🜊900🜁0\n⟁spirv 🜂'),
    ("hlxl", 'contract 902 { pipeline_id: "p", /* sugar */ stages: [&h_a] }'),
    ("hlxl", '[1, // one\n 2]'),
    ("hlxl", 'b"\\x00\\xFF\\n"'),
    ("lcb", "07 0E 01 00\n01 2a 08"),
])
def test_llguidance_accepts_valid_texts(fmt, text):
    FORMATS[fmt].parse(text)
    assert llguidance_accepts(*FORMAT_GRAMMAR[fmt], text)


@pytest.mark.parametrize("fmt, text", [
    ("lct", "[1,2,]"), ("lct", "{C :1}"), ("lct", "null"), ("lcr", '🜊14🜁0"x"🜂'),
    ("lcr", "🜊 14🜂"), ("hlxl", "- 5"), ("hlxl", "[1] /* open"), ("lcb", "01 2a ,"),
])
def test_llguidance_rejects_syntax_errors(fmt, text):
    with pytest.raises(HLXError) as info:
        FORMATS[fmt].parse(text)
    assert info.value.code == "E_LC_PARSE" or fmt == "lcb"
    assert not llguidance_accepts(*FORMAT_GRAMMAR[fmt], text)


@settings(max_examples=40, deadline=None)
@given(values(max_depth=3))
def test_llguidance_accepts_every_canonical_text(value):
    for fmt, (name, start) in FORMAT_GRAMMAR.items():
        text = FORMATS[fmt].dump(value)
        assert llguidance_accepts(name, start, text), (fmt, text)


# --- the tuned parsers behave as Lark's own ------------------------------------------------------

# `grammar.parser`/`callback_parser` streamline the parsers Lark builds (identity rules, one fused
# callback per rule, a direct parse entry); HLXL value literals use lexer callbacks instead of the
# program post-lexer so that lark-cython can run them.  Each must answer exactly as a parser
# built by Lark itself (with `HlxlPostLex` for HLXL), with and without lark-cython.

_TUNED = {
    "lct": lambda: grammar._build("lct", "start", lct.LctToValue, None, "contextual", ()),
    "lcr": lambda: grammar._build("lcr", "start", lcr.LcrToValue, None, "contextual", ()),
    "hlxl": lambda: grammar._build("hlxl", "value_literal", hlxl.HlxlValueToValue, None,
                                   "contextual", hlxl._LEXER_CALLBACKS),
}
_PLAIN = {
    "lct": lambda plugins: _lark("lct", "start", lct.LctToValue, None, plugins),
    "lcr": lambda plugins: _lark("lcr", "start", lcr.LcrToValue, None, plugins),
    "hlxl": lambda plugins: _lark("hlxl", "value_literal", hlxl.HlxlValueToValue, HlxlPostLex,
                                  None),
}
_GLYPHS = {"lct": None, "lcr": lcr.GLYPHS, "hlxl": None}


def _lark(name, start, transformer, postlex, plugins):
    options = dict(parser="lalr", start=start, lexer="contextual", propagate_positions=False,
                   maybe_placeholders=False, transformer=transformer())
    if postlex is not None:
        options["postlex"] = postlex()
    if plugins is not None:
        options["_plugins"] = plugins
    return Lark.open_from_package("helix_lang.grammars", f"{name}.lark", **options)


@pytest.fixture(scope="module", params=[True, False], ids=["lark-cython", "pure-python"])
def parser_pairs(request):
    """``{format: (tuned, plain)}`` built with or without lark-cython."""
    cython = grammar._lark_cython if request.param else None
    if request.param and cython is None:
        pytest.skip("lark-cython is not installed")
    saved = grammar._lark_cython
    grammar._lark_cython = cython
    try:
        tuned = {fmt: build() for fmt, build in _TUNED.items()}
    finally:
        grammar._lark_cython = saved
    plugins = cython.plugins if cython is not None else None
    return {fmt: (tuned[fmt], _PLAIN[fmt](plugins)) for fmt in _TUNED}


def _answer(lark, fmt, text):
    try:
        value = common.run_parser(lark, text, _GLYPHS[fmt])
    except HLXError as e:
        return ("error", e.code, e.line, e.column, e.end_line, e.end_column, e.message)
    return ("value", FORMATS["lcb"].dump(value))


_NEAR_VALID_EDITS = ["", " ", "\n", ",", ":", "}", "]", "{", "[", '"', "\\", "-", "null", "C",
                     "let", "ls", "ls.x", "@0", "🜁0 ", "◇", "🜂", "x", "1", "é", "/*", "//"]


@settings(max_examples=60, deadline=None)
@given(values(max_depth=3), st.lists(st.tuples(st.integers(0, 10**6),
                                               st.sampled_from(_NEAR_VALID_EDITS)), max_size=3))
def test_tuned_parsers_answer_like_lark(parser_pairs, value, edits):
    for fmt, (tuned, plain) in parser_pairs.items():
        text = FORMATS[fmt].dump(value)
        for pos, edit in edits:
            pos %= len(text) + 1
            text = text[:pos] + edit + text[pos + (edit == ""):]
        assert _answer(tuned, fmt, text) == _answer(plain, fmt, text), (fmt, text)


@pytest.mark.parametrize("text", [
    "{ls: 1}", "{ls.collapse: 1}", "{ls.foo: 1}", "{null: 1}", "{contract: 1}", "{let: 1}",
    "{a: 1, table: 2}", "contract 902 { latent: 1 }", "[ls.x]", "[1 ls.x]", "[let]", "{x: y}",
    '{"a": 1, b: [1, 2, {c: x"0g"}]}', "{14: {@0: ls}}", "contract 1 { ls: 1 }",
])
def test_hlxl_keyword_handling_matches_the_post_lexer(parser_pairs, text):
    tuned, plain = parser_pairs["hlxl"]
    assert _answer(tuned, "hlxl", text) == _answer(plain, "hlxl", text)


def test_long_repetitions_parse_in_linear_time():
    """Fused callbacks grow repetition lists in place (as Lark does): no quadratic copying."""
    import time

    n = 100_000
    cases = [("lct", "[" + ",".join(["1"] * n) + "]"), ("lcr", "🜃" + ", ".join(["1"] * n) + "🜄"),
             ("hlxl", "[" + ", ".join(["1"] * n) + "]"),
             ("lct", "{" + ",".join(f"k{i}:1" for i in range(n)) + "}"),
             ("lcr", "🜊1" + "".join(f"🜁{i} 1" for i in range(65536)) + "🜂")]
    for fmt, text in cases:
        start = time.perf_counter()
        value = FORMATS[fmt].parse(text)
        assert len(value.fields if hasattr(value, "fields") else value) in (n, 65536)
        assert time.perf_counter() - start < 20, fmt


# --- the wheel ------------------------------------------------------------------------------------

_CHECK_INSTALLED = r"""
import sys
# An editable install of the checkout (a meta-path finder from site-packages) must not be able to
# supply modules the wheel lacks.
sys.meta_path[:] = [f for f in sys.meta_path if "Editable" not in getattr(f, "__name__", "")]
import helix_lang, helix_lang.grammar as g, helix_lang.formats.hlxl, helix_lang.hlxl.syntax
from pathlib import Path
venv = Path(sys.argv[1]).resolve()
for mod in (helix_lang, g, helix_lang.formats.hlxl, helix_lang.hlxl.syntax):
    assert venv in Path(mod.__file__).resolve().parents, mod.__file__
print(helix_lang.convert("[1]", "lct", "lcr"))
for name in g.GRAMMARS:
    assert g.grammar_text(name)
    assert "%import" not in g.llguidance_source(name)
print("start: value" in g.grammar_text("lct"))
print(helix_lang.convert('{14: {@0: "x", @1: &h_a}}', "hlxl", "lct"))
print(helix_lang.convert("07 0e 01 00 01 2a 08", "lcb", "hlx"))
"""


@pytest.mark.e2e
def test_wheel_ships_the_grammars_and_works_when_installed(project_wheel, core_install):
    """The wheel (built from a copy of the checkout) holds the grammars and the registry, and,
    installed into a throw-away venv with only its core dependencies (no
    ``--system-site-packages``: nothing from the base interpreter or ``.venv`` but those), uses
    the grammars of the installed package, not the checkout's."""
    names = set(zipfile.ZipFile(project_wheel).namelist())
    for file in grammar_files():
        assert f"helix_lang/grammars/{file}" in names
    assert "helix_lang/data/registry.tsv" in names

    run = core_install.run("python", "-c", _CHECK_INSTALLED, str(core_install.venv))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.split("\n")[:4] == [
        "🜃1🜄",
        "True",
        '{C:14,0="x",1=@a}',
        "{14: {@0: 42}}",
    ]
