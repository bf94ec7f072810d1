"""Split isolation, verified: the checks that fail a build when val or test leak into train.

Each check recomputes what the generators promise instead of trusting them:

* every record's split is the split its skeleton hashes to (:func:`helix_corpus.core.split_of`);
* no skeleton occurs in two splits (value shapes, program shapes, question forms);
* train holds no held-out dimension (``!``: Ints beyond ±10**6, held-out phrasings) and no
  held-out paraphrase template (ids with ``.h``);
* no user request occurs in two splits.

>>> rec = {"id": "a", "split": "train", "meta": {"skeleton": "~i!", "template": "t.0"},
...        "prompt": [{"role": "user", "content": "x"}]}
>>> [p.split(":")[0] for p in leaks([rec])]
['record `a`', 'record `a`']
"""

from __future__ import annotations

from typing import Iterable, Mapping

from .core import split_of

__all__ = ["leaks", "SplitLeak", "assert_isolated", "user_text"]


class SplitLeak(RuntimeError):
    """Held-out structure found in train (or a record in the wrong split)."""


def user_text(record: Mapping) -> str:
    return next(m["content"] for m in record["prompt"] if m["role"] == "user")


def leaks(records: Iterable[Mapping]) -> list[str]:
    """Every isolation problem among ``records`` (any mix of tracks and splits)."""
    problems = []
    skeletons: dict[str, dict[str, str]] = {}
    requests: dict[str, dict[str, str]] = {}
    for r in records:
        rid, split, meta = r["id"], r["split"], r["meta"]
        sk = meta["skeleton"]
        if split_of(sk) != split:
            problems.append(f"record `{rid}`: skeleton `{sk[:60]}` belongs to "
                            f"`{split_of(sk)}`, not `{split}`")
        if split == "train" and "!" in sk:
            problems.append(f"record `{rid}`: held-out dimension (`!`) in train: `{sk[:60]}`")
        if split == "train" and ".h" in meta["template"]:
            problems.append(f"record `{rid}`: held-out template `{meta['template']}` in train")
        skeletons.setdefault(sk, {}).setdefault(split, rid)
        requests.setdefault(user_text(r), {}).setdefault(split, rid)
    for what, table in (("skeleton", skeletons), ("request", requests)):
        for key, where in table.items():
            if len(where) > 1:
                ids = ", ".join(f"{s} `{i}`" for s, i in sorted(where.items()))
                problems.append(f"{what} `{key[:60]}` occurs in several splits: {ids}")
    return problems


def assert_isolated(records: Iterable[Mapping]) -> None:
    """Raise :class:`SplitLeak` listing the first problems, if there are any."""
    problems = leaks(records)
    if problems:
        more = f"\n… and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise SplitLeak("split isolation failed:\n" + "\n".join(problems[:10]) + more)
