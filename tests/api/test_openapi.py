"""The OpenAPI document: valid OpenAPI 3, and it describes every API route as it behaves."""

import pytest
from openapi_spec_validator import validate

from talent.core.permissions import rule_for

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _openapi_path(rule: str) -> str:
    for converter in ("int:", "string:", "path:"):
        rule = rule.replace(f"<{converter}", "<")
    return rule.replace("<", "{").replace(">", "}")


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api-docs.openapi_json":
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                yield method.lower(), rule


def test_document_is_valid_openapi_3(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_every_api_route_is_documented(app, spec):
    missing = [
        f"{method.upper()} {rule.rule}"
        for method, rule in _api_routes(app)
        if method not in spec["paths"].get(_openapi_path(rule.rule), {})
    ]
    assert not missing, missing


def test_protected_operations_name_the_bearer_scheme_and_their_401(app, spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    with app.test_request_context():
        for method, rule in _api_routes(app):
            operation = spec["paths"][_openapi_path(rule.rule)][method]
            if rule_for(rule.endpoint).needs_login:
                assert operation["security"] == [{"bearerAuth": []}], rule.rule
                assert "401" in operation["responses"], rule.rule


def test_errors_are_documented_as_problem_json(spec):
    responses = spec["components"]["responses"]
    for name in ("UNAUTHORIZED", "FORBIDDEN", "UNPROCESSABLE_ENTITY", "DEFAULT_ERROR"):
        assert list(responses[name]["content"]) == ["application/problem+json"], name
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "errors"} <= set(problem["properties"])


def test_lists_document_pagination_and_bodies_their_rules(spec):
    listing = spec["paths"]["/api/v1/institutions"]["get"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 100 and params["limit"]["schema"]["default"] == 25
    assert {"cursor", "q", "country", "kind"} <= set(params)
    page = spec["components"]["schemas"]["InstitutionPage"]
    assert set(page["properties"]) == {"items", "next"}

    create = spec["paths"]["/api/v1/institutions"]["post"]
    assert {"201", "400", "401", "403", "415", "422"} <= set(create["responses"])
    body = spec["components"]["schemas"]["InstitutionCreate"]
    assert body["additionalProperties"] is False
    assert set(body["required"]) == {"name", "kind", "country"}
    assert body["properties"]["name"]["maxLength"] == 200
