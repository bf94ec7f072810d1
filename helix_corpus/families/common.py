"""Helpers the family modules share: format labels, value sampling by split, spelling a value."""

from __future__ import annotations

import random

from helix_lang import FORMATS

from ..core import sample
from ..spelling import join, lcb_messy, tokens
from ..valuegen import BASIC, Profile, ValueGen, skeleton

__all__ = ["LABEL", "wide_for", "sample_value", "spell", "dump"]

#: How prompts name the formats.
LABEL = {"hlxl": "HLXL", "hlx": "HLX", "lct": "LC-T", "lcr": "LC-R", "lcb": "LC-B hex"}


def wide_for(rng: random.Random, split: str) -> bool:
    """Whether this example may use the held-out value ranges (never in train)."""
    return split != "train" and rng.random() < 0.3


def sample_value(rng: random.Random, split: str, profile: Profile = BASIC, *, prefix: str = "",
                 what: str = "value"):
    """``(skeleton, value)`` with a value whose skeleton belongs to ``split``."""
    def gen():
        v = ValueGen(rng, profile, wide=wide_for(rng, split)).value()
        return skeleton(v, prefix), v
    return sample(split, gen, what=what)


def dump(v, fmt: str) -> str:
    return FORMATS[fmt].dump(v)


def spell(v, fmt: str, rng: random.Random | None = None) -> str:
    """``v`` in ``fmt``: canonical without ``rng``, a random non-canonical spelling with one."""
    if rng is None:
        return dump(v, fmt)
    if fmt == "lcb":
        return lcb_messy(dump(v, fmt), rng)
    return join(tokens(v, fmt, rng), fmt, rng)
