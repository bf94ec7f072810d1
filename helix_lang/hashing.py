"""Fingerprints and content handles (HLX-SPEC §3).

The fingerprint of a value is BLAKE3-256 over its LC-B bytes (64 lowercase hex digits); its
content handle is ``&h_<tag>_<first 16 hex digits>``, the tag defaulting to the kind name.

>>> fingerprint(123)
'ea113457051ca7b6342c1c695a317ef6b2645a1eb6d0d434f96fe6de04c0679c'
>>> content_handle_text("hello")
'&h_text_b64e3edb2838c3b9'
>>> from helix_lang.values import Contract
>>> content_handle(Contract(14, {0: 123}), tag="node")
Handle('node_ee9c4d1fa1b01303')
"""

from __future__ import annotations

from typing import Any

from blake3 import blake3

from .errors import HLXError
from .formats.lcb import encode
from .values import HANDLE_NAME, Handle, kind

__all__ = ["fingerprint", "content_handle", "content_handle_text"]


def fingerprint(value: Any) -> str:
    """BLAKE3-256 of the value's LC-B encoding, as 64 lowercase hex digits."""
    return blake3(encode(value)).hexdigest()


def _name(value: Any, tag: str | None) -> str:
    if tag is None:
        tag = kind(value)
    elif type(tag) is not str or not HANDLE_NAME.match(tag):
        raise HLXError("E_LC_PARSE",
                       f"content handle tag {tag!r} must match [A-Za-z0-9_]+ (letters, digits, "
                       f"underscore; not empty)")
    return f"{tag}_{fingerprint(value)[:16]}"


def content_handle(value: Any, tag: str | None = None) -> Handle:
    """The content handle of ``value`` as a Handle value (name ``<tag>_<16 hex digits>``)."""
    return Handle(_name(value, tag))


def content_handle_text(value: Any, tag: str | None = None) -> str:
    """The content handle of ``value`` as HLXL text: ``&h_<tag>_<16 hex digits>``."""
    return "&h_" + _name(value, tag)
