"""Eligibility rules of a call: rules as data, checked against a person's profile with a reason per rule.

A call's `eligibility_rules` is a list of dicts, each naming its kind in "rule":

- `{"rule": "nationality_in", "countries": ["KE", "ET"]}` — a national of one of these countries;
- `{"rule": "global_south"}` — a national of a Global South country (a G77 member or China);
- `{"rule": "not_host_country"}` — not a national of the programme's host country;
- `{"rule": "max_age", "years": 35}`, `{"rule": "min_age", "years": 18}` — age on the call's closing
  date, that date taken in the call's time zone (a call closing at 23:59 in Beijing closes on that
  Beijing day, whatever the applicant's zone);
- `{"rule": "min_isced_level", "level": 6}` — highest education completed, ISCED 2011;
- `{"rule": "language_certificate", "language": "en"}` — the profile lists the language, and a
  language certificate becomes a required document (see `required_documents`).

Missing profile data fails the rule, with a reason that says what to add to the profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pycountry
from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from talent.core.errors import ValidationFailed
from talent.extensions import db
from talent.programmes.models import Call, DocumentType
from talent.reference.data.isced import ISCED_LEVELS, level_label
from talent.reference.models import Country, Person

NATIONALITY_IN = "nationality_in"
GLOBAL_SOUTH = "global_south"
NOT_HOST_COUNTRY = "not_host_country"
MAX_AGE = "max_age"
MIN_AGE = "min_age"
MIN_ISCED_LEVEL = "min_isced_level"
LANGUAGE_CERTIFICATE = "language_certificate"

# Each kind with its parameters, in the order rules are shown.
RULE_PARAMETERS: dict[str, tuple[str, ...]] = {
    NATIONALITY_IN: ("countries",),
    GLOBAL_SOUTH: (),
    NOT_HOST_COUNTRY: (),
    MIN_AGE: ("years",),
    MAX_AGE: ("years",),
    MIN_ISCED_LEVEL: ("level",),
    LANGUAGE_CERTIFICATE: ("language",),
}
RULE_LABELS = {
    NATIONALITY_IN: _l("Nationalities"),
    GLOBAL_SOUTH: _l("Global South only"),
    NOT_HOST_COUNTRY: _l("Not the host country"),
    MIN_AGE: _l("Minimum age"),
    MAX_AGE: _l("Maximum age"),
    MIN_ISCED_LEVEL: _l("Minimum education"),
    LANGUAGE_CERTIFICATE: _l("Language certificate"),
}
MAX_COUNTRIES = 250
AGE_RANGE = range(0, 121)


@dataclass(frozen=True)
class RuleResult:
    rule: dict[str, Any]
    passed: bool
    reason: str
    # The profile field to fill in when the rule failed for want of data (nationality_code, born_on, …).
    missing: str | None = None


@dataclass(frozen=True)
class Eligibility:
    results: list[RuleResult]

    @property
    def is_eligible(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> list[RuleResult]:
        return [result for result in self.results if not result.passed]

    @property
    def needs_profile(self) -> bool:
        return any(result.missing for result in self.results)


# --- words ---------------------------------------------------------------------------------


def _locale() -> str:
    return str(get_locale() or "en")


def country_name(code: str | None) -> str:
    """The country's name in the reader's language ("KE" is "Kenya", "肯尼亚")."""
    if not code:
        return ""
    return Locale.parse(_locale()).territories.get(code, code)


def language_name(code: str) -> str:
    name = Locale.parse(_locale()).languages.get(code)
    if name:
        return name
    record = pycountry.languages.get(alpha_2=code)
    return record.name if record else code


def _countries(codes: list[str], style: str | None = None) -> str:
    """Country names as a list ("Ethiopia, Ghana"), or as alternatives with `style="or"`."""
    names = [country_name(code) for code in codes]
    if style:
        return format_list(names, style=style, locale=_locale())
    # The separator of a plain list, e.g. "、" in Chinese.
    return _(", ").join(names)


def closing_date(call: Call) -> date:
    """The day the call closes, in the call's own time zone."""
    return call.closes_at.astimezone(ZoneInfo(call.time_zone)).date()


def age_on(born_on: date, day: date) -> int:
    """Completed years on `day`: a person is 36 from their 36th birthday on."""
    return day.year - born_on.year - ((day.month, day.day) < (born_on.month, born_on.day))


def describe(rule: dict[str, Any], *, host_country_code: str | None = None) -> str:
    """The rule in plain words, for the call page and the API."""
    kind = rule.get("rule")
    if kind == NATIONALITY_IN:
        return _("Open to nationals of %(countries)s.", countries=_countries(rule["countries"], "or"))
    if kind == GLOBAL_SOUTH:
        return _("Open to nationals of Global South countries (members of the G77, and China).")
    if kind == NOT_HOST_COUNTRY:
        if host_country_code:
            return _(
                "Not open to nationals of %(country)s, the host country.",
                country=country_name(host_country_code),
            )
        return _("Not open to nationals of the host country.")
    if kind == MAX_AGE:
        return _("At most %(years)d years old on the closing date.", years=rule["years"])
    if kind == MIN_AGE:
        return _("At least %(years)d years old on the closing date.", years=rule["years"])
    if kind == MIN_ISCED_LEVEL:
        return _("Education completed at level %(level)s or higher.", level=level_label(rule["level"]))
    if kind == LANGUAGE_CERTIFICATE:
        return _(
            "A certificate of %(language)s, uploaded with the application.",
            language=language_name(rule["language"]),
        )
    return _("A rule this version does not know (%(kind)s).", kind=str(kind))


def describe_all(call: Call) -> list[str]:
    host = call.programme.host_country_code
    return [describe(rule, host_country_code=host) for rule in call.eligibility_rules]


# --- evaluation ----------------------------------------------------------------------------


def _nationality_missing(rule) -> RuleResult:
    return RuleResult(rule, False, _("Add your nationality to your profile."), missing="nationality_code")


def _nationality_in(rule, person: Person, call: Call) -> RuleResult:
    code = person.nationality_code
    if not code:
        return _nationality_missing(rule)
    if code in rule["countries"]:
        return RuleResult(
            rule, True, _("Your nationality (%(country)s) is in the list.", country=country_name(code))
        )
    return RuleResult(
        rule,
        False,
        _(
            "Your nationality (%(country)s) is not in the list: %(countries)s.",
            country=country_name(code),
            countries=_countries(rule["countries"]),
        ),
    )


def _global_south(rule, person: Person, call: Call) -> RuleResult:
    if not person.nationality_code:
        return _nationality_missing(rule)
    name = country_name(person.nationality_code)
    if person.nationality is not None and person.nationality.is_global_south:
        return RuleResult(rule, True, _("%(country)s is a Global South country.", country=name))
    return RuleResult(
        rule,
        False,
        _("%(country)s is not a Global South country (a member of the G77, or China).", country=name),
    )


def _not_host_country(rule, person: Person, call: Call) -> RuleResult:
    if not person.nationality_code:
        return _nationality_missing(rule)
    host = call.programme.host_country_code
    if person.nationality_code != host:
        return RuleResult(
            rule,
            True,
            _("You are not a national of %(country)s, the host country.", country=country_name(host)),
        )
    return RuleResult(
        rule,
        False,
        _("Nationals of %(country)s, the host country, cannot apply.", country=country_name(host)),
    )


def _age(rule, person: Person, call: Call) -> RuleResult:
    if person.born_on is None:
        return RuleResult(rule, False, _("Add your date of birth to your profile."), missing="born_on")
    day = closing_date(call)
    age = age_on(person.born_on, day)
    limit = rule["years"]
    words = {"age": age, "date": format_date(day, "long", locale=_locale()), "years": limit}
    if rule["rule"] == MAX_AGE:
        passed = age <= limit
        reason = _("You will be %(age)d on the closing date (%(date)s); the limit is %(years)d.", **words)
    else:
        passed = age >= limit
        reason = _("You will be %(age)d on the closing date (%(date)s); the minimum is %(years)d.", **words)
    return RuleResult(rule, passed, reason)


def _education(rule, person: Person, call: Call) -> RuleResult:
    if person.isced_level is None:
        return RuleResult(
            rule, False, _("Add your highest education completed to your profile."), missing="isced_level"
        )
    words = {"yours": level_label(person.isced_level), "needed": level_label(rule["level"])}
    if person.isced_level >= rule["level"]:
        return RuleResult(
            rule, True, _("Your highest education (%(yours)s) meets the minimum (%(needed)s).", **words)
        )
    return RuleResult(
        rule,
        False,
        _("Your highest education is %(yours)s; this call asks for at least %(needed)s.", **words),
    )


def _language(rule, person: Person, call: Call) -> RuleResult:
    language = language_name(rule["language"])
    if not person.language_list:
        return RuleResult(
            rule,
            False,
            _(
                "Add the languages you speak to your profile (this call asks for %(language)s).",
                language=language,
            ),
            missing="languages",
        )
    if rule["language"] in person.language_list:
        return RuleResult(
            rule,
            True,
            _(
                "You speak %(language)s; upload your %(language)s certificate with the application.",
                language=language,
            ),
        )
    return RuleResult(
        rule, False, _("Your profile does not list %(language)s among your languages.", language=language)
    )


_EVALUATORS = {
    NATIONALITY_IN: _nationality_in,
    GLOBAL_SOUTH: _global_south,
    NOT_HOST_COUNTRY: _not_host_country,
    MAX_AGE: _age,
    MIN_AGE: _age,
    MIN_ISCED_LEVEL: _education,
    LANGUAGE_CERTIFICATE: _language,
}


def evaluate(call: Call, person: Person, *, now: datetime | None = None) -> Eligibility:
    """Each rule of `call` checked against `person`'s profile, in the call's order.

    Every rule is judged as on the call's closing date, so `now` (accepted so that callers can pass
    their clock) does not change the answer: an applicant eligible today is eligible at submission.
    A rule of an unknown kind fails: eligibility is never granted by a rule nobody checked.
    """
    results = []
    for rule in call.eligibility_rules:
        evaluator = _EVALUATORS.get(rule.get("rule"))
        if evaluator is None:
            results.append(
                RuleResult(
                    rule, False, _("This call has a rule that cannot be checked; ask the programme office.")
                )
            )
        else:
            results.append(evaluator(rule, person, call))
    return Eligibility(results)


def required_documents(call: Call) -> list[DocumentType]:
    """The documents an application must carry: the call's list, plus a language certificate when a
    rule asks for one."""
    out = [DocumentType(value) for value in call.required_documents]
    if any(rule.get("rule") == LANGUAGE_CERTIFICATE for rule in call.eligibility_rules):
        out.append(DocumentType.LANGUAGE_CERTIFICATE)
    return list(dict.fromkeys(out))


# --- validation ----------------------------------------------------------------------------


def _fail(kind: str | None, problem: str):
    field = f"eligibility_rules.{kind}" if kind in RULE_LABELS else "eligibility_rules"
    label = RULE_LABELS.get(kind, _l("Eligibility rules"))
    raise ValidationFailed(_("%(field)s: %(problem)s", field=label, problem=problem), field=field)


def _whole_number(kind: str, value, allowed: range) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(kind, _("give a whole number."))
    if value not in allowed:
        _fail(kind, _("give a whole number from %(low)d to %(high)d.", low=allowed[0], high=allowed[-1]))
    return value


def _country_codes(kind: str, value) -> list[str]:
    if not isinstance(value, list) or not value:
        _fail(kind, _("give at least one country code (ISO 3166, e.g. KE)."))
    if len(value) > MAX_COUNTRIES:
        _fail(kind, _("at most %(n)d countries.", n=MAX_COUNTRIES))
    codes = []
    for code in value:
        if not isinstance(code, str):
            _fail(kind, _("give country codes as text, e.g. KE."))
        codes.append(code.strip().upper())
    codes = list(dict.fromkeys(codes))
    known = set(db.session.scalars(select(Country.code).where(Country.code.in_(codes))))
    unknown = [code for code in codes if code not in known]
    if unknown:
        _fail(kind, _("unknown country code: %(codes)s.", codes=", ".join(unknown)))
    return codes


def _language_code(kind: str, value) -> str:
    code = value.strip().lower() if isinstance(value, str) else ""
    if len(code) != 2 or pycountry.languages.get(alpha_2=code) is None:
        _fail(kind, _("give a two-letter language code (ISO 639-1, e.g. en)."))
    return code


def validate_rules(rules) -> list[dict[str, Any]]:
    """The rules in their clean form (codes upper- or lower-cased, duplicates dropped), or
    ValidationFailed naming the rule (`field` is "eligibility_rules.<kind>")."""
    if rules is None:
        return []
    if not isinstance(rules, list):
        _fail(None, _("give the rules as a list."))
    clean: dict[str, dict[str, Any]] = {}
    for rule in rules:
        kind = rule.get("rule") if isinstance(rule, dict) else None
        if kind not in RULE_PARAMETERS:
            _fail(None, _("unknown rule: %(kind)s.", kind=str(kind)))
        extra = set(rule) - {"rule", *RULE_PARAMETERS[kind]}
        if extra:
            _fail(kind, _("unknown parameter: %(names)s.", names=", ".join(sorted(extra))))
        if kind in clean:
            _fail(kind, _("this rule is given twice."))
        if kind == NATIONALITY_IN:
            clean[kind] = {"rule": kind, "countries": _country_codes(kind, rule.get("countries"))}
        elif kind in (MAX_AGE, MIN_AGE):
            clean[kind] = {"rule": kind, "years": _whole_number(kind, rule.get("years"), AGE_RANGE)}
        elif kind == MIN_ISCED_LEVEL:
            level = _whole_number(kind, rule.get("level"), range(min(ISCED_LEVELS), max(ISCED_LEVELS) + 1))
            clean[kind] = {"rule": kind, "level": level}
        elif kind == LANGUAGE_CERTIFICATE:
            clean[kind] = {"rule": kind, "language": _language_code(kind, rule.get("language"))}
        else:
            clean[kind] = {"rule": kind}
    if MIN_AGE in clean and MAX_AGE in clean and clean[MIN_AGE]["years"] > clean[MAX_AGE]["years"]:
        _fail(
            MIN_AGE,
            _(
                "the minimum age (%(low)d) is above the maximum age (%(high)d).",
                low=clean[MIN_AGE]["years"],
                high=clean[MAX_AGE]["years"],
            ),
        )
    return [clean[kind] for kind in RULE_PARAMETERS if kind in clean]
