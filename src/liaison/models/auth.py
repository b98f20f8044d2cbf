"""Who can sign in, where they work, and their live sessions and API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from liaison.models.base import Base, TenantOwned, Timestamped, new_id


class User(Timestamped, Base):
    """A person who signs in. Users are global; what they see comes from memberships."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(
            "platform_role is null or platform_role in ('operator','staffing_manager')",
            name="platform_role",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Roles that are not tied to one organization: an operator runs the installation
    # (organizations, users); a staffing manager oversees coordinators across clients.
    # Neither grants access to patient records.
    platform_role: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[datetime | None] = mapped_column()
    last_login_at: Mapped[datetime | None] = mapped_column()


class Membership(TenantOwned, Timestamped, Base):
    """A user's role in one organization."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_id"),
        CheckConstraint("role in ('admin','coordinator','practitioner','patient')", name="role"),
        Index(None, "user_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    # For role=practitioner: their directory entry; for role=patient: their record.
    practitioner_id: Mapped[uuid.UUID | None] = mapped_column()
    patient_id: Mapped[uuid.UUID | None] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class UserSession(Base):
    """A browser session. The cookie holds a secret; the table only its digest."""

    __tablename__ = "user_session"
    __table_args__ = (
        Index(None, "user_id"),
        Index(None, "active_organization_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    client_ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    # The organization the UI is working in (the organization switcher).
    active_organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL")
    )


class ApiToken(Base):
    """A bearer token for the API; listed per user and revocable."""

    __tablename__ = "api_token"
    __table_args__ = (Index(None, "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # First characters of the token, shown in lists so a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()


class LoginThrottle(Base):
    """Failed sign-ins per account and per client address, for exponential back-off."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column()
    blocked_until: Mapped[datetime | None] = mapped_column()
