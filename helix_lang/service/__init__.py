"""The HLX language service (HLX-SPEC §12): HLXL-LS and HLX-LS as a library.

One API serves both tracks and both users — the corpus generator, which needs the canonical,
checkable answers of §12, and the editor (:mod:`helix_lang.lsp`), which also wants recovery,
warnings, quick fixes and documentation.  Every operation takes the source text (or an
:class:`Analysis` of it), the track (``"hlxl"`` or ``"hlx"``) and, where it needs one, a position:
**0-based line and 0-based column counted in code points** (§12.1; lines split on LF only).  An HLX
document is analysed through its transliteration and every position is mapped back to it (§12.7).

Each operation returns a structured result whose ``render()`` (or :func:`render` for diagnostics)
is the canonical answer; :func:`answer` does it all in one call:

>>> src = "program p { block main() { let xs = [1, 2]; return xs; } }"
>>> answer("type", "hlxl", src, 0, 31)
'Array<Int>'
>>> hover(src, 0, 31).render()
'type: Array<Int>\\nlet xs'
>>> [str(r.start) for r in references(src, 0, 52)]
['0:31', '0:51']

==================  ============================================================
operation           result
==================  ============================================================
``diagnostics``     ``list[Diagnostic]`` (canonical ones flagged) → :func:`render`
``complete``        :class:`Completions` (canonical candidates flagged)
``hover``           :class:`Hover` or None; ``type_at`` → str or None
``definition``      :class:`Range` of the declaring token, or None
``references``      ``list[Range]``
``rename``          :class:`RenameResult` (``error`` when the new name is refused)
``prepare_rename``  :class:`Range` or None
``sort_fields``     :class:`Rewrite` (§12.10)
``convert_contract`` :class:`Rewrite` (§12.10)
``format_document`` :class:`Rewrite` (§12.11)
``document_symbols`` ``list[Symbol]``
==================  ============================================================
"""

from .analysis import TRACKS, Analysis, analyze
from .answers import OPS, answer
from .completion import complete
from .diagnostics import WARNING_CODES, diagnostics, render
from .hover import hover, type_at
from .model import (
    Completion,
    Completions,
    Diagnostic,
    Edit,
    Fix,
    Hover,
    LineIndex,
    Pos,
    Range,
    RenameResult,
    Rewrite,
    Symbol,
)
from .navigation import definition, document_symbols, prepare_rename, references, rename
from .refactor import convert_contract, format_document, sort_fields

__all__ = [
    "OPS",
    "TRACKS",
    "WARNING_CODES",
    "Analysis",
    "Completion",
    "Completions",
    "Diagnostic",
    "Edit",
    "Fix",
    "Hover",
    "LineIndex",
    "Pos",
    "Range",
    "RenameResult",
    "Rewrite",
    "Symbol",
    "analyze",
    "answer",
    "complete",
    "convert_contract",
    "definition",
    "diagnostics",
    "document_symbols",
    "format_document",
    "hover",
    "prepare_rename",
    "references",
    "rename",
    "render",
    "sort_fields",
    "type_at",
]
