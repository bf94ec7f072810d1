"""``helix-moe``: ask one question, evaluate a run, serve it over HTTP, or show what is loaded.

    helix-moe ask "Convert this LC-T value to HLXL: [1]" --run RUN_DIR [--format hlxl]
    helix-moe eval --run RUN_DIR [--limit N] [--out FILE.json]
    helix-moe serve --run RUN_DIR [--host 127.0.0.1] [--port 8000]
    helix-moe info --run RUN_DIR [--mode lora]

``RUN_DIR`` defaults to ``$HELIX_RUN`` or ``./run``.  Every command but ``--help`` and
``--version`` needs the ``train`` extra (torch, transformers, llguidance); ``serve`` also the
``serve`` extra (fastapi, uvicorn).  Without them: one line naming the extra, exit status 2.
"""

from __future__ import annotations

import json
import os
import sys
import time

import click

from helix_lang._version import __version__
from helix_lang.extras import require

__all__ = ["main"]

_RUN = click.option("--run", "run_dir", default=lambda: os.environ.get("HELIX_RUN", "run"),
                    show_default="$HELIX_RUN or ./run", help="Run directory (helix-train run).")
_MODE = click.option("--mode", type=click.Choice(["full", "lora"]), default="full",
                     show_default=True, help="Three full models, or LoRA adapters over one base.")
_RANK = click.option("--lora-rank", type=int, default=None,
                     help="Rank of extracted adapters (default: the run's lora.r, else 16).")
_THRESHOLD = click.option("--threshold", type=float, default=0.5, show_default=True,
                          help="Routing confidence below which the rule-based fallback decides.")


def _quiet() -> None:
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover
        pass


def _need(*extras: str) -> None:
    require(f"helix-moe {click.get_current_context().info_name}", *extras)


def _engine(run_dir, mode, rank, threshold, max_new_tokens=256):
    _need("train")
    _quiet()
    import torch

    from .engine import Engine
    from .loading import load_system

    torch.set_num_threads(int(os.environ.get("HELIX_THREADS", "1")))
    try:
        system = load_system(run_dir, mode, lora_rank=rank)
    except (FileNotFoundError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    return Engine(system, threshold=threshold, max_new_tokens=max_new_tokens)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="helix-moe")
def main() -> None:
    """Helix MoE inference: routing, specialists, grammar-constrained answers."""


@main.command()
@click.argument("request")
@_RUN
@_MODE
@_RANK
@_THRESHOLD
@click.option("--model", "model_name", default="helix", show_default=True,
              type=click.Choice(["helix", "helix-ascii", "helix-runic", "helix-coordinator"]))
@click.option("--format", "fmt", default=None,
              help="Constrain the answer to HLXL, HLX, LC-T, LC-R or LC-B (default: the target "
                   "format the request names, if any).")
@click.option("--no-constrain", is_flag=True, help="Decode freely (still validated).")
@click.option("--max-new-tokens", type=int, default=256, show_default=True,
              help="Most tokens an answer may take (generation stops at the end-of-turn token; "
                   "256 covers a 64-character LC-T value in any format).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole answer as JSON.")
def ask(request, run_dir, mode, lora_rank, threshold, model_name, fmt, no_constrain,
        max_new_tokens, as_json):
    """Answer one REQUEST: prints the route, the answer and its validity."""
    engine = _engine(run_dir, mode, lora_rank, threshold, max_new_tokens)
    try:
        a = engine.answer(request, model=model_name, fmt=fmt, constrain=not no_constrain)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(json.dumps(a.to_dict(), indent=2, ensure_ascii=False))
        return
    r = a.route
    probs = " ".join(f"{k}={v:.2f}" for k, v in r["probs"].items())
    click.echo(f"route:    {a.role} (by {r['by']}, confidence {r['confidence']:.2f}; {probs})"
               + (f" — {r['reason']}" if r["reason"] else ""))
    click.echo(f"answer:   {a.text}")
    if a.format:
        how = "constrained" if a.constrained else "free"
        state = "valid" if a.valid else f"INVALID ({a.error})"
        extra = (f", {a.backtracks} backtrack(s)" if a.backtracks else "") + \
            (", minimal-value fallback" if a.fallback else "")
        click.echo(f"validity: {state} {a.format} ({how}{extra})")
    else:
        click.echo("validity: no target format (free text)")
    click.echo(f"time:     {a.total_ms:.0f} ms (route {a.route_ms:.0f} ms, {a.tokens} tokens "
               f"in {a.generate_ms:.0f} ms)")


@main.command("eval")
@_RUN
@_MODE
@_RANK
@_THRESHOLD
@click.option("--corpus", default=None, help="Corpus directory (default: RUN_DIR/corpus).")
@click.option("--limit", type=int, default=None, help="At most N test records per track.")
@click.option("--out", default=None, help="JSON file (default: RUN_DIR/moe_eval.json).")
def eval_cmd(run_dir, mode, lora_rank, threshold, corpus, limit, out):
    """End-to-end accuracy per task family, routing confusion matrix, latency (JSON + table)."""
    engine = _engine(run_dir, mode, lora_rank, threshold)
    from .engine import evaluate, format_report, write_report

    t = time.perf_counter()
    res = evaluate(engine, corpus=corpus, limit=limit)
    res["seconds"] = round(time.perf_counter() - t, 1)
    path = out or os.path.join(run_dir, "moe_eval.json")
    write_report(res, path)
    click.echo(format_report(res))
    click.echo(f"\nwrote {path} ({res['seconds']} s)")


@main.command()
@_RUN
@_MODE
@_RANK
@_THRESHOLD
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help="Seconds a request may take (queueing included) before a 504.")
@click.option("--max-input-chars", type=int, default=8000, show_default=True)
def serve(run_dir, mode, lora_rank, threshold, host, port, timeout, max_input_chars):
    """HTTP service: /health and an OpenAI-compatible /v1/chat/completions."""
    _need("train", "serve")
    import uvicorn

    from .server import create_app

    engine = _engine(run_dir, mode, lora_rank, threshold)
    app = create_app(engine, timeout=timeout, max_input_chars=max_input_chars)
    click.echo(f"helix-moe serving {run_dir} on http://{host}:{port} "
               f"({engine.system.report()['summary']})", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@main.command()
@_RUN
@_MODE
@_RANK
def info(run_dir, mode, lora_rank):
    """Parameters and memory as loaded, and computed for three Qwen3-1.7B models."""
    engine = _engine(run_dir, mode, lora_rank, 0.5)
    from .loading import qwen3_1_7b_memory

    rep = engine.system.report()
    click.echo(json.dumps({"loaded": rep, "computed_qwen3_1_7b": qwen3_1_7b_memory(
        rank=rep.get("lora_rank") or 16)}, indent=2))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
