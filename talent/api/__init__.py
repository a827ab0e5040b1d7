"""The JSON API under /api/v1, documented at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask

from talent.extensions import api, csrf


def register_api(app: Flask) -> None:
    from talent.api.applications import blp as applications_blp
    from talent.api.calls import blp as calls_blp
    from talent.api.certificates import blp as certificates_blp
    from talent.api.cohorts import blp as cohorts_blp
    from talent.api.common import ApiBlueprint, document_problems
    from talent.api.countries import blp as countries_blp
    from talent.api.courses import blp as courses_blp
    from talent.api.decisions import blp as decisions_blp
    from talent.api.enrolments import blp as enrolments_blp
    from talent.api.institutions import blp as institutions_blp
    from talent.api.me import blp as me_blp
    from talent.api.reviews import blp as reviews_blp

    # Before any path refers to the error responses, so they are documented as problem+json.
    document_problems(api.spec)
    for blp in (
        me_blp,
        countries_blp,
        institutions_blp,
        courses_blp,
        cohorts_blp,
        enrolments_blp,
        certificates_blp,
        calls_blp,
        applications_blp,
        reviews_blp,
        decisions_blp,
    ):
        assert isinstance(blp, ApiBlueprint), f"{blp.name}: API blueprints answer errors as problem+json"
        # Token-authenticated; no browser cookie is accepted there, so CSRF does not apply.
        csrf.exempt(blp)
        api.register_blueprint(blp, url_prefix="/api/v1")
