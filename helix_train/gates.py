"""Pass/fail gates on the held-out test split: the criteria of each curriculum phase as task groups.

The one table that maps gate criteria to task families is :data:`GATES` (track → gates).  A gate
selects test records by ``task`` (the ``helix_corpus`` family name, or a task of the built-in
fixture corpus) or by the format of the answer (``meta.formats[-1]`` for ``helix_corpus`` records,
``meta.answer_format`` for fixture ones), then checks a metric:

``accuracy``  share of answers the corpus graders accept ≥ ``gates.min_task_accuracy`` (the
              per-family accuracy, intervals and baselines of a split come from the one scorer,
              ``helix_corpus.scoring.score``)
``validity``  share of answers that parse in their target format = 100 % ("fully valid")

Every track also has a loss gate: the test completion loss must be below its threshold
(``gates.general_max_loss``, ``specialist_max_loss`` or ``coordinator_max_loss``).  A gate whose
group has no test records reports ``NO DATA`` and does not pass.

=========== ================================ ========================================================
track       gate                             records
=========== ================================ ========================================================
general     translation between all formats convert, lcb_encode, lcb_decode, canonicalize,
                                             handle_notation, translit, translate_*
general     contract tasks                   contract_build, contract_fields, contract_validate,
                                             glyph_facts; fixture records of kind ``contract``
general     primitives, arrays, objects      describe_value, kind_of, handle_table; fixture
                                             records of kind primitive/array/object
general     programs                         program_eval, statement_binds, type_of_expr
ascii       LC-T generation fully valid      answers in LC-T (validity)
ascii       HLXL tasks                       contract_ascii, contract_sugar, compact_ascii,
                                             hlx_to_hlxl, lct_mastery, hlxl_eval, hlxl_format,
                                             nl_to_program, translate_lct_hlxl
ascii       HLXL-LS tasks                    errors_ascii, hlxl_ls, hlxl_ls_check
runic       LC-R generation fully valid      answers in LC-R (validity)
runic       HLX tasks                        glyph_contract, compact_runic, glyph_optimise,
                                             glyph_facts, lcr_mastery, hlx_eval, hlx_format,
                                             nl_to_hlx_program, translate_lcr_hlx
runic       HLX-LS tasks                     errors_runic, hlx_ls, hlx_ls_check
coordinator routing                          route
coordinator LC-B tasks                       lcb_encode, lcb_decode, errors_lcb, translate_lct_lcb
coordinator HLX knowledge                    hlx_facts, handle_table
coordinator general questions                kind_of, contract_fields, contract_validate,
                                             describe_value, canonicalize, convert (the general
                                             families routed to the coordinator)
=========== ================================ ========================================================

>>> [g.name for g in GATES["ascii"]]
['LC-T generation fully valid', 'HLXL tasks', 'HLXL-LS tasks']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import GateConfig

__all__ = ["Gate", "GATES", "answer_format", "evaluate_gates", "gate_line", "loss_threshold"]

_FMTS = ("hlxl", "lct", "lcr")
_TRANSLATE = frozenset(f"translate_{a}_{b}" for a in _FMTS for b in _FMTS if a != b)


@dataclass(frozen=True)
class Gate:
    """One gate: which test records it covers and which metric must hold on them."""

    name: str
    tasks: frozenset = field(default_factory=frozenset)
    kinds: frozenset = field(default_factory=frozenset)     # fixture records: meta.kind
    formats: frozenset = field(default_factory=frozenset)   # answer format
    metric: str = "accuracy"                                # accuracy | validity

    def covers(self, record: dict) -> bool:
        meta = record.get("meta") or {}
        return (record.get("task") in self.tasks or meta.get("kind") in self.kinds
                or answer_format(record) in self.formats)


def _g(name, tasks=(), kinds=(), formats=(), metric="accuracy") -> Gate:
    return Gate(name, frozenset(tasks), frozenset(kinds), frozenset(formats), metric)


#: Track → its gates (besides the loss gate).  The single mapping of criteria to task families.
GATES: dict[str, tuple[Gate, ...]] = {
    "general": (
        _g("translation between all formats",
           ("convert", "convert_text", "lct_to_lcb", "lcb_to_lct", "lcb_encode", "lcb_decode",
            "canonicalize", "handle_notation", "translit", *_TRANSLATE)),
        _g("contract tasks", ("contract_build", "contract_fields", "contract_validate",
                              "glyph_facts"), kinds=("contract",)),
        _g("primitives, arrays, objects", ("describe_value", "kind_of", "handle_table"),
           kinds=("primitive", "array", "object")),
        _g("programs", ("program_eval", "statement_binds", "type_of_expr")),
    ),
    "ascii": (
        _g("LC-T generation fully valid", formats=("lct",), metric="validity"),
        _g("HLXL tasks", ("convert_text_ascii", "lcb_to_lct", "contract_ascii", "contract_sugar",
                          "compact_ascii", "hlx_to_hlxl",
                          "lct_mastery", "hlxl_eval", "hlxl_format", "nl_to_program",
                          "translate_lct_hlxl")),
        _g("HLXL-LS tasks", ("errors_ascii", "hlxl_ls", "hlxl_ls_check")),
    ),
    "runic": (
        _g("LC-R generation fully valid", formats=("lcr",), metric="validity"),
        _g("HLX tasks", ("convert_text_runic", "glyph_contract", "compact_runic", "glyph_optimise",
                         "glyph_facts",
                         "lcr_mastery", "hlx_eval", "hlx_format", "nl_to_hlx_program",
                         "translate_lcr_hlx")),
        _g("HLX-LS tasks", ("errors_runic", "hlx_ls", "hlx_ls_check")),
    ),
    "coordinator": (
        _g("routing", ("route",)),
        _g("LC-B tasks", ("lct_to_lcb", "lcb_encode", "lcb_decode", "errors_lcb",
                          "translate_lct_lcb")),
        _g("HLX knowledge", ("hlx_facts", "handle_table")),
        _g("general questions", ("kind_of", "contract_fields", "contract_validate",
                                 "describe_value", "canonicalize", "convert")),
    ),
}


def answer_format(record: dict) -> str | None:
    """The format the answer is written in, for either corpus (None for plain-text answers)."""
    meta = record.get("meta") or {}
    if "answer_format" in meta:
        return meta["answer_format"]
    formats = meta.get("formats") or []
    grading = record.get("grading") or {}
    if grading.get("kind") in ("value", "program", "resolve") and formats:
        return formats[-1]
    return None


def loss_threshold(track: str, gates: GateConfig) -> float:
    if track == "general":
        return gates.general_max_loss
    if track == "coordinator":
        return gates.coordinator_max_loss
    return gates.specialist_max_loss


def evaluate_gates(track: str, records: list[dict], rows: list[dict], loss: float,
                   gates: GateConfig) -> list[dict]:
    """Every gate of ``track`` on graded test ``rows`` (aligned with ``records``): name, metric,
    value, threshold, ``needs`` (which way passes: ``< 0.15``, ``≥ 100 %``), n, status ``PASS`` /
    ``FAIL`` / ``NO DATA``, and the one-line ``line`` (:func:`gate_line`)."""
    limit = loss_threshold(track, gates)
    out = [{"gate": "test loss", "metric": "loss", "value": loss, "threshold": limit,
            "needs": f"< {limit:g}", "n": len(rows),
            "status": "PASS" if loss == loss and loss < limit else "FAIL"}]
    for gate in GATES[track]:
        picked = [row for rec, row in zip(records, rows, strict=True) if gate.covers(rec)]
        n = len(picked)
        if gate.metric == "validity":
            value = sum(r["grade"]["parsed"] for r in picked) / n if n else None
            threshold = 1.0
        else:
            value = sum(r["grade"]["correct"] for r in picked) / n if n else None
            threshold = gates.min_task_accuracy
        status = "NO DATA" if n == 0 else ("PASS" if value >= threshold else "FAIL")
        out.append({"gate": gate.name, "metric": gate.metric, "value": value,
                    "threshold": threshold, "needs": f"≥ {_pct(threshold)}", "n": n,
                    "status": status})
    for g in out:
        g["line"] = gate_line(g)
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.1f}".rstrip("0").rstrip(".") + " %"


def gate_line(g: dict) -> str:
    """One gate as a line that says which way passes.

    >>> gate_line({"gate": "test loss", "metric": "loss", "value": 0.97, "threshold": 0.15,
    ...            "n": 100, "status": "FAIL"})
    'test loss 0.97, needs < 0.15: FAIL'
    >>> gate_line({"gate": "HLXL tasks", "metric": "accuracy", "value": 0.42, "threshold": 1.0,
    ...            "n": 50, "status": "FAIL"})
    'HLXL tasks: accuracy 42 % (n = 50), needs ≥ 100 %: FAIL'
    >>> gate_line({"gate": "LC-T generation fully valid", "metric": "validity", "value": None,
    ...            "threshold": 1.0, "n": 0, "status": "NO DATA"})
    'LC-T generation fully valid: no test records, needs valid answers ≥ 100 %: NO DATA'
    """
    value, status = g["value"], g["status"]
    if g["metric"] == "loss":
        shown = f"{value:.4g}" if isinstance(value, (int, float)) else str(value)
        return f"{g['gate']} {shown}, needs < {g['threshold']:g}: {status}"
    what = "valid answers" if g["metric"] == "validity" else "accuracy"
    if value is None:
        return f"{g['gate']}: no test records, needs {what} ≥ {_pct(g['threshold'])}: {status}"
    return (f"{g['gate']}: {what} {_pct(value)} (n = {g['n']}), needs ≥ "
            f"{_pct(g['threshold'])}: {status}")
