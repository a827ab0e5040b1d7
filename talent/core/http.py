"""Request hooks every response passes through: security headers, error pages, problem+json."""

from __future__ import annotations

import json
from http import HTTPStatus

from flask import Flask, Response, current_app, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from werkzeug.datastructures import Headers
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


# (name, value, replace): a view may set its own policy (replace False) but not weaken the others.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP, False),
    ("X-Content-Type-Options", "nosniff", True),
    ("X-Frame-Options", "DENY", True),
    ("Referrer-Policy", "same-origin", True),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()", False),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000", True)


def security_headers(response: Response) -> Response:
    headers = response.headers
    # Every response pays for this: look the existing names up once, then append (setting a
    # header one by one scans all of them each time).
    present = {name.lower() for name, _ in headers.items()}
    wanted = SECURITY_HEADERS + (HSTS,) if current_app.config["SESSION_COOKIE_SECURE"] else SECURITY_HEADERS
    for name, value, replace in wanted:
        if name.lower() not in present:
            headers.add(name, value)
        elif replace:
            headers[name] = value
    if request.path.startswith("/static/"):
        # Set, not defaulted: send_file has already put "no-cache" on every static file.
        headers["Cache-Control"] = "public, max-age=86400"
    return response


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a request without the cookie (API clients, first visits)
    gets an empty session without building the cookie signer."""

    def open_session(self, app: Flask, request):
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def problem(status: int, title: str, detail: str | None = None, *, headers=None, **extra) -> Response:
    """An RFC 9457 problem document."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for name, value in Headers(headers or ()).items():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_http_exception(error: HTTPException):
    code = error.code or 500
    if is_api_request():
        return _http_problem(error, code)
    if code == 401:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    template = f"errors/{code}.html" if code in (403, 404, 429, 500) else "errors/generic.html"
    return render_template(template, error=error, code=code), code


def _http_problem(error: HTTPException, code: int) -> Response:
    # webargs / flask-smorest's abort() attach `data` (message, errors or webargs' location-keyed
    # "messages", headers) and `exc`, the exception behind it (a JSONDecodeError for a broken body).
    data = getattr(error, "data", None) or {}
    cause = getattr(error, "exc", None)
    broken_json = cause if isinstance(cause, json.JSONDecodeError) else None
    headers = list(error.get_headers())
    headers.extend(dict(data.get("headers") or {}).items())
    extra = {}
    errors = data.get("errors") or _by_field(data.get("messages"))
    if errors and broken_json is None:
        extra["errors"] = errors
    if code == 401:
        headers.append(("WWW-Authenticate", _bearer_challenge()))
    try:
        title = HTTPStatus(code).phrase
    except ValueError:
        title = error.name
    detail = _problem_detail(error, code, data, extra.get("errors"), broken_json)
    return problem(code, title, detail, headers=headers, **extra)


def _by_field(messages) -> dict | None:
    """webargs keys its messages by location ({"json": {"name": [...]}}); clients want fields."""
    if not isinstance(messages, dict):
        return None
    merged: dict = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            merged.update(location_messages)
    return merged or None


def _bearer_challenge() -> str:
    # RFC 6750 §3: say whether a token was missing or not accepted.
    if request.headers.get("Authorization"):
        return 'Bearer realm="api", error="invalid_token"'
    return 'Bearer realm="api"'


def _problem_detail(
    error: HTTPException, code: int, data: dict, errors: dict | None, broken_json: json.JSONDecodeError | None
) -> str | None:
    if broken_json is not None:
        return _(
            "The request body is not valid JSON: %(reason)s (line %(line)s, column %(column)s).",
            reason=broken_json.msg,
            line=broken_json.lineno,
            column=broken_json.colno,
        )
    if data.get("message"):
        return str(data["message"])
    if errors:
        fields = sorted(str(name) for name in errors if name != "_schema")
        if not fields:  # marshmallow's key for the body as a whole, e.g. an array instead of an object
            return " ".join(map(str, errors["_schema"]))
        return _("Some fields are not valid: %(fields)s.", fields=", ".join(fields))
    if code == 401:
        if request.headers.get("Authorization"):
            return _("The API token is not valid, or it was revoked.")
        return _("This needs an API token: send the header Authorization: Bearer <token>.")
    if code == 403:
        return _("Your account is not allowed to do this.")
    if code == 404:
        return _("There is nothing at this address.")
    if code == 429:
        if error.description != type(error).description:  # Flask-Limiter puts the limit there
            return _(
                "Too many requests (limit: %(limit)s). Wait a moment and try again.", limit=error.description
            )
        return _("Too many requests. Wait a moment and try again.")
    if code >= 500:
        return _("The server could not complete the request. It has been logged; try again later.")
    return error.description


def handle_domain_error(error: DomainError):
    if is_api_request():
        return problem(error.status_code, _("Request refused"), error.message)
    return render_template("errors/generic.html", error=error, code=error.status_code), error.status_code


def handle_unexpected(error: Exception):
    current_app.logger.exception("unhandled error")
    return handle_http_exception(InternalServerError())


def register(app: Flask) -> None:
    app.session_interface = CookieSessions()
    app.after_request(security_headers)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
