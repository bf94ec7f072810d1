"""Refactorings (HLX-SPEC §12.10) and format (§12.11) through the service, on both tracks."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from svc_helpers import at, programs, value_literals

from helix_lang.hlxl.parser import load
from helix_lang.service import answer, convert_contract, format_document, sort_fields
from helix_lang.service.model import apply_edits
from helix_lang.translit import to_hlx

P = "program p { block main() { return %s; } }"

SORT = [
    # §12.10's example (a value literal), and inside a program
    ('{14: {@1: "b", @0: "a"}}', '{14: {@0: "a", @1: "b"}}'),
    (P % '{14: {@1: "b", @0: "a"}}', P % '{14: {@0: "a", @1: "b"}}'),
    # separators (commas, spaces, comments) stay where they are; entries move with their value
    (P % "{14: {@2: (1 + 2) /* two */,\n  @0: [3, 4], // zero\n  @1: x}}",
     P % "{14: {@0: [3, 4] /* two */,\n  @1: x, // zero\n  @2: (1 + 2)}}"),
    # named literals sort by resolved index; innermost first
    (P % 'contract 902 { stages: [{15: {@1: 1, @0: 2}}], pipeline_id: "p" }',
     P % 'contract 902 { pipeline_id: "p", stages: [{15: {@0: 2, @1: 1}}] }'),
    # duplicates stay duplicated, stable
    (P % "{14: {@1: 1, @1: 2, @0: 3}}", P % "{14: {@0: 3, @1: 1, @1: 2}}"),
    # already sorted, or other load errors: unchanged
    (P % "{14: {@0: 1}}", P % "{14: {@0: 1}}"),
    (P % "{14: {@1: 1, @0: 2}} + y + x\"zz\"", P % "{14: {@1: 1, @0: 2}} + y + x\"zz\""),
    (P % "{14: {@1: 1, @0: 2}", P % "{14: {@1: 1, @0: 2}"),
    ("program p { block f() {} block f() { return {14: {@1: 1, @0: 2}}; } }",
     "program p { block f() {} block f() { return {14: {@1: 1, @0: 2}}; } }"),
]


@pytest.mark.parametrize("src, expected", SORT)
def test_sort_fields(src, expected):
    assert answer("sort_fields", "hlxl", src) == expected
    done = sort_fields(src)
    assert apply_edits(src, done.edits) == expected


@pytest.mark.parametrize("src, expected", SORT)
def test_sort_fields_hlx(src, expected):
    assert answer("sort_fields", "hlx", to_hlx(src)) == to_hlx(expected)


CONVERT = [
    ('{902: {@0: "p", @1: [&h_a]}}', 'contract 902 { pipeline_id: "p", stages: [&h_a] }'),
    ('contract 902 { pipeline_id: "p", stages: [&h_a] }', '{902: {@0: "p", @1: [&h_a]}}'),
    ("{15: {}}", "contract 15 {}"),
    ("contract 15 {}", "{15: {}}"),
    ("{106: {@0: 1, @2: 3}}", 'contract 106 { condition: 1, "else": 3 }'),
    ("{1000: {@0: \"op\", @3: 1}}", 'contract 1000 { op: "op", @3: 1 }'),
    ("{5000: {@1: 1}}", "contract 5000 { @1: 1 }"),
    ('contract 902 { @0: "p", "stages": [] }', '{902: {@0: "p", @1: []}}'),
]


@pytest.mark.parametrize("literal, expected", CONVERT)
def test_convert_contract_in_a_program(literal, expected):
    src = P % f"[{literal}, 1 + (2)]"
    pos = at(src, "contract") if literal.startswith("contract") else at(src, literal[1:])
    assert answer("convert_contract", "hlxl", src, *pos) == P % f"[{expected}, 1 + (2)]"
    hlx = to_hlx(src)
    hpos = (0, len(to_hlx(src[:pos[1]])))
    assert answer("convert_contract", "hlx", hlx, *hpos) == to_hlx(P % f"[{expected}, 1 + (2)]")


@pytest.mark.parametrize("literal, expected", CONVERT)
def test_convert_contract_value_literal(literal, expected):
    """§12.10's example is a bare value literal: that works too, and twice is the identity."""
    pos = (0, 10) if literal.startswith("contract") else (0, 1)
    once = answer("convert_contract", "hlxl", literal, *pos)
    assert once == expected
    back = answer("convert_contract", "hlxl", once, 0, 10 if once.startswith("contract") else 1)
    from helix_lang.formats import hlxl

    assert hlxl.parse(back) == hlxl.parse(literal)


def test_convert_keeps_values_verbatim_and_the_rest_untouched():
    src = P % '{902: {@0: "p" /* c */, @1: [ &h_a ,&h_b ]}} /* end */'
    out = answer("convert_contract", "hlxl", src, *at(src, "902"))
    assert out == P % 'contract 902 { pipeline_id: "p", stages: [ &h_a ,&h_b ] } /* end */'


@pytest.mark.parametrize("pos", [(0, 0), (0, 28)])
def test_convert_elsewhere_is_unchanged(pos):
    src = P % '{902: {@0: "p", @1: [&h_a]}}'
    assert convert_contract(src, *pos).text == src and not convert_contract(src, *pos).edits


def test_convert_on_a_broken_source_is_unchanged():
    src = P % '{902: {@0: "p", @1: [&h_a]}} +'
    assert answer("convert_contract", "hlxl", src, *at(src, "902")) == src


def test_format():
    src = "program p{block main(){let x=1+2*3;if(x>5){return x;}return 0;}}"
    assert answer("format", "hlxl", src) == """program p {
    block main() {
        let x = 1 + 2 * 3;
        if (x > 5) {
            return x;
        }
        return 0;
    }
}
"""
    assert answer("format", "hlx", to_hlx(src)) == to_hlx(answer("format", "hlxl", src))
    assert answer("format", "hlxl", '{b: x"00", a: [1.50]}') == '{a: [1.5], b: x"00"}'
    assert answer("format", "hlxl", "program p {") == "program p {"


def test_format_edits_are_minimal():
    src = "program p {\n    block main() {\n        return 1+2;\n    }\n}\n"
    (edit,) = format_document(src).edits
    assert edit.range.start.line == edit.range.end.line == 2 and edit.new_text == " + "


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(), st.sampled_from(["hlxl", "hlx"]))
def test_formatting_preserves_the_ast(src, track):
    if track == "hlx":
        src = to_hlx(src)
    out = format_document(src, track=track).text
    assert load(out, track=track) == load(src, track=track)
    assert format_document(out, track=track).text == out


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(comments=False))
def test_sort_fields_is_idempotent_and_keeps_values(src):
    once = sort_fields(src).text
    assert sort_fields(once).text == once
    assert load(once) == load(src)  # the generated programs are already sorted


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(value_literals())
def test_value_literals_sort_and_format(text):
    from helix_lang.formats import hlxl

    formatted = answer("format", "hlxl", text)
    assert formatted == hlxl.dump(hlxl.parse(text))
    assert hlxl.parse(answer("sort_fields", "hlxl", text)) == hlxl.parse(text)
