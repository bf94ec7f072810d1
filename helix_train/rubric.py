"""The watchdog rubric: checkpoint metrics → points per category → total → letter grade.

Pure functions over a :class:`History` (one :class:`CheckpointMetrics` per graded checkpoint,
oldest first).  Each category has a measurable rule:

Loss convergence (30) — over the eval losses ``L0..Lk`` of all checkpoints so far:
    * **diverging 0**: the latest loss is NaN/inf, or ``Lk > L0``, or ``Lk > 1.5 × min(L)``;
    * otherwise count *spikes*, steps where ``L(i) > 1.05 × L(i-1)``:
      none → **smooth 30**; at most a third of the steps → **some spikes 20**; more → **erratic 10**.
Validation accuracy (30) — share of validation answers the corpus graders accept:
    ``> 95 %`` → 30, ``90–95 %`` → 25, ``80–90 %`` → 20, below → 10.
Format correctness (20) — share of answers that do not parse in their answer format:
    none → **perfect 20**; at most 5 % → **minor 15**; more → **major 5**.
Progress consistency (20) — the latest checkpoint against the earlier ones.  A checkpoint
*improves* when its accuracy rises by more than 0.5 points or its eval loss falls by more than 1 %:
    * **regression 0**: accuracy is more than 5 points below the best earlier accuracy, or the loss
      is diverging (as above);
    * **steady improvement 20**: the first checkpoint, one that improves, or accuracy above 95 %;
    * **plateaus handled 15**: no improvement for 1–2 checkpoints in a row;
    * **stalls 10**: no improvement for 3 or more checkpoints in a row.

Grades: A 90–100, B 80–89, C 70–79, D 60–69, F below 60.

>>> h = [CheckpointMetrics(epoch=10, eval_loss=0.5, accuracy=0.97, format_errors=0, total=100)]
>>> score(h)
Score(loss_convergence=30, validation_accuracy=30, format_correctness=20, progress_consistency=20)
>>> score(h).total, grade(score(h).total)
(100, 'A')
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

__all__ = ["CheckpointMetrics", "Score", "MAX_POINTS", "score", "grade", "loss_points",
           "accuracy_points", "format_points", "progress_points", "trend", "GRADE_BANDS"]

MAX_POINTS = {"loss_convergence": 30, "validation_accuracy": 30, "format_correctness": 20,
              "progress_consistency": 20}
GRADE_BANDS = (("A", 90), ("B", 80), ("C", 70), ("D", 60), ("F", 0))
SPIKE = 1.05          # a loss step up by more than 5 % is a spike
DIVERGE = 1.5         # 50 % above the best loss is divergence
IMPROVE_ACC = 0.005   # +0.5 points of accuracy
IMPROVE_LOSS = 0.01   # −1 % eval loss
REGRESS_ACC = 0.05    # −5 points below the best earlier accuracy


@dataclass(frozen=True)
class CheckpointMetrics:
    """What the watchdog measured at one checkpoint."""

    epoch: float
    eval_loss: float
    accuracy: float          # correct / total on the validation split
    format_errors: int       # answers that did not parse
    total: int               # answers graded

    @property
    def format_error_rate(self) -> float:
        return self.format_errors / self.total if self.total else 0.0


@dataclass(frozen=True)
class Score:
    """Points per category; :attr:`total` is their sum (0–100)."""

    loss_convergence: int
    validation_accuracy: int
    format_correctness: int
    progress_consistency: int

    @property
    def total(self) -> int:
        return (self.loss_convergence + self.validation_accuracy + self.format_correctness
                + self.progress_consistency)

    def as_dict(self) -> dict:
        return {**asdict(self), "total": self.total}


def _finite(x: float) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _diverging(losses: list[float]) -> bool:
    last = losses[-1]
    if not _finite(last):
        return True
    finite = [x for x in losses if _finite(x)]
    return last > finite[0] or last > DIVERGE * min(finite)


def loss_points(losses: list[float]) -> int:
    """Loss convergence points for the eval-loss series (oldest first).

    >>> loss_points([2.0, 1.0, 0.5]), loss_points([2.0, 1.0, 1.1, 0.5]), loss_points([1, 2])
    (30, 20, 0)
    >>> loss_points([1.0, float("nan")])
    0
    """
    if not losses:
        raise ValueError("`losses` is empty; grade a checkpoint only after measuring its eval loss")
    if _diverging(losses):
        return 0
    steps = list(zip(losses, losses[1:]))
    spikes = sum(1 for a, b in steps if _finite(a) and b > SPIKE * a)
    if spikes == 0:
        return 30
    return 20 if spikes <= len(steps) / 3 else 10


def accuracy_points(accuracy: float) -> int:
    """Validation accuracy points.

    >>> [accuracy_points(a) for a in (1.0, 0.95, 0.9, 0.85, 0.5)]
    [30, 25, 25, 20, 10]
    """
    if accuracy > 0.95:
        return 30
    if accuracy >= 0.90:
        return 25
    if accuracy >= 0.80:
        return 20
    return 10


def format_points(error_rate: float) -> int:
    """Format correctness points for the share of answers that did not parse.

    >>> [format_points(r) for r in (0.0, 0.05, 0.2)]
    [20, 15, 5]
    """
    if error_rate == 0:
        return 20
    return 15 if error_rate <= 0.05 else 5


def _improves(cur: CheckpointMetrics, prev: CheckpointMetrics) -> bool:
    return (cur.accuracy > prev.accuracy + IMPROVE_ACC
            or (_finite(cur.eval_loss) and _finite(prev.eval_loss)
                and cur.eval_loss < prev.eval_loss * (1 - IMPROVE_LOSS)))


def trend(history: list[CheckpointMetrics]) -> str:
    """``first``, ``improving``, ``plateau`` (1–2 flat checkpoints), ``stalled`` (3+) or ``regressing``."""
    cur = history[-1]
    if len(history) == 1:
        return "first"
    if _diverging([m.eval_loss for m in history]) or cur.accuracy < max(
            m.accuracy for m in history[:-1]) - REGRESS_ACC:
        return "regressing"
    if _improves(cur, history[-2]):
        return "improving"
    flat = 0
    for i in range(len(history) - 1, 0, -1):
        if _improves(history[i], history[i - 1]):
            break
        flat += 1
    return "plateau" if flat <= 2 else "stalled"


def progress_points(history: list[CheckpointMetrics]) -> int:
    """Progress consistency points for the latest checkpoint of ``history``."""
    t = trend(history)
    if t == "regressing":
        return 0
    if t in ("first", "improving") or history[-1].accuracy > 0.95:
        return 20
    return 15 if t == "plateau" else 10


def score(history: list[CheckpointMetrics]) -> Score:
    """Rubric points of the latest checkpoint given every checkpoint so far."""
    if not history:
        raise ValueError("`history` is empty; score needs at least one graded checkpoint")
    cur = history[-1]
    return Score(
        loss_convergence=loss_points([m.eval_loss for m in history]),
        validation_accuracy=accuracy_points(cur.accuracy),
        format_correctness=format_points(cur.format_error_rate),
        progress_consistency=progress_points(history),
    )


def grade(total: int) -> str:
    """Letter grade of a 0–100 total.

    >>> [grade(t) for t in (100, 90, 89, 80, 79, 70, 69, 60, 59, 0)]
    ['A', 'A', 'B', 'B', 'C', 'C', 'D', 'D', 'F', 'F']
    """
    if not 0 <= total <= 100:
        raise ValueError(f"`total` must be within 0–100, got {total}")
    return next(letter for letter, low in GRADE_BANDS if total >= low)
