"""Conformance vectors of HLX-SPEC §14: ``programs.jsonl`` and ``program_errors.jsonl`` on both
tracks."""

from __future__ import annotations

import pytest
from spec_vectors import vectors

from helix_lang.errors import HLXError
from helix_lang.formats.hlxl import dump
from helix_lang.hlxl.interp import run

PROGRAMS = [r for r in vectors("programs") if r["result"] is not None]
ERRORS = vectors("program_errors")
TRACKS = ("hlxl", "hlx")


def test_vector_files_are_not_empty():
    assert len(PROGRAMS) >= 30 and len(ERRORS) >= 30


@pytest.mark.parametrize("track", TRACKS)
@pytest.mark.parametrize("row", PROGRAMS, ids=[r["id"] for r in PROGRAMS])
def test_program_result(row, track):
    assert dump(run(row[track], track=track)) == row["result"]


@pytest.mark.parametrize("track", TRACKS)
@pytest.mark.parametrize("row", ERRORS, ids=[r["id"] for r in ERRORS])
def test_program_error(row, track):
    with pytest.raises(HLXError) as info:
        run(row[track], track=track)
    assert info.value.code == row["error"]
    # every error of a program carries a position inside the source
    e = info.value
    if e.line is not None:
        lines = row[track].split("\n")
        assert 1 <= e.line <= len(lines) and 1 <= e.column <= len(lines[e.line - 1]) + 1


@pytest.mark.parametrize("row", ERRORS, ids=[r["id"] for r in ERRORS])
def test_program_error_positions_agree_across_tracks(row):
    """Both tracks report the same token: same line, and the HLX column is where the
    HLXL token's transliteration starts."""
    from helix_lang.translit import to_hlx

    found = {}
    for track in TRACKS:
        with pytest.raises(HLXError) as info:
            run(row[track], track=track)
        found[track] = info.value
    a, b = found["hlxl"], found["hlx"]
    assert a.line == b.line
    if a.line is not None:
        hlxl_line = row["hlxl"].split("\n")[a.line - 1]
        hlx_line = row["hlx"].split("\n")[b.line - 1]
        assert to_hlx(hlxl_line[:a.column - 1]) == hlx_line[:b.column - 1]
