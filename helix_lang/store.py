"""Latent tables (HLX-SPEC §10.4, §10.8): where ``ls.collapse`` puts values and ``ls.resolve``
finds them.

A :class:`LatentStore` holds the anonymous default table (named ``""``) and any number of named
tables; each maps a handle *name* (the text after ``&h_``) to a value.  The interpreter only needs

* :meth:`~LatentStore.get` ``(table, name)`` → value, or :data:`MISSING`;
* :meth:`~LatentStore.put_if_absent` ``(table, name, value)`` → whether it was stored (collapse
  semantics: an existing handle keeps its stored value);
* :meth:`~LatentStore.snapshot` ``(table)`` → ``(count, names sorted in code point order)``;
* :meth:`~LatentStore.begin` / :meth:`~LatentStore.commit` / :meth:`~LatentStore.rollback`, or the
  :meth:`~LatentStore.transaction` context manager: ``ls.transaction`` remembers the state of every
  table and restores it when an error leaves the body.  Transactions nest.
* :meth:`~LatentStore.end_run`, called by the interpreter when a run ends (normally or with an
  error; ``ok`` tells which).

Two implementations:

:class:`MemoryStore` (the default)
    dicts in memory.  A transaction keeps a journal of the names it inserted (the only mutation
    there is), so beginning one costs nothing and rolling back costs the size of its changes.

:class:`SqliteStore` ``(path)``
    a persistent SQLite file (stdlib :mod:`sqlite3`), one row per entry
    ``(tbl TEXT, handle TEXT, value BLOB)``; the value is its LC-B encoding (§2) and the default
    table is ``tbl = ''``.  A handle collapsed by one process resolves in every later process that
    opens the same file.

    Durability (when changes reach the file) is defined as follows:

    * changes made outside ``ls.transaction`` are kept in one open SQLite transaction and
      committed when the run ends — **normally or with an error** (§10.5: the table state after a
      failed run is observable to the host, so a failed run's non-transactional changes are kept;
      the parts inside failed ``ls.transaction`` bodies were already rolled back) — and at the
      start of every outermost ``ls.transaction``;
    * an outermost ``ls.transaction`` is one SQLite transaction (``BEGIN IMMEDIATE`` … ``COMMIT``),
      nested ones are ``SAVEPOINT`` s, so it is committed exactly when its body ends normally (or
      by ``return``); an error leaving the body rolls it back (``ROLLBACK`` / ``ROLLBACK TO``);
    * a process that dies (``kill -9``, power loss aside) therefore leaves the file as it was at
      the last of these points: a crash in the middle of an ``ls.transaction`` leaves the store
      exactly as it was before that transaction began, and a crash outside transactions loses only
      the non-transactional changes made since the last such point.

    The file uses WAL journaling (``synchronous=NORMAL``: atomic and safe against process crashes;
    a power loss may lose the most recent commits, never corrupt the file) and a busy timeout, so
    several processes may share it (writers take turns).  Call :meth:`SqliteStore.close` (or use
    the store as a context manager) when done; ``close`` commits pending non-transactional changes
    and rolls back a transaction left open.

Both stores may be used by one thread at a time (the interpreter runs programs on a helper
thread; the SQLite connection is opened with ``check_same_thread=False`` for that reason).

>>> s = MemoryStore()
>>> s.put_if_absent("", "a_1", 1), s.put_if_absent("", "a_1", 2), s.get("", "a_1")
(True, False, 1)
>>> with s.transaction():
...     _ = s.put_if_absent("t", "b", [])
>>> s.snapshot("t")
(1, ['b'])
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from typing import Any, Iterator

from .formats import lcb

__all__ = ["LatentStore", "MemoryStore", "SqliteStore", "MISSING", "DEFAULT_TABLE", "open_store"]

#: Name of the anonymous default table.
DEFAULT_TABLE = ""


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


#: Returned by :meth:`LatentStore.get` for a handle that is not in the table.
MISSING: Any = _Missing()


class LatentStore:
    """The interface of a latent store; see the module documentation."""

    def get(self, table: str, name: str) -> Any:  # pragma: no cover - interface
        """The value stored under handle ``name`` in ``table``, or :data:`MISSING`."""
        raise NotImplementedError

    def put_if_absent(self, table: str, name: str, value: Any,
                      data: bytes | None = None) -> bool:  # pragma: no cover - interface
        """Store ``name → value`` unless ``name`` is present; return whether it was stored.

        ``data``, when given, is the LC-B encoding of ``value`` (saves encoding it again)."""
        raise NotImplementedError

    def names(self, table: str) -> list[str]:  # pragma: no cover - interface
        """Every handle name of ``table`` in code point order."""
        raise NotImplementedError

    def count(self, table: str) -> int:
        return len(self.names(table))

    def snapshot(self, table: str) -> tuple[int, list[str]]:
        """``(number of entries, handle names sorted in code point order)``."""
        names = self.names(table)
        return len(names), names

    def tables(self) -> list[str]:  # pragma: no cover - interface
        """The names of the tables that hold at least one entry (``""`` is the default table)."""
        raise NotImplementedError

    def items(self, table: str) -> list[tuple[str, Any]]:
        """``(name, value)`` pairs of ``table`` in name order (for hosts: REPL, service)."""
        return [(n, self.get(table, n)) for n in self.names(table)]

    # -------------------------------------------------------------- transactions
    def begin(self) -> None:  # pragma: no cover - interface
        """Remember the state of every table (``ls.transaction`` entry); nests."""
        raise NotImplementedError

    def commit(self) -> None:  # pragma: no cover - interface
        """Keep the changes of the innermost open transaction."""
        raise NotImplementedError

    def rollback(self) -> None:  # pragma: no cover - interface
        """Restore every table to its state at the innermost :meth:`begin`."""
        raise NotImplementedError

    @property
    def depth(self) -> int:  # pragma: no cover - interface
        """Number of open transactions."""
        raise NotImplementedError

    @contextlib.contextmanager
    def transaction(self) -> Iterator["LatentStore"]:
        """``with store.transaction(): …`` — roll back when an exception leaves the body."""
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.commit()

    def end_run(self, ok: bool = True) -> None:
        """Called when a run ends; rolls back transactions a crashed host left open."""
        while self.depth:
            self.rollback()

    def close(self) -> None:
        """Release resources; the store must not be used afterwards."""

    def __enter__(self) -> "LatentStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class MemoryStore(LatentStore):
    """Tables in memory (dict of dicts); transactions journal the names they insert."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, Any]] = {}
        self._journals: list[list[tuple[str, str]]] = []

    def table(self, table: str) -> dict[str, Any]:
        """The live dict of ``table`` (created empty on first use).  Read-only for callers."""
        t = self._tables.get(table)
        if t is None:
            t = self._tables[table] = {}
        return t

    def get(self, table: str, name: str) -> Any:
        t = self._tables.get(table)
        if t is None:
            return MISSING
        return t.get(name, MISSING)

    def put_if_absent(self, table: str, name: str, value: Any,
                      data: bytes | None = None) -> bool:
        t = self._tables.get(table)
        if t is None:
            t = self._tables[table] = {}
        elif name in t:
            return False
        t[name] = value
        if self._journals:
            self._journals[-1].append((table, name))
        return True

    def names(self, table: str) -> list[str]:
        return sorted(self._tables.get(table, ()))

    def count(self, table: str) -> int:
        return len(self._tables.get(table, ()))

    def tables(self) -> list[str]:
        return sorted(k for k, v in self._tables.items() if v)

    @property
    def depth(self) -> int:
        return len(self._journals)

    def begin(self) -> None:
        self._journals.append([])

    def commit(self) -> None:
        done = self._journals.pop()
        if self._journals:  # the enclosing transaction must be able to undo these too
            self._journals[-1].extend(done)

    def rollback(self) -> None:
        for table, name in reversed(self._journals.pop()):
            del self._tables[table][name]

    def clear(self) -> None:
        """Empty every table (outside transactions)."""
        self._tables.clear()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS hlx_latent (
    tbl    TEXT NOT NULL,
    handle TEXT NOT NULL,
    value  BLOB NOT NULL,
    PRIMARY KEY (tbl, handle)
) WITHOUT ROWID
"""


class SqliteStore(LatentStore):
    """Tables in an SQLite file; see the module documentation for when changes become durable.

    ``path`` may be ``":memory:"`` (useful in tests).  ``timeout`` is the busy timeout in seconds
    when another process holds the write lock.
    """

    def __init__(self, path: str | os.PathLike, *, timeout: float = 30.0) -> None:
        self.path = os.fspath(path)
        self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                   check_same_thread=False)
        self._depth = 0  # open ls.transaction levels
        self._open = False  # an SQLite transaction is open
        try:
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        except BaseException:
            self._db.close()
            raise

    # ------------------------------------------------------------------ plumbing
    def _ensure_tx(self) -> None:
        """Open the SQLite transaction that collects non-transactional changes."""
        if not self._open:
            self._db.execute("BEGIN")
            self._open = True

    def flush(self) -> None:
        """Commit pending non-transactional changes (not allowed inside ``ls.transaction``)."""
        if self._depth:
            raise RuntimeError("cannot flush inside an open transaction")
        if self._open:
            self._db.execute("COMMIT")
            self._open = False

    # ------------------------------------------------------------------ data
    def get(self, table: str, name: str) -> Any:
        row = self._db.execute("SELECT value FROM hlx_latent WHERE tbl = ? AND handle = ?",
                               (table, name)).fetchone()
        return MISSING if row is None else lcb.decode(row[0])

    def put_if_absent(self, table: str, name: str, value: Any,
                      data: bytes | None = None) -> bool:
        if data is None:
            data = lcb.encode(value)
        self._ensure_tx()
        cur = self._db.execute(
            "INSERT OR IGNORE INTO hlx_latent (tbl, handle, value) VALUES (?, ?, ?)",
            (table, name, data))
        return cur.rowcount == 1

    def names(self, table: str) -> list[str]:
        # BINARY collation compares UTF-8 bytes: the same order as code points.
        return [r[0] for r in self._db.execute(
            "SELECT handle FROM hlx_latent WHERE tbl = ? ORDER BY handle", (table,))]

    def count(self, table: str) -> int:
        return self._db.execute("SELECT COUNT(*) FROM hlx_latent WHERE tbl = ?",
                                (table,)).fetchone()[0]

    def tables(self) -> list[str]:
        return [r[0] for r in self._db.execute(
            "SELECT DISTINCT tbl FROM hlx_latent ORDER BY tbl")]

    def items(self, table: str) -> list[tuple[str, Any]]:
        return [(r[0], lcb.decode(r[1])) for r in self._db.execute(
            "SELECT handle, value FROM hlx_latent WHERE tbl = ? ORDER BY handle", (table,))]

    # ------------------------------------------------------------------ transactions
    @property
    def depth(self) -> int:
        return self._depth

    def begin(self) -> None:
        if self._depth == 0:
            self.flush()  # a well-defined point: earlier changes become durable
            self._db.execute("BEGIN IMMEDIATE")
            self._open = True
        else:
            self._db.execute(f"SAVEPOINT hlx_sp{self._depth}")
        self._depth += 1

    def commit(self) -> None:
        if self._depth <= 0:
            raise RuntimeError("commit without begin")
        self._depth -= 1
        if self._depth == 0:
            self._db.execute("COMMIT")
            self._open = False
        else:
            self._db.execute(f"RELEASE hlx_sp{self._depth}")

    def rollback(self) -> None:
        if self._depth <= 0:
            raise RuntimeError("rollback without begin")
        self._depth -= 1
        if self._depth == 0:
            self._db.execute("ROLLBACK")
            self._open = False
        else:
            self._db.execute(f"ROLLBACK TO hlx_sp{self._depth}")
            self._db.execute(f"RELEASE hlx_sp{self._depth}")

    def end_run(self, ok: bool = True) -> None:
        """Roll back transactions left open, then commit the run's other changes (also after a
        failed run: its table state is observable, §10.5)."""
        super().end_run(ok)
        self.flush()

    def clear(self) -> None:
        """Delete every entry of every table (outside transactions; durable at once)."""
        if self._depth:
            raise RuntimeError("cannot clear inside an open transaction")
        self._ensure_tx()
        self._db.execute("DELETE FROM hlx_latent")
        self.flush()

    def close(self) -> None:
        if self._db is None:
            return
        try:
            while self._depth:
                self.rollback()
            self.flush()
        finally:
            self._db.close()
            self._db = None  # type: ignore[assignment]


def open_store(path: str | os.PathLike | None = None) -> LatentStore:
    """A :class:`SqliteStore` on ``path``, or a fresh :class:`MemoryStore` when ``path`` is None."""
    return MemoryStore() if path is None else SqliteStore(path)
