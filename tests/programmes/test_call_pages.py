"""The public call pages (open calls, a call, the eligibility check) and who may reach each call page."""

from datetime import UTC, date, datetime, timedelta

import pytest

from talent.core.db import utcnow
from tests.access import check_matrix
from tests.programmes.access_calls import CALL_PAGE_MATRIX


@pytest.fixture
def calls_ctx(make_programme, make_call):
    programme = make_programme()
    return {
        "programme": programme,
        "call": make_call(programme=programme),
        "draft": make_call(programme=programme, is_published=False),
    }


def test_calls_access(client_as, calls_ctx):
    check_matrix(CALL_PAGE_MATRIX, client_as, calls_ctx)


# --- open calls ------------------------------------------------------------------------------


def test_open_calls_lists_published_open_calls_and_those_opening_soon(client, make_call):
    now = utcnow()
    make_call(title="Open round")
    make_call(title="Coming round", opens_at=now + timedelta(days=5), closes_at=now + timedelta(days=40))
    make_call(title="Draft round", is_published=False)
    make_call(title="Past round", opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=1))

    page = client.get("/calls").get_data(as_text=True)

    assert "Open round" in page
    assert "Opening soon" in page and "Coming round" in page
    assert page.index("Open round") < page.index("Coming round")
    assert "Draft round" not in page
    assert "Past round" not in page


def test_open_calls_show_the_kind_and_a_countdown_in_words(client, make_call, make_programme):
    now = utcnow()
    programme = make_programme(kind="young_scholars")
    make_call(programme=programme, closes_at=now + timedelta(days=3, hours=4, minutes=30))

    page = client.get("/calls").get_data(as_text=True)

    assert "Digital Silk Road young scholars" in page
    assert "Closes in 3 days 4 hours" in page


def test_closing_time_in_the_viewers_zone_and_the_calls_zone(app, client, login, make_user, make_call):
    make_call(
        title="Zoned round",
        opens_at=utcnow() - timedelta(days=1),
        closes_at=datetime(2099, 3, 31, 15, 30, tzinfo=UTC),
        time_zone="Asia/Shanghai",
    )
    login(client, make_user("applicant", timezone="Africa/Nairobi"))

    page = client.get("/calls").get_data(as_text=True)

    assert "Mar 31, 2099, 6:30\u202fPM (Africa/Nairobi)" in page
    assert "Call's time: Mar 31, 2099, 11:30\u202fPM (Asia/Shanghai)" in page


def test_open_calls_page_costs_the_same_queries_for_more_calls(client, make_call, count_queries):
    make_call()
    with count_queries() as few:
        assert client.get("/calls").status_code == 200
    for _ in range(6):
        make_call()
        make_call(opens_at=utcnow() + timedelta(days=3))
    with count_queries() as many:
        assert client.get("/calls").status_code == 200
    assert many.count == few.count


# --- a call's page ---------------------------------------------------------------------------


def test_call_page_shows_rules_documents_rubric_and_quotas(client, make_call):
    call = make_call(
        eligibility_rules=[
            {"rule": "nationality_in", "countries": ["KE", "ET"]},
            {"rule": "max_age", "years": 35},
            {"rule": "language_certificate", "language": "en"},
        ],
        required_documents=["cv", "passport"],
        quota_total=10,
        country_quotas={"KE": 2},
    )

    page = client.get(f"/calls/{call.id}").get_data(as_text=True)

    assert "Open to nationals of Kenya or Ethiopia." in page
    assert "At most 35 years old on the closing date." in page
    assert "curriculum vitae" in page and "passport (identity page)" in page
    assert "language certificate" in page  # required by the language rule
    assert "Academic merit" in page and "40 %" in page and "Grades, publications, awards." in page
    assert "10 places in all" in page
    assert "Kenya" in page
    assert "Log in to check your eligibility and apply" in page


def test_an_unpublished_call_is_hidden_from_all_but_admins(client_as, make_call):
    call = make_call(is_published=False)
    for role in ("anonymous", "applicant", "reviewer"):
        assert client_as(role).get(f"/calls/{call.id}").status_code == 404, role
        assert client_as(role).get(f"/calls/{call.id}/eligibility").status_code in (302, 404), role
    page = client_as("admin").get(f"/calls/{call.id}")
    assert page.status_code == 200
    assert "Publish" in page.get_data(as_text=True)


def test_a_closed_call_says_so_and_offers_no_application(client_as, make_call):
    now = utcnow()
    call = make_call(opens_at=now - timedelta(days=30), closes_at=now - timedelta(hours=1))
    page = client_as("applicant").get(f"/calls/{call.id}").get_data(as_text=True)
    assert "This call closed on" in page
    assert f"/calls/{call.id}/apply" not in page


def test_an_open_call_offers_the_eligibility_check_and_the_application(client_as, make_call):
    call = make_call()
    page = client_as("applicant").get(f"/calls/{call.id}").get_data(as_text=True)
    assert f"/calls/{call.id}/eligibility" in page
    assert f'action="/calls/{call.id}/apply"' in page


# --- eligibility -----------------------------------------------------------------------------


def test_eligibility_without_a_profile_asks_for_one(client_as, make_call):
    call = make_call()
    page = client_as("applicant").get(f"/calls/{call.id}/eligibility").get_data(as_text=True)
    assert "you have none yet" in page
    assert 'href="/profile"' in page


def test_eligible_applicant_is_told_so(client, login, make_user, make_person, make_call):
    user = make_user("applicant")
    make_person(user_id=user.id, nationality_code="KE", born_on=date(1998, 5, 1))
    call = make_call(eligibility_rules=[{"rule": "global_south"}, {"rule": "not_host_country"}])
    login(client, user)

    page = client.get(f"/calls/{call.id}/eligibility").get_data(as_text=True)

    assert "You are eligible for this call." in page
    assert f'action="/calls/{call.id}/apply"' in page


def test_ineligible_applicant_sees_which_rule_fails_and_why(client, login, make_user, make_person, make_call):
    user = make_user("applicant")
    closes_at = utcnow() + timedelta(days=10)
    born_on = (closes_at.astimezone(UTC) - timedelta(days=365 * 40)).date()
    make_person(user_id=user.id, nationality_code="KE", born_on=born_on)
    call = make_call(
        closes_at=closes_at,
        eligibility_rules=[
            {"rule": "nationality_in", "countries": ["ET", "GH"]},
            {"rule": "max_age", "years": 35},
        ],
    )
    login(client, user)

    page = client.get(f"/calls/{call.id}/eligibility").get_data(as_text=True)

    assert "You are not eligible: 2 rules are not met." in page
    assert "Your nationality (Kenya) is not in the list: Ethiopia, Ghana." in page
    assert "on the closing date" in page and "the limit is 35" in page
    assert f'action="/calls/{call.id}/apply"' not in page


def test_missing_profile_data_links_to_the_profile(client, login, make_user, make_person, make_call):
    user = make_user("applicant")
    make_person(user_id=user.id, nationality_code=None)
    call = make_call(eligibility_rules=[{"rule": "global_south"}])
    login(client, user)

    page = client.get(f"/calls/{call.id}/eligibility").get_data(as_text=True)

    assert "Add your nationality to your profile." in page
    assert "Complete my profile" in page
