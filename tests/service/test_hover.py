"""Hover and type inference (HLX-SPEC §12.5) on both tracks."""

from __future__ import annotations

import pytest
from svc_helpers import EXAMPLES, HOVER_SRC, at

from helix_lang.hlxl.types import hover as reference_hover
from helix_lang.service import answer, hover, type_at
from helix_lang.translit import to_hlx

# §12.5's table
SPEC_ROWS = [
    ((3, 12), "type: Array<Int>\nlet xs"),
    ((5, 13), "type: Int\nfor x"),
    ((5, 44), "type: Fn(Any) -> Any\nblock twice"),
    ((4, 12), "type: Int\nlet total"),
    ((6, 15), "type: Any\nlet total"),
]


@pytest.mark.parametrize("pos, expected", SPEC_ROWS)
def test_spec_table(pos, expected):
    assert answer("hover", "hlxl", HOVER_SRC, *pos) == expected
    assert answer("type", "hlxl", HOVER_SRC, *pos) == expected.split("\n")[0][6:]


def hlx_pos(src: str, pos: tuple[int, int]) -> tuple[int, int]:
    line = src.split("\n")[pos[0]]
    return pos[0], len(to_hlx(line[:pos[1]]))


@pytest.mark.parametrize("pos, expected", SPEC_ROWS)
def test_spec_table_hlx(pos, expected):
    hlx = to_hlx(HOVER_SRC)
    assert answer("hover", "hlx", hlx, *hlx_pos(HOVER_SRC, pos)) == expected


SRC = """latent table t;
program p {
    block main() using t {
        let c = contract 902 { pipeline_id: "p", stages: [&h_a] };
        let d = {1000: {@0: "op", @4: 1.50, @7: null}};
        let e = {5000: {@3: x"00"}};
        let h = ls.collapse t node c;
        ls.guard ls.validate c;
        return [c.stages, len(c), d, e, ls.resolve t h, ls.snapshot t, -2];
    }
}"""

ROWS = [
    (at(SRC, "902"), "type: Contract<902>\ncontract 902 PipelineConfig"),
    (at(SRC, "contract"), ""),
    (at(SRC, "pipeline_id"), "type: Text\nfield @0 pipeline_id (required)"),
    (at(SRC, "stages"), "type: Array<Handle>\nfield @1 stages (required)"),
    (at(SRC, "1000"), "type: Contract<1000>\ncontract 1000 Operation"),
    (at(SRC, "@0", nth=1), "type: Text\nfield @0 op (required)"),
    (at(SRC, "@4"), "type: Any\nfield @4 (variadic)"),
    (at(SRC, "1.50"), "type: Float\nliteral"),
    (at(SRC, "null"), "type: Null\nliteral"),
    (at(SRC, "5000"), "type: Contract<5000>\ncontract 5000"),
    (at(SRC, "@3"), "type: Any\nfield @3"),
    (at(SRC, 'x"00"'), "type: Bytes\nliteral"),
    (at(SRC, "&h_a"), "type: Handle\nliteral"),
    (at(SRC, "ls.collapse"), "type: Handle\nls.collapse"),
    (at(SRC, "ls.guard"), "type: Null\nls.guard"),
    (at(SRC, "ls.validate"), "type: Bool\nls.validate"),
    (at(SRC, "ls.resolve"), "type: Any\nls.resolve"),
    (at(SRC, "ls.snapshot"), "type: Map<Any>\nls.snapshot"),
    (at(SRC, "len"), "type: Fn(Any) -> Int\nbuiltin len"),
    (at(SRC, "c.stages", 2), ""),  # a member name
    (at(SRC, "c.stages"), "type: Contract<902>\nlet c"),
    (at(SRC, "h =", 0), "type: Handle\nlet h"),
    (at(SRC, " t {", 1), ""),  # a table
    (at(SRC, "table"), ""),  # a keyword
    (at(SRC, "-2"), ""),  # unary minus is punctuation
    (at(SRC, "-2", 1), "type: Int\nliteral"),
    (at(SRC, "node"), ""),  # a tag
    ((0, 0), ""),
    ((9, 200), ""),
    ((99, 0), ""),
]


@pytest.mark.parametrize("pos, expected", ROWS)
def test_hover_rows(pos, expected):
    assert answer("hover", "hlxl", SRC, *pos) == expected
    assert answer("hover", "hlxl", SRC, *pos) == reference_hover(SRC, *pos)


@pytest.mark.parametrize("pos, expected", ROWS[:-2])
def test_hover_rows_hlx(pos, expected):
    hlx = to_hlx(SRC)
    assert answer("hover", "hlx", hlx, *hlx_pos(SRC, pos)) == expected


def test_glyph_token_hovers_as_its_operation():
    src = "⟠ p { ◇ main() { ↩ ⚶; } }"
    assert answer("hover", "hlx", src, 0, 19) == "type: Map<Any>\nls.snapshot"
    assert answer("type", "hlx", src, 0, 19) == "Map<Any>"


def test_token_that_ends_at_the_position():
    """§12.1: the token containing the column, else the one ending exactly at it."""
    src = "program p { block main() { let x = 1; return x ; } }"
    assert answer("hover", "hlxl", src, *at(src, " ;")) == "type: Int\nlet x"


def test_broken_source_is_empty_canonically_but_lenient_hover_answers():
    src = "program p { block main() { let x = [1]; return x + ; } }"
    pos = at(src, "x +")
    assert answer("hover", "hlxl", src, *pos) == ""
    assert answer("type", "hlxl", src, *pos) == ""
    h = hover(src, *pos, lenient=True)
    assert h.render() == "type: Array<Int>\nlet x"
    assert type_at(src, *pos, lenient=True) == "Array<Int>"


def test_documentation():
    h = hover(SRC, *at(SRC, "902"))
    assert "| @1 | stages | `Array<Handle>` | req | nonempty |" in h.documentation
    h = hover(SRC, *at(SRC, "ls.collapse"))
    assert "content handle" in h.documentation and "`⚳`" in h.documentation
    h = hover(SRC, *at(SRC, "len"))
    assert h.documentation.startswith("`len`: `Fn(Any) -> Int`")
    h = hover(SRC, *at(SRC, "1.50"))
    assert h.documentation == "canonical literal: `1.5`"
    keyword = hover(SRC, *at(SRC, "table"), lenient=True)
    assert keyword.type is None and keyword.render() == "" and "latent table" in \
        keyword.documentation
    table = hover(SRC, *at(SRC, " t {", 1), lenient=True)
    assert table.documentation == "`latent table t` declared at 0:13"


def test_hover_range_is_the_token_in_source_coordinates():
    hlx = "⟠ p { ◇ main() { ⊢ total = 1; ↩ total; } }"
    h = hover(hlx, 0, 34, track="hlx")
    assert (h.range.start.col, h.range.end.col) == (32, 37)


@pytest.mark.parametrize("path, track", EXAMPLES, ids=[p.name for p, _ in EXAMPLES])
def test_examples_agree_with_the_reference_at_every_token(path, track):
    src = path.read_text(encoding="utf-8")
    lines = src.split("\n")
    for line in range(0, len(lines), 3):
        for col in range(0, len(lines[line]) + 1, 2):
            assert answer("hover", track, src, line, col) == reference_hover(
                src, line, col, track=track)
