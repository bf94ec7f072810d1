"""The type system and primitives (HLX-SPEC §1, §11.1): the kind (and kind id) of a value or of
one of its elements, its depth, and whether it matches a registry type.  Texts that only look
like handles or literals (``"&h_x"``, ``"NULL"``) are Text, which the generator likes to show.
"""

from __future__ import annotations

import random

from helix_lang.contracts import matches_type
from helix_lang.values import KINDS, Contract, depth, kind

from ..core import Draft, Family, Paraphrases, sample
from ..graders import grade_exact
from ..valuegen import MEDIUM, ValueGen, skeleton
from .common import LABEL, dump, wide_for

__all__ = ["KIND_OF", "natural_type", "TYPES"]

TYPES = ("Any", "Int", "Float", "Text", "Bytes", "Bool", "Null", "Handle", "Array<Any>",
         "Array<Int>", "Array<Text>", "Array<Handle>", "Map<Any>", "Map<Int>", "Map<Text>",
         "Array<Map<Any>>", "Contract<14>", "Contract<900>", "Contract<1000>")
_SCALAR = {"null": "Null", "bool": "Bool", "int": "Int", "float": "Float", "text": "Text",
           "bytes": "Bytes", "handle": "Handle"}

QUESTIONS = {
    "kind": Paraphrases("kind.name", (
        "What is the kind of this {fmt} value? Answer with the kind name.\n{text}",
        "Name the kind (null, bool, int, float, text, bytes, array, map, contract or handle) of "
        "this {fmt} value:\n{text}",
        "{text}\nWhich kind is the {fmt} value above?",
    ), ("Tell me the value kind of the following {fmt}.\n{text}",)),
    "id": Paraphrases("kind.id", (
        "What is the kind id (0-9) of this {fmt} value?\n{text}",
        "Give the numeric kind id of the following {fmt} value.\n{text}",
    ), ("Which kind number does this {fmt} value have?\n{text}",)),
    "path": Paraphrases("kind.path", (
        "Let v be this {fmt} value:\n{text}\nWhat is the kind of `{path}`?",
        "{text}\nCalling the {fmt} value above v, which kind does `{path}` have?",
    ), ("With v = the {fmt} value below, name the kind of `{path}`.\n{text}",)),
    "depth": Paraphrases("kind.depth", (
        "What is the depth of this {fmt} value (scalars 0, containers 1 + deepest child)?\n"
        "{text}",
        "Compute the nesting depth of the following {fmt} value.\n{text}",
    ), ("How deep is this {fmt} value, by the value-model depth rule?\n{text}",)),
    "match": Paraphrases("kind.match", (
        "Does this {fmt} value match the registry type `{type}`? Answer yes or no.\n{text}",
        "Type check: is the following {fmt} value a `{type}`? Reply yes or no.\n{text}",
    ), ("Would a field of type `{type}` accept this {fmt} value? yes or no.\n{text}",)),
}
_PATTERN = {"kind": "|".join(KINDS), "id": "[0-9]", "path": "|".join(KINDS), "depth": r"\d+",
            "match": "yes|no"}


def natural_type(v) -> str:
    """The narrowest registry type of a value (``Array<Int>`` for ``[1, 2]``)."""
    k = kind(v)
    if k in _SCALAR:
        return _SCALAR[k]
    if k == "contract":
        return f"Contract<{v.id}>"
    items = list(v) if k == "array" else list(v.values())
    inner = {natural_type(x) for x in items}
    arg = inner.pop() if len(inner) == 1 else "Any"
    return f"{'Array' if k == 'array' else 'Map'}<{arg}>"


def _path(rng: random.Random, v) -> tuple[str, object]:
    expr, cur = "v", v
    while True:
        k = kind(cur)
        if k == "array" and cur:
            i = rng.randrange(len(cur))
            expr, cur = f"{expr}[{i}]", cur[i]
        elif k == "map" and cur:
            key = rng.choice(sorted(cur))
            expr, cur = f"{expr}[{dump(key, 'hlxl')}]", cur[key]
        elif k == "contract" and cur.fields:
            i = rng.choice(sorted(cur.fields))
            expr, cur = f"{expr}[{i}]", cur.fields[i]
        else:
            return expr, cur
        if rng.random() < 0.4:
            return expr, cur


def _make(rng: random.Random, split: str) -> Draft:
    def gen():
        q = rng.choice(("kind", "kind", "id", "path", "depth", "match"))
        v = ValueGen(rng, MEDIUM, wide=wide_for(rng, split)).value()
        if q == "path" and (depth(v) == 0 or not (v if not isinstance(v, Contract)
                                                  else v.fields)):
            q = "kind"
        return skeleton(v, f"kind-{q}:"), (q, v)

    sk, (q, v) = sample(split, gen, what="kind_of")
    fmt = rng.choice(("hlxl", "lct", "lcr", "hlx"))
    fields = {"fmt": LABEL[fmt], "text": dump(v, fmt), "path": "", "type": ""}
    if q == "kind":
        answer = kind(v)
    elif q == "id":
        answer = str(KINDS.index(kind(v)))
    elif q == "path":
        fields["path"], target = _path(rng, v)
        answer = kind(target)
    elif q == "depth":
        answer = str(depth(v))
    else:
        t = natural_type(v) if rng.random() < 0.5 else rng.choice(TYPES)
        fields["type"] = t
        answer = "yes" if matches_type(v, t) else "no"
    tid, request = QUESTIONS[q].render(rng, split, **fields)
    return Draft(request, answer, {"kind": "exact", "expected": answer, "pattern": _PATTERN[q]},
                 sk, tid, (fmt,))


KIND_OF = Family(
    "kind_of", "the kind, kind id or depth of a value, the kind of an element `v[i][\"k\"]`, "
    "or whether a value matches a registry type", {"general": 2, "coordinator": 1}, _make,
    grade_exact, route="coordinator")
