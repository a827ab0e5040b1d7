"""Answering "is this certificate genuine?" — by serial, by token and by the PDF itself — and
counting how often each certificate is checked."""

from __future__ import annotations

import atexit
import functools
import hashlib
import logging
import threading
import time
from collections import Counter
from datetime import date
from types import SimpleNamespace
from typing import IO, Any

from flask import Flask, current_app
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from talent.certificates import signing
from talent.certificates.models import Certificate, CertificateVerification
from talent.certificates.serials import normalise_serial
from talent.extensions import db

log = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
_CHUNK = 1024 * 1024
# Checks are counted in memory and written at most this often per process (Flask config key
# CERTIFICATE_CHECKS_FLUSH_SECONDS overrides it). A write per check would cost every public
# lookup a transaction of its own — on SQLite an fsync and the database's single write lock.
FLUSH_SECONDS = 5.0


def _fresh(stmt):
    # Verification answers with the record as it stands now, even when this session has seen it
    # before (a revocation or a replacement made earlier in the same session shows at once).
    return stmt.options(joinedload(Certificate.superseded_by)).execution_options(populate_existing=True)


def find_by_serial(text: str) -> Certificate | None:
    """The certificate a typed code names, or None; SerialTypo / SerialMalformed pass through."""
    stmt = _fresh(select(Certificate).where(Certificate.serial == normalise_serial(text)))
    return db.session.execute(stmt).unique().scalar_one_or_none()


def find_by_sha256(digest: str) -> Certificate | None:
    stmt = _fresh(select(Certificate).where(Certificate.sha256 == digest))
    return db.session.execute(stmt).unique().scalar_one_or_none()


def find_by_pdf(data: bytes) -> Certificate | None:
    """The certificate whose issued PDF is exactly these bytes (one changed byte: no match)."""
    return find_by_sha256(hashlib.sha256(data).hexdigest())


class UploadRefused(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "not_pdf" or "too_large"


def sha256_of_upload(stream: IO[bytes], max_bytes: int) -> str:
    """SHA-256 of an uploaded file read in chunks, after checking that it is a PDF by its content.

    Raises UploadRefused("not_pdf") when it does not start like a PDF, ("too_large") past `max_bytes`.
    """
    head = stream.read(len(PDF_MAGIC))
    if head != PDF_MAGIC:
        raise UploadRefused("not_pdf")
    digest = hashlib.sha256(head)
    size = len(head)
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise UploadRefused("too_large")
        digest.update(chunk)
    return digest.hexdigest()


# --- the public document ----------------------------------------------------------------------


def _document(record, today: date, supersedes: str | None, superseded_by: str | None) -> dict[str, Any]:
    revocation = None
    if record.revoked_at is not None:
        revocation = {
            "revoked_at": record.revoked_at.isoformat(timespec="seconds"),
            "reason": record.revocation_reason,
        }
    return {
        "serial": record.serial,
        "status": Certificate.public_status(record, today),
        "kind": record.kind.value,
        "holder": {"name": record.holder_name, "name_native": record.holder_name_native},
        "title": record.title,
        "issued_on": record.issued_on.isoformat(),
        "expires_on": record.expires_on.isoformat() if record.expires_on else None,
        "issuer": {"name": record.issuer_name, "country": record.issuer_country},
        "revocation": revocation,
        "supersedes": supersedes,
        "superseded_by": superseded_by,
        "sha256": record.sha256,
        "token": record.token,
        "verify_url": signing.verify_url(record.serial, record.token),
    }


def certificate_json(cert: Certificate, today: date) -> dict[str, Any]:
    """The public certificate document (DESIGN §4), keys in the documented order."""
    return _document(
        cert,
        today,
        cert.supersedes.serial if cert.supersedes else None,
        cert.superseded_by.serial if cert.superseded_by else None,
    )


_DOCUMENT_COLUMNS = (
    "id",
    "serial",
    "status",
    "kind",
    "holder_name",
    "holder_name_native",
    "title",
    "issued_on",
    "expires_on",
    "issuer_name",
    "issuer_country",
    "revoked_at",
    "revocation_reason",
    "sha256",
    "token",
)


@functools.cache
def _lookup_statement():
    # Built once, on the table rather than the mapped class: the busiest public read answers
    # from one row, without the ORM's per-statement work or objects.
    table = Certificate.__table__
    older, newer = table.alias("older"), table.alias("newer")
    return (
        select(
            *(table.c[name] for name in _DOCUMENT_COLUMNS),
            older.c.serial.label("supersedes_serial"),
            newer.c.serial.label("superseded_by_serial"),
        )
        .select_from(
            table.outerjoin(older, older.c.id == table.c.supersedes_id).outerjoin(
                newer, newer.c.supersedes_id == table.c.id
            )
        )
        .where(table.c.serial == bindparam("serial"))
    )


@functools.cache
def _compiled_lookup(dialect) -> tuple[str, bool, tuple[str, ...], list]:
    """The lookup compiled once for `dialect`: its SQL, whether parameters are positional, the
    result's column names and each column's conversion from what the driver returns (dates
    stored as text on SQLite, the kind as an enumeration) — SQLAlchemy's own, for its types."""
    statement = _lookup_statement()
    compiled = statement.compile(dialect=dialect)
    names = tuple(column.name for column in statement.selected_columns)
    processors = [
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    ]
    return compiled.string, bool(compiled.positional), names, processors


def _read_row(connection, dialect, serial: str) -> SimpleNamespace | None:
    """The lookup's row read with the driver's own cursor on `connection` (a pooled driver
    connection), without SQLAlchemy's per-statement work (connection and execution objects,
    events, result wrapping): that work was half of what a lookup cost (0.16 of 0.31 ms), for a
    read of one row by its unique key."""
    sql, positional, names, processors = _compiled_lookup(dialect)
    cursor = connection.cursor()
    try:
        cursor.execute(sql, (serial,) if positional else {"serial": serial})
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        return None
    values = zip(names, processors, row, strict=True)
    return SimpleNamespace(**{name: convert(value) if convert else value for name, convert, value in values})


def lookup_json(text: str, today: date) -> tuple[int, dict[str, Any]] | None:
    """(id, certificate_json) of the certificate a typed code names, or None; like find_by_serial,
    SerialTypo / SerialMalformed pass through. The same document, read the cheap way."""
    serial = normalise_serial(text)
    # Where the session would read, without making a session for it: a session factory bound to
    # one connection (tests) reads through that connection, the application's through its engine.
    bind = db.session.session_factory.kw.get("bind") or db.engine
    if isinstance(bind, Connection):
        row = _read_row(bind.connection, bind.dialect, serial)
    else:
        # Its own short read on a pooled connection, outside the session's transaction: a lookup
        # that writes nothing (the usual case, see record_verification) costs the request no
        # transaction bookkeeping and no COMMIT. Closing gives the connection back to the pool,
        # which ends the read's transaction on PostgreSQL; SQLite's driver connections are in
        # autocommit mode (talent/__init__.py) and never opened one.
        connection = bind.raw_connection()
        try:
            row = _read_row(connection, bind.dialect, serial)
        finally:
            connection.close()
    if row is None:
        return None
    return row.id, _document(row, today, row.supersedes_serial, row.superseded_by_serial)


# --- counting checks --------------------------------------------------------------------------


class _CheckCounts:
    """Checks not yet written, per (certificate id, day), for one app in this process."""

    def __init__(self, app: Flask):
        self.lock = threading.Lock()
        self.pending: Counter[tuple[int, date]] = Counter()
        self.written_at = time.monotonic()
        # What is still pending when the process ends normally (a deploy, a worker recycled) is
        # written then; only a crash loses the last few seconds' counts.
        atexit.register(_write_at_exit, app, self)

    def take(self, *, force: bool, interval: float) -> Counter[tuple[int, date]]:
        with self.lock:
            if not self.pending or not (force or time.monotonic() - self.written_at >= interval):
                return Counter()
            batch, self.pending = self.pending, Counter()
            self.written_at = time.monotonic()
            return batch

    def give_back(self, batch: Counter[tuple[int, date]]) -> None:
        with self.lock:
            self.pending.update(batch)


_counts_lock = threading.Lock()


def _counts() -> _CheckCounts:
    app = current_app._get_current_object()
    counts = app.extensions.get("certificate_checks")
    if counts is None:
        with _counts_lock:
            counts = app.extensions.get("certificate_checks")
            if counts is None:
                counts = app.extensions["certificate_checks"] = _CheckCounts(app)
    return counts


def _upsert():
    table = CertificateVerification.__table__
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.certificate_id, table.c.verified_on],
        set_={"count": table.c.count + stmt.excluded["count"]},
    )


def _write(batch: Counter[tuple[int, date]]) -> None:
    # One statement for the whole batch (executemany), in a stable order so that two processes
    # writing at once lock the rows in the same order.
    rows = [
        {"certificate_id": certificate_id, "verified_on": day, "count": number}
        for (certificate_id, day), number in sorted(batch.items())
    ]
    db.session.execute(_upsert(), rows)


def record_verification(cert: Certificate | int, today: date) -> None:
    """Count one check of `cert` (or a certificate id) on `today`.

    Counts gather in memory and are written every FLUSH_SECONDS at most, by upserts that add them
    to each day's count — atomic whatever other processes write at the same time — in the
    caller's transaction (views count only answers they are about to send).
    Call it last in a request, once the answer is ready: on SQLite a transaction that has read
    may not write once another connection has written since (its snapshot is stale, and waiting
    cannot help); that transaction only read, so it is ended and the counts written in a fresh
    one, whose first statement is the write and so waits its turn for the lock.
    """
    counts = _counts()
    with counts.lock:
        counts.pending[(cert if isinstance(cert, int) else cert.id, today)] += 1
    flush_verifications(force=False)


def flush_verifications(*, force: bool = True) -> None:
    """Write the counted checks now (force) or when they are due; the caller's transaction commits."""
    counts = _counts()
    interval = float(current_app.config.get("CERTIFICATE_CHECKS_FLUSH_SECONDS", FLUSH_SECONDS))
    batch = counts.take(force=force, interval=interval)
    if not batch:
        return
    try:
        try:
            _write(batch)
        except OperationalError:
            db.session.rollback()
            _write(batch)
    except OperationalError:
        db.session.rollback()
        counts.give_back(batch)  # kept for the next write; the check itself was answered
        log.warning("certificate checks not written yet; kept for the next attempt", exc_info=True)


def _write_at_exit(app: Flask, counts: _CheckCounts) -> None:
    batch = counts.take(force=True, interval=0)
    if not batch:
        return
    try:
        with app.app_context():
            _write(batch)
            db.session.commit()
    except Exception:  # the process is ending: say what is lost rather than fail the exit
        log.exception("could not write %d certificate checks at exit", sum(batch.values()))
