"""The programme and call use cases, called directly as the API or the CLI would call them."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from talent.core.audit import AuditEntry
from talent.core.db import utcnow
from talent.core.errors import ValidationFailed
from talent.programmes import calls
from talent.programmes.models import ApplicationStatus, ProgrammeKind
from tests.programmes.conftest import RUBRIC

OPENS_AT = datetime(2099, 3, 1, 1, 0, tzinfo=UTC)
CLOSES_AT = datetime(2099, 3, 31, 15, 59, tzinfo=UTC)


def _new_call(programme, **kw):
    values = {
        "programme_id": programme.id,
        "title": "2099 intake",
        "opens_at": OPENS_AT,
        "closes_at": CLOSES_AT,
    }
    values.update(kw)
    return calls.create_call(**values)


def test_a_new_call_takes_defaults_and_is_not_published(db, make_programme):
    call = _new_call(make_programme())
    assert not call.is_published
    assert (call.time_zone, call.reviewers_per_application, call.review_days, call.offer_days) == (
        "Asia/Shanghai",
        3,
        21,
        14,
    )
    assert call.is_blind_review and call.quota_total is None and call.country_quotas == {}


def test_times_are_kept_in_utc_whatever_offset_they_come_with(db, make_programme):
    call = _new_call(make_programme(), opens_at="2099-03-01T09:00:00+08:00")
    assert call.opens_at == OPENS_AT


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"opens_at": datetime(2099, 3, 1, 9, 0)}, "opens_at", "with its offset"),
        ({"closes_at": OPENS_AT}, "closes_at", "must close after it opens"),
        ({"title": "  "}, "title", "required"),
        ({"titles": {"xx": "?"}}, "titles", "not one of the interface languages"),
        ({"time_zone": "Nowhere/Town"}, "time_zone", "not a known time zone"),
        ({"reviewers_per_application": 0}, "reviewers_per_application", "from 1 to 10"),
        ({"reviewers_per_application": True}, "reviewers_per_application", "whole number"),
        ({"offer_days": 91}, "offer_days", "from 1 to 90"),
        ({"country_quotas": {"KE": -2}}, "country_quotas", "cannot be negative"),
        ({"country_quotas": {"Kenya": 2}}, "country_quotas", "unknown country code"),
        ({"required_documents": ["selfie"]}, "required_documents", "not a document type"),
        ({"rubric": [{**RUBRIC[0], "weight": 100, "colour": "red"}]}, "rubric.0", "colour"),
        ({"rubric": [{**RUBRIC[0], "weight": "40"}, *RUBRIC[1:]]}, "rubric.0.weight", "whole number"),
        ({"rubric": [{**RUBRIC[0], "weight": 0}, *RUBRIC[1:]]}, "rubric.0.weight", "from 1 to 100"),
        ({"rubric": RUBRIC[:2]}, "rubric", "add up to 100; now they add up to 75"),
        ({"rubric": [dict(RUBRIC[0], weight=10)] * 9 + [dict(RUBRIC[0], weight=10)]}, "rubric", "at most 8"),
        ({"eligibility_rules": [{"rule": "max_age", "years": -1}]}, "eligibility_rules.max_age", "from 0"),
        ({"programme_id": 999_999}, "programme_id", "choose a programme"),
    ],
)
def test_bad_values_are_refused_naming_the_field(db, make_programme, kw, field, words):
    with pytest.raises(ValidationFailed) as refused:
        _new_call(make_programme(), **kw)
    assert refused.value.field == field
    assert words in refused.value.message


def test_update_audits_only_what_changed(db, make_call):
    call = make_call()
    calls.update_call(call, rubric=[dict(c) for c in call.rubric], reviewers_per_application=3)
    assert not db.session.scalar(select(AuditEntry).where(AuditEntry.action == "call.updated"))
    calls.update_call(call, reviewers_per_application=2)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "call.updated"))
    assert entry.changes == {"reviewers_per_application": [3, 2]}


def test_the_rubric_is_fixed_once_a_reviewer_scored_against_it(
    db, make_call, make_application, make_user, make_review
):
    call = make_call()
    application = make_application(call=call, status=ApplicationStatus.UNDER_REVIEW)
    calls.update_call(call, rubric=[{**RUBRIC[0], "guidance": "Grades."}, *RUBRIC[1:]])  # assigned only: fine
    make_review(application, make_user("reviewer"), scores={"merit": 4, "plan": 3, "impact": 5})

    with pytest.raises(ValidationFailed) as refused:
        calls.update_call(call, rubric=[{**RUBRIC[0], "weight": 50}, {**RUBRIC[1], "weight": 25}, RUBRIC[2]])
    assert refused.value.field == "rubric"
    assert call.rubric[0]["weight"] == 40


def test_a_published_call_stays_in_its_programme(db, make_call, make_programme):
    call = make_call()
    with pytest.raises(ValidationFailed) as refused:
        calls.update_call(call, programme_id=make_programme().id)
    assert refused.value.field == "programme_id"


def test_publish_needs_a_rubric_and_a_future_closing_time(db, make_call):
    call = make_call(is_published=False, rubric=[])
    with pytest.raises(ValidationFailed):
        calls.publish_call(call)
    calls.update_call(call, rubric=[dict(c) for c in RUBRIC])
    calls.publish_call(call, now=utcnow())
    assert call.is_published
    late = make_call(is_published=False)
    with pytest.raises(ValidationFailed):
        calls.publish_call(late, now=late.closes_at + timedelta(seconds=1))


# --- programmes ------------------------------------------------------------------------------


def test_create_programme_checks_kind_country_organiser_and_languages(db, make_institution):
    programme = calls.create_programme(
        kind="engineer_placement", name="Algorithm engineers", names={"fr": "Ingénieurs", "zh": ""}
    )
    assert programme.kind == ProgrammeKind.ENGINEER_PLACEMENT and programme.is_exchange
    assert programme.names == {"fr": "Ingénieurs"}
    assert programme.host_country_code == "CN"
    for kw, field in [
        ({"kind": "holiday"}, "kind"),
        ({"host_country_code": "XX"}, "host_country_code"),
        ({"organiser_id": 999_999}, "organiser_id"),
        ({"names": {"de": "Ingenieure"}}, "names"),
        ({"name": "x" * 201}, "name"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            calls.create_programme(**{"kind": "scholarship", "name": "Another", **kw})
        assert refused.value.field == field, kw


def test_update_programme_keeps_names_unique(db, make_programme):
    first, second = make_programme(name="First"), make_programme(name="Second")
    with pytest.raises(ValidationFailed) as refused:
        calls.update_programme(second, name="FIRST")
    assert refused.value.field == "name"
    calls.update_programme(first, name="First", description="Same name, new words.")
    assert first.description == "Same name, new words."
