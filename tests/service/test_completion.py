"""Completion (HLX-SPEC §12.6, §12.7): canonical answers row by row on both tracks, plus the
extra candidates editors get."""

from __future__ import annotations

import pytest
from svc_helpers import HOVER_SRC, at, end_of

from helix_lang import service
from helix_lang.service import answer, complete
from helix_lang.translit import to_hlx

RETURN_T = HOVER_SRC.replace("        return total;", "        return t")
KEYWORDS_AND_MORE = sorted(
    ["program", "block", "let", "local", "return", "if", "else", "while", "for", "in", "assert", "latent", "table", "using", "contract", "null", "true", "false", "ls", "ls.collapse", "ls.resolve", "ls.snapshot", "ls.transaction", "ls.guard", "ls.fingerprint", "ls.validate", "len", "type", "str", "int", "float", "keys", "append", "range"])


def canon(src: str, pos: tuple[int, int], track: str = "hlxl") -> list[str]:
    text = answer("completion", track, src, *pos)
    return text.split("\n") if text else []


# (source, position, expected canonical answer) — HLXL
ROWS = [
    # §12.6's examples
    (RETURN_T, (6, 16), ["table", "total", "true", "twice", "type"]),
    ('program p { block main() { let c = contract 902 { pipeline_id: "p", ',
     None, ["output_image", "stages", "sync_barriers"]),
    # rule 1 with a prefix, and names already used (named or quoted) are left out
    ('program p { block main() { return contract 902 { stages: [], s', None, ["sync_barriers"]),
    ('program p { block main() { return contract 106 { condition: 1, "then": 2, ', None,
     ["else"]),
    # rule 1 needs `{` or `,` right before the prefix
    ('program p { block main() { return contract 902 { stages: s', None, ["str"]),
    # an unregistered id: rule 1 applies and offers nothing
    ('program p { block main() { return contract 5000 { ', None, []),
    # inside a positional contract rule 1 does not apply: general candidates
    ('program p { block main() { return {902: {@0: "p", ty', None, ["type"]),
    # `ls.` prefixes
    ("program p { block main() { return ls.", None,
     [w for w in KEYWORDS_AND_MORE if w.startswith("ls.")]),
    ("program p { block main() { return ls.co", None, ["ls.collapse"]),
    ("program p { block main() { return ls", None,
     [w for w in KEYWORDS_AND_MORE if w.startswith("ls")]),
    # member access and other dots: empty
    ("program p { block main() { let m = {a: 1}; return m.a", None, []),
    ("program p { block main() { return xls.co", None, []),
    # strings and comments: empty
    ('program p { block main() { return "le', None, []),
    ('program p { block main() { return "le" ', None, KEYWORDS_AND_MORE + ["main"]),
    ("program p { block main() { // le", None, []),
    ("program p { block main() { /* le */ le", None, ["len", "let"]),
    ("program p { block main() { /* le", None, []),
    # variables: textually before the position, in the innermost block, params included
    ("program p { block f(alpha) { let beta = 1; } block main(gamma) { let delta = 2; return ",
     None, KEYWORDS_AND_MORE + ["delta", "f", "gamma", "main"]),
    (("program p { block main() { for (i in [1]) { local j = i; } x |> (k) { return k; }; "
     "return "), None, KEYWORDS_AND_MORE + ["i", "j", "k", "main"]),
    ("program p { block main() { return z; let zeta = 1; }", (0, 35), []),
    # tables and blocks declared anywhere (also after the position)
    ("latent table tab; program p { block main() { return ta } block tail() {} }", (0, 54),
     ["table", "tab", "tail"]),
    # outside every block: no variables
    ("program p { let", None, ["let"]),
    ("", (0, 0), KEYWORDS_AND_MORE),
]


@pytest.mark.parametrize("src, pos, expected", ROWS)
def test_completion_hlxl(src, pos, expected):
    assert canon(src, pos or end_of(src)) == sorted(set(expected))


@pytest.mark.parametrize("src, pos, expected",
                         [r for r in ROWS if r[0] and not r[0].endswith("let")])
def test_completion_hlx(src, pos, expected):
    """HLX-LS answers the same candidates, word keywords as their glyphs (§12.7), sorted by the
    answered text; field names of rule 1 stay names."""
    hlx = to_hlx(src)
    if pos is not None:  # the positions above are on lines without substitutions before them
        line = src.split("\n")[pos[0]]
        pos = (pos[0], len(to_hlx(line[:pos[1]])))
    got = canon(hlx, pos or end_of(hlx), "hlx")
    rule1 = "contract" in src.split("{")[-2] if src.count("{") > 1 else False
    glyphs = service.completion.WORD_GLYPHS if not rule1 else {}
    assert got == sorted({glyphs.get(w, w) for w in expected})


def test_hlx_filters_by_ascii_spelling():
    src = "⟠ p { ◇ main() { le"
    assert canon(src, end_of(src), "hlx") == ["len", "⊢"]
    src = "⟠ p { ◇ main() { ↩ ls.co"
    assert canon(src, end_of(src), "hlx") == ["⚳"]


def test_hlx_position_after_a_glyph():
    """Right after a glyph the prefix is empty (the glyph is not an identifier character)."""
    src = "⟠ p { ◇ main() { ⊢ x = ⚶"
    assert canon(src, end_of(src), "hlx")[:1] == ["append"]


def test_prefix_and_range():
    src = "program p { block main() { return ls.sn }}"
    c = complete(src, *at(src, " }}"))
    assert c.prefix == "ls.sn"
    assert (c.range.start.col, c.range.end.col) == (34, 39)
    assert [x.label for x in c.items if x.canonical] == ["ls.snapshot"]


def test_cursor_inside_a_word_uses_the_part_before_it():
    src = "program p { block main() { let total = 1; return totally; } }"
    assert canon(src, at(src, "ally")) == ["total"]


# ------------------------------------------------------------------------------- extras


def labels(src, pos=None, track="hlxl"):
    c = complete(src, *(pos or end_of(src)), track=track)
    return [x.label for x in c.items if not x.canonical]


@pytest.mark.parametrize("src, expected", [
    ('program p { block main() { return {902: {@0: "p", ', ["@1", "@2", "@3"]),
    ('program p { block main() { return {902: {@0: "p", @', ["@1", "@2", "@3"]),
    ('program p { block main() { return {902: {@0: "p", @2', ["@2"]),
    ('program p { block main() { return contract 900 { stage: ',
     ['"vertex"', '"fragment"', '"compute"']),
    ('program p { block main() { return {900: {@2: ', ['"vertex"', '"fragment"', '"compute"']),
    ('program p { block main() { return {900: {@2: "f', ["fragment"]),
    ("program p { block main() { return contract 90", ["900", "901", "902"]),
    (('program p { block main() { let c = contract 902 { pipeline_id: "p", stages: [&h_a] }; '
     "return c.s"), ["stages", "sync_barriers"]),
    ("program p { block main() { return ls.snapshot.", ["count", "handles"]),
    ("program p { block main() { let h = ls.collapse node 5; return &h_n",
     ["&h_node_741e00871976560e"]),
])
def test_extras(src, expected):
    assert labels(src) == expected


def test_extra_handles_from_a_store_and_on_hlx():
    src = "⟠ p { ◇ main() { ⊢ a = ⟁shader; ↩ ⟁"
    got = complete(src, *end_of(src), track="hlx", store_handles={"": {"vs_main", "fs"}})
    extras = [x for x in got.items if not x.canonical]
    assert [x.label for x in extras] == ["⟁fs", "⟁shader", "⟁vs_main"]
    assert extras[0].text == "fs"


def test_extras_do_not_change_the_canonical_answer():
    src = 'program p { block main() { return {902: {@0: "p", '
    c = complete(src, *end_of(src))
    assert c.render() == answer("completion", "hlxl", src, *end_of(src))
    assert "@1" not in c.render()


def test_completion_of_every_example_position_never_fails():
    """Completion accepts any text: every position of a broken example answers."""
    src = HOVER_SRC[:120]
    for i in range(len(src) + 1):
        line = src.count("\n", 0, i)
        col = i - (src.rfind("\n", 0, i) + 1)
        complete(src, line, col)


@pytest.mark.parametrize("src, valid", [
    ("program p { block main() { let x = 1; ", {"let", "return", "if", "x", "len", "null"}),
    ("program p { block main() { let x = ", {"x", "len", "null", "ls.collapse", "contract"}),
    ("program p { block main() { let x = 1; if (x) {} ", {"else", "let"}),
    ("program p { ", {"block"}),
    ("latent ", {"table"}),
    ("program p { block main() { return x ", set()),
])
def test_candidates_the_grammar_accepts_are_marked_valid(src, valid):
    """Editors list first what may be typed at the cursor (the canonical answer is unchanged)."""
    c = complete(src, *end_of(src))
    marked = {x.label for x in c.items if x.canonical and x.valid}
    assert valid <= marked
    assert not {"ls", "else"} & marked or "else" in valid
    assert "block" not in marked or "block" in valid
