"""Certificates: immutable snapshots of what was achieved, signed and verifiable for years."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.core.db import Base, created_at, enum_column, intpk, utcnow
from talent.core.errors import IllegalTransition


class CertificateKind(StrEnum):
    COURSE_COMPLETION = "course_completion"
    PROGRAMME_COMPLETION = "programme_completion"
    RECOGNITION_STATEMENT = "recognition_statement"


class CertificateStatus(StrEnum):
    """Stored states. `expired` is not stored: it follows from `expires_on` (see `public_status`)."""

    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        # One live certificate per enrolment and kind: bulk issuance may be re-run safely.
        Index(
            "uq_certificates_live_enrolment_kind",
            "enrolment_id",
            "kind",
            unique=True,
            sqlite_where=text("status = 'valid' AND enrolment_id IS NOT NULL"),
            postgresql_where=text("status = 'valid' AND enrolment_id IS NOT NULL"),
        ),
        # One live programme-completion certificate per placement, likewise.
        Index(
            "uq_certificates_live_placement",
            "placement_id",
            unique=True,
            sqlite_where=text("status = 'valid' AND placement_id IS NOT NULL"),
            postgresql_where=text("status = 'valid' AND placement_id IS NOT NULL"),
        ),
        Index("ix_certificates_issued_at_id", "issued_at", "id"),
    )

    id: Mapped[intpk]
    # 16 Crockford base-32 characters without hyphens; the last is the check symbol.
    serial: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[CertificateKind] = enum_column(CertificateKind)
    status: Mapped[CertificateStatus] = enum_column(CertificateStatus, default=CertificateStatus.VALID)

    # The snapshot, exactly as printed.
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_name_native: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    issuer_name: Mapped[str] = mapped_column(String(200))
    issuer_country: Mapped[str] = mapped_column(String(2))
    template: Mapped[str] = mapped_column(String(60))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)

    # The issued document: stored once, never re-rendered for the same serial.
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    pdf_path: Mapped[str | None] = mapped_column(String(255))  # relative to DATA_DIR
    pdf_bytes: Mapped[int | None] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(Text)  # compact JWS (EdDSA)
    key_id: Mapped[str] = mapped_column(String(64))

    # Where it came from.
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"), index=True)
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[created_at]

    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    supersedes: Mapped[Certificate | None] = relationship(
        remote_side="Certificate.id",
        foreign_keys=[supersedes_id],
        back_populates="superseded_by",
        lazy="joined",
    )
    superseded_by: Mapped[Certificate | None] = relationship(
        foreign_keys=[supersedes_id], back_populates="supersedes", uselist=False, lazy="select"
    )
    person = relationship("Person", lazy="select")

    def public_status(self, today: date) -> str:
        if self.status == CertificateStatus.VALID and self.expires_on is not None and self.expires_on < today:
            return "expired"
        return self.status.value

    def revoke(self, reason: str, by_user_id: int | None) -> None:
        if self.status == CertificateStatus.REVOKED:
            raise IllegalTransition(_("This certificate is already revoked."))
        if self.status == CertificateStatus.SUPERSEDED:
            raise IllegalTransition(
                _("This certificate was replaced; revoke the certificate that replaced it.")
            )
        self.status = CertificateStatus.REVOKED
        self.revoked_at = utcnow()
        self.revocation_reason = reason
        self.revoked_by_id = by_user_id

    def supersede(self) -> None:
        if self.status != CertificateStatus.VALID:
            raise IllegalTransition(_("Only a valid certificate can be re-issued."))
        self.status = CertificateStatus.SUPERSEDED

    def can_view(self, user) -> bool:
        """The full record (PDF download, history); the public verification page shows the snapshot to anyone."""
        if not user.is_authenticated:
            return False
        return user.is_admin or (self.person is not None and self.person.user_id == user.id)

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.is_admin


class CertificateVerification(Base):
    """How often a certificate was checked, per day. Who checked it is deliberately not kept."""

    __tablename__ = "certificate_verifications"
    __table_args__ = (UniqueConstraint("certificate_id", "verified_on"),)

    id: Mapped[intpk]
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"))
    verified_on: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer, default=0)


class SigningKey(Base):
    """Public half and life of an Ed25519 signing key. The private key lives only in DATA_DIR/keys/."""

    __tablename__ = "signing_keys"

    id: Mapped[intpk]
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[created_at]
    retired_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:
        return self.retired_at is None
