"""Cross-module properties of generated programs (issue: HLXL and HLX languages).

For random well-formed programs ``p`` (``program_strategies.programs``): the interpreter gives the
same outcome — the same value, or the same error code — for ``p``, ``format(p)``, ``minify(p)``
and the HLX form ``to_hlx(p)`` run on the runic track; and HLXL → HLX → HLXL is the identity.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from program_strategies import programs

from helix_lang import HLXError, to_hlx, to_hlxl
from helix_lang.formats import hlxl
from helix_lang.hlxl.fmt import format_source, minify
from helix_lang.hlxl.interp import run


def outcome(source: str, track: str = "hlxl") -> str:
    try:
        return hlxl.dump(run(source, track=track, max_steps=200_000))
    except HLXError as e:
        return f"error {e.code}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_same_result_for_every_spelling_of_a_program(p):
    expected = outcome(p)
    hlx = to_hlx(p)
    assert to_hlxl(hlx) == p
    assert outcome(format_source(p)) == expected
    assert outcome(minify(p)) == expected
    assert outcome(hlx, track="hlx") == expected
    assert outcome(format_source(hlx, track="hlx"), track="hlx") == expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_generated_programs_mostly_run(p):
    # The generator is built to produce runnable programs; an error other than the few it
    # admits (int overflow after loops, depth) would mean a generator or interpreter bug.
    result = outcome(p)
    assert not result.startswith("error") or result in (
        "error E_INT_OVERFLOW", "error E_FLOAT_SPECIAL", "error E_DEPTH_EXCEEDED")
