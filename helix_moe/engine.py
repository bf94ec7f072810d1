"""The Helix MoE engine: route, answer with the chosen model, constrain and validate; evaluation
(scored by the one scorer, :func:`helix_corpus.scoring.score`).

One :class:`Engine` serves the three models as one system.  Requests are serialised by a lock
(one CPU inference at a time: on a few cores, parallel forward passes only slow each other down;
the HTTP layer queues them).
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from helix_corpus.build import SYSTEM, SYSTEM_SHARE
from helix_corpus.scoring import wilson

from .constrained import Generation, encode_prompt, generate
from .grammars import normalize_format
from .loading import ROLES, System
from .routing import DEFAULT_THRESHOLD, ROUTES, Route, detect_format, route

__all__ = ["MODEL_NAMES", "Answer", "Engine", "evaluate", "percentile"]

#: OpenAI model name → forced role (None: the coordinator routes).
MODEL_NAMES = {"helix": None, "helix-ascii": "ascii", "helix-runic": "runic",
               "helix-coordinator": "coordinator"}


def _track_system(role: str) -> str:
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
                 max_new_tokens: int = 256):
        self.system = system
        self.tokenizer = system.tokenizer
        self.threshold = threshold
        self.max_new_tokens = max_new_tokens
        corpus = (getattr(system.run, "config", None) or {}).get("corpus") or {}
        #: Whether prompts get the role's system message: as the run's corpus had them.
        self.system_prompts = float(corpus.get("system_share", SYSTEM_SHARE)) > 0
        self.lock = threading.Lock()

    def route(self, request: str, messages: list[dict] | None = None) -> Route:
        return route(self.system.model("coordinator"), self.tokenizer, request,
                     threshold=self.threshold, messages=messages, system=self.system_prompts)

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
            if self.system_prompts and not any(m["role"] == "system" for m in messages):
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


def _split(corpus: Path, track: str, split: str, limit: int | None = None) -> list[dict]:
    from helix_train.data import load_split

    try:
        return load_split(corpus, track, split, limit=limit)
    except FileNotFoundError:
        return []


#: Tokens ``constrained.generate`` keeps for closing a value when the budget runs out; constrained
#: answers get them on top of the split's budget, so both decodings may write as many free tokens.
_FINISH_RESERVE = generate.__kwdefaults__["finish_reserve"]


def _target(record: dict) -> str | None:
    """The format a value answer is written in (None: not a value answer, decoded freely)."""
    from helix_train.graders import grading_of

    g = grading_of(record)
    return g["format"] if g["kind"] == "value" else None


def evaluate(engine: Engine, *, corpus: str | Path | None = None, limit: int | None = None,
             progress=None) -> dict:
    """Routing, end-to-end answers and constrained vs free decoding of value answers on the test
    splits, all scored by the one scorer (:func:`helix_corpus.scoring.score`: accuracy with its
    95 % Wilson interval, format validity, baselines against the train splits, ``learns``); the
    routing confusion matrix; latency.

    Each track's generation budget is its longest reference answer plus a margin
    (:func:`helix_train.evaluate.generation_budget`); constrained decoding gets the closing
    reserve on top.
    """
    from helix_corpus.scoring import score
    from helix_train.evaluate import generation_budget
    from helix_train.graders import grade

    corpus = Path(corpus) if corpus else engine.system.run.run_dir / "corpus"
    tick = progress or (lambda *_: None)
    # 1. routing on the coordinator's route records (their own prompt, as in training)
    routes = [r for r in _split(corpus, "coordinator", "test") if r["task"] == "route"][:limit]
    train_routes = [r for r in _split(corpus, "coordinator", "train") if r["task"] == "route"]
    confusion = {a: Counter() for a in ROUTES}
    by = Counter()
    got_roles = []
    for r in routes:
        want = r["completion"][-1]["content"].strip()
        with engine.lock:
            got = engine.route(r["prompt"][-1]["content"], messages=r["prompt"])
        confusion[want][got.role] += 1
        by[got.by] += 1
        got_roles.append(got.role)
        tick("route")
    routed = score(routes, got_roles, train_routes or None, grader=grade)
    routing = {**routed["overall"], "score": routed.get("families", {}).get("route"),
               "decided_by": dict(by), "threshold": engine.threshold,
               "confusion": {a: {b: confusion[a][b] for b in ROUTES} for a in ROUTES}}
    # 2. end to end (user message only: the system routes and adds the answering model's system
    #    message), and constrained vs free decoding of the records whose answer is a value
    tracks, budgets, latencies = {}, {}, []
    modes = {"constrained": ([], []), "free": ([], [])}   # (records, answers)
    stats = {m: {"fallbacks": 0, "backtracks": 0, "per_token": []} for m in modes}
    for track in ("general", "ascii", "runic", "coordinator"):
        records = [r for r in _split(corpus, track, "test", limit) if r["task"] != "route"]
        if not records:
            continue
        budget = generation_budget(engine.tokenizer, records, what=f"{track} test split")
        budgets[track] = budget
        answers = []
        for r in records:
            user = r["prompt"][-1]["content"]
            target = _target(r)
            a = engine.answer(user, fmt=target, detect=False,
                              max_new_tokens=budget + (_FINISH_RESERVE if target else 0))
            answers.append(a.text)
            latencies.append(a.total_ms)
            tick("answer")
            if target is None:
                continue
            free = engine.answer(user, fmt=target, constrain=False, detect=False,
                                 max_new_tokens=budget)
            for mode, ans in (("constrained", a), ("free", free)):
                modes[mode][0].append(r)
                modes[mode][1].append(ans.text)
                stats[mode]["fallbacks"] += ans.fallback
                stats[mode]["backtracks"] += ans.backtracks
                if ans.tokens:
                    stats[mode]["per_token"].append(ans.generate_ms / ans.tokens)
        tracks[track] = score(records, answers, _split(corpus, track, "train") or None,
                              grader=grade)
    n = sum(t["overall"]["n"] for t in tracks.values())
    correct = sum(t["overall"]["correct"] for t in tracks.values())
    formats = {}
    for mode, (recs, answers) in modes.items():
        sc = score(recs, answers, grader=grade)
        formats[mode] = {**sc["overall"], "families": {
            k: {key: f[key] for key in ("n", "correct", "accuracy", "interval", "format_valid",
                                        "format_interval")}
            for k, f in sc["families"].items()},
            "fallbacks": stats[mode]["fallbacks"], "backtracks": stats[mode]["backtracks"],
            "ms_per_token_p50": percentile(stats[mode]["per_token"], 0.5)}
    return {
        "run": str(engine.system.run.run_dir), "mode": engine.system.mode,
        "parameters": engine.system.report()["summary"], "routing": routing,
        "end_to_end": {"n": n, "correct": correct, "accuracy": correct / n if n else None,
                       "interval": list(wilson(correct, n)) if n else None,
                       "max_new_tokens": budgets, "tracks": tracks},
        "formats": formats,
        "latency_ms": {"n": len(latencies), "p50": percentile(latencies, 0.5),
                       "p95": percentile(latencies, 0.95),
                       "mean": statistics.fmean(latencies) if latencies else None},
    }


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _ci(t: dict, key: str = "interval") -> str:
    iv = t.get(key)
    return "n/a" if not iv else f"[{100 * iv[0]:.1f}, {100 * iv[1]:.1f}]"


def format_report(res: dict) -> str:
    """The evaluation as plain-text tables."""
    out = [f"run {res['run']} ({res['mode']}; {res['parameters']})", ""]
    ro = res["routing"]
    base = (ro.get("score") or {}).get("best_baseline")
    base_txt = "" if base is None else f"; best baseline {base['name']} {_pct(base['accuracy'])}"
    out.append(f"routing: {_pct(ro['accuracy'])} {_ci(ro)} of {ro['n']} (threshold "
               f"{ro['threshold']}, decided by {ro['decided_by']}{base_txt})")
    out.append(f"  {'expected → got':<16}" + "".join(f"{r:>13}" for r in ROUTES))
    for a in ROUTES:
        out.append(f"  {a:<16}" + "".join(f"{ro['confusion'][a][b]:>13}" for b in ROUTES))
    e = res["end_to_end"]
    out += ["", f"end to end: {_pct(e['accuracy'])} {_ci(e)} of {e['n']} (accuracy with its 95 % "
                f"Wilson interval; baselines learnt from the train splits, n/a without one)",
            f"  {'track/family':<30}{'n':>5}{'accuracy':>10}{'95 % CI':>15}{'valid':>8}"
            f"{'best baseline':>30}{'learns':>8}"]
    for track, sc in e["tracks"].items():
        for fam, f in sc["families"].items():
            b = f["best_baseline"]
            b_txt = "n/a" if b is None else f"{b['name']} {_pct(b['accuracy'])}"
            learns = {True: "yes", False: "no", None: "n/a"}[f["learns"]]
            out.append(f"  {track + '/' + fam:<30}{f['n']:>5}{_pct(f['accuracy']):>10}"
                       f"{_ci(f):>15}{_pct(f['format_valid']):>8}{b_txt:>30}{learns:>8}")
    out += ["", "value answers, constrained vs free decoding (accuracy and format validity with "
                "95 % Wilson intervals):",
            f"  {'family':<30}{'n':>5}{'constrained accuracy':>26}{'constrained valid':>26}"
            f"{'free accuracy':>26}{'free valid':>26}"]
    con, free = res["formats"]["constrained"], res["formats"]["free"]
    rows = [("all", con, free)] + [(k, con["families"][k], free["families"].get(k, {}))
                                   for k in con["families"]]
    for name, c, f in rows:
        if not c.get("n"):
            continue
        cells = [f"{_pct(x.get(key))} {_ci(x, ikey)}" for x in (c, f)
                 for key, ikey in (("accuracy", "interval"), ("format_valid", "format_interval"))]
        out.append(f"  {name:<30}{c['n']:>5}" + "".join(f"{x:>26}" for x in
                                                        (cells[0], cells[1], cells[2], cells[3])))
    for m in ("constrained", "free"):
        v = res["formats"][m]
        if v["n"]:
            out.append(f"  {m}: {v['fallbacks']} fallbacks, {v['backtracks']} backtracks, "
                       f"{v['ms_per_token_p50']:.2f} ms/token (p50)")
    lat = res["latency_ms"]
    out += ["", (f"latency per request: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms "
                 f"(n={lat['n']})")]
    return "\n".join(out)


def write_report(res: dict, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(res, indent=2, ensure_ascii=False), encoding="utf-8")


__all__ += ["ROLES", "format_report", "write_report"]
