"""One migration history, and it agrees with the models on this database engine."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from liaison.kit import migrate
from liaison.models import Base


def test_models_and_migrations_agree(runtime):
    with runtime.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_database_is_at_the_single_head(runtime):
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    heads = scripts.get_heads()
    assert len(heads) == 1
    assert migrate.current_revision(runtime.db.engine) == heads[0]


def test_every_constraint_is_named_by_the_convention():
    for table in Base.metadata.sorted_tables:
        for constraint in table.constraints:
            assert constraint.name, (table.name, constraint)
        for index in table.indexes:
            assert index.name and index.name.startswith("ix_"), (table.name, index)
