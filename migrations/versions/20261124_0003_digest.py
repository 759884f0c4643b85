"""The Thursday digest: collected items, the record of each week's digest, digest settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("headline", sa.String(length=150), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("source_permalink", sa.String(length=500), nullable=True),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_digest_items_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_items")),
        sa.UniqueConstraint(
            "workspace_id", "request_key", name=op.f("uq_digest_items_workspace_id_request_key")
        ),
    )
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digest_items_workspace_id_week_section_added_at"),
            ["workspace_id", "week", "section", "added_at"],
            unique=False,
        )

    op.create_table(
        "digest_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("send_day", sa.String(length=3), nullable=False),
        sa.Column("send_time", sa.String(length=5), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("approval", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=True),
        sa.Column("editors", sa.Text(), nullable=False),
        sa.Column("empty_note", sa.Boolean(), nullable=False),
        sa.Column("reminder_day", sa.String(length=3), nullable=False),
        sa.Column("reminder_time", sa.String(length=5), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_digest_settings_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_settings")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_digest_settings_workspace_id")),
    )
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("permalink", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=32), nullable=True),
        sa.Column("late", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("item_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("problem", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_digests_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("workspace_id", "week", name=op.f("uq_digests_workspace_id_week")),
    )
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digests_workspace_id_status_sent_at"),
            ["workspace_id", "status", "sent_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digests_workspace_id_status_sent_at"))

    op.drop_table("digests")
    op.drop_table("digest_settings")
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_items_workspace_id_week_section_added_at"))

    op.drop_table("digest_items")
