"""Scoring a model's answers with the graders that built the corpus.

``grade_record(record, answer)`` grades one answer; ``score(records, predictions)`` grades a
whole prediction file and reports per-task accuracy and format validity (the share of answers
that parse in the target format).  Predictions are JSON Lines with an ``id`` and the answer as
``prediction``, ``completion`` (a string or TRL-style messages), ``answer`` or ``output``; a
record without a prediction counts as wrong and unparsed.

>>> rec = {"task": "convert", "grading": {"kind": "value", "format": "lct", "expected": "[1]"}}
>>> grade_record(rec, "[1]").correct
True
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Mapping

from .core import Grade
from .families import FAMILIES

__all__ = ["grade_record", "score", "read_predictions", "prediction_text"]


def grade_record(record: Mapping[str, Any], answer: str) -> Grade:
    """Grade ``answer`` to ``record`` with its family's grader."""
    try:
        family = FAMILIES[record["task"]]
    except KeyError:
        raise ValueError(f"unknown task `{record.get('task')}`; this helix_corpus knows "
                         f"{', '.join(sorted(FAMILIES))}") from None
    return family.grade(record, answer)


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


def _rates(n: int, correct: int, parsed: int) -> dict[str, Any]:
    return {"n": n, "correct": correct, "accuracy": round(correct / n, 4) if n else 0.0,
            "format_valid": round(parsed / n, 4) if n else 0.0}


def score(records: Iterable[Mapping[str, Any]], predictions: Mapping[str, str]) -> dict:
    """Per-task and overall accuracy and format validity of ``predictions`` on ``records``."""
    records = list(records)
    tasks: dict[str, list[int]] = {}
    missing = 0
    errors: dict[str, int] = {}
    for r in records:
        answer = predictions.get(r["id"])
        if answer is None:
            missing += 1
            g = Grade(False, False, "no prediction")
        else:
            g = grade_record(r, answer)
        t = tasks.setdefault(r["task"], [0, 0, 0])
        t[0] += 1
        t[1] += g.correct
        t[2] += g.parsed
        if not g.correct and g.error:
            key = f"{r['task']}: {g.error.split(':')[0][:60]}"
            errors[key] = errors.get(key, 0) + 1
    total = [sum(t[i] for t in tasks.values()) for i in range(3)]
    return {"overall": _rates(*total), "tasks": {k: _rates(*tasks[k]) for k in sorted(tasks)},
            "missing": missing,
            "unknown_ids": len(set(predictions) - {r["id"] for r in records}),
            "top_errors": dict(sorted(errors.items(), key=lambda kv: (-kv[1], kv[0]))[:10])}
