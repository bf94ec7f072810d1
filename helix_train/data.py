"""Corpus records → ``datasets``: reading ``<corpus>/<track>/<split>.jsonl`` and shaping TRL input.

Records use TRL's conversational prompt/completion format (``prompt``: system/user messages,
``completion``: one assistant message).  :func:`to_sft_dataset` keeps exactly the columns TRL
needs and adds ``chat_template_kwargs`` (thinking disabled) to every row, so SFTTrainer renders
the prompt exactly as :func:`helix_train.modeling.render_prompt` does at evaluation time.  With a
prompt/completion dataset TRL masks the prompt and the padding out of the loss, and the Qwen3
template ends the completion with ``<|im_end|>`` (the EOS), which is trained.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

__all__ = ["TRACKS", "SPLITS", "read_jsonl", "write_jsonl", "load_split", "to_sft_dataset",
           "corpus_path"]

TRACKS = ("general", "ascii", "runic", "coordinator")
SPLITS = ("train", "val", "test")


def read_jsonl(path: str | Path) -> list[dict]:
    """All records of a JSONL file (blank lines skipped)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path: str | Path, rows: Iterable[dict]) -> None:
    """Write ``rows`` as UTF-8 JSONL, creating parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def corpus_path(corpus_dir: str | Path, track: str, split: str) -> Path:
    """Where the ``split`` of ``track`` lives inside ``corpus_dir``."""
    if track not in TRACKS:
        raise ValueError(f"unknown track `{track}`; expected one of {', '.join(TRACKS)}")
    if split not in SPLITS:
        raise ValueError(f"unknown split `{split}`; expected one of {', '.join(SPLITS)}")
    return Path(corpus_dir) / track / f"{split}.jsonl"


def load_split(corpus_dir: str | Path, track: str, split: str, limit: int | None = None) -> list[dict]:
    """The records of one split, in file order, at most ``limit`` of them."""
    path = corpus_path(corpus_dir, track, split)
    if not path.exists():
        raise FileNotFoundError(f"no `{split}` split for track `{track}` at {path}; build the corpus "
                                f"first (`helix-corpus build --track {track}`)")
    rows = read_jsonl(path)
    return rows if limit is None else rows[:limit]


def to_sft_dataset(records: list[dict]):
    """A ``datasets.Dataset`` with ``prompt``, ``completion`` and ``chat_template_kwargs``."""
    from datasets import Dataset

    from .modeling import CHAT_TEMPLATE_KWARGS

    return Dataset.from_list([
        {"prompt": r["prompt"], "completion": r["completion"],
         "chat_template_kwargs": dict(CHAT_TEMPLATE_KWARGS)}
        for r in records
    ])
