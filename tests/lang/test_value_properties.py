"""Properties of the five value formats (HLX-SPEC §1, §9, §13) over generated values, and
robustness of every parser against arbitrary and near-valid input.

* round trip: ``parse(dump(v))`` equals ``v`` and ``dump`` is a fixed point, in every format;
* §9: ``convert(A → B)`` of a canonical text is the canonical text of the same value in ``B``;
* fuzz: any text into any text parser (any bytes into ``lcb.decode``) gives a value or an
  :class:`HLXError` — never another exception, never a hang (per-example deadline); near-valid
  input is made by truncating and editing canonical texts;
* limits: 10**5 nested brackets and numbers of 10**5 digits fail fast with the right codes and
  without ``RecursionError``;
* errors of the text formats carry a line/column inside the text and render a caret line.
"""

from __future__ import annotations

import itertools
import sys
import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from value_strategies import SPECIAL_CHARS, deep_values, hlx_values, values

from helix_lang.convert import FORMAT_NAMES, FORMATS, convert
from helix_lang.errors import CODES, HLXError
from helix_lang.formats import lcb
from helix_lang.values import MAX_DEPTH, Contract, Handle, depth, equal

TEXT_FORMATS = ("lct", "lcr", "hlxl", "hlx")
ALL_FORMATS = FORMAT_NAMES  # lcb as the hex display form

#: Generous: a hang is what we look for, not a slow example on a loaded machine.
DEADLINE = timedelta(seconds=3)
SETTINGS = settings(deadline=DEADLINE, suppress_health_check=[HealthCheck.too_slow,
                                                              HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def _warm_parsers():
    """Build (and cache) every Lark parser before the deadline-bound examples run."""
    for fmt in ALL_FORMATS:
        FORMATS[fmt].parse(FORMATS[fmt].dump([1]))


def _codes_and_position(err: HLXError, text: str, fmt: str) -> None:
    assert err.code in CODES, err
    assert "\n" not in err.message, err  # one line: `render` prints the source line below it
    if fmt == "lcb" and err.line is None:
        return
    lines = text.split("\n")
    assert err.line is not None and err.column is not None, (fmt, err)
    assert 1 <= err.line <= len(lines), (fmt, err, text)
    assert 1 <= err.column <= len(lines[err.line - 1]) + 1, (fmt, err, text)
    rendered = err.render(text, source="t")
    head, *rest = rendered.split("\n")
    assert head.startswith(f"t:{err.line}:{err.column}: {err.code} ")
    assert len(rest) == 2, rendered
    shown, caret = rest
    assert caret.endswith("^") and caret[:-1].strip(" \t") == ""
    assert len(caret) == min(err.column, len(lines[err.line - 1]) + 1)
    assert len(shown) == len(lines[err.line - 1])


def parse_or_error(fmt: str, text: str):
    """Parse ``text``; return the value, or the :class:`HLXError` after checking it."""
    try:
        return FORMATS[fmt].parse(text)
    except HLXError as err:
        _codes_and_position(err, text, fmt)
        return err


# --- round trips ----------------------------------------------------------------------------------

@SETTINGS
@given(hlx_values())
def test_roundtrip_every_format(value):
    for fmt in ALL_FORMATS:
        mod = FORMATS[fmt]
        text = mod.dump(value)
        parsed = mod.parse(text)
        assert equal(parsed, value), fmt
        assert mod.dump(parsed) == text, fmt


@SETTINGS
@given(hlx_values())
def test_conversion_agrees_with_the_value(value):
    canonical = {fmt: FORMATS[fmt].dump(value) for fmt in ALL_FORMATS}
    for src, dst in itertools.product(ALL_FORMATS, repeat=2):
        assert convert(canonical[src], src, dst) == canonical[dst], (src, dst)


@SETTINGS
@given(hlx_values())
def test_printers_are_injective_like_lcb(value):
    """Two values print alike in a text format iff their LC-B encodings are identical (§1.3)."""
    encoded = lcb.encode(value)
    for fmt in TEXT_FORMATS:
        again = FORMATS[fmt].parse(FORMATS[fmt].dump(value))
        assert lcb.encode(again) == encoded, fmt


@SETTINGS
@given(hlx_values())
def test_lct_is_ascii_and_every_text_is_single_line(value):
    assert FORMATS["lct"].dump(value).isascii()
    for fmt in ALL_FORMATS:
        assert "\n" not in FORMATS[fmt].dump(value), fmt


@settings(max_examples=10, deadline=None)
@given(deep_values())
def test_depth_64_roundtrips(value):
    assert depth(value) == MAX_DEPTH
    for fmt in ALL_FORMATS:
        assert equal(FORMATS[fmt].parse(FORMATS[fmt].dump(value)), value), fmt
    wrapped = [value]
    for fmt in ALL_FORMATS:
        with pytest.raises(HLXError) as info:
            FORMATS[fmt].dump(wrapped)
        assert info.value.code == "E_DEPTH_EXCEEDED"


@SETTINGS
@given(values(max_depth=3), st.data())
def test_whitespace_between_tokens_is_ignored(value, data):
    """Extra whitespace where the canonical LC-T has token boundaries parses to the same value."""
    text = FORMATS["lct"].dump(value)
    cuts = [i for i in range(1, len(text)) if text[i - 1] in "[]{},:=" or text[i] in "[]{},:="]
    inside_cstart = {p + k for p in range(len(text)) if text.startswith("{C:", p) for k in (1, 2)}
    cuts = [i for i in cuts if i not in inside_cstart and _outside_strings(text, i)]
    chosen = data.draw(st.sets(st.sampled_from(cuts), max_size=6)) if cuts else set()
    spaced = "".join((" \t\r\n"[i % 4] if i in chosen else "") + ch for i, ch in enumerate(text))
    assert equal(FORMATS["lct"].parse(spaced), value)


def _outside_strings(text: str, index: int) -> bool:
    inside, i = False, 0
    while i < index:
        if text[i] == "\\" and inside:
            i += 2
            continue
        if text[i] == '"':
            inside = not inside
        i += 1
    return not inside and i == index


# --- fuzz: arbitrary text -------------------------------------------------------------------------

ANY_CHAR = st.characters(codec=None, exclude_categories=())  # surrogates included
FUZZ_ALPHABET = st.one_of(
    ANY_CHAR, st.sampled_from(SPECIAL_CHARS),
    st.sampled_from(list("0123456789-.eE+ \n\t\"\\xbu{}[]():,=@#&h_CNULTRFASE")))


@settings(max_examples=400, deadline=DEADLINE)
@given(st.lists(FUZZ_ALPHABET, max_size=40).map("".join))
@example("")
@example("\ud800")
@example('"\udfff"')
@example("\x00")
@example("[" * 70)
@example("{C:" * 70)
def test_arbitrary_text_gives_a_value_or_an_hlx_error(text):
    for fmt in ALL_FORMATS:
        parse_or_error(fmt, text)


@settings(max_examples=150, deadline=DEADLINE)
@given(st.text(ANY_CHAR, max_size=200))
def test_arbitrary_unicode_gives_a_value_or_an_hlx_error(text):
    for fmt in ALL_FORMATS:
        parse_or_error(fmt, text)


def _mutations(text: str, positions: list[int], inserts: list[str]):
    """Truncations, single-character deletions, insertions and replacements of ``text``."""
    for p in positions:
        p %= len(text) + 1
        yield text[:p]
        yield text[p:]
        if p < len(text):
            yield text[:p] + text[p + 1:]
            for ch in inserts:
                yield text[:p] + ch + text[p + 1:]
        for ch in inserts:
            yield text[:p] + ch + text[p:]


INSERTS = st.lists(st.one_of(st.sampled_from(SPECIAL_CHARS), ANY_CHAR), min_size=1, max_size=3)


@settings(max_examples=60, deadline=DEADLINE,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(values(max_depth=3), st.lists(st.integers(0, 10**6), min_size=1, max_size=2), INSERTS)
def test_near_valid_text_gives_a_value_or_an_hlx_error(value, positions, inserts):
    for fmt in ALL_FORMATS:
        canonical = FORMATS[fmt].dump(value)
        for mutated in _mutations(canonical, positions, inserts):
            result = parse_or_error(fmt, mutated)
            if not isinstance(result, HLXError):
                # Whatever parsed is a value whose canonical form is stable.
                again = FORMATS[fmt].dump(result)
                assert FORMATS[fmt].dump(FORMATS[fmt].parse(again)) == again


@settings(max_examples=150, deadline=DEADLINE)
@given(values(max_depth=3), st.lists(st.integers(0, 10**6), min_size=1, max_size=3),
       st.lists(st.integers(0, 255), min_size=1, max_size=3))
def test_near_valid_bytes_give_a_value_or_an_hlx_error(value, positions, replacements):
    data = lcb.encode(value)
    for p in positions:
        p %= len(data) + 1
        candidates = [data[:p], data[p:], data[:p] + data[p + 1:]]
        candidates += [data[:p] + bytes([b]) + data[p + 1:] for b in replacements]
        candidates += [data[:p] + bytes([b]) + data[p:] for b in replacements]
        for blob in candidates:
            try:
                decoded = lcb.decode(blob)
            except HLXError as err:
                assert err.code in CODES and err.offset is not None
                assert 0 <= err.offset <= len(blob)
            else:
                assert lcb.encode(decoded) == blob


@settings(max_examples=200, deadline=DEADLINE)
@given(st.binary(max_size=64))
def test_arbitrary_bytes_give_a_value_or_an_hlx_error(data):
    try:
        lcb.decode(data)
    except HLXError as err:
        assert err.code in CODES


# --- limits: deep nesting and huge numbers --------------------------------------------------------

N = 10**5
M = 10**4  # repetitions of the multi-token openers (10**5 of them only make the test slower)
EITHER = ("E_DEPTH_EXCEEDED", "E_LC_PARSE")
DEPTH = ("E_DEPTH_EXCEEDED",)

DEEP_CASES = [  # (format, text, acceptable codes)
    ("lct", "[" * N, EITHER), ("lct", "[" * N + "]" * N, DEPTH), ("lct", "{a:" * M, EITHER),
    ("lct", "{C:1,0=" * M, EITHER), ("lct", '{"":' * M + "1" + "}" * M, DEPTH),
    ("lcr", "🜃" * N, EITHER), ("lcr", "🜃" * N + "🜄" * N, DEPTH), ("lcr", "◇a: " * M, EITHER),
    ("lcr", "🜊1🜁0 " * M, EITHER), ("lcr", "🜊1🜁0 " * M + "0" + "🜂" * M, DEPTH),
    ("hlxl", "[" * N, EITHER), ("hlxl", "[" * N + "]" * N, DEPTH), ("hlxl", "{a: " * M, EITHER),
    ("hlxl", "{1: {@0: " * M, EITHER), ("hlxl", "contract 1 {@0: " * M, EITHER),
    ("hlxl", "[" * M + "1" + "]" * M, DEPTH),
    ("hlx", "[" * N, EITHER), ("hlx", "[" * N + "]" * N, DEPTH), ("hlx", "{a: " * M, EITHER),
    ("hlx", "[⟁a, " * M, EITHER),
    ("lcb", "05 " * N, DEPTH), ("lcb", "05 " * N + "06 " * N, DEPTH),
    ("lcb", "0c 01 01 61 " * M, DEPTH), ("lcb", "07 01 01 00 " * M, DEPTH),
]


@pytest.mark.parametrize("fmt, text, codes", DEEP_CASES,
                         ids=[f"{f}-{t[:6]}-{len(t)}" for f, t, _ in DEEP_CASES])
def test_deep_nesting_fails_without_recursion(fmt, text, codes):
    limit = sys.getrecursionlimit()
    start = time.perf_counter()
    try:
        FORMATS[fmt].parse(text)
    except HLXError as err:
        assert err.code in codes, err
        _codes_and_position(err, text, fmt)
    except RecursionError:  # pragma: no cover - the failure this test is about
        pytest.fail("RecursionError")
    else:
        pytest.fail("a value nested deeper than 64 was accepted")
    assert sys.getrecursionlimit() == limit
    assert time.perf_counter() - start < 30


def test_brackets_in_comments_and_strings_do_not_count():
    assert FORMATS["hlxl"].parse("/*" + "[" * N + "*/ 1 // " + "{" * N) == 1
    assert FORMATS["lct"].parse('"' + "[" * N + '"') == "[" * N
    assert FORMATS["lcr"].parse('"' + "🜃" * N + '"') == "🜃" * N


def test_deep_bytes_fail_without_recursion():
    for data in (b"\x05" * N, b"\x05" * N + b"\x06" * N, b"\x07\x01\x01\x00" * N):
        with pytest.raises(HLXError) as info:
            lcb.decode(data)
        assert info.value.code == "E_DEPTH_EXCEEDED"


DIGITS = "7" * N

HUGE_INTS = {
    "lct": [DIGITS, "-" + DIGITS, f"[{DIGITS}]", "{C:" + DIGITS + "}", "{C:1," + DIGITS + "=1}",
            f"{{a:{DIGITS}}}"],
    "lcr": [DIGITS, "-" + DIGITS, f"🜃{DIGITS}🜄", f"🜊{DIGITS}🜂", f"🜊1🜁{DIGITS} 1🜂"],
    "hlxl": [DIGITS, "-" + DIGITS, f"[{DIGITS}]", f"{{{DIGITS}: {{}}}}", f"{{1: {{@{DIGITS}: 1}}}}",
             f"contract {DIGITS} {{}}"],
    "hlx": [DIGITS, "-" + DIGITS, f"[⟁a, {DIGITS}]"],
}


@pytest.mark.parametrize("fmt, text", [(f, t) for f, ts in HUGE_INTS.items() for t in ts],
                         ids=lambda x: x if x in HUGE_INTS else x[:10])
def test_huge_integers_overflow_quickly(fmt, text):
    start = time.perf_counter()
    with pytest.raises(HLXError) as info:
        FORMATS[fmt].parse(text)
    assert info.value.code == "E_INT_OVERFLOW"
    _codes_and_position(info.value, text, fmt)
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_huge_floats_are_special_or_zero_quickly(fmt):
    start = time.perf_counter()
    for text in (DIGITS + ".0", "-" + DIGITS + ".5", "1e" + DIGITS, "9." + DIGITS + "e308"):
        with pytest.raises(HLXError) as info:
            FORMATS[fmt].parse(text)
        assert info.value.code == "E_FLOAT_SPECIAL", text[:20]
    for text in ("0." + "0" * N + "1", "1e-" + DIGITS, "1." + DIGITS):
        assert type(FORMATS[fmt].parse(text)) is float
    assert FORMATS[fmt].parse("1e-" + DIGITS) == 0.0
    assert time.perf_counter() - start < 5


def test_huge_leb128_is_a_decode_error():
    with pytest.raises(HLXError) as info:
        lcb.decode(b"\x01" + b"\x80" * N + b"\x00")
    assert info.value.code == "E_LC_BINARY_DECODE"


# --- errors carry positions -----------------------------------------------------------------------

@SETTINGS
@given(hlx_values(), st.sampled_from(TEXT_FORMATS), st.integers(0, 10**6))
def test_truncated_text_errors_point_into_the_text(value, fmt, cut):
    text = FORMATS[fmt].dump(value)
    assume(len(text) > 1)
    cut %= len(text)
    truncated = "\n" + text[:cut]  # a leading LF: line numbers must count it
    result = parse_or_error(fmt, truncated)
    if isinstance(result, HLXError):
        assert result.line in (1, 2)


def test_error_positions_count_code_points_and_lf_only():
    text = '[\r"😀\u2028",\n 1,\n 2,]'
    for fmt, t in (("lcr", text.replace("[", "🜃").replace("]", "🜄")), ("hlxl", text)):
        with pytest.raises(HLXError) as info:
            FORMATS[fmt].parse(t)
        err = info.value
        assert (err.line, err.column) == (3, 4), fmt


def test_render_marks_the_column_under_tabs():
    with pytest.raises(HLXError) as info:
        FORMATS["lct"].parse("[1,\n\t\t2,]")
    rendered = info.value.render("[1,\n\t\t2,]", source="x.lct")
    assert rendered.split("\n") == ["x.lct:2:5: E_LC_PARSE " + info.value.message, "\t\t2,]",
                                    "\t\t  ^"]


def test_contract_field_errors_point_at_the_field():
    for fmt, text, col in (("lct", "{C:14,1=1,0=2}", 11), ("hlxl", "{14: {@1: 1, @0: 2}}", 14),
                           ("lcr", "🜊14🜁1 1🜁0 2🜂", 8)):
        with pytest.raises(HLXError) as info:
            FORMATS[fmt].parse(text)
        assert info.value.code == "E_FIELD_ORDER"
        assert (info.value.line, info.value.column) == (1, col), fmt


def test_value_model_has_no_surprises():
    assert equal(Contract(1, {0: 1}), Contract(1, {0: 1}))
    assert not equal(Contract(1, {0: 1}), Contract(1, {0: 1.0}))
    assert not equal(True, 1) and not equal(1, 1.0) and not equal((), {})


@pytest.mark.parametrize("name", ["if", "let", "while", "latent", "table", "for_each"])
def test_a_handle_named_like_a_keyword_round_trips_in_hlx(name):
    """§8.3: an HLX HANDLE is ⟁ and its name, one token, so `⟁if` is the handle `if` (`&h_if`),
    not the keyword `if`, in value literals and in programs alike."""
    from helix_lang import convert, parse
    from helix_lang.translit import check_hlx, to_hlx

    assert convert(f"[@{name}]", "lct", "hlx") == f"[⟁{name}]"
    assert parse(f"[⟁{name}]", "hlx") == (Handle(name),)
    check_hlx(to_hlx(f"program p {{ block main() {{ return &h_{name}; }} }}"))
