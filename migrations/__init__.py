"""Alembic migrations for Tandem's tables; `tandem db upgrade` applies them."""
