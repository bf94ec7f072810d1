"""Loading and running programs for the generators and the graders, with small memo caches.

A program family runs its program when it makes an example, and the build re-grades the
completion right after, which runs (or loads) the same text again; a program is also often asked
several questions.  :func:`outcome` and :func:`load_error` remember the last few hundred texts, so
each is loaded and run once.  The caches only save time: a program's outcome depends on nothing
but its text and track (every run gets a fresh store), so answers never depend on them.

Runs are bounded by :data:`MAX_STEPS` evaluation steps (``E_STEP_LIMIT`` beyond), generated
programs and graded answers alike, so a model's endless loop is a wrong answer, not a hang.

>>> o = outcome("program p { block main() { return [7 / 2, -7 % 3]; } }")
>>> o.ok, o.text("hlxl"), o.text("hlx")
(True, '[3, 2]', '[3, 2]')
>>> outcome("program p { block main() { return 1 / 0; } }").text("hlxl")
'E_DIV_ZERO'
>>> load_error("program p { block main() { return 1 } }").code
'E_LC_PARSE'
>>> opaque({"h": (1, "a")}), opaque(Handle("node_ea113457051ca7b6"))
(False, True)
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, NamedTuple

from helix_lang import FORMATS, HLXError
from helix_lang.hlxl.interp import Interpreter
from helix_lang.hlxl.parser import load
from helix_lang.values import Contract, Handle

__all__ = ["MAX_STEPS", "GEN_STEPS", "Outcome", "outcome", "load_error", "opaque",
           "CACHE_SIZE"]

#: Step bound of a graded run (HLX-SPEC §10.4 asks hosts for at least 10**6 statements).
MAX_STEPS = 1_000_000
#: Step bound of the generators' runs: a program that needs more is no question to work out by
#: hand, and stopping it early keeps generation fast.
GEN_STEPS = 20_000
CACHE_SIZE = 512

_CONTENT_HANDLE = re.compile(r".*_[0-9a-f]{16}\Z")
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


class Outcome(NamedTuple):
    """What running a program gives: its value, or the error that ended it."""

    value: Any
    error: HLXError | None

    @property
    def ok(self) -> bool:
        return self.error is None

    def text(self, fmt: str) -> str:
        """The canonical answer: the value literal in ``fmt`` (``hlxl`` or ``hlx``), or the
        error code."""
        return FORMATS[fmt].dump(self.value) if self.error is None else self.error.code


class _Memo:
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict = OrderedDict()

    def get(self, key):
        value = self.data.get(key, _Memo)
        if value is not _Memo:
            self.data.move_to_end(key)
        return value

    def put(self, key, value) -> None:
        self.data[key] = value
        if len(self.data) > self.size:
            self.data.popitem(last=False)


_OUTCOMES = _Memo(CACHE_SIZE)
_LOADS = _Memo(CACHE_SIZE)


def outcome(text: str, track: str = "hlxl", *, max_steps: int = MAX_STEPS) -> Outcome:
    """Run ``text`` (a program of ``track``) with a fresh store and at most ``max_steps``
    evaluation steps (``E_STEP_LIMIT`` beyond)."""
    key = (track, text)
    got = _OUTCOMES.get((track, text, max_steps))
    if got is _Memo:
        try:
            program = Interpreter(text, track=track, max_steps=max_steps)
        except HLXError as e:
            got = Outcome(None, e)
            _LOADS.put(key, e)
        else:
            _LOADS.put(key, None)
            try:
                got = Outcome(program.run(), None)
            except HLXError as e:
                got = Outcome(None, e)
        _OUTCOMES.put((track, text, max_steps), got)
    return got


def load_error(text: str, track: str = "hlxl") -> HLXError | None:
    """The error that stops ``text`` from loading as a program of ``track``, else None."""
    key = (track, text)
    got = _LOADS.get(key)
    if got is _Memo:
        try:
            load(text, track=track)
            got = None
        except HLXError as e:
            got = e
        _LOADS.put(key, got)
    return got


def opaque(v: Any) -> bool:
    """Whether a value holds something no reader can work out by hand: a content handle
    (``&h_tag_<16 hex>``, a BLAKE3 digest) or a 64-digit fingerprint."""
    if isinstance(v, Handle):
        return _CONTENT_HANDLE.match(v.name) is not None
    if isinstance(v, str):
        return _FINGERPRINT.search(v) is not None
    if isinstance(v, tuple):
        return any(opaque(x) for x in v)
    if isinstance(v, dict):
        return any(opaque(x) for x in v.values())
    if isinstance(v, Contract):
        return any(opaque(x) for x in v.fields.values())
    return False
