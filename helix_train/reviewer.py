"""The two Claude supervisors of the watchdog (``watchdog.mode: rules | llm | both``).

At each checkpoint the watchdog may ask two Claude agents (``watchdog.llm_model``, default
``claude-haiku-4-5``; the auditor may use ``watchdog.llm_auditor_model``):

the **grader**
    scores the checkpoint against the rubric of :mod:`helix_train.rubric` from the evidence
    (:func:`build_payload`): every graded checkpoint's numbers (training and validation loss,
    accuracy, unparsed answers), the training-loss history, and a sample of the checkpoint's wrong
    validation answers with the parser's verdict on each (parsed or not, and the parser's or
    grader's error);
the **auditor**
    gets the same evidence and the grader's answer, and checks the score: it agrees or not, gives
    its own points and says why.

Both answer through the Messages API's tool mechanism: each request offers one tool whose
``input_schema`` is the answer's JSON schema (:data:`GRADE_SCHEMA`, :data:`AUDIT_SCHEMA`) and forces
it with ``tool_choice``; the ``tool_use`` block's input is then validated again here (jsonschema:
keys, types, ranges) and against the rubric's bounds (:func:`check_bounds`: every category takes
only its allowed values :data:`ALLOWED_POINTS`, ``total`` is their sum, an optional ``grade``
matches the grade band).

Who decides (:func:`judge`):

``rules``  the rubric rules; Claude is never called.
``llm``    the grader's points, when the auditor agrees with them (``agrees`` and the same points);
           otherwise — the auditor disagrees, or either agent fails — the rules decide, and the
           reason is recorded as the fallback.  The letter comes from the rubric's grade bands.
``both``   the rules decide; the grader's and the auditor's answers are recorded and every
           disagreement with the rules (category, total, grade, action) is logged and recorded.

Whatever the agents say, the *action* comes from :func:`helix_train.drift.decide`: a restart needs
a real failure that the rules measured (:func:`helix_train.rubric.failures`), so no answer of a
language model can restart a healthy stage.  The grader's and the auditor's rationale go into the
checkpoint's ``watchdog.json`` (``reviewer``) and its CHECKPOINT REPORT.

Any failure — no ``ANTHROPIC_API_KEY`` in the environment, a timeout (``watchdog.llm_timeout``),
an HTTP or connection error, no ``tool_use`` block, a schema violation, out-of-bounds points —
falls back to the rules with the reason logged and recorded under ``reviewer.fallback``.  The API
key is read from the environment at each call and never stored, logged or written (error texts are
scrubbed of it).

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
    "ALLOWED_POINTS", "CATEGORIES", "ACTIONS", "GRADE_SCHEMA", "AUDIT_SCHEMA", "ANSWER_SCHEMA",
    "API_KEY_ENV", "DEFAULT_MODEL", "GRADE_TOOL", "AUDIT_TOOL", "ReviewError", "LLMReview",
    "Audit", "Review", "ClaudeAgent", "ClaudeReviewer", "Verdict", "build_payload",
    "validate_answer", "check_bounds", "judge", "GRADER_PROMPT", "AUDITOR_PROMPT",
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
GRADE_TOOL = "submit_grade"
AUDIT_TOOL = "submit_audit"
_MAX_REASON = 300          # characters of an error text kept in a fallback reason
_MAX_TRAIN_LOSSES = 100    # train-loss points sent to the model (evenly subsampled)
_MAX_TEXT = 400            # characters of a prompt / answer in the wrong-answer sample

_POINTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [*CATEGORIES, "total"],
    "additionalProperties": False,
    "properties": {
        **{c: {"type": "integer", "enum": list(ALLOWED_POINTS[c])} for c in CATEGORIES},
        "total": {"type": "integer", "minimum": 0, "maximum": 100},
    },
}
_RATIONALE = {"type": "string", "minLength": 1, "maxLength": 4000}

#: The grader's answer (the ``input_schema`` of the ``submit_grade`` tool).
GRADE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["points", "recommendation", "rationale"],
    "additionalProperties": False,
    "properties": {
        "points": _POINTS_SCHEMA,
        "grade": {"type": "string", "enum": [letter for letter, _ in rubric.GRADE_BANDS]},
        "recommendation": {
            "type": "object",
            "required": ["action", "reason"],
            "additionalProperties": False,
            "properties": {
                "action": {"type": "string", "enum": list(ACTIONS)},
                "reason": {"type": "string", "minLength": 1, "maxLength": 2000},
            },
        },
        "rationale": _RATIONALE,
    },
}
#: Kept for callers of the single-reviewer version: the grader's schema.
ANSWER_SCHEMA = GRADE_SCHEMA

#: The auditor's answer (the ``input_schema`` of the ``submit_audit`` tool).
AUDIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["agrees", "points", "rationale"],
    "additionalProperties": False,
    "properties": {
        "agrees": {"type": "boolean"},
        "points": _POINTS_SCHEMA,
        "rationale": _RATIONALE,
        "issues": {"type": "array", "maxItems": 10,
                   "items": {"type": "string", "minLength": 1, "maxLength": 500}},
    },
}
_GRADE_VALIDATOR = jsonschema.Draft202012Validator(GRADE_SCHEMA)
_AUDIT_VALIDATOR = jsonschema.Draft202012Validator(AUDIT_SCHEMA)


def _rubric_text() -> str:
    doc = rubric.__doc__ or ""
    return doc.split(">>>", 1)[0].strip()  # the rules, without the doctest


_EVIDENCE = """\
The evidence (the user message, JSON): "checkpoints" lists every graded checkpoint of this
phase, oldest first, LATEST LAST (epoch, train_loss = mean training loss since the previous
checkpoint, eval_loss = validation loss, accuracy, format_errors = unparsed answers, total = answers
graded); "train_loss_history" is [step, loss] of the logged training steps; "wrong_answers" is a
sample of the latest checkpoint's wrong validation answers, each with the prompt, the expected
answer, the model's answer and the parser's verdict ("parsed": did the answer parse in its
format; "error": the parser's or grader's message)."""

GRADER_PROMPT = f"""\
You are the GRADER of a supervised fine-tuning run. Score the LATEST checkpoint with this rubric
(the same rules the automatic grader uses):

{_rubric_text()}

{_EVIDENCE}

Allowed points per category: {json.dumps(ALLOWED_POINTS)}. "total" is the sum of the four.
Recommend the next action: one of {", ".join(ACTIONS)} (A/B continue, C warn, D intervene,
F restart only after a real failure; stop when the phase cannot recover). In "rationale", justify
each category from the numbers and say what the wrong answers show (e.g. format errors versus
wrong values). Answer by calling the `{GRADE_TOOL}` tool."""

AUDITOR_PROMPT = f"""\
You are the AUDITOR of a supervised fine-tuning run. Another agent, the grader, scored the LATEST
checkpoint with this rubric:

{_rubric_text()}

{_EVIDENCE}
"grader" is the grader's answer. Check every category of its score against the rubric and the
evidence. Set "agrees" to true only when every category is right; give your own points either way
(the same as the grader's when you agree). Allowed points per category:
{json.dumps(ALLOWED_POINTS)}; "total" is their sum. In "rationale", say what you checked and what
is wrong, if anything. Answer by calling the `{AUDIT_TOOL}` tool."""

_GRADE_TOOL_DEF = {"name": GRADE_TOOL, "input_schema": GRADE_SCHEMA,
                   "description": "Submit the rubric score of the latest checkpoint."}
_AUDIT_TOOL_DEF = {"name": AUDIT_TOOL, "input_schema": AUDIT_SCHEMA,
                   "description": "Submit the audit of the grader's score."}


class ReviewError(Exception):
    """Claude could not give a usable review; ``str(err)`` is the (key-free) fallback reason."""


@dataclass(frozen=True)
class LLMReview:
    """A validated answer of the grader."""

    points: dict            # the four categories and "total"
    grade: str              # from the rubric's grade bands
    action: str             # the grader's recommended action (advisory)
    reason: str             # the grader's one-sentence reason
    model: str
    rationale: str = ""

    def as_dict(self) -> dict:
        return {"model": self.model, "points": dict(self.points), "grade": self.grade,
                "recommendation": {"action": self.action, "reason": self.reason},
                "rationale": self.rationale}


@dataclass(frozen=True)
class Audit:
    """A validated answer of the auditor."""

    agrees: bool
    points: dict
    grade: str
    rationale: str
    model: str
    issues: tuple = ()

    def as_dict(self) -> dict:
        return {"model": self.model, "agrees": self.agrees, "points": dict(self.points),
                "grade": self.grade, "rationale": self.rationale, "issues": list(self.issues)}


@dataclass(frozen=True)
class Review:
    """What the two agents said: the grader's review, and the audit (or why there is none)."""

    grader: LLMReview
    audit: Audit | None = None
    audit_error: str | None = None

    @property
    def agreed(self) -> bool:
        return self.audit is not None and self.audit.agrees and self.audit.points == \
            self.grader.points


# --------------------------------------------------------------------------- the evidence

def _num(x: float | None) -> float | str | None:
    if x is None:
        return None
    return x if isinstance(x, (int, float)) and math.isfinite(x) else str(x)


def _cut(text: Any) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


def wrong_answer_sample(rows: list[dict] | None, n: int = 8) -> list[dict]:
    """Up to ``n`` wrong answers of ``rows`` (graded validation rows), spread over the split and
    over task families, in a fixed order (the first wrong answer of each family, then the next …).

    >>> rows = [{"task": t, "prompt": "q", "expected": "1", "answer": a,
    ...          "grade": {"correct": a == "1", "parsed": a != "?", "error": None}}
    ...         for t, a in [("x", "1"), ("x", "2"), ("y", "?"), ("x", "3")]]
    >>> [(r["task"], r["answer"], r["parsed"]) for r in wrong_answer_sample(rows, 2)]
    [('x', '2', True), ('y', '?', False)]
    """
    wrong = [r for r in (rows or []) if not r.get("grade", {}).get("correct")]
    by_task: dict[Any, list[dict]] = {}
    for r in wrong:
        by_task.setdefault(r.get("task"), []).append(r)
    picked: list[dict] = []
    depth = 0
    while len(picked) < n and any(depth < len(v) for v in by_task.values()):
        for rows_of_task in by_task.values():
            if depth < len(rows_of_task) and len(picked) < n:
                picked.append(rows_of_task[depth])
        depth += 1
    return [{"task": r.get("task"), "prompt": _cut(r.get("prompt")),
             "expected": _cut(r.get("expected")), "answer": _cut(r.get("answer")),
             "parsed": bool(r["grade"].get("parsed")), "error": _cut(r["grade"].get("error"))
             if r["grade"].get("error") else None} for r in picked]


def build_payload(history: list[rubric.CheckpointMetrics], *, model_name: str = "model",
                  phase: str = "", step: int | None = None, learning_rate: float | None = None,
                  log_history: list[dict] | None = None, rows: list[dict] | None = None,
                  sample: int = 8) -> dict:
    """What the agents see: every graded checkpoint so far (latest last), the train-loss history
    and a sample of the latest checkpoint's wrong answers with the parser's verdict.

    >>> h = [rubric.CheckpointMetrics(epoch=2, eval_loss=1.5, accuracy=0.5, format_errors=1,
    ...                               total=4, train_loss=1.7)]
    >>> p = build_payload(h, model_name="m", phase="general", step=8)
    >>> p["latest"]["format_error_rate"], p["latest"]["train_loss"], p["train_loss_history"]
    (0.25, 1.7, [])
    """
    checkpoints = [{"epoch": m.epoch, "train_loss": _num(m.train_loss),
                    "eval_loss": _num(m.eval_loss), "accuracy": m.accuracy,
                    "format_errors": m.format_errors, "total": m.total,
                    "format_error_rate": m.format_error_rate} for m in history]
    losses = [[h.get("step"), _num(h["loss"])] for h in (log_history or []) if "loss" in h]
    if len(losses) > _MAX_TRAIN_LOSSES:
        stride = len(losses) / _MAX_TRAIN_LOSSES
        losses = [losses[int(i * stride)] for i in range(_MAX_TRAIN_LOSSES - 1)] + [losses[-1]]
    return {"model": model_name, "phase": phase, "step": step, "learning_rate": learning_rate,
            "latest": checkpoints[-1] if checkpoints else None,
            "checkpoints": checkpoints, "train_loss_history": losses,
            "wrong_answers": wrong_answer_sample(rows, sample)}


# --------------------------------------------------------------------------- answer checks

def validate_answer(data: Any, schema: str = "grade") -> None:
    """Raise :class:`ReviewError` when ``data`` violates :data:`GRADE_SCHEMA` (``schema="grade"``)
    or :data:`AUDIT_SCHEMA` (``"audit"``)."""
    validator = _GRADE_VALIDATOR if schema == "grade" else _AUDIT_VALIDATOR
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
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


def _points(data: dict) -> dict:
    points = {c: int(data["points"][c]) for c in CATEGORIES}
    points["total"] = sum(points.values())
    return points


def grade_from_input(data: Any, model: str) -> LLMReview:
    """Validate and bound-check one ``submit_grade`` input."""
    validate_answer(data, "grade")
    check_bounds(data)
    points = _points(data)
    rec = data["recommendation"]
    return LLMReview(points=points, grade=rubric.grade(points["total"]), action=rec["action"],
                     reason=rec["reason"], model=model, rationale=data["rationale"])


def audit_from_input(data: Any, model: str) -> Audit:
    """Validate and bound-check one ``submit_audit`` input."""
    validate_answer(data, "audit")
    check_bounds(data)
    points = _points(data)
    return Audit(agrees=bool(data["agrees"]), points=points, grade=rubric.grade(points["total"]),
                 rationale=data["rationale"], model=model, issues=tuple(data.get("issues", ())))


# --------------------------------------------------------------------------- the clients

class ClaudeAgent:
    """One agent: a system prompt and one forced tool, through the ``anthropic`` Messages API.

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

    def __repr__(self) -> str:  # no key in here, ever
        return (f"{type(self).__name__}(model={self.model!r}, base_url={self.base_url!r}, "
                f"timeout={self.timeout:g})")

    def ask(self, system: str, content: dict, tool: dict) -> Any:
        """The input of the ``tool_use`` block Claude answers with (not yet validated)."""
        key = os.environ.get(API_KEY_ENV) or None
        if key is None:
            raise ReviewError(f"no API key: ${API_KEY_ENV} is not set")
        try:
            return self._call(key, system, content, tool)
        except ReviewError as err:
            raise ReviewError(_scrub(str(err), key)) from None

    def _call(self, key: str, system: str, content: dict, tool: dict) -> Any:
        try:
            import anthropic
        except ImportError:
            raise ReviewError("the `anthropic` package is not installed "
                              "(pip install anthropic)") from None
        try:
            with anthropic.Anthropic(api_key=key, base_url=self.base_url, timeout=self.timeout,
                                     max_retries=self.max_retries) as client:
                message = client.messages.create(
                    model=self.model, max_tokens=self.max_tokens, system=system,
                    tools=[tool], tool_choice={"type": "tool", "name": tool["name"]},
                    messages=[{"role": "user", "content": json.dumps(content, indent=1)}])
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
        for block in message.content or []:
            if getattr(block, "type", None) == "tool_use" and getattr(block, "name",
                                                                      None) == tool["name"]:
                return block.input
        raise ReviewError(f"bad answer: no `{tool['name']}` tool_use block in the response "
                          f"(stop_reason {getattr(message, 'stop_reason', None)})")


class ClaudeReviewer:
    """The grader and the auditor (two :class:`ClaudeAgent`); :meth:`review` asks both."""

    def __init__(self, model: str = DEFAULT_MODEL, *, auditor_model: str | None = None,
                 base_url: str | None = None, timeout: float = 30.0, max_retries: int = 0,
                 max_tokens: int = 1024):
        self.grader = ClaudeAgent(model, base_url=base_url, timeout=timeout,
                                  max_retries=max_retries, max_tokens=max_tokens)
        self.auditor = ClaudeAgent(auditor_model or model, base_url=base_url, timeout=timeout,
                                   max_retries=max_retries, max_tokens=max_tokens)

    # the grader's settings, for callers of the single-reviewer version
    model = property(lambda self: self.grader.model)
    base_url = property(lambda self: self.grader.base_url)
    timeout = property(lambda self: self.grader.timeout)
    max_retries = property(lambda self: self.grader.max_retries)

    @classmethod
    def from_config(cls, cfg) -> ClaudeReviewer:
        """From a :class:`helix_train.config.WatchdogConfig` (``llm_*`` fields)."""
        return cls(cfg.llm_model, auditor_model=getattr(cfg, "llm_auditor_model", None),
                   base_url=cfg.llm_base_url, timeout=cfg.llm_timeout,
                   max_retries=getattr(cfg, "llm_max_retries", 0))

    def __repr__(self) -> str:  # no key in here, ever
        return (f"ClaudeReviewer(grader={self.grader.model!r}, auditor={self.auditor.model!r}, "
                f"base_url={self.grader.base_url!r}, timeout={self.grader.timeout:g})")

    def review(self, payload: dict) -> Review:
        """The grader's validated review, and the auditor's check of it; :class:`ReviewError`
        when the grader fails (an auditor failure is recorded in :attr:`Review.audit_error`)."""
        graded = grade_from_input(self.grader.ask(GRADER_PROMPT, payload, _GRADE_TOOL_DEF),
                                  self.grader.model)
        try:
            data = self.auditor.ask(AUDITOR_PROMPT, {**payload, "grader": graded.as_dict()},
                                    _AUDIT_TOOL_DEF)
            return Review(graded, audit_from_input(data, self.auditor.model))
        except ReviewError as err:
            return Review(graded, None, f"auditor: {err}")


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
    llm: dict | None = None         # the grader's answer (LLMReview.as_dict()) when it answered
    audit: dict | None = None       # the auditor's answer (Audit.as_dict()) when it answered
    disagreements: list = field(default_factory=list)
    fallback: str | None = None     # why Claude's score was not used (llm/both modes)

    def record(self) -> dict:
        """The ``reviewer`` entry of the checkpoint's ``watchdog.json``."""
        return {"mode": self.mode, "decided_by": self.decided_by, "rules_points": self.rules_points,
                "rules_grade": self.rules_grade, "llm": self.llm, "audit": self.audit,
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


def _audit_disagreement(review: Review) -> str:
    audit = review.audit
    diff = [f"{c} {review.grader.points[c]}→{audit.points[c]}" for c in (*CATEGORIES, "total")
            if review.grader.points[c] != audit.points[c]]
    what = "; ".join(diff) if diff else "same points but `agrees` is false"
    return f"the auditor disagrees with the grader ({what}): {_cut(audit.rationale)}"


def judge(history: list[rubric.CheckpointMetrics], mode: str = "rules", *,
          reviewer: ClaudeReviewer | Any | None = None,
          payload: dict | Callable[[], dict] | None = None,
          rules_action: Callable[[str], str] | None = None) -> Verdict:
    """Score the latest checkpoint of ``history`` in ``mode`` (``rules``, ``llm`` or ``both``).

    ``reviewer`` is anything with ``review(payload) -> Review`` raising :class:`ReviewError`
    (normally a :class:`ClaudeReviewer`); ``payload`` (or a function building it) is what it sees,
    by default :func:`build_payload` of ``history``.  ``rules_action(letter)`` names the action the
    rules would take for a grade; in ``both`` mode it turns a differing recommendation into a
    recorded disagreement.

    >>> h = [rubric.CheckpointMetrics(epoch=1, eval_loss=2.0, accuracy=0.0, format_errors=4,
    ...                               total=4, train_loss=2.5)]
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
    verdict.llm = review.grader.as_dict()
    verdict.audit = review.audit.as_dict() if review.audit is not None else None
    action = rules_action(rules_grade) if (rules_action and mode == "both") else None
    verdict.disagreements = _disagreements(rules_points, rules_grade, review.grader, action)
    if mode == "llm":
        if review.agreed:
            verdict.decided_by = "llm"
            verdict.points, verdict.grade = dict(review.grader.points), review.grader.grade
        else:
            verdict.fallback = (review.audit_error if review.audit is None
                                else _audit_disagreement(review))
            logger.warning("watchdog reviewer (llm mode): the rules decide: %s", verdict.fallback)
    elif verdict.disagreements:
        logger.warning("watchdog reviewer disagrees with the rules (rules decide): %s",
                       "; ".join(f"{d['field']}: rules {d['rules']}, llm {d['llm']}"
                                 for d in verdict.disagreements))
    return verdict
