"""storage.dialect, the one place that asks which database a session talks to: the answer, the
insert-or-skip construct, and SKIP LOCKED, each against the real database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from storage import dialect
from storage.db import Database
from storage.models import Source

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)


def test_the_answer_is_the_same_for_a_session_a_connection_and_an_engine(
    database: Database,
) -> None:
    postgres = database.url.startswith("postgresql")
    with database.session() as session, database.engine.connect() as conn:
        for bind in (session, conn, database.engine):
            assert dialect.is_postgres(bind) is postgres
            assert dialect.is_sqlite(bind) is not postgres
            assert dialect.name(bind) == (dialect.POSTGRES if postgres else dialect.SQLITE)


def test_insert_skips_a_row_whose_unique_key_is_taken(database: Database) -> None:
    row = {"name": "fcdo", "type": "rss", "settings": {}, "enabled": True, "created_at": NOW}
    with database.session() as session:
        statement = dialect.insert(session, Source).on_conflict_do_nothing(index_elements=["name"])
        first = session.execute(statement.values(row).returning(Source.id)).first()
        again = session.execute(statement.values(row).returning(Source.id)).first()
        count = session.scalar(select(func.count()).select_from(Source))
    assert first is not None
    assert again is None
    assert count == 1


def test_skip_locked_passes_over_rows_another_transaction_holds(database: Database) -> None:
    with database.session() as session:
        session.add_all(
            Source(name=name, type="rss", settings={}, enabled=True, created_at=NOW)
            for name in ("a", "b")
        )
    query = select(Source.name).order_by(Source.name)
    with database.session() as first:
        taken = list(first.scalars(dialect.skip_locked(first, query.limit(1), Source)))
        assert taken == ["a"]
        if dialect.is_sqlite(first):
            # one writer at a time on SQLite (BEGIN IMMEDIATE): the query is left as it was
            assert dialect.skip_locked(first, query) is query
            return
        with database.session() as second:
            assert list(second.scalars(dialect.skip_locked(second, query, Source))) == ["b"]
