"""Contract families (HLX-SPEC §7 named sugar, §11 registry and validation): build a contract from
a description, answer registry questions, validate an instance, and move between named-field
sugar and positional form.  Instances are drawn from ``helix_lang.contracts.REGISTRY``, with
900, 901, 902 and 1000 most often; findings come from ``helix_lang.contracts.validate``.
"""

from __future__ import annotations

import random

from helix_lang import lexical
from helix_lang.contracts import REGISTRY, ContractSpec, parse_type, validate
from helix_lang.values import Contract, Handle

from ..core import Draft, Family, Paraphrases, fact_skeleton, sample
from ..graders import grade_exact, grade_findings, grade_value
from ..valuegen import HANDLE_NAMES, WORDS, ValueGen, describe, shape
from .common import LABEL, dump, wide_for

__all__ = ["CONTRACT_BUILD", "CONTRACT_ASCII", "CONTRACT_RUNIC", "CONTRACT_FIELDS",
           "CONTRACT_VALIDATE", "CONTRACT_SUGAR", "instance", "named_text", "FOCUS"]

#: The contracts the curriculum names explicitly get most of the examples.
FOCUS = (900, 901, 902, 1000)
_IDS = tuple(sorted(REGISTRY))
_TEXTS = {"stage": ("vertex", "fragment", "compute"),
          "kernel_name": ("blur", "sobel", "reduce", "scan", "fft", "histogram"),
          "entry_point": ("main", "cs_main", "vs_main", "fs_main"),
          "pipeline_id": ("graphics", "compute", "post_fx", "shadow", "m", "p"),
          "op": ("read", "write", "search", "filter", "create", "delete", "update", "list"),
          "profile": ("hlx-lite", "default", "strict"), "table": ("main", "ast_table", "cache")}


def pick_id(rng: random.Random) -> int:
    return rng.choice(FOCUS) if rng.random() < 0.7 else rng.choice(_IDS)


def _int_for(rng: random.Random, constraint: str, gen: ValueGen) -> int:
    if constraint.startswith(">="):
        return int(constraint[2:]) + rng.choice((0, 16, 256, 1024, 4096, 16384))
    if ".." in constraint:
        lo, hi = (int(x) for x in constraint.split(".."))
        return rng.randint(lo, min(hi, lo + 40)) if hi - lo > 40 else rng.randint(lo, hi)
    return gen.int()


def value_for(rng: random.Random, field: str, t: str, constraint: str, gen: ValueGen):
    """A random value of registry type ``t`` that satisfies ``constraint``."""
    head, arg = parse_type(t)
    if constraint == "len=3,each>=1":
        return tuple(rng.choice((1, 2, 4, 8, 16, 32, 64, 256)) for _ in range(3))
    if "|" in constraint:
        return rng.choice(constraint.split("|"))
    if head == "Int":
        return _int_for(rng, constraint, gen)
    if head == "Text":
        return rng.choice(_TEXTS.get(field, WORDS))
    if head == "Handle":
        return Handle(rng.choice(HANDLE_NAMES))
    if head == "Array":
        n = rng.randint(1 if constraint == "nonempty" else 0, 3)
        if arg == "Map<Any>":
            return tuple({"stage_idx": i} for i in range(n))
        return tuple(value_for(rng, "", arg, "-", gen) for _ in range(n))
    if head == "Map":
        keys = rng.sample(("binding", "scale", "count", "mode"), rng.randint(0, 2))
        return {k: value_for(rng, k, arg, "-", gen) for k in keys}
    if head == "Contract":
        return instance(rng, REGISTRY[arg], gen, optional=0.3)
    if head == "Float":
        return gen.float()
    if head == "Bytes":
        return gen.bytes()
    if head == "Bool":
        return rng.random() < 0.5
    if head == "Null":
        return None
    return ValueGen(rng, gen.p, wide=gen.wide).value()  # Any


def instance(rng: random.Random, spec: ContractSpec, gen: ValueGen, *,
             optional: float = 0.5) -> Contract:
    """A valid instance of a registered contract: every required field, some optional ones and
    (variadic contracts) a few extra arguments."""
    fields = {}
    for f in spec.fields:
        if f.required or rng.random() < optional:
            fields[f.index] = value_for(rng, f.name, f.type, f.constraint, gen)
    if spec.variadic_from is not None:
        for i in range(spec.variadic_from, spec.variadic_from + rng.randint(0, 3)):
            fields[i] = ValueGen(rng, gen.p, wide=gen.wide).scalar()
    return Contract(spec.id, fields)


def _required_only(c: Contract) -> bool:
    spec = REGISTRY[c.id]
    return set(c.fields) == {f.index for f in spec.fields if f.required}


def _sample_instance(rng: random.Random, split: str, prefix: str, what: str):
    def gen():
        spec = REGISTRY[pick_id(rng)]
        c = instance(rng, spec, ValueGen(rng, wide=wide_for(rng, split)))
        mark = "~" if _required_only(c) and "!" not in shape(c) else ""
        return f"{mark}{prefix}{shape(c)}", c
    return sample(split, gen, what=what)


def _field_label(spec: ContractSpec, i: int) -> str:
    f = spec.field_by_index(i)
    return f"argument @{i}" if f is None or f.name is None else f.name


# -- build from a description -------------------------------------------------------------------
BUILD_TEMPLATES = Paraphrases("contract_build", (
    "Build a {cname} contract (id {cid}) with {fields}. Write it in {dst}.",
    "Write contract {cid} ({cname}) in {dst}, with {fields}.",
    "Create the {dst} text of a {cname} (contract {cid}) whose fields are: {fields}.",
    "I need a {cname} contract: {fields}. Give it in {dst}.",
), (
    "Compose, in {dst}, the {cname} contract {cid} having {fields}.",
    "Produce a {dst} {cname} (id {cid}) where {fields}.",
))


def build_family(name: str, summary: str, dsts: tuple[str, ...], notation: str,
                 tracks: dict[str, int]) -> Family:
    """Contract from a description; field values quoted in ``notation`` or in plain English."""

    def make(rng: random.Random, split: str) -> Draft:
        sk, c = _sample_instance(rng, split, "build:", name)
        spec = REGISTRY[c.id]
        english = rng.random() < 0.4
        parts = []
        for i in sorted(c.fields):
            v = c.fields[i]
            text = describe(v) if english else dump(v, notation)
            parts.append(f"{_field_label(spec, i)} {'set to' if english else '='} {text}")
        fields = "; ".join(parts) if parts else "no fields"
        dst = rng.choice(dsts)
        answer = dump(c, dst)
        tid, request = BUILD_TEMPLATES.render(rng, split, cname=spec.name, cid=str(c.id),
                                              fields=fields, dst=LABEL[dst])
        return Draft(request, answer, {"kind": "value", "format": dst, "expected": answer},
                     sk, tid, (notation, dst))

    return Family(name, summary, tracks, make, grade_value)


CONTRACT_BUILD = build_family(
    "contract_build", "a registered contract described by field names (values in HLXL or plain "
    "English), asked in any text format", ("hlxl", "hlx", "lct", "lcr"), "hlxl", {"general": 3})
CONTRACT_ASCII = build_family(
    "contract_ascii", "ASCII-safe contract notation: a described contract asked in LC-T or HLXL",
    ("lct", "hlxl"), "hlxl", {"ascii": 3})
CONTRACT_RUNIC = build_family(
    "glyph_contract", "glyph contracts: a described contract (values in HLX) asked in LC-R "
    "(🜊 🜁 🜂 glyphs) or HLX", ("lcr", "lcr", "hlx"), "hlx", {"runic": 3})


# -- registry questions -------------------------------------------------------------------------
def _row(f) -> str:
    req = "req" if f.required else "opt"
    return f"@{f.index} {f.name} {f.type} {req}" + ("" if f.constraint == "-" else
                                                    f" {f.constraint}")


def field_list(spec: ContractSpec) -> str:
    """The canonical answer to "list the fields": one registry row per line."""
    rows = [_row(f) for f in spec.fields]
    if spec.variadic_from is not None:
        rows.append(f"@{spec.variadic_from}.. * Any opt")
    return "\n".join(rows)


FIELD_QUESTIONS = {
    "list": Paraphrases("fields.list", (
        "List the fields of contract {cid} ({cname}), one per line as `@index name type req|opt "
        "[constraint]`.",
        "What fields does the {cname} contract ({cid}) have? One line per field: `@index name "
        "type req|opt [constraint]`.",
    ), ("Give the registry rows of contract {cid}, `@index name type req|opt [constraint]` per "
        "line.",)),
    "index": Paraphrases("fields.index", (
        "Which field index does `{field}` have in contract {cid} ({cname})? Answer like `@3`.",
        "In {cname} (contract {cid}), what is the index of the field `{field}`? Answer `@N`.",
    ), ("Field `{field}` of contract {cid}: which `@N` is it?",)),
    "name": Paraphrases("fields.name", (
        "What is the name of field @{index} of contract {cid} ({cname})?",
        "Contract {cid} ({cname}): name the field at index @{index}.",
    ), ("Which field name does @{index} stand for in the {cname} contract?",)),
    "type": Paraphrases("fields.type", (
        "What type must field `{field}` of contract {cid} ({cname}) have? Answer in the type "
        "language, e.g. `Array<Int>`.",
        "Give the registry type of `{field}` in {cname} ({cid}).",
    ), ("Type of the `{field}` field of contract {cid}, please (like `Map<Any>`).",)),
    "required": Paraphrases("fields.required", (
        "Is the field `{field}` of contract {cid} ({cname}) required or optional?",
        "In {cname} ({cid}), is `{field}` required or optional? Answer `required` or "
        "`optional`.",
    ), ("Must a {cname} contract carry `{field}`? Answer `required` or `optional`.",)),
    "id": Paraphrases("fields.id", (
        "What is the contract id of {cname}?",
        "Which contract id does the registry give to {cname}?",
    ), ("{cname} is contract number what?",)),
    "cname": Paraphrases("fields.cname", (
        "What is the name of contract {cid}?",
        "Which contract is id {cid} in the registry? Answer with its name.",
    ), ("Contract {cid} is called what?",)),
}
_FIELD_KINDS = ("index", "name", "type", "required")
_CONTRACT_KINDS = ("list", "id", "cname")
_PATTERNS = {"index": r"@\d+", "name": r"[A-Za-z_]+", "type": r"[A-Za-z<>0-9, ]+",
             "required": "required|optional", "id": r"\d+", "cname": r"[A-Za-z]+",
             "list": r"(?s)@.*"}


def _fields_make(rng: random.Random, split: str) -> Draft:
    def gen():
        spec = REGISTRY[pick_id(rng)]
        f = None
        if rng.random() < 0.3 or not spec.fields:
            kind, subject = rng.choice(_CONTRACT_KINDS), f"{spec.id}"
        else:
            f = rng.choice(spec.fields)
            kind, subject = rng.choice(_FIELD_KINDS), f"{spec.id}@{f.index}"
        tid, template = FIELD_QUESTIONS[kind].pick(rng, split, heldout_share=1.0)
        return fact_skeleton(f"fields:{kind}:{subject}", tid), (kind, spec, f, tid, template)

    sk, (kind, spec, f, tid, template) = sample(split, gen, what="contract_fields")
    answer = {"list": lambda: field_list(spec), "id": lambda: str(spec.id),
              "cname": lambda: spec.name, "index": lambda: f"@{f.index}",
              "name": lambda: f.name, "type": lambda: f.type,
              "required": lambda: "required" if f.required else "optional"}[kind]()
    request = template.format(cid=str(spec.id), cname=spec.name, field=f.name if f else "",
                              index=str(f.index) if f else "")
    return Draft(request, answer, {"kind": "exact", "expected": answer,
                                   "pattern": _PATTERNS[kind]}, sk, tid, ())


CONTRACT_FIELDS = Family(
    "contract_fields", "registry questions: list a contract's fields, a field's index, name, "
    "type or requiredness, a contract's id or name", {"general": 2, "coordinator": 1},
    _fields_make, grade_exact, capacity=250, route="coordinator")


# -- validation ---------------------------------------------------------------------------------
VALIDATE_TEMPLATES = Paraphrases("validate", (
    "Validate this {fmt} value against the contract registry. Answer `valid`, or one line per "
    "finding: `CODE contract_id @index`.\n{text}",
    "Run schema validation on the following {fmt} value. List each finding as `CODE id @index` "
    "in validation order, or answer `valid`.\n{text}",
    "{text}\nIs this {fmt} value valid for the registry? Reply `valid` or the findings, one "
    "`CODE id @index` per line.",
), (
    "Check this {fmt} value with ls.validate rules and report `valid` or every finding as "
    "`CODE id @index`, one per line.\n{text}",
))
_WRONG = {"Int": "x", "Text": 7, "Handle": "h", "Float": 1, "Bytes": "00", "Bool": 0,
          "Null": False}


def _break(rng: random.Random, c: Contract) -> tuple[Contract, str]:
    spec = REGISTRY[c.id]
    fields = dict(c.fields)
    options = ["unknown"] if spec.variadic_from is None else []
    required = [f for f in spec.fields if f.required and f.index in fields]
    if required:
        options += ["missing", "type"]
    if any(f.constraint != "-" and f.index in fields for f in spec.fields):
        options.append("constraint")
    if not options:
        return c, "none"
    defect = rng.choice(options)
    if defect == "unknown":
        fields[max(list(fields) + [f.index for f in spec.fields]) + rng.randint(1, 5)] = 1
    elif defect == "missing":
        del fields[rng.choice(required).index]
    elif defect == "type":
        f = rng.choice(required)
        head = parse_type(f.type)[0]
        fields[f.index] = _WRONG.get(head, 3) if head not in ("Array", "Map", "Contract") else (
            "not a container")
    else:
        f = rng.choice([f for f in spec.fields if f.constraint != "-" and f.index in fields])
        fields[f.index] = {"vertex|fragment|compute": "geometry", "len=3,each>=1": (8, 8, 0),
                           "nonempty": (), ">=0": -1}.get(f.constraint, 70000)
    return Contract(c.id, dict(sorted(fields.items()))), defect


def _validate_make(rng: random.Random, split: str) -> Draft:
    def gen():
        spec = REGISTRY[pick_id(rng)]
        g = ValueGen(rng, wide=wide_for(rng, split))
        c = instance(rng, spec, g)
        defects = []
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            c, d = _break(rng, c)
            defects.append(d)
        v = c
        if rng.random() < 0.25:
            other = instance(rng, REGISTRY[pick_id(rng)], g)
            v = (c, other) if rng.random() < 0.5 else {"a": c, "b": Contract(5000, {3: other})}
        return "validate:" + shape(v) + ":" + ",".join(sorted(defects)), v

    sk, v = sample(split, gen, what="contract_validate")
    findings = validate(v)
    answer = "\n".join(f"{x.code} {x.contract} @{x.index}" for x in findings) or "valid"
    fmt = rng.choice(("hlxl", "lct", "lcr", "hlx"))
    tid, request = VALIDATE_TEMPLATES.render(rng, split, fmt=LABEL[fmt], text=dump(v, fmt))
    return Draft(request, answer, {"kind": "findings", "expected": answer}, sk, tid, (fmt,))


CONTRACT_VALIDATE = Family(
    "contract_validate", "a contract value (sometimes broken: missing field, wrong type, "
    "constraint, unknown index), asked for its schema findings in order",
    {"general": 2, "coordinator": 1}, _validate_make, grade_findings, route="coordinator")


# -- named-field sugar --------------------------------------------------------------------------
def named_text(c: Contract, handle_prefix: str = "&h_") -> str:
    """``contract N { name: v, @i: v }``: the named-field form of a registered contract."""
    spec = REGISTRY[c.id]
    parts = []
    for i in sorted(c.fields):
        f = spec.field_by_index(i)
        value = dump(c.fields[i], "hlxl" if handle_prefix == "&h_" else "hlx")
        if f is None or f.name is None:
            parts.append(f"@{i}: {value}")
        else:
            key = f.name if lexical.bare_key_ok(f.name, hlxl=True) else f'"{f.name}"'
            parts.append(f"{key}: {value}")
    return f"contract {c.id} {{ {', '.join(parts)} }}" if parts else f"contract {c.id} {{}}"


SUGAR_TEMPLATES = {
    "desugar": Paraphrases("sugar.desugar", (
        "Rewrite this named-field contract in canonical positional HLXL:\n{text}",
        "Desugar the following HLXL contract (replace field names by @indices, canonical "
        "form):\n{text}",
    ), ("What canonical HLXL does this named contract literal mean?\n{text}",)),
    "sugar": Paraphrases("sugar.sugar", (
        "Write this contract with HLXL named-field sugar (`contract N {{ name: value }}`):\n"
        "{text}",
        "Use field names instead of indices for this contract, in HLXL:\n{text}",
    ), ("Turn this positional contract into the named form `contract N {{ name: value }}`:\n"
        "{text}",)),
    "lct": Paraphrases("sugar.lct", (
        "Convert this named-field HLXL contract to LC-T:\n{text}",
        "Give the LC-T encoding of:\n{text}",
    ), ("Spell this HLXL contract literal in ASCII LC-T:\n{text}",)),
}


def _sugar_make(rng: random.Random, split: str) -> Draft:
    sk, c = _sample_instance(rng, split, "sugar:", "contract_sugar")
    kind = rng.choice(("desugar", "sugar", "lct"))
    if kind == "sugar":
        text, answer = dump(c, "hlxl"), named_text(c)
        grading = {"kind": "value", "format": "hlxl", "expected": answer, "named": True}
        formats = ("hlxl", "hlxl")
    else:
        dst = "hlxl" if kind == "desugar" else "lct"
        text, answer = named_text(c), dump(c, dst)
        grading = {"kind": "value", "format": dst, "expected": answer}
        if kind == "desugar":  # echoing the sugar would parse to the same value
            grading["canonical"] = True
        formats = ("hlxl", dst)
    tid, request = SUGAR_TEMPLATES[kind].render(rng, split, text=text)
    return Draft(request, answer, grading, sk, tid, formats)


CONTRACT_SUGAR = Family(
    "contract_sugar", "HLXL named-field sugar to positional HLXL or LC-T, and positional to "
    "named form", {"ascii": 2}, _sugar_make, grade_value)
