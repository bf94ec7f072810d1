"""Loading the Lark grammars shipped in ``helix_lang.grammars`` and translating Lark's errors.

This is the only module that knows where the grammar files live.  Parsers are cached per
(grammar, start, transformer class).  :func:`llguidance_source` returns the same grammar with its
``%import .hlx_common`` lines inlined, the form llguidance (constrained decoding) loads.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from typing import Callable, Iterable

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.grammar import Rule
from lark.lexer import LexerThread
from lark.visitors import Transformer, Transformer_InPlace

from .errors import HLXError, line_col
from .lexical import shown as _shown

__all__ = ["GRAMMARS", "parser", "callback_parser", "grammar_text", "llguidance_source",
           "syntax_error"]

GRAMMARS = ("lct", "lcr", "hlxl", "lcb_hex")

try:  # optional speed-up (the `speed` extra); same behaviour, about 1.5x faster
    import lark_cython as _lark_cython
except ImportError:  # pragma: no cover - depends on the environment
    _lark_cython = None


def grammar_text(name: str) -> str:
    """The text of ``grammars/<name>.lark`` as shipped in the package."""
    return importlib.resources.files("helix_lang.grammars").joinpath(f"{name}.lark").read_text(
        encoding="utf-8")


@functools.cache
def parser(name: str, start: str = "start", transformer: type | None = None,
           postlex: type | None = None, lexer: str = "contextual") -> Lark:
    """A cached LALR parser for ``grammars/<name>.lark``.

    With ``transformer`` the tree is transformed while parsing (no intermediate tree);
    ``postlex`` is a class instantiated once per parser (its ``process`` keeps per-parse state).
    """
    return _build(name, start, transformer, postlex, lexer, ())


@functools.cache
def callback_parser(name: str, start: str, transformer: type,
                    lexer_callbacks: tuple[tuple[str, Callable[[Token], Token]], ...]) -> Lark:
    """A cached contextual LALR parser whose lexer calls ``lexer_callbacks`` (``(terminal,
    function)`` pairs) on each token of that terminal before the parser sees it.

    Per-token callbacks do what a stateless post-lexer would, but unlike a post-lexer they also
    run under the optional lark-cython plugin, which is much faster.
    """
    return _build(name, start, transformer, None, "contextual", lexer_callbacks)


def _build(name: str, start: str, transformer: type | None, postlex: type | None, lexer: str,
           lexer_callbacks: tuple) -> Lark:
    options = dict(parser="lalr", start=start, propagate_positions=False,
                   maybe_placeholders=False, lexer=lexer)
    if transformer is not None:
        options["transformer"] = transformer()
    if postlex is not None:
        options["postlex"] = postlex()
    if lexer_callbacks:
        options["lexer_callbacks"] = dict(lexer_callbacks)
    if _lark_cython is not None and postlex is None:  # lark-cython has no post-lexer support
        options["_plugins"] = _lark_cython.plugins
    lark = Lark.open_from_package("helix_lang.grammars", f"{name}.lark", **options)
    _streamline(lark)
    if transformer is not None:
        _fuse_callbacks(lark, options["transformer"])
    lark._hlx_parse = _direct_parse(lark)  # used by formats.common.run_parser
    return lark


def _direct_parse(lark: Lark) -> Callable[[str], object]:
    """``lark.parse`` for a ``str`` and the parser's only start rule, without the per-call
    option and argument checks of :meth:`Lark.parse` (same lexer thread, same LALR parser, same
    exceptions); ``lark.parse`` itself when the parser does not have the expected shape."""
    try:
        frontend = lark.parser
        (start,) = frontend.parser_conf.start
        thread_class = (lark.options._plugins or {}).get("LexerThread") or LexerThread
        lexer, lalr = frontend.lexer, frontend.parser
        from_text = thread_class.from_text
    except (AttributeError, ValueError, TypeError):  # pragma: no cover - another Lark version
        return lark.parse

    def parse_text(text: str):
        return lalr.parse(from_text(lexer, text), start)

    return parse_text


def _fuse_callbacks(lark: Lark, transformer: object) -> None:
    """Replace Lark's per-rule callback chains by one function per rule, for a *plain*
    transformer (not a :class:`lark.Transformer`: methods take the list of children).

    Lark wraps each method in a child filter (drops anonymous tokens, splices the children of
    ``_rule``/repetition helper rules into the parent) and, for ``?rule``, a single-child
    pass-through, and builds a :class:`~lark.Tree` for every repetition helper.  The fused
    functions hand each method exactly the children Lark would, and keep helper results as
    plain lists (only fused callbacks ever see them).  Parsers that do not have the expected
    shape are left alone.
    """
    if (isinstance(transformer, (Transformer, Transformer_InPlace))
            or hasattr(transformer, "__default__") or lark.options.ambiguity != "auto"
            or lark.options.propagate_positions or lark.options.maybe_placeholders):
        return
    callbacks = lark._callbacks
    if any(isinstance(s, str) and s.startswith("_") for s in lark.options.start):
        return  # pragma: no cover - a spliced start rule would need a tree
    tree_class = lark.options.tree_class or Tree
    fused = {}
    for rule in callbacks:
        if not isinstance(rule, Rule):
            continue  # a terminal callback (run when a token is shifted): kept as it is
        name = rule.alias or rule.options.template_source or rule.origin.name
        method = getattr(transformer, name, None)
        if method is not None and getattr(method, "visit_wrapper", None) is not None:
            return  # pragma: no cover - a v_args method: keep Lark's wrappers everywhere
        if method is None and not rule.origin.name.startswith("_"):
            method = functools.partial(tree_class, name)  # what Lark builds without a method
        keep_all = rule.options.keep_all_tokens
        include = [(i, not sym.is_term and sym.name.startswith("_"))
                   for i, sym in enumerate(rule.expansion)
                   if keep_all or not (sym.is_term and sym.filter_out)]
        fused[rule] = _fused(method, include, len(rule.expansion),
                             rule.options.expand1 and not rule.alias)
    callbacks.update(fused)


def _fused(method, include: list[tuple[int, bool]], size: int, single_passes: bool):
    """One rule's callback, as one small function: select the kept children (splicing in the
    lists of ``_`` rules), then pass a single child through (``?rule`` without alias), call
    ``method``, or (a spliced rule without a method) return the list itself.

    ``include`` is Lark's child filter: ``(index, splice)`` for every kept child.
    """
    splices = [splice for _, splice in include]
    if include and include[0] == (0, True) and not any(splices[1:]):
        # A left-recursive repetition (`__x_star: __x_star "," value`): grow the list in place,
        # as Lark does, so that long repetitions stay linear.
        rest = "".join(f"c[{i}], " for i, _ in include[1:])
        expr = f"(c[0].extend(({rest})) or c[0])" if rest else "c[0]"
    elif len(include) == size and not any(splices):
        expr = "c"  # every child, in order
    else:
        expr = "[" + ", ".join(f"*c[{i}]" if splice else f"c[{i}]" for i, splice in include) + "]"
    if method is None:
        source = f"lambda c: {expr}"
    elif single_passes:
        source = f"lambda c: (f[0] if len(f := {expr}) == 1 else build(f))"
    elif expr == "c":
        return method
    else:
        source = f"lambda c: build({expr})"
    return eval(source, {"build": method})  # noqa: S307 - source built above from ints only


class _IdentityRule(Rule):
    """A grammar rule of a built parser, compared and hashed by identity (at C speed).

    Every reduction looks its rule up in the callback dict and compares it with the end state;
    with Lark's :class:`~lark.grammar.Rule` both are Python-level ``__hash__``/``__eq__`` calls.
    After the LALR tables are built, each rule is a single object shared by the table and the
    callback dict, so identity is the same relation as equality there.
    """

    __slots__ = ()
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__


def _streamline(lark: Lark) -> None:
    """Make the per-reduction lookups of a built LALR parser cheaper, without changing what it
    does: rules compare by identity (:class:`_IdentityRule`) and rule origins are named by plain
    ``str`` (a ``lark.Token`` name makes every goto lookup call ``Token.__eq__``).

    Applied only when the parser has the expected shape (one callback dict shared with the
    parser, every table rule a key of it); otherwise the parser is left as Lark built it.
    """
    try:
        table = lark.parser.parser._parse_table
        callbacks = lark._callbacks
    except AttributeError:  # pragma: no cover - another Lark version or frontend
        return
    inner = getattr(lark.parser.parser, "parser", None)
    if not isinstance(callbacks, dict) or getattr(inner, "callbacks", callbacks) is not callbacks:
        return  # pragma: no cover - the parser does not use this dict
    keys = {id(k) for k in callbacks if type(k) is Rule}
    for actions in table.states.values():
        for _action, arg in actions.values():
            if isinstance(arg, Rule) and (type(arg) is not Rule or id(arg) not in keys):
                return  # pragma: no cover - a table rule that is not a callback key
    items = list(callbacks.items())
    for key, _ in items:
        if type(key) is Rule:
            key.__class__ = _IdentityRule
            if type(key.origin.name) is not str:
                key.origin.name = str(key.origin.name)
    callbacks.clear()
    callbacks.update(items)


def llguidance_source(name: str) -> str:
    """The grammar with ``%import .hlx_common`` resolved, as llguidance's Lark reader wants it."""
    common = grammar_text("hlx_common")
    out = []
    for line in grammar_text(name).split("\n"):
        m = re.match(r"%import \.hlx_common(?:\.(\w+)| \(([^)]*)\))", line)
        if not m:
            out.append(line)
            continue
        names = [m.group(1)] if m.group(1) else [n.strip() for n in m.group(2).split(",")]
        for term in names:
            definition = re.search(rf"^{term}:.*$", common, re.M)
            if definition is None:  # pragma: no cover - a grammar bug
                raise LookupError(f"`{term}` is not defined in hlx_common.lark")
            out.append(definition.group(0))
    return "\n".join(out)


#: How a regex terminal is named in an error message.
_TERMINAL_WORDS = {
    "NUMBER": "a number", "UINT": "an unsigned integer", "STRING": "a string",
    "IDENT": "a name", "BYTES": "bytes", "HANDLE": "a handle", "FIELD": "a field",
    "CSTART": "a contract start", "HEXTOKEN": "a hex byte", "UFLOAT": "a number",
    "TABLEREF": "a table name", "NEGNUMBER": "a number",
}


def _describe_expected(lark: Lark, names: Iterable[str]) -> str:
    shown = set()
    for n in names:
        if n == "$END":
            shown.add("end of input")
            continue
        try:
            pat = lark.get_terminal(n).pattern
        except KeyError:
            shown.add(n)
            continue
        shown.add(f"`{pat.value}`" if pat.type == "str" else _TERMINAL_WORDS.get(n, n))
    if not shown:
        return ""
    items = sorted(shown)
    if len(items) > 10:
        items = items[:10] + ["…"]
    return "; expected " + ", ".join(items)


def syntax_error(exc: UnexpectedInput, text: str, lark: Lark | None = None,
                 glyphs: frozenset[str] | None = None) -> HLXError:
    """Translate a Lark error into ``E_LC_PARSE`` (or ``E_UNKNOWN_GLYPH`` for a runic format,
    when the offending character is non-ASCII and not in ``glyphs``)."""
    if isinstance(exc, UnexpectedCharacters):
        line, col = exc.line, exc.column
        idx = exc.pos_in_stream
        ch = text[idx] if 0 <= idx < len(text) else ""
        if glyphs is not None and ch and not ch.isascii() and ch not in glyphs:
            return HLXError("E_UNKNOWN_GLYPH",
                            f"`{ch}` (U+{ord(ch):04X}) is not a glyph of this format",
                            line=line, column=col)
        expected = _describe_expected(lark, exc.allowed or ()) if lark else ""
        shown = repr(ch)[1:-1] if ch else "end of input"
        return HLXError("E_LC_PARSE", f"unexpected character `{shown}`{expected}",
                        line=line, column=col)
    if isinstance(exc, UnexpectedToken):
        tok: Token = exc.token
        expected = _describe_expected(lark, exc.expected or ()) if lark else ""
        if tok.type == "$END" or tok.line is None:
            line, col = line_col(text, len(text))
            return HLXError("E_LC_PARSE", f"unexpected end of input{expected}", line=line,
                            column=col)
        return HLXError("E_LC_PARSE", f"unexpected `{_shown(tok.value)}`{expected}", line=tok.line,
                        column=tok.column, end_column=tok.column + max(1, len(tok.value)))
    if isinstance(exc, UnexpectedEOF):
        line, col = line_col(text, len(text))
        return HLXError("E_LC_PARSE", "unexpected end of input", line=line, column=col)
    line, col = getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1
    return HLXError("E_LC_PARSE", str(exc).split("\n")[0], line=line, column=col)
