"""The points/grades report of a run: Markdown + JSON + PNG plots, and a supervisor summary.

:func:`write_report` reads only files the runner wrote (``state.json``, the checkpoints'
``watchdog.json``, ``result.json``, ``logs/steps.jsonl``) and writes into ``RUN_DIR/report/``:

* ``report.json`` — every stage: status, attempts, each checkpoint's points and grade, test
  metrics, the one scorer's report of the test split (``result.score``: per family accuracy with
  its 95 % Wilson interval, the three baselines, the seen/held-out phrasing split, ``learns``;
  results written before the scorer existed are converted, unknown fields null), gates; plus the
  supervisor summary;
* ``report.md`` — the same for people, supervisor summary first, one per-family table per stage;
* ``loss.png`` (train loss per step and eval loss per checkpoint), ``grades.png`` (rubric total
  per checkpoint), ``tasks.png`` (held-out test accuracy per task family, with its interval).
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from helix_corpus.scoring import learns_summary, markdown_table, wilson

from .config import HelixConfig, from_dict, plan

__all__ = ["collect", "write_report"]


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def collect(run_dir: str | Path) -> dict:
    """Everything the report shows, as plain data."""
    from .curriculum import graded_checkpoints, load_state, stage_dir

    run_dir = Path(run_dir)
    cfg = from_dict(HelixConfig, yaml.safe_load((run_dir / "config.yaml").read_text("utf-8")))
    stages = []
    for stage in plan(cfg):
        sdir = stage_dir(run_dir, stage)
        state = load_state(sdir) or {"status": "pending", "attempts": [], "reason": None}
        checkpoints = []
        for a in state["attempts"]:
            for r in graded_checkpoints(sdir / a["dir"]):
                checkpoints.append({"attempt": a["index"], "epoch": r["epoch"], "step": r["step"],
                                    "eval_loss": r["eval_loss"], "val_accuracy": r["val_accuracy"],
                                    "points": r["points"], "grade": r["grade"],
                                    "action": r["action"]["kind"], "reviewer": r.get("reviewer")})
        result_path = sdir / "result.json"
        result = json.loads(result_path.read_text("utf-8")) if result_path.exists() else None
        if result is not None and result.get("score") is None:
            result["score"] = _legacy_score(result.pop("tasks", None) or {})
        stages.append({"model": stage.model, "role": stage.role, "phase": stage.phase,
                       "track": stage.track, "status": state["status"],
                       "reason": state.get("reason"),
                       "attempts": [{k: a[k] for k in ("index", "reason", "learning_rate",
                                                       "batch_size", "epochs")}
                                    for a in state["attempts"]],
                       "checkpoints": checkpoints,
                       "result": result})
    supervisor = []
    for name in dict.fromkeys(s["model"] for s in stages):
        mine = [s for s in stages if s["model"] == name]
        last = mine[-1]
        res = last["result"]
        gates = [(s["phase"], g) for s in mine if s["result"] for g in s["result"]["gates"]]
        supervisor.append({
            "model": name, "status": "done" if all(s["status"] == "done" for s in mine)
            else next(s["status"] for s in mine if s["status"] != "done"),
            "final_grade": last["checkpoints"][-1]["grade"] if last["checkpoints"] else None,
            "test_accuracy": res["test_accuracy"] if res else None,
            "test_loss": res["test_loss"] if res else None,
            "learns": ([f for f, t in res["score"]["families"].items() if t["learns"]]
                       if res and res["score"]["overall"].get("learns") is not None else None),
            "families": len(res["score"]["families"]) if res else None,
            "gates_passed": sum(g["status"] == "PASS" for _, g in gates),
            "gates_total": len(gates),
            "interventions": sum(c["action"] == "intervene" for s in mine for c in s["checkpoints"]),
            "restarts": sum(len(s["attempts"]) - 1 for s in mine if s["attempts"]),
            "reasons": [s["reason"] for s in mine if s["reason"]],
            "final_model": str(run_dir / "models" / name / "final_model")
            if (run_dir / "models" / name / "final_model").exists() else None,
        })
    return {"run_dir": str(run_dir), "config": cfg.name, "stages": stages,
            "supervisor": supervisor, "steps": _read_jsonl(run_dir / "logs" / "steps.jsonl")}


def _legacy_score(tasks: dict) -> dict:
    """A scorer-shaped report from the per-task table of an older ``result.json`` (``n``,
    ``correct``, ``accuracy``, ``format_valid``; maybe the family majority ``baseline`` and the
    phrasing counts); what it did not measure is None."""
    def split(t, key):
        n, k = t.get(f"{key}_n"), t.get(f"{key}_correct")
        if n is None or k is None:
            return {"n": None, "correct": None, "accuracy": None, "interval": None}
        return {"n": n, "correct": k, "accuracy": k / n if n else None,
                "interval": list(wilson(k, n)) if n else None}

    families = {}
    for task, t in tasks.items():
        base = t.get("baseline")
        families[task] = {
            "n": t["n"], "correct": t["correct"], "accuracy": t["accuracy"],
            "interval": list(wilson(t["correct"], t["n"])), "format_valid": t["format_valid"],
            "baselines": {"majority_family": None if base is None else
                          {"correct": round(base * t["n"]), "accuracy": base},
                          "majority_question": None, "copy_input": None},
            "best_baseline": None, "learns": None,
            "phrasing": {"seen": split(t, "seen"), "heldout": split(t, "heldout")}}
    n = sum(t["n"] for t in tasks.values())
    correct = sum(t["correct"] for t in tasks.values())
    parsed = sum(t["format_valid"] * t["n"] for t in tasks.values())
    overall = {"n": n, "correct": correct, "accuracy": correct / n if n else None,
               "interval": list(wilson(correct, n)) if n else None,
               "format_valid": parsed / n if n else None, "baselines": None,
               "best_baseline": None, "learns": None, "phrasing": None}
    return {"overall": overall, "families": families, "legacy": True}


def _f(x, pct: bool = False) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, str):
        return x
    return f"{100 * x:.1f}%" if pct else f"{x:.4g}"


def _markdown(data: dict) -> str:
    out = [f"# Helix training report — `{data['config']}`", "", f"Run: `{data['run_dir']}`", "",
           "## Supervisor summary", "",
           "| model | status | last grade | test accuracy | test loss | learns (families) | "
           "gates passed | interventions | restarts |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for s in data["supervisor"]:
        learns = ("n/a" if s["learns"] is None else
                  f"{len(s['learns'])}/{s['families']}" + (f": {', '.join(s['learns'])}"
                                                           if s["learns"] else ""))
        out.append(f"| {s['model']} | {s['status']} | {s['final_grade'] or 'n/a'} | "
                   f"{_f(s['test_accuracy'], True)} | {_f(s['test_loss'])} | {learns} | "
                   f"{s['gates_passed']}/{s['gates_total']} | {s['interventions']} | "
                   f"{s['restarts']} |")
    out += ["", "`learns`: families whose held-out accuracy has a 95 % Wilson lower bound above "
            "the best baseline (majority answer of the family or of the question type, or "
            "copying the request's value), in each model's last phase."]
    for s in data["supervisor"]:
        for r in s["reasons"]:
            out.append(f"\n**{s['model']}**: {r}")
    out += ["", "![loss](loss.png)", "", "![grades](grades.png)", "", "![tasks](tasks.png)", ""]
    for st in data["stages"]:
        out += [f"## {st['model']} — phase `{st['phase']}` (track `{st['track']}`): {st['status']}",
                ""]
        if st["reason"]:
            out += [f"Reason: {st['reason']}", ""]
        for a in st["attempts"]:
            out.append(f"- attempt {a['index']}: {a['reason']} (lr {a['learning_rate']:g}, batch "
                       f"{a['batch_size']}, {a['epochs']} epochs)")
        if st["checkpoints"]:
            out += ["", "| attempt | epoch | eval loss | val acc | loss | acc | format | "
                    "progress | total | grade | action |",
                    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
            for c in st["checkpoints"]:
                p = c["points"]
                out.append(f"| {c['attempt']} | {c['epoch']:g} | {_f(c['eval_loss'])} | "
                           f"{_f(c['val_accuracy'], True)} | {p['loss_convergence']} | "
                           f"{p['validation_accuracy']} | {p['format_correctness']} | "
                           f"{p['progress_consistency']} | {p['total']} | {c['grade']} | "
                           f"{c['action']} |")
        r = st["result"]
        if r:
            out += ["", f"Test: loss {_f(r['test_loss'])}, accuracy "
                    f"{_f(r['test_accuracy'], True)} on {r['test_total']} held-out examples "
                    f"({r['test_format_errors']} unparsed); best checkpoint "
                    f"`{r['best_checkpoint']}` (grade {r['best_grade']}).", "",
                    "| gate | metric | value | threshold | n | result |",
                    "| --- | --- | --- | --- | --- | --- |"]
            for g in r["gates"]:
                value = _f(g["value"], g["metric"] != "loss")
                threshold = _f(g["threshold"], g["metric"] != "loss")
                out.append(f"| {g['gate']} | {g['metric']} | {value} | {threshold} | {g['n']} | "
                           f"**{g['status']}** |")
            sc = r["score"]
            out += ["", "Per task family (held-out test split; accuracy `correct/n pct [95 % "
                    "Wilson interval]`; baselines graded like the answers):", "",
                    *markdown_table(sc), ""]
            if sc.get("legacy"):
                out.append("Written before the scorer: question-type and copy-the-input "
                           "baselines and `learns` were not measured.")
            else:
                out.append(learns_summary(sc))
        out.append("")
    return "\n".join(out)


def _plots(data: dict, out: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = {}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    series: dict[str, list] = {}
    for row in data["steps"]:
        if "loss" in row and "model" in row:
            series.setdefault(f"{row['model']}/{row['phase']}", []).append(
                (row["step"] + 1000 * row.get("attempt", 0), row["loss"]))
    for label, pts in series.items():
        ax1.plot(*zip(*pts), label=label.replace("qwen3_1_7b_", ""))
    ax1.set(title="train loss", xlabel="step (+1000 per restart)", ylabel="loss")
    for st in data["stages"]:
        pts = [(c["epoch"], float(c["eval_loss"])) for c in st["checkpoints"]]
        if pts:
            ax2.plot(*zip(*pts), marker="o", label=f"{st['model']}/{st['phase']}".replace(
                "qwen3_1_7b_", ""))
    ax2.set(title="validation loss per checkpoint", xlabel="epoch", ylabel="loss")
    for ax in (ax1, ax2):
        if ax.lines:
            ax.legend(fontsize=7)
    fig.tight_layout()
    paths["loss"] = out / "loss.png"
    fig.savefig(paths["loss"], dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    for st in data["stages"]:
        pts = [(c["epoch"], c["points"]["total"]) for c in st["checkpoints"]]
        if pts:
            ax.plot(*zip(*pts), marker="o", label=f"{st['model']}/{st['phase']}".replace(
                "qwen3_1_7b_", ""))
    for level in (90, 80, 70, 60):
        ax.axhline(level, color="grey", lw=0.5, ls="--")
    ax.set(title="watchdog points per checkpoint (A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60)",
           xlabel="epoch", ylabel="points", ylim=(0, 101))
    if ax.lines:
        ax.legend(fontsize=7)
    fig.tight_layout()
    paths["grades"] = out / "grades.png"
    fig.savefig(paths["grades"], dpi=100)
    plt.close(fig)

    labels, values, errors = [], [], [[], []]
    for st in data["stages"]:
        if st["result"]:
            for task, t in st["result"]["score"]["families"].items():
                labels.append(f"{st['model'].replace('qwen3_1_7b_', '')}/{st['phase']}: {task}")
                values.append(100 * t["accuracy"])
                lo, hi = t["interval"]
                errors[0].append(100 * (t["accuracy"] - lo))
                errors[1].append(100 * (hi - t["accuracy"]))
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.3 * len(labels) + 1)))
    ax.barh(labels or ["(no test results)"], values or [0],
            xerr=errors if labels else None, capsize=2)
    ax.set(title="held-out test accuracy per task family (95 % Wilson interval)",
           xlabel="% correct", xlim=(0, 100))
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    paths["tasks"] = out / "tasks.png"
    fig.savefig(paths["tasks"], dpi=100)
    plt.close(fig)
    return paths


def write_report(run_dir: str | Path) -> dict[str, Path]:
    """Write ``report/report.{md,json}`` and the PNG plots; returns their paths."""
    run_dir = Path(run_dir)
    data = collect(run_dir)
    out = run_dir / "report"
    out.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out / "report.md", "json": out / "report.json"}
    paths["markdown"].write_text(_markdown(data), encoding="utf-8")
    slim = {k: v for k, v in data.items() if k != "steps"}
    paths["json"].write_text(json.dumps(slim, indent=2), encoding="utf-8")
    paths.update(_plots(data, out))
    return paths
