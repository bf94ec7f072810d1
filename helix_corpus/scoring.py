"""The one scorer: a model's answers graded by the graders that built the corpus, per task family
and per question type, with 95 % Wilson intervals and the baselines a model must beat.

``grade_record(record, answer)`` grades one answer.  ``score(records, answers, train)`` grades a
split and reports, per family (``families``) and per question type (the prompt template id,
``families[f]["templates"]``):

``n``, ``correct``, ``accuracy``   answers the family's grader accepts
``interval``                       the 95 % Wilson score interval of ``accuracy`` (:func:`wilson`)
``format_valid``, ``format_interval``  share of answers well-formed in the target format
``baselines``                      what a model gets without learning the task, graded by the same
                                   grader on each record (``None`` where not measurable):
                                   ``majority_family`` the most common train answer of the family;
                                   ``majority_question`` the most common train answer of the
                                   question type (template id), else the family's;
                                   ``copy_input`` the source value of the request, for conversion
                                   families (grading kind ``value`` and a request that shows a
                                   source value, :func:`source_text`)
``best_baseline``                  the best of them (``name``, ``correct``, ``accuracy``)
``learns``                         True only where the interval's lower bound is above the best
                                   baseline's accuracy (None without train records)
``phrasing``                       ``seen`` / ``heldout``: records whose template occurs among the
                                   family's train records, and the rest (without train records:
                                   template ids containing ``.h`` are held out)

``overall`` sums the families (each baseline summed over the families that have it, the best
baseline over each family's best).  Predictions are JSON Lines with an ``id`` and the answer as
``prediction``, ``completion`` (a string or TRL-style messages), ``answer`` or ``output``; a
record without a prediction counts as wrong and unparsed.

>>> rec = {"task": "convert", "grading": {"kind": "value", "format": "lct", "expected": "[1]"}}
>>> grade_record(rec, "[1]").correct
True
"""

from __future__ import annotations

import json
import math
import re
import string
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from .core import Grade, template_text
from .families import FAMILIES

__all__ = ["grade_record", "score", "read_predictions", "prediction_text", "expected_answer",
           "wilson", "source_text", "majority_answers", "BASELINES", "table_rows", "TABLE_HEADER",
           "markdown_table", "learns_summary"]

#: The baselines of :func:`score`, in report order.
BASELINES = ("majority_family", "majority_question", "copy_input")
Grader = Callable[[Mapping[str, Any], str], Grade]


def grade_record(record: Mapping[str, Any], answer: str) -> Grade:
    """Grade ``answer`` to ``record`` with its family's grader."""
    try:
        family = FAMILIES[record["task"]]
    except KeyError:
        raise ValueError(f"unknown task `{record.get('task')}`; this helix_corpus knows "
                         f"{', '.join(sorted(FAMILIES))}") from None
    return family.grade(record, answer)


def expected_answer(record: Mapping[str, Any]) -> str:
    """The reference answer of a record (its last completion message)."""
    return record["completion"][-1]["content"]


def prediction_text(row: Mapping[str, Any]) -> str:
    """The answer of one prediction row (see the module docstring for the accepted fields)."""
    for key in ("prediction", "completion", "answer", "output"):
        if key in row:
            value = row[key]
            if isinstance(value, list):  # TRL messages: the last assistant message
                value = [m for m in value if m.get("role") == "assistant"][-1]["content"]
            if not isinstance(value, str):
                raise ValueError(f"prediction `{row.get('id')}`: field `{key}` must be a string "
                                 f"or a list of messages, got {type(value).__name__}")
            return value
    raise ValueError(f"prediction `{row.get('id')}` has none of the fields `prediction`, "
                     f"`completion`, `answer`, `output`")


def read_predictions(path: Path) -> dict[str, str]:
    """``{id: answer}`` from a predictions JSONL file."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if "id" not in row:
                raise ValueError(f"{path}:{n}: prediction has no `id` field")
            out[str(row["id"])] = prediction_text(row)
    return out


# ----------------------------------------------------------------------------- interval

def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of ``k`` successes in ``n`` trials (``z`` 1.96: 95 %); ``(0, 1)``
    for ``n = 0``.  Unlike ``p ± z·se`` it stays inside [0, 1] and is not empty at 0 or n.

    >>> [round(x, 4) for x in wilson(0, 10)], [round(x, 4) for x in wilson(10, 10)]
    ([0.0, 0.2775], [0.7225, 1.0])
    >>> [round(x, 4) for x in wilson(17, 59)]
    [0.1884, 0.4138]

    The bounds at 0 and n are exact (no rounding residue that would put 0 of 22 "above" a 0 %
    baseline):

    >>> wilson(0, 22)[0], wilson(22, 22)[1]
    (0.0, 1.0)
    """
    if n == 0:
        return 0.0, 1.0
    p = k / n
    zz = z * z
    centre = (p + zz / (2 * n)) / (1 + zz / n)
    half = z / (1 + zz / n) * math.sqrt(p * (1 - p) / n + zz / (4 * n * n))
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


# ----------------------------------------------------------------------------- copy the input

_NON_VALUE = frozenset({"src", "dst", "fmt"})


@lru_cache(maxsize=None)
def _template_regex(text: str) -> re.Pattern | None:
    """The template as a regex whose group ``text`` is the source value (None: no ``{text}``)."""
    parts, seen = [], set()
    for literal, name, _spec, _conv in string.Formatter().parse(text):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>.*)" if name == "text" else f"(?P<{name}>.+?)")
    return re.compile("".join(parts), re.S) if "text" in seen else None


def _request(record: Mapping[str, Any]) -> str:
    users = [m["content"] for m in record.get("prompt", ()) if m.get("role") == "user"]
    return users[-1] if users else ""


def source_text(record: Mapping[str, Any]) -> str | None:
    """The source value a conversion request shows (the copy-the-input baseline's answer), or None
    when the record is not a conversion: its grading kind is not ``value``, or its request shows
    no value of its own.  A ``source`` field of ``grading`` or ``meta`` wins; otherwise the
    ``{text}`` field of the record's template (``meta.template``), matched against the request.

    >>> import random
    >>> d = FAMILIES["convert"].make(random.Random(3), "train")
    >>> rec = {"prompt": [{"role": "user", "content": d.request}], "grading": d.grading,
    ...        "meta": {"template": d.template}}
    >>> d.request.count(source_text(rec)) == 1 and source_text(rec) != d.request
    True
    """
    grading = record.get("grading") or {}
    meta = record.get("meta") or {}
    for holder in (grading, meta):
        if isinstance(holder.get("source"), str):
            return holder["source"]
    if grading.get("kind") != "value":
        return None
    template = template_text(meta.get("template"))
    pattern = _template_regex(template) if template else None
    m = pattern.fullmatch(_request(record)) if pattern else None
    return m.group("text") if m else None


# ----------------------------------------------------------------------------- baselines

def majority_answers(train: Iterable[Mapping[str, Any]], key: Callable = lambda r: r["task"]
                     ) -> dict:
    """Per ``key`` (the family by default), the most common reference answer of ``train`` (ties:
    the smallest string).

    >>> recs = [{"task": t, "completion": [{"role": "assistant", "content": a}]}
    ...         for t, a in [("kind_of", "int"), ("kind_of", "bool"), ("kind_of", "bool"),
    ...                      ("route", "runic"), ("route", "ascii")]]
    >>> majority_answers(recs)
    {'kind_of': 'bool', 'route': 'ascii'}
    """
    counts: dict[Any, Counter] = {}
    for r in train:
        counts.setdefault(key(r), Counter())[expected_answer(r)] += 1
    return {k: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for k, c in counts.items()}


def _template(record: Mapping[str, Any]) -> str | None:
    return (record.get("meta") or {}).get("template")


# ----------------------------------------------------------------------------- tallies

@dataclass
class _Tally:
    n: int = 0
    correct: int = 0
    parsed: int = 0

    def add(self, g: Grade) -> None:
        self.n += 1
        self.correct += bool(g.correct)
        self.parsed += bool(g.parsed)

    def to_dict(self) -> dict[str, Any]:
        if not self.n:
            return {"n": 0, "correct": 0, "accuracy": None, "interval": None,
                    "format_valid": None, "format_interval": None}
        return {"n": self.n, "correct": self.correct, "accuracy": _r(self.correct / self.n),
                "interval": [_r(x) for x in wilson(self.correct, self.n)],
                "format_valid": _r(self.parsed / self.n),
                "format_interval": [_r(x) for x in wilson(self.parsed, self.n)]}


def _r(x: float) -> float:
    return round(x, 4)


def _rate(correct: int | None, n: int) -> dict | None:
    return None if correct is None else {"correct": correct, "accuracy": _r(correct / n) if n else None}


def _best(baselines: dict[str, dict | None]) -> dict | None:
    have = [(b["correct"], name) for name, b in baselines.items() if b is not None]
    if not have:
        return None
    correct, name = max(have, key=lambda cn: (cn[0], -BASELINES.index(cn[1])))
    return {"name": name, **baselines[name]}


def _learns(tally: _Tally, best: dict | None, trained: bool) -> bool | None:
    if not trained or not tally.n:
        return None
    bar = best["correct"] / tally.n if best else 0.0
    return wilson(tally.correct, tally.n)[0] > bar


# ----------------------------------------------------------------------------- score

def score(records: Iterable[Mapping[str, Any]], answers: Mapping[str, str] | Sequence[str],
          train: Iterable[Mapping[str, Any]] | None = None, *, grader: Grader = grade_record,
          grades: Sequence[Grade] | None = None) -> dict[str, Any]:
    """Score ``answers`` to ``records`` (see the module docstring for every field).

    ``answers``: ``{id: answer}`` (a record without one is wrong and unparsed) or a list aligned
    with ``records``.  ``train``: the train split the baselines and the phrasing split are learnt
    from (None: majority baselines, ``learns`` unknown; phrasing by the ``.h`` marker).
    ``grader(record, answer) -> Grade`` grades answers and baselines alike; ``grades``, when the
    answers were graded already, are their verdicts (aligned with ``records``).
    """
    records = list(records)
    if isinstance(answers, Mapping):
        by_id = answers
        texts: list[str | None] = [by_id.get(r["id"]) for r in records]
        unknown = len(set(by_id) - {r["id"] for r in records})
    else:
        texts = list(answers)
        unknown = 0
        if len(texts) != len(records):
            raise ValueError(f"{len(texts)} answers for {len(records)} records")
    if grades is not None and len(grades) != len(records):
        raise ValueError(f"{len(grades)} grades for {len(records)} records")
    train = None if train is None else list(train)
    trained = train is not None
    fam_major = majority_answers(train or ())
    question_major = majority_answers(train or (), key=lambda r: (r["task"], _template(r)))
    train_templates: dict[str, set] = {}
    for r in train or ():
        train_templates.setdefault(r["task"], set()).add(_template(r))

    fams: dict[str, dict] = {}
    errors: Counter = Counter()
    missing = 0
    for i, r in enumerate(records):
        task = r["task"]
        if grades is not None:
            g = grades[i]
        elif texts[i] is None:
            g = Grade(False, False, "no prediction")
        else:
            g = grader(r, texts[i])
        missing += texts[i] is None
        if not g.correct and g.error:
            errors[f"{task}: {g.error.split(':')[0][:60]}"] += 1
        f = fams.setdefault(task, {"all": _Tally(), "seen": _Tally(), "heldout": _Tally(),
                                   "templates": {}, "hits": Counter(), "sources": 0})
        f["all"].add(g)
        tid = _template(r)
        if tid is not None:
            seen = tid in train_templates.get(task, ()) if trained else ".h" not in tid
            f["seen" if seen else "heldout"].add(g)
            t = f["templates"].setdefault(tid, {"tally": _Tally(), "seen": seen, "hits": 0})
            t["tally"].add(g)
        # the baselines, graded like the answers (one grading per distinct answer)
        verdicts: dict[str, bool] = {}

        def hit(answer: str | None) -> bool:
            if answer is None:
                return False
            if answer not in verdicts:
                verdicts[answer] = bool(grader(r, answer).correct)
            return verdicts[answer]

        family_answer = fam_major.get(task)
        question_answer = question_major.get((task, tid), family_answer)
        source = source_text(r)
        f["sources"] += source is not None
        f["hits"]["majority_family"] += hit(family_answer)
        q = hit(question_answer)
        f["hits"]["majority_question"] += q
        if tid is not None:
            f["templates"][tid]["hits"] += q
        f["hits"]["copy_input"] += hit(source)

    families = {}
    total, best_total = _Tally(), 0
    phrasing = {"seen": _Tally(), "heldout": _Tally()}
    sums: dict[str, int | None] = dict.fromkeys(BASELINES)
    for task in sorted(fams):
        f = fams[task]
        n = f["all"].n
        in_train = task in fam_major
        baselines = {
            "majority_family": _rate(f["hits"]["majority_family"] if in_train else None, n),
            "majority_question": _rate(f["hits"]["majority_question"] if in_train else None, n),
            "copy_input": _rate(f["hits"]["copy_input"] if f["sources"] else None, n),
        }
        best = _best(baselines)
        for name, b in baselines.items():
            if b is not None:
                sums[name] = (sums[name] or 0) + b["correct"]
        best_total += best["correct"] if best else 0
        total.n += n
        total.correct += f["all"].correct
        total.parsed += f["all"].parsed
        for split, t in phrasing.items():
            t.n += f[split].n
            t.correct += f[split].correct
            t.parsed += f[split].parsed
        families[task] = {
            **f["all"].to_dict(),
            "conversion": f["sources"] > 0,
            "majority_answer": fam_major.get(task),
            "baselines": baselines,
            "best_baseline": best,
            "learns": _learns(f["all"], best, trained),
            "phrasing": {"seen": f["seen"].to_dict(), "heldout": f["heldout"].to_dict()},
            "templates": {tid: {**t["tally"].to_dict(), "phrasing": "seen" if t["seen"] else
                                "heldout",
                                "majority_question": _r(t["hits"] / t["tally"].n)
                                if in_train else None}
                          for tid, t in sorted(f["templates"].items())},
        }
    overall_best = {"name": "best per family", "correct": best_total,
                    "accuracy": _r(best_total / total.n) if total.n else None}
    overall = {**total.to_dict(),
               "baselines": {k: _rate(v, total.n) for k, v in sums.items()},
               "best_baseline": overall_best if trained or any(
                   v is not None for v in sums.values()) else None,
               "phrasing": {k: t.to_dict() for k, t in phrasing.items()}}
    overall["learns"] = _learns(total, overall["best_baseline"], trained)
    return {"overall": overall, "families": families, "missing": missing,
            "unknown_ids": unknown, "train_records": len(train) if trained else None,
            "phrasing_rule": "train templates" if trained else "template id marker .h",
            "top_errors": dict(sorted(errors.items(), key=lambda kv: (-kv[1], kv[0]))[:10])}


# ----------------------------------------------------------------------------- tables

#: Columns of :func:`table_rows` (a report's per-family table).
TABLE_HEADER = ("family", "n", "accuracy (95 % CI)", "format valid", "majority/family",
                "majority/question", "copy input", "seen phrasing", "held-out phrasing", "learns")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _acc(t: Mapping[str, Any]) -> str:
    if t.get("n") is None:
        return "n/a"
    if not t["n"]:
        return "0/0"
    lo, hi = t["interval"]
    return f"{t['correct']}/{t['n']} {_pct(t['accuracy'])} [{_pct(lo)}, {_pct(hi)}]"


def _base(b: Mapping[str, Any] | None) -> str:
    return "n/a" if b is None else _pct(b["accuracy"])


def _yes(x: bool | None) -> str:
    return "n/a" if x is None else ("yes" if x else "no")


def table_rows(result: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """One row of :data:`TABLE_HEADER` cells per family of a :func:`score` result, then
    ``overall``."""
    rows = []
    for name, f in [*result["families"].items(), ("overall", result["overall"])]:
        b = f.get("baselines") or {}
        ph = f.get("phrasing") or {}
        rows.append((name, str(f["n"]), _acc(f), _pct(f["format_valid"]),
                     _base(b.get("majority_family")), _base(b.get("majority_question")),
                     _base(b.get("copy_input")),
                     _acc(ph["seen"]) if ph else "n/a", _acc(ph["heldout"]) if ph else "n/a",
                     _yes(f.get("learns"))))
    return rows


def learns_summary(result: Mapping[str, Any]) -> str:
    """One sentence: the families a :func:`score` result shows the model learns (the interval's
    lower bound above the best baseline), and those it does not show.

    >>> learns_summary({"families": {"a": {"learns": True}, "b": {"learns": False},
    ...                              "c": {"learns": None}}})
    'Learns (95 % lower bound above the best baseline): a. Not shown: b. Unknown (no train split): c.'
    """
    groups: dict[Any, list[str]] = {True: [], False: [], None: []}
    for name, f in result["families"].items():
        groups[f.get("learns")].append(name)
    parts = [f"Learns (95 % lower bound above the best baseline): "
             f"{', '.join(groups[True]) or 'none'}."]
    if groups[False]:
        parts.append(f"Not shown: {', '.join(groups[False])}.")
    if groups[None]:
        parts.append(f"Unknown (no train split): {', '.join(groups[None])}.")
    return " ".join(parts)


def markdown_table(result: Mapping[str, Any]) -> list[str]:
    """The per-family table of a :func:`score` result as Markdown lines."""
    lines = ["| " + " | ".join(TABLE_HEADER) + " |", "|" + " --- |" * len(TABLE_HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(result)]
    return lines
