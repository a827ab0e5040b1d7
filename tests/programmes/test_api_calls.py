"""GET /api/v1/calls and /api/v1/calls/{id}: public reads of calls for applications."""

from datetime import UTC, datetime, timedelta

from talent.core.db import utcnow
from tests.access import check_matrix
from tests.programmes.access_calls import CALL_API_MATRIX


def test_call_api_access(api_client_as, make_programme, make_call):
    programme = make_programme()
    ctx = {"programme": programme, "call": make_call(programme=programme)}
    check_matrix(CALL_API_MATRIX, api_client_as, ctx)


def test_the_list_has_open_published_calls_only(client, make_call):
    now = utcnow()
    open_call = make_call()
    make_call(is_published=False)
    make_call(opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=20))
    make_call(opens_at=now - timedelta(days=20), closes_at=now - timedelta(seconds=1))

    body = client.get("/api/v1/calls").get_json()

    assert [item["id"] for item in body["items"]] == [open_call.id]
    assert body["next"] is None


def test_a_call_as_the_api_shows_it(client, make_programme, make_call):
    programme = make_programme(kind="scientist_exchange")
    call = make_call(
        programme=programme,
        closes_at=datetime(2099, 3, 31, 15, 59, tzinfo=UTC),
        eligibility_rules=[{"rule": "global_south"}, {"rule": "language_certificate", "language": "en"}],
        required_documents=["cv"],
        quota_total=5,
        country_quotas={"KE": 2},
    )

    body = client.get(f"/api/v1/calls/{call.id}").get_json()

    assert body["programme"] == {"id": programme.id, "kind": "scientist_exchange", "name": programme.name}
    assert body["closes_at"] == "2099-03-31T15:59:00+00:00"
    assert body["time_zone"] == "Asia/Shanghai"
    assert body["is_open"] is True and body["is_published"] is True
    assert body["eligibility_rules"] == [
        {"rule": "global_south"},
        {"rule": "language_certificate", "language": "en"},
    ]
    assert body["eligibility"][0].startswith("Open to nationals of Global South countries")
    assert body["required_documents"] == ["cv", "language_certificate"]
    assert body["rubric"][0] == {
        "code": "merit",
        "label": "Academic merit",
        "weight": 40,
        "guidance": "Grades, publications, awards.",
    }
    assert body["scale"] == [1, 5]
    assert body["reviewers_per_application"] == 3 and body["is_blind_review"] is True
    assert (body["quota_total"], body["country_quotas"]) == (5, {"KE": 2})


def test_pages_follow_the_cursor_and_filter_by_kind(client, make_programme, make_call):
    exchange = make_programme(kind="young_scholars")
    ids = [make_call().id for _ in range(3)] + [make_call(programme=exchange).id]

    first = client.get("/api/v1/calls?limit=2").get_json()
    second = client.get(f"/api/v1/calls?limit=2&cursor={first['next']}").get_json()
    seen = [item["id"] for item in first["items"] + second["items"]]
    assert seen == sorted(ids)

    only = client.get("/api/v1/calls?kind=young_scholars").get_json()
    assert [item["id"] for item in only["items"]] == [ids[-1]]
    assert client.get("/api/v1/calls?kind=picnic").status_code == 422
    assert client.get("/api/v1/calls?cursor=bogus").status_code == 400


def test_an_unpublished_call_is_404_except_for_admins(api_client_as, make_call):
    call = make_call(is_published=False)
    for role in ("anonymous", "applicant", "reviewer"):
        response = api_client_as(role).get(f"/api/v1/calls/{call.id}")
        assert response.status_code == 404, role
        assert response.content_type == "application/problem+json"
    admin = api_client_as("admin").get(f"/api/v1/calls/{call.id}").get_json()
    assert admin["is_published"] is False and admin["is_open"] is False
    assert api_client_as("anonymous").get("/api/v1/calls/999999").status_code == 404


def test_the_list_costs_the_same_queries_for_more_calls(client, make_call, count_queries):
    make_call()
    with count_queries() as few:
        assert client.get("/api/v1/calls").status_code == 200
    for _ in range(8):
        make_call()
    with count_queries() as many:
        assert len(client.get("/api/v1/calls").get_json()["items"]) == 9
    assert many.count == few.count


def test_the_calls_api_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/api/v1/calls"]
    assert "404" in spec["paths"]["/api/v1/calls/{call_id}"]["get"]["responses"]
    assert "security" not in spec["paths"]["/api/v1/calls"]["get"]
    assert {"eligibility_rules", "eligibility", "rubric", "country_quotas"} <= set(
        spec["components"]["schemas"]["Call"]["properties"]
    )
