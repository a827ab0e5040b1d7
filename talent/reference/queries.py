"""Reads for reference pages: bounded pages, eager loading, and the choices forms offer."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from talent.core.pagination import Page, paginate
from talent.core.permissions import Role
from talent.extensions import db
from talent.reference.models import Country, Institution, InstitutionKind, PartnerStatus, Person
from talent.reference.search import contains_pattern, person_matches

PER_PAGE = 25


def institutions_page(
    *,
    search: str = "",
    kind: InstitutionKind | None = None,
    country_code: str | None = None,
    partner_status: PartnerStatus | None = None,
    number: int | None = None,
    args: dict | None = None,
    per_page: int = PER_PAGE,
) -> Page:
    stmt: Select = select(Institution).options(joinedload(Institution.country))
    if search:
        pattern = contains_pattern(search)
        stmt = stmt.where(
            or_(
                Institution.name.ilike(pattern, escape="\\"),
                Institution.name_native.ilike(pattern, escape="\\"),
                Institution.city.ilike(pattern, escape="\\"),
            )
        )
    if kind:
        stmt = stmt.where(Institution.kind == kind)
    if country_code:
        stmt = stmt.where(Institution.country_code == country_code)
    if partner_status:
        stmt = stmt.where(Institution.partner_status == partner_status)
    stmt = stmt.order_by(Institution.name, Institution.id)
    return paginate(stmt, per_page=per_page, number=number, args=args)


def visible_persons(user) -> Select:
    """Persons `user` may list: everyone for admins, their institution's affiliates for its staff."""
    stmt = select(Person)
    if user.is_admin:
        return stmt
    if Role.INSTITUTION in user.role_set and user.institution_id is not None:
        return stmt.where(Person.affiliation_id == user.institution_id)
    return stmt.where(False)


def persons_page(
    user, *, search: str = "", number: int | None = None, args: dict | None = None, per_page: int = PER_PAGE
) -> Page:
    stmt = visible_persons(user).options(
        joinedload(Person.nationality), joinedload(Person.affiliation).joinedload(Institution.country)
    )
    if search:
        stmt = stmt.where(person_matches(search, email=False))
    stmt = stmt.order_by(Person.name_latin, Person.id)
    return paginate(stmt, per_page=per_page, number=number, args=args)


def country_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Country.code, Country.name).order_by(Country.name))
    return [(code, name) for code, name in rows]


def institution_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Institution.id, Institution.name, Institution.city, Institution.country_code).order_by(
            Institution.name, Institution.id
        )
    )
    return [
        (ident, f"{name} ({city + ', ' if city else ''}{country})") for ident, name, city, country in rows
    ]
