"""The Helix MoE engine: route, answer with the chosen model, constrain and validate; evaluation.

One :class:`Engine` serves the three models as one system.  Requests are serialised by a lock
(one CPU inference at a time: on a few cores, parallel forward passes only slow each other down;
the HTTP layer queues them).
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .constrained import Generation, encode_prompt, generate
from .grammars import normalize_format
from .loading import ROLES, System
from .routing import DEFAULT_THRESHOLD, ROUTES, Route, detect_format, route

__all__ = ["MODEL_NAMES", "Answer", "Engine", "evaluate", "percentile"]

#: OpenAI model name → forced role (None: the coordinator routes).
MODEL_NAMES = {"helix": None, "helix-ascii": "ascii", "helix-runic": "runic",
               "helix-coordinator": "coordinator"}
_TRACK_SYSTEM_FALLBACK = "Answer with exactly the requested text and nothing else."


def _track_system(role: str) -> str:
    try:
        from helix_corpus.build import SYSTEM
    except ImportError:  # pragma: no cover
        return _TRACK_SYSTEM_FALLBACK
    return SYSTEM[role]


@dataclass
class Answer:
    """What the system answered, who answered, and whether it is valid."""

    text: str
    role: str
    route: dict
    format: str | None
    constrained: bool
    valid: bool | None
    error: str | None
    tokens: int
    prompt_tokens: int
    route_ms: float
    generate_ms: float
    total_ms: float
    backtracks: int = 0
    fallback: bool = False
    stop: str = "eos"
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


class Engine:
    """Serve a loaded :class:`~helix_moe.loading.System`."""

    def __init__(self, system: System, *, threshold: float = DEFAULT_THRESHOLD,
                 max_new_tokens: int = 64):
        self.system = system
        self.tokenizer = system.tokenizer
        self.threshold = threshold
        self.max_new_tokens = max_new_tokens
        self.lock = threading.Lock()

    def route(self, request: str, messages: list[dict] | None = None) -> Route:
        return route(self.system.model("coordinator"), self.tokenizer, request,
                     threshold=self.threshold, messages=messages)

    def answer(self, request: str | list[dict], *, model: str = "helix", fmt: str | None = None,
               constrain: bool = True, max_new_tokens: int | None = None,
               temperature: float = 0.0, seed: int | None = None,
               detect: bool = True) -> Answer:
        """Answer a request (text, or chat messages whose last user message is the request)."""
        if model not in MODEL_NAMES:
            raise KeyError(model)
        messages = ([{"role": "user", "content": request}] if isinstance(request, str)
                    else [dict(m) for m in request])
        user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        fmt = normalize_format(fmt) if fmt else (detect_format(user) if detect else None)
        with self.lock:
            t0 = time.perf_counter()
            forced = MODEL_NAMES[model]
            if forced is None:
                r = self.route(user)
            else:
                r = Route(forced, 1.0, {k: float(k == forced) for k in ROUTES}, "forced",
                          f"model `{model}` was asked for")
            t1 = time.perf_counter()
            if not any(m["role"] == "system" for m in messages):
                messages = [{"role": "system", "content": _track_system(r.role)}] + messages
            prompt = encode_prompt(self.tokenizer, messages)
            g: Generation = generate(self.system.model(r.role), self.tokenizer, prompt, fmt=fmt,
                                     constrain=constrain,
                                     max_new_tokens=max_new_tokens or self.max_new_tokens,
                                     temperature=temperature, seed=seed)
            t2 = time.perf_counter()
        return Answer(g.text, r.role, asdict(r), fmt, g.constrained, g.valid, g.error, g.tokens,
                      len(prompt), 1000 * (t1 - t0), 1000 * (t2 - t1), 1000 * (t2 - t0),
                      g.backtracks, g.fallback, g.stop,
                      {"per_token_ms": g.per_token_ms, "mask_ms": 1000 * g.mask_s,
                       "forward_ms": 1000 * g.forward_s})


def percentile(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _grade(record: dict, answer: str) -> tuple[bool, bool]:
    from helix_train.graders import grade

    g = grade(record, answer)
    return bool(g.correct), bool(g.parsed)


def _records(corpus: Path, track: str, limit: int | None) -> list[dict]:
    from helix_train.data import load_split

    try:
        return load_split(corpus, track, "test", limit=None)[:limit] if limit else \
            load_split(corpus, track, "test")
    except FileNotFoundError:
        return []


def evaluate(engine: Engine, *, corpus: str | Path | None = None, limit: int | None = None,
             progress=None) -> dict:
    """Routing accuracy and confusion on the coordinator test split; end-to-end accuracy per
    task family; format validity and exact match with and without constraints; latency."""
    corpus = Path(corpus) if corpus else engine.system.run.run_dir / "corpus"
    tick = progress or (lambda *_: None)
    # 1. routing on the coordinator's route records (their own prompt, as in training)
    routes = [r for r in _records(corpus, "coordinator", None) if r["task"] == "route"][:limit]
    confusion = {a: Counter() for a in ROUTES}
    by = Counter()
    correct = 0
    for r in routes:
        want = r["completion"][-1]["content"].strip()
        with engine.lock:
            got = engine.route(r["prompt"][-1]["content"], messages=r["prompt"])
        confusion[want][got.role] += 1
        by[got.by] += 1
        correct += got.role == want
        tick("route")
    routing = {"n": len(routes), "accuracy": correct / len(routes) if routes else None,
               "decided_by": dict(by), "threshold": engine.threshold,
               "confusion": {a: {b: confusion[a][b] for b in ROUTES} for a in ROUTES}}
    # 2. end to end (user message only: the system routes and adds the answering model's system
    #    message), and the constrained / free comparison on records whose answer is a value
    families: dict[str, dict] = defaultdict(lambda: Counter())
    fmt_cmp = {"constrained": Counter(), "free": Counter()}
    latencies, per_token = [], {"constrained": [], "free": []}
    for track in ("general", "ascii", "runic", "coordinator"):
        for r in _records(corpus, track, limit):
            if r["task"] == "route":
                continue
            user = r["prompt"][-1]["content"]
            grading = r.get("grading") or {}
            target = grading.get("format") if grading.get("kind") == "value" else \
                (r.get("meta") or {}).get("answer_format") if not grading else None
            a = engine.answer(user, fmt=target, detect=False)
            ok, parsed = _grade(r, a.text)
            fam = families[f"{track}/{r['task']}"]
            fam["n"] += 1
            fam["correct"] += ok
            fam["parsed"] += parsed
            latencies.append(a.total_ms)
            tick("answer")
            if target is None:
                continue
            modes = {"constrained": a}
            modes["free"] = engine.answer(user, fmt=target, constrain=False, detect=False)
            for mode, ans in modes.items():
                c = fmt_cmp[mode]
                c["n"] += 1
                c["valid"] += bool(ans.valid)
                c["exact"] += _grade(r, ans.text)[0]
                c["fallback"] += ans.fallback
                c["backtracks"] += ans.backtracks
                if ans.tokens:
                    per_token[mode].append(ans.generate_ms / max(ans.tokens, 1))
    fam_out = {k: {"n": v["n"], "accuracy": v["correct"] / v["n"],
                   "format_valid": v["parsed"] / v["n"]} for k, v in sorted(families.items())}
    total = sum(v["n"] for v in families.values())
    fmt_out = {m: {"n": c["n"], "format_validity": c["valid"] / c["n"] if c["n"] else None,
                   "exact_match": c["exact"] / c["n"] if c["n"] else None,
                   "fallbacks": c["fallback"], "backtracks": c["backtracks"],
                   "ms_per_token_p50": percentile(per_token[m], 0.5)}
               for m, c in fmt_cmp.items()}
    return {
        "run": str(engine.system.run.run_dir), "mode": engine.system.mode,
        "parameters": engine.system.report()["summary"], "routing": routing,
        "end_to_end": {"n": total,
                       "accuracy": sum(v["correct"] for v in families.values()) / total
                       if total else None, "families": fam_out},
        "formats": fmt_out,
        "latency_ms": {"n": len(latencies), "p50": percentile(latencies, 0.5),
                       "p95": percentile(latencies, 0.95),
                       "mean": statistics.fmean(latencies) if latencies else None},
    }


def format_report(res: dict) -> str:
    """The evaluation as plain-text tables."""
    out = [f"run {res['run']} ({res['mode']}; {res['parameters']})", ""]
    ro = res["routing"]
    acc = "n/a" if ro["accuracy"] is None else f"{100 * ro['accuracy']:.1f}%"
    out.append(f"routing: {acc} of {ro['n']} (threshold {ro['threshold']}, decided by "
               f"{ro['decided_by']})")
    out.append(f"  {'expected → got':<16}" + "".join(f"{r:>13}" for r in ROUTES))
    for a in ROUTES:
        out.append(f"  {a:<16}" + "".join(f"{ro['confusion'][a][b]:>13}" for b in ROUTES))
    e = res["end_to_end"]
    out += ["", f"end to end: {100 * (e['accuracy'] or 0):.1f}% of {e['n']}",
            f"  {'family':<34}{'n':>5}{'accuracy':>10}{'parsed':>9}"]
    for k, v in e["families"].items():
        out.append(f"  {k:<34}{v['n']:>5}{100 * v['accuracy']:>9.1f}%"
                   f"{100 * v['format_valid']:>8.1f}%")
    out += ["", (f"  {'value answers':<16}{'n':>5}{'valid':>9}{'exact':>9}{'fallbacks':>11}"
                 f"{'backtracks':>12}{'ms/token':>10}")]
    for m, v in res["formats"].items():
        if v["n"]:
            out.append(f"  {m:<16}{v['n']:>5}{100 * v['format_validity']:>8.1f}%"
                       f"{100 * v['exact_match']:>8.1f}%{v['fallbacks']:>11}{v['backtracks']:>12}"
                       f"{v['ms_per_token_p50']:>10.2f}")
    lat = res["latency_ms"]
    out += ["", (f"latency per request: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms "
                 f"(n={lat['n']})")]
    return "\n".join(out)


def write_report(res: dict, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(res, indent=2, ensure_ascii=False), encoding="utf-8")


__all__ += ["ROLES", "format_report", "write_report"]
