"""The country list: every authenticated user reads it, filtered and paged by code."""


def _all(client, query: str, headers: dict) -> list[dict]:
    items, cursor = [], None
    for _ in range(100):
        url = f"/api/v1/countries?{query}" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        items.extend(body["items"])
        cursor = body["next"]
        if cursor is None:
            return items
    raise AssertionError("pagination does not end")


def test_country_fields(client, user_headers):
    body = client.get("/api/v1/countries?limit=100", headers=user_headers).get_json()
    assert len(body["items"]) == 100 and body["next"]
    kenya = next(c for c in _all(client, "limit=100", user_headers) if c["code"] == "KE")
    assert kenya == {
        "code": "KE",
        "name": "Kenya",
        "region": "Africa",
        "subregion": kenya["subregion"],
        "is_global_south": True,
    }


def test_pages_walk_every_country_once_in_code_order(client, user_headers):
    codes = [c["code"] for c in _all(client, "limit=40", user_headers)]
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes)) >= 240
    assert {"CN", "KE", "BR", "DE"} <= set(codes)


def test_filter_by_global_south_and_region(client, user_headers):
    south = {c["code"] for c in _all(client, "global_south=true&limit=100", user_headers)}
    north = {c["code"] for c in _all(client, "global_south=false&limit=100", user_headers)}
    assert "CN" in south and "KE" in south and "DE" in north and "JP" in north
    assert not south & north
    africa = _all(client, "region=africa&limit=100", user_headers)
    assert africa and {c["region"] for c in africa} == {"Africa"}
    assert "KE" in {c["code"] for c in africa}


def test_bad_filter_is_422(client, user_headers):
    response = client.get("/api/v1/countries?global_south=perhaps", headers=user_headers)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["global_south"]
