"""Drift rules, table-driven: every grade, every action, every bound."""

from __future__ import annotations

import doctest

import pytest

import helix_train.drift as drift
from helix_train.drift import Action, DriftState, Settings, adjust, apply, decide

CASES = [  # (grade, interventions, restarts, action)
    ("A", 0, 0, "continue"), ("B", 3, 2, "continue"),
    ("C", 0, 0, "warn"), ("C", 3, 2, "warn"),
    ("D", 0, 0, "intervene"), ("D", 2, 0, "intervene"), ("D", 3, 0, "stop"),
    ("F", 0, 0, "restart"), ("F", 3, 1, "restart"), ("F", 0, 2, "stop"),
]


@pytest.mark.parametrize("letter,interventions,restarts,kind", CASES)
def test_decide(letter, interventions, restarts, kind):
    action = decide(letter, DriftState(interventions, restarts), max_interventions=3, max_restarts=2)
    assert action.kind == kind
    assert action.reason


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


def test_bounded_sequence_ends_in_stop():
    """A phase that keeps grading D: three interventions, then a failure stop."""
    state, kinds = DriftState(), []
    for _ in range(5):
        action = decide("D", state)
        kinds.append(action.kind)
        if action.kind == "stop":
            break
        state = apply(action, state)
    assert kinds == ["intervene"] * 3 + ["stop"]
    state, kinds = DriftState(), []
    for _ in range(5):
        action = decide("F", state)
        kinds.append(action.kind)
        if action.kind == "stop":
            break
        state = apply(action, state)
    assert kinds == ["restart"] * 2 + ["stop"]


def test_apply_counts_only_what_it_should():
    s = DriftState()
    assert apply(Action("warn", ""), s) == s
    assert apply(Action("continue", ""), s) == s


def test_doctests():
    assert doctest.testmod(drift).failed == 0
