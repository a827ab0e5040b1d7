"""Institutions, the user's own profile, and the people list."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from talent.core.errors import ValidationFailed
from talent.core.permissions import ADMIN, AUTHENTICATED, Role, access, get_or_404, roles
from talent.core.queries import history_for
from talent.reference import operations, queries
from talent.reference.data.isced import field_label, level_label
from talent.reference.forms import (
    GENDER_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    InstitutionFilterForm,
    InstitutionForm,
    PersonSearchForm,
    ProfileForm,
)
from talent.reference.models import Institution, InstitutionKind, PartnerStatus, Person

bp = Blueprint("reference", __name__)


@bp.context_processor
def labels():
    return {
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "gender_labels": GENDER_LABELS,
        "isced_level_label": level_label,
        "isced_field_label": field_label,
    }


def _attach_error(form, error: ValidationFailed) -> None:
    target = getattr(form, error.field or "", None)
    if target is None:
        flash(error.message, "error")
    else:
        target.errors = [*target.errors, error.message]


# --- institutions --------------------------------------------------------------------------


@bp.get("/institutions")
@access(AUTHENTICATED)
def institutions():
    countries = queries.country_choices()
    form = InstitutionFilterForm(request.args, countries=countries)
    if request.args and not form.validate():
        return render_template("reference/institutions.html", form=form, page=None), 422
    args = {
        k: v
        for k, v in (
            ("q", form.q.data),
            ("kind", form.kind.data),
            ("country", form.country.data),
            ("status", form.status.data),
        )
        if v
    }
    page = queries.institutions_page(
        search=(form.q.data or "").strip(),
        kind=InstitutionKind(form.kind.data) if form.kind.data else None,
        country_code=form.country.data or None,
        partner_status=PartnerStatus(form.status.data) if form.status.data else None,
        args=args,
    )
    return render_template("reference/institutions.html", form=form, page=page)


@bp.route("/institutions/new", methods=["GET", "POST"])
@access(ADMIN)
def institution_new():
    form = InstitutionForm(countries=queries.country_choices())
    if form.validate_on_submit():
        try:
            institution = operations.create_institution(
                name=form.name.data,
                name_native=form.name_native.data,
                kind=form.kind.data,
                country_code=form.country_code.data,
                city=form.city.data,
                website=form.website.data,
                partner_status=form.partner_status.data,
            )
        except ValidationFailed as error:
            _attach_error(form, error)
        else:
            flash(_("Institution created."), "success")
            return redirect(url_for("reference.institution", institution_id=institution.id))
    status = 422 if form.errors else 200
    return render_template("reference/institution_form.html", form=form, institution=None), status


@bp.get("/institutions/<int:institution_id>")
@access(AUTHENTICATED)
def institution(institution_id: int):
    item = get_or_404(Institution, institution_id, "view")
    can_manage = item.can_manage(current_user)
    entries = history_for(item) if can_manage else []
    return render_template(
        "reference/institution.html", institution=item, can_manage=can_manage, entries=entries
    )


@bp.route("/institutions/<int:institution_id>/edit", methods=["GET", "POST"])
@access(ADMIN)
def institution_edit(institution_id: int):
    item = get_or_404(Institution, institution_id, "manage")
    form = InstitutionForm(obj=item, countries=queries.country_choices())
    if form.validate_on_submit():
        try:
            operations.update_institution(
                item,
                name=form.name.data,
                name_native=form.name_native.data,
                kind=form.kind.data,
                country_code=form.country_code.data,
                city=form.city.data,
                website=form.website.data,
                partner_status=form.partner_status.data,
            )
        except ValidationFailed as error:
            _attach_error(form, error)
        else:
            flash(_("Institution saved."), "success")
            return redirect(url_for("reference.institution", institution_id=item.id))
    status = 422 if form.errors else 200
    return render_template("reference/institution_form.html", form=form, institution=item), status


# --- person profiles -----------------------------------------------------------------------


@bp.route("/profile", methods=["GET", "POST"])
@access(AUTHENTICATED)
def my_profile():
    person = operations.profile_of(current_user)
    form = ProfileForm(countries=queries.country_choices(), institutions=queries.institution_choices())
    if request.method == "GET" and person is not None:
        form.fill_from(person)
    if form.validate_on_submit():
        try:
            operations.save_profile(current_user, **form.values())
        except ValidationFailed as error:
            _attach_error(form, error)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("reference.my_profile"))
    status = 422 if form.errors else 200
    return render_template("reference/my_profile.html", form=form, person=person), status


@bp.get("/persons")
@access(roles(Role.ADMIN, Role.INSTITUTION))
def persons():
    form = PersonSearchForm(request.args)
    if request.args and not form.validate():
        return render_template("reference/persons.html", form=form, page=None), 422
    search = (form.q.data or "").strip()
    page = queries.persons_page(current_user, search=search, args={"q": search} if search else {})
    return render_template("reference/persons.html", form=form, page=page)


@bp.get("/persons/<int:person_id>")
@access(AUTHENTICATED)
def person(person_id: int):
    item = get_or_404(Person, person_id, "view")
    entries = history_for(item) if current_user.is_admin else []
    return render_template(
        "reference/person.html",
        person=item,
        show_passport=item.can_see_passport(current_user),
        entries=entries,
    )
