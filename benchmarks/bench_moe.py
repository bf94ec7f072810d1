"""Helix MoE service and constrained-decoding benchmark.

    python benchmarks/bench_moe.py --run RUN_DIR [--clients 1 4 16] [--requests 48] [--out F.json]

1. Starts ``helix-moe serve`` as a subprocess on 127.0.0.1 and drives ``/v1/chat/completions``
   with 1, 4 and 16 concurrent clients (threads, stdlib HTTP): requests/s and p50/p95 latency.
2. In process: the same prompts decoded with and without the grammar constraint; per-token time
   of the forward pass and of the llguidance mask (its overhead), per format.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROMPTS = [
    ("Convert this LC-T value to HLXL:\n[1,2]", None),
    ("I have a value written in LC-T:\n[\"shader\"]\nWhat is it in HLXL?", None),
    ("Translate the following LC-R into HLX. Reply with the HLX text only.\n🜃⊤🜄", None),
    ("Convert this LC-B hex value to LC-T:\n05 0B 06", None),
    ("Give the runic (HLX) spelling of `while`.", None),
    ("Contract 22 is called what?", None),
]


def _post(url: str, body: dict) -> float:
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as r:
        r.read()
    return time.perf_counter() - t


def _pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def bench_service(run: str, clients: list[int], requests: int, max_tokens: int) -> list[dict]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-m", "helix_moe.cli", "serve", "--run", run,
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.3)
        url = base + "/v1/chat/completions"
        body = lambda i: {"model": "helix", "max_tokens": max_tokens,
                          "messages": [{"role": "user", "content": PROMPTS[i % len(PROMPTS)][0]}]}
        for i in range(4):
            _post(url, body(i))  # warm-up
        out = []
        for c in clients:
            t = time.perf_counter()
            with ThreadPoolExecutor(c) as pool:
                lat = list(pool.map(lambda i: _post(url, body(i)), range(requests)))
            wall = time.perf_counter() - t
            out.append({"clients": c, "requests": requests, "req_per_s": requests / wall,
                        "p50_ms": 1000 * _pct(lat, 0.5), "p95_ms": 1000 * _pct(lat, 0.95)})
            print(f"clients {c:>3}: {requests / wall:6.2f} req/s   p50 {1000 * _pct(lat, 0.5):7.1f} ms"
                  f"   p95 {1000 * _pct(lat, 0.95):7.1f} ms", flush=True)
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def bench_constraint(run: str, tokens: int, repeats: int) -> dict:
    import torch

    from helix_moe.cli import _quiet
    from helix_moe.constrained import encode_prompt, generate
    from helix_moe.loading import load_system

    _quiet()
    torch.set_num_threads(1)
    system = load_system(run, "full")
    tok = system.tokenizer
    model = system.model("ascii")
    out = {}
    for fmt in ("hlxl", "hlx", "lct", "lcr", "lcb"):
        rows: dict[str, list[float]] = {"free": [], "constrained": []}
        mask = []
        for i in range(repeats):
            prompt = encode_prompt(tok, [{"role": "user", "content": PROMPTS[i % 4][0]}])
            for mode, times in rows.items():
                g = generate(model, tok, prompt, fmt=fmt, constrain=mode == "constrained",
                             max_new_tokens=tokens, temperature=1.0, seed=i)
                times.append(1000 * g.total_s / max(g.steps, 1))
                if mode == "constrained":
                    mask.append(1000 * g.mask_s / max(g.steps, 1))
        out[fmt] = {"free_ms_per_token": _pct(rows["free"], 0.5),
                    "constrained_ms_per_token": _pct(rows["constrained"], 0.5),
                    "mask_ms_per_token": _pct(mask, 0.5)}
        print(f"{fmt:>5}: free {out[fmt]['free_ms_per_token']:.2f} ms/token, constrained "
              f"{out[fmt]['constrained_ms_per_token']:.2f} ms/token (mask "
              f"{out[fmt]['mask_ms_per_token']:.2f} ms)", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", required=True)
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--requests", type=int, default=48)
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=6)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    res = {"run": a.run, "service": bench_service(a.run, a.clients, a.requests, a.max_tokens),
           "constraint": bench_constraint(a.run, 32, a.repeats)}
    if a.out:
        Path(a.out).write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
