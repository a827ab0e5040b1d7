"""GET /api/v1/countries."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import func, select

from talent.api.common import ApiBlueprint, api_access
from talent.api.pagination import PageArgs, keyset_page, paginated
from talent.core.permissions import AUTHENTICATED
from talent.reference.models import Country

blp = ApiBlueprint("api_countries", __name__, description="Countries (ISO 3166-1) with their UN M49 region")


class CountrySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2 code"})
    name = ma.fields.String(required=True)
    region = ma.fields.String(required=True, metadata={"description": "UN M49 region, e.g. Africa"})
    subregion = ma.fields.String(required=True)
    is_global_south = ma.fields.Boolean(
        required=True, metadata={"description": "Member of the G77, or China"}
    )


class CountryListArgs(PageArgs):
    global_south = ma.fields.Boolean(
        metadata={"description": "Only Global South countries (true) or only others"}
    )
    region = ma.fields.String(metadata={"description": "UN M49 region name, any case, e.g. africa"})


@blp.route("/countries")
@api_access(AUTHENTICATED)
@blp.arguments(CountryListArgs, location="query")
@blp.response(200, paginated(CountrySchema))
def list_countries(args):
    """Countries, by code"""
    stmt = select(Country)
    if "global_south" in args:
        stmt = stmt.where(Country.is_global_south == args["global_south"])
    if args.get("region"):
        stmt = stmt.where(func.lower(Country.region) == args["region"].strip().lower())
    return keyset_page(stmt, [Country.code], args)
