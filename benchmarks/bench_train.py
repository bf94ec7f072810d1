"""Training throughput of a preset (tokens/s, step time, peak memory): ``helix-train bench``.

    python benchmarks/bench_train.py [--preset tiny-cpu] [--steps 5]
"""

from helix_train.cli import main

if __name__ == "__main__":
    import sys

    main(["bench", *sys.argv[1:]])
