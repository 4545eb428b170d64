"""full-text search index and the analyst views

The search index is kept in step with `release_versions` by triggers, so every writer (the
pipeline, a bulk load, a hand-written INSERT) is indexed the same way:

- SQLite: `search_fts`, an FTS5 table over (title, text) of every version, external content
  (`release_versions` holds the text once), tokenizer `porter unicode61 remove_diacritics 2`.
- PostgreSQL: `search_documents` (version_id, document tsvector) with a GIN index, filled by a
  PL/pgSQL trigger with the `deskwatch` text search configuration: `unaccent` (diacritics
  folded) then the Snowball English stemmer, without a stop-word list (as on SQLite).

Neither is a model: env.py keeps autogenerate away from tables and indexes named `search_*`
(also `search_releases_published_at`, the Postgres index for "newest first, undated last").

The views `v_releases`, `v_release_tags`, `v_changes` and `v_alerts` are the stable schema for
SQL users (see the README). Note for later SQLite migrations: a batch (copy-and-move) migration of
`release_versions` drops its triggers; recreate them with `create_sqlite_triggers()`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER search_fts_after_insert AFTER INSERT ON release_versions BEGIN
        INSERT INTO search_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER search_fts_after_delete AFTER DELETE ON release_versions BEGIN
        INSERT INTO search_fts (search_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END""",
    """CREATE TRIGGER search_fts_after_update AFTER UPDATE OF title, text ON release_versions
    BEGIN
        INSERT INTO search_fts (search_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO search_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
]

# Punctuation becomes a space before parsing, so that "Regime-specific", "U.K." or "3.5" are
# separate words at consecutive positions, as FTS5 and the query parser split them (Postgres'
# parser would otherwise index compounds, hosts and numbers as single tokens and phrases across
# them would not match).
_WORDS = "regexp_replace(coalesce({p}{column}, ''), '[[:space:][:punct:]]+', ' ', 'g')"
POSTGRES_DOCUMENT = (
    f"setweight(to_tsvector('deskwatch', {_WORDS.format(p='{p}', column='title')}), 'A') || "
    f"setweight(to_tsvector('deskwatch', {_WORDS.format(p='{p}', column='text')}), 'B')"
)

VIEWS = {
    # one row per release, with its latest version (the highest number)
    "v_releases": """
        SELECT r.id AS release_id, r.key, s.name AS source, r.url, r.title, r.description,
               r.published_at, r.first_seen_at, r.last_seen_at, r.document_type,
               r.organisation, r.language, r.withdrawn_notice,
               v.id AS version_id, v.number AS version_number, v.fetched_at AS version_fetched_at,
               v.change_note, v.text
        FROM releases r
        JOIN sources s ON s.id = r.source_id
        JOIN release_versions v ON v.release_id = r.id
        WHERE v.number = (SELECT max(m.number) FROM release_versions m
                          WHERE m.release_id = r.id)
    """,
    # the tags of each release's latest version
    "v_release_tags": """
        SELECT t.release_id, r.title, r.published_at, t.version_id, t.kind, t.value, t.label,
               t.score, t.origin, t.focus, t.taxonomy_version
        FROM tags t
        JOIN releases r ON r.id = t.release_id
        WHERE t.version_id = (SELECT m.id FROM release_versions m
                              WHERE m.release_id = t.release_id
                              ORDER BY m.number DESC LIMIT 1)
    """,
    "v_changes": """
        SELECT c.id AS change_id, c.kind, c.basis, c.classification, c.similarity,
               c.has_change_note, c.silent_edit,
               c.release_id, r.title AS release_title, c.version_id,
               v.number AS version_number, v.fetched_at AS version_fetched_at,
               c.against_release_id, ar.title AS against_title, c.against_version_id,
               av.number AS against_version_number,
               c.payload, c.algorithm_version, c.created_at
        FROM changes c
        JOIN releases r ON r.id = c.release_id
        JOIN release_versions v ON v.id = c.version_id
        JOIN releases ar ON ar.id = c.against_release_id
        JOIN release_versions av ON av.id = c.against_version_id
    """,
    "v_alerts": """
        SELECT a.id AS alert_id, a.email, a.frequency, a.status, a.attempts, a.last_error,
               a.created_at, a.next_attempt_at, a.sent_at, a.message_id, a.digest_key, a.reasons,
               a.release_id, r.title AS release_title, r.url AS release_url,
               a.version_id, v.number AS version_number
        FROM alerts a
        JOIN releases r ON r.id = a.release_id
        JOIN release_versions v ON v.id = a.version_id
    """,
}


def create_sqlite_triggers() -> None:
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def _unaccent_schema() -> str:
    """The schema of the unaccent extension, creating it (in public) when it is missing."""
    bind = op.get_bind()
    find = (
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'unaccent'"
    )
    schema = bind.exec_driver_sql(find).scalar()
    if schema is None:
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
        schema = bind.exec_driver_sql(find).scalar()
    return str(schema)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_index("ix_tags_kind_value_version_id", "tags", ["kind", "value", "version_id"])
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, text, "
            "content='release_versions', content_rowid='id', "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        # the `rank` column is bm25 with a title match worth five body matches: ORDER BY rank
        # lets FTS5 sort its matches itself (storage.search streams them best first)
        op.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(5.0, 1.0)')")
        create_sqlite_triggers()
        op.execute("INSERT INTO search_fts (search_fts) VALUES ('rebuild')")
    else:
        unaccent = _unaccent_schema()
        op.execute(
            "CREATE TEXT SEARCH DICTIONARY deskwatch_stem (TEMPLATE = snowball, Language = english)"
        )
        op.execute("CREATE TEXT SEARCH CONFIGURATION deskwatch (COPY = simple)")
        op.execute(
            "ALTER TEXT SEARCH CONFIGURATION deskwatch ALTER MAPPING FOR asciiword, asciihword, "
            f'hword_asciipart, word, hword, hword_part WITH "{unaccent}".unaccent, deskwatch_stem'
        )
        op.execute(
            "CREATE TABLE search_documents ("
            "version_id integer PRIMARY KEY REFERENCES release_versions (id) ON DELETE CASCADE, "
            "document tsvector NOT NULL)"
        )
        op.execute(
            "CREATE INDEX search_documents_document ON search_documents USING gin (document)"
        )
        # newest first, undated last, as storage.search.newest_first() sorts (SQLite's plain
        # ix_releases_published_at already serves that order)
        op.execute(
            "CREATE INDEX search_releases_published_at ON releases "
            "(published_at DESC NULLS LAST, id DESC)"
        )
        op.execute(
            "CREATE FUNCTION search_documents_refresh() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            "  INSERT INTO search_documents (version_id, document)\n"
            f"  VALUES (NEW.id, {POSTGRES_DOCUMENT.format(p='NEW.')})\n"
            "  ON CONFLICT (version_id) DO UPDATE SET document = EXCLUDED.document;\n"
            "  RETURN NULL;\n"
            "END $$"
        )
        op.execute(
            "CREATE TRIGGER search_documents_refresh AFTER INSERT OR UPDATE OF title, text "
            "ON release_versions FOR EACH ROW EXECUTE FUNCTION search_documents_refresh()"
        )
        op.execute(
            "INSERT INTO search_documents (version_id, document) "
            f"SELECT id, {POSTGRES_DOCUMENT.format(p='')} FROM release_versions"
        )
    for name, body in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {body.strip()}")


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS search_fts_after_{suffix}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP TRIGGER IF EXISTS search_documents_refresh ON release_versions")
        op.execute("DROP FUNCTION IF EXISTS search_documents_refresh()")
        op.execute("DROP TABLE IF EXISTS search_documents")
        op.execute("DROP INDEX IF EXISTS search_releases_published_at")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS deskwatch")
        op.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS deskwatch_stem")
        # the unaccent extension stays: other schemas of the database may use it
    op.drop_index("ix_tags_kind_value_version_id", table_name="tags")
