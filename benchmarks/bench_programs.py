"""Benchmark: parse + type-check + format of a generated 2,000-line HLXL program, and the
interpreter's speed on a loop of 1,000,000 iterations.

    python benchmarks/bench_programs.py [--lines 2000] [--iterations 1000000] [--json out.json]

The program is generated from a fixed seed: blocks of ~20 lines each with lets, ifs, whiles,
fors, pipelines with lambdas, contracts and latent-space operations.  Each phase is timed as the
best of ``--repeat`` runs (CPU time of this process).
"""

from __future__ import annotations

import argparse
import json
import random
import time

from helix_lang.hlxl.fmt import format_source
from helix_lang.hlxl.interp import Interpreter
from helix_lang.hlxl.parser import load
from helix_lang.hlxl.types import check, type_errors
from helix_lang.translit import to_hlx


def block(rng: random.Random, i: int) -> list[str]:
    n = rng.randint(1, 9)
    return [
        f"    block f{i}(a, b) {{",
        f"        let xs = [a, b, {n}, {n * 2}];",
        "        let total = 0;",
        "        for (x in xs) {",
        "            if (x > 3) {",
        "                let total = total + x * 2;",
        "            } else if (x == 0) {",
        "                local total = 0;",
        "            } else {",
        "                let total = total - 1;",
        "            }",
        "        }",
        "        let i = 0;",
        "        while (i < 3) { let i = i + 1; }",
        f"        let c = contract 902 {{ pipeline_id: \"p{i}\", stages: [&h_s{i}] }};",
        "        let h = ls.collapse node c;",
        "        let y = total |> (v) { return v + len(xs); } |> str;",
        "        ls.guard ls.validate c;",
        f"        return [total, y, ls.resolve h == c, {{k: i, s: \"{i}\"}}];",
        "    }",
        "",
    ]


def program(lines: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    out = ["latent table t;", "", "program bench {"]
    i = 0
    while len(out) < lines - 8:
        out += block(rng, i)
        i += 1
    calls = ", ".join(f"f{j}({j}, 1)" for j in range(min(i, 20)))
    out += ["    block main() {", f"        return [{calls}];", "    }", "}", ""]
    return "\n".join(out)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--iterations", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    src = program(args.lines)
    hlx = to_hlx(src)
    results = {"lines": src.count("\n")}
    results["parse_load_s"] = best(lambda: load(src), args.repeat)
    results["parse_load_hlx_s"] = best(lambda: load(hlx, track="hlx"), args.repeat)
    f = load(src)
    results["typecheck_s"] = best(lambda: type_errors(check(f)), args.repeat)
    results["format_s"] = best(lambda: format_source(src), args.repeat)
    results["run_s"] = best(lambda: Interpreter(src).run(), args.repeat)

    loop = ("program p { block main() { let i = 0; while (i < %d) { let i = i + 1; } "
            "return i; } }" % args.iterations)
    interp = Interpreter(loop, max_steps=None)
    results["loop_iterations"] = args.iterations
    results["loop_s"] = best(interp.run, args.repeat)
    results["loop_iterations_per_s"] = args.iterations / results["loop_s"]
    interp.run()
    probe = Interpreter(loop, max_steps=10**9)
    probe.run()
    results["loop_steps"] = probe.steps
    results["steps_per_s"] = probe.steps / results["loop_s"]

    print(f"program: {results['lines']} lines")
    for key in ("parse_load_s", "parse_load_hlx_s", "typecheck_s", "format_s", "run_s"):
        print(f"  {key:18} {results[key] * 1000:9.1f} ms")
    print(f"loop: {args.iterations:,} iterations in {results['loop_s']:.3f} s = "
          f"{results['loop_iterations_per_s']:,.0f} iterations/s, "
          f"{results['steps_per_s']:,.0f} steps/s ({results['loop_steps']:,} steps)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
