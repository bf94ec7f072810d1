"""The watchdog's simulation suite: synthetic checkpoint series → grade and action per checkpoint.

Each series has 8 checkpoints (epochs 10 … 80, 100 validation answers each) and goes through
:func:`helix_train.drift.simulate` with the ``helix-5.1b`` limits (3 interventions, 2 restarts,
drift actions from the first checkpoint).  The expected grades and actions are written out here,
and docs/training.md holds the same table (checked below, so the two cannot drift apart).
A hypothesis property closes it: a checkpoint whose validation answers are all correct and all
parse is never restarted (nor stopped, nor graded below C), whatever the history and whatever
grade a Claude agent gives it.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helix_train import rubric
from helix_train.drift import DriftState, next_action, simulate
from helix_train.rubric import CheckpointMetrics

NAN = math.nan
DOC = Path(__file__).resolve().parents[2] / "docs" / "training.md"


def series(train, val, acc, fmt):
    return [CheckpointMetrics(10 * (i + 1), v, a, f, 100, t)
            for i, (t, v, a, f) in enumerate(zip(train, val, acc, fmt))]


#: name → (what it shows, series, expected grades, expected actions, limits)
SCENARIOS = {
    "healthy": (
        "losses fall, accuracy 40 → 99 %, unparsed 12 → 0 %",
        series([2.0, 1.2, 0.8, 0.5, 0.3, 0.2, 0.15, 0.1], [1.8, 1.1, 0.75, 0.5, 0.35, 0.25, 0.2, 0.18],
               [0.40, 0.65, 0.82, 0.91, 0.95, 0.97, 0.98, 0.99], [12, 6, 3, 1, 0, 0, 0, 0]),
        "DDBAAAAA", ["intervene"] * 2 + ["continue"] * 6, {}),
    "slow learner": (
        "training loss 3.0 → 2.0, accuracy 2 → 12 %, unparsed 60 → 40 %",
        series([3.0, 2.8, 2.6, 2.45, 2.3, 2.2, 2.1, 2.0], [3.1, 2.9, 2.75, 2.6, 2.5, 2.42, 2.35, 2.3],
               [0.02, 0.04, 0.05, 0.07, 0.08, 0.10, 0.11, 0.12], [60, 55, 50, 48, 45, 44, 42, 40]),
        "DDDDDDDD", ["intervene"] * 3 + ["warn"] * 5, {}),
    "over-fit, stable accuracy": (
        "training loss 0.5 → 0.002, validation loss 0.05 → 0.08 from epoch 30, accuracy 100 %",
        series([0.5, 0.2, 0.08, 0.03, 0.01, 0.005, 0.003, 0.002],
               [0.30, 0.10, 0.05, 0.055, 0.06, 0.065, 0.07, 0.08], [0.9, 0.98, 1, 1, 1, 1, 1, 1],
               [0] * 8),
        "AAAAAAAA", ["continue"] * 8, {}),
    "over-fit, stable accuracy, early_stop_patience 3": (
        "the same series",
        None, "AAAAAA", ["continue"] * 5 + ["early_stop"], {"early_stop_patience": 3}),
    "over-fit, falling accuracy": (
        "training loss 0.5 → 0.002, validation loss 0.1 → 0.6, accuracy 95 → 70 %, unparsed 0 → 8 %",
        series([0.5, 0.2, 0.08, 0.03, 0.01, 0.005, 0.003, 0.002],
               [0.3, 0.12, 0.10, 0.15, 0.25, 0.35, 0.45, 0.6],
               [0.85, 0.93, 0.95, 0.92, 0.86, 0.80, 0.74, 0.70], [3, 1, 0, 1, 2, 4, 6, 8]),
        "BAABBDFF", ["continue"] * 5 + ["intervene", "restart", "restart"], {}),
    "plateau": (
        "losses flat from epoch 30, accuracy 75 %, unparsed 2 %",
        series([1.0, 0.8, 0.7, 0.69, 0.69, 0.68, 0.68, 0.68], [1.1, 0.9, 0.8, 0.79, 0.79, 0.79, 0.79,
                                                               0.79],
               [0.6, 0.7, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75], [5, 3, 2, 2, 2, 2, 2, 2]),
        "CCCCCCDD", ["warn"] * 6 + ["intervene"] * 2, {}),
    "spike then recovery": (
        "training loss 0.6 → 0.78 → 0.5 at epoch 40, accuracy dips 90 → 84 %",
        series([2.0, 1.0, 0.6, 0.78, 0.5, 0.4, 0.35, 0.3], [1.8, 1.0, 0.6, 0.8, 0.55, 0.45, 0.4, 0.35],
               [0.5, 0.8, 0.9, 0.84, 0.92, 0.95, 0.96, 0.97], [5, 2, 1, 3, 1, 0, 0, 0]),
        "CBACBBAA", ["warn", "continue", "continue", "warn"] + ["continue"] * 4, {}),
    "divergence": (
        "training loss 0.5 → 0.9 → 3.0 from epoch 50, accuracy 92 → 10 %",
        series([2.0, 1.0, 0.6, 0.5, 0.9, 1.6, 2.5, 3.0], [1.8, 1.0, 0.6, 0.5, 0.9, 1.5, 2.4, 3.0],
               [0.5, 0.8, 0.9, 0.92, 0.85, 0.6, 0.3, 0.1], [5, 2, 1, 1, 3, 15, 40, 60]),
        "CBAAFFF", ["warn", "continue", "continue", "continue", "restart", "restart", "stop"], {}),
    "NaN": (
        "losses NaN from epoch 40, every answer wrong and unparsed",
        series([2.0, 1.0, 0.6, NAN, NAN, NAN, NAN, NAN], [1.8, 1.0, 0.6, NAN, NAN, NAN, NAN, NAN],
               [0.5, 0.8, 0.9, 0, 0, 0, 0, 0], [5, 2, 1, 100, 100, 100, 100, 100]),
        "CBAFFF", ["warn", "continue", "continue", "restart", "restart", "stop"], {}),
}
SCENARIOS["over-fit, stable accuracy, early_stop_patience 3"] = (
    SCENARIOS["over-fit, stable accuracy, early_stop_patience 3"][0],
    SCENARIOS["over-fit, stable accuracy"][1],
    *SCENARIOS["over-fit, stable accuracy, early_stop_patience 3"][2:])

OUTCOME = {
    "continue": "trains to the end", "warn": "trains to the end",
    "intervene": "trains to the end", "early_stop": "ends early; its best checkpoint is the result",
    "restart": "new attempt from the best checkpoint, half the LR",
    "stop": "stops after 2 restarts: FAILURE.md, no phase 2",
}


def _actions(kinds: list[str]) -> str:
    """``intervene ×2, continue ×6`` (runs of the same action)."""
    runs: list[list] = []
    for k in kinds:
        if runs and runs[-1][0] == k:
            runs[-1][1] += 1
        else:
            runs.append([k, 1])
    return ", ".join(k if n == 1 else f"{k} ×{n}" for k, n in runs)


def table() -> list[str]:
    """The simulation table as docs/training.md shows it."""
    lines = ["| series | what it shows | grades | actions | failures seen | outcome |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, (what, s, _, _, limits) in SCENARIOS.items():
        rows = simulate(s, **limits)
        kinds = [r["action"] for r in rows]
        fails = ", ".join(sorted({f for r in rows for f in r["failures"]})) or "none"
        lines.append(f"| {name} | {what} | {' '.join(r['grade'] for r in rows)} | "
                     f"{_actions(kinds)} | {fails} | {OUTCOME[kinds[-1]]} |")
    return lines


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_simulated_series(name):
    _, s, grades, actions, limits = SCENARIOS[name]
    rows = simulate(s, **limits)
    assert "".join(r["grade"] for r in rows) == grades
    assert [r["action"] for r in rows] == actions
    for r in rows:  # a restart only after a real failure, never on a perfect checkpoint
        if r["action"] == "restart":
            assert r["failures"] and r["grade"] == "F"


def test_over_fitting_is_seen_and_never_restarted():
    rows = simulate(SCENARIOS["over-fit, stable accuracy"][1])
    assert [r["overfitting"] for r in rows] == [False] * 3 + [True] * 5
    assert {r["action"] for r in rows} == {"continue"}
    # the best checkpoint is the one with the lowest validation loss among the 100 % ones
    assert rubric.best_index(SCENARIOS["over-fit, stable accuracy"][1]) == 2


def test_the_table_in_docs_matches_the_simulation():
    doc = DOC.read_text(encoding="utf-8")
    for line in table():
        assert line in doc, f"docs/training.md lacks or differs in: {line}"


# --------------------------------------------------------------------------- the property

_loss = st.one_of(st.floats(min_value=0.0, max_value=20.0), st.just(math.nan),
                  st.just(math.inf))


@st.composite
def checkpoint(draw, perfect: bool = False):
    total = draw(st.integers(min_value=1, max_value=1000))
    if perfect:
        acc, fmt = 1.0, 0
    else:
        correct = draw(st.integers(min_value=0, max_value=total))
        acc, fmt = correct / total, draw(st.integers(min_value=0, max_value=total - correct))
    return CheckpointMetrics(epoch=draw(st.integers(0, 500)), eval_loss=draw(_loss),
                             accuracy=acc, format_errors=fmt, total=total,
                             train_loss=draw(st.one_of(st.none(), _loss)))


@settings(max_examples=200, deadline=None)
@given(earlier=st.lists(checkpoint(), max_size=12), last=checkpoint(perfect=True),
       letter=st.sampled_from("ABCDF"), interventions=st.integers(0, 5),
       restarts=st.integers(0, 5), patience=st.integers(0, 4))
def test_perfect_validation_is_never_restarted(earlier, last, letter, interventions, restarts,
                                               patience):
    """All validation answers right and parsed: the rules grade it C or better, and no grade (a
    Claude agent may say F) makes the watchdog restart or stop it."""
    history = [*earlier, last]
    assert rubric.score(history).total >= 70
    action = next_action(history, letter, DriftState(interventions, restarts),
                         early_stop_patience=patience)
    assert action.kind not in ("restart", "stop")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(checkpoint(), st.booleans()), min_size=1, max_size=15))
def test_simulated_runs_never_restart_a_perfect_checkpoint(points):
    s = [CheckpointMetrics(m.epoch, m.eval_loss, 1.0, 0, m.total, m.train_loss) if p else m
         for m, p in points]
    rows = simulate(s)
    for m, r in zip(s, rows):
        if rubric.perfect(m):
            assert r["action"] not in ("restart", "stop")
    assert Counter(r["action"] for r in rows)["restart"] <= 2
