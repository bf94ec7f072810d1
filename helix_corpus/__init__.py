"""helix_corpus — verified, held-out-by-structure curriculum corpora for the HLX language family,
and the graders that score a model's answers with the same code.

>>> from helix_corpus import FAMILIES, grade_record
>>> import random
>>> draft = FAMILIES["convert"].make(random.Random(7), "train")
>>> grade_record({"task": "convert", "grading": draft.grading}, draft.answer).correct
True

See ``docs/corpus.md`` for every task family, the split policy and how to grade predictions.
"""

from .build import BuildError, build, generate, plan, sizes_for
from .core import (
                   GENERATOR_VERSION,
                   PHASE,
                   SPEC_EDITION,
                   SPLITS,
                   TRACKS,
                   Draft,
                   Family,
                   Grade,
                   Paraphrases,
                   split_of,
)
from .families import FAMILIES, families_of
from .lint import Issue, lint_files, lint_records
from .schema import validate_record
from .scoring import grade_record, score
from .splits import SplitLeak, assert_isolated, leaks

__version__ = GENERATOR_VERSION

__all__ = [
    "__version__", "GENERATOR_VERSION", "SPEC_EDITION", "SPLITS", "TRACKS", "PHASE", "Draft",
    "Family", "Grade", "Paraphrases", "split_of", "FAMILIES", "families_of", "build", "generate",
    "plan", "sizes_for", "BuildError", "lint_records", "lint_files", "Issue", "validate_record",
    "grade_record", "score", "leaks", "assert_isolated", "SplitLeak",
]
