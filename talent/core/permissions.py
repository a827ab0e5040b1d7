"""Deny-by-default access rules.

Every view declares who may call it with `@access(rule)`. A request to an endpoint without a
rule is refused before the view runs (see `enforce_declared_rules`). Object-level rules live on
the models as `can_view(user)`, `can_manage(user)` …, and views ask them through `require`.

The same decorator is the one place a request's transaction ends: it commits once when the view
succeeded and rolls back otherwise (CONVENTIONS 6).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from flask import abort, current_app, request
from flask_login import current_user

from talent.extensions import db


class Role(StrEnum):
    APPLICANT = "applicant"
    INSTITUTION = "institution"
    REVIEWER = "reviewer"
    ADMIN = "admin"


@dataclass(frozen=True)
class Rule:
    name: str
    check: Callable[[object], bool]
    needs_login: bool = True


PUBLIC = Rule("public", lambda user: True, needs_login=False)
AUTHENTICATED = Rule("authenticated", lambda user: user.is_authenticated)


def roles(*names: Role) -> Rule:
    wanted = frozenset(names)
    return Rule(
        "roles:" + ",".join(sorted(wanted)),
        lambda user: user.is_authenticated and bool(wanted & user.role_set),
    )


ADMIN = roles(Role.ADMIN)

# Endpoints served by libraries, not by our views; each is public by nature.
LIBRARY_ENDPOINTS = {"static": PUBLIC, "api-docs.openapi_json": PUBLIC}


def rule_for(endpoint: str | None) -> Rule | None:
    if endpoint is None:
        return None
    if endpoint in LIBRARY_ENDPOINTS:
        return LIBRARY_ENDPOINTS[endpoint]
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def enforce_declared_rules() -> None:
    """before_request hook: an endpoint that declares no rule is refused."""
    if request.endpoint is None:  # 404 / 405 are answered by the router
        return
    if rule_for(request.endpoint) is None:
        current_app.logger.error("endpoint %s declares no access rule; refused", request.endpoint)
        abort(403)


def deny() -> None:
    """Refuse the current user: anonymous users are asked to log in, others get 403."""
    if not current_user.is_authenticated:
        abort(401)
    abort(403)


def access(rule: Rule):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not rule.check(current_user):
                deny()
            try:
                response = view(*args, **kwargs)
                if _status_of(response) < 400:
                    _end_transaction(commit=True)
                else:
                    _end_transaction(commit=False)
                return response
            except BaseException:
                _end_transaction(commit=False)
                raise

        wrapper.access_rule = rule
        return wrapper

    return decorator


def _end_transaction(*, commit: bool) -> None:
    # A request that never used the session (the certificate lookup reads on its own
    # connection) has nothing to commit or undo, and skips the session's bookkeeping and the
    # COMMIT. A transaction in progress, pending objects or changes always go through.
    registry = db.session.registry
    if not registry.has():
        return
    session = registry()
    if not (session.in_transaction() or session.new or session.dirty or session.deleted):
        return
    if commit:
        session.commit()
    else:
        session.rollback()


def _status_of(response) -> int:
    if isinstance(response, tuple) and len(response) > 1 and isinstance(response[1], int):
        return response[1]
    return getattr(response, "status_code", 200)


def require(obj, permission: str = "view") -> None:
    """Object-level check: `obj.can_<permission>(current_user)` must say yes."""
    check = getattr(obj, f"can_{permission}", None)
    if check is None or not check(current_user):
        deny()


def get_or_404(model, ident, permission: str | None = "view"):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    if permission:
        require(obj, permission)
    return obj
