"""HLX value literals (HLX-SPEC §8.4): HLXL value literals on the runic track (``⟁name`` handles).

Parsing checks HLX validity (§8.3), transliterates to HLXL and parses with the HLXL grammar;
error positions are mapped back to the HLX text.

>>> parse('{1000: {@0: "search", @1: ⟁documents}}')
Contract(1000, {0: 'search', 1: Handle('documents')})
>>> dump(parse('[⟁a, {k: ⟁b}]'))
'[⟁a, {k: ⟁b}]'
"""

from __future__ import annotations

from typing import Any

from ..errors import HLXError
from ..translit import check_hlx, translit
from . import hlxl

__all__ = ["parse", "dump"]


def parse(text: str) -> Any:
    """Parse an HLX value literal; raise :class:`HLXError` (positions in the HLX text)."""
    check_hlx(text)
    mapping = translit(text, "hlxl")
    try:
        return hlxl.parse(mapping.dst)
    except HLXError as e:
        if e.line is None or not mapping.subs:
            raise
        line, col = mapping.inverse().position(e.line, e.column)
        raise e.moved(line, col) from None


def dump(value: Any) -> str:
    """Canonical HLX value literal (the HLXL literal with ``⟁`` handles)."""
    return hlxl.dump_with(value, "⟁")
