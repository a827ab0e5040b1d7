"""Reads for the applicant's pages: one application with what its page shows, and my applications."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from talent.core.pagination import Page, paginate
from talent.extensions import db
from talent.programmes.models import Application, ApplicationDocument, Call
from talent.reference.models import Person


def _with_call_and_person(stmt):
    return stmt.options(joinedload(Application.call), joinedload(Application.person))


def load_application(application_id: int, *, lock: bool = False) -> Application | None:
    """The application with its call and applicant loaded; with `lock`, its row is locked until the
    transaction ends, so two requests changing it (save, upload, submit…) run one after the other."""
    stmt = _with_call_and_person(select(Application).where(Application.id == application_id))
    if lock:
        stmt = stmt.with_for_update(of=Application).execution_options(populate_existing=True)
    return db.session.execute(stmt).unique().scalar_one_or_none()


def application_of(call_id: int, person_id: int) -> Application | None:
    stmt = select(Application).where(Application.call_id == call_id, Application.person_id == person_id)
    return db.session.execute(_with_call_and_person(stmt)).unique().scalar_one_or_none()


def documents_of(application: Application) -> list[ApplicationDocument]:
    return list(
        db.session.execute(
            select(ApplicationDocument)
            .where(ApplicationDocument.application_id == application.id)
            .order_by(ApplicationDocument.doc_type)
        ).scalars()
    )


def document_of(application: Application, document_id: int) -> ApplicationDocument | None:
    return db.session.execute(
        select(ApplicationDocument).where(
            ApplicationDocument.id == document_id, ApplicationDocument.application_id == application.id
        )
    ).scalar_one_or_none()


def documents_by_application(application_ids: list[int]) -> dict[int, list[ApplicationDocument]]:
    """Documents of several applications in one query (API lists)."""
    found: dict[int, list[ApplicationDocument]] = {app_id: [] for app_id in application_ids}
    if not application_ids:
        return found
    rows = db.session.execute(
        select(ApplicationDocument)
        .where(ApplicationDocument.application_id.in_(application_ids))
        .order_by(ApplicationDocument.application_id, ApplicationDocument.doc_type)
    ).scalars()
    for document in rows:
        found[document.application_id].append(document)
    return found


def mine(user):
    """Statement for `user`'s applications, newest first (their person record is the link)."""
    return (
        select(Application)
        .join(Person, Person.id == Application.person_id)
        .where(Person.user_id == user.id)
        .options(joinedload(Application.call).joinedload(Call.programme))
    )


def my_applications_page(user, *, per_page: int) -> Page:
    """One page of `user`'s applications: two queries, whatever the number of rows."""
    stmt = mine(user).order_by(Application.id.desc())
    return paginate(stmt, per_page=per_page)
