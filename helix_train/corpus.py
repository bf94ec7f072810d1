"""Where a run's corpora come from: the one place that switches between corpus builders.

:func:`prepare_corpus` returns a directory holding ``<track>/<split>.jsonl`` for the tracks a run
needs.  With ``corpus.dir`` set it uses that directory as it is.  Otherwise it builds the corpora
into ``RUN_DIR/corpus`` with

``helix_corpus``
    the real corpora, through the library (:func:`helix_corpus.build.generate`, then
    :func:`helix_corpus.build.write_corpus`, which writes the split files and ``manifest.json``);
    every record is verified by its family's grader when it is made;
``mini``
    the small built-in corpus of :mod:`helix_train.minicorpus` (tests, and the fallback when
    ``helix_corpus`` is not installed).

``corpus.tasks`` (``helix_corpus`` family names) and ``corpus.max_answer_tokens`` (counted with the
run's tokenizer) filter what ``helix_corpus`` built, and ``corpus.max_records`` cuts either
builder's splits, taking the families in turn (the ``tiny-cpu`` preset keeps short-answer
families a tiny model can learn in minutes).  With ``model.tokenizer: corpus-bpe`` the tokenizer
is trained here, on the train splits, between generating and filtering.  Filtering
keeps split isolation: it only drops records.  A finished build leaves ``corpus/BUILD.json``, so a
resumed run does not build again.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import logging
from pathlib import Path

from .config import HelixConfig
from .data import SPLITS, read_jsonl, write_jsonl

__all__ = ["prepare_corpus", "corpus_source", "tracks_needed", "filter_records", "track_sizes"]

logger = logging.getLogger(__name__)


def corpus_source(cfg: HelixConfig) -> str:
    """``helix_corpus`` or ``mini``: the builder ``cfg`` asks for (``auto`` resolved)."""
    source = cfg.corpus.source
    if source == "auto":
        return "helix_corpus" if importlib.util.find_spec("helix_corpus") else "mini"
    if source == "helix_corpus" and importlib.util.find_spec("helix_corpus") is None:
        raise ValueError("`corpus.source: helix_corpus` but the `helix_corpus` package is not "
                         "installed; install it or set `corpus.source: mini`")
    return source


def tracks_needed(cfg: HelixConfig) -> tuple[str, ...]:
    """The corpus tracks the curriculum's stages train on, in plan order."""
    from .config import plan

    out: list[str] = []
    for stage in plan(cfg):
        if stage.track not in out:
            out.append(stage.track)
    return tuple(out)


def filter_records(records: list[dict], *, tasks: list[str] | None = None,
                   max_answer_tokens: int | None = None, limit: int | None = None,
                   tokenizer=None) -> list[dict]:
    """The records of ``tasks`` (all when None) with answers of at most ``max_answer_tokens``.

    >>> rows = [{"task": "route", "completion": [{"content": "ascii"}]},
    ...         {"task": "kind_of", "completion": [{"content": "map"}]}]
    >>> [r["task"] for r in filter_records(rows, tasks=["route"])]
    ['route']

    ``limit`` takes the families in turn (records in order within each), so cutting a split
    keeps every family instead of the first ones of a task-sorted file:

    >>> rows = [{"task": t, "completion": [{"content": "x"}]} for t in "aaaabbc"]
    >>> [r["task"] for r in filter_records(rows, limit=4)]
    ['a', 'b', 'c', 'a']
    """
    out = [r for r in records if not tasks or r["task"] in tasks]
    if max_answer_tokens is not None:
        if tokenizer is None:
            raise ValueError("`max_answer_tokens` needs a tokenizer")
        out = [r for r in out if len(tokenizer(r["completion"][-1]["content"],
                                               add_special_tokens=False)["input_ids"])
               <= max_answer_tokens]
    if limit is None or len(out) <= limit:
        return out
    by_task: dict[str, list[dict]] = {}
    for r in out:
        by_task.setdefault(r["task"], []).append(r)
    mixed = [r for group in itertools.zip_longest(*by_task.values()) for r in group if r is not None]
    return mixed[:limit]


def track_sizes(sizes: dict, track: str) -> dict:
    """``corpus.sizes`` for one track: the same ``{split: n}`` for every track, or per track.

    >>> track_sizes({"train": 10}, "ascii"), track_sizes({"ascii": {"train": 5}}, "ascii")
    ({'train': 10}, {'train': 5})
    >>> track_sizes({"ascii": {"train": 5}}, "runic")
    {}
    """
    if any(k in sizes for k in ("general", "ascii", "runic", "coordinator")):
        return dict(sizes.get(track, {}))
    return dict(sizes)


def _generate_track(track: str, seed: int, scale: int, sizes: dict, weights: dict | None,
                    system_share: float) -> dict[str, list[dict]]:
    from helix_corpus.build import generate, sizes_for

    return generate(track, seed=seed, sizes=sizes_for(track, scale=scale, sizes=sizes),
                    weights=weights or None, system_share=system_share)


def _generate_tracks(cfg: HelixConfig, tracks: tuple[str, ...]) -> list[dict[str, list[dict]]]:
    """``helix_corpus`` corpora of ``tracks``, in order; ``corpus.workers`` > 1 generates tracks
    in that many processes at once (each track's records depend only on its seed)."""
    c = cfg.corpus
    args = [(t, c.seed, c.scale, track_sizes(c.sizes, t), c.weights.get(t), c.system_share)
            for t in tracks]
    workers = min(c.workers, len(tracks))
    if workers <= 1:
        return [_generate_track(*a) for a in args]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent may already run torch and tokenizers threads
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_generate_track, *zip(*args)))


def prepare_corpus(cfg: HelixConfig, run_dir: str | Path, *, tokenizer=None) -> Path:
    """The corpus directory of a run, building it into ``run_dir/corpus`` when needed.

    ``tokenizer`` counts answer tokens for ``corpus.max_answer_tokens``.  It may also be a callable
    that takes the train records of every track (after the ``corpus.tasks`` filter) and returns
    the tokenizer: the ``corpus-bpe`` tokenizer is trained that way, between generating and
    filtering, so it sees the train splits only.
    """
    if cfg.corpus.dir is not None:
        path = Path(cfg.corpus.dir)
        if not path.is_dir():
            raise FileNotFoundError(f"`corpus.dir` = {path} does not exist; build it with "
                                    f"`helix-corpus build --track all --out {path}`")
        return path
    out = Path(run_dir) / "corpus"
    done = out / "BUILD.json"
    if done.exists():
        return out
    source = corpus_source(cfg)
    tracks = tracks_needed(cfg)
    c = cfg.corpus
    logger.info("building the %s corpora (%s) with %s", ", ".join(tracks), c.preset, source)
    built: dict[str, dict[str, list[dict]]] = {}
    if source == "mini":
        from .minicorpus import build_corpus

        for track in tracks:
            build_corpus(out, size=c.preset, seed=c.seed, tracks=(track,))
            built[track] = {s: read_jsonl(out / track / f"{s}.jsonl") for s in SPLITS}
    else:
        for track, corpus in zip(tracks, _generate_tracks(cfg, tracks)):
            built[track] = {s: filter_records(rows, tasks=c.tasks.get(track))
                            for s, rows in corpus.items()}
    if callable(tokenizer) and not hasattr(tokenizer, "encode"):
        tokenizer = tokenizer([r for t in tracks for r in built[t]["train"]])
    for track, corpus in built.items():
        if source == "mini":
            if c.max_records:
                for split, rows in corpus.items():
                    write_jsonl(out / track / f"{split}.jsonl", rows[:c.max_records.get(split)])
            continue
        corpus = {s: filter_records(rows, max_answer_tokens=c.max_answer_tokens,
                                    limit=c.max_records.get(s), tokenizer=tokenizer)
                  for s, rows in corpus.items()}
        for split, rows in corpus.items():
            if not rows:
                raise ValueError(f"the `{track}` corpus has no `{split}` records left after "
                                 f"filtering (tasks {c.tasks.get(track)}, max_answer_tokens "
                                 f"{c.max_answer_tokens}); loosen `corpus.tasks`/`max_answer_tokens` "
                                 f"or raise `corpus.sizes`")
        from helix_corpus.build import write_corpus

        write_corpus(track, corpus, out, seed=c.seed, scale=c.scale, sizes=c.sizes)
    done.write_text(json.dumps({"source": source, "tracks": list(tracks), "seed": c.seed,
                                "counts": {t: {s: len(read_jsonl(out / t / f"{s}.jsonl"))
                                               for s in SPLITS} for t in tracks}}, indent=2),
                    encoding="utf-8")
    return out
