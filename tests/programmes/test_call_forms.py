"""The programme office's programme and call forms: what they save, and each refusal next to its field."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from talent.core.audit import AuditEntry
from talent.core.db import utcnow
from talent.extensions import db
from talent.programmes.models import Call, Programme, ProgrammeKind
from tests.programmes.access_calls import PROGRAMME_FORM, call_form_data


@pytest.fixture
def admin(client_as):
    return client_as("admin")


def _calls() -> int:
    return db.session.scalar(select(func.count()).select_from(Call))


def _error_after(page: str, field_id: str) -> str:
    """The text of the error paragraph tied to the field `field_id`."""
    start = page.index(f'id="{field_id}-error"')
    return page[page.index(">", start) + 1 : page.index("</p>", start)]


# --- programmes ------------------------------------------------------------------------------


def test_admin_creates_a_programme_with_names_in_other_languages(admin, make_institution):
    organiser = make_institution(country_code="CN", name="Zhejiang University")
    response = admin.post(
        "/admin/programmes/new",
        data={
            **PROGRAMME_FORM,
            "kind": "scientist_exchange",
            "name": "Chief AI scientists exchange",
            "name_zh": "首席人工智能科学家交流",
            "organiser_id": str(organiser.id),
        },
    )
    assert response.status_code == 302
    programme = db.session.scalar(select(Programme).where(Programme.name == "Chief AI scientists exchange"))
    assert programme.kind == ProgrammeKind.SCIENTIST_EXCHANGE
    assert programme.names == {"zh": "首席人工智能科学家交流"}
    assert programme.organiser_id == organiser.id
    assert db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "programme.created", AuditEntry.object_id == str(programme.id)
        )
    )
    listing = admin.get("/admin/programmes").get_data(as_text=True)
    assert "Chief AI scientists exchange" in listing and "chief AI scientist exchange" in listing


def test_a_programme_name_is_used_once(admin, make_programme):
    make_programme(name="South–South AI scholarship")
    response = admin.post(
        "/admin/programmes/new", data={**PROGRAMME_FORM, "name": "south–south ai scholarship"}
    )
    assert response.status_code == 422
    assert "another programme is already called" in _error_after(response.get_data(as_text=True), "name")


def test_admin_edits_a_programme(admin, make_programme):
    programme = make_programme()
    form = admin.get(f"/admin/programmes/{programme.id}/edit").get_data(as_text=True)
    assert programme.name in form
    response = admin.post(
        f"/admin/programmes/{programme.id}/edit",
        data={**PROGRAMME_FORM, "name": "Renamed", "host_country_code": "KE"},
    )
    assert response.status_code == 302
    assert (programme.name, programme.host_country_code) == ("Renamed", "KE")


def test_programme_list_costs_the_same_queries_for_more_programmes(
    admin, make_programme, make_call, count_queries
):
    make_call(programme=make_programme())
    with count_queries() as few:
        assert admin.get("/admin/programmes").status_code == 200
    for _ in range(6):
        make_call(programme=make_programme())
    with count_queries() as many:
        assert admin.get("/admin/programmes").status_code == 200
    assert many.count == few.count


# --- creating and editing calls ------------------------------------------------------------


def test_admin_creates_a_call_from_local_times_rules_rubric_and_quotas(admin, make_programme):
    programme = make_programme()
    data = call_form_data(
        programme.id,
        opens_on="2099-03-01",
        opens_time="09:00",
        closes_on="2099-03-31",
        closes_time="23:59",
        time_zone="Asia/Shanghai",
        nationalities="ke, ET",
        min_age="18",
        certificate_language="en",
        country_quotas="KE 2\n\net: 3",
        **{"rubric-3-code": "", "rubric-3-label": "", "rubric-3-weight": "", "rubric-3-guidance": ""},
    )
    response = admin.post("/admin/calls/new", data=data)
    assert response.status_code == 302

    call = db.session.scalar(select(Call).where(Call.programme_id == programme.id))
    assert response.headers["Location"].endswith(f"/calls/{call.id}")
    assert not call.is_published
    assert call.opens_at == datetime(2099, 3, 1, 1, 0, tzinfo=UTC)
    assert call.closes_at == datetime(2099, 3, 31, 15, 59, tzinfo=UTC)
    assert call.eligibility_rules == [
        {"rule": "nationality_in", "countries": ["KE", "ET"]},
        {"rule": "global_south"},
        {"rule": "not_host_country"},
        {"rule": "min_age", "years": 18},
        {"rule": "max_age", "years": 35},
        {"rule": "min_isced_level", "level": 6},
        {"rule": "language_certificate", "language": "en"},
    ]
    assert call.required_documents == ["cv", "transcript"]
    assert [c["code"] for c in call.rubric] == ["merit", "plan"]
    assert [c["weight"] for c in call.rubric] == [60, 40]
    assert (call.quota_total, call.country_quotas) == (10, {"ET": 3, "KE": 2})
    assert call.is_blind_review and not call.is_nationality_conflict
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "call.created"))
    assert entry.object_id == str(call.id)


def test_the_edit_form_shows_the_call_in_its_own_zone_and_saves_it_back(admin, make_call):
    call = make_call(
        opens_at=utcnow() - timedelta(days=1),
        closes_at=datetime(2099, 3, 31, 15, 59, tzinfo=UTC),
        time_zone="Asia/Shanghai",
        country_quotas={"KE": 2},
        eligibility_rules=[
            {"rule": "nationality_in", "countries": ["KE", "ET"]},
            {"rule": "max_age", "years": 35},
        ],
    )
    form = admin.get(f"/admin/calls/{call.id}/edit").get_data(as_text=True)
    assert 'value="2099-03-31"' in form and 'value="23:59"' in form
    assert 'value="KE, ET"' in form
    assert "KE 2" in form
    assert 'value="merit"' in form

    data = call_form_data(
        call.programme_id, closes_on="2099-04-30", closes_time="12:00", time_zone="Africa/Nairobi"
    )
    data["opens_on"] = (utcnow() - timedelta(days=1)).date().isoformat()
    assert admin.post(f"/admin/calls/{call.id}/edit", data=data).status_code == 302
    assert call.closes_at == datetime(2099, 4, 30, 9, 0, tzinfo=UTC)
    assert call.time_zone == "Africa/Nairobi"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "call.updated"))


@pytest.mark.parametrize(
    ("overrides", "field_id", "words"),
    [
        ({"rubric-1-weight": "30"}, None, "the weights must add up to 100; now they add up to 90"),
        (
            {"opens_on": "2099-03-31", "closes_on": "2099-03-01"},
            "closes_on",
            "the call must close after it opens",
        ),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "“Mars/Olympus_Mons” is not a known time zone"),
        ({"country_quotas": "KE 2\nXX 1"}, "country_quotas", "unknown country code “XX”"),
        (
            {"country_quotas": "KE two"},
            "country_quotas",
            "Line 1: write a country code and a number of places",
        ),
        ({"country_quotas": "KE -1"}, "country_quotas", "KE: a quota cannot be negative"),
        ({"country_quotas": "KE 20"}, "country_quotas", "KE has 20 places, more than the 10 places in all"),
        ({"nationalities": "KE, ZZ"}, "nationalities", "unknown country code: ZZ"),
        ({"rubric-1-code": "merit"}, "rubric-1-code", "the code “merit” is used twice"),
        ({"rubric-1-code": "Plan 2"}, "rubric-1-code", "must be lower-case letters, digits or _"),
        ({"rubric-1-label": ""}, "rubric-1-label", "this field is required"),
        ({"reviewers_per_application": "11"}, "reviewers_per_application", "from 1 to 10"),
        ({"review_days": "0"}, "review_days", "from 1 to 180"),
        ({"quota_total": "-1"}, "quota_total", "from 0 to 100000"),
        ({"min_age": "40", "max_age": "35"}, "min_age", "above the maximum age"),
        (
            {"required_documents": ["cv", "diploma_scan"]},
            "required_documents",
            "“diploma_scan” is not a document type",
        ),
        (
            {"time_zone": "Europe/Paris", "opens_on": "2099-03-29", "opens_time": "02:30"},
            "opens_on",
            "does not exist in Europe/Paris",
        ),
    ],
)
def test_a_bad_call_form_is_refused_next_to_its_field_and_nothing_is_saved(
    admin, make_programme, overrides, field_id, words
):
    programme = make_programme()
    before = _calls()
    response = admin.post("/admin/calls/new", data=call_form_data(programme.id, **overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    if field_id is None:
        assert words in page
    else:
        assert words in _error_after(page, field_id)
    assert _calls() == before


def test_blank_rubric_rows_are_ignored_but_a_half_filled_row_is_not(admin, make_programme):
    programme = make_programme()
    data = call_form_data(programme.id, **{"rubric-2-guidance": "Only guidance, no code."})
    response = admin.post("/admin/calls/new", data=data)
    assert response.status_code == 422
    assert "this field is required" in _error_after(response.get_data(as_text=True), "rubric-2-code")


def test_admin_call_list_costs_the_same_queries_for_more_calls(
    admin, make_call, make_application, count_queries
):
    make_application(call=make_call(), status="submitted")
    with count_queries() as few:
        assert admin.get("/admin/calls").status_code == 200
    for _ in range(6):
        make_application(call=make_call(), status="submitted")
    with count_queries() as many:
        page = admin.get("/admin/calls")
    assert page.status_code == 200
    assert many.count == few.count


def test_admin_call_list_filters_by_programme(admin, make_programme, make_call):
    mine, other = make_programme(), make_programme()
    make_call(programme=mine, title="Mine")
    make_call(programme=other, title="Other")
    page = admin.get(f"/admin/calls?programme={mine.id}").get_data(as_text=True)
    assert "Mine" in page and ">Other<" not in page


# --- publishing ----------------------------------------------------------------------------


def test_publishing_puts_the_call_on_the_public_list(admin, client, make_call):
    call = make_call(is_published=False, title="Fresh round")
    assert "Fresh round" not in client.get("/calls").get_data(as_text=True)

    response = admin.post(f"/admin/calls/{call.id}/publish")

    assert response.status_code == 302
    assert call.is_published
    assert "Fresh round" in client.get("/calls").get_data(as_text=True)
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "call.published", AuditEntry.object_id == str(call.id))
    )


@pytest.mark.parametrize(
    ("kw", "words", "status"),
    [
        ({"rubric": []}, "add the review criteria before publishing", 422),
        (
            {"opens_at": utcnow() - timedelta(days=9), "closes_at": utcnow() - timedelta(days=1)},
            "this call has already closed",
            422,
        ),
        ({"is_published": True}, "This call is already published.", 409),
    ],
)
def test_publishing_is_refused_with_a_reason(admin, make_call, kw, words, status):
    call = make_call(**{"is_published": False, **kw})
    response = admin.post(f"/admin/calls/{call.id}/publish")
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    assert not db.session.scalar(select(AuditEntry).where(AuditEntry.action == "call.published"))
