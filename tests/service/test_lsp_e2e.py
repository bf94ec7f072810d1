"""End to end: the real server (``python -m helix_lang.lsp``) in a subprocess, driven by a real
LSP client (pytest-lsp) through initialize, didOpen, didChange (broken states included), every
request, and shutdown.  Tests wait for notifications; nothing sleeps."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytest_lsp", reason="the `lsp` extra (pygls, pytest-lsp) is not installed")
import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "programs"
TIMEOUT = 20


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(
    server_command=[sys.executable, "-m", "helix_lang.lsp"]))
async def client(lsp_client: LanguageClient):
    params = T.InitializeParams(capabilities=client_capabilities("visual-studio-code"),
                                initialization_options={"debounce": 0})
    result = await lsp_client.initialize_session(params)
    caps = result.capabilities
    assert caps.text_document_sync.change == T.TextDocumentSyncKind.Incremental
    assert caps.position_encoding == T.PositionEncodingKind.Utf16
    assert caps.completion_provider and caps.hover_provider and caps.rename_provider
    assert caps.document_formatting_provider and caps.document_symbol_provider
    yield
    await lsp_client.shutdown_session()


class Doc:
    """One open document and its expected text version."""

    count = 0

    def __init__(self, client: LanguageClient, text: str, ext: str = "hlxl") -> None:
        Doc.count += 1
        self.client = client
        self.uri = f"file:///tmp/helix-e2e/doc{Doc.count}.{ext}"
        self.version = 1
        self.id = T.TextDocumentIdentifier(uri=self.uri)
        client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(
            uri=self.uri, language_id=ext, version=1, text=text)))

    async def diagnostics(self) -> list[T.Diagnostic]:
        while True:  # wait for this document's diagnostics (other documents may publish too)
            await asyncio.wait_for(
                self.client.wait_for_notification(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), TIMEOUT)
            if self.uri in self.client.diagnostics:
                return list(self.client.diagnostics.pop(self.uri))

    def change(self, start, end, text: str) -> None:
        self.version += 1
        self.client.text_document_did_change(T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
            [T.TextDocumentContentChangePartial(
                range=T.Range(start=T.Position(*start), end=T.Position(*end)), text=text)]))

    def pos(self, line, character):
        return T.Position(line=line, character=character)


async def test_session_on_an_example(client: LanguageClient):
    text = (EXAMPLES / "scoping.hlxl").read_text(encoding="utf-8")
    doc = Doc(client, text)
    assert await doc.diagnostics() == []
    symbols = await client.text_document_document_symbol_async(
        T.DocumentSymbolParams(text_document=doc.id))
    assert symbols and symbols[-1].kind == T.SymbolKind.Namespace
    formatted = await client.text_document_formatting_async(T.DocumentFormattingParams(
        text_document=doc.id, options=T.FormattingOptions(tab_size=4, insert_spaces=True)))
    assert list(formatted) == []  # the example is already in the canonical layout


async def test_edit_sequence_with_broken_states(client: LanguageClient):
    doc = Doc(client, "program p {\n    block main() {\n        return 1;\n    }\n}\n")
    assert await doc.diagnostics() == []
    # type a statement character by character: every intermediate state is answered
    line = "        let total = [1, 2];\n"
    doc.change((2, 0), (2, 0), "\n")
    await doc.diagnostics()
    for i, ch in enumerate(line.rstrip("\n")):
        doc.change((2, i), (2, i), ch)
        diags = await doc.diagnostics()
        assert all(d.source == "helix" and d.code for d in diags)
        hover = await client.text_document_hover_async(T.HoverParams(doc.id, doc.pos(2, 12)))
        if i >= 12:
            assert hover is not None  # the recovered AST knows `total` even mid-statement
    assert [d.code for d in await _settle(doc)] in ([], ["W_UNUSED"])
    # a broken state: every error is reported, the first one is the canonical one
    doc.change((3, 8), (3, 17), "return total +")
    diags = await doc.diagnostics()
    assert [d.code for d in diags] == ["E_LC_PARSE"]
    assert diags[0].range.start == doc.pos(4, 4)  # the `}` after `+`
    completion = await client.text_document_completion_async(
        T.CompletionParams(doc.id, doc.pos(3, 22)))
    assert "total" in [i.label for i in completion.items]
    doc.change((3, 22), (3, 22), " [3];")
    assert await doc.diagnostics() == []


async def _settle(doc: Doc):
    doc.change((0, 0), (0, 0), "")
    return await doc.diagnostics()


SRC = """latent table t;
program p {
    block twice(n) { return n * 2; }
    block main() using t {
        let note = "🜁🜁";  let xs = [1, 2];
        let c = contract 902 { pipeline_id: "p", stages: [&h_a] };
        return [note, twice(len(xs)), c.stages];
    }
}
"""


async def test_requests(client: LanguageClient):
    doc = Doc(client, SRC)
    assert await doc.diagnostics() == []
    # positions after the astral glyphs: each 🜁 is 2 UTF-16 code units
    xs = doc.pos(4, 32)  # the `xs` of `let xs` (code point column 30)
    hover = await client.text_document_hover_async(T.HoverParams(doc.id, doc.pos(4, 33)))
    assert hover.contents.value.startswith("```\ntype: Array<Int>\nlet xs\n```")
    assert hover.range == T.Range(start=xs, end=doc.pos(4, 34))
    definition = await client.text_document_definition_async(
        T.DefinitionParams(doc.id, doc.pos(6, 33)))
    assert definition.range.start == xs
    refs = await client.text_document_references_async(T.ReferenceParams(
        context=T.ReferenceContext(include_declaration=True), text_document=doc.id,
        position=xs))
    assert [r.range.start for r in refs] == [xs, doc.pos(6, 32)]
    refs = await client.text_document_references_async(T.ReferenceParams(
        context=T.ReferenceContext(include_declaration=False), text_document=doc.id,
        position=xs))
    assert [r.range.start for r in refs] == [doc.pos(6, 32)]
    # completion after the glyphs, on the same line
    doc.change((4, 44), (4, 44), " le")
    await doc.diagnostics()
    items = (await client.text_document_completion_async(
        T.CompletionParams(doc.id, doc.pos(4, 47)))).items
    assert [i.label for i in items if i.sort_text.startswith("0")] == ["len", "let"]
    assert items[0].text_edit.range == T.Range(start=doc.pos(4, 45), end=doc.pos(4, 47))
    doc.change((4, 44), (4, 47), "")
    assert await doc.diagnostics() == []
    # rename, refused rename
    edit = await client.text_document_rename_async(T.RenameParams(doc.id, xs, "values"))
    assert sorted(e.range.start.line for e in edit.changes[doc.uri]) == [4, 6]
    prepared = await client.text_document_prepare_rename_async(
        T.PrepareRenameParams(doc.id, xs))
    assert prepared == T.Range(start=xs, end=doc.pos(4, 34))
    with pytest.raises(Exception, match="reserved word"):
        await client.text_document_rename_async(T.RenameParams(doc.id, xs, "while"))
    # code actions: convert the contract
    actions = await client.text_document_code_action_async(T.CodeActionParams(
        doc.id, T.Range(start=doc.pos(5, 25), end=doc.pos(5, 25)),
        T.CodeActionContext(diagnostics=[])))
    assert [a.title for a in actions] == ["Convert contract form (positional ⇄ named)"]
    (new,) = actions[0].edit.changes[doc.uri]
    assert new.new_text == '{902: {@0: "p", @1: [&h_a]}}'


async def test_hlx_document_and_quick_fix(client: LanguageClient):
    doc = Doc(client, "⟠ p { ◇ main() { let x = 1; ↩ x; } }", "hlx")
    (diag,) = await doc.diagnostics()
    assert diag.code == "E_LC_PARSE" and diag.range.start == doc.pos(0, 17)
    actions = await client.text_document_code_action_async(T.CodeActionParams(
        doc.id, diag.range, T.CodeActionContext(diagnostics=[diag])))
    fix = next(a for a in actions if a.kind == T.CodeActionKind.QuickFix)
    assert fix.title == "Write `let` as `⊢`"
    (edit,) = fix.edit.changes[doc.uri]
    doc.change((edit.range.start.line, edit.range.start.character),
               (edit.range.end.line, edit.range.end.character), edit.new_text)
    assert await doc.diagnostics() == []
    hover = await client.text_document_hover_async(T.HoverParams(doc.id, doc.pos(0, 28)))
    assert "let x" in hover.contents.value


async def test_sort_fields_action_and_full_sync(client: LanguageClient):
    doc = Doc(client, "")
    await doc.diagnostics()
    doc.version += 1
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        T.VersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
        [T.TextDocumentContentChangeWholeDocument(
            text="program p { block main() { return {2: {@2: \"v\", @0: 1}}; } }")]))
    (diag,) = await doc.diagnostics()
    assert diag.code == "E_FIELD_ORDER"
    actions = await client.text_document_code_action_async(T.CodeActionParams(
        doc.id, diag.range, T.CodeActionContext(diagnostics=[diag])))
    assert {a.title for a in actions} == {"Sort the fields of this contract literal",
                                          "Sort contract fields"}


async def test_close_clears_diagnostics(client: LanguageClient):
    doc = Doc(client, "program p {")
    assert await doc.diagnostics()
    client.text_document_did_close(T.DidCloseTextDocumentParams(doc.id))
    assert await doc.diagnostics() == []
