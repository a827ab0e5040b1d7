"""What every API endpoint shares: its blueprint class, access rule with documentation, JSON bodies
and the RFC 9457 problem documents its errors are answered with."""

from __future__ import annotations

import functools
from http import HTTPStatus

import marshmallow as ma
from flask import g, request
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort

from talent.core.errors import DomainError
from talent.core.http import problem
from talent.core.permissions import AUTHENTICATED, Rule, access

SECURITY_SCHEME = "bearerAuth"
PROBLEM_CONTENT_TYPE = "application/problem+json"


class InputSchema(ma.Schema):
    """Base for request bodies: a field the API does not know is an error, not silently dropped."""

    class Meta:
        unknown = ma.RAISE


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    type = ma.fields.String(
        required=True,
        metadata={"description": "URI naming the kind of problem; about:blank for plain HTTP errors"},
    )
    title = ma.fields.String(required=True, metadata={"description": "Short summary of the kind of problem"})
    status = ma.fields.Integer(required=True, metadata={"description": "The HTTP status code"})
    detail = ma.fields.String(
        metadata={"description": "What went wrong with this request, for a person to read"}
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(),
        metadata={
            "description": "Invalid fields: field name → list of messages (nested objects for nested fields)"
        },
    )


def document_problems(spec) -> None:
    """Describe every error response as problem+json.

    flask-smorest refers to responses by status name (UNPROCESSABLE_ENTITY, …) and registers them
    lazily; registering them again lazily, before any path refers to them, replaces its defaults.
    """
    for status in HTTPStatus:
        if status >= 400:
            spec.components.response(status.name, _problem_response(status.phrase), lazy=True)
    spec.components.response("DEFAULT_ERROR", _problem_response("Unexpected error"), lazy=True)
    # flask-smorest registers its own error and page-header schemas on start; errors here are
    # Problems and pages use cursors, so those schemas would only mislead a reader.
    for unused in ("Error", "PaginationMetadata"):
        spec.components.schemas.pop(unused, None)
    spec.components.security_scheme(
        SECURITY_SCHEME,
        {"type": "http", "scheme": "bearer", "description": "An API token: `talent token create EMAIL`"},
    )


def _problem_response(description: str) -> dict:
    return {"description": description, "content": {PROBLEM_CONTENT_TYPE: {"schema": ProblemSchema}}}


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose domain errors become problem documents naming the field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_error_handler(DomainError, domain_error_problem)


def domain_error_problem(error: DomainError):
    extra = {}
    if error.field:
        extra["errors"] = {_public_field_name(error.field): [error.message]}
    return problem(error.status_code, HTTPStatus(error.status_code).phrase, error.message, **extra)


def _public_field_name(field: str) -> str:
    """Operations name model attributes (`country_code`); the body may call it otherwise (`country`)."""
    schema = g.get("api_body_schema")
    if schema is not None:
        for name, schema_field in schema.fields.items():
            if (schema_field.attribute or name) == field:
                return schema_field.data_key or name
    return field


def api_access(rule: Rule, *, object_checks: bool = False):
    """`@access(rule)` plus its documentation: the bearer scheme and the 401/403 answers.

    Place it right under `@blp.route`, so that access is decided before the body is read.
    `object_checks` documents the 403 of object-level rules on routes any user may call.
    """

    def decorator(view):
        responses: dict = {}
        doc: dict = {"responses": responses}
        if rule.needs_login:
            doc["security"] = [{SECURITY_SCHEME: []}]
            responses[401] = "UNAUTHORIZED"
            if rule is not AUTHENTICATED or object_checks:
                responses[403] = "FORBIDDEN"
        return Blueprint.doc(**doc)(access(rule)(view))

    return decorator


def json_body(blp: Blueprint, schema, *, optional: bool = False, **kwargs):
    """`@blp.arguments(schema)` for a JSON body, refusing other content types with 415 first.

    With `optional`, the body may be left out altogether (an empty request is not refused)."""
    instance = schema() if isinstance(schema, type) else schema
    if optional:
        kwargs.setdefault("required", False)

    def decorator(view):
        parsed = blp.arguments(instance, location="json", **kwargs)(view)

        @functools.wraps(parsed)
        def wrapper(*args, **kw):
            has_body = bool(request.get_data(cache=True)) or not optional
            if has_body and not request.is_json:
                abort(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    message=_(
                        "Send the request body as JSON, with the header Content-Type: application/json."
                    ),
                )
            g.api_body_schema = instance
            return parsed(*args, **kw)

        wrapper._apidoc.setdefault("arguments", {}).setdefault("responses", {}).update(
            {400: "BAD_REQUEST", 415: "UNSUPPORTED_MEDIA_TYPE"}
        )
        return wrapper

    return decorator
