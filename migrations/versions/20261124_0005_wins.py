"""Wins: each win, the people thanked in it with their teams, DM preferences, and wins settings

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("author_team", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("source_permalink", sa.String(length=500), nullable=True),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("card_channel", sa.String(length=32), nullable=True),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("card_permalink", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_wins_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wins")),
        sa.UniqueConstraint("workspace_id", "request_key", name=op.f("uq_wins_workspace_id_request_key")),
    )
    with op.batch_alter_table("wins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wins_workspace_id_created_at"), ["workspace_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_wins_workspace_id_author_id_created_at"),
            ["workspace_id", "author_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_wins_workspace_id_card_channel_card_ts"),
            ["workspace_id", "card_channel", "card_ts"],
            unique=False,
        )

    op.create_table(
        "win_thanks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("win_id", sa.Integer(), nullable=False),
        sa.Column("giver_id", sa.String(length=32), nullable=False),
        sa.Column("giver_team", sa.String(length=16), nullable=True),
        sa.Column("receiver_id", sa.String(length=32), nullable=False),
        sa.Column("receiver_team", sa.String(length=16), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cross_team", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["win_id"], ["wins.id"], name=op.f("fk_win_thanks_win_id_wins"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_win_thanks_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_win_thanks")),
    )
    with op.batch_alter_table("win_thanks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_win_thanks_win_id"), ["win_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_win_thanks_workspace_id_given_at"), ["workspace_id", "given_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_win_thanks_workspace_id_receiver_id_given_at"),
            ["workspace_id", "receiver_id", "given_at"],
            unique=False,
        )

    op.create_table(
        "win_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("dms", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_win_preferences_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_win_preferences")),
        sa.UniqueConstraint("workspace_id", "user_id", name=op.f("uq_win_preferences_workspace_id_user_id")),
    )
    op.create_table(
        "wins_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("recap_day", sa.String(length=3), nullable=False),
        sa.Column("recap_time", sa.String(length=5), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_wins_settings_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wins_settings")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_wins_settings_workspace_id")),
    )


def downgrade() -> None:
    op.drop_table("wins_settings")
    op.drop_table("win_preferences")
    with op.batch_alter_table("win_thanks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_win_thanks_workspace_id_receiver_id_given_at"))
        batch_op.drop_index(batch_op.f("ix_win_thanks_workspace_id_given_at"))
        batch_op.drop_index(batch_op.f("ix_win_thanks_win_id"))

    op.drop_table("win_thanks")
    with op.batch_alter_table("wins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wins_workspace_id_card_channel_card_ts"))
        batch_op.drop_index(batch_op.f("ix_wins_workspace_id_author_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_wins_workspace_id_created_at"))

    op.drop_table("wins")
