"""Every task family, by name.  A family is a :class:`helix_corpus.core.Family`; to add one, write
its module and add it to :data:`FAMILIES` (its ``tracks`` say which corpora use it and how much).

Program evaluation, formatting / minify and language-service families plug in the same way once
``helix_lang.hlxl.interp``, ``helix_lang.hlxl.fmt`` and ``helix_lang.service`` exist.
"""

from __future__ import annotations

from ..core import Family
from .contracts import (
    CONTRACT_ASCII,
    CONTRACT_BUILD,
    CONTRACT_FIELDS,
    CONTRACT_RUNIC,
    CONTRACT_SUGAR,
    CONTRACT_VALIDATE,
)
from .errors import ERRORS_ASCII, ERRORS_LCB, ERRORS_RUNIC
from .facts import GLYPH_FACTS, HLX_FACTS
from .handles import HANDLE_NOTATION, HANDLE_TABLE
from .kinds import KIND_OF
from .programs import GLYPH_OPTIMISE, HLX_TO_HLXL, TRANSLIT
from .routing import ROUTE
from .values import (
    CANONICAL,
    COMPACT_ASCII,
    COMPACT_RUNIC,
    CONVERT,
    DESCRIBE,
    LCB_DECODE,
    LCB_ENCODE,
    LCR_MASTERY,
    LCT_MASTERY,
)

__all__ = ["FAMILIES", "families_of"]

FAMILIES: dict[str, Family] = {f.name: f for f in (
    # phase 1: general foundation
    CONVERT, LCB_ENCODE, LCB_DECODE, DESCRIBE, CANONICAL, KIND_OF, CONTRACT_BUILD,
    CONTRACT_FIELDS, CONTRACT_VALIDATE, HANDLE_NOTATION, HANDLE_TABLE, TRANSLIT,
    # phase 2: ASCII specialist
    LCT_MASTERY, COMPACT_ASCII, CONTRACT_ASCII, CONTRACT_SUGAR, ERRORS_ASCII, HLX_TO_HLXL,
    # phase 2: runic specialist
    LCR_MASTERY, COMPACT_RUNIC, CONTRACT_RUNIC, GLYPH_FACTS, ERRORS_RUNIC, GLYPH_OPTIMISE,
    # coordinator
    ROUTE, HLX_FACTS, ERRORS_LCB,
)}


def families_of(track: str) -> dict[str, Family]:
    """The families of one corpus, sorted by name."""
    return {n: FAMILIES[n] for n in sorted(FAMILIES) if track in FAMILIES[n].tracks}
