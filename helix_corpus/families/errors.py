"""Edge cases and error handling: an invalid input, and the exact error code and position.

A valid value is spelled token by token (:mod:`helix_corpus.spelling`), one defect is planted
(a dropped comma, a bad escape, upper-case hex, an unknown glyph, a missing field space) and
the text is *parsed* with ``helix_lang``: the answer is whatever the parser reports, as
``E_CODE line:col`` (1-based, code points) or, for LC-B, ``E_CODE byte N`` (0-based offset).
Look-alike glyphs come from :data:`PROBES`; the animal emoji U+1F401–U+1F40A that broke earlier
corpora are never used (the lint rejects them).
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Callable

from helix_lang import FORMATS, HLXError
from helix_lang.formats import lcb

from ..core import Draft, Family, GenerationError, Paraphrases, sample
from ..graders import error_answer, grade_error
from ..spelling import Tok, join, tokens
from ..valuegen import BASIC, ESCAPES, Profile, ValueGen, skeleton
from .common import LABEL, wide_for

__all__ = ["ERRORS_ASCII", "ERRORS_RUNIC", "ERRORS_LCB", "PROBES", "MUTATIONS", "plant"]

#: Look-alikes planted as unknown glyphs (each whitelisted by the lint).
PROBES = {"🜁": "🜅", "🜊": "🜉", "🜂": "🜆", "🜃": "🜇", "🜄": "🜈", "◇": "◈", "◆": "◈",
          "⊤": "⊣", "⊥": "⊣", "∅": "⌀", "⊠": "⊡", "⟁": "⟐"}
STRAY = ("★", "⚲", "⟡", "🜀", "⊣", "◈")
VS16 = "\ufe0f"

ERROR_TEMPLATES = Paraphrases("errors", (
    "Parse this {fmt} text. It is invalid: give the error code and the 1-based line:column, "
    "as `CODE line:col`.\n{text}",
    "What error does a conforming {fmt} parser report for the input below? Answer "
    "`CODE line:col`.\n{text}",
    "{text}\nThis {fmt} input fails to parse. Which error code, at which line:col?",
    "Find the defect in this {fmt} value: reply with `CODE line:col` (1-based).\n{text}",
), (
    "A {fmt} reader rejects the following text. State the error as `CODE line:col`.\n{text}",
    "Diagnose this broken {fmt}: error code and 1-based position, `CODE line:col`.\n{text}",
))
LCB_TEMPLATES = Paraphrases("errors.lcb", (
    "Decode this LC-B (hex display). It is invalid: answer `CODE byte N` with the 0-based byte "
    "offset.\n{text}",
    "What error does an LC-B decoder report for these bytes? Answer `CODE byte N`.\n{text}",
    "{text}\nThese LC-B bytes are malformed. Which error code, at which byte offset?",
), (
    "An LC-B decoder rejects this input. Give `CODE byte N` (N counted from 0).\n{text}",
))

Toks = list[Tok]


def _pick(rng: random.Random, toks: Toks, pred: Callable[[int, Tok], bool]) -> int | None:
    hits = [i for i, t in enumerate(toks) if pred(i, t)]
    return rng.choice(hits) if hits else None


def _is_id(toks: Toks, i: int) -> bool:
    return i > 0 and toks[i - 1].kind == "cstart"


def _set(toks: Toks, i: int, text: str) -> Toks:
    out = list(toks)
    out[i] = out[i]._replace(text=text)
    return out


# -- token mutations: (rng, toks, fmt) -> toks or None when they do not apply ------------------
def drop_comma(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "comma" and toks[i + 1].kind != "field")
    return None if i is None else toks[:i] + toks[i + 1:]


def trailing_comma(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind in ("close", "cend") and i > 0
              and toks[i - 1].kind not in ("open", "cstart", "int") and fmt != "lcr")
    return None if i is None else toks[:i] + [Tok("comma", ",")] + toks[i:]


def drop_close(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind in ("close", "cend"))
    return None if i is None else toks[:i] + toks[i + 1:]


def extra_close(rng, toks, fmt):
    closers = [t for t in toks if t.kind in ("close", "cend")]
    return None if not closers else toks + [rng.choice(closers)]


def missing_colon(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "colon" and toks[i - 1].kind == "key")
    return None if i is None else toks[:i] + toks[i + 1:]


def bad_escape(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "str")
    if i is None:
        return None
    text = toks[i].text
    at = rng.randint(1, len(text) - 1)
    while text[at - 1] == "\\":
        at -= 1
    bad = rng.choice(("\\q", "\\x41", "\\u{d800}", "\\u{110000}", "\\u{}", "\\/", "\\0",
                      "\\u0041"))
    return _set(toks, i, text[:at] + bad + text[at:])


def raw_control(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "str")
    if i is None:
        return None
    text = toks[i].text
    return _set(toks, i, text[:-1] + "\t" + text[-1])


def bad_hex(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "bytes" and not t.text.startswith("b"))
    if i is None:
        return None
    text = toks[i].text
    pre, body, post = (text[:2], text[2:-1], '"') if fmt in ("hlxl", "hlx") else (text[:1],
                                                                                   text[1:], "")
    r = rng.random()
    if body and r < 0.4:
        body = body[:-1]
    elif r < 0.7 and any(c in "abcdef" for c in body):
        body = body.upper()
    else:
        body = body + rng.choice(("g0", "zz", "0G"))
    return _set(toks, i, pre + body + post)


def int_overflow(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "int")
    return None if i is None else _set(toks, i, rng.choice(
        ("9223372036854775808", "-9223372036854775809", "18446744073709551616")))


def float_special(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind in ("float", "int") and not _is_id(toks, i))
    return None if i is None else _set(toks, i, rng.choice(("1e309", "-1e400", "2e308")))


def bad_number(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "int" and not _is_id(toks, i))
    return None if i is None else _set(toks, i, rng.choice(("007", "+5", ".5", "1.", "01")))


def _field_index(t: Tok, fmt: str) -> int:
    return int(t.text.strip().lstrip("🜁@"))


def _field_text(t: Tok, fmt: str, n: int) -> str:
    return {"lcr": f"🜁{n} ", "lct": str(n)}.get(fmt, f"@{n}")


def _field_pairs(toks: Toks, fmt: str) -> list[tuple[int, int]]:
    fields = [i for i, t in enumerate(toks) if t.kind == "field" and (
        fmt != "hlxl" and fmt != "hlx" or t.text.startswith("@"))]
    # Adjacent fields of the same contract: no contract start between them at the same depth.
    pairs = []
    for a, b in zip(fields, fields[1:]):
        level = 0
        for t in toks[a + 1:b]:
            level += t.kind in ("open", "cstart")
            level -= t.kind in ("close", "cend")
        if level == 0:
            pairs.append((a, b))
    return pairs


def field_order(rng, toks, fmt):
    pairs = _field_pairs(toks, fmt)
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    ia, ib = _field_index(toks[a], fmt), _field_index(toks[b], fmt)
    return _set(_set(toks, a, _field_text(toks[a], fmt, ib)), b, _field_text(toks[b], fmt, ia))


def dup_field(rng, toks, fmt):
    pairs = _field_pairs(toks, fmt)
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    return _set(toks, b, _field_text(toks[b], fmt, _field_index(toks[a], fmt)))


def dup_key(rng, toks, fmt):
    groups: dict[int, list[int]] = {}
    for i, t in enumerate(toks):
        if t.kind == "key":
            groups.setdefault(t.group, []).append(i)
    many = [g for g in groups.values() if len(g) > 1]
    if not many:
        return None
    a, b = sorted(rng.sample(rng.choice(many), 2))
    return _set(toks, b, toks[a].text)


def literal_case(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "lit")
    if i is None:
        return None
    text = toks[i].text
    return _set(toks, i, text.lower() if text.isupper() else text.upper() if rng.random() < 0.5
                else text.capitalize())


def bare_c(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "key")
    return None if i is None else _set(toks, i, "C")


def reserved_key(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "key")
    return None if i is None else _set(toks, i, rng.choice(("let", "null", "program", "if")))


def raw_non_ascii(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "str")
    if i is None:
        return None
    text = toks[i].text
    return _set(toks, i, text[:-1] + rng.choice("éüñ中") + text[-1])


def wrong_handle(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "handle")
    if i is None:
        return None
    name = toks[i].text.lstrip("@⟁").removeprefix("&h_")
    other = {"hlxl": ("⟁", "@"), "hlx": ("&h_", "@"), "lct": ("&h_", "⟁"), "lcr": ("&h_", "@")}
    return _set(toks, i, rng.choice(other[fmt]) + name)


def probe_glyph(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.text[:1] in PROBES)
    if i is None or rng.random() < 0.3:
        j = rng.randrange(len(toks) + 1)
        return toks[:j] + [Tok("lit", rng.choice(STRAY))] + toks[j:]
    text = toks[i].text
    return _set(toks, i, PROBES[text[0]] + text[1:])


def variation_selector(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind != "str" and not t.text[:1].isascii())
    return None if i is None else _set(toks, i, toks[i].text[0] + VS16 + toks[i].text[1:])


def field_space(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "field")
    return None if i is None else _set(toks, i, toks[i].text.rstrip())


def cstart_space(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "cstart")
    return None if i is None else _set(toks, i, "🜊 " + toks[i].text[1:])


def lct_token(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "lit" or t.kind in ("open", "close"))
    if i is None:
        return None
    swap = {"∅": "NULL", "⊤": "TRUE", "⊥": "FALSE", "🜃": "[", "🜄": "]", "◇": "{", "◆": "}"}
    return _set(toks, i, swap[toks[i].text])


def word_glyph(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind in ("int", "str", "lit", "handle"))
    return None if i is None else toks[:i] + [Tok("lit", rng.choice("⊢↩⟠⚳"))] + toks[i:]


def space_after_at(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind == "field" and t.text.startswith("@"))
    return None if i is None else _set(toks, i, "@ " + toks[i].text[1:])


def minus_space(rng, toks, fmt):
    i = _pick(rng, toks, lambda i, t: t.kind in ("int", "float") and t.text.startswith("-"))
    return None if i is None else _set(toks, i, "- " + toks[i].text[1:])


def too_deep(rng, toks, fmt):
    if rng.random() < 0.7:  # rarer than the others: one lesson, long texts
        return None
    opener, closer = {"lcr": ("🜃", "🜄")}.get(fmt, ("[", "]"))
    n = 65 - 1  # the value itself adds at least one level
    return [Tok("open", opener)] * n + toks + [Tok("close", closer)] * n


_COMMON = (drop_comma, trailing_comma, drop_close, extra_close, missing_colon, bad_escape,
           raw_control, bad_hex, int_overflow, float_special, bad_number, field_order, dup_field,
           dup_key)
MUTATIONS: dict[str, tuple] = {
    "lct": _COMMON + (literal_case, bare_c, raw_non_ascii, wrong_handle, too_deep),
    "hlxl": _COMMON + (literal_case, reserved_key, wrong_handle, space_after_at, minus_space,
                       too_deep),
    "lcr": _COMMON + (bare_c, wrong_handle, probe_glyph, probe_glyph, variation_selector,
                      field_space, field_space, cstart_space, lct_token, too_deep),
    "hlx": _COMMON + (reserved_key, wrong_handle, probe_glyph, probe_glyph, variation_selector,
                      word_glyph, space_after_at, minus_space),
}

#: Values with structure to break (a scalar has few places for a defect).
SHAPED = Profile(max_depth=3, max_width=3, budget=10, min_depth=1, containers=0.45)


def plant(rng: random.Random, v, fmt: str) -> tuple[str, str] | None:
    """Spell ``v`` in ``fmt`` with one planted defect: ``(mutation, text)``, or ``None`` when no
    mutation applies.  The text may still parse; :func:`error_of` tells."""
    toks = tokens(v, fmt)
    options = list(MUTATIONS[fmt])
    rng.shuffle(options)
    for mutation in options:
        bad = mutation(rng, toks, fmt)
        if bad is not None:
            return mutation.__name__, join(bad, fmt, rng if rng.random() < 0.35 else None)
    return None


def error_of(text: str, fmt: str) -> HLXError | None:
    """The error parsing ``text`` in ``fmt`` raises (``None`` if it parses or has no position)."""
    try:
        FORMATS[fmt].parse(text)
    except HLXError as e:
        return e if e.line is not None else None
    return None


def text_errors_family(name: str, summary: str, formats: tuple[str, ...],
                       tracks: dict[str, int]) -> Family:
    def make(rng: random.Random, split: str) -> Draft:
        def gen():
            fmt = rng.choice(formats)
            profile = rng.choice((SHAPED, SHAPED, replace(ESCAPES, min_depth=1), BASIC))
            v = ValueGen(rng, profile, wide=wide_for(rng, split)).value()
            planted = plant(rng, v, fmt)
            if planted is None:
                return None, None
            return skeleton(v, f"err-{planted[0]}:"), (fmt, planted[1])

        for _ in range(50):  # the split is checked first, parsing (the costly part) after
            sk, (fmt, text) = sample(split, gen, what=name)
            err = error_of(text, fmt)
            if err is not None:
                break
        else:
            raise GenerationError(f"{name}: 50 planted defects in a row still parsed")
        answer = error_answer(err)
        tid, request = ERROR_TEMPLATES.render(rng, split, fmt=LABEL[fmt], text=text)
        return Draft(request, answer, {"kind": "error", "format": fmt, "expected": answer},
                     sk, tid, (fmt,))

    return Family(name, summary, tracks, make, grade_error)


ERRORS_ASCII = text_errors_family(
    "errors_ascii", "invalid HLXL / LC-T text (bad escapes, hex, numbers, commas, keys, field "
    "order, depth), asked for `CODE line:col`", ("lct", "hlxl"), {"ascii": 3})
ERRORS_RUNIC = text_errors_family(
    "errors_runic", "invalid LC-R / HLX text (unknown or look-alike glyphs, U+FE0F, missing field "
    "space, ASCII handles), asked for `CODE line:col`", ("lcr", "hlx"), {"runic": 3})


# -- LC-B ---------------------------------------------------------------------------------------
def _walk(data: bytes, pos: int, out: list) -> int:
    """Record ``(kind, start, extra)`` for every value in canonical LC-B; return its end."""
    tag = data[pos]
    start = pos
    pos += 1
    if tag in (0x00, 0x0A, 0x0B):
        out.append(("scalar", start, None))
        return pos
    if tag == 0x01:
        end = pos
        while data[end] & 0x80:
            end += 1
        out.append(("int", start, end + 1))
        return end + 1
    if tag == 0x02:
        out.append(("float", start, None))
        return pos + 8
    if tag in (0x03, 0x04, 0x09):
        n, pos = _uleb(data, pos)
        out.append(("text" if tag == 0x03 else "blob", start, (pos, n)))
        return pos + n
    if tag == 0x05:
        out.append(("array", start, None))
        while data[pos] != 0x06:
            pos = _walk(data, pos, out)
        return pos + 1
    if tag == 0x07:
        _, pos = _uleb(data, pos)
        count_at = pos
        n, pos = _uleb(data, pos)
        entries = []
        for _ in range(n):
            entry = pos
            _, pos = _uleb(data, pos)
            pos = _walk(data, pos, out)
            entries.append((entry, pos))
        out.append(("contract", start, (count_at, entries)))
        return pos + 1
    n, pos = _uleb(data, pos)  # 0x0C map
    entries = []
    for _ in range(n):
        entry = pos
        k, pos = _uleb(data, pos)
        pos = _walk(data, pos + k, out)
        entries.append((entry, pos))
    out.append(("map", start, (None, entries)))
    return pos + 1


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        b = data[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, pos


def _lcb_mutate(rng: random.Random, data: bytes) -> tuple[str, bytes] | None:
    nodes: list = []
    _walk(data, 0, nodes)
    kinds = {k for k, _, _ in nodes}
    options = ["trailing", "bad_tag"] + (["truncate"] if len(data) > 1 else [])
    options += ["nonminimal", "overflow"] if "int" in kinds else []
    options += ["negzero", "nan"] if "float" in kinds else []
    options += ["bad_utf8"] if any(k == "text" and x[1] for k, _, x in nodes) else []
    multi = [(k, x) for k, _, x in nodes if k in ("contract", "map") and len(x[1]) > 1]
    options += ["swap"] * 2 if multi else []
    m = rng.choice(options)
    b = bytearray(data)
    if m == "truncate":
        return m, bytes(b[:-rng.randint(1, min(3, len(b) - 1))])
    if m == "trailing":
        return m, bytes(b + bytes([rng.choice((0x00, 0x06, 0x2A))]))
    if m == "bad_tag":
        _, at, _ = rng.choice(nodes)
        b[at] = rng.choice((0x0E, 0x10, 0x42, 0xFF))
        return m, bytes(b)
    if m in ("nonminimal", "overflow"):
        _, at, end = rng.choice([n for n in nodes if n[0] == "int"])
        if m == "overflow":
            payload = bytes([0x80] * 9 + [0x01])
        else:
            last = b[end - 1]
            payload = bytes(b[at + 1:end - 1]) + bytes([last | 0x80, 0x7F if last & 0x40 else 0x00])
        return m, bytes(b[:at + 1] + payload + b[end:])
    if m in ("negzero", "nan"):
        _, at, _ = rng.choice([n for n in nodes if n[0] == "float"])
        b[at + 1:at + 9] = bytes.fromhex("8000000000000000" if m == "negzero"
                                         else "7ff8000000000000")
        return m, bytes(b)
    if m == "bad_utf8":
        _, _, (at, _) = rng.choice([n for n in nodes if n[0] == "text" and n[2][1]])
        b[at] = 0xFF
        return m, bytes(b)
    _, (_, entries) = rng.choice(multi)  # swap two adjacent entries: order or duplicate errors
    i = rng.randrange(len(entries) - 1)
    (a0, a1), (b0, b1) = entries[i], entries[i + 1]
    return m, bytes(b[:a0] + b[b0:b1] + b[a0:a1] + b[b1:])


def _lcb_make(rng: random.Random, split: str) -> Draft:
    def gen():
        v = ValueGen(rng, rng.choice((SHAPED, BASIC)), wide=wide_for(rng, split)).value()
        m, bad = _lcb_mutate(rng, lcb.encode(v))
        try:
            lcb.decode(bad)
        except HLXError as e:
            return skeleton(v, f"err-lcb-{m}:"), (bad, e)
        return None, None

    sk, (bad, err) = sample(split, gen, what="errors_lcb")
    answer = error_answer(err)
    tid, request = LCB_TEMPLATES.render(rng, split, text=lcb.to_hex(bad))
    return Draft(request, answer, {"kind": "error", "format": "lcb", "expected": answer}, sk,
                 tid, ("lcb",))


ERRORS_LCB = Family(
    "errors_lcb", "malformed LC-B (truncated, trailing bytes, bad tags, non-minimal LEB128, "
    "-0.0, NaN, bad UTF-8, key/field order), asked for `CODE byte N`", {"coordinator": 2},
    _lcb_make, grade_error)
