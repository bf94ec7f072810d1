"""helix_train — the Qwen3 curriculum for the HLX family on TRL, with a grading watchdog.

Light modules (no torch): :mod:`~helix_train.config`, :mod:`~helix_train.rubric`,
:mod:`~helix_train.drift`, :mod:`~helix_train.graders`, :mod:`~helix_train.data`,
:mod:`~helix_train.minicorpus`, :mod:`~helix_train.corpus`, :mod:`~helix_train.gates`.  Heavy ones
import torch/transformers/trl (the ``train`` extra): :mod:`~helix_train.modeling`,
:mod:`~helix_train.sft`, :mod:`~helix_train.evaluate`, :mod:`~helix_train.watchdog`,
:mod:`~helix_train.curriculum` (the runner), :mod:`~helix_train.report`, :mod:`~helix_train.bench`,
:mod:`~helix_train.cli` (``helix-train``).
"""

from helix_lang._version import __version__

from .config import HelixConfig, load_config, load_preset, plan
from .drift import Action, DriftState, decide
from .graders import Grade, grade
from .rubric import CheckpointMetrics, Score, score

__all__ = ["__version__", "HelixConfig", "load_config", "load_preset", "plan", "Action",
           "DriftState", "decide", "Grade", "grade", "CheckpointMetrics", "Score", "score"]
