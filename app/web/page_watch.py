"""Shop-level data changes seen in this process: a generation number per engine, bumped when a transaction that
wrote the catalogue (product, recommendation_rule) or a shop row commits, so caches keyed on it are never stale."""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.dml import UpdateBase

WATCHED = frozenset({"merchant", "product", "recommendation_rule"})
_WROTE = "ordertrail_wrote_shop_data"


class Generation:
    """A counter bumped on every commit that wrote a watched table through the engine it watches."""

    def __init__(self) -> None:
        self.value = 0


_generations: weakref.WeakKeyDictionary[AsyncEngine, Generation] = weakref.WeakKeyDictionary()


def shop_generation(engine: AsyncEngine) -> Generation:
    """The engine's generation, watching it from the first call on (nothing is cached before that)."""
    found = _generations.get(engine)
    if found is None:
        found = _generations[engine] = Generation()
        _watch(engine, found)
    return found


def _writes_watched(statement: Any) -> bool:
    if isinstance(statement, UpdateBase):
        table = getattr(statement, "table", None)
        return getattr(table, "name", None) in WATCHED
    text = statement if isinstance(statement, str) else getattr(statement, "text", None)  # text(), driver SQL
    if isinstance(text, str):
        words = text.lower().split()
        return any(w in WATCHED for w in words) and any(w in ("insert", "update", "delete", "replace") for w in words)
    return False


def _watch(engine: AsyncEngine, generation: Generation) -> None:
    sync = engine.sync_engine

    @event.listens_for(sync, "after_execute")
    def _after_execute(conn: Any, statement: Any, *_args: Any) -> None:
        if _writes_watched(statement):
            conn.info[_WROTE] = True
            generation.value += 1  # readers during the transaction cache under this number; the commit bumps again

    @event.listens_for(sync, "commit")
    def _on_commit(conn: Any) -> None:
        if conn.info.pop(_WROTE, False):
            generation.value += 1

    @event.listens_for(sync, "rollback")
    def _on_rollback(conn: Any) -> None:
        try:
            info = conn.info
        except SQLAlchemyError:  # invalidated mid-transaction (a cancelled write): nothing of it was committed
            return
        info.pop(_WROTE, None)
