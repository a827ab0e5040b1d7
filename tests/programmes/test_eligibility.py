"""The eligibility engine, rule by rule: passes, fails, missing profile data, ages on the closing date."""

from datetime import UTC, date, datetime

import pytest

from talent.core.errors import ValidationFailed
from talent.programmes import eligibility
from talent.programmes.models import DocumentType

# 2027-03-31 23:30 in Beijing is 15:30 UTC; in Nairobi (UTC+3) it is still the 31st at 18:30.
CLOSES_AT = datetime(2027, 3, 31, 15, 30, tzinfo=UTC)


@pytest.fixture
def call_with(make_call):
    def make(*rules, **kw):
        kw.setdefault("closes_at", CLOSES_AT)
        kw.setdefault("opens_at", datetime(2027, 1, 1, tzinfo=UTC))
        return make_call(eligibility_rules=list(rules), **kw)

    return make


def _only(result):
    assert len(result.results) == 1
    return result.results[0]


# --- nationality ---------------------------------------------------------------------------


def test_nationality_in_the_list_passes_and_outside_it_fails_naming_both(call_with, make_person):
    call = call_with({"rule": "nationality_in", "countries": ["ET", "GH"]})

    assert eligibility.evaluate(call, make_person(nationality_code="ET")).is_eligible

    result = eligibility.evaluate(call, make_person(nationality_code="KE"))
    assert not result.is_eligible
    assert _only(result).reason == "Your nationality (Kenya) is not in the list: Ethiopia, Ghana."


def test_missing_nationality_fails_and_says_what_to_add(call_with, make_person):
    for rule in (
        {"rule": "nationality_in", "countries": ["KE"]},
        {"rule": "global_south"},
        {"rule": "not_host_country"},
    ):
        result = eligibility.evaluate(call_with(rule), make_person(nationality_code=None))
        assert not result.is_eligible
        assert _only(result).reason == "Add your nationality to your profile."
        assert result.needs_profile


def test_global_south(call_with, make_person):
    call = call_with({"rule": "global_south"})
    assert eligibility.evaluate(call, make_person(nationality_code="BR")).is_eligible
    result = eligibility.evaluate(call, make_person(nationality_code="DE"))
    assert not result.is_eligible
    assert "Germany is not a Global South country" in _only(result).reason


def test_not_the_host_country(call_with, make_person, make_programme):
    call = call_with({"rule": "not_host_country"}, programme=make_programme(host_country_code="CN"))
    assert eligibility.evaluate(call, make_person(nationality_code="KE")).is_eligible
    result = eligibility.evaluate(call, make_person(nationality_code="CN"))
    assert _only(result).reason == "Nationals of China, the host country, cannot apply."


# --- age on the closing date ---------------------------------------------------------------


def test_max_age_counts_the_birthday_on_the_closing_date(call_with, make_person):
    call = call_with({"rule": "max_age", "years": 35})
    # 36th birthday on the closing date (31 March 2027, Beijing): too old.
    result = eligibility.evaluate(call, make_person(born_on=date(1991, 3, 31)))
    assert not result.is_eligible
    assert _only(result).reason == "You will be 36 on the closing date (March 31, 2027); the limit is 35."
    # 36th birthday the day after: still 35 on the closing date.
    assert eligibility.evaluate(call, make_person(born_on=date(1991, 4, 1))).is_eligible


def test_min_age_counts_the_birthday_on_the_closing_date(call_with, make_person):
    call = call_with({"rule": "min_age", "years": 18})
    assert eligibility.evaluate(call, make_person(born_on=date(2009, 3, 31))).is_eligible
    result = eligibility.evaluate(call, make_person(born_on=date(2009, 4, 1)))
    assert _only(result).reason == "You will be 17 on the closing date (March 31, 2027); the minimum is 18."


def test_the_closing_date_is_the_calls_day_in_its_own_time_zone(call_with, make_person):
    # 2027-03-31 20:00 UTC: already 1 April in Beijing, still 31 March in UTC and in the Americas.
    closes_at = datetime(2027, 3, 31, 20, 0, tzinfo=UTC)
    born_on = date(1991, 4, 1)  # turns 36 on 1 April
    beijing = call_with({"rule": "max_age", "years": 35}, closes_at=closes_at, time_zone="Asia/Shanghai")
    lima = call_with({"rule": "max_age", "years": 35}, closes_at=closes_at, time_zone="America/Lima")
    person = make_person(born_on=born_on)

    assert eligibility.closing_date(beijing) == date(2027, 4, 1)
    assert not eligibility.evaluate(beijing, person).is_eligible
    assert eligibility.closing_date(lima) == date(2027, 3, 31)
    assert eligibility.evaluate(lima, person).is_eligible


def test_missing_birth_date_fails_and_says_what_to_add(call_with, make_person):
    result = eligibility.evaluate(call_with({"rule": "max_age", "years": 35}), make_person(born_on=None))
    assert _only(result).reason == "Add your date of birth to your profile."
    assert _only(result).missing == "born_on"


def test_age_on_a_leap_day_birthday():
    assert eligibility.age_on(date(2000, 2, 29), date(2027, 2, 28)) == 26
    assert eligibility.age_on(date(2000, 2, 29), date(2027, 3, 1)) == 27


# --- education and language ----------------------------------------------------------------


def test_minimum_isced_level(call_with, make_person):
    call = call_with({"rule": "min_isced_level", "level": 6})
    assert eligibility.evaluate(call, make_person(isced_level=6)).is_eligible
    assert eligibility.evaluate(call, make_person(isced_level=8)).is_eligible
    result = eligibility.evaluate(call, make_person(isced_level=5))
    assert not result.is_eligible
    assert "5 — Short-cycle tertiary education" in _only(result).reason
    assert "6 — Bachelor’s or equivalent level" in _only(result).reason
    missing = eligibility.evaluate(call, make_person(isced_level=None))
    assert _only(missing).reason == "Add your highest education completed to your profile."


def test_language_certificate_needs_the_language_in_the_profile(call_with, make_person):
    call = call_with({"rule": "language_certificate", "language": "en"})
    assert eligibility.evaluate(call, make_person(languages="sw,en")).is_eligible
    result = eligibility.evaluate(call, make_person(languages="sw,am"))
    assert _only(result).reason == "Your profile does not list English among your languages."
    missing = eligibility.evaluate(call, make_person(languages=""))
    assert "Add the languages you speak to your profile" in _only(missing).reason


def test_language_rule_makes_the_certificate_a_required_document(call_with):
    call = call_with(
        {"rule": "language_certificate", "language": "fr"}, required_documents=["cv", "transcript"]
    )
    assert eligibility.required_documents(call) == [
        DocumentType.CV,
        DocumentType.TRANSCRIPT,
        DocumentType.LANGUAGE_CERTIFICATE,
    ]
    plain = call_with(required_documents=["cv", "language_certificate"])
    assert eligibility.required_documents(plain) == [DocumentType.CV, DocumentType.LANGUAGE_CERTIFICATE]


# --- several rules ---------------------------------------------------------------------------


def test_every_rule_is_reported_and_one_failure_makes_the_person_ineligible(call_with, make_person):
    call = call_with(
        {"rule": "global_south"},
        {"rule": "not_host_country"},
        {"rule": "max_age", "years": 35},
        {"rule": "min_isced_level", "level": 7},
    )
    person = make_person(nationality_code="KE", born_on=date(1995, 1, 1), isced_level=6)
    result = eligibility.evaluate(call, person)
    assert [r.passed for r in result.results] == [True, True, True, False]
    assert not result.is_eligible
    assert [r.rule["rule"] for r in result.failures] == ["min_isced_level"]


def test_a_call_without_rules_admits_everyone(call_with, make_person):
    result = eligibility.evaluate(call_with(), make_person(nationality_code=None, born_on=None))
    assert result.is_eligible and result.results == []


def test_a_rule_of_unknown_kind_never_admits(call_with, make_person):
    result = eligibility.evaluate(call_with({"rule": "moon_citizen"}), make_person())
    assert not result.is_eligible


def test_rules_described_in_plain_words(call_with, make_programme):
    call = call_with(
        {"rule": "nationality_in", "countries": ["KE", "ET"]},
        {"rule": "not_host_country"},
        {"rule": "max_age", "years": 35},
        {"rule": "min_isced_level", "level": 6},
        {"rule": "language_certificate", "language": "en"},
        programme=make_programme(host_country_code="CN"),
    )
    assert eligibility.describe_all(call) == [
        "Open to nationals of Kenya or Ethiopia.",
        "Not open to nationals of China, the host country.",
        "At most 35 years old on the closing date.",
        "Education completed at level 6 — Bachelor’s or equivalent level or higher.",
        "A certificate of English, uploaded with the application.",
    ]


# --- validating rules ----------------------------------------------------------------------


def test_validate_rules_cleans_codes_and_orders_rules(db):
    clean = eligibility.validate_rules(
        [{"rule": "max_age", "years": 35}, {"rule": "nationality_in", "countries": [" ke", "ET", "KE"]}]
    )
    assert clean == [{"rule": "nationality_in", "countries": ["KE", "ET"]}, {"rule": "max_age", "years": 35}]
    assert eligibility.validate_rules(None) == []


@pytest.mark.parametrize(
    ("rules", "field", "words"),
    [
        ([{"rule": "moon_citizen"}], "eligibility_rules", "unknown rule"),
        ("global_south", "eligibility_rules", "as a list"),
        ([{"rule": "nationality_in", "countries": ["KE", "XX"]}], "eligibility_rules.nationality_in", "XX"),
        ([{"rule": "nationality_in", "countries": []}], "eligibility_rules.nationality_in", "at least one"),
        ([{"rule": "max_age", "years": "35"}], "eligibility_rules.max_age", "whole number"),
        ([{"rule": "max_age", "years": True}], "eligibility_rules.max_age", "whole number"),
        ([{"rule": "min_age", "years": 200}], "eligibility_rules.min_age", "from 0 to 120"),
        ([{"rule": "min_isced_level", "level": 9}], "eligibility_rules.min_isced_level", "from 0 to 8"),
        (
            [{"rule": "language_certificate", "language": "english"}],
            "eligibility_rules.language_certificate",
            "ISO 639-1",
        ),
        ([{"rule": "global_south", "strict": True}], "eligibility_rules.global_south", "strict"),
        ([{"rule": "global_south"}, {"rule": "global_south"}], "eligibility_rules.global_south", "twice"),
        (
            [{"rule": "min_age", "years": 40}, {"rule": "max_age", "years": 35}],
            "eligibility_rules.min_age",
            "above the maximum",
        ),
    ],
)
def test_validate_rules_refuses_bad_rules_naming_the_rule(db, rules, field, words):
    with pytest.raises(ValidationFailed) as refused:
        eligibility.validate_rules(rules)
    assert refused.value.field == field
    assert words in refused.value.message
