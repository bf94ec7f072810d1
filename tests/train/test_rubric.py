"""Rubric bands, table-driven: synthetic metric histories for every band of every category."""

from __future__ import annotations

import doctest
import math

import pytest

import helix_train.rubric as rubric
from helix_train.rubric import CheckpointMetrics, grade, score, trend

NAN = math.nan


def hist(*rows):
    """rows: (eval_loss, accuracy[, format_errors]) per checkpoint, 100 answers each."""
    return [CheckpointMetrics(epoch=10 * (i + 1), eval_loss=r[0], accuracy=r[1],
                              format_errors=r[2] if len(r) > 2 else 0, total=100)
            for i, r in enumerate(rows)]


LOSS_CASES = [  # (losses, points, band)
    ([1.0], 30, "smooth: one checkpoint"),
    ([2.0, 1.5, 1.0, 0.5], 30, "smooth decrease"),
    ([2.0, 1.0, 1.04, 0.9], 30, "a 4 % bump is not a spike"),
    ([2.0, 1.0, 1.1, 0.8, 0.6], 20, "one spike in four steps"),
    ([2.0, 1.0, 1.2, 0.9, 1.0, 0.8], 10, "erratic: two spikes in five steps"),
    ([1.0, 1.2], 0, "diverging: above the first loss"),
    ([2.0, 0.4, 0.7], 0, "diverging: 1.75 × the best loss"),
    ([1.0, NAN], 0, "NaN counts as diverging"),
    ([1.0, math.inf], 0, "inf counts as diverging"),
]


@pytest.mark.parametrize("losses,points,band", LOSS_CASES, ids=[c[2] for c in LOSS_CASES])
def test_loss_convergence(losses, points, band):
    assert rubric.loss_points(losses) == points


@pytest.mark.parametrize("accuracy,points", [
    (1.0, 30), (0.96, 30), (0.95, 25), (0.90, 25), (0.899, 20), (0.80, 20), (0.79, 10), (0.0, 10)])
def test_validation_accuracy(accuracy, points):
    assert rubric.accuracy_points(accuracy) == points


@pytest.mark.parametrize("errors,points", [(0, 20), (1, 15), (5, 15), (6, 5), (100, 5)])
def test_format_correctness(errors, points):
    h = hist((1.0, 0.5, errors))
    assert score(h).format_correctness == points


PROGRESS_CASES = [  # (history rows, trend, points)
    ([(1.0, 0.5)], "first", 20),
    ([(1.0, 0.5), (0.9, 0.5)], "improving", 20),          # loss −10 %
    ([(1.0, 0.5), (1.0, 0.6)], "improving", 20),          # accuracy +10 points
    ([(1.0, 0.5), (1.0, 0.5)], "plateau", 15),
    ([(1.0, 0.5), (0.9, 0.6), (0.9, 0.6), (0.9, 0.6)], "plateau", 15),
    ([(1.0, 0.5), (1.0, 0.5), (1.0, 0.5), (1.0, 0.5)], "stalled", 10),
    ([(1.0, 0.97), (1.0, 0.97)], "plateau", 20),          # saturated accuracy is not a stall
    ([(1.0, 0.8), (0.9, 0.7)], "regressing", 0),          # −10 points of accuracy
    ([(1.0, 0.5), (1.6, 0.5)], "regressing", 0),          # diverging loss
]


@pytest.mark.parametrize("rows,expected_trend,points", PROGRESS_CASES)
def test_progress_consistency(rows, expected_trend, points):
    h = hist(*rows)
    assert trend(h) == expected_trend
    assert score(h).progress_consistency == points


GRADE_CASES = [  # a full history per grade band, with the expected total
    (hist((2.0, 0.5), (1.0, 0.97)), 100, "A"),
    (hist((2.0, 0.5), (1.0, 0.92, 1)), 90, "A"),
    (hist((2.0, 0.5), (1.0, 0.85, 1)), 85, "B"),
    (hist((2.0, 0.5), (1.0, 0.6, 1), (1.0, 0.6, 1)), 70, "C"),
    (hist((2.0, 0.5), (1.0, 0.5, 10), (1.0, 0.5, 10), (1.0, 0.5, 10), (1.0, 0.5, 10)), 55, "F"),
    (hist((2.0, 0.6), (1.0, 0.7, 10), (1.1, 0.7, 10), (0.9, 0.7, 1)), 65, "D"),
    (hist((1.0, 0.9), (NAN, 0.0, 100)), 15, "F"),
]


@pytest.mark.parametrize("history,total,letter", GRADE_CASES)
def test_total_and_grade(history, total, letter):
    s = score(history)
    assert s.total == total
    assert grade(s.total) == letter
    assert s.as_dict()["total"] == total


def test_points_never_exceed_the_rubric():
    for history, _, _ in GRADE_CASES:
        s = score(history).as_dict()
        for name, top in rubric.MAX_POINTS.items():
            assert 0 <= s[name] <= top
    assert sum(rubric.MAX_POINTS.values()) == 100


@pytest.mark.parametrize("bad", [[], None])
def test_empty_history_is_rejected(bad):
    with pytest.raises((ValueError, TypeError)):
        score(bad)


def test_doctests():
    assert doctest.testmod(rubric).failed == 0
