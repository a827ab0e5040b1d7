"""GET /api/v1/me."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user

from talent.api.common import ApiBlueprint, api_access
from talent.core.permissions import AUTHENTICATED

blp = ApiBlueprint("api_me", __name__, description="The user the token belongs to")


class MeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    email = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)
    roles = ma.fields.List(
        ma.fields.String(metadata={"enum": ["applicant", "institution", "reviewer", "admin"]}), required=True
    )
    institution_id = ma.fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "The institution an institution user works for"},
    )
    locale = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Chosen interface language; null: not chosen"},
    )
    timezone = ma.fields.String(
        required=True, metadata={"description": "IANA time zone, e.g. Africa/Nairobi"}
    )


@blp.route("/me")
@api_access(AUTHENTICATED)
@blp.response(200, MeSchema)
def me():
    """The account the token belongs to"""
    return current_user
