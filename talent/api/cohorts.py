"""GET|POST /api/v1/cohorts, GET /api/v1/cohorts/{id}, POST /api/v1/cohorts/{id}/close."""

from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from sqlalchemy import select

from talent.api.common import ApiBlueprint, InputSchema, api_access, json_body
from talent.api.pagination import PageArgs, keyset_page, paginated
from talent.api.workshops import CohortDetailSchema, CohortSchema, cohort_detail, with_seats
from talent.core.errors import ValidationFailed
from talent.core.http import problem
from talent.core.permissions import AUTHENTICATED, Role, get_or_404, require, roles
from talent.reference.models import Institution
from talent.workshops import operations, progress
from talent.workshops.models import Cohort, CohortStatus, SessionKind

blp = ApiBlueprint("api_cohorts", __name__, description="Cohorts: runs of a course at a host site")

# Who may manage some cohort; which cohorts is the cohort's own rule (`Cohort.can_manage`).
MANAGERS = roles(Role.ADMIN, Role.INSTITUTION)
MAX_SESSIONS = 400


class SessionCreateSchema(InputSchema):
    held_on = ma.fields.Date(required=True, metadata={"description": "Within the cohort's dates"})
    title = ma.fields.String(required=True, metadata={"maxLength": 200})
    kind = ma.fields.String(
        metadata={"enum": [kind.value for kind in SessionKind], "default": SessionKind.PRACTICE.value}
    )
    hours = ma.fields.Decimal(metadata={"default": 4, "description": "More than 0, at most 24, one decimal"})


class CohortCreateSchema(InputSchema):
    # Types only: what a value may be is the operation's to decide, as for the pages.
    course_id = ma.fields.Integer(strict=True, required=True)
    host_institution_id = ma.fields.Integer(
        data_key="host_id",
        strict=True,
        required=True,
        metadata={"description": "Workshop site, vocational college, university or enterprise running it"},
    )
    partner_institution_id = ma.fields.Integer(
        data_key="partner_id",
        strict=True,
        required=True,
        metadata={"description": "The Chinese partner institution"},
    )
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    language = ma.fields.String(required=True, metadata={"description": "ISO 639-1 code", "example": "fr"})
    capacity = ma.fields.Integer(strict=True, required=True, metadata={"minimum": 1, "maximum": 10_000})
    enrolment_opens_on = ma.fields.Date(required=True)
    enrolment_closes_on = ma.fields.Date(
        required=True, metadata={"description": "On or before the cohort ends"}
    )
    instructors = ma.fields.List(ma.fields.String(metadata={"maxLength": 120}), metadata={"maxItems": 20})
    sessions = ma.fields.List(
        ma.fields.Nested(SessionCreateSchema),
        validate=ma.validate.Length(max=MAX_SESSIONS),
        metadata={"description": "Dated sessions; attendance is recorded per session"},
    )


class CohortListArgs(PageArgs):
    course = ma.fields.Integer(metadata={"description": "Course id"})
    host = ma.fields.Integer(metadata={"description": "Id of the host institution"})
    country = ma.fields.String(
        validate=ma.validate.Regexp(r"^[A-Za-z]{2}$"),
        metadata={"description": "Country of the host site (ISO 3166-1 alpha-2)"},
    )
    status = ma.fields.Enum(CohortStatus, by_value=True)


@blp.route("/cohorts")
@api_access(AUTHENTICATED)
@blp.arguments(CohortListArgs, location="query")
@blp.response(200, paginated(CohortSchema))
def list_cohorts(args):
    """Cohorts, oldest first, with their seats"""
    stmt = select(Cohort)
    if "course" in args:
        stmt = stmt.where(Cohort.course_id == args["course"])
    if "host" in args:
        stmt = stmt.where(Cohort.host_institution_id == args["host"])
    if args.get("country"):
        stmt = stmt.where(Cohort.host.has(Institution.country_code == args["country"].upper()))
    if args.get("status"):
        stmt = stmt.where(Cohort.status == args["status"])
    page = keyset_page(stmt, [Cohort.id], args)
    return {**page, "items": with_seats(page["items"])}


@blp.route("/cohorts", methods=["POST"])
@api_access(MANAGERS)
@json_body(blp, CohortCreateSchema)
@blp.response(HTTPStatus.CREATED, CohortDetailSchema, headers={"Location": {"schema": {"type": "string"}}})
def create_cohort(body):
    """Add a cohort (administrators, and staff of its host site or partner institution)"""
    sessions = body.pop("sessions", [])
    # Staff create cohorts only where they could manage them: the cohort's own rule decides.
    require(
        Cohort(
            host_institution_id=body["host_institution_id"],
            partner_institution_id=body["partner_institution_id"],
        ),
        "manage",
    )
    actor = current_user._get_current_object()
    cohort = operations.create_cohort(**body, actor=actor)
    for index, values in enumerate(sessions):
        try:
            operations.add_session(cohort, **values, actor=actor)
        except ValidationFailed as error:
            field = {error.field: [error.message]} if error.field else {"_schema": [error.message]}
            return problem(
                HTTPStatus.UNPROCESSABLE_ENTITY,
                HTTPStatus.UNPROCESSABLE_ENTITY.phrase,
                error.message,
                errors={"sessions": {str(index): field}},
            )
    return cohort_detail(cohort), {"Location": url_for(".get_cohort", cohort_id=cohort.id)}


@blp.route("/cohorts/<int:cohort_id>")
@api_access(AUTHENTICATED)
@blp.response(200, CohortDetailSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
def get_cohort(cohort_id: int):
    """One cohort with its sessions"""
    return cohort_detail(get_or_404(Cohort, cohort_id, "view"))


@blp.route("/cohorts/<int:cohort_id>/close", methods=["POST"])
@api_access(MANAGERS)
@blp.response(200, CohortDetailSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
@blp.alt_response(HTTPStatus.UNPROCESSABLE_ENTITY, response="UNPROCESSABLE_ENTITY")
def close_cohort(cohort_id: int):
    """Close a cohort (cohort managers)

    Fixes each enrolled trainee's outcome (completed or not, with the reasons); those still
    pending or waitlisted are withdrawn. A closed cohort changes no more.
    """
    cohort = get_or_404(Cohort, cohort_id, "manage")
    progress.close_cohort(cohort, actor=current_user._get_current_object())
    return cohort_detail(cohort)
