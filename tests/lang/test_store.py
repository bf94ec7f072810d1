"""Latent stores (helix_lang.store): the two implementations, transactions, persistence across
processes and crash safety of ``ls.transaction`` on SQLite."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from helix_lang.errors import HLXError
from helix_lang.hlxl.interp import Interpreter, run
from helix_lang.store import MISSING, MemoryStore, SqliteStore, open_store
from helix_lang.values import Contract, Handle

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    s = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.db")
    yield s
    s.close()


# ============================================================================ the interface


def test_get_put_snapshot(store):
    assert store.get("", "a") is MISSING and not MISSING
    assert store.put_if_absent("", "b_1", {"x": (1, 2.5)}) is True
    assert store.put_if_absent("", "b_1", "other") is False  # collapse keeps the stored value
    assert store.get("", "b_1") == {"x": (1, 2.5)}
    store.put_if_absent("", "a_2", Contract(14, {0: Handle("z")}))
    store.put_if_absent("t", "Z", None)
    store.put_if_absent("t", "_", b"\x00")
    store.put_if_absent("t", "a", True)
    assert store.snapshot("") == (2, ["a_2", "b_1"])
    assert store.snapshot("t") == (3, ["Z", "_", "a"])  # code point order
    assert store.snapshot("nope") == (0, [])
    assert store.count("t") == 3 and store.tables() == ["", "t"]
    assert store.get("t", "_") == b"\x00" and store.get("", "a_2") == Contract(14, {0: Handle("z")})
    assert store.items("t") == [("Z", None), ("_", b"\x00"), ("a", True)]


def test_nested_transactions(store):
    store.put_if_absent("", "base", 0)
    store.begin()
    store.put_if_absent("", "t1", 1)
    store.begin()
    store.put_if_absent("x", "t2", 2)
    store.commit()  # inner kept, but still part of the outer transaction
    assert store.get("x", "t2") == 2 and store.depth == 1
    store.begin()
    store.put_if_absent("", "t3", 3)
    store.put_if_absent("", "base", 99)  # no change: present
    store.rollback()
    assert store.get("", "t3") is MISSING and store.get("", "base") == 0
    store.rollback()  # undoes t1 and the committed inner t2
    assert store.snapshot("") == (1, ["base"]) and store.snapshot("x") == (0, [])
    with store.transaction():
        store.put_if_absent("", "kept", 1)
    with pytest.raises(ZeroDivisionError):
        with store.transaction():
            store.put_if_absent("", "gone", 1)
            with store.transaction():
                store.put_if_absent("", "gone2", 1)
            1 / 0
    assert store.names("") == ["base", "kept"] and store.depth == 0


def test_end_run_rolls_back_open_transactions(store):
    store.put_if_absent("", "a", 1)
    store.begin()
    store.put_if_absent("", "b", 2)
    store.end_run(ok=False)
    assert store.depth == 0 and store.names("") == ["a"]


def test_open_store(tmp_path):
    assert isinstance(open_store(), MemoryStore)
    with open_store(tmp_path / "x.db") as s:
        assert isinstance(s, SqliteStore)


# ============================================================================ SQLite durability

LATENT = "latent table t;\n"


def test_failed_run_commits_non_transactional_changes(tmp_path):
    db = tmp_path / "s.db"
    src = LATENT + ("program p { block main() using t { let keep = ls.collapse keep 1; "
                    "ls.transaction { let gone = ls.collapse gone 2; "
                    "ls.transaction { let gone2 = ls.collapse gone2 3; } ls.guard false; } } }")
    with SqliteStore(db) as s:
        with pytest.raises(HLXError) as info:
            run(src, store=s)
        assert info.value.code == "E_GUARD_FAILED"
        assert [n.split("_")[0] for n in s.names("t")] == ["keep"]
        # committed: another connection sees it at once
        with SqliteStore(db) as other:
            assert [n.split("_")[0] for n in other.names("t")] == ["keep"]


def test_python_exception_inside_transaction_leaves_no_trace(tmp_path):
    db = tmp_path / "s.db"
    with SqliteStore(db) as s:
        s.put_if_absent("", "before", 1)
        with pytest.raises(RuntimeError):
            with s.transaction():
                s.put_if_absent("", "inside", 2)
                raise RuntimeError("boom")
    with SqliteStore(db) as s:
        assert s.names("") == ["before"]


def test_close_rolls_back_open_transaction(tmp_path):
    db = tmp_path / "s.db"
    s = SqliteStore(db)
    s.put_if_absent("", "a", 1)
    s.begin()
    s.put_if_absent("", "b", 2)
    s.close()
    s.close()  # idempotent
    with SqliteStore(db) as s:
        assert s.names("") == ["a"]


def test_memory_sqlite_path(tmp_path):
    with SqliteStore(":memory:") as s:
        assert run(LATENT + "program p { block main() using t { let h = ls.collapse a 5; "
                   "return ls.resolve h; } }", store=s) == 5


# ============================================================================ across processes


def _python(code: str, *args: str, timeout: float = 120) -> str:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr
    return out.stdout


COLLAPSE = """
import sys
from helix_lang.store import SqliteStore
from helix_lang.hlxl.interp import run
from helix_lang.formats.hlxl import dump
with SqliteStore(sys.argv[1]) as s:
    print(dump(run(sys.argv[2], store=s)))
"""


@pytest.mark.e2e
def test_collapse_in_one_process_resolve_in_another(tmp_path):
    db = str(tmp_path / "shared.db")
    put = LATENT + ('program p { block main() using t { '
                    'return [ls.collapse node {14: {@0: 123}}, ls.collapse txt ("x" + "y")]; } }')
    out = _python(COLLAPSE, db, put).strip()
    assert out == "[&h_node_ee9c4d1fa1b01303, &h_" + out.split("&h_")[2]
    handles = out[1:-1].split(", ")
    get = LATENT + ("program p { block main() using t { return [ls.resolve " + handles[0]
                    + ", ls.resolve " + handles[1] + ", ls.snapshot, ls.snapshot.count]; } }")
    assert _python(COLLAPSE, db, get).strip() == (
        '[{14: {@0: 123}}, "xy", {count: 2, handles: [' + ", ".join(handles) + "]}, 2]")
    # the default table of that file was untouched, and this process sees the same
    with SqliteStore(db) as s:
        assert s.names("t") == [h[3:] for h in handles] and s.names("") == []
        it = Interpreter(get, store=s)
        assert it.run()[1] == "xy"


@pytest.mark.e2e
def test_error_in_transaction_leaves_no_trace_across_processes(tmp_path):
    db = str(tmp_path / "shared.db")
    failing = """
    import sys
    from helix_lang.store import SqliteStore
    from helix_lang.hlxl.interp import run
    from helix_lang.errors import HLXError
    with SqliteStore(sys.argv[1]) as s:
        try:
            run(sys.argv[2], store=s)
        except HLXError as e:
            print(e.code)
    """
    src = LATENT + ("program p { block main() using t { let a = ls.collapse before 1; "
                    "ls.transaction { let b = ls.collapse inside 2; let z = [][0]; } } }")
    assert _python(failing, db, src).strip() == "E_INDEX_OUT_OF_RANGE"
    names = _python("""
    import sys, json
    from helix_lang.store import SqliteStore
    with SqliteStore(sys.argv[1]) as s:
        print(json.dumps([s.names(""), s.names("t")]))
    """, db)
    before = run("program p { block main() { return ls.collapse before 1; } }").name
    assert json.loads(names) == [[], [before]]


CRASH = """
import os, sys
from helix_lang.store import SqliteStore
from helix_lang.hlxl.interp import run

db, marker, src = sys.argv[1], sys.argv[2], sys.argv[3]


class Signalling(SqliteStore):
    # Tell the parent (through a file) when the value tagged `signal` has been written.
    def put_if_absent(self, table, name, value, data=None):
        stored = super().put_if_absent(table, name, value, data)
        if name.startswith("signal_"):
            with open(marker + ".tmp", "w") as f:
                f.write(str(self.depth))
            os.replace(marker + ".tmp", marker)
        return stored


run(src, store=Signalling(db), max_steps=None)
"""


def _crash_run(tmp_path: Path, src: str) -> SqliteStore:
    """Run ``src`` in a child process until it writes the marker, kill it with SIGKILL, and
    return the store reopened."""
    db = tmp_path / "crash.db"
    marker = tmp_path / "progress"
    child = subprocess.Popen([sys.executable, "-c", CRASH, str(db), str(marker), src], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            if child.poll() is not None:
                raise AssertionError("child ended early: " + child.stderr.read().decode())
            if time.monotonic() > deadline:
                raise AssertionError("child never signalled progress")
            time.sleep(0.01)
        assert child.poll() is None  # still running: looping inside the transaction
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return SqliteStore(db)


def _tags(names: list[str]) -> list[str]:
    return [n[:n.rindex("_")] for n in names]


@pytest.mark.e2e
def test_sigkill_inside_transaction_leaves_store_as_before(tmp_path):
    src = LATENT + """program p {
        block main() using t {
            let a = ls.collapse before 1;
            let d = ls.collapse default_before 1;
            ls.transaction {
                let b = ls.collapse inside 2;
                ls.transaction { let c = ls.collapse nested 3; }
                let s = ls.collapse signal 4;
                while (true) { }
            }
            return 0;
        }
    }"""
    with _crash_run(tmp_path, src) as s:
        assert _tags(s.names("t")) == ["before", "default_before"]
        assert s.names("") == []


@pytest.mark.e2e
def test_sigkill_inside_nested_savepoint(tmp_path):
    src = LATENT + """program p {
        block main() using t {
            ls.transaction { let a = ls.collapse first 1; }
            ls.transaction {
                let b = ls.collapse outer 2;
                ls.transaction {
                    let s = ls.collapse signal 3;
                    let i = 0;
                    while (i >= 0) { let i = i + 1; }
                }
            }
        }
    }"""
    with _crash_run(tmp_path, src) as s:
        # the first transaction completed (committed); the second one left no trace
        assert _tags(s.names("t")) == ["first"]


@pytest.mark.e2e
def test_sigkill_after_transaction_keeps_it(tmp_path):
    src = LATENT + """program p {
        block main() using t {
            ls.transaction { let a = ls.collapse done 1; }
            let s = ls.collapse signal 2;
            for (i in [1]) { while (true) { } }
        }
    }"""
    with _crash_run(tmp_path, src) as s:
        # the non-transactional change after the last commit point is lost, the transaction kept
        assert _tags(s.names("t")) == ["done"]
