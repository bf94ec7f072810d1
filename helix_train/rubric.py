"""The watchdog rubric: checkpoint metrics → points per category → total → letter grade.

Pure functions over a :class:`History` (one :class:`CheckpointMetrics` per graded checkpoint,
oldest first).  Each category has a measurable rule:

Loss convergence (30) — over the TRAINING losses ``L0..Lk`` of the checkpoints so far (each the
mean training loss logged since the previous checkpoint):
    * **diverging 0**: the latest training or validation loss is NaN/inf, or the training loss
      rose above the first one (``Lk > L0``) or above 1.5 × its minimum (``Lk > 1.5 × min(L)``),
      by more than 0.1 in both cases (near zero a small absolute wobble is no divergence);
    * otherwise count *spikes*, steps where ``L(i) > 1.05 × L(i-1)`` and ``L(i) − L(i-1) > 0.01``:
      none → **smooth 30**; at most a third of the steps → **some spikes 20**; more → **erratic 10**.
    The validation loss is not part of this category: a validation loss that rises while the
    training loss falls is over-fitting (see :func:`overfitting`), judged by accuracy.
Validation accuracy (30) — share of validation answers the corpus graders accept:
    ``> 95 %`` → 30, ``90–95 %`` → 25, ``80–90 %`` → 20, below → 10.
Format correctness (20) — share of answers that do not parse in their answer format:
    none → **perfect 20**; at most 5 % → **minor 15**; more → **major 5**.
Progress consistency (20) — the latest checkpoint against the earlier ones.  A checkpoint
*improves* when its accuracy rises by more than 0.5 points or its validation loss falls by more
than 1 %:
    * **regression 0**: accuracy fell below the best earlier accuracy, or the share of unparsed
      answers rose above the lowest earlier share, by more than 5 points and by more than 2.5
      standard errors of the difference (binomial sampling noise of the two validation samples) —
      except for an early model (below 10 % accuracy at every checkpoint so far) whose validation
      loss is at a new low by more than 1 %: it is learning, and its share of parsable answers
      wobbles;
    * **steady improvement 20**: the first checkpoint, one that improves, or accuracy above 95 %;
    * **plateaus handled 15**: no improvement for 1–2 checkpoints in a row;
    * **stalls 10**: no improvement for 3 or more checkpoints in a row.

Grades: A 90–100, B 80–89, C 70–79, D 60–69, F below 60.

Besides the points, :func:`failures` names the *real failures* of the latest checkpoint — a NaN or
inf loss, a diverging training loss, an accuracy or format regression — the only reasons the drift
rules restart a stage (:mod:`helix_train.drift`), and :func:`overfitting` says when the validation
loss rose while accuracy and format held (the best checkpoint is kept; never a restart).
A checkpoint whose validation answers are all correct and all parse (:func:`perfect`) scores at
least 70 (30 accuracy + 20 format + 20 progress): it is never graded D or F.

>>> h = [CheckpointMetrics(epoch=10, eval_loss=0.5, accuracy=0.97, format_errors=0, total=100,
...                        train_loss=0.6)]
>>> score(h)
Score(loss_convergence=30, validation_accuracy=30, format_correctness=20, progress_consistency=20)
>>> score(h).total, grade(score(h).total)
(100, 'A')
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

__all__ = ["CheckpointMetrics", "Score", "MAX_POINTS", "score", "grade", "loss_points",
           "accuracy_points", "format_points", "progress_points", "trend", "GRADE_BANDS",
           "failures", "overfitting", "perfect", "best_index", "train_losses"]

MAX_POINTS = {"loss_convergence": 30, "validation_accuracy": 30, "format_correctness": 20,
              "progress_consistency": 20}
GRADE_BANDS = (("A", 90), ("B", 80), ("C", 70), ("D", 60), ("F", 0))
SPIKE = 1.05          # a training-loss step up by more than 5 % ...
SPIKE_ABS = 0.01      # ... and by more than 0.01 is a spike
DIVERGE = 1.5         # 50 % above the lowest training loss ...
DIVERGE_ABS = 0.1     # ... and more than 0.1 above it (or above L0) is divergence
IMPROVE_ACC = 0.005   # +0.5 points of accuracy
IMPROVE_LOSS = 0.01   # −1 % validation loss
REGRESS = 0.05        # −5 points of accuracy (or +5 points of unparsed answers) ...
REGRESS_SE = 2.5      # ... and more than 2.5 standard errors of the difference
OVERFIT = 0.05        # validation loss 5 % above its minimum: over-fitting (when accuracy holds)


@dataclass(frozen=True)
class CheckpointMetrics:
    """What the watchdog measured at one checkpoint."""

    epoch: float
    eval_loss: float         # validation completion loss
    accuracy: float          # correct / total on the validation split
    format_errors: int       # answers that did not parse
    total: int               # answers graded
    train_loss: float | None = None  # mean training loss logged since the previous checkpoint

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


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def train_losses(history: list[CheckpointMetrics]) -> list[float]:
    """The training-loss curve of ``history`` (checkpoints without a training loss left out)."""
    return [m.train_loss for m in history if m.train_loss is not None]


def _diverging(losses: list[float]) -> bool:
    """The latest of ``losses`` is NaN/inf or rose well above the first or the lowest one."""
    if not losses:
        return False
    last = losses[-1]
    if not _finite(last):
        return True
    finite = [x for x in losses if _finite(x)]
    low = min(finite)
    return ((last > finite[0] and last - finite[0] > DIVERGE_ABS)
            or (last > DIVERGE * low and last - low > DIVERGE_ABS))


def loss_points(losses: list[float], eval_loss: float | None = None) -> int:
    """Loss convergence points for the training-loss series (oldest first); ``eval_loss`` is the
    latest validation loss (only its finiteness counts).

    >>> loss_points([2.0, 1.0, 0.5]), loss_points([2.0, 1.0, 1.1, 0.5]), loss_points([1, 2])
    (30, 20, 0)
    >>> loss_points([1.0, float("nan")]), loss_points([1.0, 0.9], eval_loss=float("inf"))
    (0, 0)
    >>> loss_points([0.02, 0.002, 0.004])   # a wobble near zero is neither spike nor divergence
    30
    """
    if eval_loss is not None and not _finite(eval_loss):
        return 0
    if not losses:
        if eval_loss is None:
            raise ValueError("`losses` is empty; grade a checkpoint only after measuring a loss")
        return 30  # no training loss logged: only the validation loss's finiteness is known
    if _diverging(losses):
        return 0
    steps = list(zip(losses, losses[1:]))
    spikes = sum(1 for a, b in steps if _finite(a) and b > SPIKE * a and b - a > SPIKE_ABS)
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


def _worse(best: float, n_best: int, cur: float, n_cur: int) -> bool:
    """``cur`` is worse than ``best`` (shares of two samples) by more than 5 points and by more
    than 2.5 standard errors of the difference."""
    drop = best - cur
    se = math.sqrt(best * (1 - best) / max(1, n_best) + cur * (1 - cur) / max(1, n_cur))
    return drop > REGRESS and drop > REGRESS_SE * se


#: Below this validation accuracy at every checkpoint so far, a model has learnt nothing yet.
EARLY_ACCURACY = 0.10


def _still_learning(history: list[CheckpointMetrics]) -> bool:
    """An early model that is learning: no checkpoint has reached :data:`EARLY_ACCURACY` yet and
    the latest validation loss is the lowest so far by more than 1 %.  Its share of parsable
    answers wobbles while the loss falls; that is not a regression."""
    cur = history[-1]
    prev = [m.eval_loss for m in history[:-1] if math.isfinite(m.eval_loss)]
    return (max(m.accuracy for m in history) < EARLY_ACCURACY and math.isfinite(cur.eval_loss)
            and bool(prev) and cur.eval_loss < min(prev) * (1 - IMPROVE_LOSS))


def _accuracy_regression(history: list[CheckpointMetrics]) -> bool:
    cur = history[-1]
    if len(history) < 2 or _still_learning(history):
        return False
    best = max(history[:-1], key=lambda m: m.accuracy)
    return _worse(best.accuracy, best.total, cur.accuracy, cur.total)


def _format_regression(history: list[CheckpointMetrics]) -> bool:
    cur = history[-1]
    if len(history) < 2 or _still_learning(history):
        return False
    best = min(history[:-1], key=lambda m: m.format_error_rate)
    # "worse" on the share of parsed answers
    return _worse(1 - best.format_error_rate, best.total, 1 - cur.format_error_rate, cur.total)


def trend(history: list[CheckpointMetrics]) -> str:
    """``first``, ``improving``, ``plateau`` (1–2 flat checkpoints), ``stalled`` (3+) or
    ``regressing`` (accuracy or format)."""
    cur = history[-1]
    if len(history) == 1:
        return "first"
    if _accuracy_regression(history) or _format_regression(history):
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
        loss_convergence=loss_points(train_losses(history), cur.eval_loss),
        validation_accuracy=accuracy_points(cur.accuracy),
        format_correctness=format_points(cur.format_error_rate),
        progress_consistency=progress_points(history),
    )


def failures(history: list[CheckpointMetrics]) -> list[str]:
    """The real failures of the latest checkpoint: the only reasons for a restart.

    ``nan/inf loss``, ``training loss diverging``, ``accuracy regression``, ``format regression``.

    >>> failures([CheckpointMetrics(1, 0.9, 0.5, 0, 100, 1.0), CheckpointMetrics(2, 1.5, 0.5, 0,
    ...                                                                           100, 0.5)])
    []
    >>> failures([CheckpointMetrics(1, 0.9, 0.9, 0, 100, 1.0), CheckpointMetrics(2, 0.9, 0.6, 0,
    ...                                                                           100, 1.8)])
    ['training loss diverging', 'accuracy regression']
    """
    cur = history[-1]
    out = []
    if not _finite(cur.eval_loss) or (cur.train_loss is not None and not _finite(cur.train_loss)):
        out.append("nan/inf loss")
    elif _diverging(train_losses(history)):
        out.append("training loss diverging")
    if _accuracy_regression(history):
        out.append("accuracy regression")
    if _format_regression(history):
        out.append("format regression")
    return out


def perfect(m: CheckpointMetrics) -> bool:
    """Every validation answer is correct and parses."""
    return m.total > 0 and m.accuracy >= 1.0 and m.format_errors == 0


def best_index(history: list[CheckpointMetrics]) -> int:
    """Index of the best checkpoint: highest validation accuracy, then lowest validation loss,
    then the latest."""
    def key(i: int) -> tuple:
        m = history[i]
        return (m.accuracy, -m.eval_loss if _finite(m.eval_loss) else -math.inf, i)

    return max(range(len(history)), key=key)


def overfitting(history: list[CheckpointMetrics]) -> bool:
    """The validation loss is more than 5 % above its minimum while accuracy and format hold (no
    failure) and the training loss did not rise with it (at most 5 % above its value at the
    validation minimum): the model fits its training data better than the validation data.  Handled by
    keeping the best checkpoint (and, with ``watchdog.early_stop_patience``, ending the stage
    early); never by a restart.

    >>> h = [CheckpointMetrics(i, l, 1.0, 0, 100, t) for i, (l, t) in
    ...      enumerate([(0.05, 0.3), (0.06, 0.1), (0.08, 0.05)])]
    >>> overfitting(h), failures(h), score(h).total
    (True, [], 100)
    """
    cur = history[-1]
    finite = [m for m in history if _finite(m.eval_loss)]
    if len(finite) < 2 or not _finite(cur.eval_loss) or failures(history):
        return False
    low = min(finite, key=lambda m: m.eval_loss)
    if cur.eval_loss <= (1 + OVERFIT) * low.eval_loss:
        return False
    # the training loss kept falling (or held) since the validation loss's minimum: not a spike
    return (cur.train_loss is None or low.train_loss is None or not _finite(low.train_loss)
            or cur.train_loss <= low.train_loss * (1 + OVERFIT))


def grade(total: int) -> str:
    """Letter grade of a 0–100 total.

    >>> [grade(t) for t in (100, 90, 89, 80, 79, 70, 69, 60, 59, 0)]
    ['A', 'A', 'B', 'B', 'C', 'C', 'D', 'D', 'F', 'F']
    """
    if not 0 <= total <= 100:
        raise ValueError(f"`total` must be within 0–100, got {total}")
    return next(letter for letter, low in GRADE_BANDS if total >= low)
