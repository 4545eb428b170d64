"""PostgreSQL: the search index carries the page order (release id and publication date)

A ranked page is ordered by score, then publication date (newest first, undated last), then
release id. With those two columns beside the tsvector, `storage.search` takes the best N
matches in that exact order inside `search_documents` (a top-N sort over the matches) and joins
only those N to the other tables. Before, it had to take every match tied on ts_rank with the
N-th (thousands for a common word) and join them all to find the page's order.

Kept in step by triggers: a new or edited version copies its release's date; a release whose
publication date changes passes it on to its versions' rows. Rows keep their tsvector in the
table up to 8 KB (toast_tuple_target), where ts_rank reads it without a TOAST lookup.

SQLite needs nothing: FTS5 streams matches best first and the page is cut while streaming.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from importlib import import_module

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# the tsvector expression of 0002, unchanged (a migration's module name is not an identifier)
POSTGRES_DOCUMENT = import_module(
    "storage.migrations.versions.0002_search_and_views"
).POSTGRES_DOCUMENT


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE search_documents ADD COLUMN release_id integer")
    op.execute("ALTER TABLE search_documents ADD COLUMN published_at timestamp with time zone")
    # rows up to a page (8160 bytes, the most Postgres allows) stay in the table instead of
    # moving their tsvector to the TOAST table at 2 KB: ts_rank reads the tsvector of every
    # match, and a TOASTed one costs an index probe and two more page reads (measured: about
    # a fifth of the ranking time on the generated archive, bench/bench_search.py)
    op.execute("ALTER TABLE search_documents SET (toast_tuple_target = 8160)")
    # `document || ''` is the same tsvector as a new value, so existing rows are stored anew
    # under that rule too
    op.execute(
        "UPDATE search_documents d SET release_id = v.release_id, published_at = r.published_at, "
        "document = d.document || ''::tsvector "
        "FROM release_versions v JOIN releases r ON r.id = v.release_id "
        "WHERE v.id = d.version_id"
    )
    op.execute("ALTER TABLE search_documents ALTER COLUMN release_id SET NOT NULL")
    op.execute("CREATE INDEX search_documents_release_id ON search_documents (release_id)")
    op.execute(
        "CREATE OR REPLACE FUNCTION search_documents_refresh() RETURNS trigger "
        "LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  INSERT INTO search_documents (version_id, release_id, published_at, document)\n"
        "  VALUES (NEW.id, NEW.release_id, "
        "(SELECT r.published_at FROM releases r WHERE r.id = NEW.release_id), "
        f"{POSTGRES_DOCUMENT.format(p='NEW.')})\n"
        "  ON CONFLICT (version_id) DO UPDATE SET document = EXCLUDED.document, "
        "release_id = EXCLUDED.release_id, published_at = EXCLUDED.published_at;\n"
        "  RETURN NULL;\n"
        "END $$"
    )
    # a version moved to another release (by hand: deskwatch never does) takes its release's id
    # and date along
    op.execute("DROP TRIGGER search_documents_refresh ON release_versions")
    op.execute(
        "CREATE TRIGGER search_documents_refresh AFTER INSERT OR UPDATE OF title, text, "
        "release_id ON release_versions FOR EACH ROW EXECUTE FUNCTION search_documents_refresh()"
    )
    op.execute(
        "CREATE FUNCTION search_documents_dated() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  UPDATE search_documents SET published_at = NEW.published_at\n"
        "  WHERE release_id = NEW.id;\n"
        "  RETURN NULL;\n"
        "END $$"
    )
    op.execute(
        "CREATE TRIGGER search_documents_dated AFTER UPDATE OF published_at ON releases "
        "FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at) "
        "EXECUTE FUNCTION search_documents_dated()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS search_documents_dated ON releases")
    op.execute("DROP FUNCTION IF EXISTS search_documents_dated()")
    op.execute("DROP TRIGGER search_documents_refresh ON release_versions")
    op.execute(
        "CREATE TRIGGER search_documents_refresh AFTER INSERT OR UPDATE OF title, text "
        "ON release_versions FOR EACH ROW EXECUTE FUNCTION search_documents_refresh()"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION search_documents_refresh() RETURNS trigger "
        "LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  INSERT INTO search_documents (version_id, document)\n"
        f"  VALUES (NEW.id, {POSTGRES_DOCUMENT.format(p='NEW.')})\n"
        "  ON CONFLICT (version_id) DO UPDATE SET document = EXCLUDED.document;\n"
        "  RETURN NULL;\n"
        "END $$"
    )
    op.execute("DROP INDEX IF EXISTS search_documents_release_id")
    op.execute("ALTER TABLE search_documents RESET (toast_tuple_target)")
    op.execute("ALTER TABLE search_documents DROP COLUMN published_at")
    op.execute("ALTER TABLE search_documents DROP COLUMN release_id")
