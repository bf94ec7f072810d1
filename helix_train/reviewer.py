"""The optional Claude reviewer of the watchdog (``watchdog.mode: rules | llm | both``).

At each checkpoint the watchdog may ask a Claude model (``watchdog.llm_model``, default
``claude-haiku-4-5``) to score the checkpoint with the same rubric as :mod:`helix_train.rubric`.
The model gets the checkpoint metrics and the loss history (:func:`build_payload`) and answers
with one JSON object::

    {"points": {"loss_convergence": 30, "validation_accuracy": 10, "format_correctness": 5,
                "progress_consistency": 20, "total": 65},
     "recommendation": {"action": "intervene", "reason": "accuracy is far below 80 %"}}

The answer is checked twice: against :data:`ANSWER_SCHEMA` (jsonschema: keys, types, ranges), and
against the rubric's bounds (:func:`check_bounds`: every category takes only its allowed values
:data:`ALLOWED_POINTS`, ``total`` is their sum, an optional ``grade`` matches the grade band).

Modes (:func:`judge`):

``rules``  the rubric rules decide; Claude is never called.
``llm``    Claude's points decide (the letter comes from the rubric's grade bands, the action from
           :func:`helix_train.drift.decide`).
``both``   the rules decide; Claude's points are recorded and every disagreement (category,
           total, grade, recommended action) is logged and recorded.

Any failure — no ``ANTHROPIC_API_KEY`` in the environment, a timeout (``watchdog.llm_timeout``),
an HTTP or connection error, malformed JSON, a schema violation, out-of-bounds points — falls back
to the rules with the reason logged and recorded under ``reviewer.fallback`` in the checkpoint's
``watchdog.json``.  The API key is read from the environment at each call and never stored,
logged or written (error texts are scrubbed of it).

This module imports neither torch nor anthropic at import time (``anthropic`` is imported on the
first call; install it with ``pip install anthropic``).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import jsonschema

from . import rubric

__all__ = [
    "ALLOWED_POINTS", "CATEGORIES", "ACTIONS", "ANSWER_SCHEMA", "API_KEY_ENV", "DEFAULT_MODEL",
    "ReviewError", "LLMReview", "ClaudeReviewer", "Verdict", "build_payload", "parse_answer",
    "validate_answer", "check_bounds", "judge", "SYSTEM_PROMPT",
]

logger = logging.getLogger(__name__)

API_KEY_ENV = "ANTHROPIC_API_KEY"
DEFAULT_MODEL = "claude-haiku-4-5"
MODES = ("rules", "llm", "both")
CATEGORIES = ("loss_convergence", "validation_accuracy", "format_correctness",
              "progress_consistency")
#: The point values each rubric category can take (see :mod:`helix_train.rubric`).
ALLOWED_POINTS: dict[str, tuple[int, ...]] = {
    "loss_convergence": (0, 10, 20, 30),
    "validation_accuracy": (10, 20, 25, 30),
    "format_correctness": (5, 15, 20),
    "progress_consistency": (0, 10, 15, 20),
}
ACTIONS = ("continue", "warn", "intervene", "restart", "stop")
_MAX_REASON = 300          # characters of an error text kept in a fallback reason
_MAX_TRAIN_LOSSES = 100    # train-loss points sent to the model (evenly subsampled)

#: JSON schema of Claude's answer (structure, types and ranges; the rubric's discrete values and
#: the sum are checked by :func:`check_bounds`).
ANSWER_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["points", "recommendation"],
    "additionalProperties": False,
    "properties": {
        "points": {
            "type": "object",
            "required": [*CATEGORIES, "total"],
            "additionalProperties": False,
            "properties": {
                **{c: {"type": "integer", "minimum": 0, "maximum": rubric.MAX_POINTS[c]}
                   for c in CATEGORIES},
                "total": {"type": "integer", "minimum": 0, "maximum": 100},
            },
        },
        "grade": {"enum": [letter for letter, _ in rubric.GRADE_BANDS]},
        "recommendation": {
            "type": "object",
            "required": ["action", "reason"],
            "additionalProperties": False,
            "properties": {
                "action": {"enum": list(ACTIONS)},
                "reason": {"type": "string", "minLength": 1, "maxLength": 2000},
            },
        },
    },
}
_VALIDATOR = jsonschema.Draft202012Validator(ANSWER_SCHEMA)


def _rubric_text() -> str:
    doc = rubric.__doc__ or ""
    return doc.split(">>>", 1)[0].strip()  # the rules, without the doctest


SYSTEM_PROMPT = f"""\
You are the training watchdog of a supervised fine-tuning run. Score the LATEST checkpoint of the
history you are given with this rubric (the same rules the automatic grader uses):

{_rubric_text()}

Allowed points per category: {json.dumps(ALLOWED_POINTS)}. "total" is the sum of the four.
Recommend the next action: one of {", ".join(ACTIONS)} (A/B continue, C warn, D intervene,
F restart; stop when the phase cannot recover).

Answer with ONE JSON object and nothing else (no prose, no code fence), exactly of this shape:
{{"points": {{"loss_convergence": <int>, "validation_accuracy": <int>, "format_correctness": <int>,
"progress_consistency": <int>, "total": <int>}}, "recommendation": {{"action": "<action>",
"reason": "<one sentence>"}}}}"""


class ReviewError(Exception):
    """Claude could not give a usable review; ``str(err)`` is the (key-free) fallback reason."""


@dataclass(frozen=True)
class LLMReview:
    """A validated answer of the reviewer."""

    points: dict            # the four categories and "total"
    grade: str              # from the rubric's grade bands
    action: str             # Claude's recommended action (advisory)
    reason: str             # Claude's one-sentence reason
    model: str

    def as_dict(self) -> dict:
        return {"model": self.model, "points": dict(self.points), "grade": self.grade,
                "recommendation": {"action": self.action, "reason": self.reason}}


# --------------------------------------------------------------------------- prompt

def _num(x: float) -> float | str:
    return x if isinstance(x, (int, float)) and math.isfinite(x) else str(x)


def build_payload(history: list[rubric.CheckpointMetrics], *, model_name: str = "model",
                  phase: str = "", step: int | None = None, learning_rate: float | None = None,
                  log_history: list[dict] | None = None) -> dict:
    """What Claude sees: every graded checkpoint so far (latest last) and the train-loss history.

    >>> h = [rubric.CheckpointMetrics(epoch=2, eval_loss=1.5, accuracy=0.5, format_errors=1,
    ...                               total=4)]
    >>> p = build_payload(h, model_name="m", phase="general", step=8)
    >>> p["latest"]["format_error_rate"], p["train_loss_history"]
    (0.25, [])
    """
    checkpoints = [{"epoch": m.epoch, "eval_loss": _num(m.eval_loss), "accuracy": m.accuracy,
                    "format_errors": m.format_errors, "total": m.total,
                    "format_error_rate": m.format_error_rate} for m in history]
    losses = [[h.get("step"), _num(h["loss"])] for h in (log_history or []) if "loss" in h]
    if len(losses) > _MAX_TRAIN_LOSSES:
        stride = len(losses) / _MAX_TRAIN_LOSSES
        losses = [losses[int(i * stride)] for i in range(_MAX_TRAIN_LOSSES - 1)] + [losses[-1]]
    return {"model": model_name, "phase": phase, "step": step, "learning_rate": learning_rate,
            "latest": checkpoints[-1] if checkpoints else None,
            "checkpoints": checkpoints, "train_loss_history": losses}


# --------------------------------------------------------------------------- answer checks

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def parse_answer(text: str) -> Any:
    """The JSON value in Claude's text (a surrounding code fence is tolerated)."""
    body = text.strip()
    fenced = _FENCE.search(body)
    if fenced:
        body = fenced.group(1).strip()
    try:
        return json.loads(body)
    except json.JSONDecodeError as err:
        raise ReviewError(f"malformed JSON in the answer: {err.msg} at char {err.pos} "
                          f"(answer starts {body[:60]!r})") from None


def validate_answer(data: Any) -> None:
    """Raise :class:`ReviewError` when ``data`` violates :data:`ANSWER_SCHEMA`."""
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        raise ReviewError(f"schema violation at {where}: {err.message[:200]}")


def check_bounds(data: dict) -> None:
    """Raise :class:`ReviewError` unless the points respect the rubric's bounds.

    >>> ok = {"loss_convergence": 30, "validation_accuracy": 10, "format_correctness": 5,
    ...       "progress_consistency": 20, "total": 65}
    >>> check_bounds({"points": ok, "grade": "D"})
    >>> check_bounds({"points": {**ok, "total": 70}})
    Traceback (most recent call last):
    ...
    helix_train.reviewer.ReviewError: out of bounds: total 70 is not the sum of the categories (65)
    """
    points = data["points"]
    for cat in CATEGORIES:
        if int(points[cat]) not in ALLOWED_POINTS[cat]:
            raise ReviewError(f"out of bounds: {cat} = {points[cat]} is not one of "
                              f"{list(ALLOWED_POINTS[cat])}")
    total = sum(int(points[c]) for c in CATEGORIES)
    if int(points["total"]) != total:
        raise ReviewError(f"out of bounds: total {points['total']} is not the sum of the "
                          f"categories ({total})")
    if "grade" in data and data["grade"] != rubric.grade(total):
        raise ReviewError(f"out of bounds: grade {data['grade']} does not match total {total} "
                          f"(grade band {rubric.grade(total)})")


def review_from_text(text: str, model: str) -> LLMReview:
    """Parse, validate and bound-check one answer text."""
    data = parse_answer(text)
    validate_answer(data)
    check_bounds(data)
    points = {c: int(data["points"][c]) for c in CATEGORIES}
    points["total"] = sum(points.values())
    rec = data["recommendation"]
    return LLMReview(points=points, grade=rubric.grade(points["total"]), action=rec["action"],
                     reason=rec["reason"], model=model)


# --------------------------------------------------------------------------- the client

class ClaudeReviewer:
    """Scores checkpoints with Claude through the ``anthropic`` Messages API.

    The key is read from ``$ANTHROPIC_API_KEY`` at every call (never stored on the object);
    ``base_url`` ``None`` means the SDK's default (or ``$ANTHROPIC_BASE_URL``).  Retries are off by
    default: a failed call falls back to the rules instead of stalling training.
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, base_url: str | None = None,
                 timeout: float = 30.0, max_retries: int = 0, max_tokens: int = 1024):
        if timeout <= 0:
            raise ValueError(f"`timeout` must be > 0 seconds, got {timeout}")
        self.model = model
        self.base_url = base_url
        self.timeout = float(timeout)
        self.max_retries = max_retries
        self.max_tokens = max_tokens

    @classmethod
    def from_config(cls, cfg) -> ClaudeReviewer:
        """From a :class:`helix_train.config.WatchdogConfig` (``llm_*`` fields)."""
        return cls(cfg.llm_model, base_url=cfg.llm_base_url, timeout=cfg.llm_timeout,
                   max_retries=getattr(cfg, "llm_max_retries", 0))

    def __repr__(self) -> str:  # no key in here, ever
        return (f"ClaudeReviewer(model={self.model!r}, base_url={self.base_url!r}, "
                f"timeout={self.timeout:g})")

    def review(self, payload: dict) -> LLMReview:
        """Claude's validated review of ``payload``; :class:`ReviewError` on any failure."""
        key = os.environ.get(API_KEY_ENV) or None
        if key is None:
            raise ReviewError(f"no API key: ${API_KEY_ENV} is not set")
        try:
            return self._call(key, payload)
        except ReviewError as err:
            raise ReviewError(_scrub(str(err), key)) from None

    def _call(self, key: str, payload: dict) -> LLMReview:
        try:
            import anthropic
        except ImportError:
            raise ReviewError("the `anthropic` package is not installed "
                              "(pip install anthropic)") from None
        try:
            with anthropic.Anthropic(api_key=key, base_url=self.base_url, timeout=self.timeout,
                                     max_retries=self.max_retries) as client:
                message = client.messages.create(
                    model=self.model, max_tokens=self.max_tokens, system=SYSTEM_PROMPT,
                    messages=[{"role": "user", "content": json.dumps(payload, indent=1)}])
        except anthropic.APITimeoutError:
            raise ReviewError(f"timeout: no answer within {self.timeout:g} s") from None
        except anthropic.APIStatusError as err:
            raise ReviewError(f"HTTP {err.status_code} from the Messages API: "
                              f"{_scrub(_error_message(err), key)}") from None
        except anthropic.APIConnectionError as err:
            raise ReviewError(f"connection error: {_scrub(str(err), key)}") from None
        except (anthropic.AnthropicError, TypeError, ValueError) as err:  # no auth, bad options
            raise ReviewError(f"client error ({type(err).__name__}): "
                              f"{_scrub(str(err), key)}") from None
        text = "".join(getattr(b, "text", "") for b in (message.content or [])
                       if getattr(b, "type", None) == "text")
        if not text.strip():
            raise ReviewError(f"bad answer: no text in the response "
                              f"(stop_reason {getattr(message, 'stop_reason', None)})")
        return review_from_text(text, self.model)


def _error_message(err) -> str:
    body = getattr(err, "body", None)
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and inner.get("message"):
            return f"{inner.get('type', 'error')}: {inner['message']}"
    return str(err)


def _scrub(text: str, key: str | None) -> str:
    """``text`` without the key (nor any ``sk-ant-…`` token), cut to a sane length."""
    if key:
        text = text.replace(key, "[redacted]")
    text = re.sub(r"sk-ant-[A-Za-z0-9_\-]+", "[redacted]", text)
    return text if len(text) <= _MAX_REASON else text[:_MAX_REASON] + "…"


# --------------------------------------------------------------------------- the decision

@dataclass
class Verdict:
    """Who scored a checkpoint and what came out: the deciding points/grade plus the audit trail."""

    mode: str
    decided_by: str                 # "rules" | "llm"
    points: dict                    # deciding points (four categories + total)
    grade: str                      # deciding letter (rubric grade bands)
    rules_points: dict
    rules_grade: str
    llm: dict | None = None         # LLMReview.as_dict() when Claude answered
    disagreements: list = field(default_factory=list)
    fallback: str | None = None     # why Claude's answer was not used (llm/both modes)

    def record(self) -> dict:
        """The ``reviewer`` entry of the checkpoint's ``watchdog.json``."""
        return {"mode": self.mode, "decided_by": self.decided_by, "rules_points": self.rules_points,
                "rules_grade": self.rules_grade, "llm": self.llm,
                "disagreements": self.disagreements, "fallback": self.fallback}


def _disagreements(rules_points: dict, rules_grade: str, review: LLMReview,
                   rules_action: str | None) -> list[dict]:
    out = [{"field": c, "rules": rules_points[c], "llm": review.points[c]}
           for c in (*CATEGORIES, "total") if rules_points[c] != review.points[c]]
    if rules_grade != review.grade:
        out.append({"field": "grade", "rules": rules_grade, "llm": review.grade})
    if rules_action is not None and rules_action != review.action:
        out.append({"field": "action", "rules": rules_action, "llm": review.action})
    return out


def judge(history: list[rubric.CheckpointMetrics], mode: str = "rules", *,
          reviewer: ClaudeReviewer | Any | None = None,
          payload: dict | Callable[[], dict] | None = None,
          rules_action: Callable[[str], str] | None = None) -> Verdict:
    """Score the latest checkpoint of ``history`` in ``mode`` (``rules``, ``llm`` or ``both``).

    ``reviewer`` is anything with ``review(payload) -> LLMReview`` raising :class:`ReviewError`
    (normally a :class:`ClaudeReviewer`); ``payload`` (or a function building it) is what it sees,
    by default :func:`build_payload` of ``history``.  ``rules_action(letter)`` names the action the
    rules would take for a grade; in ``both`` mode it turns a differing recommendation into a
    recorded disagreement.

    >>> h = [rubric.CheckpointMetrics(epoch=1, eval_loss=2.0, accuracy=0.0, format_errors=4,
    ...                               total=4)]
    >>> v = judge(h, "llm")       # no reviewer: falls back to the rules
    >>> v.decided_by, v.grade, v.fallback
    ('rules', 'D', 'no reviewer configured')
    """
    if mode not in MODES:
        raise ValueError(f"unknown watchdog mode `{mode}`; expected one of {', '.join(MODES)}")
    score = rubric.score(history)
    rules_points = score.as_dict()
    rules_grade = rubric.grade(score.total)
    verdict = Verdict(mode, "rules", rules_points, rules_grade, rules_points, rules_grade)
    if mode == "rules":
        return verdict
    try:
        if reviewer is None:
            raise ReviewError("no reviewer configured")
        body = payload() if callable(payload) else payload
        review = reviewer.review(body if body is not None else build_payload(history))
    except ReviewError as err:
        verdict.fallback = str(err)
        logger.warning("watchdog reviewer (%s mode): falling back to the rules: %s", mode, err)
        return verdict
    verdict.llm = review.as_dict()
    action = rules_action(rules_grade) if (rules_action and mode == "both") else None
    verdict.disagreements = _disagreements(rules_points, rules_grade, review, action)
    if mode == "llm":
        verdict.decided_by, verdict.points, verdict.grade = "llm", dict(review.points), review.grade
    elif verdict.disagreements:
        logger.warning("watchdog reviewer disagrees with the rules (rules decide): %s",
                       "; ".join(f"{d['field']}: rules {d['rules']}, llm {d['llm']}"
                                 for d in verdict.disagreements))
    return verdict
