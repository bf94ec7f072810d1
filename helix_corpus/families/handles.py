"""Handle families (HLX-SPEC §1.1, §3, §10.8): handle notation in each format (``&h_name`` in
HLXL, ``@name`` in LC-T, ``⟁name`` in HLX and LC-R) and collapse / resolve against a latent table
given in the prompt.  Table handles are real content handles (``helix_lang.hashing``), so the
questions are answerable by lookup: which entry holds this value under this tag, what does this
handle resolve to, how many entries does the table hold after a collapse.
"""

from __future__ import annotations

import random

from helix_lang.hashing import content_handle
from helix_lang.values import Contract, Handle, equal

from ..core import Draft, Family, Paraphrases, sample
from ..graders import grade_any
from ..valuegen import BASIC, HANDLE_NAMES, ValueGen, skeleton
from .common import LABEL, dump, wide_for

__all__ = ["HANDLE_NOTATION", "HANDLE_TABLE", "PREFIX"]

#: The handle spelling of each text format.
PREFIX = {"hlxl": "&h_", "lct": "@", "lcr": "⟁", "hlx": "⟁"}
TAGS = ("node", "ast", "data", "cfg", "img", "blob", "user", "op")

NOTATION_TEMPLATES = Paraphrases("handles.convert", (
    "Rewrite the handles of this {src} value in {dst} notation (give the whole value in "
    "{dst}):\n{text}",
    "This {src} value contains handles. Write it in {dst}.\n{text}",
    "Convert to {dst}, keeping every handle a handle:\n{text}",
), (
    "Spell this {src} value, handles included, as {dst}:\n{text}",
))
NAME_TEMPLATES = Paraphrases("handles.name", (
    "What is the name of the handle `{text}` ({src})?",
    "Which handle name does the {src} handle `{text}` carry? Answer with the bare name.",
), ("Strip the {src} handle prefix from `{text}`: what name remains?",))


def _handle_value(rng: random.Random):
    names = rng.sample(HANDLE_NAMES, 4)
    r = rng.random()
    if r < 0.2:
        return Handle(names[0])
    if r < 0.45:
        items = [Handle(n) for n in names[:rng.randint(1, 4)]]
        if rng.random() < 0.3:
            items.insert(rng.randrange(len(items) + 1), rng.choice(("&h_x", "@x", "⟁x")))
        return tuple(items)
    if r < 0.65:
        return {k: Handle(n) for k, n in zip(rng.sample(("src", "dst", "a", "b", "out"), 2),
                                               names)}
    if r < 0.85:
        return Contract(1000, {0: rng.choice(("read", "search", "filter")), 1: Handle(names[0]),
                               2: Handle(names[1])})
    return Contract(900, {0: Handle(names[0]), 1: "main", 2: "compute",
                          3: tuple(Handle(n) for n in names[1:3])})


def _notation_make(rng: random.Random, split: str) -> Draft:
    sk, v = sample(split, lambda: (lambda v: (skeleton(v, "handles:"), v))(_handle_value(rng)),
                   what="handle_notation")
    src, dst = rng.sample(("hlxl", "lct", "lcr", "hlx"), 2)
    if isinstance(v, Handle) and rng.random() < 0.4:
        tid, request = NAME_TEMPLATES.render(rng, split, text=dump(v, src), src=LABEL[src])
        return Draft(request, v.name, {"kind": "exact", "expected": v.name,
                                       "pattern": "[A-Za-z0-9_]+"}, sk, tid, (src,))
    answer = dump(v, dst)
    tid, request = NOTATION_TEMPLATES.render(rng, split, src=LABEL[src], dst=LABEL[dst],
                                             text=dump(v, src))
    return Draft(request, answer, {"kind": "value", "format": dst, "expected": answer}, sk, tid,
                 (src, dst))


HANDLE_NOTATION = Family(
    "handle_notation", "values with handles moved between `&h_name`, `@name` and `⟁name` "
    "notations, or the bare name of a handle", {"general": 1}, _notation_make, grade_any)


# -- latent tables ------------------------------------------------------------------------------
TABLE_TEMPLATES = {
    "resolve": Paraphrases("table.resolve", (
        "Latent table (handle = value, {fmt}):\n{table}\n\nResolve {handle} against this "
        "table. Answer with the value in {fmt}, or with the error code if the handle is absent.",
        "Given this latent table in {fmt}:\n{table}\nWhat does `ls.resolve {handle}` return? "
        "Give the {fmt} value or the error code.",
    ), ("{table}\nThe lines above are a latent table ({fmt}). Resolve {handle}; reply with the "
        "{fmt} value or the error code.",)),
    "collapse": Paraphrases("table.collapse", (
        "Latent table (handle = value, {fmt}):\n{table}\n\nThe value {value} is collapsed with "
        "tag `{tag}` against this table. Which handle results? Answer in {fmt} notation.",
        "Table ({fmt}):\n{table}\nWhich handle does `ls.collapse {tag}` of {value} return here? "
        "Write the handle in {fmt}.",
    ), ("{table}\nUsing the {fmt} table above, give the handle produced by collapsing {value} "
        "under tag `{tag}`.",)),
    "count": Paraphrases("table.count", (
        "Latent table (handle = value, {fmt}):\n{table}\n\nAfter collapsing {value} with tag "
        "`{tag}` into this table, how many entries does it hold?",
        "Table ({fmt}):\n{table}\nHow many entries are in the table after `ls.collapse {tag}` "
        "of {value}? Answer with a number.",
    ), ("{table}\nCollapse {value} with tag `{tag}` into the {fmt} table above: what is its "
        "entry count afterwards?",)),
}


def _table(rng: random.Random, split: str):
    gen = ValueGen(rng, BASIC, wide=wide_for(rng, split))
    entries: list[tuple[str, object]] = []
    for _ in range(rng.randint(2, 5)):
        v = gen.value() if rng.random() < 0.7 else Contract(14, {0: gen.int()})
        entries.append((rng.choice(TAGS), v))
    if rng.random() < 0.5:  # the same value under another tag: a different handle
        tag, v = rng.choice(entries)
        entries.append((rng.choice([t for t in TAGS if t != tag]), v))
    table: list[tuple[Handle, str, object]] = []
    for tag, v in entries:
        h = content_handle(v, tag)
        if all(h.name != x.name for x, _, _ in table):
            table.append((h, tag, v))
    rng.shuffle(table)
    return table, gen


def _table_make(rng: random.Random, split: str) -> Draft:
    def gen():
        table, g = _table(rng, split)
        kind = rng.choice(("resolve", "resolve", "collapse", "count"))
        hit = rng.random() < 0.7
        if hit or kind == "collapse":
            handle, tag, v = rng.choice(table)
        else:
            tag, v = rng.choice(TAGS), g.value()
            if rng.random() < 0.4:  # a stored value under a new tag
                _, old, v = rng.choice(table)
                tag = rng.choice([t for t in TAGS if t != old])
            handle = content_handle(v, tag)
            hit = any(h.name == handle.name for h, _, _ in table)
        return skeleton(v, f"table-{kind}-{len(table)}:"), (table, kind, hit, handle, tag, v)

    sk, (table, kind, hit, handle, tag, v) = sample(split, gen, what="handle_table")
    fmt = rng.choice(("hlxl", "lct", "lcr", "hlx"))
    lines = "\n".join(f"{dump(h, fmt)} = {dump(x, fmt)}" for h, _, x in table)
    fields = {"table": lines, "fmt": LABEL[fmt], "handle": dump(handle, fmt),
              "value": dump(v, fmt), "tag": tag}
    tid, request = TABLE_TEMPLATES[kind].render(rng, split, **fields)
    if kind == "resolve":
        answer = dump(v, fmt) if hit else "E_HANDLE_NOT_FOUND"
        grading = {"kind": "resolve", "format": fmt, "expected": answer}
    elif kind == "collapse":
        answer = dump(handle, fmt)
        grading = {"kind": "value", "format": fmt, "expected": answer}
    else:
        stored = any(h.name == handle.name and equal(x, v) for h, _, x in table)
        answer = str(len(table) + (0 if stored else 1))
        grading = {"kind": "exact", "expected": answer, "pattern": r"\d+"}
    return Draft(request, answer, grading, sk, tid, (fmt,))


HANDLE_TABLE = Family(
    "handle_table", "a latent table in the prompt: resolve a handle (value or "
    "E_HANDLE_NOT_FOUND), the handle a collapse returns, the entry count after a collapse",
    {"general": 2, "coordinator": 1}, _table_make, grade_any)
