"""A small built-in corpus in the ``helix_corpus`` record format, for tests and the CPU demo.

It stands in until ``helix_corpus`` builds the real corpora, and stays as the fixture generator
of ``tests/train/data``.  Every completion is computed with ``helix_lang`` (never written by hand),
values are small so a tiny model can learn them in minutes, and the splits are disjoint by value.

Tracks and tasks:

* ``general``: translation between HLXL, LC-T and LC-R, over primitives, arrays, objects and
  contracts (``task`` = ``translate_<src>_<dst>``).
* ``ascii``: LC-T generation from HLXL, HLXL from LC-T, and an HLXL-LS check (``ok`` or the
  error code ``helix_lang`` reports).
* ``runic``: the same with LC-R and HLX.
* ``coordinator``: routing a request to ``ascii`` or ``runic``, and LC-B encoding.

>>> rows = build_track("general", "train", 4, seed=0)
>>> sorted(rows[0]) == sorted(["id", "phase", "track", "task", "split", "prompt", "completion", "meta"])
True
"""

from __future__ import annotations

import random
from pathlib import Path

import helix_lang
from helix_lang import Contract, HLXError

from .data import SPLITS, TRACKS, write_jsonl

__all__ = ["build_track", "build_corpus", "SIZES", "SYSTEM"]

SYSTEM = "You are Helix, an expert in the HLX language family."
NAMES = {"hlxl": "HLXL", "hlx": "HLX", "lct": "LC-T", "lcr": "LC-R", "lcb": "LC-B"}
#: Examples per split for each size preset.
SIZES = {"tiny": {"train": 240, "val": 32, "test": 32},
         "fixture": {"train": 48, "val": 8, "test": 8}}
_SPLIT_SALT = {"train": 0, "val": 1_000_003, "test": 2_000_003}
_KEYS = "abcdxyz"


def _value(rng: random.Random, kind: str):
    if kind == "primitive":
        return rng.choice([rng.randint(0, 99), True, False, None, rng.choice(["hi", "ok", "x"])])
    if kind == "array":
        return [rng.randint(0, 9) for _ in range(rng.randint(1, 3))]
    if kind == "object":
        keys = rng.sample(_KEYS, rng.randint(1, 2))
        return {k: rng.randint(0, 9) for k in sorted(keys)}
    idx = sorted(rng.sample(range(3), rng.randint(1, 2)))
    return Contract(rng.randint(1, 20), {i: rng.randint(0, 9) for i in idx})


def _record(track: str, split: str, n: int, task: str, user: str, answer: str, meta: dict) -> dict:
    phase = {"general": "general", "coordinator": "coordinator"}.get(track, "specialist")
    return {"id": f"{track}-{split}-{n:05d}", "phase": phase, "track": track, "task": task,
            "split": split, "prompt": [{"role": "system", "content": SYSTEM},
                                       {"role": "user", "content": user}],
            "completion": [{"role": "assistant", "content": answer}], "meta": meta}


def _translate(rng, track, split, n, src, dst, kind) -> dict:
    value = helix_lang.make(_value(rng, kind))
    text = helix_lang.dump(value, src)
    answer = helix_lang.dump(value, dst)
    user = f"Convert this {NAMES[src]} to {NAMES[dst]}: {text}"
    return _record(track, split, n, f"translate_{src}_{dst}", user, answer,
                   {"answer_format": dst, "kind": kind, "source_format": src})


def _ls_check(rng, track, split, n, fmt) -> dict:
    value = helix_lang.make(_value(rng, rng.choice(["object", "contract"])))
    text = helix_lang.dump(value, fmt)
    if rng.random() < 0.5:  # break it: duplicate a key / swap contract fields / drop a closer
        text = text[:-1]
    try:
        helix_lang.parse(text, fmt)
        answer = "ok"
    except HLXError as e:
        answer = e.code
    user = f"Check this {NAMES[fmt]} value and answer ok or the error code: {text}"
    return _record(track, split, n, f"{fmt}_ls_check", user, answer, {"answer_format": None})


def _route(rng, track, split, n) -> dict:
    fmt = rng.choice(["hlxl", "lct", "lcr"])  # HLX values print like HLXL: only LC-R is runic
    value = helix_lang.make(_value(rng, rng.choice(["array", "object", "contract"])))
    user = f"Route this request to a specialist: explain {helix_lang.dump(value, fmt)}"
    answer = "runic" if fmt == "lcr" else "ascii"
    return _record(track, split, n, "route", user, answer, {"answer_format": None})


def _example(rng: random.Random, track: str, split: str, n: int) -> dict:
    kind = rng.choice(["primitive", "array", "object", "contract"])
    if track == "general":
        src, dst = rng.sample(["hlxl", "lct", "lcr"], 2)
        return _translate(rng, track, split, n, src, dst, kind)
    if track in ("ascii", "runic"):
        text_fmt, lc_fmt = ("hlxl", "lct") if track == "ascii" else ("hlx", "lcr")
        r = rng.random()
        if r < 0.45:
            return _translate(rng, track, split, n, text_fmt, lc_fmt, kind)
        if r < 0.8:
            return _translate(rng, track, split, n, lc_fmt, text_fmt, kind)
        return _ls_check(rng, track, split, n, text_fmt)
    if rng.random() < 0.6:
        return _route(rng, track, split, n)
    return _translate(rng, track, split, n, "lct", "lcb", kind)


def build_track(track: str, split: str, count: int, *, seed: int = 0,
                exclude: set[str] | frozenset[str] = frozenset()) -> list[dict]:
    """``count`` distinct records of ``track``/``split`` whose user prompt is not in ``exclude``."""
    if track not in TRACKS or split not in SPLITS:
        raise ValueError(f"unknown track/split `{track}`/`{split}`")
    rng = random.Random(f"{seed}-{track}-{_SPLIT_SALT[split]}")
    rows, seen = [], set(exclude)
    while len(rows) < count:
        row = _example(rng, track, split, len(rows))
        key = row["prompt"][1]["content"]
        if key in seen:
            continue
        seen.add(key)
        rows.append(row)
    return rows


def build_corpus(out_dir: str | Path, *, size: str = "tiny", seed: int = 0,
                 tracks: tuple[str, ...] = TRACKS) -> Path:
    """Write ``<out_dir>/<track>/<split>.jsonl`` for every track and split; returns ``out_dir``.

    Splits are built in order train, val, test, each avoiding the prompts of the earlier ones.
    """
    if size not in SIZES:
        raise ValueError(f"unknown size `{size}`; expected one of {', '.join(SIZES)}")
    out = Path(out_dir)
    for track in tracks:
        taken: set[str] = set()
        for split in SPLITS:
            rows = build_track(track, split, SIZES[size][split], seed=seed, exclude=taken)
            taken |= {r["prompt"][1]["content"] for r in rows}
            write_jsonl(out / track / f"{split}.jsonl", rows)
    return out


if __name__ == "__main__":  # python -m helix_train.minicorpus OUT_DIR [SIZE]
    import sys

    build_corpus(sys.argv[1], size=sys.argv[2] if len(sys.argv) > 2 else "tiny")
