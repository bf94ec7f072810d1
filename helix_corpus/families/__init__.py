"""Every task family, by name.  A family is a :class:`helix_corpus.core.Family`; to add one, write
its module and add it to :data:`FAMILIES` (its ``tracks`` say which corpora use it and how much).

The program families run on ``helix_lang.hlxl.interp`` (evaluation, statements, plain English to
program), ``helix_lang.hlxl.types`` (static types), ``helix_lang.hlxl.fmt`` (layout) and
``helix_lang.service`` (HLXL-LS / HLX-LS).
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
from .evaluation import HLX_EVAL, HLXL_EVAL, PROGRAM_EVAL, STATEMENT_BINDS
from .facts import GLYPH_FACTS, HLX_FACTS
from .handles import HANDLE_NOTATION, HANDLE_TABLE
from .kinds import KIND_OF
from .language_service import HLX_LS, HLXL_LS
from .layout import HLX_FORMAT, HLXL_FORMAT
from .nl_programs import NL_TO_HLX_PROGRAM, NL_TO_PROGRAM
from .programs import GLYPH_OPTIMISE, HLX_TO_HLXL, TRANSLIT
from .routing import ROUTE
from .static_types import TYPE_OF_EXPR
from .values import (
    CANONICAL,
    COMPACT_ASCII,
    COMPACT_RUNIC,
    CONVERT,
    CONVERT_TEXT,
    CONVERT_TEXT_ASCII,
    CONVERT_TEXT_RUNIC,
    DESCRIBE,
    LCB_DECODE,
    LCB_ENCODE,
    LCB_TO_LCT,
    LCR_MASTERY,
    LCT_MASTERY,
    LCT_TO_LCB,
)

__all__ = ["FAMILIES", "families_of"]

FAMILIES: dict[str, Family] = {f.name: f for f in (
    # phase 1: general foundation
    CONVERT, CONVERT_TEXT, LCT_TO_LCB, LCB_TO_LCT, LCB_ENCODE, LCB_DECODE, DESCRIBE, CANONICAL, KIND_OF, CONTRACT_BUILD,
    CONTRACT_FIELDS, CONTRACT_VALIDATE, HANDLE_NOTATION, HANDLE_TABLE, TRANSLIT,
    PROGRAM_EVAL, STATEMENT_BINDS, TYPE_OF_EXPR,
    # phase 2: ASCII specialist
    CONVERT_TEXT_ASCII, LCT_MASTERY, COMPACT_ASCII, CONTRACT_ASCII, CONTRACT_SUGAR, ERRORS_ASCII, HLX_TO_HLXL,
    HLXL_EVAL, HLXL_FORMAT, HLXL_LS, NL_TO_PROGRAM,
    # phase 2: runic specialist
    CONVERT_TEXT_RUNIC, LCR_MASTERY, COMPACT_RUNIC, CONTRACT_RUNIC, GLYPH_FACTS, ERRORS_RUNIC, GLYPH_OPTIMISE,
    HLX_EVAL, HLX_FORMAT, HLX_LS, NL_TO_HLX_PROGRAM,
    # coordinator
    ROUTE, HLX_FACTS, ERRORS_LCB,
)}


def families_of(track: str) -> dict[str, Family]:
    """The families of one corpus, sorted by name."""
    return {n: FAMILIES[n] for n in sorted(FAMILIES) if track in FAMILIES[n].tracks}
