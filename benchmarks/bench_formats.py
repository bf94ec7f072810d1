"""Throughput of the HLX value formats on a fixed, seeded workload (issue "Language core").

The workload is 10,000 mixed values built with ``random.Random(seed)`` (no hypothesis, so the same
seed always gives the same values): every kind of HLX-SPEC §1.1 at the top level, arrays, maps and
contracts nested up to depth 4, strings of 0–40 characters (ASCII, Latin-1, CJK, emoji, escapes),
map keys that are identifiers, reserved words, ``C`` or need quoting, contracts with sparse fields.

For each text format (``lct``, ``lcr``, ``hlxl``, ``hlx`` and the LC-B hex display form ``lcb``)
the canonical texts are prepared first; the timed loop is one parse + print round trip per value
(``dump(parse(text))``, checked against the input).  ``lcb-bytes`` is ``decode(encode(value))``.
Single process, best of ``--repeat`` runs.

    python benchmarks/bench_formats.py                  # table
    python benchmarks/bench_formats.py --json out.json  # table + JSON
    python benchmarks/bench_formats.py --no-lark-cython # without the optional lark-cython plugin
    python benchmarks/bench_formats.py --profile lct    # cProfile of one format's round trips
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

TEXT_FORMATS = ("lct", "lcr", "hlxl", "hlx", "lcb")
TARGETS = {"lcb-bytes": 150_000, **{f: 40_000 for f in TEXT_FORMATS}}

_ALPHABETS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:;!?",  # plain ASCII
    "abcdefghij klmnop éèüßñçøå",                                               # Latin-1
    "数据文本编码值的一二三",                                                       # CJK
    "ab 😀🜊⟁∅\u2028",                                                           # astral, glyphs
    'ab"\\\n\t\r\x00\x1b',                                                         # escapes
)
_ALPHABET_WEIGHTS = (70, 12, 6, 6, 6)
_KEYS = ("id", "name", "type", "size", "usage", "op", "x", "y", "value", "items", "NULL", "C",
         "let", "table", "a b", "", "1x", "é", "stage_idx", "_private")
_HANDLES = ("users", "documents", "spirv", "a", "b", "blur_cs", "x_1", "0", "fb")
_CONTRACT_IDS = (14, 15, 100, 104, 900, 901, 902, 1000)
_SCALARS = ("null", "bool", "int", "float", "text", "bytes", "handle")
_SCALAR_WEIGHTS = (6, 8, 24, 14, 30, 8, 10)


def _text(rng: random.Random) -> str:
    alphabet = rng.choices(_ALPHABETS, _ALPHABET_WEIGHTS)[0]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


def _scalar(rng: random.Random):
    from helix_lang.values import Handle

    kind = rng.choices(_SCALARS, _SCALAR_WEIGHTS)[0]
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        r = rng.random()
        if r < 0.6:
            return rng.randint(-100, 1000)
        if r < 0.95:
            return rng.randint(-(2**31), 2**31)
        return rng.choice((-(2**63), 2**63 - 1, rng.randint(-(2**63), 2**63 - 1)))
    if kind == "float":
        r = rng.random()
        if r < 0.5:
            return round(rng.uniform(-1000, 1000), rng.randint(0, 6)) or 0.0
        if r < 0.9:
            return rng.uniform(-1, 1) * 10.0 ** rng.randint(-30, 30)
        return rng.choice((5e-324, 1.7976931348623157e308, 1e16, 0.1 + 0.2, 1e-5))
    if kind == "text":
        return _text(rng)
    if kind == "bytes":
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 16)))
    return Handle(rng.choice(_HANDLES))


def _value(rng: random.Random, depth: int):
    """A value whose depth is at most ``depth``; containers become rarer further down."""
    from helix_lang.values import Contract

    if depth == 0 or rng.random() < 0.55:
        return _scalar(rng)
    shape = rng.choice(("array", "map", "contract"))
    n = rng.randint(0, 4)
    if shape == "array":
        return tuple(_value(rng, depth - 1) for _ in range(n))
    if shape == "map":
        return {k: _value(rng, depth - 1) for k in rng.sample(_KEYS, n)}
    cid = rng.choice(_CONTRACT_IDS) if rng.random() < 0.8 else rng.randint(0, 2**32 - 1)
    indices = sorted(rng.sample(range(8), n)) if rng.random() < 0.8 else \
        sorted(rng.sample(range(65536), n))
    return Contract(cid, {i: _value(rng, depth - 1) for i in indices})


def workload(n: int = 10_000, seed: int = 20240611) -> list:
    """``n`` values: a third scalars, the rest containers of depth 1–4 (mixed kinds)."""
    from helix_lang.values import make

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        top = rng.randint(0, 4)  # the depth budget of this value
        out.append(make(_value(rng, top)))
    return out


def _best_of(repeat: int, fn) -> tuple[float, float]:
    """Best wall-clock and best CPU (process) time of ``repeat`` runs of ``fn``."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def _roundtrip_loop(mod, texts):
    parse, dump = mod.parse, mod.dump

    def run():
        for t in texts:
            if dump(parse(t)) != t:  # pragma: no cover - a correctness failure, not a timing
                raise AssertionError(f"round trip changed {t!r}")
    return run


def _lcb_loop(values):
    from helix_lang.formats import lcb

    encode, decode = lcb.encode, lcb.decode

    def run():
        for v in values:
            decode(encode(v))
    return run


def stats(values) -> dict:
    from helix_lang.formats import lct
    from helix_lang.values import depth, kind

    kinds: dict[str, int] = {}
    for v in values:
        kinds[kind(v)] = kinds.get(kind(v), 0) + 1
    return {
        "values": len(values),
        "top_level_kinds": dict(sorted(kinds.items())),
        "max_depth": max(depth(v) for v in values),
        "mean_lct_chars": round(sum(len(lct.dump(v)) for v in values) / len(values), 1),
    }


def run(n: int, seed: int, repeat: int, formats: list[str]) -> dict:
    from helix_lang.convert import FORMATS

    values = workload(n, seed)
    results = {}
    for name in formats:
        if name == "lcb-bytes":
            fn = _lcb_loop(values)
        else:
            mod = FORMATS[name]
            texts = [mod.dump(v) for v in values]
            fn = _roundtrip_loop(mod, texts)
            fn()  # warm-up: builds and caches the parser
        seconds, cpu = _best_of(repeat, fn)
        results[name] = {"seconds": seconds, "values_per_s": n / seconds,
                         "us_per_value": seconds / n * 1e6, "cpu_seconds": cpu,
                         "cpu_values_per_s": n / cpu, "target": TARGETS[name],
                         "meets_target": n / seconds >= TARGETS[name]}
    return {"workload": stats(values), "results": results}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="number of values (default 10000)")
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--repeat", type=int, default=3, help="best of N timed runs (default 3)")
    ap.add_argument("--formats", default=",".join((*TEXT_FORMATS, "lcb-bytes")),
                    help="comma-separated subset of lct,lcr,hlxl,hlx,lcb,lcb-bytes")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this path")
    ap.add_argument("--no-lark-cython", action="store_true",
                    help="build the Lark parsers without the lark-cython plugin")
    ap.add_argument("--profile", metavar="FORMAT",
                    help="profile the round trips of one format with cProfile instead")
    args = ap.parse_args(argv)

    import lark

    from helix_lang import grammar

    if args.no_lark_cython:
        grammar._lark_cython = None  # read when a parser is first built (parsers are cached)
    cython = grammar._lark_cython is not None

    if args.profile:
        from helix_lang.convert import FORMATS

        values = workload(args.n, args.seed)
        if args.profile == "lcb-bytes":
            fn = _lcb_loop(values)
        else:
            mod = FORMATS[args.profile]
            fn = _roundtrip_loop(mod, [mod.dump(v) for v in values])
            fn()
        prof = cProfile.Profile()
        prof.runcall(fn)
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
        return 0

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    report = run(args.n, args.seed, args.repeat, formats)
    report["environment"] = {
        "python": platform.python_version(), "implementation": platform.python_implementation(),
        "machine": platform.machine(), "processor": platform.processor(),
        "cpus": os.cpu_count(), "load_average": os.getloadavg(),
        "lark": lark.__version__, "lark_cython": cython, "repeat": args.repeat,
        "seed": args.seed,
    }
    w = report["workload"]
    print(f"workload: {w['values']} values, seed {args.seed}, max depth {w['max_depth']}, "
          f"mean LC-T length {w['mean_lct_chars']} chars; lark-cython "
          f"{'on' if cython else 'off'}; best of {args.repeat}")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (CPU-time column: "
          f"values/s of process time, less sensitive to other load)")
    print(f"{'format':<10} {'values/s':>10} {'us/value':>9} {'cpu val/s':>10} {'target':>8}  ok")
    for name, r in report["results"].items():
        print(f"{name:<10} {r['values_per_s']:>10,.0f} {r['us_per_value']:>9.2f} "
              f"{r['cpu_values_per_s']:>10,.0f} {r['target']:>8,}  "
              f"{'yes' if r['meets_target'] else 'NO'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
