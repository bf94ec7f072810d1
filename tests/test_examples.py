"""`examples/` is executable documentation (STYLE rule 24): every value file parses and
round-trips through every format; every program loads, formats stably, transliterates both ways
and runs to exactly its `.out` file on both tracks."""

from __future__ import annotations

from pathlib import Path

import pytest

from helix_lang import FORMATS, equal, to_hlx, to_hlxl
from helix_lang.cli import EXTENSIONS, is_program
from helix_lang.formats import hlxl
from helix_lang.hlxl.fmt import format_source
from helix_lang.hlxl.interp import run
from helix_lang.hlxl.parser import load

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FILES = sorted(p for p in EXAMPLES.rglob("*") if p.suffix in EXTENSIONS)
PROGRAMS = [p for p in FILES if p.suffix in (".hlxl", ".hlx") and is_program(p.read_text("utf-8"))]
VALUES = [p for p in FILES if p not in PROGRAMS]


def test_enough_examples():
    assert len(PROGRAMS) >= 12
    assert {p.suffix for p in PROGRAMS} == {".hlxl", ".hlx"}
    assert {p.suffix for p in VALUES} == set(EXTENSIONS)


@pytest.mark.parametrize("path", VALUES, ids=lambda p: p.name)
def test_value_example_round_trips(path):
    value = FORMATS[EXTENSIONS[path.suffix]].parse(path.read_text("utf-8"))
    for name, module in FORMATS.items():
        text = module.dump(value)
        assert equal(module.parse(text), value), name
        assert module.dump(module.parse(text)) == text, name


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_program_example(path):
    text = path.read_text("utf-8")
    track = path.suffix[1:]
    other = to_hlx(text) if track == "hlxl" else to_hlxl(text)
    back = to_hlxl(other) if track == "hlxl" else to_hlx(other)
    assert back == text
    assert format_source(text, track=track) == text, "examples are kept in canonical layout"
    expected = path.with_suffix(".out").read_text("utf-8").strip()
    assert hlxl.dump(run(text, track=track)) == expected
    other_track = "hlx" if track == "hlxl" else "hlxl"
    load(other, track=other_track)
    assert hlxl.dump(run(other, track=other_track)) == expected
