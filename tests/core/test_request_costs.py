"""What every request pays for, cut for the cheap ones without changing what any request does:
no COMMIT for a request that left nothing to commit, no cookie signer for a request without a
session cookie, security headers on every answer."""

from __future__ import annotations

from flask import Response
from sqlalchemy import select, text

from talent.core.http import CSP, security_headers
from talent.core.permissions import PUBLIC, access
from talent.extensions import db
from talent.reference.models import Country


def _calls(monkeypatch, method: str) -> list[int]:
    calls: list[int] = []
    real = getattr(db.session(), method)
    monkeypatch.setattr(db.session(), method, lambda: calls.append(1) or real())
    return calls


def test_a_request_that_left_nothing_to_commit_skips_the_commit(app, db, monkeypatch):
    commits = _calls(monkeypatch, "commit")
    with app.test_request_context("/"):
        assert access(PUBLIC)(lambda: "untouched")() == "untouched"
    assert commits == []


def test_reads_and_changes_are_still_committed_and_failures_rolled_back(app, db, monkeypatch):
    commits, rollbacks = _calls(monkeypatch, "commit"), _calls(monkeypatch, "rollback")
    with app.test_request_context("/"):
        access(PUBLIC)(lambda: db.session.execute(text("SELECT 1")).scalar())()
    assert len(commits) == 1

    code = "ZZ" if db.session.get(Country, "ZZ") is None else "XZ"

    def add_country():
        db.session.add(Country(code=code, name="Testland", region="Africa", subregion="Western Africa"))
        return "added"

    with app.test_request_context("/", method="POST"):
        access(PUBLIC)(add_country)()
    assert len(commits) == 2
    assert db.session.execute(select(Country.name).where(Country.code == code)).scalar_one() == "Testland"

    def refused():
        db.session.get(Country, code).name = "Changed"
        return "no", 409

    with app.test_request_context("/", method="POST"):
        access(PUBLIC)(refused)()
    assert len(rollbacks) == 1 and len(commits) == 2
    assert db.session.get(Country, code).name == "Testland"


def test_a_request_without_a_cookie_gets_no_cookie_and_every_security_header(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Permissions-Policy"].startswith("camera=()")


def test_a_session_cookie_is_still_read_and_written(client):
    client.post("/language", data={"locale": "fr"})
    with client.session_transaction() as saved:
        assert saved["locale"] == "fr"
    assert b'<html lang="fr"' in client.get("/").data  # the cookie came back and was read


def test_a_views_own_policy_is_kept_and_the_others_are_enforced(app):
    with app.test_request_context("/"):
        own = Response(
            "x", headers={"Content-Security-Policy": "default-src 'none'", "X-Frame-Options": "SAMEORIGIN"}
        )
        headers = security_headers(own).headers
    assert headers.get_all("Content-Security-Policy") == ["default-src 'none'"]
    assert headers.get_all("X-Frame-Options") == ["DENY"]
