"""Users, their roles and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.core.db import Base, created_at, enum_column, intpk, utcnow
from talent.core.permissions import Role

_hasher = PasswordHasher()
TOKEN_PREFIX = "tx_"


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = enum_column(Role, primary_key=True)


class User(UserMixin, Base):
    __tablename__ = "users"
    __audit_redact__ = {"password_hash"}

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    last_login_at: Mapped[datetime | None]

    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )
    institution = relationship("Institution", lazy="joined")
    person = relationship("Person", back_populates="user", uselist=False, lazy="select")

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    @classmethod
    def by_email(cls, email: str):
        return select(cls).where(cls.email == cls.normalise_email(email))

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    @property
    def roles(self) -> list[Role]:
        return sorted(self.role_set)

    def has_role(self, role: Role) -> bool:
        return role in self.role_set

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.role_set

    def set_roles(self, roles: set[Role]) -> None:
        keep = [row for row in self.role_rows if row.role in roles]
        have = {row.role for row in keep}
        self.role_rows = keep + [UserRole(role=r) for r in sorted(roles - have)]

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            ok = _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if ok and _hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return ok

    def get_id(self) -> str:
        # Part of the hash goes into the session id, so changing the password logs out
        # every other session of this user.
        return f"{self.id}:{self.password_hash[-12:]}"

    def can_view(self, user) -> bool:
        return user.is_authenticated and (user.id == self.id or user.is_admin)

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.is_admin


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # Only a SHA-256 of the token is kept; the token itself is shown once, when made.
    token_hash: Mapped[str] = mapped_column(String(64))
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[created_at]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return cls(user=user, name=name, token_hash=cls.hash(token), hint=token[-4:]), token

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = utcnow()

    def can_manage(self, user) -> bool:
        return user.is_authenticated and (user.id == self.user_id or user.is_admin)


def active_token_query(token: str):
    return select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token), ApiToken.revoked_at.is_(None))
