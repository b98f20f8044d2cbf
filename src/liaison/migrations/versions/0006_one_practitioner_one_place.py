"""one practitioner, one place at a time

A practitioner with roles at two locations has two schedules, and the exclusion
constraint of 0002 only keeps each schedule apart from itself: the same person could be
booked at 9:00 at both. Participants now carry the practitioner, and PostgreSQL refuses
two blocking rows of one practitioner on different schedules whose times overlap.
(Overlaps on the same schedule stay governed by lanes, for overbooking.)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 03:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appointment_participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("practitioner_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_appointment_participant_organization_id_practitioner_id_practitioner"),
            "practitioner",
            ["organization_id", "practitioner_id"],
            ["organization_id", "id"],
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_participant_organization_id_practitioner_id_block_start"),
            ["organization_id", "practitioner_id", "block_start"],
            unique=False,
        )
    # Existing rows of practitioner schedules learn their practitioner.
    op.execute(
        "UPDATE appointment_participant SET practitioner_id = ("
        "SELECT practitioner_role.practitioner_id FROM schedule JOIN practitioner_role "
        "ON practitioner_role.organization_id = schedule.organization_id "
        "AND practitioner_role.id = schedule.practitioner_role_id "
        "WHERE schedule.organization_id = appointment_participant.organization_id "
        "AND schedule.id = appointment_participant.schedule_id) "
        "WHERE device_id IS NULL"
    )
    if op.get_bind().dialect.name == "postgresql":
        # btree_gist (0002) gives uuid both = and <> in a GiST exclusion constraint.
        op.execute(
            "ALTER TABLE appointment_participant ADD CONSTRAINT "
            "ex_appointment_participant_practitioner_no_overlap EXCLUDE USING gist ("
            "organization_id WITH =, practitioner_id WITH =, schedule_id WITH <>, "
            "tstzrange(block_start, block_end, '[)') WITH &&) "
            "WHERE (blocking AND practitioner_id IS NOT NULL)"
        )
    # SQLite rebuilt the table for the new column and lost its planner statistics; without
    # them busy-time queries walk the wrong index (slot search p95 30 ms -> 66 ms).
    op.execute("ANALYZE appointment_participant")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE appointment_participant DROP CONSTRAINT "
            "ex_appointment_participant_practitioner_no_overlap"
        )
    with op.batch_alter_table("appointment_participant", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_appointment_participant_organization_id_practitioner_id_block_start")
        )
        batch_op.drop_constraint(
            batch_op.f("fk_appointment_participant_organization_id_practitioner_id_practitioner"),
            type_="foreignkey",
        )
        batch_op.drop_column("practitioner_id")
