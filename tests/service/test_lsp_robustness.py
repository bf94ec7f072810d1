"""Robustness: random edit sequences (a hypothesis state machine) against the real server in a
subprocess.  The server never crashes, never answers with an error, and every response arrives
within :data:`BOUND` seconds.

The client runs its event loop on a helper thread, so that the (synchronous) state machine can
send notifications and wait for responses with a timeout.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time

import pytest

pytest.importorskip("pytest_lsp", reason="the `lsp` extra (pygls, pytest-lsp) is not installed")
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from lsprotocol import types as T
from pytest_lsp import client_capabilities, make_test_lsp_client

from helix_lang.lsp import ClientText

pytestmark = pytest.mark.e2e

BOUND = 10.0  # seconds; typical answers take milliseconds
PIECES = ["{", "}", "(", ")", "[", "]", ";", ",", " ", "\n", "\r\n", "\r", "\t", "x", "1", "=",
          "let x = ", "local y = 2;", "return ", "if (x) {", "} else {", "for (i in [1]) {",
          "ls.collapse t ", "ls.resolve ", "ls.", "ls.transaction {", "latent table t;",
          '"', '"🜁"', "/*", "*/", "// c\n", "🜁", "⊢", "▷", "⟁", "◇", "é", "\u2028", "\ufe0f",
          "contract 902 { ", "pipeline_id: ", "{14: {@1: 1, @0: 2}}", "@0: ", "|> (v) { ",
          "|> len", "&h_", "block f(a) { return a; }", "program", "x\"0", "9223372036854775808",
          "[" * 40, "]" * 40]
START = {
    "hlxl": "latent table t;\nprogram p {\n    block main() using t {\n        let x = [1, 2];\n"
            "        return x |> (v) { return len(v); };\n    }\n}\n",
    "hlx": "ꙮ ⌸ t;\n⟠ p {\n    ◇ main() ▣ t {\n        ⊢ x = [1, 2];\n"
           "        ↩ x ▷ (v) { ↩ len(v); };\n    }\n}\n",
}


class Session:
    """A real server subprocess and a pygls client on a helper thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = make_test_lsp_client()
        self.slowest = 0.0
        self.run(self.client.start_io(sys.executable, "-m", "helix_lang.lsp"))
        self.run(self.client.initialize_session(T.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            initialization_options={"debounce": 0})))

    def run(self, coro, timeout: float = BOUND):
        started = time.perf_counter()
        result = asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)
        self.slowest = max(self.slowest, time.perf_counter() - started)
        return result

    def notify(self, fn, params) -> None:
        async def send():
            fn(params)

        self.run(send())

    def close(self) -> int:
        self.run(self.client.shutdown_session())
        code = self.client._server.returncode
        self.run(self.client.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        return code


@pytest.fixture(scope="module")
def session():
    s = Session()
    yield s
    assert s.close() == 0


def test_random_edit_sequences_never_break_the_server(session):
    counter = iter(range(10**6))

    class Edits(RuleBasedStateMachine):
        @initialize(track=st.sampled_from(["hlxl", "hlx"]))
        def open(self, track):
            self.uri = f"file:///tmp/robust/doc{next(counter)}.{track}"
            self.text = START[track]
            self.version = 1
            self.id = T.TextDocumentIdentifier(uri=self.uri)
            session.notify(session.client.text_document_did_open, T.DidOpenTextDocumentParams(
                T.TextDocumentItem(uri=self.uri, language_id=track, version=1, text=self.text)))

        def position(self, data) -> T.Position:
            lines = ClientText(self.text).starts
            line = data.draw(st.integers(0, len(lines)))
            return T.Position(line=line, character=data.draw(st.integers(0, 90)))

        @rule(data=st.data(), piece=st.sampled_from(PIECES) | st.text(max_size=4),
              delete=st.integers(0, 12))
        def edit(self, data, piece, delete):
            start = self.position(data)
            client = ClientText(self.text)
            a = client.to_offset(start)
            b = min(len(self.text), a + delete)
            end = client.from_offset(b)
            self.text = self.text[:a] + piece + self.text[b:]
            self.version += 1
            session.notify(session.client.text_document_did_change, T.DidChangeTextDocumentParams(
                T.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                [T.TextDocumentContentChangePartial(range=T.Range(start=start, end=end),
                                                    text=piece)]))

        @rule(data=st.data(), op=st.sampled_from(
            ["hover", "completion", "definition", "references", "rename", "prepare", "format",
             "symbols", "actions"]))
        def request(self, data, op):
            pos = self.position(data)
            c = session.client
            doc = self.id
            if op == "hover":
                session.run(c.text_document_hover_async(T.HoverParams(doc, pos)))
            elif op == "completion":
                session.run(c.text_document_completion_async(T.CompletionParams(doc, pos)))
            elif op == "definition":
                session.run(c.text_document_definition_async(T.DefinitionParams(doc, pos)))
            elif op == "references":
                session.run(c.text_document_references_async(T.ReferenceParams(
                    context=T.ReferenceContext(include_declaration=True), text_document=doc,
                    position=pos)))
            elif op == "rename":
                session.run(c.text_document_rename_async(T.RenameParams(doc, pos, "renamed")))
            elif op == "prepare":
                session.run(c.text_document_prepare_rename_async(T.PrepareRenameParams(doc, pos)))
            elif op == "format":
                session.run(c.text_document_formatting_async(T.DocumentFormattingParams(
                    doc, T.FormattingOptions(tab_size=4, insert_spaces=True))))
            elif op == "symbols":
                session.run(c.text_document_document_symbol_async(T.DocumentSymbolParams(doc)))
            else:
                session.run(c.text_document_code_action_async(T.CodeActionParams(
                    doc, T.Range(start=pos, end=pos), T.CodeActionContext(diagnostics=[]))))

        def teardown(self):
            if hasattr(self, "uri"):
                # the server is alive and still in sync: a request after the last edit answers
                session.run(session.client.text_document_document_symbol_async(
                    T.DocumentSymbolParams(self.id)))
                session.notify(session.client.text_document_did_close,
                               T.DidCloseTextDocumentParams(self.id))

    run_state_machine_as_test(Edits, settings=settings(
        max_examples=12, stateful_step_count=30, deadline=None,
        suppress_health_check=list(HealthCheck)))
    assert session.client.error is None
    assert session.slowest < BOUND
