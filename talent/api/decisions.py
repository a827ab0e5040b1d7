"""POST /api/v1/applications/{id}/decision (programme office) and POST /api/v1/applications/{id}/offer
(the applicant answers their offer).

Same rules as the pages (talent.programmes.decisions): a decision that breaks the call's total or a
country's quota is answered 409 with the reason as the problem's `detail`, and changes nothing;
an offer answered after its deadline is answered 409 too.
"""

from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask_login import current_user
from flask_smorest import abort

from talent.api.applications import ApplicationSchema
from talent.api.common import ApiBlueprint, InputSchema, api_access, json_body
from talent.core.permissions import ADMIN, AUTHENTICATED, get_or_404, require
from talent.programmes import decisions
from talent.programmes.admin_queries import load_application
from talent.programmes.models import Application, ApplicationStatus

blp = ApiBlueprint("api_decisions", __name__, description="Programmes: decisions")


class DecisionInputSchema(InputSchema):
    decision = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(
            [
                ApplicationStatus.ACCEPTED.value,
                ApplicationStatus.WAITLISTED.value,
                ApplicationStatus.REJECTED.value,
            ]
        ),
        metadata={
            "description": "accepted: offer a place (checked against the quotas); waitlisted; rejected"
        },
    )
    note = ma.fields.String(
        allow_none=True,
        validate=ma.validate.Length(max=decisions.NOTE_MAX_LENGTH),
        metadata={
            "description": "Kept with the decision for the programme office; not sent to the applicant"
        },
    )


class OfferInputSchema(InputSchema):
    answer = ma.fields.String(required=True, validate=ma.validate.OneOf(["accept", "decline"]))


class ApplicationDecisionSchema(ApplicationSchema):
    """An application (as `Application`) with where it stands after a decision."""

    waitlist_rank = ma.fields.Integer(
        required=True, allow_none=True, metadata={"description": "1 is offered the next freed place"}
    )
    decided_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    decision_note = ma.fields.String(
        allow_none=True, metadata={"description": "The programme office's note (programme office only)"}
    )

    @ma.post_dump
    def _note_for_office_only(self, data, **kwargs):
        if not (current_user and current_user.is_authenticated and current_user.is_admin):
            data.pop("decision_note", None)
        return data


@blp.route("/applications/<int:application_id>/decision", methods=["POST"])
@api_access(ADMIN)
@json_body(blp, DecisionInputSchema)
@blp.response(200, ApplicationDecisionSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
@blp.alt_response(HTTPStatus.CONFLICT, response="CONFLICT")
@blp.alt_response(HTTPStatus.UNPROCESSABLE_ENTITY, response="UNPROCESSABLE_ENTITY")
def decide(body, application_id: int):
    """Accept, waitlist or reject an application (programme office)

    Accepting offers a place with a deadline to answer (the call's offer days). It is refused with
    409 when the call's total quota or the applicant's country quota is full; the reason is the
    problem's `detail`. Waitlisted applications are ranked by mean weighted score.
    """
    application = get_or_404(Application, application_id, "manage")
    decisions.decide(
        application, body["decision"], actor=current_user._get_current_object(), note=body.get("note")
    )
    return application


@blp.route("/applications/<int:application_id>/offer", methods=["POST"])
@api_access(AUTHENTICATED, object_checks=True)
@json_body(blp, OfferInputSchema)
@blp.response(200, ApplicationDecisionSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
@blp.alt_response(HTTPStatus.CONFLICT, response="CONFLICT")
def answer_offer(body, application_id: int):
    """Accept or decline the offer of a place (the applicant, before the deadline)

    A declined place is offered at once to the first waitlisted applicant the quotas allow.
    """
    application = load_application(application_id)
    if application is None:
        abort(HTTPStatus.NOT_FOUND)
    require(application, "edit")  # the applicant themselves
    decisions.answer_offer(application, body["answer"] == "accept", actor=current_user._get_current_object())
    return application
