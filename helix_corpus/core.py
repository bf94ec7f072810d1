"""The pieces every task family shares: drafts, grades, families, paraphrases and structural splits.

A **task family** makes one example from a seeded ``random.Random`` for a given split and grades
an answer to it with the same ``helix_lang`` code that checked the example when it was built::

    draft = family.make(random.Random(seed), "train")      # Draft: request, answer, grading, …
    grade = family.grade(record, answer)                   # Grade(correct, parsed, error)

**Held out by structure.**  Every draft names its *skeleton*: the value shape, program shape or
question kind it was built from.  :func:`split_of` hashes the skeleton into train / val / test
(70 / 10 / 20 of the hash space), so a skeleton found in val or test never occurs in train.  Two
markers let a family steer that rule: a skeleton starting with ``~`` is *basic* and always goes to
train (depth-0 values, the required-fields-only form of a contract, one direction of each fact),
and a skeleton containing ``!`` uses a *held-out dimension* (Ints beyond ±10**6, or a held-out
paraphrase of a knowledge question, :func:`fact_skeleton`) and never goes to train.  Paraphrase
templates whose id contains ``.h`` appear only in val and test.

>>> split_of("~i"), split_of("~i!") in ("val", "test")
('train', True)
>>> p = Paraphrases("demo", ("Say {x}.",), ("Please say {x}.",))
>>> p.pick(random.Random(1), "train")
('demo.0', 'Say {x}.')
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

__all__ = [
    "GENERATOR_VERSION", "SPEC_EDITION", "SPLITS", "TRACKS", "PHASE", "ROUTES", "MODEL_TRACKS",
    "Draft", "Grade", "Family", "Paraphrases", "GenerationError", "split_of", "sample",
    "derive_seed", "clean_answer", "route_of", "trained_on", "TRAIN_SHARE", "VAL_SHARE", "bucket",
    "fact_skeleton", "TEMPLATES", "template_text",
]

#: Bumped whenever a generator changes its output for the same seed.
GENERATOR_VERSION = "1.2.0"
#: The HLX-SPEC edition the corpora are checked against.
SPEC_EDITION = 1
SPLITS = ("train", "val", "test")
TRACKS = ("general", "ascii", "runic", "coordinator")
#: Curriculum phase of each track (phase 1 is shared by both specialists).
PHASE = {"general": 1, "ascii": 2, "runic": 2, "coordinator": 2}
#: The answers of the coordinator's routing task, in :func:`route_of`'s fallback order.
ROUTES = ("ascii", "runic", "coordinator")
#: The tracks each model trains on: the specialists on phase 1 (``general``) and their own
#: phase 2 track, the coordinator on its track alone.
MODEL_TRACKS = {"ascii": ("general", "ascii"), "runic": ("general", "runic"),
                "coordinator": ("coordinator",)}
#: Percent of the skeleton hash space that goes to train and to val (the rest is test).
TRAIN_SHARE, VAL_SHARE = 70, 10


class GenerationError(RuntimeError):
    """A family could not produce an example (no skeleton of the split, or bad generator)."""


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer: ``correct``; ``parsed`` (the answer is well-formed in the target
    format, the format-validity rate of a report); ``error`` (why not, else ``None``)."""

    correct: bool
    parsed: bool
    error: str | None = None


@dataclass(frozen=True)
class Draft:
    """What a family's ``make`` returns; the builder turns it into a record.

    ``grading`` is JSON data the family's grader reads back from the record (``kind`` plus what
    it needs, usually ``expected``); ``formats`` lists the formats involved, the answer's last.
    """

    request: str
    answer: str
    grading: dict
    skeleton: str
    template: str
    formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class Family:
    """A task family: one module-level instance per task, collected in ``families.FAMILIES``.

    ``tracks`` maps each corpus the family belongs to onto its weight there.  ``capacity`` bounds
    the train examples one corpus may ask of it (``None``: unbounded); the planner gives the rest
    of the corpus to the unbounded families.  ``route`` is the coordinator's answer for a request
    of this family; ``None`` derives it from the answer format (:func:`route_of`).
    """

    name: str
    summary: str
    tracks: Mapping[str, int]
    make: Callable[[random.Random, str], Draft]
    grade: Callable[[Mapping[str, Any], str], Grade]
    capacity: int | None = None
    route: str | None = None


#: Every :class:`Paraphrases` by name, filled as the family modules load (the scorer reads the
#: template a record's ``meta.template`` names, :func:`template_text`).
TEMPLATES: dict[str, "Paraphrases"] = {}


@dataclass(frozen=True)
class Paraphrases:
    """Prompt templates of one question: ``train`` ones anywhere, ``heldout`` ones only in val and
    test (their ids contain ``.h``).  Val and test draw a held-out template with probability
    ``heldout_share`` (half of the time unless the question sets it)."""

    name: str
    train: tuple[str, ...]
    heldout: tuple[str, ...] = field(default=())
    #: Share of val and test examples asked with a held-out template (``pick`` may override it).
    heldout_share: float = 0.5

    def __post_init__(self) -> None:
        TEMPLATES.setdefault(self.name, self)

    def pick(self, rng: random.Random, split: str,
             heldout_share: float | None = None) -> tuple[str, str]:
        share = self.heldout_share if heldout_share is None else heldout_share
        if split != "train" and self.heldout and rng.random() < share:
            i = rng.randrange(len(self.heldout))
            return f"{self.name}.h{i}", self.heldout[i]
        i = rng.randrange(len(self.train))
        return f"{self.name}.{i}", self.train[i]

    def render(self, rng: random.Random, split: str, **fields: str) -> tuple[str, str]:
        """Pick a template and fill it: ``(template_id, text)``."""
        tid, text = self.pick(rng, split)
        return tid, text.format(**fields)


def template_text(template_id: str | None) -> str | None:
    """The text of the template a record's ``meta.template`` names (``name.i`` or ``name.hi``),
    None when no loaded :class:`Paraphrases` has it.

    >>> _ = Paraphrases("demo.ask", ("Say {x}.",), ("Please say {x}.",))
    >>> template_text("demo.ask.h0"), template_text("demo.ask.7"), template_text(None)
    ('Please say {x}.', None, None)
    """
    name, _, index = (template_id or "").rpartition(".")
    p = TEMPLATES.get(name)
    held = index.startswith("h")
    index = index[1:] if held else index
    if p is None or not index.isdigit():
        return None
    texts = p.heldout if held else p.train
    return texts[int(index)] if int(index) < len(texts) else None


def fact_skeleton(base: str, template_id: str) -> str:
    """The skeleton of a knowledge question: basic (train) when asked with a train paraphrase,
    held out (``!``: val or test) with a held-out one.  Facts themselves are never held out, a
    model cannot infer them; their phrasings are."""
    return f"{base}|{template_id}!" if ".h" in template_id else "~" + base


def bucket(text: str) -> int:
    """A stable number 0-99 for a text (sha256; no process-dependent hashing)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") % 100


def split_of(skeleton: str) -> str:
    """The split a skeleton belongs to (module docstring: ``~`` basic, ``!`` held-out range)."""
    b = bucket(skeleton)
    if "!" in skeleton:
        return "val" if b < 35 else "test"
    if skeleton.startswith("~"):
        return "train"
    if b < TRAIN_SHARE:
        return "train"
    return "val" if b < TRAIN_SHARE + VAL_SHARE else "test"


def sample(split: str, gen: Callable[[], tuple[str, Any]], *, what: str, tries: int = 600):
    """Call ``gen() -> (skeleton, payload)`` until the skeleton belongs to ``split`` (a ``None``
    skeleton means the attempt failed)."""
    for _ in range(tries):
        skeleton, payload = gen()
        if skeleton is not None and split_of(skeleton) == split:
            return skeleton, payload
    raise GenerationError(f"{what}: no skeleton of split `{split}` in {tries} tries; widen the "
                          f"generator's structures or change the split rule")


def derive_seed(*parts: object) -> int:
    """A 48-bit seed from the build seed and the example's coordinates (never the global RNG)."""
    text = "/".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:6], "big")


_FENCE = re.compile(r"\A```[A-Za-z0-9_-]*\n(.*?)\n?```\Z", re.S)
_THINK = re.compile(r"\A<think>.*?</think>\s*", re.S)


def clean_answer(answer: str) -> str:
    """What graders look at: the answer without a leading ``<think>…</think>`` block, without one
    enclosing Markdown code fence, and without surrounding blank lines.

    >>> clean_answer("<think>\\n</think>\\n\\n```lct\\n[1,2]\\n```\\n")
    '[1,2]'
    """
    text = _THINK.sub("", answer.strip()).strip()
    m = _FENCE.match(text)
    if m:
        text = m.group(1)
    return text.strip()


def trained_on(family: Family) -> tuple[str, ...]:
    """The models (of :data:`ROUTES`, in that order) trained on a family: those whose
    :data:`MODEL_TRACKS` meet the family's ``tracks``.

    >>> from helix_corpus import FAMILIES
    >>> trained_on(FAMILIES["convert"]), trained_on(FAMILIES["lct_mastery"])
    (('ascii', 'runic', 'coordinator'), ('ascii',))
    """
    return tuple(m for m in ROUTES if any(t in family.tracks for t in MODEL_TRACKS[m]))


def route_of(family: Family, formats: tuple[str, ...] | list[str]) -> str:
    """Which model answers a request: always one trained on its family (:func:`trained_on`).

    The family's explicit ``route`` if it has one (it must name a model trained on the family;
    the corpus tests check it), else the answer format decides (runic formats → ``runic``, ASCII
    text formats → ``ascii``, LC-B or none → ``coordinator``); when that model is not trained on
    the family, the first of ``ascii``, ``runic``, ``coordinator`` that is.

    >>> from helix_corpus import FAMILIES
    >>> [route_of(FAMILIES[n], ("lct", "lcb")) for n in ("convert", "lct_mastery")]
    ['coordinator', 'ascii']
    """
    if family.route is not None:
        return family.route
    target = formats[-1] if formats else None
    if target in ("hlx", "lcr"):
        want = "runic"
    elif target in ("hlxl", "lct"):
        want = "ascii"
    else:
        want = "coordinator"
    models = trained_on(family)
    return want if want in models or not models else models[0]
