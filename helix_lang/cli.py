"""``helix-lang``: convert, check and hash HLX values; run, format, transliterate and type HLXL/HLX
programs.  A thin click shell over the library: errors are :class:`HLXError`s rendered once here
(``file:line:col: CODE message`` plus the line and a caret) on stderr, results go to stdout.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from ._version import __version__
from .convert import FORMAT_NAMES, FORMATS
from .errors import HLXError
from .extras import require

EXTENSIONS = {".hlxl": "hlxl", ".hlx": "hlx", ".lct": "lct", ".lcr": "lcr", ".lcb": "lcb"}
_PROGRAM_START = re.compile(r"(?:\s|//[^\n]*|/\*.*?\*/)*(?:latent|program|ꙮ|⟠)(?![A-Za-z0-9_])",
                            re.S)


class Failed(click.ClickException):
    """An HLX error already rendered with its caret; exits 1."""

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise click.ClickException(f"{path}: not UTF-8 text (byte {e.start}): {e.reason}")
    except OSError as e:
        raise click.ClickException(f"{path}: {e.strerror}")


def _format_of(path: str, given: str | None) -> str:
    if given:
        return given
    fmt = EXTENSIONS.get(Path(path).suffix)
    if fmt is None:
        raise click.BadParameter(
            f"cannot tell the format of `{path}` from its extension; pass --format "
            f"({', '.join(FORMAT_NAMES)})", param_hint="--format")
    return fmt


def is_program(text: str) -> bool:
    """Whether an HLXL/HLX text is a program (its first token is `latent`/`program` or a glyph)."""
    return _PROGRAM_START.match(text) is not None


def _fail(e: HLXError, text: str, source: str) -> Failed:
    return Failed(e.render(text, source=source))


FORMAT_CHOICE = click.Choice(FORMAT_NAMES)


#: ``-h`` as well as ``--help`` on every command (subcommands inherit it).
HELP = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=HELP)
@click.version_option(__version__, prog_name="helix-lang")
def main() -> None:
    """The HLX language family: five spellings of one value (HLXL, HLX, LC-T, LC-R, LC-B) and the
    HLXL/HLX programming language.

    \b
    Examples:
      echo '{14: {@0: 123}}' | helix-lang convert --from hlxl --to lcr -
      helix-lang check examples/values/shader.lct
      helix-lang run examples/programs/latent_demo.hlxl
    """


@main.command()
@click.option("--from", "src", type=FORMAT_CHOICE, required=True, help="Format of the input.")
@click.option("--to", "dst", type=FORMAT_CHOICE, required=True, help="Format to print.")
@click.argument("file", default="-")
def convert(src: str, dst: str, file: str) -> None:
    """Convert one value from one format to another (FILE or - for stdin).

    On the lcb side the text is the hex display form (`07 0e 01 00 01 2a 08`).

    \b
    Examples:
      $ echo '{C:14,0=123}' | helix-lang convert --from lct --to lcb
      07 0e 01 00 01 fb 00 08
      $ echo '07 0e 01 00 01 fb 00 08' | helix-lang convert --from lcb --to hlx
      {14: {@0: 123}}
    """
    text = _read(file)
    try:
        click.echo(FORMATS[dst].dump(FORMATS[src].parse(text)))
    except HLXError as e:
        raise _fail(e, text, "<stdin>" if file == "-" else file)


@main.command()
@click.option("--format", "fmt", type=FORMAT_CHOICE, default=None,
              help="Format of every FILE (default: from each file's extension).")
@click.argument("files", nargs=-1, required=True)
def check(fmt: str | None, files: tuple[str, ...]) -> None:
    """Check that each FILE parses (values) or loads (HLXL/HLX programs).

    Prints `FILE: ok (KIND)` per good file; exits 1 after reporting every bad one as
    `file:line:col: CODE message` with the line and a caret.

    \b
    Examples:
      $ helix-lang check examples/values/pipeline.hlxl
      examples/values/pipeline.hlxl: ok (contract)
      $ echo '[1,2,]' | helix-lang check --format lct -
      <stdin>:1:6: E_LC_PARSE unexpected `]`; expected ...
    """
    from .hlxl.parser import load
    from .values import kind

    bad = 0
    for path in files:
        f = _format_of(path, fmt)
        text = _read(path)
        name = "<stdin>" if path == "-" else path
        try:
            if f in ("hlxl", "hlx") and is_program(text):
                load(text, track=f)
                what = "program"
            else:
                what = kind(FORMATS[f].parse(text))
        except HLXError as e:
            click.echo(e.render(text, source=name), err=True)
            bad += 1
            continue
        click.echo(f"{name}: ok ({what})")
    if bad:
        raise SystemExit(1)


@main.command("hash")
@click.option("--format", "fmt", type=FORMAT_CHOICE, default=None,
              help="Format of FILE (default: from its extension).")
@click.option("--tag", default=None, help="Tag of the content handle (default: the kind name).")
@click.argument("file")
def hash_(fmt: str | None, tag: str | None, file: str) -> None:
    """Print the BLAKE3-256 fingerprint of a value (over its LC-B bytes) and its content handle.

    \b
    Example:
      $ echo '123' | helix-lang hash --format hlxl -
      ea113457051ca7b6342c1c695a317ef6b2645a1eb6d0d434f96fe6de04c0679c  &h_int_ea113457051ca7b6
    """
    from .hashing import content_handle_text, fingerprint

    f = _format_of(file, fmt)
    text = _read(file)
    try:
        value = FORMATS[f].parse(text)
        click.echo(f"{fingerprint(value)}  {content_handle_text(value, tag)}")
    except HLXError as e:
        raise _fail(e, text, "<stdin>" if file == "-" else file)


def _track_of(path: str, given: str | None) -> str:
    if given:
        return given
    suffix = Path(path).suffix
    if suffix in (".hlxl", ".hlx"):
        return suffix[1:]
    raise click.BadParameter(f"cannot tell the track of `{path}`; pass --track (hlxl or hlx)",
                             param_hint="--track")


TRACK_CHOICE = click.Choice(["hlxl", "hlx"])


@main.command()
@click.option("--track", type=TRACK_CHOICE, default=None,
              help="hlxl or hlx (default: from the file extension).")
@click.option("--store", "store_path", type=click.Path(dir_okay=False), default=None,
              help="Keep latent tables in this SQLite file (created if missing) across runs.")
@click.option("--entry", default="main", show_default=True, help="Block to run.")
@click.option("--max-steps", type=click.IntRange(min=1), default=None,
              help="Evaluation step bound (default: 10,000,000); exceeding it is E_STEP_LIMIT.")
@click.argument("file")
def run(track: str | None, store_path: str | None, entry: str, max_steps: int | None,
        file: str) -> None:
    """Run an HLXL or HLX program and print its result as a canonical HLXL value literal.

    \b
    Examples:
      $ helix-lang run examples/programs/arithmetic.hlxl
      [5, [3, -4, 1, 2, -2], 1.5, 0.5, false, true]
      $ helix-lang run --store tables.db examples/programs/latent_demo.hlxl
    """
    from .formats import hlxl
    from .hlxl.interp import DEFAULT_MAX_STEPS, Interpreter
    from .store import open_store

    t = _track_of(file, track)
    text = _read(file)
    store = open_store(store_path)
    try:
        interp = Interpreter(text, track=t, store=store,
                             max_steps=max_steps or DEFAULT_MAX_STEPS)
        click.echo(hlxl.dump(interp.run(entry)))
    except HLXError as e:
        raise _fail(e, text, "<stdin>" if file == "-" else file)
    finally:
        store.close()


@main.command()
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing; exit 1 and list the files that are not formatted.")
@click.option("--compact", is_flag=True, help="Print the compact (minified) form instead.")
@click.option("--track", type=TRACK_CHOICE, default=None,
              help="hlxl or hlx (default: from each file's extension).")
@click.argument("files", nargs=-1, required=True)
def fmt(check_only: bool, compact: bool, track: str | None, files: tuple[str, ...]) -> None:
    """Format HLXL/HLX programs in the canonical layout (rewrites the files in place).

    With `-` as FILE the formatted text goes to stdout.  A file is only rewritten when its text
    changes, and a file that does not load is reported and left untouched.

    \b
    Examples:
      $ helix-lang fmt --check examples/programs/*.hlxl
      $ echo 'program p{block main(){return 1+2*3;}}' | helix-lang fmt --track hlxl -
    """
    from .hlxl.fmt import format_source, minify

    bad = 0
    for path in files:
        t = _track_of(path, track)
        text = _read(path)
        name = "<stdin>" if path == "-" else path
        try:
            out = (minify if compact else format_source)(text, track=t)
        except HLXError as e:
            click.echo(e.render(text, source=name), err=True)
            bad += 1
            continue
        if path == "-":
            click.echo(out, nl=False)
        elif out != text:
            if check_only:
                click.echo(f"{name}: would reformat", err=True)
                bad += 1
            else:
                _write_atomic(Path(path), out)
                click.echo(f"{name}: formatted")
    if bad:
        raise SystemExit(1)


def _write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a crash never leaves half a file."""
    tmp = path.with_name(f".{path.name}.helix-tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


@main.command()
@click.option("--to", "to", type=TRACK_CHOICE, required=True, help="Track to write.")
@click.argument("file", default="-")
def translit(to: str, file: str) -> None:
    """Transliterate a program between HLXL (ASCII) and HLX (glyphs), keeping layout and comments.

    \b
    Example:
      $ echo 'let s = "let"; // let' | helix-lang translit --to hlx
      ⊢ s = "let"; // let
    """
    from .translit import to_hlx, to_hlxl

    text = _read(file)
    click.echo((to_hlx if to == "hlx" else to_hlxl)(text), nl=False)


@main.command()
@click.option("--track", type=TRACK_CHOICE, default=None,
              help="hlxl or hlx (default: from the file extension).")
@click.argument("file")
def types(track: str | None, file: str) -> None:
    """List every block and variable binding with its static type (without running).

    Each line is `line:col name: Type (how it was bound)`, 1-based, then the type errors found.

    \b
    Example:
      $ helix-lang types examples/programs/scoping.hlxl
      4:11 main: Fn() -> Array<Any> (block)
      5:13 x: Int (let)
    """
    from .hlxl.parser import load
    from .hlxl.types import check, type_errors

    t = _track_of(file, track)
    text = _read(file)
    name = "<stdin>" if file == "-" else file
    try:
        f = load(text, track=t)
    except HLXError as e:
        raise _fail(e, text, name)
    info = check(f)
    mapping = None
    if t == "hlx":
        from .translit import translit as _tr
        mapping = _tr(text, "hlxl").inverse()
    for b in info.binding_types():
        line, col = mapping.position(b.line, b.column) if mapping else (b.line, b.column)
        click.echo(f"{line}:{col} {b.name}: {b.type} ({b.kind})")
    errors = type_errors(info)
    for e in sorted(errors, key=lambda e: (e.line, e.column, e.code)):
        if mapping:
            e = e.moved(*mapping.position(e.line, e.column))
        click.echo(e.render(text, source=name), err=True)
    if errors:
        raise SystemExit(1)


@main.command()
@click.argument("directory", default="examples", type=click.Path(file_okay=False, exists=True))
def demo(directory: str) -> None:
    """Walk DIRECTORY: print every value file in all five formats (checking that each spelling
    converts back to the same value), and run every program, comparing with its `.out` file.

    Exits 1 if anything disagrees.
    """
    from .formats import hlxl
    from .hlxl.interp import run as run_program
    from .values import equal

    root = Path(directory)
    failures = 0
    for path in sorted(root.rglob("*")):
        fmt_name = EXTENSIONS.get(path.suffix)
        if fmt_name is None:
            continue
        text = path.read_text(encoding="utf-8")
        try:
            if fmt_name in ("hlxl", "hlx") and is_program(text):
                result = hlxl.dump(run_program(text, track=fmt_name))
                expected_file = path.with_suffix(".out")
                expected = expected_file.read_text(encoding="utf-8").strip() \
                    if expected_file.exists() else None
                status = "ok" if expected in (None, result) else f"MISMATCH (expected {expected})"
                failures += status != "ok"
                click.echo(f"{path}: runs to {result}  [{status}]")
                continue
            value = FORMATS[fmt_name].parse(text)
            click.echo(f"{path}:")
            for name, module in FORMATS.items():
                spelled = module.dump(value)
                same = equal(module.parse(spelled), value)
                failures += not same
                click.echo(f"  {name:5} {spelled}" + ("" if same else "  [ROUND-TRIP FAILED]"))
        except HLXError as e:
            failures += 1
            click.echo(e.render(text, source=str(path)), err=True)
    if failures:
        raise click.ClickException(f"{failures} example(s) disagree")
    click.echo("all examples agree")


def _serve_lsp(command: str) -> None:
    require(command, "lsp")
    from .lsp import main as serve

    serve()


@main.command()
def lsp() -> None:
    """Run the HLXL/HLX language server on stdin/stdout (LSP; see docs/language-service.md).

    Needs the `lsp` extra (pygls).  Example (Neovim): cmd = { "helix-lang", "lsp" }
    """
    _serve_lsp("helix-lang lsp")


@click.command(context_settings=HELP)
@click.version_option(__version__, prog_name="helix-lsp")
def lsp_main() -> None:
    """The HLXL/HLX language server (LSP over stdin/stdout), the same as `helix-lang lsp`.

    Editors start it; it takes no arguments.  Needs the `lsp` extra (pygls).  Set-ups for VS Code
    and Neovim: docs/language-service.md.
    """
    _serve_lsp("helix-lsp")


if __name__ == "__main__":  # pragma: no cover
    main()
