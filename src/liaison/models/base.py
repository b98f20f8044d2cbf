"""The one registry every table belongs to, and the column conventions they share."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, MetaData, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from liaison.kit import clock
from liaison.kit.db import UTCDateTime
from liaison.kit.ids import uuid7

# Deterministic constraint names: Alembic can drop and alter what it can name, and the
# same name on SQLite and PostgreSQL keeps one migration history valid for both.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSON().with_variant(JSONB(), "postgresql"),
        list[str]: JSON().with_variant(JSONB(), "postgresql"),
        list[int]: JSON().with_variant(JSONB(), "postgresql"),
        list[dict[str, Any]]: JSON().with_variant(JSONB(), "postgresql"),
    }

    # Set on tables whose rows belong to one client organization. Queries on them must
    # go through ``liaison.authz.scope`` (enforced by the guard in ``authz.guard``).
    __tenant__: ClassVar[bool] = False


def new_id() -> uuid.UUID:
    return uuid7()


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class TenantOwned:
    """A row of one organization. ``organization_id`` leads the primary key.

    Leading every key with the tenant keeps the schema ready for sharding by
    organization (Citus needs the distribution column in every unique key), and makes
    composite foreign keys carry the tenant: an appointment of organization A cannot
    point at a patient of organization B, even by a bug, because the database refuses.
    """

    __tenant__: ClassVar[bool] = True

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), primary_key=True, sort_order=-20
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id, sort_order=-10)
