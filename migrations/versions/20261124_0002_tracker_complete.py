"""The tracker, complete: people and teams, the audit trail, comments, notifications, the job ledger

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_job_runs_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint(
            "job", "workspace_id", "occurrence", name=op.f("uq_job_runs_job_workspace_id_occurrence")
        ),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_notifications_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_sent_at_workspace_id_recipient"),
            ["sent_at", "workspace_id", "recipient"],
            unique=False,
        )

    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("team", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_people_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("workspace_id", "user_id", name=op.f("uq_people_workspace_id_user_id")),
    )
    op.create_table(
        "team_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("slack_id", sa.String(length=32), nullable=False),
        sa.Column("mapped_by", sa.String(length=32), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_team_sources_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_sources")),
        sa.UniqueConstraint(
            "workspace_id", "kind", "slack_id", name=op.f("uq_team_sources_workspace_id_kind_slack_id")
        ),
    )
    op.create_table(
        "issue_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old", sa.String(length=200), nullable=True),
        sa.Column("new", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_issue_changes_issue_id_issues"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issue_changes")),
    )
    with op.batch_alter_table("issue_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issue_changes_issue_id"), ["issue_id"], unique=False)

    op.create_table(
        "issue_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_issue_comments_issue_id_issues"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issue_comments")),
        sa.UniqueConstraint("issue_id", "request_key", name=op.f("uq_issue_comments_issue_id_request_key")),
    )
    with op.batch_alter_table("issue_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issue_comments_issue_id"), ["issue_id"], unique=False)

    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raised_by_team", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("source_permalink", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("comment_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("is_open", sa.Boolean(), server_default=sa.true(), nullable=False))
    # Issues raised before this version were last touched when raised, and every one was open.
    op.execute("UPDATE issues SET updated_at = raised_at")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index(
            batch_op.f("ix_issues_workspace_id_card_channel_card_ts"),
            ["workspace_id", "card_channel", "card_ts"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_issues_workspace_id_is_open_priority_rank_raised_at"),
            ["workspace_id", "is_open", "priority_rank", "raised_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_issues_workspace_id_owner_id_is_open_priority_rank_raised_at"),
            ["workspace_id", "owner_id", "is_open", "priority_rank", "raised_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_issues_workspace_id_raised_by_is_open_priority_rank_raised_at"),
            ["workspace_id", "raised_by", "is_open", "priority_rank", "raised_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_issues_workspace_id_raised_by_team_is_open_priority_rank_raised_at"),
            ["workspace_id", "raised_by_team", "is_open", "priority_rank", "raised_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_issues_workspace_id_is_open_due_on"),
            ["workspace_id", "is_open", "due_on"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issues_workspace_id_is_open_due_on"))
        batch_op.drop_index(
            batch_op.f("ix_issues_workspace_id_raised_by_team_is_open_priority_rank_raised_at")
        )
        batch_op.drop_index(batch_op.f("ix_issues_workspace_id_raised_by_is_open_priority_rank_raised_at"))
        batch_op.drop_index(batch_op.f("ix_issues_workspace_id_owner_id_is_open_priority_rank_raised_at"))
        batch_op.drop_index(batch_op.f("ix_issues_workspace_id_is_open_priority_rank_raised_at"))
        batch_op.drop_index(batch_op.f("ix_issues_workspace_id_card_channel_card_ts"))
        batch_op.drop_column("is_open")
        batch_op.drop_column("comment_count")
        batch_op.drop_column("version")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("source_permalink")
        batch_op.drop_column("raised_by_team")

    with op.batch_alter_table("issue_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issue_comments_issue_id"))

    op.drop_table("issue_comments")
    with op.batch_alter_table("issue_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issue_changes_issue_id"))

    op.drop_table("issue_changes")
    op.drop_table("team_sources")
    op.drop_table("people")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_sent_at_workspace_id_recipient"))

    op.drop_table("notifications")
    op.drop_table("job_runs")
