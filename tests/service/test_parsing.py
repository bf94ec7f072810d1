"""The service's recovering, incremental parser against the loader's parser, and the canonical
answer function's contract."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from svc_helpers import EXAMPLES, HOVER_SRC, programs

from helix_lang import ast as A
from helix_lang.hlxl.parser import parse_program
from helix_lang.service import OPS, answer, parsing
from helix_lang.service.tokens import _scan, tokenize
from helix_lang.translit import to_hlxl


def same(a, b, path="file") -> str | None:
    """Where two ASTs differ, spans included (AST equality ignores spans)."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} != {type(b).__name__}"
    if type(a) is tuple:
        if len(a) != len(b):
            return f"{path}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            if (d := same(x, y, f"{path}[{i}]")) is not None:
                return d
        return None
    if type(a).__module__ == A.__name__:
        for slot in type(a).__slots__:
            if (d := same(getattr(a, slot), getattr(b, slot), f"{path}.{slot}")) is not None:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


@pytest.mark.parametrize("path, track", EXAMPLES, ids=[p.name for p, _ in EXAMPLES])
def test_examples_parse_exactly_like_the_loader(path, track):
    text = path.read_text(encoding="utf-8")
    hlxl = to_hlxl(text) if track == "hlx" else text
    got = parsing.parse(hlxl)
    assert got.ok and not got.literal_errors
    assert same(got.file, parse_program(hlxl)) is None


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs())
def test_generated_programs_parse_exactly_like_the_loader(src):
    got = parsing.parse(src)
    assert got.ok
    assert same(got.file, parse_program(src)) is None


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**32))
def test_incremental_reuse_gives_the_same_tree_as_a_fresh_parse(seed):
    """Blocks reused from the cache at a new place are moved exactly (lines, offsets)."""
    rnd = random.Random(seed)
    blocks = [f"    block b{i}(a) {{\n        let x = a + {i}; // {i}\n"
              f"        return [x, \"s{i}\"];\n    }}\n" for i in range(6)]
    src = "latent table t;\nprogram p {\n" + "".join(blocks) + "}\n"
    parsing.parse(src)
    for _ in range(5):
        i = rnd.randrange(len(src))
        piece = rnd.choice(["\n", " ", "\n\n", "// c\n", ""])
        src = src[:i] + piece + src[i:] if src[i - 1:i] in ("\n", " ", "{", "}", ";") else src
        warm = parsing.parse(src)
        parsing._CACHE.clear()
        cold = parsing.parse(src)
        assert same(warm.file, cold.file) is None, src
        assert [(e.line, e.column, e.code) for e in warm.syntax_errors] == \
            [(e.line, e.column, e.code) for e in cold.syntax_errors]


def test_never_raises_on_any_prefix():
    for i in range(len(HOVER_SRC) + 1):
        got = parsing.parse(HOVER_SRC[:i])
        assert got.ok == (i == len(HOVER_SRC))


def test_tokenizer_agrees_with_the_positions_of_lark():
    lexed = tokenize(HOVER_SRC)
    toks = lexed.tokens
    assert [t.value for t in toks[:6]] == ["program", "demo", "{", "block", "twice", "("]
    assert (toks[3].line, toks[3].column, toks[3].start_pos) == (2, 5, 19)


# ------------------------------------------------------------------------------- answer()


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("track", ["hlxl", "hlx"])
def test_every_op_answers_text(op, track):
    src = HOVER_SRC if track == "hlxl" else __import__("helix_lang").to_hlx(HOVER_SRC)
    got = answer(op, track, src, 4, 12, "sum")
    assert isinstance(got, str) and not got.endswith("\n") or op == "format"


def test_answer_arguments():
    with pytest.raises(ValueError, match="unknown operation"):
        answer("lint", "hlxl", "")
    with pytest.raises(ValueError, match="track"):
        answer("hover", "lcr", "", 0, 0)
    with pytest.raises(ValueError, match="position"):
        answer("hover", "hlxl", "")
    with pytest.raises(ValueError, match="new_name"):
        answer("rename", "hlxl", "", 0, 0)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(), st.lists(st.tuples(st.floats(0, 1), st.sampled_from(
    ["\nblock ", "/*", "*/", "x\"", "\"", "\n", "latent table t;", "ls.resolve t "])),
    max_size=3))
def test_piecewise_scan_equals_one_scan(src, damage):
    """Scanning cut before `block` lines (and cached per piece) gives the tokens of one scan."""
    for where, piece in damage:
        i = int(where * len(src))
        src = src[:i] + piece + src[i:]
    got = tokenize(src)
    one = _scan(src, 0, len(src), (), None, None)
    assert (got.types, got.starts, got.ends, got.comments, got.tables) == (
        one.types, one.starts, one.ends, one.comments, one.tables)


def test_old_analyses_are_freed_without_the_cycle_collector():
    # The server runs the cycle collector only when idle, so an analysis must be freed by
    # reference counting alone as soon as the next one replaces it.
    import gc
    import weakref

    from helix_lang.service import analyze, diagnostics

    gc.collect()
    gc.disable()
    try:
        refs = []
        for i in range(20):
            a = analyze(HOVER_SRC.replace("[1, 2, 3]", f"[{i}]"))
            diagnostics(a)
            refs.append(weakref.ref(a))
            del a
        # the newest ones may stay cached for incremental re-analysis; older ones must be gone,
        # so analyses never pile up between collections
        alive = [i for i, r in enumerate(refs) if r() is not None]
        assert all(i >= len(refs) - 2 for i in alive), alive
    finally:
        gc.enable()
