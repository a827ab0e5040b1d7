"""Access-matrix helper: each route × each role (anonymous included) → expected status.

Every feature's `tests/<feature>/test_access.py` declares `MATRIX`, a list of `Case`s, and calls
`check_matrix`. `tests/core/test_route_coverage.py` fails when a registered route is in no MATRIX.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("anonymous", "applicant", "institution", "reviewer", "admin")


@dataclass
class Case:
    method: str
    rule: str  # the URL rule as Flask registers it, e.g. "/institutions/<int:institution_id>"
    expected: dict[str, int]  # role → status; missing roles default to `default`
    url: str | Callable | None = None  # concrete URL, or a callable(ctx) → URL, for rules with parameters
    default: int | None = None
    data: dict | None = None
    json: dict | None = None
    headers: dict = field(default_factory=dict)

    def status_for(self, role: str) -> int:
        if role in self.expected:
            return self.expected[role]
        if self.default is None:
            raise AssertionError(f"{self.method} {self.rule}: no expectation for {role}")
        return self.default


def allowed(roles: set[str], *, ok: int = 200, denied: int = 403, anonymous: int = 302) -> dict[str, int]:
    """Expectations for a page that `roles` may use; others are refused, anonymous sent to log in."""
    out = {}
    for role in ROLES:
        if role in roles:
            out[role] = ok
        elif role == "anonymous":
            out[role] = anonymous
        else:
            out[role] = denied
    return out


def check_matrix(matrix: list[Case], client_as, ctx: dict | None = None) -> None:
    failures = []
    for case in matrix:
        url = case.url(ctx or {}) if callable(case.url) else (case.url or case.rule)
        for role in ROLES:
            client = client_as(role)
            response = client.open(
                url, method=case.method, data=case.data, json=case.json, headers=case.headers
            )
            expected = case.status_for(role)
            if response.status_code != expected:
                failures.append(f"{case.method} {url} as {role}: {response.status_code}, expected {expected}")
    assert not failures, "\n".join(failures)
