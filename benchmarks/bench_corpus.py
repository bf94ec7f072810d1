"""Benchmark of ``helix-corpus build``: every track, every example generated and verified.

    python benchmarks/bench_corpus.py              # default sizes (target: under 10 s)
    python benchmarks/bench_corpus.py --scale 10   # 10x train sizes
    python benchmarks/bench_corpus.py --scale 100  # about 180,000 examples (target: 10 min)

Prints wall-clock and CPU seconds per track and examples/s, and writes them as JSON with
``--json FILE``.  Corpora go to a temporary directory unless ``--out`` is given.  CPU seconds
(``time.process_time``) are the fairer number on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from helix_corpus.build import build
from helix_corpus.core import TRACKS


def run(tracks: tuple[str, ...], scale: int, seed: int, out: Path) -> dict:
    rows = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for track in tracks:
        w, c = time.perf_counter(), time.process_time()
        result = build((track,), out, seed=seed, scale=scale)[0]
        wall, cpu = time.perf_counter() - w, time.process_time() - c
        rows.append({"track": track, "examples": result.total, "wall_s": round(wall, 2),
                     "cpu_s": round(cpu, 2), "examples_per_s_wall": round(result.total / wall),
                     "examples_per_s_cpu": round(result.total / cpu)})
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    total = sum(r["examples"] for r in rows)
    return {"scale": scale, "seed": seed, "tracks": rows, "examples": total,
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "examples_per_s_wall": round(total / wall), "examples_per_s_cpu": round(total / cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tracks", nargs="+", choices=TRACKS, default=list(TRACKS))
    parser.add_argument("--out", type=Path, help="keep the corpora here")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = run(tuple(args.tracks), args.scale, args.seed, args.out or Path(tmp))
    for r in report["tracks"]:
        print(f"{r['track']:12s} {r['examples']:7d} examples  wall {r['wall_s']:7.2f} s  "
              f"cpu {r['cpu_s']:7.2f} s  {r['examples_per_s_cpu']:5d} ex/s (cpu)")
    print(f"{'all':12s} {report['examples']:7d} examples  wall {report['wall_s']:7.2f} s  "
          f"cpu {report['cpu_s']:7.2f} s  {report['examples_per_s_cpu']:5d} ex/s (cpu), "
          f"{report['examples_per_s_wall']} ex/s (wall)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
