"""No route may be left out of the access matrices."""

import importlib
from pathlib import Path

from talent.core.permissions import LIBRARY_ENDPOINTS, rule_for

TESTS = Path(__file__).resolve().parent.parent


def _all_matrix_cases():
    cases = []
    for path in sorted(TESTS.glob("*/test_access.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.test_access")
        cases.extend(module.MATRIX)
    return cases


def _registered_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule.rule, rule.endpoint


def test_every_registered_route_is_in_an_access_matrix(app):
    covered = {(case.method, case.rule) for case in _all_matrix_cases()}
    missing = [f"{m} {r}" for m, r, _ in _registered_routes(app) if (m, r) not in covered]
    assert not missing, "routes without an access-matrix case:\n" + "\n".join(missing)


def test_every_route_declares_an_access_rule(app):
    with app.test_request_context():
        undeclared = [
            e for _, _, e in _registered_routes(app) if e not in LIBRARY_ENDPOINTS and rule_for(e) is None
        ]
    assert not undeclared, f"endpoints without @access: {undeclared}"


def test_a_route_without_a_rule_is_refused(app):
    # A view registered without @access must never run, whoever asks.
    from flask import Flask

    from talent import create_app

    probe_app: Flask = create_app(
        {**{k: app.config[k] for k in ("DATA_DIR", "DATABASE_URL", "SECRET_KEY")}, "TESTING": True}
    )
    ran = []

    @probe_app.get("/forgotten")
    def forgotten():
        ran.append(True)
        return "secret"

    response = probe_app.test_client().get("/forgotten")
    assert response.status_code == 403
    assert ran == []
