"""The `helix-lang` command line, driven in-process with click's CliRunner."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from helix_lang.cli import main


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.mark.parametrize("src,dst,text,out", [
    ("lct", "lcb", "{C:14,0=123}\n", "07 0e 01 00 01 fb 00 08\n"),
    ("lcb", "lcr", "07 0e 01 00 01 fb 00 08\n", "🜊14🜁0 123🜂\n"),
    ("hlxl", "hlx", "[&h_a, {k: &h_b}]", "[⟁a, {k: ⟁b}]\n"),
    ("lcr", "lct", "◇\"é\": ⊤◆", '{"\\u{e9}":TRUE}\n'),
])
def test_convert(cli, src, dst, text, out):
    r = cli("convert", "--from", src, "--to", dst, "-", input=text)
    assert r.exit_code == 0
    assert r.stdout == out


def test_convert_error_has_code_position_and_caret(cli):
    r = cli("convert", "--from", "lct", "--to", "hlxl", input="[1,2,]")
    assert r.exit_code == 1
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert lines[0].startswith("<stdin>:1:6: E_LC_PARSE ")
    assert lines[1:] == ["[1,2,]", "     ^"]


def test_check_reports_every_bad_file(cli, tmp_path):
    good = tmp_path / "good.lct"
    good.write_text("[1,2]\n")
    bad = tmp_path / "bad.lcr"
    bad.write_text("🐊14🐁0 1🐂\n")
    prog = tmp_path / "p.hlx"
    prog.write_text("⟠ p { ◇ main() { ↩ 1 / 0; } }\n")
    r = cli("check", str(good), str(bad), str(prog))
    assert r.exit_code == 1
    assert f"{good}: ok (array)" in r.stdout
    assert f"{prog}: ok (program)" in r.stdout
    assert f"{bad}:1:1: E_UNKNOWN_GLYPH" in r.stderr


def test_check_needs_a_format(cli, tmp_path):
    f = tmp_path / "value.txt"
    f.write_text("1")
    r = CliRunner().invoke(main, ["check", str(f)])
    assert r.exit_code == 2
    assert "--format" in r.output


def test_hash(cli):
    r = cli("hash", "--format", "hlxl", "-", input="123")
    assert r.stdout.split() == [
        "ea113457051ca7b6342c1c695a317ef6b2645a1eb6d0d434f96fe6de04c0679c",
        "&h_int_ea113457051ca7b6"]
    r = cli("hash", "--format", "hlxl", "--tag", "node", "-", input="{14: {@0: 123}}")
    assert r.stdout.split()[1] == "&h_node_ee9c4d1fa1b01303"


def test_run_and_store_persist_between_runs(cli, tmp_path):
    db = tmp_path / "tables.db"
    first = tmp_path / "collapse.hlxl"
    first.write_text('program p { block main() { return ls.collapse note "kept"; } }')
    second = tmp_path / "resolve.hlxl"
    second.write_text("program p { block main() { return [ls.resolve &h_note_%s, "
                      "ls.snapshot.count]; } }")
    r = cli("run", "--store", str(db), str(first))
    handle = r.stdout.strip()
    assert r.exit_code == 0 and handle.startswith("&h_note_")
    second.write_text(second.read_text() % handle[len("&h_note_"):])
    r = cli("run", "--store", str(db), str(second))
    assert r.stdout.strip() == '["kept", 1]'
    r = cli("run", str(second))  # without the store the handle is unknown
    assert r.exit_code == 1 and "E_HANDLE_NOT_FOUND" in r.stderr


def test_run_error_position_on_hlx_track(cli, tmp_path):
    f = tmp_path / "p.hlx"
    f.write_text("⟠ p { ◇ main() { ↩ 1 / 0; } }")
    r = cli("run", str(f))
    assert r.exit_code == 1
    assert r.stderr.startswith(f"{f}:1:22: E_DIV_ZERO")


def test_run_step_limit(cli, tmp_path):
    f = tmp_path / "loop.hlxl"
    f.write_text("program p { block main() { while (true) { } } }")
    r = cli("run", "--max-steps", "1000", str(f))
    assert r.exit_code == 1 and "E_STEP_LIMIT" in r.stderr


def test_fmt_check_and_rewrite(cli, tmp_path):
    f = tmp_path / "p.hlxl"
    f.write_text("program p{block main(){return 1+2*3;}}")
    r = cli("fmt", "--check", str(f))
    assert r.exit_code == 1 and "would reformat" in r.stderr
    assert cli("fmt", str(f)).exit_code == 0
    assert f.read_text() == "program p {\n    block main() {\n        return 1 + 2 * 3;\n    }\n}\n"
    assert cli("fmt", "--check", str(f)).exit_code == 0


def test_fmt_leaves_a_broken_file_untouched(cli, tmp_path):
    f = tmp_path / "p.hlxl"
    f.write_text("program p { block main() { return 1 +; } }")
    r = cli("fmt", str(f))
    assert r.exit_code == 1 and "E_LC_PARSE" in r.stderr
    assert f.read_text() == "program p { block main() { return 1 +; } }"


def test_translit_round_trip(cli):
    src = 'program p { block main() { let s = "let"; return s |> len; } } // let\n'
    hlx = cli("translit", "--to", "hlx", "-", input=src).stdout
    assert hlx == '⟠ p { ◇ main() { ⊢ s = "let"; ↩ s ▷ len; } } // let\n'
    assert cli("translit", "--to", "hlxl", "-", input=hlx).stdout == src


def test_types(cli, tmp_path):
    f = tmp_path / "t.hlxl"
    f.write_text("program p {\n    block main() {\n        let xs = [1, 2];\n"
                 "        return xs;\n    }\n}\n")
    r = cli("types", str(f))
    assert r.exit_code == 0
    assert "3:13 xs: Array<Int> (let)" in r.stdout.splitlines()


def test_demo_over_examples(cli):
    r = cli("demo", "examples")
    assert r.exit_code == 0
    assert r.stdout.rstrip().endswith("all examples agree")
