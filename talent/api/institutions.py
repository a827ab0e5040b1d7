"""GET|POST /api/v1/institutions, GET /api/v1/institutions/{id}."""

from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from sqlalchemy import or_, select

from talent.api.common import ApiBlueprint, InputSchema, api_access, json_body
from talent.api.pagination import PageArgs, keyset_page, paginated
from talent.core.permissions import ADMIN, AUTHENTICATED, get_or_404
from talent.reference import operations
from talent.reference.models import Institution, InstitutionKind, PartnerStatus

blp = ApiBlueprint("api_institutions", __name__, description="Partner institutions")

KINDS = [kind.value for kind in InstitutionKind]
PARTNER_STATUSES = [status.value for status in PartnerStatus]


class InstitutionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    name_native = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "Name in native script"}
    )
    kind = ma.fields.Enum(InstitutionKind, by_value=True, required=True)
    country = ma.fields.String(
        attribute="country_code", required=True, metadata={"description": "ISO 3166-1 alpha-2 code"}
    )
    city = ma.fields.String(required=True)
    website = ma.fields.String(required=True, allow_none=True)
    partner_status = ma.fields.Enum(PartnerStatus, by_value=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class InstitutionCreateSchema(InputSchema):
    # Types only: what a value may be (length, known country, web address …) is the operation's
    # to decide, the same for the API and the pages. The limits below document it.
    name = ma.fields.String(required=True, metadata={"maxLength": 200})
    name_native = ma.fields.String(allow_none=True, metadata={"maxLength": 200})
    kind = ma.fields.String(required=True, metadata={"enum": KINDS})
    country_code = ma.fields.String(
        data_key="country",
        required=True,
        metadata={"description": "ISO 3166-1 alpha-2 code", "example": "KE"},
    )
    city = ma.fields.String(metadata={"maxLength": 120})
    website = ma.fields.String(allow_none=True, metadata={"description": "http:// or https:// address"})
    partner_status = ma.fields.String(
        metadata={"enum": PARTNER_STATUSES, "default": PartnerStatus.PROSPECTIVE.value}
    )


class InstitutionListArgs(PageArgs):
    q = ma.fields.String(metadata={"description": "Text in the name, native name or city (any case)"})
    country = ma.fields.String(
        validate=ma.validate.Regexp(r"^[A-Za-z]{2}$"), metadata={"description": "ISO 3166-1 alpha-2 code"}
    )
    kind = ma.fields.Enum(InstitutionKind, by_value=True)


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@blp.route("/institutions")
@api_access(AUTHENTICATED)
@blp.arguments(InstitutionListArgs, location="query")
@blp.response(200, paginated(InstitutionSchema))
def list_institutions(args):
    """Institutions, oldest first"""
    stmt = select(Institution)
    if text := (args.get("q") or "").strip():
        pattern = _contains(text)
        stmt = stmt.where(
            or_(
                Institution.name.ilike(pattern, escape="\\"),
                Institution.name_native.ilike(pattern, escape="\\"),
                Institution.city.ilike(pattern, escape="\\"),
            )
        )
    if args.get("country"):
        stmt = stmt.where(Institution.country_code == args["country"].upper())
    if args.get("kind"):
        stmt = stmt.where(Institution.kind == args["kind"])
    return keyset_page(stmt, [Institution.id], args)


@blp.route("/institutions", methods=["POST"])
@api_access(ADMIN)
@json_body(blp, InstitutionCreateSchema)
@blp.response(HTTPStatus.CREATED, InstitutionSchema, headers={"Location": {"schema": {"type": "string"}}})
def create_institution(body):
    """Add an institution (administrators)"""
    institution = operations.create_institution(**body, actor=current_user._get_current_object())
    return institution, {"Location": url_for(".get_institution", institution_id=institution.id)}


@blp.route("/institutions/<int:institution_id>")
@api_access(AUTHENTICATED)
@blp.response(200, InstitutionSchema)
def get_institution(institution_id: int):
    """One institution"""
    return get_or_404(Institution, institution_id, "view")
