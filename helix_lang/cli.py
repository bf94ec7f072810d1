"""``helix-lang``: convert, check and hash HLX values; run, format, transliterate and type HLXL/HLX
programs.  A thin click shell over the library: errors are :class:`HLXError`s rendered once here
(``file:line:col: CODE message`` plus the line and a caret) on stderr, results go to stdout.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from .convert import FORMAT_NAMES, FORMATS
from .errors import HLXError

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="helix-hlx")
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


if __name__ == "__main__":  # pragma: no cover
    main()
