"""Every API error is an RFC 9457 problem document that says what to fix."""

import pytest
from flask import Blueprint, abort

from talent.api.common import ApiBlueprint
from talent.core.errors import IllegalTransition, ValidationFailed
from talent.core.permissions import PUBLIC, access

PROBLEM = "application/problem+json"
GOOD = {"name": "Addis Ababa Science and Technology University", "kind": "university", "country": "ET"}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


def test_malformed_json_is_400_with_where_it_broke(client, admin_headers):
    response = client.post(
        "/api/v1/institutions",
        data='{"name": "Unclosed", "kind": ',
        content_type="application/json",
        headers=admin_headers,
    )
    body = _problem(response, 400)
    assert "not valid JSON" in body["detail"] and "line 1" in body["detail"]


def test_a_body_that_is_not_json_is_415(client, admin_headers):
    response = client.post("/api/v1/institutions", data=GOOD, headers=admin_headers)
    body = _problem(response, 415)
    assert "application/json" in body["detail"]


def test_unknown_fields_are_named(client, admin_headers):
    response = client.post(
        "/api/v1/institutions", json={**GOOD, "ranking": 1, "is_admin": True}, headers=admin_headers
    )
    body = _problem(response, 422)
    assert set(body["errors"]) == {"ranking", "is_admin"}
    assert "ranking" in body["detail"]


def test_missing_and_mistyped_fields_are_named(client, admin_headers):
    response = client.post("/api/v1/institutions", json={"name": 42, "city": None}, headers=admin_headers)
    body = _problem(response, 422)
    assert set(body["errors"]) == {"name", "kind", "country", "city"}


def test_a_json_array_instead_of_an_object_is_422(client, admin_headers):
    body = _problem(client.post("/api/v1/institutions", json=[GOOD], headers=admin_headers), 422)
    assert body["errors"] and body["detail"] == "Invalid input type."


def test_an_empty_json_body_names_the_required_fields(client, admin_headers):
    response = client.post(
        "/api/v1/institutions", data="", content_type="application/json", headers=admin_headers
    )
    assert set(_problem(response, 422)["errors"]) == {"name", "kind", "country"}


def test_rules_of_the_operation_come_back_under_the_api_field_name(client, admin_headers):
    response = client.post("/api/v1/institutions", json={**GOOD, "country": "ZZ"}, headers=admin_headers)
    body = _problem(response, 422)
    assert list(body["errors"]) == ["country"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "N" * 201}, "name"),
        ({"name": "   "}, "name"),
        ({"kind": "castle"}, "kind"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"partner_status": "best friends"}, "partner_status"),
    ],
)
def test_bad_values_are_422_naming_the_field_and_change_nothing(client, admin_headers, change, field):
    response = client.post("/api/v1/institutions", json={**GOOD, **change}, headers=admin_headers)
    body = _problem(response, 422)
    assert field in body["errors"]
    listed = client.get("/api/v1/institutions?country=ET", headers=admin_headers).get_json()
    assert listed["items"] == []


def test_unknown_address_and_unknown_id_are_404_problems(client, user_headers):
    _problem(client.get("/api/v1/no-such-thing", headers=user_headers), 404)
    _problem(client.get("/api/v1/institutions/999999", headers=user_headers), 404)


def test_wrong_method_is_405_problem_with_allow(client, user_headers):
    response = client.delete("/api/v1/me", headers=user_headers)
    _problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_bad_query_arguments_are_422_naming_them(client, user_headers):
    body = _problem(client.get("/api/v1/institutions?limit=0&kind=castle", headers=user_headers), 422)
    assert set(body["errors"]) == {"limit", "kind"}


def test_html_pages_keep_their_html_error_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.fixture(scope="module")
def probe_client(app):
    """An app configured as in production (errors are not propagated to the test) with API routes
    that fail on purpose."""
    from talent import create_app

    probe = create_app(
        {
            **{key: app.config[key] for key in ("DATA_DIR", "DATABASE_URL", "SECRET_KEY")},
            "TESTING": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    bp = Blueprint("probe", __name__, url_prefix="/api/v1/probe")

    @bp.get("/crash")
    @access(PUBLIC)
    def crash():
        raise RuntimeError("connection string postgresql://secret@db")

    @bp.get("/busy")
    @access(PUBLIC)
    def busy():
        abort(429)

    api_bp = ApiBlueprint("api_probe", __name__, url_prefix="/api/v1/probe-domain")

    @api_bp.route("/closed")
    @access(PUBLIC)
    def closed():
        raise IllegalTransition("The cohort is closed.")

    @api_bp.route("/invalid")
    @access(PUBLIC)
    def invalid():
        raise ValidationFailed("Unknown country.", field="country_code")

    probe.register_blueprint(bp)
    probe.register_blueprint(api_bp)
    return probe.test_client()


def test_an_unexpected_error_is_500_problem_without_internals(probe_client, caplog):
    response = probe_client.get("/api/v1/probe/crash")
    body = _problem(response, 500)
    text = response.get_data(as_text=True)
    assert "secret" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert body["title"] == "Internal Server Error"
    assert "unhandled error" in caplog.text


def test_too_many_requests_is_429_problem(probe_client):
    _problem(probe_client.get("/api/v1/probe/busy"), 429)


def test_a_refused_action_answers_with_its_status_and_message(probe_client):
    body = _problem(probe_client.get("/api/v1/probe-domain/closed"), 409)
    assert body["title"] == "Conflict" and body["detail"] == "The cohort is closed."
    assert "errors" not in body


def test_an_operations_validation_failure_names_its_field(probe_client):
    body = _problem(probe_client.get("/api/v1/probe-domain/invalid"), 422)
    assert body["errors"] == {"country_code": ["Unknown country."]}
