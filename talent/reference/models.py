"""Countries, partner institutions and person profiles."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.core.db import Base, created_at, enum_column, intpk, utcnow
from talent.core.permissions import Role


class Country(Base):
    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)  # ISO 3166-1 alpha-2
    name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(40))  # UN M49 region (Africa, Americas, Asia, Europe, Oceania)
    subregion: Mapped[str] = mapped_column(String(60))
    is_global_south: Mapped[bool] = mapped_column(Boolean, default=False)  # G77 member or China


class InstitutionKind(StrEnum):
    UNIVERSITY = "university"
    VOCATIONAL_COLLEGE = "vocational_college"
    ENTERPRISE = "enterprise"
    RESEARCH_INSTITUTE = "research_institute"
    GOVERNMENT = "government"
    WORKSHOP_SITE = "workshop_site"


class PartnerStatus(StrEnum):
    PROSPECTIVE = "prospective"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    FORMER = "former"


class Institution(Base):
    __tablename__ = "institutions"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200), index=True)
    name_native: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[InstitutionKind] = enum_column(InstitutionKind)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    city: Mapped[str] = mapped_column(String(120), default="")
    website: Mapped[str | None] = mapped_column(String(255))
    partner_status: Mapped[PartnerStatus] = enum_column(PartnerStatus, default=PartnerStatus.PROSPECTIVE)
    created_at: Mapped[created_at]

    country: Mapped[Country] = relationship(lazy="joined")

    def can_view(self, user) -> bool:
        return user.is_authenticated

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.is_admin


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNDISCLOSED = "undisclosed"


STAFF_MADE_WITH_EMAIL = text("user_id IS NULL AND email IS NOT NULL")


class Person(Base):
    """One person across programmes: scholarship → exchange → workshop → alumni."""

    __tablename__ = "persons"
    __audit_redact__ = {"passport_number_encrypted"}
    __table_args__ = (
        CheckConstraint("isced_level BETWEEN 0 AND 8", name="isced_level_range"),
        # One staff-made record per e-mail address, so that two staff adding the same new trainee
        # at once end up with one person (create_person uses the record that won). A registered
        # user's own profile may share the address with the record staff made before they joined.
        Index(
            "uq_persons_staff_made_email",
            "email",
            unique=True,
            sqlite_where=STAFF_MADE_WITH_EMAIL,
            postgresql_where=STAFF_MADE_WITH_EMAIL,
        ),
        # Substring search (talent.reference.search) on PostgreSQL; SQLite has its FTS5 table.
        *(
            Index(
                f"ix_persons_{name}_trgm", name, postgresql_using="gin", postgresql_ops={name: "gin_trgm_ops"}
            ).ddl_if(dialect="postgresql")
            for name in ("name_latin", "name_native", "email")
        ),
    )

    id: Mapped[intpk]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    # Stored lower-case (every writer normalises it), so look-ups use the plain index.
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    name_latin: Mapped[str] = mapped_column(String(200), index=True)  # as in the passport
    name_native: Mapped[str | None] = mapped_column(String(200))
    born_on: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[Gender | None] = enum_column(Gender, nullable=True)
    nationality_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"), index=True)
    passport_number_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    passport_expires_on: Mapped[date | None] = mapped_column(Date)
    isced_level: Mapped[int | None] = mapped_column(Integer)  # ISCED 2011, 0–8
    field_code: Mapped[str | None] = mapped_column(String(8))  # ISCED-F 2013 code
    languages: Mapped[str] = mapped_column(String(200), default="")  # ISO 639-1 codes, comma-separated
    affiliation_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user = relationship("User", back_populates="person", lazy="select")
    nationality: Mapped[Country | None] = relationship(lazy="joined")
    affiliation: Mapped[Institution | None] = relationship(lazy="joined")

    # Passport numbers are encrypted at rest with the deploy-time key (TALENT_ENCRYPTION_KEY).
    @staticmethod
    def _fernet() -> Fernet:
        return Fernet(current_app.config["ENCRYPTION_KEY"].encode())

    @property
    def passport_number(self) -> str | None:
        if self.passport_number_encrypted is None:
            return None
        try:
            return self._fernet().decrypt(self.passport_number_encrypted).decode()
        except InvalidToken:
            current_app.logger.error(
                "passport number of person %s cannot be decrypted with this key", self.id
            )
            return None

    @passport_number.setter
    def passport_number(self, value: str | None) -> None:
        value = (value or "").strip().upper()
        self.passport_number_encrypted = self._fernet().encrypt(value.encode()) if value else None

    @property
    def passport_number_masked(self) -> str:
        number = self.passport_number
        if not number:
            return ""
        return "•" * max(len(number) - 3, 3) + number[-3:]

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    def can_view(self, user) -> bool:
        return user.is_authenticated and (
            user.id == self.user_id or user.is_admin or self._is_staff_of_affiliation(user)
        )

    def can_manage(self, user) -> bool:
        return user.is_authenticated and (user.id == self.user_id or user.is_admin)

    def can_see_passport(self, user) -> bool:
        """Only administrators see the full number, and only where they need it."""
        return user.is_authenticated and user.is_admin

    def _is_staff_of_affiliation(self, user) -> bool:
        return (
            Role.INSTITUTION in user.role_set
            and self.affiliation_id is not None
            and user.institution_id == self.affiliation_id
        )
