"""Any-to-any conversion between the five value formats (HLX-SPEC §9).

``convert(text, src, dst) = FORMATS[dst].dump(FORMATS[src].parse(text))``: parse with the grammar
of ``src`` (which validates and normalises), print with the canonical printer of ``dst``.  On the
``lcb`` side the text is the hex display form of §2.5.

>>> convert('{C:14,0=123}', "lct", "lcb")
'07 0e 01 00 01 fb 00 08'
>>> convert('07 0e 01 00 01 fb 00 08', "lcb", "lcr")
'🜊14🜁0 123🜂'
"""

from __future__ import annotations

from typing import Any

from .formats import hlx, hlxl, lcb, lcr, lct

__all__ = ["FORMATS", "FORMAT_NAMES", "convert", "parse", "dump"]

#: The value formats by name: modules with ``parse(text) -> Value`` and ``dump(value) -> str``.
FORMATS = {"hlxl": hlxl, "hlx": hlx, "lct": lct, "lcr": lcr, "lcb": lcb}
FORMAT_NAMES = tuple(FORMATS)


def _module(name: str):
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown format `{name}`; expected one of "
                         f"{', '.join(FORMAT_NAMES)}") from None


def parse(text: str, fmt: str) -> Any:
    """Parse ``text`` written in format ``fmt`` into a value."""
    return _module(fmt).parse(text)


def dump(value: Any, fmt: str) -> str:
    """Print ``value`` canonically in format ``fmt``."""
    return _module(fmt).dump(value)


def convert(text: str, src: str, dst: str) -> str:
    """Convert a value text from format ``src`` to format ``dst``."""
    return dump(parse(text, src), dst)
