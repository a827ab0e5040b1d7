"""GET /api/v1/me."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint

from talent.core.permissions import AUTHENTICATED, access

blp = Blueprint("api_me", __name__, description="The user the token belongs to")


class MeSchema(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    display_name = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    institution_id = ma.fields.Integer(allow_none=True)
    locale = ma.fields.String(allow_none=True)
    timezone = ma.fields.String()


@blp.route("/me")
@blp.response(200, MeSchema)
@blp.doc(security=[{"bearerAuth": []}])
@access(AUTHENTICATED)
def me():
    return current_user
