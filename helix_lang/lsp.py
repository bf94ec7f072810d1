"""``helix-lang lsp``: a Language Server Protocol server for ``.hlxl`` and ``.hlx`` files.

A thin pygls adapter over :mod:`helix_lang.service`: each handler converts LSP positions, calls
the service and converts the result back.  No language logic lives here.

* **Positions.**  The service speaks the spec's 0-based lines split on LF and columns in code
  points (§12.1).  LSP speaks lines split on CR, LF or CRLF and columns in the negotiated encoding
  (UTF-16 code units by default; a 🜁 or 🐊 counts 2).  :class:`ClientText` converts at this edge
  only, through string offsets, so CR-only texts and astral glyphs are both right.  (pygls'
  own ``TextDocument`` splits lines with ``str.splitlines``, which also breaks at U+2028, U+0085,
  …, so documents are kept here instead.)
* **Documents.**  Incremental sync; each open document keeps its text, version and track (from
  the language id ``hlx``/``hlxl`` or the file extension).  Analyses are cached per
  ``(version, text)`` by the service, whose parser also caches every block of a program, so an
  edit reparses only the block it touched.
* **Diagnostics** are published for the changed document after a short debounce (only the latest
  version is analysed, so a burst of edits costs one analysis).
* **Broken documents** are answered with what can be known: hover, definition, references and
  rename use the recovered AST (the service's ``lenient`` mode).

Initialization options (all optional): ``{"debounce": 0.1, "store": "path/to/latent.sqlite"}`` —
the seconds to wait before publishing diagnostics, and a latent store whose handles completion
offers and whose tables diagnostics check handle literals against.

Run it with ``helix-lang lsp`` or ``python -m helix_lang.lsp`` (stdio).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types as T
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from . import service
from ._version import __version__
from .service import Pos, Range

__all__ = ["ClientText", "HelixLanguageServer", "main", "server"]

log = logging.getLogger(__name__)
#: Seconds without activity after which the server runs a full garbage collection …
IDLE_GC = 1.0
#: … or after this many postponements when the client never pauses (bounded memory).
BUSY_GC = 30
_BREAKS = re.compile(r"\r\n|\r|\n")

_SEVERITY = {service.model.ERROR: T.DiagnosticSeverity.Error,
             service.model.WARNING: T.DiagnosticSeverity.Warning,
             service.model.INFO: T.DiagnosticSeverity.Information}
_KINDS = {"keyword": T.CompletionItemKind.Keyword, "operation": T.CompletionItemKind.Operator,
          "builtin": T.CompletionItemKind.Function, "block": T.CompletionItemKind.Function,
          "table": T.CompletionItemKind.Module, "variable": T.CompletionItemKind.Variable,
          "field": T.CompletionItemKind.Field, "contract": T.CompletionItemKind.Struct,
          "value": T.CompletionItemKind.EnumMember, "handle": T.CompletionItemKind.Reference}
_SYMBOLS = {"table": T.SymbolKind.Module, "program": T.SymbolKind.Namespace,
            "block": T.SymbolKind.Function, "variable": T.SymbolKind.Variable,
            "parameter": T.SymbolKind.Variable}


class RequestFailed(JsonRpcException):
    """LSP ``RequestFailed`` (-32803): a valid request the server refuses (a bad new name)."""

    CODE = -32803
    MESSAGE = "Request failed"


# ---------------------------------------------------------------------------- the edge


@dataclass
class ClientText:
    """One text with the client's line model (CR, LF, CRLF) and column unit.

    ``to_offset``/``from_offset`` convert an LSP position to a string offset and back;
    ``to_service``/``from_service`` go through the offset to the spec's 0-based code-point
    position (LF lines) that the service uses.
    """

    text: str
    encoding: str = T.PositionEncodingKind.Utf16
    _starts: list[int] | None = field(default=None, repr=False)
    _ends: list[int] | None = field(default=None, repr=False)
    _lines: service.LineIndex | None = field(default=None, repr=False)

    @property
    def starts(self) -> list[int]:
        """Offsets where the client's lines start (LSP: CRLF, CR and LF end a line)."""
        if self._starts is None:
            breaks = list(_BREAKS.finditer(self.text))
            self._starts = [0] + [m.end() for m in breaks]
            self._ends = [m.start() for m in breaks] + [len(self.text)]
        return self._starts

    @property
    def lines(self) -> service.LineIndex:
        if self._lines is None:
            self._lines = service.LineIndex(self.text)
        return self._lines

    def _units(self, ch: str) -> int:
        if self.encoding == T.PositionEncodingKind.Utf32:
            return 1
        if self.encoding == T.PositionEncodingKind.Utf8:
            return len(ch.encode("utf-8", "surrogatepass"))
        return 2 if ord(ch) > 0xFFFF else 1

    def _line_end(self, line: int) -> int:
        self.starts  # noqa: B018 - computes both lists
        return self._ends[line]

    def to_offset(self, p: T.Position) -> int:
        """The string offset of an LSP position (clamped to its line and to the text)."""
        starts = self.starts
        if p.line >= len(starts):
            return len(self.text)
        i, end = starts[p.line], self._line_end(p.line)
        if self.encoding == T.PositionEncodingKind.Utf32:
            return min(i + max(p.character, 0), end)
        units = 0
        while i < end and units < p.character:
            units += self._units(self.text[i])
            i += 1
        return i

    def from_offset(self, offset: int) -> T.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        offset = min(offset, max(start, self._line_end(line)))
        if self.encoding == T.PositionEncodingKind.Utf32:
            return T.Position(line=line, character=offset - start)
        return T.Position(line=line,
                          character=sum(self._units(c) for c in self.text[start:offset]))

    def to_service(self, p: T.Position) -> Pos:
        return self.lines.pos(self.to_offset(p))

    def from_service(self, p: Pos) -> T.Position:
        return self.from_offset(self.lines.offset(p.line, p.col))

    def range_from_service(self, r: Range) -> T.Range:
        return T.Range(start=self.from_service(r.start), end=self.from_service(r.end))


@dataclass
class Document:
    """An open document: its text, version and track, and the analysis of that version."""

    uri: str
    text: str
    version: int
    track: str
    _client: ClientText | None = None
    _analysis: service.Analysis | None = None

    def client(self, encoding: str) -> ClientText:
        if self._client is None or self._client.text is not self.text \
                or self._client.encoding != encoding:
            self._client = ClientText(self.text, encoding)
        return self._client

    def analysis(self) -> service.Analysis:
        """The analysis of the current text (computed once per version)."""
        if self._analysis is None or self._analysis.source is not self.text:
            self._analysis = service.analyze(self.text, self.track)
        return self._analysis


def track_of(uri: str, language_id: str | None = None) -> str:
    """``hlx`` for runic documents (language id or ``.hlx`` extension), else ``hlxl``."""
    if language_id in service.TRACKS:
        return language_id
    return "hlx" if uri.lower().endswith(".hlx") else "hlxl"


class HelixProtocol(LanguageServerProtocol):
    """pygls' protocol, except that ``didChange`` leaves pygls' workspace copy alone: the server
    keeps its own documents (see :class:`ClientText` for why)."""

    @lsp_method(T.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: T.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(T.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None


class HelixLanguageServer(LanguageServer):
    """The HLX language server: documents, settings and the diagnostics scheduler."""

    def __init__(self) -> None:
        super().__init__("helix-lsp", __version__, protocol_cls=HelixProtocol,
                         text_document_sync_kind=T.TextDocumentSyncKind.Incremental)
        self.docs: dict[str, Document] = {}
        self.debounce = 0.1
        self.known_handles: dict[str, set[str]] = {}
        self._pending: dict[str, asyncio.Task] = {}
        self._active = 0.0
        self._gc_waiting = False
        self._busy = 0

    @property
    def encoding(self) -> str:
        try:
            return self.workspace.position_encoding or T.PositionEncodingKind.Utf16
        except RuntimeError:  # pragma: no cover - before initialize
            return T.PositionEncodingKind.Utf16

    def doc(self, uri: str) -> Document | None:
        return self.docs.get(uri)

    def load_store(self, path: str) -> None:
        """Read the handle names of every table of a latent store (for diagnostics and
        completion)."""
        from .store import SqliteStore

        if not os.path.exists(path):
            log.warning("latent store %s does not exist", path)
            return
        store = SqliteStore(path)
        try:
            self.known_handles = {t: set(store.names(t)) for t in store.tables()}
        finally:
            store.close()

    # ---------------------------------------------------------------- diagnostics
    def schedule(self, uri: str) -> None:
        """Publish the diagnostics of ``uri`` after the debounce, if no newer edit comes."""
        self.touch()
        old = self._pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self._pending[uri] = asyncio.ensure_future(self._publish_later(uri))

    async def _publish_later(self, uri: str) -> None:
        if self.debounce:
            await asyncio.sleep(self.debounce)
        self._pending.pop(uri, None)
        self.publish(uri)

    def touch(self) -> None:
        """Note activity: the full garbage collection waits for a quiet moment."""
        self._active = time.monotonic()
        if not self._gc_waiting:
            self._gc_waiting = True
            asyncio.get_running_loop().call_later(IDLE_GC, self._idle_gc)

    def _idle_gc(self) -> None:
        quiet = time.monotonic() - self._active
        self._busy += 1
        if quiet < IDLE_GC and self._busy < BUSY_GC:
            asyncio.get_running_loop().call_later(IDLE_GC - quiet, self._idle_gc)
            return
        self._gc_waiting = False
        self._busy = 0
        gc.collect()

    def publish(self, uri: str) -> None:
        d = self.doc(uri)
        if d is None:
            return
        client = d.client(self.encoding)
        out = [self.to_lsp_diagnostic(x, client)
               for x in service.diagnostics(d.analysis(), known_handles=self.known_handles)]
        self.text_document_publish_diagnostics(
            T.PublishDiagnosticsParams(uri=uri, diagnostics=out, version=d.version))

    @staticmethod
    def to_lsp_diagnostic(x: service.Diagnostic, client: ClientText) -> T.Diagnostic:
        message = x.message + (f"\n{x.hint}" if x.hint else "")
        return T.Diagnostic(range=client.range_from_service(x.range), message=message,
                            severity=_SEVERITY[x.severity], code=x.code, source="helix")


server = HelixLanguageServer()


def _doc_and_pos(ls: HelixLanguageServer, params) -> tuple[Document, ClientText, Pos] | None:
    ls.touch()
    d = ls.doc(params.text_document.uri)
    if d is None:
        return None
    client = d.client(ls.encoding)
    return d, client, client.to_service(params.position)


# ---------------------------------------------------------------------------- lifecycle


@server.feature(T.INITIALIZE)
def initialize(ls: HelixLanguageServer, params: T.InitializeParams) -> None:
    """``initialize``: read the initialization options (debounce, latent store)."""
    options = params.initialization_options or {}
    if isinstance(options, dict):
        if isinstance(options.get("debounce"), (int, float)):
            ls.debounce = max(0.0, float(options["debounce"]))
        if isinstance(options.get("store"), str):
            ls.load_store(options["store"])


@server.feature(T.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: HelixLanguageServer, params: T.DidOpenTextDocumentParams) -> None:
    """``textDocument/didOpen``: keep the document and publish its diagnostics."""
    item = params.text_document
    ls.docs[item.uri] = Document(item.uri, item.text, item.version,
                                 track_of(item.uri, item.language_id))
    ls.schedule(item.uri)


@server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: HelixLanguageServer, params: T.DidChangeTextDocumentParams) -> None:
    """``textDocument/didChange``: apply the (incremental or full) changes, then schedule the
    diagnostics."""
    d = ls.doc(params.text_document.uri)
    if d is None:
        return
    for change in params.content_changes:
        if isinstance(change, T.TextDocumentContentChangePartial):
            client = d.client(ls.encoding)
            start = client.to_offset(change.range.start)
            end = max(start, client.to_offset(change.range.end))
            d.text = d.text[:start] + change.text + d.text[end:]
        else:
            d.text = change.text
    d.version = params.text_document.version
    ls.schedule(d.uri)


@server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: HelixLanguageServer, params: T.DidCloseTextDocumentParams) -> None:
    """``textDocument/didClose``: forget the document and clear its diagnostics."""
    uri = params.text_document.uri
    ls.docs.pop(uri, None)
    pending = ls._pending.pop(uri, None)
    if pending is not None:
        pending.cancel()
    ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


# ---------------------------------------------------------------------------- features


@server.feature(T.TEXT_DOCUMENT_COMPLETION,
                T.CompletionOptions(trigger_characters=[".", "@", "_", "⟁"]))
def completion(ls: HelixLanguageServer, params: T.CompletionParams) -> T.CompletionList | None:
    """``textDocument/completion``: the canonical candidates first, then the extras."""
    found = _doc_and_pos(ls, params)
    if found is None:
        return None
    d, client, pos = found
    result = service.complete(d.analysis(), pos.line, pos.col, store_handles=ls.known_handles)
    rng = client.range_from_service(result.range)
    items = []
    for i, c in enumerate(result.items):
        doc = T.MarkupContent(kind=T.MarkupKind.Markdown, value=c.documentation) \
            if c.documentation else None
        items.append(T.CompletionItem(
            label=c.label, kind=_KINDS.get(c.kind), detail=c.detail or None, documentation=doc,
            sort_text=f"{0 if c.valid else 1}{0 if c.canonical else 1}{i:05d}",
            filter_text=c.filter_text,
            text_edit=T.TextEdit(range=rng, new_text=c.text)))
    return T.CompletionList(is_incomplete=False, items=items)


@server.feature(T.TEXT_DOCUMENT_HOVER)
def hover(ls: HelixLanguageServer, params: T.HoverParams) -> T.Hover | None:
    """``textDocument/hover``: the canonical ``type: T`` / doc line, then the documentation."""
    found = _doc_and_pos(ls, params)
    if found is None:
        return None
    d, client, pos = found
    h = service.hover(d.analysis(), pos.line, pos.col, lenient=True)
    if h is None:
        return None
    parts = [f"```\n{h.render()}\n```"] if h.type is not None else []
    if h.documentation:
        parts.append(h.documentation)
    return T.Hover(contents=T.MarkupContent(kind=T.MarkupKind.Markdown,
                                           value="\n\n".join(parts)),
                   range=client.range_from_service(h.range))


@server.feature(T.TEXT_DOCUMENT_DEFINITION)
def definition(ls: HelixLanguageServer, params: T.DefinitionParams) -> T.Location | None:
    """``textDocument/definition``: the declaring token of a table, block or variable."""
    found = _doc_and_pos(ls, params)
    if found is None:
        return None
    d, client, pos = found
    r = service.definition(d.analysis(), pos.line, pos.col, lenient=True)
    return None if r is None else T.Location(uri=d.uri, range=client.range_from_service(r))


@server.feature(T.TEXT_DOCUMENT_REFERENCES)
def references(ls: HelixLanguageServer, params: T.ReferenceParams) -> list[T.Location]:
    """``textDocument/references``: every occurrence of the symbol (its declaration only when
    the client asks for it)."""
    found = _doc_and_pos(ls, params)
    if found is None:
        return []
    d, client, pos = found
    a = d.analysis()
    refs = service.references(a, pos.line, pos.col, lenient=True)
    if not params.context.include_declaration:
        decl = service.definition(a, pos.line, pos.col, lenient=True)
        refs = [r for r in refs if r != decl]
    return [T.Location(uri=d.uri, range=client.range_from_service(r)) for r in refs]


@server.feature(T.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(ls: HelixLanguageServer, params: T.PrepareRenameParams) -> T.Range | None:
    """``textDocument/prepareRename``: the name under the cursor, if it can be renamed."""
    found = _doc_and_pos(ls, params)
    if found is None:
        return None
    d, client, pos = found
    r = service.prepare_rename(d.analysis(), pos.line, pos.col, lenient=True)
    return None if r is None else client.range_from_service(r)


@server.feature(T.TEXT_DOCUMENT_RENAME)
def rename(ls: HelixLanguageServer, params: T.RenameParams) -> T.WorkspaceEdit | None:
    """``textDocument/rename``: scope-correct rename; a refused name is a ``RequestFailed``
    error whose message says why."""
    found = _doc_and_pos(ls, params)
    if found is None:
        return None
    d, client, pos = found
    result = service.rename(d.analysis(), pos.line, pos.col, params.new_name, lenient=True)
    if result.error:
        raise RequestFailed(result.message)
    if not result.edits:
        return None
    if result.message:
        ls.window_show_message(T.ShowMessageParams(type=T.MessageType.Warning,
                                                  message=result.message))
    edits = [T.TextEdit(range=client.range_from_service(e.range), new_text=e.new_text)
             for e in result.edits]
    return T.WorkspaceEdit(changes={d.uri: edits})


@server.feature(T.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: HelixLanguageServer, params: T.DocumentFormattingParams) -> list[T.TextEdit]:
    """``textDocument/formatting``: the canonical layout (§12.11); nothing for a text that does
    not load."""
    d = ls.doc(params.text_document.uri)
    if d is None:
        return []
    client = d.client(ls.encoding)
    done = service.format_document(d.text, track=d.track)
    return [T.TextEdit(range=client.range_from_service(e.range), new_text=e.new_text)
            for e in done.edits]


@server.feature(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbol(ls: HelixLanguageServer,
                    params: T.DocumentSymbolParams) -> list[T.DocumentSymbol]:
    """``textDocument/documentSymbol``: tables, the program, its blocks and their variables."""
    d = ls.doc(params.text_document.uri)
    if d is None:
        return []
    client = d.client(ls.encoding)

    def convert(s: service.Symbol) -> T.DocumentSymbol:
        return T.DocumentSymbol(name=s.name, kind=_SYMBOLS[s.kind],
                                range=client.range_from_service(s.range),
                                selection_range=client.range_from_service(s.selection),
                                children=[convert(c) for c in s.children] or None)

    return [convert(s) for s in service.document_symbols(d.analysis())]


@server.feature(T.TEXT_DOCUMENT_CODE_ACTION,
                T.CodeActionOptions(code_action_kinds=[T.CodeActionKind.QuickFix,
                                                       T.CodeActionKind.RefactorRewrite,
                                                       T.CodeActionKind.Source]))
def code_action(ls: HelixLanguageServer, params: T.CodeActionParams) -> list[T.CodeAction]:
    """``textDocument/codeAction``: the quick fixes of the diagnostics in the range, *Convert
    contract form* on a contract id and *Sort contract fields* for the whole document."""
    d = ls.doc(params.text_document.uri)
    if d is None:
        return []
    client = d.client(ls.encoding)
    a = d.analysis()
    start, end = client.to_service(params.range.start), client.to_service(params.range.end)
    out = []

    def edit(edits) -> T.WorkspaceEdit:
        return T.WorkspaceEdit(changes={d.uri: [
            T.TextEdit(range=client.range_from_service(e.range), new_text=e.new_text)
            for e in edits]})

    for x in service.diagnostics(a, known_handles=ls.known_handles):
        if x.range.end < start or end < x.range.start:
            continue
        for fix in x.fixes:
            out.append(T.CodeAction(title=fix.title, kind=T.CodeActionKind.QuickFix,
                                    diagnostics=[ls.to_lsp_diagnostic(x, client)],
                                    edit=edit(fix.edits), is_preferred=True))
    converted = service.convert_contract(a, start.line, start.col)
    if converted.edits:
        out.append(T.CodeAction(title="Convert contract form (positional ⇄ named)",
                                kind=T.CodeActionKind.RefactorRewrite,
                                edit=edit(converted.edits)))
    ordered = service.sort_fields(d.text, track=d.track)
    if ordered.edits:
        out.append(T.CodeAction(title="Sort contract fields", kind=T.CodeActionKind.Source,
                                edit=edit(ordered.edits)))
    return out


def main(argv: Any = None) -> None:
    """Start the server on stdin/stdout (``helix-lang lsp``).

    Latency: the grammar is built before the first request, and Python's cyclic garbage
    collector runs only in quiet moments (after :data:`IDLE_GC` seconds without activity, or
    after about :data:`BUSY_GC` seconds of uninterrupted activity) instead of in the middle of a
    keystroke: on a large analysed file one full collection costs more than the analysis.
    Reference counting still frees everything that is not cyclic at once.
    """
    logging.basicConfig(level=logging.WARNING)
    service.analyze("program p { block main() { return 1; } }").types  # noqa: B018 - warm-up
    gc.collect()
    gc.freeze()
    gc.disable()
    server.start_io()


if __name__ == "__main__":  # pragma: no cover
    main()
