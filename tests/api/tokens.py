"""API tokens for tests: a token per user, and clients that send it on every request.

`api_clients(app, users)` returns a `client_as`-style callable, so the shared
`tests.access.check_matrix` runs an API matrix with a Bearer token per role.
"""

from __future__ import annotations

from flask.testing import FlaskClient

from talent.accounts.models import ApiToken
from talent.extensions import db


def issue_token(user, name: str = "tests") -> str:
    api_token, secret = ApiToken.issue(user, name)
    db.session.add(api_token)
    # Committed (inside the test's outer transaction) so that the user and the token outlive a
    # request that fails and rolls its own work back.
    db.session.commit()
    return secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class BearerClient(FlaskClient):
    """A test client that authenticates every request with `token` (none: anonymous)."""

    token: str | None = None

    def open(self, *args, **kwargs):
        if self.token:
            kwargs["headers"] = {**bearer(self.token), **dict(kwargs.get("headers") or {})}
        return super().open(*args, **kwargs)


def api_clients(app, users: dict):
    tokens = {role: issue_token(user) for role, user in users.items() if user is not None}

    def client_as(role: str) -> BearerClient:
        client = BearerClient(app, app.response_class, use_cookies=True)
        client.token = tokens.get(role)
        return client

    return client_as
