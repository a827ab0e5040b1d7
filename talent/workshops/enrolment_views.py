"""Enrolment pages: staff enrol one trainee, and trainees ask to join (answering requests,
withdrawals and the waitlist are in waitlist_views).

The rules (seats, the waitlist, the enrolment window) are talent.workshops.enrolment's; these
views parse, authorise, call them and say what happened.
"""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from talent.core.errors import ValidationFailed
from talent.core.permissions import AUTHENTICATED, Role, access, get_or_404, require, roles
from talent.core.urls import safe_next
from talent.reference.operations import create_person, find_person_by_email, profile_of
from talent.reference.queries import country_choices
from talent.workshops import enrolment as rules
from talent.workshops import enrolment_queries as queries
from talent.workshops.blueprint import bp
from talent.workshops.enrolment_forms import (
    JoinForm,
    NewPersonForm,
    PersonSearchForm,
    PickPersonForm,
)
from talent.workshops.labels import ENROLMENT_STATUS
from talent.workshops.models import Cohort, CohortStatus, Enrolment, EnrolmentStatus
from talent.workshops.roster_queries import seats as seats_of

STAFF = roles(Role.ADMIN, Role.INSTITUTION)


def join_window(cohort: Cohort, today: date | None = None) -> str:
    """Where a cohort stands for self-service requests: "open", "soon" or "over"."""
    today = today or date.today()
    if cohort.is_enrolment_open(today):
        return "open"
    if cohort.status == CohortStatus.OPEN and today < cohort.enrolment_opens_on:
        return "soon"
    return "over"


@bp.context_processor
def enrolment_helpers():
    # Also for the public cohort page, which includes workshops/join_button.html.
    return {"join_window": join_window, "enrolment_status_words": ENROLMENT_STATUS}


def per_page() -> int:
    return int(current_app.config["PAGE_SIZE"])


def managed_cohort(cohort_id: int) -> Cohort:
    return get_or_404(Cohort, cohort_id, "manage")


def enrolment_or_404(enrolment_id: int, permission: str) -> Enrolment:
    enrolment = queries.load_enrolment(enrolment_id)
    if enrolment is None:
        abort(404)
    require(enrolment, permission)
    return enrolment


# --- staff enrol one trainee ---------------------------------------------------------------


def _enrol_page(cohort: Cohort, search_form, new_form, *, error: str | None = None, status: int = 200):
    search = "" if search_form.errors else (search_form.q.data or "").strip()
    page, known = None, {}
    if search:
        page = queries.pickable_persons_page(
            current_user, search, per_page=per_page(), args={"cohort_id": cohort.id, "q": search}
        )
        known = queries.enrolments_of(cohort, [person.id for person in page.items])
        if not page.items and "@" in search and not new_form.email.data:
            new_form.email.data = search
    page_status = 422 if search_form.errors or new_form.errors else status
    return render_template(
        "workshops/enrol.html",
        cohort=cohort,
        seats=seats_of(cohort),
        search_form=search_form,
        new_form=new_form,
        search=search,
        page=page,
        known=known,
        error=error,
    ), page_status


def _enrol_outcome(person, before: EnrolmentStatus | None, result: rules.EnrolResult) -> tuple[str, str]:
    name, enrolment = person.name_latin, result.enrolment
    if result.created:
        if enrolment.status == EnrolmentStatus.ENROLLED:
            return _("%(name)s is enrolled.", name=name), "success"
        return _(
            "The cohort is full: %(name)s is number %(position)d on the waitlist.",
            name=name,
            position=enrolment.waitlist_position,
        ), "warning"
    before = before or enrolment.status
    if before == EnrolmentStatus.PENDING:
        if enrolment.status == EnrolmentStatus.ENROLLED:
            return _(
                "%(name)s had asked to join: the request is approved and they are enrolled.", name=name
            ), ("success")
        return _(
            "%(name)s had asked to join: the request is approved, but the cohort is full, so they are "
            "number %(position)d on the waitlist.",
            name=name,
            position=enrolment.waitlist_position,
        ), "warning"
    if before == EnrolmentStatus.ENROLLED:
        return _("%(name)s is already enrolled.", name=name), "info"
    if before == EnrolmentStatus.WAITLISTED:
        return _(
            "%(name)s is already on the waitlist, number %(position)d.",
            name=name,
            position=enrolment.waitlist_position,
        ), "info"
    return _(
        "%(name)s already took part in this cohort (%(status)s).", name=name, status=ENROLMENT_STATUS[before]
    ), "info"


def _enrol(cohort: Cohort, person) -> None:
    """Enrol `person` and say what happened; the rules raise ValidationFailed when they refuse."""
    # Read the person's place after taking the cohort's lock (the rules take it again, within
    # the same transaction), or a request made at the same moment could change it in between.
    rules.lock_cohort(cohort.id)
    previous = queries.enrolment_of(cohort.id, person.id)
    before = previous.status if previous is not None else None
    flash(*_enrol_outcome(person, before, rules.enrol(cohort, person, actor=current_user)))


def _person_from(cohort: Cohort, form: NewPersonForm):
    """The person the form describes: the one already on file with that e-mail address, or a new one."""
    # Taking the cohort's lock first makes two staff typing the same new trainee at the same
    # moment wait for each other, so the second finds the first's record instead of a twin.
    rules.lock_cohort(cohort.id)
    existing = find_person_by_email(form.email.data)
    if existing is not None:
        flash(
            _(
                "A person with the e-mail address %(email)s was already on file: %(name)s. "
                "No new record was made.",
                email=form.email.data.strip().lower(),
                name=existing.name_latin,
            ),
            "info",
        )
        return existing
    return create_person(actor=current_user, **form.values())


@bp.route("/cohorts/<int:cohort_id>/enrol", methods=["GET", "POST"])
@access(STAFF)
def enrol_trainee(cohort_id: int):
    cohort = managed_cohort(cohort_id)
    countries = country_choices()
    if request.method == "GET":
        search_form = PersonSearchForm(request.args)
        if request.args:
            search_form.validate()
        return _enrol_page(cohort, search_form, NewPersonForm(formdata=None, countries=countries))

    if "person_id" in request.form:
        pick = PickPersonForm()
        search_form = PersonSearchForm(formdata=None, q=pick.q.data or "")
        new_form = NewPersonForm(formdata=None, countries=countries)
        person = (
            queries.pickable_person(current_user, pick.person_id.data, pick.q.data or "")
            if pick.validate_on_submit()
            else None
        )
        if person is None:
            return _enrol_page(
                cohort, search_form, new_form, error=_("Choose a person from the search results."), status=422
            )
        try:
            _enrol(cohort, person)
        except ValidationFailed as error:
            return _enrol_page(cohort, search_form, new_form, error=error.message, status=422)
        return redirect(url_for("workshops.enrol_trainee", cohort_id=cohort.id, q=pick.q.data or None))

    search_form = PersonSearchForm(formdata=None)
    new_form = NewPersonForm(countries=countries)
    if new_form.validate_on_submit():
        try:
            _enrol(cohort, _person_from(cohort, new_form))
        except ValidationFailed as error:
            target = getattr(new_form, error.field or "", None)
            if target is None:
                return _enrol_page(cohort, search_form, new_form, error=error.message, status=422)
            target.errors = [*target.errors, error.message]
        else:
            return redirect(url_for("workshops.enrol_trainee", cohort_id=cohort.id))
    return _enrol_page(cohort, search_form, new_form, status=422)


# --- trainees ask to join ------------------------------------------------------------------


def _join_outcome(result: rules.EnrolResult) -> str:
    status = result.status
    if result.created:
        return _(
            "Your request to join is sent. The course staff will answer it; you will find their "
            "answer under Notifications."
        )
    if status == EnrolmentStatus.PENDING:
        return _("You already asked to join this cohort; your request awaits approval.")
    if status == EnrolmentStatus.ENROLLED:
        return _("You are already enrolled in this cohort.")
    if status == EnrolmentStatus.WAITLISTED:
        return _(
            "You are on the waitlist of this cohort, number %(position)d.",
            position=result.enrolment.waitlist_position,
        )
    return _("You already took part in this cohort.")


@bp.route("/cohorts/<int:cohort_id>/join", methods=["GET", "POST"])
@access(AUTHENTICATED)
def join_cohort(cohort_id: int):
    cohort = get_or_404(Cohort, cohort_id, "view")
    person = profile_of(current_user)
    form = JoinForm()
    error = None
    if request.method == "POST":
        if person is None:
            flash(
                _(
                    "Create your profile first: the course staff need your name as in your passport "
                    "before they can accept you. Then ask to join again."
                ),
                "info",
            )
            return redirect(url_for("reference.my_profile"))
        if form.validate_on_submit():
            try:
                result = rules.request_to_join(cohort, person, actor=current_user)
            except ValidationFailed as refused:
                error = refused.message
            else:
                flash(_join_outcome(result), "success" if result.created else "info")
                back = safe_next(form.next.data) or url_for("workshops.join_cohort", cohort_id=cohort.id)
                return redirect(back)
    current = queries.enrolment_of(cohort.id, person.id) if person is not None else None
    page = render_template(
        "workshops/join.html",
        cohort=cohort,
        person=person,
        current=current,
        seats=seats_of(cohort),
        form=form,
        error=error,
    )
    return page, 422 if error or form.errors else 200
