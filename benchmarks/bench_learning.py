"""What a trained run has learnt, against the learning targets of the CPU curriculum.

    python benchmarks/bench_learning.py --run runs/tiny-cpu-…      # or: the newest runs/tiny-cpu-*

Everything goes through ``helix_moe`` exactly as a user's request would: the coordinator routes,
the chosen model answers (greedy, constrained to the target format's grammar; free decoding is
measured beside it).  Nothing here is a timed test; it prints numbers, each with its n and a 95 %
Wilson interval, next to the best simple baseline:

1. **Conversions among HLXL, HLX, LC-T and LC-R** (all 12 ordered pairs) of values made by *this
   file's own generator* — not by ``helix_corpus``: other words, other handle names and keys,
   other numbers — of nesting depth <= 2 and at most 64 LC-T characters, every kind of value
   (strings with escapes and non-ASCII text, bytes, floats in exponent form, handles, contracts,
   maps, arrays).  Asked as ``Convert this {src} value to {dst}:\\n{text}``; exact match with the
   canonical answer.  Baseline: copy the input (right whenever both spellings coincide).
2. **LC-B hex <-> LC-T** on the same kind of values.  Baseline: copy the input.
3. **Routing** by the coordinator on the held-out route records of the run's corpus (its test
   split, phrasings it never saw included).  Baselines: the majority route of train, and the
   format rule of ``helix_moe.routing.rule_route`` (reported, not a model).
4. **Demo time**: the run's wall time from its event log.

Targets (issue 12): (1) >= 90 %, (2) >= 50 %, (3) >= 95 %, (4) under 15 minutes.  ``--json FILE``
writes every number.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from helix_lang import FORMATS  # noqa: E402
from helix_lang.values import Contract, Handle, depth, kind  # noqa: E402

LABEL = {"hlxl": "HLXL", "hlx": "HLX", "lct": "LC-T", "lcr": "LC-R", "lcb": "LC-B hex"}
TEXT4 = ("hlxl", "hlx", "lct", "lcr")
TEXT_PAIRS = [(s, d) for s in TEXT4 for d in TEXT4 if s != d]
MAX_LCT = 64
REQUEST = "Convert this {src} value to {dst}:\n{text}"
KINDS = ("null", "bool", "int", "float", "text", "bytes", "handle", "array", "map", "contract")

# Deliberately not helix_corpus's word lists.
_SYLLABLES = ("ka", "lo", "mi", "ren", "tu", "vex", "sa", "qi", "dor", "pel", "zu", "fin", "ob",
              "gra", "hy", "wel", "ix", "nu", "pa", "cor")
_ODD = ("é", "ß", "ø", "λ", "中", "😀", "\\", '"', "\n", "\t", "ñ", "Ω")


class IndependentValues:
    """Random HLX values of depth <= 2, independent of ``helix_corpus.valuegen``."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def word(self) -> str:
        rng = self.rng
        w = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3)))
        return w.capitalize() if rng.random() < 0.15 else w

    def text(self) -> str:
        rng = self.rng
        words = [self.word() for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.4:
            i = rng.randrange(len(words))
            w = words[i]
            j = rng.randrange(len(w) + 1)
            words[i] = w[:j] + rng.choice(_ODD) + w[j:]
        return " ".join(words) if rng.random() < 0.95 else ""

    def scalar(self, kind: str):
        rng = self.rng
        if kind == "null":
            return None
        if kind == "bool":
            return rng.random() < 0.5
        if kind == "int":
            r = rng.random()
            if r < 0.4:
                return rng.randint(-99, 999)
            if r < 0.8:
                return rng.randint(-10**6, 10**6)
            return rng.choice((-1, 1)) * rng.randint(10**6, 10**15)
        if kind == "float":
            r = rng.random()
            if r < 0.4:
                return rng.randint(-4000, 4000) / 8
            if r < 0.7:
                return round(rng.uniform(-500, 500), rng.randint(1, 3)) or 1.25
            return float(f"{rng.randint(1, 9)}.{rng.randint(0, 99)}e{rng.choice((-12, -7, 18, 25, 40))}")
        if kind == "text":
            return self.text()
        if kind == "bytes":
            return bytes(rng.randrange(256) for _ in range(rng.randint(0, 6)))
        if kind == "handle":
            return Handle(self.word() + (str(rng.randint(0, 9)) if rng.random() < 0.3 else ""))
        raise ValueError(kind)

    def value(self, kind: str, d: int = 0):
        rng = self.rng
        if kind not in ("array", "map", "contract"):
            return self.scalar(kind)
        n = rng.randint(0 if d else 1, 3)

        def child():
            k = rng.choice(KINDS if d < 1 else KINDS[:7])
            return self.value(k, d + 1)

        if kind == "array":
            return tuple(child() for _ in range(n))
        if kind == "map":
            keys = list(dict.fromkeys(self.word() for _ in range(n)))
            return {k: child() for k in keys}
        cid = rng.choice((14, 15, 16, 20, 900, 1000, 7, 42, 300, 4096))
        fields = sorted(rng.sample(range(6), n))
        return Contract(cid, {i: child() for i in fields})

    def items(self, n: int, pairs, *, seen: set[str]):
        """``n`` (src, dst, value) items cycling over ``pairs`` and the ten kinds."""
        out = []
        i = 0
        while len(out) < n:
            kind = KINDS[i % len(KINDS)]
            src, dst = pairs[i % len(pairs)]
            i += 1
            for _ in range(100):
                v = self.value(kind)
                lct = FORMATS["lct"].dump(v)
                if len(lct) <= MAX_LCT and depth(v) <= 2 and lct not in seen:
                    seen.add(lct)
                    out.append((src, dst, v))
                    break
        return out


def wilson_text(k: int, n: int) -> str:
    from helix_corpus.scoring import wilson

    lo, hi = wilson(k, n)
    return f"{k}/{n} = {100 * k / n:.1f} % [{100 * lo:.1f}, {100 * hi:.1f}]" if n else "n = 0"


def newest_run() -> Path | None:
    runs = sorted(Path("runs").glob("tiny-cpu-*"), key=lambda p: p.stat().st_mtime)
    return runs[-1] if runs else None


def run_conversions(engine, items, *, constrain: bool) -> list[dict]:
    """Ask every item; one generation budget for all: the longest reference answer + 16."""
    wants = [FORMATS[dst].dump(v) for _, dst, v in items]
    budget = 16 + max(len(engine.tokenizer(w, add_special_tokens=False)["input_ids"])
                      for w in wants)
    rows = []
    for (src, dst, v), want in zip(items, wants):
        text = FORMATS[src].dump(v)
        request = REQUEST.format(src=LABEL[src], dst=LABEL[dst], text=text)
        a = engine.answer(request, constrain=constrain, max_new_tokens=budget)
        rows.append({"pair": f"{src}->{dst}", "kind": kind(v), "request": request,
                     "expected": want, "answer": a.text, "route": a.route,
                     "correct": a.text.strip() == want, "copy": text == want})
    return rows


def summarise(rows: list[dict], label: str, keys=("pair",)) -> dict:
    """Exact match and the copy-the-input baseline with their intervals, then per group of
    each of ``keys``."""
    n = len(rows)
    k = sum(r["correct"] for r in rows)
    copy = sum(r["copy"] for r in rows)
    print(f"  {label}: {wilson_text(k, n)}; copy-the-input baseline {wilson_text(copy, n)}")
    out = {"n": n, "correct": k, "copy_baseline": copy}
    for key in keys:
        groups = Counter(r[key] for r in rows)
        good = Counter(r[key] for r in rows if r["correct"])
        print(f"    by {key}: " + ", ".join(f"{g} {good[g]}/{groups[g]}" for g in sorted(groups)))
        out["by_" + key] = {g: [good[g], groups[g]] for g in sorted(groups)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", type=Path, default=None, help="run directory (default: newest "
                    "runs/tiny-cpu-*)")
    ap.add_argument("--seed", type=int, default=20261208)
    ap.add_argument("--per-pair", type=int, default=30, help="text items per ordered pair")
    ap.add_argument("--lcb", type=int, default=60, help="items per LC-B direction")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    run = args.run or newest_run()
    if run is None or not Path(run).is_dir():
        print("no run directory: pass --run RUN_DIR (from `helix-train run`)", file=sys.stderr)
        return 2
    import torch

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    from helix_moe.engine import Engine
    from helix_moe.loading import load_system
    from helix_moe.routing import ROUTES, rule_route

    engine = Engine(load_system(run))
    gen = IndependentValues(args.seed)
    seen: set[str] = set()
    text_items = gen.items(args.per_pair * len(TEXT_PAIRS), TEXT_PAIRS, seen=seen)
    lcb_items = gen.items(2 * args.lcb, [("lct", "lcb"), ("lcb", "lct")], seen=seen)
    out: dict = {"run": str(run), "seed": args.seed}
    t0 = time.perf_counter()
    print(f"run {run}")
    for constrain in (True, False):
        mode = "constrained" if constrain else "free"
        print(f"conversions among HLXL, HLX, LC-T, LC-R ({mode} decoding; independent values):")
        rows = run_conversions(engine, text_items, constrain=constrain)
        out[f"text_{mode}"] = summarise(rows, "exact match", keys=("pair", "kind"))
        routed = sum(r["route"]["role"] == ("runic" if r["pair"].endswith(("hlx", "lcr"))
                                            else "ascii") for r in rows)
        print(f"    routed to the right specialist: {wilson_text(routed, len(rows))}")
        out[f"text_{mode}"]["routed"] = routed
        print(f"LC-B hex <-> LC-T ({mode} decoding):")
        lrows = run_conversions(engine, lcb_items, constrain=constrain)
        out[f"lcb_{mode}"] = summarise(lrows, "exact match")
        if constrain:
            out["examples"] = [r for r in rows if not r["correct"]][:10]
    # routing on the run's held-out route records
    corpus = Path(run) / "corpus"
    from helix_train.data import read_jsonl

    test = [r for r in read_jsonl(corpus / "coordinator" / "test.jsonl") if r["task"] == "route"]
    train = [r for r in read_jsonl(corpus / "coordinator" / "train.jsonl") if r["task"] == "route"]
    majority = Counter(r["completion"][-1]["content"] for r in train).most_common(1)[0][0]
    got = [engine.route(r["prompt"][-1]["content"], messages=r["prompt"]) for r in test]
    want = [r["completion"][-1]["content"] for r in test]
    k = sum(g.role == w for g, w in zip(got, want))
    by_model = sum(g.by == "coordinator" for g in got)
    k_model = sum(g.by == "coordinator" and g.role == w for g, w in zip(got, want))
    rule = sum(rule_route(r["prompt"][-1]["content"])[0] == w for r, w in zip(test, want))
    maj = sum(w == majority for w in want)
    heldout = [i for i, r in enumerate(test) if ".h" in r["meta"]["template"]]
    kh = sum(got[i].role == want[i] for i in heldout)
    print("routing on the run's held-out route records (test split):")
    print(f"  coordinator: {wilson_text(k, len(test))} (decided by the model {by_model}, of which "
          f"right {k_model}); held-out phrasings {wilson_text(kh, len(heldout))}")
    print(f"  baselines: majority `{majority}` {wilson_text(maj, len(test))}; "
          f"format rule {wilson_text(rule, len(test))}")
    out["routing"] = {"n": len(test), "correct": k, "by_model": by_model, "model_correct": k_model,
                      "heldout_n": len(heldout), "heldout_correct": kh, "majority": maj,
                      "rule": rule, "labels": list(ROUTES)}
    events = Path(run) / "logs" / "events.jsonl"
    if events.exists():
        stamps = [json.loads(line).get("time") for line in events.read_text().splitlines()
                  if line.strip()]
        stamps = [s for s in stamps if isinstance(s, (int, float))]
        if stamps:
            out["run_minutes"] = (max(stamps) - min(stamps)) / 60
            print(f"run wall time (event log): {out['run_minutes']:.1f} min")
    out["bench_seconds"] = time.perf_counter() - t0
    t = out["text_constrained"]
    lcb = out["lcb_constrained"]
    print("targets:")
    print(f"  conversions >= 90 %: {100 * t['correct'] / t['n']:.1f} % "
          f"{'PASS' if t['correct'] >= 0.9 * t['n'] else 'FAIL'}")
    print(f"  LC-B hex <-> LC-T >= 50 %: {100 * lcb['correct'] / lcb['n']:.1f} % "
          f"{'PASS' if lcb['correct'] >= 0.5 * lcb['n'] else 'FAIL'}")
    print(f"  routing >= 95 %: {100 * k / len(test):.1f} % "
          f"{'PASS' if k >= 0.95 * len(test) else 'FAIL'}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
