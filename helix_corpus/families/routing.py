"""The coordinator's routing task: a request from any other family, answered with the model that
should serve it (``ascii``, ``runic`` or ``coordinator``, :func:`helix_corpus.core.route_of`).

The inner request is made by that family for the same split, so its skeleton (which this task
reuses) is held out exactly like the family's own examples.
"""

from __future__ import annotations

import random

from ..core import ROUTES, Draft, Family, Paraphrases, route_of
from ..graders import grade_exact

__all__ = ["ROUTE"]

ROUTE_TEMPLATES = Paraphrases("route", (
    "Route this request to the right Helix model. Answer ascii, runic or coordinator.\n\n"
    "Request:\n{request}",
    "Which specialist should handle the following request: ascii, runic or coordinator?\n\n"
    "{request}",
    "{request}\n\nWho answers the request above? Reply with one word: ascii, runic or "
    "coordinator.",
    "Classify for routing (ascii / runic / coordinator):\n{request}",
), (
    "A user sent this to Helix:\n{request}\n\nPick the model to serve it: ascii, runic or "
    "coordinator.",
    "Dispatch decision needed. Request follows; answer ascii, runic or coordinator.\n{request}",
))


def _make(rng: random.Random, split: str) -> Draft:
    from . import (
        FAMILIES,  # the other families; imported here because they include this one
    )

    name = rng.choice(sorted(n for n in FAMILIES if n != "route"))
    family = FAMILIES[name]
    inner = family.make(rng, split)
    want = route_of(family, inner.formats)
    tid, request = ROUTE_TEMPLATES.render(rng, split, request=inner.request)
    return Draft(request, want, {"kind": "exact", "expected": want, "pattern": "|".join(ROUTES),
                                 "inner_task": name}, inner.skeleton, tid, inner.formats)


ROUTE = Family("route", "a request from any family, answered with the model that serves it: "
               "ascii, runic or coordinator", {"coordinator": 5}, _make, grade_exact,
               route="coordinator")
