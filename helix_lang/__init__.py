"""helix_lang — the HLX language family: value model, every wire format, conversion, hashing.

>>> import helix_lang
>>> helix_lang.convert('{14: {@0: 123}}', "hlxl", "lct")
'{C:14,0=123}'
>>> try:
...     helix_lang.convert('{C:14,1=1,0=2}', "lct", "hlxl")
... except helix_lang.HLXError as e:
...     print(e.code)
E_FIELD_ORDER
"""

from ._version import __version__
from .convert import FORMAT_NAMES, FORMATS, convert, dump, parse
from .errors import CODES, HLXError
from .hashing import content_handle, content_handle_text, fingerprint
from .translit import to_hlx, to_hlxl
from .values import Contract, Handle, equal, kind, make

__all__ = [
    "__version__", "HLXError", "CODES", "convert", "parse", "dump", "FORMATS", "FORMAT_NAMES",
    "fingerprint", "content_handle", "content_handle_text", "to_hlx", "to_hlxl",
    "Contract", "Handle", "equal", "kind", "make",
]
