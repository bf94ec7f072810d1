"""Every operation of the library accepts any text and any position: damaged generated programs,
both tracks, canonical and lenient modes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from svc_helpers import programs

from helix_lang import service
from helix_lang.service import OPS, answer
from helix_lang.translit import to_hlx

DAMAGE = ["{", "}", "(", ")", ";", "=", "\"", "let ", "ls.", "é", "/*", "//", "⊢", "▷", "🜁",
          "\ufe0f", "&h_", "|>", "\n", "\r", "contract 902 {", "@1: ", "[" * 300]


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(comments=False), st.sampled_from(["hlxl", "hlx"]),
       st.lists(st.tuples(st.floats(0, 1), st.sampled_from(DAMAGE), st.integers(0, 6)),
                max_size=3),
       st.lists(st.tuples(st.integers(0, 40), st.integers(0, 120)), min_size=1, max_size=4))
def test_any_text_any_position(src, track, damage, positions):
    if track == "hlx":
        src = to_hlx(src)
    for where, piece, cut in damage:
        i = int(where * len(src))
        src = src[:i] + piece + src[i + cut:]
    a = service.analyze(src, track)
    service.diagnostics(a, known_handles={"": {"x"}})
    service.document_symbols(a)
    for line, col in positions:
        for op in OPS:
            assert isinstance(answer(op, track, src, line, col, "renamed"), str)
        service.complete(a, line, col, store_handles={"": {"h"}})
        service.hover(a, line, col, lenient=True)
        service.definition(a, line, col, lenient=True)
        service.references(a, line, col, lenient=True)
        service.rename(a, line, col, "renamed", lenient=True)
        service.prepare_rename(a, line, col, lenient=True)
