"""Field notes: each note and its follow-ups, and each database's own full-text index over them
(SQLite: an FTS5 table kept in step by triggers; PostgreSQL: a generated tsvector column with GIN)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What full-text search reads of a note, the same columns on both databases.
_SEARCHED = ("account", "met", "heard", "competitors", "feedback", "follow_up_text")


def upgrade() -> None:
    op.create_table(
        "field_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("author_team", sa.String(length=16), nullable=True),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("account_key", sa.String(length=100), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("went", sa.Text(), nullable=False),
        sa.Column("met", sa.Text(), nullable=False),
        sa.Column("heard", sa.Text(), nullable=False),
        sa.Column("competitors", sa.Text(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("follow_up_text", sa.Text(), nullable=False),
        sa.Column("follow_up_lines", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("card_channel", sa.String(length=32), nullable=True),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("card_permalink", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_field_notes_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_notes")),
        sa.UniqueConstraint(
            "workspace_id", "request_key", name=op.f("uq_field_notes_workspace_id_request_key")
        ),
    )
    with op.batch_alter_table("field_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_field_notes_workspace_id_created_at"), ["workspace_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_field_notes_workspace_id_author_id_created_at"),
            ["workspace_id", "author_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_field_notes_workspace_id_account_key_created_at"),
            ["workspace_id", "account_key", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_field_notes_workspace_id_visited_on"), ["workspace_id", "visited_on"], unique=False
        )

    op.create_table(
        "field_note_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=120), nullable=False),
        sa.Column("to_tracker", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=True),
        sa.Column("issue_number", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["field_notes.id"],
            name=op.f("fk_field_note_follow_ups_note_id_field_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_field_note_follow_ups_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_note_follow_ups")),
        sa.UniqueConstraint("note_id", "position", name=op.f("uq_field_note_follow_ups_note_id_position")),
    )

    if op.get_bind().dialect.name == "postgresql":
        _create_postgresql_search()
    else:
        _create_sqlite_search()


def _create_postgresql_search() -> None:
    # 'simple': no stemming or stop words, the same words FTS5's unicode61 tokenizer finds; a
    # generated column is recomputed by PostgreSQL itself on every insert and update.
    document = " || ' ' || ".join(_SEARCHED)
    op.execute(
        "ALTER TABLE field_notes ADD COLUMN search tsvector "
        f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {document})) STORED"
    )
    op.execute("CREATE INDEX ix_field_notes_search ON field_notes USING gin (search)")


def _create_sqlite_search() -> None:
    # External content: the index holds only the words; the text stays in field_notes.
    op.execute(
        "CREATE VIRTUAL TABLE field_notes_fts USING fts5("
        "account, met, heard, competitors, feedback, follow_up_text, "
        "content='field_notes', content_rowid='id', tokenize='unicode61')"
    )
    op.execute(
        """
        CREATE TRIGGER field_notes_fts_insert AFTER INSERT ON field_notes BEGIN
            INSERT INTO field_notes_fts(rowid, account, met, heard, competitors, feedback, follow_up_text)
            VALUES (new.id, new.account, new.met, new.heard, new.competitors, new.feedback, new.follow_up_text);
        END
        """
    )
    op.execute(
        """
        CREATE TRIGGER field_notes_fts_delete AFTER DELETE ON field_notes BEGIN
            INSERT INTO field_notes_fts(
                field_notes_fts, rowid, account, met, heard, competitors, feedback, follow_up_text
            )
            VALUES (
                'delete', old.id, old.account, old.met, old.heard, old.competitors, old.feedback,
                old.follow_up_text
            );
        END
        """
    )
    # Only a change to searched text touches the index (not recording where the card went).
    op.execute(
        """
        CREATE TRIGGER field_notes_fts_update
        AFTER UPDATE OF account, met, heard, competitors, feedback, follow_up_text ON field_notes BEGIN
            INSERT INTO field_notes_fts(
                field_notes_fts, rowid, account, met, heard, competitors, feedback, follow_up_text
            )
            VALUES (
                'delete', old.id, old.account, old.met, old.heard, old.competitors, old.feedback,
                old.follow_up_text
            );
            INSERT INTO field_notes_fts(rowid, account, met, heard, competitors, feedback, follow_up_text)
            VALUES (new.id, new.account, new.met, new.heard, new.competitors, new.feedback, new.follow_up_text);
        END
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_field_notes_search")
    else:
        for trigger in ("update", "delete", "insert"):
            op.execute(f"DROP TRIGGER field_notes_fts_{trigger}")
        op.execute("DROP TABLE field_notes_fts")
    op.drop_table("field_note_follow_ups")
    with op.batch_alter_table("field_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_notes_workspace_id_visited_on"))
        batch_op.drop_index(batch_op.f("ix_field_notes_workspace_id_account_key_created_at"))
        batch_op.drop_index(batch_op.f("ix_field_notes_workspace_id_author_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_field_notes_workspace_id_created_at"))
    op.drop_table("field_notes")
