"""Databases with the models' tables for the `engine` fixture, without building the tables for every test.

Building the tables is most of a database test's setup: ~1 s of DDL on PostgreSQL (and ~0.5 s more to drop the
schema), ~0.3 s on SQLite. Instead:

- SQLite: the tables are built once per test process in a template file; each test gets a byte copy of it.
- PostgreSQL: a schema whose tables were built once per test process is handed back after the test in the state
  of a fresh one and reused: every table the test wrote to is truncated (new empty storage, planner figures reset
  as for a new table) and every sequence it advanced starts again at its start value. A schema is reused only
  when nothing else could tell it from a fresh one: the same structure as the models' (tables, columns, defaults,
  indexes, constraints, triggers, rules, policies, types, functions, sequences, statistics objects, storage
  options) and no planner statistics gathered; otherwise it is dropped, as every schema used to be.

Each test process (each pytest-xdist worker) keeps its own template and schemas, named at random, so workers never
share a database object.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db import make_engine
from app.models import metadata

T = TypeVar("T")

# One row per schema object that a test could change, with everything that makes it what it is; the schema's own
# name is taken out so that two schemas built alike read the same.
STRUCTURE = """
SELECT line FROM (
  SELECT concat_ws(' ', 'relation', c.relname, c.relkind, c.relpersistence, c.reloptions::text,
                   c.relrowsecurity, c.relforcerowsecurity, c.relreplident, c.relacl::text, c.relispartition) AS line
    FROM pg_class c WHERE c.relnamespace = CAST(:schema AS regnamespace)
  UNION ALL
  SELECT concat_ws(' ', 'column', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   a.attidentity, a.attgenerated, a.attstattarget, a.attstorage, a.attcollation,
                   -- not the pg_attver stamp some builds give every column when its table is made
                   ARRAY(SELECT o FROM unnest(a.attoptions) o WHERE o NOT LIKE 'pg\\_attver=%' ORDER BY o)::text,
                   pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace = CAST(:schema AS regnamespace) AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT concat_ws(' ', 'index', pg_get_indexdef(i.indexrelid), i.indisclustered, i.indisvalid, i.indisreplident)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = CAST(:schema AS regnamespace)
  UNION ALL
  SELECT concat_ws(' ', 'constraint', k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid),
                   k.condeferrable, k.condeferred, k.convalidated)
    FROM pg_constraint k WHERE k.connamespace = CAST(:schema AS regnamespace)
  UNION ALL
  SELECT concat_ws(' ', 'trigger', pg_get_triggerdef(t.oid), t.tgenabled)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE c.relnamespace = CAST(:schema AS regnamespace) AND NOT t.tgisinternal
  UNION ALL
  SELECT concat_ws(' ', 'rule', r.rulename, pg_get_ruledef(r.oid), r.ev_enabled)
    FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace = CAST(:schema AS regnamespace)
  UNION ALL
  SELECT concat_ws(' ', 'policy', p.polname, c.relname, p.polcmd, p.polpermissive, p.polroles::text,
                   pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
    FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = CAST(:schema AS regnamespace)
  UNION ALL
  SELECT concat_ws(' ', 'type', t.typname, t.typtype, (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                                                      FROM pg_enum e WHERE e.enumtypid = t.oid))
    FROM pg_type t WHERE t.typnamespace = CAST(:schema AS regnamespace)
  UNION ALL
  SELECT concat_ws(' ', 'function', p.proname, pg_get_function_identity_arguments(p.oid), p.prokind, md5(p.prosrc))
    FROM pg_proc p WHERE p.pronamespace = CAST(:schema AS regnamespace)
  UNION ALL
  SELECT concat_ws(' ', 'sequence', c.relname, s.seqtypid::regtype::text, s.seqstart, s.seqincrement, s.seqmax,
                   s.seqmin, s.seqcache, s.seqcycle)
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = CAST(:schema AS regnamespace)
  UNION ALL
  SELECT concat_ws(' ', 'statistics', s.stxname, s.stxkind::text, s.stxkeys::text)
    FROM pg_statistic_ext s WHERE s.stxnamespace = CAST(:schema AS regnamespace)
  UNION ALL
  SELECT concat_ws(' ', 'planner statistics', c.relname)  -- ANALYZE or autovacuum ran: a fresh table has none
    FROM pg_statistic s JOIN pg_class c ON c.oid = s.starelid
    WHERE c.relnamespace = CAST(:schema AS regnamespace) GROUP BY c.relname
) lines ORDER BY line
"""

# The planner's figures for each relation: a new table has none (relpages 0, reltuples -1); TRUNCATE puts them back.
FIGURES = """
SELECT concat_ws(' ', c.relname, c.relpages, c.reltuples, c.relallvisible) FROM pg_class c
 WHERE c.relnamespace = CAST(:schema AS regnamespace) ORDER BY c.relname
"""

WRITTEN_TABLES = """
SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = :schema AND c.relkind = 'r' AND pg_relation_size(c.oid) > 0 ORDER BY 1
"""

ADVANCED_SEQUENCES = """
SELECT format('%I.%I', schemaname, sequencename), start_value FROM pg_sequences
 WHERE schemaname = :schema AND last_value IS NOT NULL ORDER BY 1
"""

TABLES = """
SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = :schema AND c.relkind = 'r' ORDER BY 1
"""


class SqliteTemplate:
    """A SQLite file with the models' tables, built once per test process and copied for each test."""

    def __init__(self) -> None:
        self.path: Path | None = None

    async def copy_to(self, target: Path, folder: Path) -> None:
        if self.path is None:
            path = folder / "template.db"
            engine = make_engine(f"sqlite+aiosqlite:///{path}")
            try:
                async with engine.begin() as conn:
                    await conn.run_sync(metadata.create_all)
            finally:
                await engine.dispose()
            if any(path.with_name(path.name + suffix).exists() for suffix in ("-wal", "-shm")):
                raise RuntimeError("the template database was not checkpointed when its last connection closed")
            self.path = path
        shutil.copyfile(self.path, target)


class PostgresSchemas:
    """PostgreSQL schemas with the models' tables, reused from test to test once put back as they were made.

    The schemas are made, checked, reset and dropped on an event loop of their own, in a thread: a test hands its
    schema back without waiting for the reset (the next test takes another one), so a test process has up to
    `SPARE + 1` such schemas."""

    SPARE = 1

    def __init__(self, url: str) -> None:
        self.url = url
        self.ready: list[str] = []  # reset, waiting for a test
        self.every: set[str] = set()  # every schema made with tables and not dropped yet
        self.resets: set[asyncio.Task[None]] = set()
        self.errors: list[BaseException] = []
        self.fresh: tuple[list[str], list[str]] | None = None  # structure and figures of a schema just made
        self.reused = self.dropped = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._admin: AsyncEngine | None = None

    # Called from the tests' event loops.

    async def take(self) -> str:
        """A schema with the models' tables, all empty, every sequence at its start."""
        return await self._call(self._take())

    def give_back(self, schema: str) -> None:
        """After the test: the schema is put back as it was made and kept, or dropped when that cannot be done."""
        loop = self._start()
        loop.call_soon_threadsafe(lambda: self._track(loop.create_task(self._reset(schema))))

    async def create_empty(self) -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        await self._call(self._execute(f'CREATE SCHEMA "{schema}"'))
        return schema

    async def drop(self, schema: str) -> None:
        await self._call(self._execute(f'DROP SCHEMA "{schema}" CASCADE'))

    def close(self) -> None:
        """At the end of the test process: every schema dropped, the thread stopped; errors met on the way raised."""
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        assert self._thread is not None
        self._thread.join()
        self._loop.close()
        self._loop = self._thread = None
        if self.errors:
            raise self.errors[0]

    # On the schemas' own loop.

    def _start(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="postgres-schemas", daemon=True)
            self._thread.start()
        return self._loop

    async def _call(self, work: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self._start()))

    def _track(self, task: asyncio.Task[None]) -> None:
        self.resets.add(task)
        task.add_done_callback(self.resets.discard)

    def _engine(self) -> AsyncEngine:
        if self._admin is None:
            self._admin = make_engine(self.url, pool_size=2, max_overflow=2)
        return self._admin

    async def _execute(self, statement: str) -> None:
        async with self._engine().begin() as conn:
            await conn.execute(text(statement))

    async def _take(self) -> str:
        while not self.ready and self.resets and len(self.every) > self.SPARE:
            await asyncio.wait(set(self.resets), return_when=asyncio.FIRST_COMPLETED)
        if self.ready:
            self.reused += 1
            return self.ready.pop()
        return await self._create()

    async def _create(self) -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        await self._execute(f'CREATE SCHEMA "{schema}"')
        self.every.add(schema)
        engine = make_engine(self.url, connect_args={"server_settings": {"search_path": schema}})
        try:
            async with engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
                tables = (await conn.execute(text(TABLES), {"schema": schema})).scalars().all()
                for table in tables:  # no statistics gathered between two tests: a reused table plans like a new one
                    await conn.execute(
                        text(f"ALTER TABLE {table} SET (autovacuum_enabled = off, toast.autovacuum_enabled = off)")
                    )
            async with engine.begin() as conn:
                # TRUNCATE outside the creating transaction gives every table new storage and resets every index's
                # planner figures (a partial index then reads as holding a page of rows, not none): the state every
                # reuse leaves, so a test meets the same schema whichever tests used it before.
                await conn.execute(text(f"TRUNCATE {', '.join(tables)}"))
            if self.fresh is None:
                async with engine.connect() as conn:
                    self.fresh = (await _read(conn, STRUCTURE, schema), await _read(conn, FIGURES, schema))
        finally:
            await engine.dispose()
        return schema

    async def _reset(self, schema: str) -> None:
        assert self.fresh is not None
        structure, figures = self.fresh
        reusable = False
        try:
            async with self._engine().begin() as conn:
                await conn.execute(text("SET LOCAL lock_timeout = '60s'"))  # a test left a transaction open
                if await _read(conn, STRUCTURE, schema) == structure:
                    tables = (await conn.execute(text(WRITTEN_TABLES), {"schema": schema})).scalars().all()
                    if tables:
                        await conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
                    for sequence, start in (await conn.execute(text(ADVANCED_SEQUENCES), {"schema": schema})).all():
                        await conn.execute(
                            text("SELECT setval(:seq, :start, false)"), {"seq": sequence, "start": start}
                        )
                    reusable = True
            if reusable:  # read once committed, as the next test will see them
                async with self._engine().connect() as conn:
                    reusable = await _read(conn, FIGURES, schema) == figures
            if reusable:
                self.ready.append(schema)
            else:
                self.dropped += 1
                await self._execute(f'DROP SCHEMA "{schema}" CASCADE')
                self.every.discard(schema)
        except Exception as exc:  # the schema is left out of the pool (and dropped at the end if it can be)
            self.errors.append(exc)

    async def _close(self) -> None:
        while self.resets:
            await asyncio.wait(set(self.resets))
        try:
            for schema in sorted(self.every):
                await self._execute(f'DROP SCHEMA "{schema}" CASCADE')
            self.every.clear()
            self.ready.clear()
        finally:
            if self._admin is not None:
                await self._admin.dispose()
                self._admin = None


async def _read(conn: AsyncConnection, query: str, schema: str) -> list[str]:
    rows = (await conn.execute(text(query), {"schema": schema})).scalars().all()
    return [row.replace(f"{schema}.", "") for row in rows]  # names are t_ and hex digits: never quoted
