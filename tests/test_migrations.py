"""Migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.db import Database
from bot.models import Base, is_modelled


def test_migrated_schema_matches_the_models(database: Database) -> None:
    database.upgrade()  # already at head: a second upgrade changes nothing
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": is_modelled}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
