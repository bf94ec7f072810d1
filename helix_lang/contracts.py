"""The contract registry (HLX-SPEC §11) and schema validation (§11.2).

The registry is a data file, ``helix_lang/data/registry.tsv``; this module is the one place the
interpreter, the type checker, the language service and the corpus read contract knowledge from.

>>> REGISTRY[902].name, REGISTRY[902].field_by_name("stages").type
('PipelineConfig', 'Array<Handle>')
>>> from helix_lang.values import Contract, Handle
>>> [f.code for f in validate(Contract(900, {0: Handle("s"), 1: "main", 2: "geometry"}))]
['E_CONTRACT_FIELD_TYPE']
"""

from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass, field
from typing import Any, Iterator

from .values import Contract, kind

__all__ = ["FieldSpec", "ContractSpec", "REGISTRY", "registry", "Finding", "validate",
           "matches_type", "check_constraint", "parse_type"]


@dataclass(frozen=True)
class FieldSpec:
    index: int
    name: str | None  # None for the variadic row
    type: str
    required: bool
    constraint: str  # "-" for none
    variadic: bool = False

    def describe(self) -> str:
        """``field @i name (required)`` as hover shows it (§12.5)."""
        if self.variadic:
            return f"field @{self.index} (variadic)"
        return f"field @{self.index} {self.name} ({'required' if self.required else 'optional'})"


@dataclass(frozen=True)
class ContractSpec:
    id: int
    name: str
    fields: tuple[FieldSpec, ...]
    variadic_from: int | None = None
    _by_name: dict = field(default_factory=dict, compare=False, repr=False)

    def field_by_index(self, index: int) -> FieldSpec | None:
        for f in self.fields:
            if f.index == index:
                return f
        if self.variadic_from is not None and index >= self.variadic_from:
            return FieldSpec(index, None, "Any", False, "-", variadic=True)
        return None

    def field_by_name(self, name: str) -> FieldSpec | None:
        return self._by_name.get(name)


@functools.cache
def registry() -> dict[int, ContractSpec]:
    """Load ``registry.tsv`` into ``{id: ContractSpec}``."""
    text = importlib.resources.files("helix_lang.data").joinpath("registry.tsv").read_text(
        encoding="utf-8")
    rows: dict[int, list[list[str]]] = {}
    names: dict[int, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("id\t"):
            continue
        cid, cname, index, fname, ftype, req, constraint = line.split("\t")
        rows.setdefault(int(cid), []).append([index, fname, ftype, req, constraint])
        names[int(cid)] = cname
    out = {}
    for cid, frows in rows.items():
        fields, variadic = [], None
        for index, fname, ftype, req, constraint in frows:
            if index.endswith(".."):
                variadic = int(index[1:-2])
                continue
            fields.append(FieldSpec(int(index[1:]), fname, ftype, req == "req", constraint))
        spec = ContractSpec(cid, names[cid], tuple(fields), variadic)
        spec._by_name.update({f.name: f for f in fields})
        out[cid] = spec
    return out


REGISTRY = registry()


def parse_type(t: str) -> tuple[str, Any]:
    """Split a type of §12.4 into (head, argument): ``Array<Int>`` → ``("Array", "Int")``,
    ``Contract<5>`` → ``("Contract", 5)``, ``Int`` → ``("Int", None)``."""
    if t.endswith(">") and "<" in t:
        head, arg = t.split("<", 1)
        arg = arg[:-1]
        return head, int(arg) if head == "Contract" else arg
    return t, None


_SCALAR_TYPES = {"Null": "null", "Bool": "bool", "Int": "int", "Float": "float", "Text": "text",
                 "Bytes": "bytes", "Handle": "handle"}


def matches_type(v: Any, t: str) -> bool:
    """Whether value ``v`` matches type ``t`` (§11.1)."""
    head, arg = parse_type(t)
    if head == "Any":
        return True
    if head in _SCALAR_TYPES:
        return kind(v) == _SCALAR_TYPES[head]
    if head == "Array":
        return isinstance(v, (tuple, list)) and all(matches_type(x, arg) for x in v)
    if head == "Map":
        return isinstance(v, dict) and all(matches_type(x, arg) for x in v.values())
    if head == "Contract":
        return isinstance(v, Contract) and v.id == arg
    raise ValueError(f"unknown type `{t}`")


def check_constraint(v: Any, c: str) -> bool:
    """Whether ``v`` satisfies a registry constraint (§11.1); ``-`` always holds."""
    if c == "-":
        return True
    if c == "nonempty":
        return isinstance(v, (tuple, list)) and len(v) > 0
    if c.startswith("len="):
        n, m = c[4:].split(",each>=")
        return (isinstance(v, (tuple, list)) and len(v) == int(n)
                and all(type(x) is int and x >= int(m) for x in v))
    if c.startswith(">="):
        return type(v) is int and v >= int(c[2:])
    if ".." in c:
        lo, hi = c.split("..")
        return type(v) is int and int(lo) <= v <= int(hi)
    if "|" in c or c.isidentifier():
        return type(v) is str and v in c.split("|")
    raise ValueError(f"unknown constraint `{c}`")


@dataclass(frozen=True)
class Finding:
    """One schema finding: ``code`` of §13, the contract id and field index, and a message."""

    code: str
    contract: int
    index: int
    message: str


def _findings(v: Any) -> Iterator[Finding]:
    t = type(v)
    if t is Contract:
        spec = REGISTRY.get(v.id)
        if spec is not None:
            indices = sorted({f.index for f in spec.fields} | set(v.fields))
            for i in indices:
                fs = spec.field_by_index(i)
                present = i in v.fields
                if fs is None:
                    yield Finding("E_CONTRACT_UNKNOWN_FIELD", v.id, i,
                                  f"contract {v.id} {spec.name} has no field @{i}")
                elif not present:
                    if fs.required:
                        yield Finding("E_CONTRACT_FIELD_MISSING", v.id, i,
                                      f"contract {v.id} requires @{i} {fs.name}")
                elif not (matches_type(v.fields[i], fs.type)
                          and check_constraint(v.fields[i], fs.constraint)):
                    want = fs.type + ("" if fs.constraint == "-" else f" ({fs.constraint})")
                    yield Finding("E_CONTRACT_FIELD_TYPE", v.id, i,
                                  f"contract {v.id} field @{i} {fs.name or ''} must be {want}")
        for i in sorted(v.fields):
            yield from _findings(v.fields[i])
    elif t is tuple or t is list:
        for x in v:
            yield from _findings(x)
    elif t is dict:
        for k in sorted(v):
            yield from _findings(v[k])


def validate(v: Any) -> list[Finding]:
    """Schema findings of §11.2 in visiting order; empty when ``v`` is valid."""
    return list(_findings(v))
