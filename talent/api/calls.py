"""GET /api/v1/calls and /api/v1/calls/{id}: calls for applications, readable without a token.

Unpublished calls answer 404, as an id that does not exist, to all but administrators.
"""

from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort

from talent.api.common import ApiBlueprint, api_access
from talent.api.pagination import PageArgs, keyset_page, paginated
from talent.core.db import utcnow
from talent.core.permissions import PUBLIC
from talent.extensions import db
from talent.programmes import call_queries, eligibility
from talent.programmes.models import Call, DocumentType, ProgrammeKind

blp = ApiBlueprint("api_calls", __name__, description="Programmes: calls for applications")


class ProgrammeRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    # Validated as a list of values (not an Enum field) so a kind dumps the same as a plain string.
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([kind.value for kind in ProgrammeKind]))
    name = ma.fields.String(required=True, metadata={"description": "Name in English"})


class CriterionSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "merit"})
    label = ma.fields.String(required=True)
    weight = ma.fields.Integer(
        required=True, metadata={"description": "Per cent of the weighted score; the weights total 100"}
    )
    guidance = ma.fields.String(required=True, metadata={"description": "What reviewers look for"})


class CallSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    programme = ma.fields.Nested(ProgrammeRefSchema, required=True)
    title = ma.fields.String(required=True, metadata={"description": "Title in English"})
    titles = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        required=True,
        metadata={"description": "Title in other languages: language code → title"},
    )
    description = ma.fields.String(required=True)
    opens_at = ma.fields.AwareDateTime(required=True)
    closes_at = ma.fields.AwareDateTime(
        required=True, metadata={"description": "Nothing is submitted after it, except with an extension"}
    )
    time_zone = ma.fields.String(
        required=True,
        metadata={"description": "IANA zone the call's times are set in", "example": "Asia/Shanghai"},
    )
    is_published = ma.fields.Boolean(required=True)
    is_open = ma.fields.Boolean(required=True, metadata={"description": "Taking applications now"})
    eligibility_rules = ma.fields.List(
        ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw()),
        required=True,
        metadata={
            "description": "Rules as data: {rule: nationality_in, countries: [..]}, {rule: global_south}, "
            "{rule: not_host_country}, {rule: min_age|max_age, years} (age on the closing date in the "
            "call's zone), {rule: min_isced_level, level}, {rule: language_certificate, language}",
            "example": [{"rule": "global_south"}, {"rule": "max_age", "years": 35}],
        },
    )
    eligibility = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "The same rules in plain words, in the request's language, in order"},
    )
    required_documents = ma.fields.List(
        ma.fields.Enum(DocumentType, by_value=True),
        required=True,
        metadata={
            "description": "Documents an application needs, a language certificate included when a rule asks"
        },
    )
    rubric = ma.fields.List(ma.fields.Nested(CriterionSchema), required=True)
    scale = ma.fields.List(
        ma.fields.Integer(),
        required=True,
        metadata={"description": "Scores a reviewer may give", "example": [1, 5]},
    )
    reviewers_per_application = ma.fields.Integer(required=True)
    is_blind_review = ma.fields.Boolean(
        required=True, metadata={"description": "Reviewers see no name, nationality or institution"}
    )
    quota_total = ma.fields.Integer(
        required=True, allow_none=True, metadata={"description": "null: no limit"}
    )
    country_quotas = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        metadata={
            "description": "ISO 3166-1 alpha-2 code → most places for its nationals",
            "example": {"KE": 2},
        },
    )


class CallListArgs(PageArgs):
    kind = ma.fields.Enum(
        ProgrammeKind, by_value=True, metadata={"description": "Only this kind of programme"}
    )


class CallView:
    """A call with what the API adds to it (open now, rules in words, documents to upload)."""

    scale = [1, 5]

    def __init__(self, call: Call, now):
        self._call = call
        self.is_open = call.is_open(now)
        self.eligibility = eligibility.describe_all(call)
        self.required_documents = eligibility.required_documents(call)

    def __getattr__(self, name):
        return getattr(self._call, name)


@blp.route("/calls")
@api_access(PUBLIC)
@blp.arguments(CallListArgs, location="query")
@blp.response(200, paginated(CallSchema))
def list_calls(args):
    """Calls open for applications now (public), oldest first"""
    now = utcnow()
    stmt = call_queries.open_calls(now)
    if args.get("kind"):
        stmt = stmt.where(Call.programme.has(kind=args["kind"]))
    page = keyset_page(stmt, [Call.id], args)
    return {"items": [CallView(call, now) for call in page["items"]], "next": page["next"]}


@blp.route("/calls/<int:call_id>")
@api_access(PUBLIC)
@blp.response(200, CallSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
def get_call(call_id: int):
    """One call (public once published)"""
    call = db.session.get(Call, call_id)
    if call is None or not call.can_view(current_user):
        abort(HTTPStatus.NOT_FOUND, message=_("There is no call with this number."))
    return CallView(call, utcnow())
