"""Alembic environment: runs on the connection Tandem hands over, or on DATABASE_URL for the CLI."""

from __future__ import annotations

import os
from typing import Any

from alembic import context
from sqlalchemy import Connection

from bot.db import connect
from bot.models import Base, UtcDateTime, is_modelled


def _render_item(kind: str, item: Any, autogen_context: Any) -> str | bool:
    # Migrations must not import bot.models (it changes); UtcDateTime is a timestamptz.
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite alters tables by copying them; batch mode does that for us.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        # Full-text search objects (FTS5 table, tsvector column) are made by migrations alone.
        include_object=is_modelled,
    )
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    # `alembic revision --autogenerate` from a developer's shell.
    engine = connect(os.environ.get("DATABASE_URL", "sqlite:///tandem.db"))
    with engine.begin() as connection:
        _run(connection)
