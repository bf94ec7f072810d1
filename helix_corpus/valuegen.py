"""Seeded random HLX values, their skeletons and their English descriptions.

``ValueGen(rng, profile).value()`` draws a value whose size and nesting follow a
:class:`Profile`; :func:`skeleton` names its shape (kinds and nesting, not contents), which is
what splits hold out; :func:`describe` spells it in plain English so unambiguously that the value
can be rebuilt from the words (every container announces how many children follow).

>>> v = ValueGen(random.Random(3), BASIC).value()
>>> skeleton((1, "a", {"k": None})), skeleton(5), skeleton(10**9)
('[i,t,{k:n}]', '~i', '~i!')
>>> describe((1, "a b"))
'an array of 2 elements: the integer 1 and the text "a b"'
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from helix_lang import lexical
from helix_lang.contracts import REGISTRY
from helix_lang.values import INT_MAX, INT_MIN, Contract, Handle, depth

__all__ = [
    "Profile", "BASIC", "MEDIUM", "DEEP", "ESCAPES", "ValueGen", "skeleton", "shape", "describe",
    "WIDE_INT", "TEXT_CHARS", "WORDS", "HANDLE_NAMES", "BARE_KEYS", "QUOTED_KEYS", "hex_spaced",
    "hlxl_text",
]

#: Ints beyond this magnitude (and contract ids beyond it) are a held-out range: never in train.
WIDE_INT = 10**6

WORDS = ("alpha", "beta", "gamma", "delta", "main", "compute", "vertex", "hello", "world", "node",
         "data", "user", "item", "value", "blur", "read", "write", "search", "left", "right",
         "zeta", "cache", "shader", "kernel", "render", "queue", "token", "frame", "north", "ok")
HANDLE_NAMES = ("vs", "fs", "spirv", "blur_cs", "documents", "users", "active", "ast", "body",
                "fb", "node_0", "x", "h1", "main_cs", "img_out", "tbl", "a", "b", "c", "k9",
                "mesh", "pass_2", "depth_fb", "lut", "Cfg", "V2", "in_0", "out_1")
BARE_KEYS = ("a", "b", "c", "k", "x", "y", "id", "name", "size", "type", "usage", "stage_idx",
             "count", "items", "op", "kind", "meta", "tags", "NULL", "TRUE", "age", "z_9", "Key")
#: Keys that are quoted in at least one format (``C`` in LC-T/LC-R, reserved words in HLXL/HLX).
QUOTED_KEYS = ("a b", "", "1x", "C", "let", "null", "program", "é", "key-1", "x.y", "if", "ü")
#: Every non-ASCII character a generated text may contain (the lint whitelist includes them).
UNICODE_LETTERS = "éüñßøçåæΩλπ中文字"
EMOJI = "😀🚀🌟"
COMBINING_ACUTE = "\u0301"
TEXT_CHARS = UNICODE_LETTERS + EMOJI + COMBINING_ACUTE
_TRICKY_TEXTS = ("&h_x", "@x", "⟁x", "NULL", "null", "{C:1}", "🜊14🜁0 42🜂 is just text",
                 "let |> &h_x", "// not a comment", "#00ff", "x\"00\"", "[1, 2]", "⊢ stays",
                 "true", "🜃🜄", "◇◆", "∅")
_ESCAPE_PIECES = ('"', "\\", "\n", "\t", "\r", "\x1b", "\x00", "\x7f", "a\"b", "C:\\dir")

_INVENTED_FIRST = "abcdefghijklmnopqrstuvwxyz" * 3 + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_INVENTED_CHARS = "abcdefghijklmnopqrstuvwxyz" * 4 + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

_REGISTERED_IDS = (14, 15, 16, 17, 18, 19, 20, 21, 22, 900, 901, 902, 1000, 820, 104)
_UNREGISTERED_IDS = (7, 8, 9, 42, 77, 127, 128, 500, 5000, 65536, 123456)
_WIDE_IDS = (4294967295, 3000000000, 12345678, 2147483648)


@dataclass(frozen=True)
class Profile:
    """How big a random value may be: nesting (``max_depth``; ``min_depth`` forces a nested
    spine), children per container, a node ``budget``, the chance that a node is a container
    and the mix of text styles (plain / unicode / escape / tricky)."""

    max_depth: int = 2
    max_width: int = 3
    budget: int = 8
    min_depth: int = 0
    containers: float = 0.35
    text_styles: tuple[int, int, int, int] = (6, 2, 2, 1)
    registered: float = 0.5
    #: Share of texts, handle names and map keys made of invented letter strings instead of the
    #: fixed word lists, so a model learns to copy any spelling, not only the lists' words.
    invented: float = 0.0


BASIC = Profile()
MEDIUM = Profile(max_depth=3, max_width=4, budget=14, containers=0.4)
DEEP = Profile(max_depth=8, max_width=3, budget=26, min_depth=4, containers=0.45)
ESCAPES = Profile(max_depth=3, max_width=4, budget=12, containers=0.35, text_styles=(1, 4, 6, 2))


class ValueGen:
    """Draws values for one example; ``wide=True`` allows the held-out Int/id ranges."""

    def __init__(self, rng: random.Random, profile: Profile = BASIC, *, wide: bool = False):
        self.rng = rng
        self.p = profile
        self.wide = wide
        self.budget = profile.budget

    def value(self, d: int = 0, must: int | None = None):
        if must is None:
            must = self.p.min_depth
        self.budget -= 1
        room = d < self.p.max_depth and self.budget > 0
        if must > 0 or (room and self.rng.random() < self.p.containers):
            return self.container(d, must)
        return self.scalar()

    # -- containers ------------------------------------------------------------------------
    def _count(self, must: int) -> int:
        n = self.rng.randint(1 if must else 0, self.p.max_width)
        return max(1 if must else 0, min(n, self.budget))

    def _children(self, n: int, d: int, must: int) -> list:
        spine = self.rng.randrange(n) if n and must > 0 else -1
        return [self.value(d + 1, must - 1 if i == spine else 0) for i in range(n)]

    def container(self, d: int, must: int = 0):
        r = self.rng.random()
        n = self._count(must)
        if r < 0.4:
            return tuple(self._children(n, d, must))
        if r < 0.75:
            keys = self.keys(n)
            return dict(zip(keys, self._children(len(keys), d, must)))
        return self.contract(n, d, must)

    def keys(self, n: int) -> list[str]:
        if self.p.invented and self.rng.random() < self.p.invented:
            return list(dict.fromkeys(self.invented_word() for _ in range(n)))
        pool = list(BARE_KEYS)
        if self.rng.random() < 0.35:
            pool += QUOTED_KEYS
        return self.rng.sample(pool, n)

    def contract(self, n: int, d: int, must: int = 0) -> Contract:
        rng = self.rng
        if self.wide and rng.random() < 0.3:
            cid = rng.choice(_WIDE_IDS)
        elif rng.random() < self.p.registered:
            cid = rng.choice(_REGISTERED_IDS)
        else:
            cid = rng.choice(_UNREGISTERED_IDS)
        pool = list(range(6)) + ([127, 128, 255, 65535] if rng.random() < 0.2 else [])
        indices = sorted(rng.sample(pool, min(n, len(pool))))
        return Contract(cid, dict(zip(indices, self._children(len(indices), d, must))))

    # -- scalars ---------------------------------------------------------------------------
    def scalar(self):
        r = self.rng.random()
        if r < 0.07:
            return None
        if r < 0.15:
            return self.rng.random() < 0.5
        if r < 0.42:
            return self.int()
        if r < 0.54:
            return self.float()
        if r < 0.80:
            return self.text()
        if r < 0.88:
            return self.bytes()
        return self.handle()

    def int(self) -> int:
        rng = self.rng
        if self.wide and rng.random() < 0.6:
            r = rng.random()
            if r < 0.15:
                return rng.choice((INT_MAX, INT_MIN, INT_MAX - 1, INT_MIN + 1))
            mag = rng.randint(WIDE_INT + 1, 10 ** rng.randint(7, 18))
            return mag if rng.random() < 0.7 else -mag
        r = rng.random()
        if r < 0.55:
            return rng.randint(-20, 130)
        if r < 0.85:
            return rng.randint(-5000, 70000)
        return rng.randint(-WIDE_INT, WIDE_INT)

    def float(self) -> float:
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            return rng.randint(-40, 40) / 4
        if r < 0.65:
            return round(rng.uniform(-1000, 1000), rng.randint(1, 4)) or 0.5
        if r < 0.8:
            return rng.choice((0.1, 0.2, 0.30000000000000004, 3.14159, 2.718, 1e-05, 0.0001,
                               1e+16, 1e-07, 6.02e+23, 1.5e+300, -0.5, 100.0, 0.0))
        return float(f"{rng.randint(1, 99)}e{rng.choice((-9, -6, -5, 17, 20, 30))}")

    def invented_word(self) -> str:
        """A made-up name: a letter, then up to 7 letters, digits or underscores."""
        rng = self.rng
        rest = "".join(rng.choice(_INVENTED_CHARS) for _ in range(rng.randint(0, 7)))
        return rng.choice(_INVENTED_FIRST) + rest

    def text(self) -> str:
        rng = self.rng
        if self.p.invented and rng.random() < self.p.invented:
            words = [self.invented_word() for _ in range(rng.randint(1, 2))]
            if rng.random() < 0.25:
                w = words[0]
                i = rng.randrange(len(w) + 1)
                words[0] = w[:i] + rng.choice(UNICODE_LETTERS + EMOJI + "\"\\\n\t") + w[i:]
            return " ".join(words)
        style = rng.choices(range(4), self.p.text_styles)[0]
        if style == 0:
            return " ".join(rng.sample(WORDS, rng.randint(1, 2))) if rng.random() < 0.9 else ""
        if style == 1:
            word = rng.choice(WORDS)
            i = rng.randrange(len(word) + 1)
            extra = rng.choice(UNICODE_LETTERS + EMOJI)
            return word[:i] + extra + word[i:]
        if style == 2:
            word = rng.choice(WORDS)
            return word + rng.choice(_ESCAPE_PIECES) + (rng.choice(WORDS) if rng.random() < 0.5
                                                        else "")
        return rng.choice(_TRICKY_TEXTS)

    def bytes(self) -> bytes:
        return bytes(self.rng.randrange(256) for _ in range(self.rng.randint(0, 5)))

    def handle(self) -> Handle:
        if self.p.invented and self.rng.random() < self.p.invented:
            return Handle(self.invented_word())
        return Handle(self.rng.choice(HANDLE_NAMES))


# -- skeletons -------------------------------------------------------------------------------
def _text_class(s: str) -> str:
    if any(ch in '"\\' or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in s):
        return "e"
    return "t" if s.isascii() else "u"


def _key_class(k: str) -> str:
    ok = lexical.bare_key_ok(k, hlxl=True) and lexical.bare_key_ok(k, hlxl=False)
    return "k" if ok else "q"


def shape(v) -> str:
    """The shape signature of a value: kinds and nesting; key and text classes; contract ids;
    ``!`` marks a held-out range (|Int| or contract id above 10**6)."""
    t = type(v)
    if v is None:
        return "n"
    if t is bool:
        return "b"
    if t is int:
        return "i!" if abs(v) > WIDE_INT else "i"
    if t is float:
        return "f"
    if t is str:
        return _text_class(v)
    if t is bytes:
        return "x"
    if t is Handle:
        return "h"
    if t is tuple or t is list:
        return "[" + ",".join(shape(x) for x in v) + "]"
    if t is dict:
        return "{" + ",".join(f"{_key_class(k)}:{shape(v[k])}" for k in sorted(v)) + "}"
    if t is Contract:
        cid = str(v.id) if v.id in REGISTRY else ("?!" if v.id > WIDE_INT else "?")
        return f"C{cid}(" + ",".join(f"{i}:{shape(v.fields[i])}" for i in sorted(v.fields)) + ")"
    raise TypeError(f"not an HLX value: {t.__name__}")


def skeleton(v, prefix: str = "") -> str:
    """``prefix + shape(v)``, marked basic (``~``, always train) when ``v`` is a scalar."""
    s = prefix + shape(v)
    return "~" + s if depth(v) == 0 else s


# -- English ---------------------------------------------------------------------------------
def hex_spaced(b: bytes) -> str:
    return " ".join(f"{x:02x}" for x in b)


def hlxl_text(s: str) -> str:
    """A text in HLXL string notation (the notation descriptions quote texts in)."""
    return lexical.quote(s, ascii_only=False)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def describe(v) -> str:
    """Plain English for a value, unambiguous because containers give their size first."""
    t = type(v)
    if v is None:
        return "null"
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return f"the integer {v}"
    if t is float:
        return f"the float {lexical.format_float(v)}"
    if t is str:
        return "the empty text" if v == "" else f"the text {hlxl_text(v)}"
    if t is bytes:
        return "empty bytes" if not v else f"the bytes {hex_spaced(v)}"
    if t is Handle:
        return f"the handle named {v.name}"
    if t is tuple or t is list:
        if not v:
            return "an empty array"
        return f"an array of {_plural(len(v), 'element')}: " + _join([describe(x) for x in v])
    if t is dict:
        if not v:
            return "an empty map"
        return f"a map of {_plural(len(v), 'entry', 'entries')}: " + _join(
            [f"key {hlxl_text(k)} set to {describe(v[k])}" for k in sorted(v)])
    if t is Contract:
        if not v.fields:
            return f"contract {v.id} with no fields"
        return f"contract {v.id} with {_plural(len(v.fields), 'field')}: " + _join(
            [f"field @{i} set to {describe(v.fields[i])}" for i in sorted(v.fields)])
    raise TypeError(f"not an HLX value: {t.__name__}")
