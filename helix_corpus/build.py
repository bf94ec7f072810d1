"""Building a corpus: plan sizes, generate, verify, deduplicate, split, lint, write.

``build(tracks, out, seed=…)`` writes ``out/<track>/{train,val,test}.jsonl`` and
``out/<track>/manifest.json`` for each track.  Every example is made from its own
``random.Random`` seeded by
``derive_seed(seed, track, split, task, index, attempt)``, its completion is re-graded by its
family's grader (a wrong one fails the build), its request must be new to the corpus, and the
finished corpus must pass the split-isolation checks (:mod:`helix_corpus.splits`), the schema and
the lint before anything is written.  Test is generated first, then val, then train, so the
held-out splits do not change when ``--scale`` grows train.  Same seed and version: the same
bytes.

To regenerate one record: ``FAMILIES[r["task"]].make(random.Random(r["meta"]["seed"]),
r["split"])``.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

import helix_lang

from .core import GENERATOR_VERSION, PHASE, SPEC_EDITION, SPLITS, Draft, derive_seed
from .families import FAMILIES, families_of
from .lint import lint_records
from .schema import validate_record
from .splits import assert_isolated

__all__ = ["DEFAULT_TRAIN", "DEFAULT_HELDOUT", "SYSTEM", "BuildError", "sizes_for", "plan",
           "generate", "build", "write_corpus", "to_record", "MAX_ATTEMPTS", "BuildResult"]

DEFAULT_TRAIN = {"general": 300, "ascii": 500, "runic": 500, "coordinator": 500}
DEFAULT_HELDOUT = {"val": 50, "test": 100}
#: Attempts per example to find a request the corpus does not have yet.
MAX_ATTEMPTS = 200

SYSTEM = {
    "general": "You are Helix, an assistant for the HLX language family: HLXL, HLX, LC-T, LC-R "
               "and LC-B. Answer with exactly the requested text and nothing else.",
    "ascii": "You are the Helix ASCII specialist for HLXL, LC-T and the HLXL language service. "
             "Answer with exactly the requested text and nothing else.",
    "runic": "You are the Helix runic specialist for HLX, LC-R and glyph contracts. Answer with "
             "exactly the requested text and nothing else.",
    "coordinator": "You are the Helix coordinator: you route requests to the ascii or runic "
                   "specialist, answer general HLX questions and encode or decode LC-B. Answer "
                   "with exactly the requested text and nothing else.",
}
#: Share of records that carry the track's system message.
SYSTEM_SHARE = 0.8


class BuildError(RuntimeError):
    """The corpus cannot be built as asked (a wrong answer, an exhausted family, a leak)."""


def sizes_for(track: str, *, scale: int = 1, sizes: Mapping[str, int] | None = None
              ) -> dict[str, int]:
    """Examples per split: defaults, overridden by ``sizes``; train is multiplied by ``scale``."""
    sizes = dict(sizes or {})
    unknown = set(sizes) - set(SPLITS)
    if unknown:
        raise ValueError(f"unknown split(s) {sorted(unknown)}; use train, val or test")
    out = {"train": sizes.get("train", DEFAULT_TRAIN[track]) * scale}
    out.update({s: sizes.get(s, DEFAULT_HELDOUT[s]) for s in ("val", "test")})
    return out


def _allocate(total: int, weights: dict[str, int], caps: dict[str, int | None]) -> dict[str, int]:
    out = {n: 0 for n in weights}
    active = dict(weights)
    while True:
        if not active:
            raise BuildError(f"the families cannot supply {total} more distinct examples; "
                             f"lower --scale or --size")
        w = sum(active.values())
        shares = {n: total * active[n] / w for n in active}
        over = [n for n in sorted(active) if caps[n] is not None and shares[n] > caps[n]]
        if not over:
            floors = {n: int(shares[n]) for n in active}
            rest = total - sum(floors.values())
            for n in sorted(active, key=lambda n: (floors[n] - shares[n], n))[:rest]:
                floors[n] += 1
            out.update(floors)
            return out
        for n in over:
            out[n] = caps[n]
            total -= caps[n]
            del active[n]


def plan(track: str, sizes: Mapping[str, int], *,
         weights: Mapping[str, int] | None = None) -> dict[str, dict[str, int]]:
    """``{split: {task: count}}``: each split shared by the track's weights, families with a
    ``capacity`` capped (at a fifth of it in val and test) and the rest given to the others.

    ``weights`` (family → weight) replaces the families' own weights in this track and limits the
    corpus to the families it names (each must belong to the track)."""
    fams = families_of(track)
    if weights is None:
        weights = {n: f.tracks[track] for n, f in fams.items()}
    else:
        unknown = sorted(set(weights) - set(fams))
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not a family of the `{track}` corpus; its "
                             f"families are {', '.join(fams)}")
        bad = sorted(n for n, w in weights.items() if not isinstance(w, int) or w < 1)
        if bad:
            raise ValueError(f"family weights must be positive integers: {', '.join(bad)}")
        weights = {n: weights[n] for n in sorted(weights)}
        fams = {n: fams[n] for n in weights}
    out = {}
    for split in SPLITS:
        caps = {n: (None if f.capacity is None else
                    f.capacity if split == "train" else f.capacity // 5)
                for n, f in fams.items()}
        out[split] = _allocate(sizes[split], weights, caps)
    return out


def to_record(draft: Draft, *, track: str, split: str, task: str, seed: int,
              system: bool) -> dict:
    """A record of the schema, id not yet assigned."""
    prompt = [{"role": "system", "content": SYSTEM[track]}] if system else []
    prompt.append({"role": "user", "content": draft.request})
    return {
        "id": "", "phase": PHASE[track], "track": track, "task": task, "split": split,
        "prompt": prompt, "completion": [{"role": "assistant", "content": draft.answer}],
        "meta": {"formats": list(draft.formats), "skeleton": draft.skeleton,
                 "template": draft.template, "seed": seed,
                 "generator_version": GENERATOR_VERSION, "spec_edition": SPEC_EDITION},
        "grading": draft.grading,
    }


def generate(track: str, *, seed: int = 0, sizes: Mapping[str, int] | None = None,
             progress: Callable[[int], None] | None = None,
             weights: Mapping[str, int] | None = None,
             system_share: float = SYSTEM_SHARE) -> dict[str, list[dict]]:
    """Generate and verify one corpus in memory: ``{split: records}``.

    ``weights`` limits the corpus to some families with weights of their own (:func:`plan`);
    ``system_share`` is the share of records whose prompt starts with the track's system message
    (0 for the short prompts of a CPU curriculum)."""
    if not 0.0 <= system_share <= 1.0:
        raise ValueError(f"`system_share` must be between 0 and 1, got {system_share}")
    sizes = dict(sizes or sizes_for(track))
    counts = plan(track, sizes, weights=weights)
    seen: set[str] = set()
    out: dict[str, list[dict]] = {}
    for split in ("test", "val", "train"):
        records = []
        for task in sorted(counts[split]):
            family = FAMILIES[task]
            for index in range(counts[split][task]):
                for attempt in range(MAX_ATTEMPTS):
                    ex_seed = derive_seed(seed, track, split, task, index, attempt)
                    rng = random.Random(ex_seed)
                    draft = family.make(rng, split)
                    if draft.request not in seen:
                        break
                else:
                    raise BuildError(
                        f"`{task}` found no new request for {split} example {index} in "
                        f"{MAX_ATTEMPTS} attempts: its question space is exhausted; give it a "
                        f"`capacity` or lower the size")
                record = to_record(draft, track=track, split=split, task=task, seed=ex_seed,
                                   system=rng.random() < system_share)
                grade = family.grade(record, draft.answer)
                if not grade.correct:
                    raise BuildError(f"`{task}` {split} example {index} (seed {ex_seed}) fails its "
                                     f"own grader: {grade.error}\nanswer: {draft.answer[:200]!r}")
                seen.add(draft.request)
                records.append(record)
                if progress is not None:
                    progress(1)
        random.Random(derive_seed(seed, track, split, "order")).shuffle(records)
        for n, record in enumerate(records):
            record["id"] = f"{track}-{split}-{n:06d}"
        out[split] = records
    return {s: out[s] for s in SPLITS}


def _check(corpus: Mapping[str, list[dict]]) -> None:
    records = [r for s in SPLITS for r in corpus[s]]
    for r in records:
        problems = validate_record(r)
        if problems:
            raise BuildError("schema validation failed:\n" + "\n".join(problems))
    assert_isolated(records)
    issues = lint_records(records, regrade=False, schema=False)  # each was graded when made
    if issues:
        raise BuildError(f"lint found {len(issues)} issue(s):\n" +
                         "\n".join(str(i) for i in issues[:20]))


def _dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


@dataclass(frozen=True)
class BuildResult:
    """What one corpus build produced; ``seconds`` covers generating, checking and writing."""

    track: str
    directory: Path
    counts: dict[str, dict[str, int]]
    files: dict[str, str]
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())


def write_corpus(track: str, corpus: Mapping[str, list[dict]], out: Path, *, seed: int,
                 scale: int, sizes: Mapping[str, int]) -> BuildResult:
    """Write the split files and ``manifest.json`` (sha256 and counts) under ``out/<track>``."""
    directory = out / track
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    counts = {}
    for split in SPLITS:
        data = "".join(_dumps(r) for r in corpus[split]).encode("utf-8")
        (directory / f"{split}.jsonl").write_bytes(data)
        files[f"{split}.jsonl"] = {"sha256": hashlib.sha256(data).hexdigest(),
                                   "records": len(corpus[split]), "bytes": len(data)}
        tally: dict[str, int] = {}
        for r in corpus[split]:
            tally[r["task"]] = tally.get(r["task"], 0) + 1
        counts[split] = dict(sorted(tally.items()))
    manifest = {
        "generator": "helix_corpus", "generator_version": GENERATOR_VERSION,
        "spec_edition": SPEC_EDITION, "helix_lang_version": helix_lang.__version__,
        "track": track, "phase": PHASE[track], "seed": seed, "scale": scale,
        "sizes": dict(sizes), "counts": counts, "files": files,
    }
    (directory / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8")
    return BuildResult(track, directory, counts, {k: v["sha256"] for k, v in files.items()})


def build(tracks: Sequence[str], out: Path, *, seed: int = 0, scale: int = 1,
          sizes: Mapping[str, int] | None = None,
          progress: Callable[[int], None] | None = None) -> list[BuildResult]:
    """Generate, verify and check every corpus of ``tracks`` (also for isolation across them),
    then write them.  Nothing is written when a check fails."""
    corpora, seconds = {}, {}
    for track in tracks:
        start = time.perf_counter()
        corpora[track] = generate(track, seed=seed, sizes=sizes_for(track, scale=scale,
                                                                    sizes=sizes),
                                  progress=progress)
        _check(corpora[track])
        seconds[track] = time.perf_counter() - start
    if len(tracks) > 1:
        assert_isolated([r for c in corpora.values() for s in SPLITS for r in c[s]])
    results = []
    for track in tracks:
        start = time.perf_counter()
        result = write_corpus(track, corpora[track], Path(out), seed=seed, scale=scale,
                              sizes=sizes_for(track, scale=scale, sizes=sizes))
        results.append(replace(result, seconds=seconds[track] + time.perf_counter() - start))
    return results
