"""The JSON API under /api/v1, documented at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask

from talent.extensions import api, csrf


def register_api(app: Flask) -> None:
    from talent.api.me import blp as me_blp

    for blp in (me_blp,):
        # Token-authenticated; no browser cookie is accepted there, so CSRF does not apply.
        csrf.exempt(blp)
        api.register_blueprint(blp, url_prefix="/api/v1")
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
