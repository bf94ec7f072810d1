"""Rubric bands, table-driven: synthetic metric histories for every band of every category.

Loss convergence is judged on the training loss; the validation loss only counts when it is NaN/inf
(and in the progress rule's "improves").  The simulation suite of whole checkpoint series (grade
and action per series) is in ``test_simulation.py``."""

from __future__ import annotations

import doctest
import math

import pytest

import helix_train.rubric as rubric
from helix_train.rubric import CheckpointMetrics, grade, score, trend

NAN = math.nan
INF = math.inf


def hist(*rows, total=100):
    """rows: (loss, accuracy[, format_errors]) per checkpoint, ``total`` answers each; the loss is
    both the training and the validation loss."""
    return [CheckpointMetrics(epoch=10 * (i + 1), eval_loss=r[0], accuracy=r[1],
                              format_errors=r[2] if len(r) > 2 else 0, total=total,
                              train_loss=r[0])
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
    ([0.05, 0.004, 0.002, 0.0035, 0.002], 30, "near zero: wobbles below 0.01 are no spikes"),
    ([0.3, 0.05, 0.09], 10, "near zero: 1.8 × the best but 0.04 above it is a spike, not "
                            "divergence"),
    ([0.3, 0.05, 0.2], 0, "1.5 × the best and 0.15 above it: diverging"),
]


@pytest.mark.parametrize("losses,points,band", LOSS_CASES, ids=[c[2] for c in LOSS_CASES])
def test_loss_convergence(losses, points, band):
    assert rubric.loss_points(losses) == points


def test_loss_convergence_reads_the_training_loss_not_the_validation_loss():
    """The issue's case: validation loss 0.05 → 0.08 (over-fitting) with a falling training loss,
    100 % accuracy, perfect format: 100 points, not a diverging 0."""
    h = [CheckpointMetrics(10 * (i + 1), ev, 1.0, 0, 100, tr)
         for i, (ev, tr) in enumerate([(0.05, 0.2), (0.06, 0.1), (0.08, 0.05)])]
    assert rubric.score(h).loss_convergence == 30 and rubric.score(h).total == 100
    assert rubric.overfitting(h) and rubric.failures(h) == []
    # a NaN validation loss still counts as diverging, whatever the training loss says
    h.append(CheckpointMetrics(40, NAN, 1.0, 0, 100, 0.04))
    assert rubric.score(h).loss_convergence == 0 and rubric.failures(h) == ["nan/inf loss"]


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
    ([(1.0, 0.8), (0.9, 0.5)], "regressing", 0),          # −30 points of accuracy
    ([(1.0, 0.8, 0), (0.9, 0.8, 20)], "regressing", 0),   # +20 points of unparsed answers
    ([(1.0, 0.8), (0.9, 0.75)], "improving", 20),         # −5 points (not more): loss improves
    ([(1.0, 0.5), (1.6, 0.5)], "plateau", 15),            # a diverging loss is not progress's
    # an early model (nothing right yet) whose loss falls: fewer parsable answers is not a failure
    ([(1.0, 0.0, 30), (0.9, 0.0, 80)], "improving", 20),
    ([(1.0, 0.0, 30), (1.0, 0.0, 80)], "regressing", 0),  # ... unless the loss stopped falling
    ([(1.0, 0.3, 30), (0.9, 0.3, 80)], "regressing", 0),  # ... and only while nothing is learnt
]


@pytest.mark.parametrize("rows,expected_trend,points", PROGRESS_CASES)
def test_progress_consistency(rows, expected_trend, points):
    h = hist(*rows)
    assert trend(h) == expected_trend
    assert score(h).progress_consistency == points


@pytest.mark.parametrize("total,regressing", [(50, False), (100, False), (1000, True)])
def test_a_regression_must_exceed_the_sampling_noise(total, regressing):
    """80 % → 70 %: noise on 50 or 100 validation answers (under 2.5 standard errors of the
    difference), a real regression on 1000."""
    h = hist((1.0, 0.8), (1.0, 0.7), total=total)
    assert (trend(h) == "regressing") == regressing
    assert ("accuracy regression" in rubric.failures(h)) == regressing


def test_failures_name_only_real_failures():
    assert rubric.failures(hist((2.0, 0.5), (1.0, 0.6))) == []
    assert rubric.failures(hist((1.0, 0.5), (1.6, 0.5))) == ["training loss diverging"]
    assert rubric.failures(hist((1.0, 0.5), (INF, 0.0, 100))) == [
        "nan/inf loss", "accuracy regression", "format regression"]


GRADE_CASES = [  # a full history per grade band, with the expected total
    (hist((2.0, 0.5), (1.0, 0.97)), 100, "A"),
    (hist((2.0, 0.5), (1.0, 0.92, 1)), 90, "A"),
    (hist((2.0, 0.5), (1.0, 0.85, 1)), 85, "B"),
    (hist((2.0, 0.5), (1.0, 0.6, 1), (1.0, 0.6, 1)), 70, "C"),
    (hist((2.0, 0.5, 10), (1.0, 0.5, 10), (1.0, 0.5, 10), (1.0, 0.5, 10), (1.0, 0.5, 10)), 55,
     "F"),
    (hist((2.0, 0.5), (1.0, 0.5, 10)), 45, "F"),   # unparsed answers 0 % → 10 %: format regression
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
