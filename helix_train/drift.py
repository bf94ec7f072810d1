"""Drift correction: a checkpoint's grade → the action the curriculum takes next.

======  ===========================================================================
grade   action
======  ===========================================================================
A, B    ``continue``
C       ``warn`` (below B): log it, change nothing
D       ``intervene`` (below C): halve the learning rate, or scale the batch size
F       ``restart`` (below D): restart from the best checkpoint so far with the
        adjusted settings (the same adjustment as an intervention)
======  ===========================================================================

Bounded per phase: after ``max_interventions`` interventions or ``max_restarts`` restarts, the
next one that would be needed is a ``stop`` with a failure report instead.

>>> s = DriftState()
>>> decide("D", s, max_interventions=3, max_restarts=2).kind
'intervene'
>>> s = DriftState(interventions=3)
>>> decide("D", s, max_interventions=3, max_restarts=2).kind
'stop'
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["Action", "DriftState", "Settings", "decide", "adjust", "apply"]


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

    kind: str      # continue | warn | intervene | restart | stop
    reason: str


def decide(letter: str, state: DriftState, *, max_interventions: int = 3,
           max_restarts: int = 2) -> Action:
    """The action for a checkpoint graded ``letter`` given the phase's counters."""
    if letter in ("A", "B"):
        return Action("continue", f"grade {letter}")
    if letter == "C":
        return Action("warn", "grade C is below B")
    if letter == "D":
        if state.interventions >= max_interventions:
            return Action("stop", f"grade D needs an intervention but all {max_interventions} "
                                  f"interventions of this phase are used")
        return Action("intervene", "grade D is below C")
    if letter == "F":
        if state.restarts >= max_restarts:
            return Action("stop", f"grade F needs a restart but all {max_restarts} restarts of "
                                  f"this phase are used")
        return Action("restart", "grade F is below D")
    raise ValueError(f"unknown grade `{letter}`; expected A, B, C, D or F")


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
