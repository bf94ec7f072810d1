"""Drift rules, table-driven: every grade, every action, every bound, and what may restart."""

from __future__ import annotations

import doctest

import pytest

import helix_train.drift as drift
from helix_train.drift import Action, DriftState, Settings, adjust, apply, decide

FAIL = ["training loss diverging"]
CASES = [  # (grade, interventions, restarts, failures, perfect, action)
    ("A", 0, 0, [], False, "continue"), ("B", 3, 2, FAIL, False, "continue"),
    ("C", 0, 0, [], False, "warn"), ("C", 3, 2, FAIL, False, "warn"),
    ("D", 0, 0, [], False, "intervene"), ("D", 2, 0, FAIL, False, "intervene"),
    ("D", 3, 0, [], False, "warn"),           # interventions used up: go on, the gates judge
    ("F", 0, 0, FAIL, False, "restart"), ("F", 3, 1, FAIL, False, "restart"),
    ("F", 0, 2, FAIL, False, "stop"),         # restarts used up with a real failure
    ("F", 0, 0, [], False, "intervene"),      # a slow learner: adjust, never restart
    ("F", 3, 0, [], False, "warn"),
    ("F", 0, 0, FAIL, True, "intervene"),     # all validation answers right: never restarted
    ("F", 0, 2, FAIL, True, "intervene"),     # ... nor stopped
]


@pytest.mark.parametrize("letter,interventions,restarts,failures,perfect,kind", CASES)
def test_decide(letter, interventions, restarts, failures, perfect, kind):
    action = decide(letter, DriftState(interventions, restarts), max_interventions=3,
                    max_restarts=2, failures=failures, perfect=perfect)
    assert action.kind == kind
    assert action.reason
    if kind == "restart":
        assert "training loss diverging" in action.reason


def test_unknown_grade():
    with pytest.raises(ValueError, match="unknown grade `E`"):
        decide("E", DriftState())


@pytest.mark.parametrize("how,expected", [
    ("halve_lr", Settings(5e-4, 8)), ("batch_size", Settings(1e-3, 16))])
def test_adjust(how, expected):
    assert adjust(Settings(1e-3, 8), how) == expected


def test_adjust_unknown():
    with pytest.raises(ValueError, match="unknown intervention"):
        adjust(Settings(1e-3, 8), "pray")


def _sequence(letter: str, failures: list[str]) -> list[str]:
    state, kinds = DriftState(), []
    for _ in range(6):
        action = decide(letter, state, failures=failures)
        kinds.append(action.kind)
        if action.kind == "stop":
            break
        state = apply(action, state)
    return kinds


def test_bounded_sequences():
    """A phase that keeps grading D: three interventions, then warnings (no failure, no stop).
    One that keeps failing (F with a failure): two restarts, then a failure stop."""
    assert _sequence("D", []) == ["intervene"] * 3 + ["warn"] * 3
    assert _sequence("F", FAIL) == ["restart"] * 2 + ["stop"]
    assert _sequence("F", []) == ["intervene"] * 3 + ["warn"] * 3


def test_apply_counts_only_what_it_should():
    s = DriftState()
    assert apply(Action("warn", ""), s) == s
    assert apply(Action("continue", ""), s) == s
    assert apply(Action("early_stop", ""), s) == s
    assert apply(Action("intervene", ""), s) == DriftState(interventions=1)
    assert apply(Action("restart", ""), s) == DriftState(restarts=1)


def test_doctests():
    assert doctest.testmod(drift).failed == 0
