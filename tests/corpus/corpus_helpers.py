"""Helpers of the corpus tests (the fixtures are in ``conftest.py``)."""

from __future__ import annotations

import random

#: Small sizes that still give every family of a track a few examples in every split.
SMALL = {"train": 60, "val": 20, "test": 30}


def drafts(family, n: int = 8):
    """``n`` drafts per split of a family, with the record dict its grader reads."""
    out = []
    for split in ("train", "val", "test"):
        for i in range(n):
            d = family.make(random.Random(f"{family.name}/{split}/{i}"), split)
            out.append((split, d, {"task": family.name, "grading": d.grading}))
    return out
