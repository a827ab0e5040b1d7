"""GET|POST /api/v1/courses."""

from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask_login import current_user
from sqlalchemy import select

from talent.api.common import ApiBlueprint, InputSchema, api_access, json_body
from talent.api.pagination import PageArgs, keyset_page, paginated
from talent.core.permissions import ADMIN, AUTHENTICATED
from talent.reference.models import Institution
from talent.workshops import operations
from talent.workshops.models import Cohort, Course

blp = ApiBlueprint("api_courses", __name__, description="Luban workshop courses (the catalogue)")


class CourseSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True, metadata={"example": "LW-ROB-01"})
    title = ma.fields.String(required=True, metadata={"description": "Title in English"})
    titles = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        required=True,
        metadata={
            "description": "Title in other languages: language code → title",
            "example": {"zh": "工业机器人"},
        },
    )
    description = ma.fields.String(required=True)
    field = ma.fields.String(
        attribute="field_code", required=True, allow_none=True, metadata={"description": "ISCED-F 2013 code"}
    )
    isced_level = ma.fields.Integer(
        required=True, allow_none=True, metadata={"description": "ISCED 2011, 0–8"}
    )
    framework_level = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "Level in a national framework"}
    )
    theory_hours = ma.fields.Integer(required=True)
    practice_hours = ma.fields.Integer(required=True)
    practice_share = ma.fields.Integer(
        required=True, metadata={"description": "Per cent of the hours in practice"}
    )
    competencies = ma.fields.List(
        ma.fields.String(), required=True, metadata={"description": "Learning outcomes, in order"}
    )
    theory_weight = ma.fields.Integer(required=True, metadata={"description": "% of the final score"})
    practical_weight = ma.fields.Integer(required=True, metadata={"description": "% of the final score"})
    pass_mark = ma.fields.Integer(required=True, metadata={"description": "Weighted score needed, 0–100"})
    min_attendance_pct = ma.fields.Integer(
        required=True, metadata={"description": "Attendance needed, %; excused sessions do not count"}
    )
    created_at = ma.fields.AwareDateTime(required=True)


class CourseListArgs(PageArgs):
    field = ma.fields.String(metadata={"description": "ISCED-F 2013 code, e.g. 07"})
    level = ma.fields.Integer(metadata={"description": "ISCED 2011 level, 0–8"})
    country = ma.fields.String(
        validate=ma.validate.Regexp(r"^[A-Za-z]{2}$"),
        metadata={"description": "Only courses with a cohort hosted in this country (ISO 3166-1 alpha-2)"},
    )


class CourseCreateSchema(InputSchema):
    # Types only: what a value may be is the operation's to decide, the same for the API and the
    # pages. The limits below document it.
    code = ma.fields.String(
        required=True,
        metadata={"maxLength": 32, "description": "Letters, digits and hyphens; stored in capitals"},
    )
    title = ma.fields.String(required=True, metadata={"maxLength": 200, "description": "Title in English"})
    titles = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": "Titles in the other interface languages: language code → title"},
    )
    description = ma.fields.String()
    field_code = ma.fields.String(
        data_key="field", required=True, metadata={"description": "ISCED-F 2013 broad field, 00 to 10"}
    )
    isced_level = ma.fields.Integer(strict=True, required=True, metadata={"minimum": 0, "maximum": 8})
    framework_level = ma.fields.String(allow_none=True, metadata={"maxLength": 60})
    theory_hours = ma.fields.Integer(strict=True, metadata={"minimum": 0, "default": 0})
    practice_hours = ma.fields.Integer(
        strict=True, metadata={"minimum": 0, "default": 0, "description": "At least one of the hours above 0"}
    )
    competencies = ma.fields.List(
        ma.fields.String(metadata={"maxLength": 300}),
        metadata={"maxItems": 30, "description": "Learning outcomes, in order"},
    )
    theory_weight = ma.fields.Integer(
        strict=True,
        metadata={"default": 30, "description": "% of the final score; with practical_weight, 100"},
    )
    practical_weight = ma.fields.Integer(strict=True, metadata={"default": 70})
    pass_mark = ma.fields.Integer(strict=True, metadata={"minimum": 0, "maximum": 100, "default": 60})
    min_attendance_pct = ma.fields.Integer(
        strict=True, metadata={"minimum": 0, "maximum": 100, "default": 80}
    )


@blp.route("/courses")
@api_access(AUTHENTICATED)
@blp.arguments(CourseListArgs, location="query")
@blp.response(200, paginated(CourseSchema))
def list_courses(args):
    """Courses, oldest first"""
    stmt = select(Course)
    if args.get("field"):
        stmt = stmt.where(Course.field_code == args["field"])
    if "level" in args:
        stmt = stmt.where(Course.isced_level == args["level"])
    if args.get("country"):
        hosted_there = (
            select(Cohort.id)
            .join(Institution, Institution.id == Cohort.host_institution_id)
            .where(Cohort.course_id == Course.id, Institution.country_code == args["country"].upper())
        )
        stmt = stmt.where(hosted_there.exists())
    return keyset_page(stmt, [Course.id], args)


@blp.route("/courses", methods=["POST"])
@api_access(ADMIN)
@json_body(blp, CourseCreateSchema)
@blp.response(HTTPStatus.CREATED, CourseSchema)
def create_course(body):
    """Add a course (administrators)"""
    return operations.create_course(**body, actor=current_user._get_current_object())
