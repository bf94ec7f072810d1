"""The language service (HLX-SPEC §12, §14): HLXL-LS on the ASCII track, HLX-LS on the runic one.

Every example is one operation of §14 on a program text, answered with the canonical answer of
``helix_lang.service.answer(op, track, source, line, col, new_name)`` and graded by comparing
canonical answers (``grading.kind = "service"``; for ``diagnostics`` only the ``L:C CODE`` part
of each line counts, as §14 says).  Questions whose canonical answer is empty are not asked.

=================== ===========================================================================
operation           the document and the question
=================== ===========================================================================
``diagnostics``     a program with planted defects: one to three phase-2 ones (undefined
                    names, unknown calls, wrong argument counts, operand mismatches, contract
                    findings) or one phase-1 one (syntax, literal and load errors; on HLX also
                    glued glyphs, ASCII keywords and handles, stray glyphs)
``hover``, ``type`` a token: variable, block, builtin, ls operation, literal, contract id, field
``definition``,     a name (variable, block, table; builtins for references)
``references``
``rename``          a name and a new name (sometimes one the service refuses: a reserved word,
                    not an identifier, a builtin name for a block)
``completion``      an identifier or keyword cut short where it is typed (on HLX, an ASCII
                    prefix of a keyword), or the entries of a named contract being written
``sort_fields``     a program with contract literals whose entries are out of order
``convert_contract`` a contract literal, positional or named, and a position on its id
``format``          a program in compact, one-line or scrambled layout
=================== ===========================================================================

Positions are 0-based line and column (code points), written into the prompt with the token
they point at; a third of the positional prompts also number the source lines.  The programs
are :class:`~helix_corpus.families.calc.CalcGen` and
:class:`~helix_corpus.families.programs.ProgramGen` programs, whose shape is the skeleton.
"""

from __future__ import annotations

import random
import re

from helix_lang import to_hlx
from helix_lang.contracts import REGISTRY, parse_type
from helix_lang.hlxl.fmt import minify
from helix_lang.lexical import RESERVED
from helix_lang.service import answer as service_answer
from helix_lang.service.tokens import tokenize
from helix_lang.translit import WORD_GLYPHS, translit

from ..core import Draft, Family, GenerationError, Paraphrases
from ..graders import grade_service
from .common import LABEL
from .errors import STRAY
from .layout import scramble
from .static_types import line_col0, program_text, token_spots

__all__ = ["HLXL_LS", "HLX_LS", "OP_WEIGHTS", "contract_literal", "insert_in_main"]

OP_WEIGHTS = {"diagnostics": 16, "hover": 12, "type": 10, "completion": 12, "definition": 10,
              "references": 10, "rename": 10, "sort_fields": 6, "convert_contract": 7,
              "format": 7}
_KEYWORD_TYPES = {w.upper() for w in RESERVED if w != "ls"} | {
    w.replace(".", "_").upper() for w in WORD_GLYPHS if w.startswith("ls.")}
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_NAMES_OK = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
NEW_NAMES = ("total2", "result", "value_x", "n_items", "tmp_a", "renamed", "q", "acc_1",
             "first", "state", "x2", "out_b", "my_table", "helper2", "counter")
BAD_NAMES = ("while", "return", "2x", "a-b", "ls", "let", "my name", "len", "range", "é")
TEXTS = ("main", "p", "blur", "compute", "vertex", "post_fx", "read", "cs_main")
HANDLES = ("&h_vs", "&h_a", "&h_spirv", "&h_img", "&h_b", "&h_documents")


# -- program surgery ----------------------------------------------------------------------------
def insert_in_main(text: str, stmt: str) -> tuple[str, int] | None:
    """``text`` with ``stmt`` as the first statement of block ``main`` (its own line when the
    program is laid out in lines), and the offset of ``stmt``; None without a ``main``."""
    head = re.search(r"(◇|block) main\(\)[^{]*\{", text)
    if head is None:
        return None
    at = head.end()
    if text[at:at + 1] == "\n":
        line_start = text.rfind("\n", 0, head.start()) + 1
        indent = " " * (head.start() - line_start + 4)
        piece = "\n" + indent + stmt
        return text[:at] + piece + text[at:], at + 1 + len(indent)
    return text[:at] + " " + stmt + text[at:], at + 1


def _literal_for(rng: random.Random, t: str, constraint: str, depth: int = 0) -> str:
    head, arg = parse_type(t)
    if constraint == "len=3,each>=1":
        return "[" + ", ".join(str(rng.choice((1, 2, 4, 8, 16, 64))) for _ in range(3)) + "]"
    if "|" in constraint:
        return '"' + rng.choice(constraint.split("|")) + '"'
    if head == "Int":
        if ".." in constraint:
            lo, hi = (int(x) for x in constraint.split(".."))
            return str(rng.randint(lo, min(hi, lo + 9)))
        return str(rng.randint(0, 64))
    if head == "Text":
        return '"' + rng.choice(TEXTS) + '"'
    if head == "Handle":
        return rng.choice(HANDLES)
    if head == "Array":
        n = rng.randint(1, 2)
        if arg in ("Any", None) or depth > 1:
            return "[" + ", ".join(rng.choice(("1", '"a"', "2.5", "null")) for _ in range(n)) + "]"
        return "[" + ", ".join(_literal_for(rng, arg, "-", depth + 1) for _ in range(n)) + "]"
    if head == "Map":
        return rng.choice(("{binding: 0}", "{}", "{mode: \"x\", count: 2}"))
    if head == "Contract" and depth < 1:
        return contract_literal(rng, cid=arg, depth=depth + 1)
    return {"Float": "1.5", "Bytes": 'x"00ff"', "Bool": "true", "Null": "null"}.get(
        head, rng.choice(("1", '"x"', "[1, 2]", "null")))


def contract_literal(rng: random.Random, *, cid: int | None = None, named: bool = False,
                     shuffle: bool = False, depth: int = 0) -> str:
    """An HLXL contract literal of a registered contract (every required field, some optional
    ones), positional ``{N: {@i: e}}`` or named ``contract N { name: e }``; ``shuffle`` puts
    its entries out of order."""
    if cid is None:
        cid = rng.choice((14, 16, 20, 900, 901, 902, 902, 1000, 820, 5, 2))
    spec = REGISTRY[cid]
    entries = []
    for f in spec.fields:
        if f.required or rng.random() < 0.5:
            entries.append((f.index, f.name, _literal_for(rng, f.type, f.constraint, depth)))
    if spec.variadic_from is not None:
        for i in range(spec.variadic_from, spec.variadic_from + rng.randint(0, 2)):
            entries.append((i, None, rng.choice(("1", '"x"', "true"))))
    if shuffle and len(entries) >= 2:
        order = entries[:]
        while order == entries:
            rng.shuffle(order)
        entries = order
    if named:
        parts = []
        for i, name, e in entries:
            label = f"@{i}" if name is None else name if name not in RESERVED else f'"{name}"'
            parts.append(f"{label}: {e}")
        return f"contract {cid} {{ {', '.join(parts)} }}" if parts else f"contract {cid} {{}}"
    return f"{{{cid}: {{{', '.join(f'@{i}: {e}' for i, _, e in entries)}}}}}"


# -- defects for diagnostics --------------------------------------------------------------------
MISMATCHES = ('"a" - 1', "[1] * 2", '-"x"', "true + 1", '"n" < 3', 'x"00" + "a"', "{a: 1}[0]",
              '[1, 2]["k"]', '1.5 % "x"', "null + 1", '"abc" * 2', "[1] < [2]")
CONTRACT_DEFECTS = ('{900: {@0: &h_spirv, @1: "main"}}',
                    'contract 902 { pipeline_id: 5, stages: [&h_a] }',
                    '{902: {@0: "p", @1: [&h_a], @9: 1}}',
                    '{901: {@0: "k", @1: &h_s, @2: [0, 1, 1]}}',
                    '{900: {@0: "not a handle", @1: "main", @2: "compute"}}',
                    'contract 900 { spirv: &h_s, entry_point: "main", stage: "geometry" }',
                    "{902: {}}", '{14: {@0: "seven"}}', "contract 901 { kernel_name: 1 }",
                    '{820: {@0: 7, @1: "main"}}')
PHASE1 = ("let = 5;", "ls.fetch x;", "let π = 3;", 'let probe = "a\\qb";', 'let probe = x"abc";',
          "let probe = 9223372036854775808;", 'let probe = {902: {@1: [], @0: "p"}};',
          "let probe = {a: 1, a: 2};", "let probe = [1, 2;", "let probe = 1 +;",
          "return return;", 'let probe = "open;', "let probe = 1.e5;", "let probe = #00;",
          "let probe = {14: {@0: 1, @0: 2}};", "probe(;", "let probe = x\"0G\";")


def _typo(rng: random.Random, text: str) -> str:
    names = {text[m.start():m.end()] for m in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", text)}
    for _ in range(10):
        base = rng.choice(sorted(n for n in names if len(n) > 2 and n not in RESERVED) or
                          ["total"])
        i = rng.randrange(len(base))
        cand = base[:i] + base[i + 1:] if rng.random() < 0.5 else base + rng.choice("sxq")
        if cand not in names and _NAMES_OK.match(cand) and cand not in RESERVED:
            return cand
    return "undefined_name_" + str(rng.randint(1, 9))


def phase2_defect(rng: random.Random, text: str) -> str:
    """One statement (HLXL) that loads but draws phase-2 diagnostics."""
    kind = rng.choice(("undef", "undef", "call", "arity", "mismatch", "mismatch", "contract",
                       "contract"))
    var = rng.choice(("probe", "check", "tmp_v", "extra"))
    if kind == "undef":
        return f"let {var} = {_typo(rng, text)} + 1;"
    if kind == "call":
        return f"let {var} = {rng.choice(('lenn', 'size', 'frob', 'print', 'sum_all'))}(1);"
    if kind == "arity":
        calls = ("len(1, 2)", "range()", "append([1])", "str()", "keys({}, 1)")
        return f"let {var} = {rng.choice(calls)};"
    if kind == "mismatch":
        return f"let {var} = {rng.choice(MISMATCHES)};"
    return f"let {var} = {rng.choice(CONTRACT_DEFECTS)};"


def diagnostics_source(rng: random.Random, text: str, track: str) -> str | None:
    """``text`` with planted defects (module docstring); HLX for ``track="hlx"``."""
    r = rng.random()
    if r < 0.6:
        for _ in range(rng.choice((1, 1, 2, 3))):
            got = insert_in_main(text, phase2_defect(rng, text))
            if got is None:
                return None
            text = got[0]
        return text if track == "hlxl" else to_hlx(text)
    if track == "hlx" and r < 0.75:
        return hlx_defect(rng, to_hlx(text))
    if r < 0.82:
        semis = [s for s in token_spots_all(text) if s[0] == "SEMI"]
        s = rng.choice(semis)
        out = text[:s[1]] + text[s[2]:]
    elif r < 0.9:
        choice = rng.random()
        if choice < 0.4:
            out = re.sub(r"block main\(\)[^{]*\{", "block main() using nowhere {", text, 1)
        else:
            dup = rng.choice(("block twice(a, a) { return a; }", "block len(x) { return x; }",
                              "block main() { return 0; }", "block f() {} block f() {}"))
            at = re.search(r"block main\(\)", text)
            out = text[:at.start()] + dup + " " + text[at.start():]
    else:
        got = insert_in_main(text, rng.choice(PHASE1))
        if got is None:
            return None
        out = got[0]
    return out if track == "hlxl" else to_hlx(out)


def hlx_defect(rng: random.Random, hlx: str) -> str | None:
    """An HLX text with one defect of §8.3 (or a stray glyph)."""
    r = rng.random()
    if r < 0.3:
        spots = [m.start() for m in re.finditer(r"[⊢⊡↩] [A-Za-z_]", hlx)]
        if spots:
            i = rng.choice(spots)
            return hlx[:i + 1] + hlx[i + 2:]
    stmt = rng.choice(("let probe = 1;", "⊢ probe = &h_x;", "⊢ probe = 2 |> len;",
                       f"⊢ probe = 1 {rng.choice(STRAY)} 2;", "⊢ probe = [1, 2] ▷len;",
                       "⊢ probe = 1 & 2;", "⊢ probe = ⟁;", "⊢ probe = ⊢ 1;"))
    got = insert_in_main(hlx, stmt)
    return None if got is None else got[0]


def token_spots_all(text: str) -> list[tuple[str, int, int, str]]:
    """Every token of an HLXL text: ``(type, start, end, text)``."""
    lexed = tokenize(text)
    return [(t, lexed.starts[i], lexed.ends[i], lexed.value(i)) for i, t in
            enumerate(lexed.types)]


# -- questions ----------------------------------------------------------------------------------
class Question:
    """The document (HLXL), an optional position (offset) and new name, and how to show it."""

    def __init__(self, source: str, offset: int | None = None, new_name: str | None = None,
                 token: tuple[int, int] | None = None, track_ready: bool = False):
        self.source = source
        self.offset = offset
        self.new_name = new_name
        self.token = token  # the span of the token at the position (its text is shown)
        self.track_ready = track_ready  # the source is already in the target track


def q_position(rng: random.Random, text: str, cats: tuple[str, ...], *, names: bool = False
               ) -> Question | None:
    spots = [s for s in token_spots(text) if s.category in cats]
    if names:
        spots = [s for s in spots if s.type in ("IDENT", "TABLEREF") and s.category == "name"]
    if not spots:
        return None
    s = rng.choice(spots)
    offset = s.start
    if len(s.text) > 2 and rng.random() < 0.25:
        offset += rng.randrange(1, len(s.text) - 1)
    return Question(text, offset, token=(s.start, s.end))


def q_rename(rng: random.Random, text: str) -> Question | None:
    q = q_position(rng, text, ("name",), names=True)
    if q is None:
        return None
    used = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    if rng.random() < 0.12:
        q.new_name = rng.choice(BAD_NAMES)
    else:
        q.new_name = rng.choice([n for n in NEW_NAMES if n not in used] or ["zz_new"])
    return q


def q_completion(rng: random.Random, text: str, track: str) -> Question | None:
    if rng.random() < 0.2:
        cid = rng.choice((900, 901, 902, 1000, 820, 5))
        spec = REGISTRY[cid]
        names = [f.name for f in spec.fields if f.name]
        used = rng.sample(names, rng.randint(0, max(0, len(names) - 1)))
        left = [n for n in names if n not in used]
        target = rng.choice(left)
        prefix = target[:rng.randint(0, min(3, len(target) - 1))]
        spec_lits = {f.name: f for f in spec.fields}
        entries = [f"{n if n not in RESERVED else chr(34) + n + chr(34)}: "
                   f"{_literal_for(rng, spec_lits[n].type, spec_lits[n].constraint)}"
                   for n in used]
        head = f"let probe = contract {cid} {{ " + "".join(e + ", " for e in entries)
        got = insert_in_main(text, head + prefix + " };")
        if got is None:
            return None
        source, at = got
        return Question(source, at + len(head) + len(prefix),
                        token=(at + len(head), at + len(head) + len(prefix)))
    toks = token_spots_all(text)
    cands = [t for t in toks if t[0] == "IDENT" or (t[0] in _KEYWORD_TYPES and
                                                     (track == "hlxl" or rng.random() < 0.5))]
    if not cands:
        return None
    t = rng.choice(cands)
    word = t[3]
    keyword = t[0] != "IDENT"
    if keyword and track == "hlx":
        if len(word) < 2:
            return None
        k = rng.randint(1, len(word) - 1)
    else:
        whole = rng.random() < 0.25 and not keyword
        k = len(word) if whole else rng.randint(1, max(1, len(word) - 1))
    prefix = word[:k]
    bare = prefix[3:] if prefix.startswith("ls.") else prefix
    if prefix in RESERVED or prefix in ("ls", "ls.") or not bare or prefix.endswith("."):
        return None
    source = text[:t[1]] + prefix + text[t[2]:]
    return Question(source, t[1] + k, token=(t[1], t[1] + k))


def q_sort(rng: random.Random, text: str) -> Question | None:
    for _ in range(rng.choice((1, 1, 2))):
        lit = contract_literal(rng, named=rng.random() < 0.4, shuffle=True)
        got = insert_in_main(text, f"let {rng.choice(('cfg_c', 'probe', 'k2'))} = {lit};")
        if got is None:
            return None
        text = got[0]
    return Question(text)


def q_convert(rng: random.Random, text: str) -> Question | None:
    if rng.random() < 0.8 or not any(s.type == "CONTRACT_ID" for s in token_spots(text)):
        lit = contract_literal(rng, named=rng.random() < 0.45)
        got = insert_in_main(text, f"let probe = {lit};")
        if got is None:
            return None
        text = got[0]
    spots = [s for s in token_spots_all(text) if s[0] == "CONTRACT"] + [
        (s.type, s.start, s.end, s.text) for s in token_spots(text) if s.type == "CONTRACT_ID"]
    if not spots:
        return None
    s = rng.choice(spots)
    return Question(text, s[1], token=(s[1], s[2]))


def q_format(rng: random.Random, text: str) -> Question:
    compact = minify(text)
    r = rng.random()
    return Question(compact if r < 0.5 else scramble(compact, rng) if r < 0.8 else text)


# -- prompts ------------------------------------------------------------------------------------
T = {
    "diagnostics": Paraphrases("ls_diagnostics", (
        "List the {ls} diagnostics of this document, one `L:C CODE message` per line (0-based "
        "positions), in order.\n{program}",
        "{program}\nWhat diagnostics does the language service report for the document above? "
        "One `L:C CODE message` line each (0-based).",
        "Run {ls} diagnostics on this {lang} source and give the canonical answer (§12.3).\n"
        "{program}",
    ), (
        "Which problems does {ls} report here? Answer with lines `L:C CODE message`, positions "
        "from 0.\n{program}",
    )),
    "hover": Paraphrases("ls_hover", (
        "What does {ls} hover show at {pos}? Answer `type: T` and the doc line.\n{program}",
        "{program}\nHover at {pos}: give the canonical hover answer (two lines).",
        "In this {lang} document, hover over {pos}. What is the answer (§12.5)?\n{program}",
    ), (
        "Give the hover text (`type: T` then the doc line) for {pos} of:\n{program}",
    )),
    "type": Paraphrases("ls_type", (
        "Type inference: what type does {ls} give at {pos}?\n{program}",
        "{program}\nWhat is the inferred type at {pos}? Reply with the type only.",
        "Which §12.4 type does the language service infer at {pos} in this {lang} source?\n"
        "{program}",
    ), (
        "Answer the `type` request at {pos} for this document.\n{program}",
    )),
    "completion": Paraphrases("ls_completion", (
        "The cursor is at {pos}, {after}. List the {ls} completion candidates, one per line, "
        "sorted.\n{program}",
        "{program}\nComplete at {pos} ({after}): give the canonical candidates, one per line.",
        "What completions does {ls} offer at {pos} ({after}) in this {lang} document?\n"
        "{program}",
    ), (
        "Cursor at {pos}, {after}. Which completion items come back (sorted, one per line)?\n"
        "{program}",
    )),
    "definition": Paraphrases("ls_definition", (
        "Go to definition from {pos}: where is that symbol declared? Answer `L:C` "
        "(0-based).\n{program}",
        "{program}\nWhere is the symbol at {pos} defined? Reply `L:C`, 0-based.",
        "In this {lang} source, give the declaration position (`L:C`, 0-based) of the symbol "
        "at {pos}.\n{program}",
    ), (
        "Find the definition of the name at {pos}. Position as `L:C` from 0.\n{program}",
    )),
    "references": Paraphrases("ls_references", (
        "Find all references of the symbol at {pos}: one `L:C` per line (0-based), sorted.\n"
        "{program}",
        "{program}\nList every reference to the symbol at {pos}, declaration included, as "
        "`L:C` lines.",
        "Which positions does {ls} return for references at {pos} in this {lang} document?\n"
        "{program}",
    ), (
        "All references of the name at {pos}, one 0-based `L:C` per line, please.\n{program}",
    )),
    "rename": Paraphrases("ls_rename", (
        "Rename the symbol at {pos} to `{new}`. Give the whole document after the rename (or "
        "the error answer).\n{program}",
        "{program}\nApply rename at {pos} with the new name `{new}` and return the resulting "
        "source.",
        "Using {ls}, rename what is at {pos} to `{new}` in this {lang} document. Answer with "
        "the full new text.\n{program}",
    ), (
        "Rename {pos} to `{new}`; reply with the document as the rename leaves it.\n{program}",
    )),
    "sort_fields": Paraphrases("ls_sort_fields", (
        "Apply the `sort contract fields` refactoring to this {lang} document and give the "
        "result.\n{program}",
        "{program}\nSort the entries of every contract literal by field index (§12.10) and "
        "return the document.",
        "Reorder contract fields ascending in this document, changing nothing else.\n{program}",
    ), (
        "Run sort-fields on the following {lang} source. Full resulting text only.\n{program}",
    )),
    "convert_contract": Paraphrases("ls_convert_contract", (
        "Convert the contract literal at {pos} between positional and named form (§12.10). "
        "Give the whole document.\n{program}",
        "{program}\nApply `convert contract form` at {pos} and return the resulting source.",
        "Switch the contract at {pos} of this {lang} document to its other form; answer with "
        "the full text.\n{program}",
    ), (
        "Rewrite the contract literal at {pos} from positional to named form or back; reply "
        "with the document.\n"
        "{program}",
    )),
    "format": Paraphrases("ls_format", (
        "Format this {lang} document (the `format` operation of {ls}).\n{program}",
        "{program}\nWhat does {ls} `format` return for this document?",
        "Give the canonical layout of the following document.\n{program}",
    ), (
        "Apply document formatting (§12.11) to:\n{program}",
    )),
}
_POSITIONAL = ("hover", "type", "completion", "definition", "references", "rename",
               "convert_contract")


def numbered(text: str) -> str:
    """The text with 0-based line numbers at the left, as in §12's examples."""
    lines = text.split("\n")
    width = len(str(len(lines) - 1))
    return "\n".join(f"{n:>{width}} {line}" for n, line in enumerate(lines))


def ls_family(name: str, summary: str, track: str, weights: dict[str, int]) -> Family:
    ls = "HLXL-LS" if track == "hlxl" else "HLX-LS"

    def question(rng: random.Random, op: str, text: str) -> Question | None:
        if op == "diagnostics":
            src = diagnostics_source(rng, text, track)
            return None if src is None else Question(src, track_ready=True)
        if op == "hover":
            return q_position(rng, text, ("name", "lsop", "literal", "contract"))
        if op == "type":
            return q_position(rng, text, ("name", "name", "lsop", "literal", "contract"))
        if op in ("definition", "references"):
            return q_position(rng, text, ("name",), names=True)
        if op == "rename":
            return q_rename(rng, text)
        if op == "completion":
            return q_completion(rng, text, track)
        if op == "sort_fields":
            return q_sort(rng, text)
        if op == "convert_contract":
            return q_convert(rng, text)
        return q_format(rng, text)

    def make(rng: random.Random, split: str) -> Draft:
        op = rng.choices(list(OP_WEIGHTS), list(OP_WEIGHTS.values()))[0]
        for _ in range(40):
            shape, text = program_text(rng, split, name)
            q = question(rng, op, text)
            if q is None:
                continue
            source, offset, span = q.source, q.offset, q.token
            if track == "hlx" and not q.track_ready:
                m = translit(source, "hlx")
                source = m.dst
                if offset is not None:
                    offset = m.index(offset)
                if span is not None:
                    span = (m.index(span[0]), m.index(span[1]))
            shown = source[span[0]:span[1]] if span is not None else None
            line = col = None
            if offset is not None:
                line, col = line_col0(source, offset)
            expected = service_answer(op, track, source, line, col, q.new_name)
            if not expected.strip() or (op in ("rename", "convert_contract", "sort_fields")
                                        and expected == source):
                continue
            if "\\n" in _STRING.sub("", expected):
                continue  # a message quoting `\n`: the lint would take it for a lost newline
            pos = f"{line}:{col} (0-based line:column"
            pos += f", on `{shown}`)" if shown and op != "completion" else ")"
            after = f"right after `{shown}`" if shown else "where a new contract entry starts"
            program = source
            if op in _POSITIONAL and rng.random() < 0.35:
                program = ("(the numbers at the left are line numbers, not part of the "
                           "source)\n" + numbered(source))
            tid, request = T[op].render(rng, split, ls=ls, lang=LABEL[track], pos=pos,
                                        after=after, new=q.new_name or "",
                                        program=program)
            grading = {"kind": "service", "op": op, "track": track, "expected": expected}
            return Draft(request, expected, grading, shape, tid, (track,))
        raise GenerationError(f"{name}: 40 programs in a row gave no `{op}` question")

    return Family(name, summary, weights, make, grade_service)


HLXL_LS = ls_family(
    "hlxl_ls", "HLXL-LS operations (§12, §14) on HLXL documents: diagnostics, hover, type, "
    "completion, definition, references, rename, sort fields, convert contract, format; "
    "canonical answers, 0-based positions", "hlxl", {"ascii": 6})
HLX_LS = ls_family(
    "hlx_ls", "HLX-LS operations on HLX documents (positions in HLX coordinates, keyword "
    "completions answered as glyphs), the same ten operations", "hlx", {"runic": 6})
