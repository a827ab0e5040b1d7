"""The programme office's call page (counts, quotas, review progress) and applications list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from talent.core.db import utcnow
from talent.extensions import db as _db
from talent.programmes.models import ApplicationStatus, OfferStatus, ReviewStatus


@pytest.fixture
def admin_client(app, users, login):
    client = app.test_client()
    login(client, users["admin"])
    return client


def fresh() -> None:
    """Forget what the test's session holds, so each measured request loads what a real one would."""
    _db.session.expunge_all()


def _cells(html: str, header: str) -> list[str]:
    row = re.search(
        rf"<th scope=\"row\">(?:<a [^>]*>)?{re.escape(header)}(?:</a>)?</th>(.*?)</tr>", html, re.S
    )
    assert row, header
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)]


def test_call_page_counts_states_countries_quotas_and_reviews(
    admin_client, make_call, make_application, make_person, make_user, make_review
):
    call = make_call(quota_total=3, country_quotas={"KE": 1})
    kenyans = [make_person(nationality_code="KE") for _ in range(3)]
    make_application(call=call, person=kenyans[0], status=ApplicationStatus.ACCEPTED)
    make_application(call=call, person=kenyans[1], status=ApplicationStatus.WAITLISTED)
    make_application(
        call=call, person=kenyans[2], status=ApplicationStatus.ACCEPTED, offer_status=OfferStatus.DECLINED
    )
    reviewed = make_application(
        call=call, person=make_person(nationality_code="ET"), status=ApplicationStatus.UNDER_REVIEW
    )
    make_application(call=call, status=ApplicationStatus.DRAFT)
    reviewers = [make_user("reviewer") for _ in range(3)]
    make_review(reviewed, reviewers[0], scores={"merit": 4, "plan": 4, "impact": 3})
    make_review(reviewed, reviewers[1], due_at=utcnow() - timedelta(days=1))
    make_review(reviewed, reviewers[2], status=ReviewStatus.CONFLICT, conflict_reason="Former student")

    html = admin_client.get(f"/admin/calls/{call.id}").get_data(as_text=True)
    assert _cells(html, "accepted") == ["2"]
    assert _cells(html, "waitlisted") == ["1"]
    assert _cells(html, "draft") == ["1"]
    kenya = _cells(html, "Kenya")
    assert kenya[0] == "3" and kenya[4] == "1" and kenya[5].startswith("1") and "full" in kenya[5]
    assert _cells(html, "Ethiopia")[0] == "1"
    assert "1 of 3 places held; 2 left" in html
    facts = re.sub(r"<[^>]+>", " ", html)
    assert re.search(r"Reviews assigned\s+2", facts)
    assert re.search(r"Submitted\s+1", facts)
    assert re.search(r"Overdue\s+1", facts)
    assert re.search(r"Conflicts declared\s+1", facts)
    assert f"/admin/calls/{call.id}/export?format=csv" in html
    for page in ("ranking", "assignments", "edit"):
        assert f'href="/admin/calls/{call.id}/{page}"' in html


def _fill(make_application, make_person, call, n, **kw):
    return [
        make_application(call=call, person=make_person(**kw), status=ApplicationStatus.SUBMITTED)
        for _ in range(n)
    ]


def test_call_page_query_count_does_not_grow(
    admin_client, make_call, make_application, make_person, count_queries
):
    call = make_call(country_quotas={"KE": 2, "ET": 3})
    _fill(make_application, make_person, call, 2, nationality_code="KE")
    fresh()
    with count_queries() as few:
        assert admin_client.get(f"/admin/calls/{call.id}").status_code == 200
    _fill(make_application, make_person, call, 10, nationality_code="ET")
    _fill(make_application, make_person, call, 10, nationality_code="GH")
    fresh()
    with count_queries() as many:
        assert admin_client.get(f"/admin/calls/{call.id}").status_code == 200
    assert many.count == few.count


def test_applications_list_filters(admin_client, make_call, make_application, make_person):
    call = make_call()
    amina = make_application(
        call=call,
        person=make_person(name_latin="Amina Njoroge", email="amina@example.org", nationality_code="KE"),
        status=ApplicationStatus.SUBMITTED,
    )
    tesfaye = make_application(
        call=call,
        person=make_person(name_latin="Tesfaye Bekele", email="tb@example.org", nationality_code="ET"),
        status=ApplicationStatus.REJECTED,
    )
    url = f"/admin/calls/{call.id}/applications"

    def names(**args):
        html = admin_client.get(url, query_string=args).get_data(as_text=True)
        return {n for n in ("Amina Njoroge", "Tesfaye Bekele") if n in html}

    assert names() == {"Amina Njoroge", "Tesfaye Bekele"}
    assert names(status="rejected") == {"Tesfaye Bekele"}
    assert names(country="KE") == {"Amina Njoroge"}
    assert names(q="tb@example") == {"Tesfaye Bekele"}
    assert names(q="njoroge") == {"Amina Njoroge"}
    assert names(q="100%") == set()
    assert f"/admin/applications/{amina.id}" in admin_client.get(url).get_data(as_text=True)
    assert tesfaye.id
    assert admin_client.get(url, query_string={"status": "nonsense"}).status_code == 422


def test_applications_list_search_in_any_script(admin_client, make_call, make_application, make_person):
    call, other_call = make_call(), make_call()
    people = {
        "Ahmed Haddad": make_person(
            name_latin="Ahmed Haddad", name_native="أحمد حداد", email="ah@example.org"
        ),
        "Wang Xiuying": make_person(name_latin="Wang Xiuying", name_native="王秀英", email="wxy@example.cn"),
    }
    for person in people.values():
        make_application(call=call, person=person, status=ApplicationStatus.SUBMITTED)
    make_application(
        call=other_call,
        person=make_person(name_latin="Ahmed Haddad Jr", name_native="王秀英"),
        status="submitted",
    )
    url = f"/admin/calls/{call.id}/applications"

    def names(q):
        html = admin_client.get(url, query_string={"q": q}).get_data(as_text=True)
        assert "Ahmed Haddad Jr" not in html  # another call's applicant
        return {n for n in people if n in html}

    assert names("HADDAD") == names("أحمد") == names("AH@EXAMPLE") == {"Ahmed Haddad"}
    assert names("王秀英") == names("秀英") == names("xiu") == {"Wang Xiuying"}
    assert names("zzyzx") == set()


def test_applications_list_keyset_pages(app, admin_client, make_call, make_application, make_person):
    app.config["PAGE_SIZE"] = 3
    try:
        call = make_call()
        applications = _fill(make_application, make_person, call, 7)
        url = f"/admin/calls/{call.id}/applications"
        seen, next_url = [], url
        while next_url:
            html = admin_client.get(next_url).get_data(as_text=True)
            seen += [int(i) for i in re.findall(r"/admin/applications/(\d+)\"", html)]
            match = re.search(r'rel="next" href="([^"]+)"', html)
            next_url = match.group(1).replace("&amp;", "&") if match else None
        assert seen == [a.id for a in applications]
    finally:
        app.config["PAGE_SIZE"] = 25


def test_applications_list_query_count_does_not_grow(
    admin_client, make_call, make_application, make_person, count_queries
):
    call = make_call()
    _fill(make_application, make_person, call, 2)
    url = f"/admin/calls/{call.id}/applications"
    fresh()
    with count_queries() as few:
        assert admin_client.get(url).status_code == 200
    _fill(make_application, make_person, call, 30)
    fresh()
    with count_queries() as many:
        assert admin_client.get(url).status_code == 200
    fresh()
    with count_queries() as filtered:
        assert (
            admin_client.get(
                url, query_string={"status": "submitted", "country": "ET", "q": "Person"}
            ).status_code
            == 200
        )
    assert many.count == few.count
    assert filtered.count == few.count


def test_admin_application_page_shows_everything(
    admin_client, make_call, make_application, make_person, make_user, make_review
):
    call = make_call()
    application = make_application(
        call=call,
        person=make_person(name_latin="Amina Njoroge", email="amina@example.org", nationality_code="KE"),
        status=ApplicationStatus.UNDER_REVIEW,
    )
    make_review(
        application,
        make_user("reviewer", display_name="Dr. Mensah"),
        scores={"merit": 5, "plan": 5, "impact": 5},
        comment="Excellent",
    )
    make_review(
        application,
        make_user("reviewer", display_name="Dr. Okafor"),
        scores={"merit": 5, "plan": 5, "impact": 5},
    )
    make_review(
        application,
        make_user("reviewer", display_name="Dr. Adeyemi"),
        scores={"merit": 5, "plan": 4, "impact": 5},
    )
    make_review(
        application,
        make_user("reviewer", display_name="Dr. Silva"),
        scores={"merit": 1, "plan": 2, "impact": 1},
    )
    html = admin_client.get(f"/admin/applications/{application.id}").get_data(as_text=True)
    for text in (
        "Amina Njoroge",
        "amina@example.org",
        "Dr. Mensah",
        "Excellent",
        "Prof. Alemu",
        "Record the decision",
    ):
        assert text in html
    # Dr. Silva's scores are far from the others': flagged.
    silva = html[html.index("Dr. Silva") :]
    assert "outlier" in silva[: silva.index("</tr>")]
    mensah = html[html.index("Dr. Mensah") :]
    assert "outlier" not in mensah[: mensah.index("</tr>")]


def test_admin_application_page_query_count_is_bounded(
    admin_client, make_call, make_application, make_user, make_review, count_queries
):
    application = make_application(call=make_call(), status=ApplicationStatus.UNDER_REVIEW)
    make_review(application, make_user("reviewer"), scores={"merit": 3, "plan": 3, "impact": 3})
    fresh()
    with count_queries() as few:
        admin_client.get(f"/admin/applications/{application.id}")
    for _ in range(5):
        make_review(application, make_user("reviewer"), scores={"merit": 4, "plan": 3, "impact": 3})
    fresh()
    with count_queries() as many:
        admin_client.get(f"/admin/applications/{application.id}")
    assert many.count == few.count
