"""GET|POST /api/v1/cohorts/{id}/enrolments, POST /api/v1/enrolments/{id}/withdraw,
PUT /api/v1/enrolments/{id}/attendance and PUT /api/v1/enrolments/{id}/assessment.

POST /cohorts/{id}/enrolments takes one item (`{"person_id": n}` or `{"person": {...}}`) or a
list of them under `"items"`. One item answers 201 (a new enrolment) or 200 (the person was
already there, so retries are harmless). A list always answers 200 with one result per item, in
order: `{"index", "status", "enrolment"}` or `{"index", "status", "error": problem}`; each item is
all or nothing, and one bad item does not hold back the others.
"""

from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import select

from talent.api.cohorts import MANAGERS
from talent.api.common import ApiBlueprint, InputSchema, ProblemSchema, api_access, json_body
from talent.api.pagination import PageArgs, keyset_page, paginated
from talent.api.workshops import (
    AttendanceSchema,
    EnrolmentSchema,
    enrolments_by_id,
    enrolments_of,
    load_enrolment,
)
from talent.core.errors import DomainError, ValidationFailed
from talent.core.http import problem
from talent.core.permissions import AUTHENTICATED, deny, get_or_404, require
from talent.extensions import db
from talent.reference import operations as people
from talent.reference.models import Person
from talent.workshops import enrolment as enrolments
from talent.workshops import progress
from talent.workshops.enrolment_queries import pickable_person
from talent.workshops.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
)

blp = ApiBlueprint(
    "api_enrolments",
    __name__,
    description="Enrolments: who takes part in a cohort, their attendance, scores and outcome",
)

MAX_ITEMS = 200
MAX_REASON = 500
# What create_person calls a value → what the `person` object calls it.
_PERSON_FIELDS = {
    "name_latin": "name",
    "name_native": "name_native",
    "email": "email",
    "nationality_code": "nationality",
    "born_on": "date_of_birth",
}


# --- bodies --------------------------------------------------------------------------------


class NewPersonSchema(InputSchema):
    name_latin = ma.fields.String(
        data_key="name",
        required=True,
        metadata={"maxLength": 200, "description": "As in the passport, in Latin letters"},
    )
    name_native = ma.fields.String(allow_none=True, metadata={"maxLength": 200, "description": "Own script"})
    email = ma.fields.String(
        required=True,
        metadata={
            "maxLength": 254,
            "description": "A person already known by this address is enrolled as they are, and the "
            "other fields are not used; otherwise a person is made from them. It makes a retry "
            "enrol the same person instead of a copy.",
        },
    )
    nationality_code = ma.fields.String(
        data_key="nationality",
        allow_none=True,
        metadata={"description": "ISO 3166-1 alpha-2", "example": "KE"},
    )
    born_on = ma.fields.Date(data_key="date_of_birth", allow_none=True)


def _exactly_one(data: dict, names: tuple[str, ...]) -> None:
    given = [name for name in names if name in data]
    if len(given) != 1:
        message = _("Give exactly one of: %(fields)s.", fields=", ".join(names))
        raise ma.ValidationError({name: [message] for name in given or names})


class EnrolmentItemSchema(InputSchema):
    person_id = ma.fields.Integer(strict=True, metadata={"description": "An existing person"})
    person = ma.fields.Nested(NewPersonSchema, metadata={"description": "Someone to find or add by e-mail"})

    @ma.validates_schema
    def _one_person(self, data, **kwargs):
        _exactly_one(data, ("person_id", "person"))


class _ItemList(ma.fields.List):
    """Documented as a list of items, but read one by one later, so that one bad item gets its
    own error instead of refusing the whole list."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise self.make_error("invalid")
        return list(value)


class EnrolmentRequestSchema(EnrolmentItemSchema):
    items = _ItemList(
        ma.fields.Nested(EnrolmentItemSchema),
        validate=ma.validate.Length(min=1, max=MAX_ITEMS),
        metadata={"description": "Several people at once; each gets its own result"},
    )

    @ma.validates_schema
    def _one_person(self, data, **kwargs):
        _exactly_one(data, ("person_id", "person", "items"))


class EnrolmentResultSchema(ma.Schema):
    index = ma.fields.Integer(
        required=True, metadata={"description": "Place of the item in the request, from 0"}
    )
    status = ma.fields.Integer(
        required=True,
        metadata={
            "description": "201: enrolled or waitlisted now; 200: was already there; 4xx: refused, see error"
        },
    )
    enrolment = ma.fields.Nested(EnrolmentSchema)
    error = ma.fields.Nested(ProblemSchema)


class EnrolmentResultsSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EnrolmentResultSchema), required=True)


class EnrolmentListArgs(PageArgs):
    status = ma.fields.Enum(
        EnrolmentStatus,
        by_value=True,
        metadata={"description": "Only enrolments in this state; waitlisted ones come in waitlist order"},
    )


class WithdrawSchema(InputSchema):
    reason = ma.fields.String(
        metadata={"maxLength": MAX_REASON, "description": "Kept in the enrolment's history"}
    )


class AttendanceInputSchema(InputSchema):
    session_id = ma.fields.Integer(
        strict=True, required=True, metadata={"description": "A session of the cohort"}
    )
    status = ma.fields.String(required=True, metadata={"enum": [status.value for status in AttendanceStatus]})


class AssessmentSchema(InputSchema):
    theory = ma.fields.Decimal(
        required=True,
        allow_none=True,
        metadata={"minimum": 0, "maximum": 100, "description": "At most two decimals; null: no score yet"},
    )
    practical = ma.fields.Decimal(
        required=True,
        allow_none=True,
        metadata={"minimum": 0, "maximum": 100, "description": "At most two decimals; null: no score yet"},
    )


# --- enrolling -----------------------------------------------------------------------------


def _problem_body(status: int, detail: str, errors: dict | None = None) -> dict:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return body


def _refusal(error: DomainError) -> dict:
    """The problem for an item the rules refused, naming its field as the request does."""
    errors = None
    if error.field in _PERSON_FIELDS:
        errors = {"person": {_PERSON_FIELDS[error.field]: [error.message]}}
    elif error.field:
        errors = {error.field: [error.message]}
    return _problem_body(error.status_code, error.message, errors)


def _invalid(messages) -> dict:
    if not isinstance(messages, dict):
        messages = {"_schema": messages}
    fields = sorted(str(name) for name in messages if name != "_schema")
    if fields:
        detail = _("Some fields are not valid: %(fields)s.", fields=", ".join(fields))
    else:
        detail = " ".join(map(str, messages["_schema"]))
    return _problem_body(HTTPStatus.UNPROCESSABLE_ENTITY, detail, messages)


def _person_for(item: dict, actor) -> Person:
    if "person_id" in item:
        # Same rule as the enrol page: staff pick only people they already deal with (an unknown
        # id and someone else's trainee answer alike, so ids cannot be probed).
        person = pickable_person(actor, item["person_id"], "")
        if person is None:
            raise ValidationFailed(_("There is no person with this id."), field="person_id")
        return person
    values = dict(item["person"])
    found = people.find_person_by_email(values["email"])
    if found is not None:
        return found
    return people.create_person(**values, actor=actor)


def _enrol(cohort: Cohort, item: dict, actor) -> enrolments.EnrolResult:
    """One item, all or nothing: a person made for it goes again if the enrolment is refused."""
    with db.session.begin_nested():
        person = _person_for(item, actor)
        return enrolments.enrol(cohort, person, source=EnrolmentSource.API, actor=actor)


def _emails_of(items: list) -> list[str]:
    """The e-mail addresses of the new people a list of items describes, as sent (not yet checked)."""
    described = (item.get("person") for item in items if isinstance(item, dict))
    return [str(person.get("email") or "") for person in described if isinstance(person, dict)]


def _enrol_items(cohort: Cohort, items: list, actor):
    results = []
    for index, raw in enumerate(items):
        try:
            item = EnrolmentItemSchema().load(raw)
        except ma.ValidationError as error:
            results.append({"index": index, "status": 422, "error": _invalid(error.messages)})
            continue
        try:
            result = _enrol(cohort, item, actor)
        except DomainError as error:
            results.append({"index": index, "status": error.status_code, "error": _refusal(error)})
            continue
        status = HTTPStatus.CREATED if result.created else HTTPStatus.OK
        results.append({"index": index, "status": int(status), "enrolment": result.enrolment.id})
    loaded = enrolments_by_id([r["enrolment"] for r in results if "enrolment" in r])
    for result in results:
        if "enrolment" in result:
            result["enrolment"] = loaded[result["enrolment"]]
    return jsonify(EnrolmentResultsSchema().dump({"items": results}))


def _managed_cohort(cohort_id: int) -> Cohort:
    return get_or_404(Cohort, cohort_id, "manage")


@blp.route("/cohorts/<int:cohort_id>/enrolments", methods=["POST"])
@api_access(MANAGERS)
@json_body(blp, EnrolmentRequestSchema)
@blp.response(HTTPStatus.CREATED, EnrolmentSchema, description="The person is enrolled or waitlisted now")
@blp.alt_response(
    HTTPStatus.OK,
    schema={"oneOf": [EnrolmentSchema, EnrolmentResultsSchema]},
    description="One item: the person was already in the cohort (nothing changed). "
    "A list: one result per item, in order.",
)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
def create_enrolments(body, cohort_id: int):
    """Enrol one person or several (cohort managers)

    The body holds exactly one of `person_id`, `person` and `items`. One person answers 201 when
    they are enrolled or waitlisted now, and 200 when they already were (nothing changes, so a
    retry is harmless). `items` answers 200 with a result per item, in order; each item is done
    completely or not at all, and a refused item does not hold back the others.
    """
    cohort = _managed_cohort(cohort_id)
    actor = current_user._get_current_object()
    # Locks in the order every enrolling path takes them (the enrol page, uploads): the cohort,
    # then the addresses of the people who may be new. Taken the other way round, a request and
    # an upload adding the same new person to one cohort would each wait for the other.
    enrolments.lock_cohort(cohort.id)
    if "items" in body:
        people.reserve_new_emails(_emails_of(body["items"]))
        return _enrol_items(cohort, body["items"], actor)
    try:
        result = _enrol(cohort, body, actor)
    except DomainError as error:
        refusal = _refusal(error)
        extra = {"errors": refusal["errors"]} if "errors" in refusal else {}
        return problem(refusal["status"], refusal["title"], refusal["detail"], **extra)
    return load_enrolment(result.enrolment.id), HTTPStatus.CREATED if result.created else HTTPStatus.OK


@blp.route("/cohorts/<int:cohort_id>/enrolments")
@api_access(AUTHENTICATED, object_checks=True)
@blp.arguments(EnrolmentListArgs, location="query")
@blp.response(200, paginated(EnrolmentSchema))
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
def list_enrolments(args, cohort_id: int):
    """A cohort's enrolments: all of them for its managers, their own for its trainees"""
    cohort = get_or_404(Cohort, cohort_id, "view")
    stmt = enrolments_of(cohort)
    if not cohort.can_manage(current_user):
        stmt = stmt.where(Enrolment.person.has(Person.user_id == current_user.id))
        if db.session.execute(stmt.limit(1)).first() is None:
            deny()
    if status := args.get("status"):
        stmt = stmt.where(Enrolment.status == status)
        if status == EnrolmentStatus.WAITLISTED:
            return keyset_page(stmt, [Enrolment.waitlist_position, Enrolment.id], args)
    return keyset_page(stmt, [Enrolment.id], args)


# --- one enrolment -------------------------------------------------------------------------


def _enrolment_or_404(enrolment_id: int, permission: str) -> Enrolment:
    enrolment = load_enrolment(enrolment_id)
    if enrolment is None:
        abort(HTTPStatus.NOT_FOUND)
    require(enrolment, permission)
    return enrolment


@blp.route("/enrolments/<int:enrolment_id>/withdraw", methods=["POST"])
@api_access(AUTHENTICATED, object_checks=True)
@json_body(blp, WithdrawSchema, optional=True)
@blp.response(200, EnrolmentSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
def withdraw_enrolment(body, enrolment_id: int):
    """Withdraw from a cohort (the trainee, or the cohort's managers)

    A freed seat goes to the first on the waitlist at once.
    """
    # Whoever may see an enrolment may end it: the trainee themselves and the cohort's managers.
    enrolment = _enrolment_or_404(enrolment_id, "view")
    reason = people.clean_text(body.get("reason"), "reason", max_length=MAX_REASON) or ""
    enrolments.withdraw(enrolment, actor=current_user._get_current_object(), reason=reason)
    return load_enrolment(enrolment_id)


@blp.route("/enrolments/<int:enrolment_id>/attendance", methods=["PUT"])
@api_access(MANAGERS)
@json_body(blp, AttendanceInputSchema)
@blp.response(200, AttendanceSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
def put_attendance(body, enrolment_id: int):
    """Record or correct a trainee's attendance at one session (cohort managers)"""
    enrolment = _enrolment_or_404(enrolment_id, "manage")
    session = db.session.get(CohortSession, body["session_id"])
    if session is None:
        raise ValidationFailed(_("There is no session with this id."), field="session_id")
    progress.mark_attendance(enrolment, session, body["status"], actor=current_user._get_current_object())
    return db.session.execute(
        select(Attendance).where(Attendance.enrolment_id == enrolment.id, Attendance.session_id == session.id)
    ).scalar_one()


@blp.route("/enrolments/<int:enrolment_id>/assessment", methods=["PUT"])
@api_access(MANAGERS)
@json_body(blp, AssessmentSchema)
@blp.response(200, EnrolmentSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
def put_assessment(body, enrolment_id: int):
    """Set a trainee's theory and practical scores, 0–100 (cohort managers)"""
    enrolment = _enrolment_or_404(enrolment_id, "manage")
    progress.record_scores(
        enrolment, body["theory"], body["practical"], actor=current_user._get_current_object()
    )
    return load_enrolment(enrolment_id)
