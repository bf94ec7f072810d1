"""Latency of the language service on a 2,000-line program (issue "Language service").

The workload is a seeded, deterministic HLXL program of about 2,000 lines (blocks with loops,
lambdas, contracts, latent operations and comments).  Three measurements, 200 requests each,
p50 / p95 / max in milliseconds:

* ``diagnostics`` — a one-character edit (a space typed at a random column of a random line,
  alternately inserted and removed), then every diagnostic of the edited text (parse with
  recovery, resolution, static types, phase-2 checks and warnings);
* ``completion`` / ``hover`` at random positions, *warm* (the current version is analysed, as it
  is once its diagnostics were published) and *cold* (the first request after an edit, which
  pays for the analysis).

Library rows are given twice: wall-clock time and CPU time of the process (``… cpu``), which
stays meaningful on a machine shared with other work.

``--lsp`` measures the same through the real server (``python -m helix_lang.lsp`` in a
subprocess, debounce 0): ``didChange`` → ``publishDiagnostics`` received, and request round
trips.

    python benchmarks/bench_service.py                 # library, HLXL
    python benchmarks/bench_service.py --track hlx     # the runic track
    python benchmarks/bench_service.py --gc idle       # library, with the server's GC policy
    python benchmarks/bench_service.py --lsp           # end to end through the server
    python benchmarks/bench_service.py --json out.json
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from helix_lang import service
from helix_lang.translit import to_hlx

AIMS = {"diagnostics": 300.0, "completion": 100.0, "hover": 100.0}


def program(lines: int = 2000, seed: int = 7) -> str:
    """A deterministic program of about ``lines`` lines that loads."""
    rnd = random.Random(seed)
    out = ["latent table shaders;", "", "program big {"]
    i = 0
    while len(out) < lines - 4:
        k = rnd.randrange(1000)
        out += [
            f"    // Block {i}: sums, pipelines and a pipeline contract.",
            f"    block step{i}(a, b) using shaders {{",
            f"        let total = a + {k};",
            f"        let xs = [1, 2, {k}];",
            "        for (x in xs) {",
            "            let total = total + x * 2;",
            "        }",
            "        if (total > 10) { return total; } else { local t = total - 1; }",
            f"        let c = contract 902 {{ pipeline_id: \"p{i}\", stages: [&h_vs{i}] }};",
            "        let h = ls.collapse shaders node c;",
            "        let r = total |> (v) { return v + 1; };",
            "        return [total, r, len(xs), h, c.stages, b];",
            "    }",
            "",
        ]
        i += 1
    out += ["    block main() {", "        return step0(1, 2);", "    }", "}"]
    return "\n".join(out) + "\n"


def _stats(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {"p50": statistics.median(ms), "p95": ms[int(0.95 * (len(ms) - 1))], "max": ms[-1],
            "n": len(ms)}


class Editor:
    """Types or deletes one space in the indentation of a random line, like a person fixing
    the layout: every edit gives a new text that still loads, and reparses one block."""

    def __init__(self, text: str, rnd: random.Random) -> None:
        self.rnd = rnd
        self.lines = text.split("\n")
        self.text = text

    def edit(self) -> tuple[int, int, str, int]:
        """Apply one edit; return (line, col, inserted text, removed length)."""
        while True:
            line = self.rnd.randrange(3, len(self.lines) - 5)
            s = self.lines[line]
            indent = len(s) - len(s.lstrip(" "))
            if indent >= 2:
                break
        col = self.rnd.randrange(0, indent)
        if self.rnd.random() < 0.5:
            self.lines[line] = s[:col] + " " + s[col:]
            new, remove = " ", 0
        else:
            self.lines[line] = s[:col] + s[col + 1:]
            new, remove = "", 1
        self.text = "\n".join(self.lines)
        return line, col, new, remove

    def position(self) -> tuple[int, int]:
        line = self.rnd.randrange(len(self.lines))
        return line, self.rnd.randrange(0, len(self.lines[line]) + 1)


def _timed(out: dict, name: str, fn, *args, **kw) -> None:
    """Run ``fn`` and record wall-clock and CPU milliseconds under ``name``."""
    w, c = time.perf_counter(), time.process_time()
    fn(*args, **kw)
    out[name].append((time.perf_counter() - w) * 1000)
    out[name + " cpu"].append((time.process_time() - c) * 1000)


def bench_library(text: str, track: str, n: int, seed: int, idle_gc: bool = False) -> dict:
    rnd = random.Random(seed)
    if idle_gc:  # the server's policy: no automatic collection, a full one when idle
        gc.collect()
        gc.freeze()
        gc.disable()
    ed = Editor(text, rnd)
    service.diagnostics(service.analyze(ed.text, track))  # warm the grammar and the caches
    names = ("diagnostics", "completion (warm)", "hover (warm)", "completion (cold)",
             "hover (cold)")
    out: dict[str, list[float]] = {k + s: [] for k in names for s in ("", " cpu")}
    lenient_hover = (lambda a, line, col, **kw: service.hover(a, line, col, lenient=True, **kw))
    for i in range(n):
        ed.edit()
        _timed(out, "diagnostics", lambda: service.diagnostics(service.analyze(ed.text, track)))
        a = service.analyze(ed.text, track)
        _timed(out, "completion (warm)", service.complete, a, *ed.position())
        _timed(out, "hover (warm)", lenient_hover, a, *ed.position())
        if idle_gc:
            gc.collect()  # the pause between keystrokes
        ed.edit()  # cold: the first request after an edit analyses the new text
        if i % 2:
            _timed(out, "hover (cold)", lenient_hover, ed.text, *ed.position(), track=track)
        else:
            _timed(out, "completion (cold)", service.complete, ed.text, *ed.position(),
                   track=track)
    return {k: _stats(v) for k, v in out.items() if v}


def bench_lsp(text: str, track: str, n: int, seed: int) -> dict:
    import asyncio

    from lsprotocol import types as T
    from pytest_lsp import client_capabilities, make_test_lsp_client

    from helix_lang.lsp import ClientText

    async def run() -> dict:
        client = make_test_lsp_client()
        await client.start_io(sys.executable, "-m", "helix_lang.lsp")
        await client.initialize_session(T.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            initialization_options={"debounce": 0}))
        uri = f"file:///bench/big.{track}"
        doc = T.TextDocumentIdentifier(uri=uri)
        client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(
            uri=uri, language_id=track, version=1, text=text)))
        await client.wait_for_notification(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        rnd = random.Random(seed)
        ed = Editor(text, rnd)
        out: dict[str, list[float]] = {"diagnostics": [], "completion": [], "hover": []}
        for version in range(2, n + 2):
            line, col, new, remove = ed.edit()
            client_text = ClientText(ed.text)
            start = T.Position(line=line, character=col)
            change = T.TextDocumentContentChangePartial(
                range=T.Range(start=start, end=T.Position(line=line, character=col + remove)),
                text=new)
            t0 = time.perf_counter()
            client.text_document_did_change(T.DidChangeTextDocumentParams(
                T.VersionedTextDocumentIdentifier(uri=uri, version=version), [change]))
            await client.wait_for_notification(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            out["diagnostics"].append((time.perf_counter() - t0) * 1000)
            for name in ("completion", "hover"):
                line, col = ed.position()
                pos = client_text.from_service(service.Pos(line, col))
                t0 = time.perf_counter()
                if name == "completion":
                    await client.text_document_completion_async(T.CompletionParams(doc, pos))
                else:
                    await client.text_document_hover_async(T.HoverParams(doc, pos))
                out[name].append((time.perf_counter() - t0) * 1000)
        await client.shutdown_session()
        await client.stop()
        return {k: _stats(v) for k, v in out.items()}

    return asyncio.run(run())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--track", choices=service.TRACKS, default="hlxl")
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lsp", action="store_true", help="measure through the real server")
    ap.add_argument("--gc", choices=("auto", "idle"), default="auto",
                    help="library: Python's automatic GC, or the server's policy (collect only "
                         "between requests)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    args = ap.parse_args()
    text = program(args.lines)
    if args.track == "hlx":
        text = to_hlx(text)
    assert service.analyze(text, args.track).loads
    if args.lsp:
        results = bench_lsp(text, args.track, args.requests, args.seed)
    else:
        results = bench_library(text, args.track, args.requests, args.seed, args.gc == "idle")
    print(f"{text.count(chr(10))} lines, track {args.track}, "
          f"{'LSP server' if args.lsp else 'library, GC ' + args.gc}, "
          f"{platform.python_implementation()} "
          f"{platform.python_version()} on {platform.machine()}")
    print(f"{'operation':<20} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'n':>5}  aim p95")
    for name, s in results.items():
        aim = AIMS[name.split()[0]]
        mark = "ok" if s["p95"] < aim else "MISSED"
        if name.endswith(" cpu"):
            mark = "(CPU time)"
        print(f"{name:<20} {s['p50']:8.1f} {s['p95']:8.1f} {s['max']:8.1f} {s['n']:5d}  "
              f"< {aim:.0f} {mark}")
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                         "results": results}, indent=2))


if __name__ == "__main__":
    main()
