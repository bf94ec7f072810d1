"""The program families (evaluation, statements, static types, layout, language service, plain
English → program): their answers agree with ``helix_lang`` computed another way, and their
graders accept any correct answer and reject wrong ones with the right flags."""

from __future__ import annotations

import random
import re

import pytest
from corpus_helpers import drafts

from helix_corpus import FAMILIES
from helix_corpus.execution import load_error, outcome
from helix_corpus.families.calc import CalcGen, let_name
from helix_corpus.families.language_service import OP_WEIGHTS, contract_literal, insert_in_main
from helix_corpus.families.nl_programs import TASKS
from helix_corpus.graders import constructs, grade_service
from helix_lang import FORMATS, equal, to_hlx, to_hlxl
from helix_lang.hlxl.fmt import format_source, minify
from helix_lang.hlxl.parser import load
from helix_lang.service import answer as service_answer

PROGRAM_FAMILIES = ("program_eval", "hlxl_eval", "hlx_eval", "statement_binds", "type_of_expr",
                    "hlxl_format", "hlx_format", "hlxl_ls", "hlx_ls", "nl_to_program",
                    "nl_to_hlx_program")


def test_program_families_are_registered_with_their_tracks():
    tracks = {n: dict(FAMILIES[n].tracks) for n in PROGRAM_FAMILIES}
    assert tracks["program_eval"] == {"general": 3}
    assert set(tracks["statement_binds"]) == set(tracks["type_of_expr"]) == {"general"}
    for n in ("hlxl_eval", "hlxl_format", "hlxl_ls", "nl_to_program"):
        assert set(tracks[n]) == {"ascii"}
    for n in ("hlx_eval", "hlx_format", "hlx_ls", "nl_to_hlx_program"):
        assert set(tracks[n]) == {"runic"}


def test_calc_programs_load_on_both_tracks_and_mostly_run():
    rng = random.Random(1)
    ok = 0
    for _ in range(120):
        text, shape = CalcGen(rng, size=6, helpers=0.5, max_helpers=2, nest=2).program()
        load(text)
        hlx = to_hlx(text)
        assert to_hlxl(hlx) == text
        load(hlx, track="hlx")
        assert shape.startswith(("calc:", "~calc:"))
        ok += outcome(text).ok
    assert ok >= 100


def test_calc_render_with_keeps_helpers_and_layout():
    gen = CalcGen(random.Random(5), size=4, helpers=1.0)
    text, _ = gen.program()
    assert gen.render_with(gen.main_body) == text
    cut = gen.render_with([("R", "return 7;")])
    assert outcome(cut).value == 7 and all(f"block {h}(" in cut for h in gen.used)


def test_eval_answers_are_the_interpreter_results_in_the_track_notation():
    for name, fmt in (("program_eval", None), ("hlxl_eval", "hlxl"), ("hlx_eval", "hlx")):
        for _, d, _ in drafts(FAMILIES[name], 4):
            track = d.formats[0]
            assert fmt in (None, track)
            assert outcome(_program_of(d.request), track).text(track) == d.answer
            assert d.grading == {"kind": "outcome", "format": track, "expected": d.answer}


def _program_of(request: str) -> str:
    """The program text inside an evaluation request (the lines that are not prose)."""
    lines = request.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(("program", "latent",
                                                                        "⟠", "ꙮ")))
    end = max(i for i, line in enumerate(lines) if line.endswith("}"))
    return "\n".join(lines[start:end + 1])


def test_outcome_grader_flags():
    fam = FAMILIES["hlxl_eval"]
    rec = {"task": "hlxl_eval", "grading": {"kind": "outcome", "format": "hlxl",
                                            "expected": "[1, {a: 2}]"}}
    assert fam.grade(rec, "[1, {a: 2}]").correct
    assert fam.grade(rec, "```hlxl\n[1,{a:2}]\n```").correct  # same value, spelled loosely
    assert fam.grade(rec, "[1, {a: 3}]").parsed and not fam.grade(rec, "[1, {a: 3}]").correct
    g = fam.grade(rec, "E_DIV_ZERO")
    assert g.parsed and not g.correct and "error code" in g.error
    assert not fam.grade(rec, "[1, {a: 2}").parsed
    err = {"task": "hlxl_eval", "grading": {"kind": "outcome", "format": "hlxl",
                                            "expected": "E_INDEX_OUT_OF_RANGE"}}
    assert fam.grade(err, "E_INDEX_OUT_OF_RANGE").correct
    assert fam.grade(err, "E_KEY_NOT_FOUND").error == "a different error code"
    g = fam.grade(err, "3")
    assert g.parsed and not g.correct


def test_statement_binds_line_and_answer_match_the_program():
    fam = FAMILIES["statement_binds"]
    kinds = set()
    for _, d, _ in drafts(fam, 16):
        m = re.search(r"line (\d+)", d.request, re.I)
        stmt = re.search(r"`((?:let|local) [^`]+)`", d.request).group(1)
        program = _program_of(d.request)
        assert program.split("\n")[int(m.group(1)) - 1].strip() == stmt
        kinds.add(d.template.split(".")[1])
        if d.grading["kind"] == "value":
            FORMATS["hlxl"].parse(d.answer)
    assert kinds == {"value", "kind", "type"}


def test_let_name():
    assert let_name(("L", "let acc = 1;")) == "acc"
    assert let_name(("l", "local s = \"x\";")) == "s"
    assert let_name(("A", "assert(true);")) is None
    assert let_name(("I", "if (x)", [], None)) is None


def test_type_of_expr_agrees_with_the_service_type_operation():
    fam = FAMILIES["type_of_expr"]
    for _, d, _ in drafts(fam, 6):
        m = re.search(r"(\d+):(\d+)|line (\d+), column (\d+)", d.request)
        line, col = (int(x) for x in (m.group(1, 2) if m.group(1) else m.group(3, 4)))
        track = d.formats[0]
        source = _program_of(d.request)
        assert service_answer("type", track, source, line, col) == d.answer


def test_layout_answers_and_track_consistency():
    for name, track in (("hlxl_format", "hlxl"), ("hlx_format", "hlx")):
        directions = set()
        for _, d, record in drafts(FAMILIES[name], 6):
            directions.add(d.template.split(".")[1])
            assert load_error(d.answer, track) is None
            if d.template.startswith("layout.pretty"):
                assert "\n" in d.answer and d.answer == d.answer.rstrip("\n")
            else:
                assert "\n" not in d.answer
            # the answer with the formatter's trailing newline still counts
            assert FAMILIES[name].grade(record, d.answer + "\n").correct
        assert directions == {"pretty", "compact"}
    text = "program p { block main() { let x = [1, 2] |> len; return x; } } "
    assert format_source(to_hlx(text), track="hlx") == to_hlx(format_source(text))
    assert minify(to_hlx(text), track="hlx") == to_hlx(minify(text))


@pytest.mark.parametrize("name,track", [("hlxl_ls", "hlxl"), ("hlx_ls", "hlx")])
def test_language_service_answers_are_canonical_and_cover_every_operation(name, track):
    fam = FAMILIES[name]
    ops = set()
    rng = random.Random(7)
    for i in range(90):
        split = ("train", "val", "test")[i % 3]
        d = fam.make(random.Random(rng.getrandbits(32)), split)
        g = d.grading
        ops.add(g["op"])
        assert g["track"] == track and g["expected"] == d.answer and d.answer.strip()
        if track == "hlx" and g["op"] in ("rename", "sort_fields", "convert_contract", "format"):
            assert not re.search(r"\blet\b|\breturn\b|&h_", _code_of(d.answer)), d.answer
        m = re.search(r"(\d+):(\d+) \(0-based line:column, on `([^`]+)`\)", d.request)
        if m:  # the token named in the prompt is the one at the position
            line, col, token = int(m.group(1)), int(m.group(2)), m.group(3)
            text = _document_of(d.request).split("\n")[line]
            assert any(i <= col < i + len(token) for i in _finds(text, token)), (text, col)
            assert service_answer(g["op"], track, _document_of(d.request), line, col,
                                  _new_name(d.request)) == d.answer
    assert ops == set(OP_WEIGHTS)


def _finds(text: str, sub: str) -> list[int]:
    return [i for i in range(len(text)) if text.startswith(sub, i)]


def _new_name(request: str) -> str | None:
    m = re.search(r"(?:to|new name) `([^`]*)`", request)
    return m.group(1) if m else None


def _document_of(request: str) -> str:
    """The document of a language-service request (line numbers at the left removed)."""
    if "(the numbers at the left are line numbers" in request:
        lines = request.split("\n")
        start = next(i for i, x in enumerate(lines) if x.startswith("(the numbers"))
        body = [x for x in lines[start + 1:] if re.match(r"\s*\d+ ", x) or re.match(r"\s*\d+$", x)]
        return "\n".join(re.sub(r"^\s*\d+ ?", "", x, count=1) for x in body)
    return _program_of(request)


def _code_of(text: str) -> str:
    return re.sub(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/', "", text, flags=re.S)


def test_hlx_completion_answers_keywords_as_glyphs():
    src = "⟠ p { ◇ main() { ⊢ retries = 1; re retries; } }"
    col = src.index("re retries") + 2
    assert service_answer("completion", "hlx", src, 0, col).split("\n") == ["retries", "↩"]


def test_service_grader_compares_diagnostic_prefixes_only():
    rec = {"task": "hlxl_ls", "grading": {
        "kind": "service", "op": "diagnostics", "track": "hlxl",
        "expected": "2:17 E_CONTRACT_FIELD_MISSING contract 900 requires @2 stage\n"
                    "4:15 E_UNDEFINED_NAME y"}}
    assert grade_service(rec, "2:17 E_CONTRACT_FIELD_MISSING\n4:15 E_UNDEFINED_NAME oops").correct
    g = grade_service(rec, "2:17 E_CONTRACT_FIELD_MISSING x")
    assert g.parsed and not g.correct
    g = grade_service(rec, "2:18 E_CONTRACT_FIELD_MISSING x\n4:15 E_UNDEFINED_NAME y")
    assert g.parsed and not g.correct
    assert not grade_service(rec, "there are two problems").parsed
    assert not grade_service(rec, "2:17 E_NOT_A_CODE x").parsed
    refs = {"task": "hlxl_ls", "grading": {"kind": "service", "op": "references",
                                           "track": "hlxl", "expected": "4:12\n5:28"}}
    assert grade_service(refs, "4:12\n5:28").correct
    g = grade_service(refs, "4:12")
    assert g.parsed and not g.correct
    assert not grade_service(refs, "line 4").parsed
    typ = {"task": "hlxl_ls", "grading": {"kind": "service", "op": "type", "track": "hlxl",
                                          "expected": "Fn(Any) -> Array<Int>"}}
    assert grade_service(typ, "Fn(Any) -> Array<Int>").correct
    assert grade_service(typ, "Map<Int>").parsed
    assert not grade_service(typ, "a list of ints").parsed


def test_service_grader_on_source_answers():
    src = "program p { block main() { let total = 1; return total; } }"
    expected = service_answer("rename", "hlxl", src, 0, 31, "sum")
    rec = {"task": "hlxl_ls", "grading": {"kind": "service", "op": "rename", "track": "hlxl",
                                          "expected": expected}}
    assert grade_service(rec, expected + "\n").correct
    g = grade_service(rec, src)
    assert g.parsed and not g.correct
    assert not grade_service(rec, "program p {").parsed
    bad = service_answer("rename", "hlxl", src, 0, 31, "while")
    assert bad == "error: E_LC_PARSE"


def test_contract_literals_and_insertion():
    rng = random.Random(3)
    for _ in range(40):
        named = rng.random() < 0.5
        lit = contract_literal(rng, named=named)
        text, at = insert_in_main("program p {\n    block main() {\n        return 1;\n    }\n}",
                                  f"let c = {lit};")
        assert text[at:].startswith("let c = ")
        f = load(text)
        assert f.program.blocks[0].body.stmts[0].value.named == named
    shuffled = contract_literal(random.Random(1), cid=902, shuffle=True)
    assert service_answer("sort_fields", "hlxl",
                          f"program p {{ block main() {{ return {shuffled}; }} }}") != shuffled


def test_run_grader_accepts_any_correct_program_and_checks_constructs():
    fam = FAMILIES["nl_to_program"]
    rec = {"task": "nl_to_program", "grading": {
        "kind": "run", "track": "hlxl", "result": "55", "requires": ["while"],
        "expected": "program p { block main() { let t = 0; let i = 1; while (i <= 10) { "
                    "let t = t + i; let i = i + 1; } return t; } }"}}
    assert fam.grade(rec, rec["grading"]["expected"]).correct
    other = ("program q { block main() { let i = 10; let t = 0; while (i > 0) { let t = t + i; "
             "let i = i - 1; } return t; } }")
    assert fam.grade(rec, other).correct
    g = fam.grade(rec, "program q { block main() { return 55; } }")
    assert g.parsed and not g.correct and "while" in g.error
    g = fam.grade(rec, "program q { block main() { return 56; } }")
    assert g.parsed and not g.correct and "returns 56" in g.error
    g = fam.grade(rec, "program q { block main() { return 1 / 0; } }")
    assert g.parsed and not g.correct and "E_DIV_ZERO" in g.error
    assert not fam.grade(rec, "let t = 55;").parsed
    hlx = dict(rec, grading=dict(rec["grading"], track="hlx"))
    assert fam.grade(hlx, to_hlx(other)).correct
    assert not fam.grade(hlx, other).parsed


def test_run_grader_stops_an_endless_loop():
    rec = {"task": "nl_to_program", "grading": {
        "kind": "run", "track": "hlxl", "result": "1", "requires": [], "expected": "x"}}
    g = FAMILIES["nl_to_program"].grade(
        rec, "program q { block main() { while (true) { } return 1; } }")
    assert g.parsed and not g.correct and "E_STEP_LIMIT" in g.error


def test_constructs():
    text = ("program p { block f(n) { if (n < 1) { return 0; } return f(n - 1); } block main() "
            "{ let x = 0; while (x < 2) { let x = x + 1; } ls.collapse a 1; "
            "return 3 |> (v) { return v; } |> f; } }")
    assert constructs(text) == {"if", "recursion", "lambda", "while", "helper", "collapse"}
    assert constructs("program p { block main() { return [1] |> len; } }") == set()


def test_nl_tasks_reference_programs_run_and_use_their_constructs():
    rng = random.Random(2)
    for name, task in TASKS.items():
        for _ in range(5):
            variant, size, desc, body, requires = task(rng)
            program = f"program p {{ {body} }}"
            got = outcome(program)
            assert got.ok, (name, program, got.error)
            assert set(requires) <= constructs(program), (name, requires)
            assert "..." not in desc and desc


def test_nl_hlx_requests_name_glyphs():
    fam = FAMILIES["nl_to_hlx_program"]
    for _, d, _ in drafts(fam, 6):
        assert "&h_" not in d.request and "|>" not in d.request
        for word in ("while", "for"):
            if f"`{word}`" in d.request:
                pytest.fail(f"ASCII keyword in an HLX request: {d.request}")
        assert equal(outcome(d.answer, "hlx").value, FORMATS["hlxl"].parse(d.grading["result"]))
