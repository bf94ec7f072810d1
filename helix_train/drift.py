"""Drift correction: a checkpoint's grade (and its failures) → the action the curriculum takes next.

======  =========================================================================================
grade   action
======  =========================================================================================
A, B    ``continue``
C       ``warn`` (below B): log it, change nothing
D       ``intervene`` (below C): halve the learning rate, or scale the batch size
F       ``restart`` (below D) from the best checkpoint so far with the adjusted settings (the same
        adjustment as an intervention) — only when the checkpoint shows a *real failure*
        (:func:`helix_train.rubric.failures`: NaN/inf loss, diverging training loss, accuracy or
        format regression) and its validation answers are not all correct and well-formed.  An F
        without a failure (a slow learner: low accuracy, many unparsed answers, no progress) gets
        the D action: a restart from the best checkpoint of a run that has not failed would only
        repeat it.
======  =========================================================================================

Bounded per phase: at most ``max_interventions`` interventions and ``max_restarts`` restarts.
A restart needed after the last one is a ``stop`` with a failure report.  An intervention needed
after the last one is a ``warn``: the model is not failing, so training goes on with the current
settings and the stage's gates judge the result.

Over-fitting (validation loss up, accuracy and format holding) is never a restart: the best
checkpoint (by validation accuracy, then loss) is kept, and with ``early_stop_patience`` the stage
ends early (``early_stop``) once the best checkpoint is that many checkpoints old and the latest
one is over-fitting (:func:`early_stop`).

>>> s = DriftState()
>>> decide("D", s, max_interventions=3, max_restarts=2).kind
'intervene'
>>> decide("F", s, failures=["nan/inf loss"]).kind, decide("F", s).kind
('restart', 'intervene')
>>> decide("D", DriftState(interventions=3), max_interventions=3, max_restarts=2).kind
'warn'
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from . import rubric

__all__ = ["Action", "DriftState", "Settings", "decide", "adjust", "apply", "early_stop",
           "next_action", "simulate", "ACTION_KINDS"]

#: Every action the watchdog can take.
ACTION_KINDS = ("continue", "warn", "intervene", "restart", "stop", "early_stop")


@dataclass(frozen=True)
class DriftState:
    """Counters of the current phase."""

    interventions: int = 0
    restarts: int = 0


@dataclass(frozen=True)
class Settings:
    """The knobs drift correction may change."""

    learning_rate: float
    batch_size: int


@dataclass(frozen=True)
class Action:
    """What to do after a checkpoint, and why."""

    kind: str      # continue | warn | intervene | restart | stop | early_stop
    reason: str


def decide(letter: str, state: DriftState, *, max_interventions: int = 3, max_restarts: int = 2,
           failures: Sequence[str] = (), perfect: bool = False) -> Action:
    """The action for a checkpoint graded ``letter`` given the phase's counters, the checkpoint's
    real ``failures`` and whether its validation answers are all correct and parse (``perfect``).
    """
    if letter in ("A", "B"):
        return Action("continue", f"grade {letter}")
    if letter == "C":
        return Action("warn", "grade C is below B")
    if letter not in ("D", "F"):
        raise ValueError(f"unknown grade `{letter}`; expected A, B, C, D or F")
    if letter == "F" and failures and not perfect:
        why = ", ".join(failures)
        if state.restarts >= max_restarts:
            return Action("stop", f"grade F with a failure ({why}) needs a restart but all "
                                  f"{max_restarts} restarts of this phase are used")
        return Action("restart", f"grade F is below D, with a failure: {why}")
    if letter == "F":
        why = ("every validation answer is correct and parses" if perfect else
               "no failure (no NaN/inf, no diverging training loss, no regression)")
        reason = f"grade F is below D but {why}: adjusting instead of restarting"
    else:
        reason = "grade D is below C"
    if state.interventions >= max_interventions:
        return Action("warn", f"{reason}; all {max_interventions} interventions of this phase "
                              f"are used, so training goes on with the current settings")
    return Action("intervene", reason)


def early_stop(checkpoints_since_best: int, overfitting: bool, patience: int) -> bool:
    """End the stage early: the best checkpoint is ``patience`` (> 0) or more checkpoints old and
    the latest one is over-fitting.

    >>> early_stop(3, True, 3), early_stop(3, False, 3), early_stop(2, True, 3), early_stop(9, True, 0)
    (True, False, False, False)
    """
    return patience > 0 and overfitting and checkpoints_since_best >= patience


def next_action(history: list[rubric.CheckpointMetrics], letter: str, state: DriftState, *,
                max_interventions: int = 3, max_restarts: int = 2, min_checkpoints: int = 1,
                early_stop_patience: int = 0) -> Action:
    """The action after the latest checkpoint of ``history`` graded ``letter`` (by the rules or by
    the Claude agents): :func:`decide` with the rules' failures, then early stopping.

    Whatever ``letter`` says, a restart needs a real failure measured by the rules
    (:func:`helix_train.rubric.failures`), and a checkpoint whose validation answers are all
    correct and parse is never restarted."""
    if len(history) < min_checkpoints:
        return Action("continue", "too few checkpoints graded for drift actions")
    action = decide(letter, state, max_interventions=max_interventions,
                    max_restarts=max_restarts, failures=rubric.failures(history),
                    perfect=rubric.perfect(history[-1]))
    if action.kind in ("continue", "warn", "intervene"):
        since_best = len(history) - 1 - rubric.best_index(history)
        if early_stop(since_best, rubric.overfitting(history), early_stop_patience):
            return Action("early_stop", f"over-fitting: the validation loss rose while accuracy "
                                        f"held, and the best checkpoint is {since_best} "
                                        f"checkpoints old (early_stop_patience "
                                        f"{early_stop_patience}); the stage ends with it")
    return action


def simulate(series: list[rubric.CheckpointMetrics], **limits) -> list[dict]:
    """Run a synthetic checkpoint series through the rules as the curriculum would.

    Each checkpoint is scored against the history so far, graded, and given its action
    (:func:`next_action` with ``limits``: ``max_interventions``, ``max_restarts``,
    ``min_checkpoints``, ``early_stop_patience``).  After a restart the history continues from
    the best checkpoint (as the runner's new attempt inherits it); ``stop`` and ``early_stop``
    end the series.  Returns one row per graded checkpoint.

    >>> good = [rubric.CheckpointMetrics(10 * i, 1 / i, 0.97, 0, 100, 1.2 / i) for i in (1, 2, 3)]
    >>> [(r["grade"], r["action"]) for r in simulate(good)]
    [('A', 'continue'), ('A', 'continue'), ('A', 'continue')]
    """
    state, history, rows = DriftState(), [], []
    for m in series:
        history.append(m)
        points = rubric.score(history)
        letter = rubric.grade(points.total)
        action = next_action(history, letter, state, **limits)
        state = apply(action, state)
        rows.append({"epoch": m.epoch, "points": points.total, "grade": letter,
                     "failures": rubric.failures(history),
                     "overfitting": rubric.overfitting(history), "action": action.kind,
                     "reason": action.reason})
        if action.kind in ("stop", "early_stop"):
            break
        if action.kind == "restart":
            history = history[:rubric.best_index(history) + 1]
    return rows


def adjust(settings: Settings, how: str = "halve_lr", batch_size_factor: float = 2.0) -> Settings:
    """The adjusted settings of an intervention or restart.

    >>> adjust(Settings(1e-3, 8))
    Settings(learning_rate=0.0005, batch_size=8)
    >>> adjust(Settings(1e-3, 8), "batch_size")
    Settings(learning_rate=0.001, batch_size=16)
    """
    if how == "halve_lr":
        return replace(settings, learning_rate=settings.learning_rate / 2)
    if how == "batch_size":
        return replace(settings, batch_size=max(1, round(settings.batch_size * batch_size_factor)))
    raise ValueError(f"unknown intervention `{how}`; expected `halve_lr` or `batch_size`")


def apply(action: Action, state: DriftState) -> DriftState:
    """The counters after taking ``action``."""
    if action.kind == "intervene":
        return replace(state, interventions=state.interventions + 1)
    if action.kind == "restart":
        return replace(state, restarts=state.restarts + 1)
    return state
