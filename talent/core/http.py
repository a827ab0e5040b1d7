"""Request hooks every response passes through: security headers, error pages, problem+json."""

from __future__ import annotations

from flask import Flask, Response, current_app, json, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from talent.core.errors import DomainError

# No inline script anywhere, so the policy can forbid it outright.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


def is_api_request() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "public, max-age=86400")
    return response


def problem(status: int, title: str, detail: str | None = None, **extra) -> Response:
    """An RFC 9457 problem document."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def handle_http_exception(error: HTTPException):
    code = error.code or 500
    if is_api_request():
        extra = {}
        data = getattr(error, "data", None) or {}
        if "messages" in data:  # webargs / marshmallow field errors
            extra["errors"] = data["messages"]
        detail = error.description if error.description != type(error).description else None
        return problem(code, error.name, detail, **extra)
    if code == 401:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    template = f"errors/{code}.html" if code in (403, 404, 429, 500) else "errors/generic.html"
    return render_template(template, error=error, code=code), code


def handle_domain_error(error: DomainError):
    if is_api_request():
        return problem(error.status_code, _("Request refused"), error.message)
    return render_template("errors/generic.html", error=error, code=error.status_code), error.status_code


def handle_unexpected(error: Exception):
    current_app.logger.exception("unhandled error")
    return handle_http_exception(InternalServerError())


def register(app: Flask) -> None:
    app.after_request(security_headers)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
