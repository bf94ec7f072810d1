"""What the language service says about keywords, operations, builtins and contracts: short
summaries of HLX-SPEC §10 and the registry rows of §11, for hover and completion details.

These texts are the *longer documentation* an editor shows below the canonical hover answer; they
never appear in a canonical answer.

>>> print(contract_doc(900).splitlines()[0])
**contract 900 VulkanShader**
>>> KEYWORDS["let"].split(".")[0]
'`let x = e;` binds `x`'
"""

from __future__ import annotations

from ..contracts import REGISTRY, FieldSpec
from ..hlxl.types import BUILTIN_SIGNATURES, LSOP_TYPES
from ..translit import GLYPHS

__all__ = [
    "BUILTIN_DOCS",
    "KEYWORDS",
    "LSOP_DOCS",
    "builtin_doc",
    "contract_doc",
    "enum_values",
    "field_doc",
    "keyword_doc",
]

KEYWORDS = {
    "program": "`program NAME { block … }` holds the blocks of the file; running it calls `main` "
               "(§10.4).",
    "block": "`block NAME(p1, p2) using T { … }` declares a block (function).  Its body runs in "
             "the function scope; `using T` makes `T` its active latent table (§10.4).",
    "let": "`let x = e;` binds `x`.  If `x` is already bound in a scope of the current frame, "
           "the innermost such binding is replaced; otherwise `x` is bound in the function scope "
           "(§10.4).",
    "local": "`local x = e;` binds `x` in the innermost scope (the body it is written in), "
             "shadowing outer bindings (§10.4).",
    "return": "`return e;` / `return;` leaves the current block or lambda with the value of `e` "
              "/ `null`; falling off the end returns `null` (§10.5).",
    "if": "`if (c) { … } else …` runs the first body when `c` is truthy, else the `else` branch "
          "(§10.5).  `null`, `false`, `0`, `0.0`, `\"\"`, `x\"\"`, `[]`, `{}` and empty "
          "contracts are falsy.",
    "else": "The branch of an `if` taken when the condition is falsy: `else { … }` or "
            "`else if (c) { … }` (§10.5).",
    "while": "`while (c) { … }` repeats: evaluate `c`, stop when falsy, run the body in a new "
             "scope (§10.5).",
    "for": "`for (x in e) { … }` runs the body once per element of an Array, or per key (Text, "
           "code point order) of a Map, with `x` bound in the body scope (§10.5).",
    "in": "Separates the loop variable from the iterated expression: `for (x in e)` (§10.5).",
    "assert": "`assert(e);` fails with `E_ASSERT_FAILED` when `e` is falsy (§10.5).",
    "latent": "`latent table NAME;` declares a latent table (before `program`, §10.2).",
    "table": "`latent table NAME;` declares a latent table: a map from handle names to values "
             "(§10.4).",
    "using": "`block NAME() using T { … }` makes table `T` the active table of the block "
             "(§10.4).",
    "contract": "`contract N { name: e, @i: e }` is a contract literal with named fields "
                "(registry names of §11); `{N: {@i: e}}` is the positional form.",
    "null": "The Null value.  Falsy.",
    "true": "The Bool value `true`.",
    "false": "The Bool value `false`.  Falsy.",
    "ls": "`ls.` starts a latent-space operation: `ls.collapse`, `ls.resolve`, `ls.snapshot`, "
          "`ls.transaction`, `ls.guard`, `ls.fingerprint`, `ls.validate` (§10.8).",
}

LSOP_DOCS = {
    "ls.collapse": "`ls.collapse [T] tag e`: store the value of `e` in table `T` (or the active "
                   "table) under its content handle `&h_<tag>_<16 hex>` unless it is already "
                   "there; the result is the Handle (§10.8).",
    "ls.resolve": "`ls.resolve [T] e`: the value stored under Handle `e` in the table; "
                  "`E_HANDLE_NOT_FOUND` when absent, `E_TYPE_MISMATCH` when `e` is not a Handle "
                  "(§10.8).",
    "ls.snapshot": "`ls.snapshot [T]`: `{count: Int, handles: Array}`, the number of entries and "
                   "every handle of the table sorted by name (§10.8).",
    "ls.transaction": "`ls.transaction { … }`: if an error leaves the body, every table is "
                      "restored to its state before the body (§10.5).",
    "ls.guard": "`ls.guard e;` fails with `E_GUARD_FAILED` when `e` is falsy (§10.5).",
    "ls.fingerprint": "`ls.fingerprint e`: the 64-hex-digit BLAKE3 fingerprint of the value's "
                      "LC-B encoding (§3, §10.8).",
    "ls.validate": "`ls.validate e`: `true` iff schema validation of the value against the "
                   "contract registry finds nothing (§11.2).",
}

BUILTIN_DOCS = {
    "len": "Text → code points; Bytes → bytes; Array → elements; Map → pairs; Contract → fields "
           "present.",
    "type": "The kind name of any value: `\"int\"`, `\"map\"`, …",
    "str": "Text → itself; any other value → its canonical HLXL value literal.",
    "int": "Int → itself; Bool → 1/0; Float → truncated toward zero; Text of an integer → its "
           "value.",
    "float": "Float → itself; Int → nearest binary64; Bool → 1.0/0.0; Text of a number → its "
             "value.",
    "keys": "Map → Array of its keys in code point order.",
    "append": "`append(a, v)`: a new Array, `a` followed by `v`.",
    "range": "`range(n)`: `[0, 1, …, n−1]` (`[]` when n ≤ 0).",
}


def keyword_doc(word: str) -> str:
    """Documentation of a reserved word or ``ls.`` operation (with its HLX glyph)."""
    text = LSOP_DOCS.get(word) or KEYWORDS.get(word, "")
    glyph = GLYPHS.get(word)
    if glyph:
        text += f"\n\nHLX glyph: `{glyph}`"
    if word in LSOP_TYPES:
        text = f"type: `{LSOP_TYPES[word]}`\n\n" + text
    return text


def builtin_doc(name: str) -> str:
    return f"`{name}`: `{BUILTIN_SIGNATURES[name]}`\n\n{BUILTIN_DOCS[name]} (§10.7)"


def enum_values(fs: FieldSpec) -> list[str]:
    """The words of a ``w1|w2`` constraint (shader stages…), else []."""
    c = fs.constraint
    if c == "-" or not all(part.isidentifier() for part in c.split("|")):
        return []
    return c.split("|")


def _constraint(fs: FieldSpec) -> str:
    return "" if fs.constraint == "-" else f", {fs.constraint}"


def field_doc(cid: int, fs: FieldSpec) -> str:
    """One registry row as Markdown: ``@2 stage: Text (required, vertex|fragment|compute)``."""
    spec = REGISTRY[cid]
    if fs.variadic:
        return f"contract {cid} {spec.name}, `@{fs.index}`: variadic field, any value"
    need = "required" if fs.required else "optional"
    return (f"contract {cid} {spec.name}, `@{fs.index} {fs.name}`: "
            f"`{fs.type}` ({need}{_constraint(fs)})")


def contract_doc(cid: int) -> str:
    """The registry rows of contract ``cid`` as a Markdown table (empty if unregistered)."""
    spec = REGISTRY.get(cid)
    if spec is None:
        return f"contract {cid} is not in the registry (§11): any fields are accepted."
    rows = [f"**contract {cid} {spec.name}**", "", "| field | name | type | | constraint |",
            "|---|---|---|---|---|"]
    for fs in spec.fields:
        rows.append(f"| @{fs.index} | {fs.name} | `{fs.type}` | "
                    f"{'req' if fs.required else 'opt'} | {fs.constraint} |")
    if spec.variadic_from is not None:
        rows.append(f"| @{spec.variadic_from}.. | * | `Any` | opt | - |")
    return "\n".join(rows)
