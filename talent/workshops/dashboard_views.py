"""The trainee's own courses and the institution dashboard."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user

from talent.core.permissions import AUTHENTICATED, Role, access, roles
from talent.extensions import db
from talent.reference.models import Institution
from talent.reference.operations import profile_of
from talent.reference.queries import institution_choices
from talent.workshops import dashboard_queries, roster_queries
from talent.workshops.blueprint import bp
from talent.workshops.roster_forms import DashboardFilterForm


@bp.get("/my/courses")
@access(AUTHENTICATED)
def my_courses():
    person = profile_of(current_user)
    rows = roster_queries.rows_of_person(person) if person is not None else []
    return render_template("workshops/my_courses.html", person=person, rows=rows)


@bp.get("/institution")
@access(roles(Role.ADMIN, Role.INSTITUTION))
def dashboard():
    # Staff see their own institution whatever the address says; administrators may choose.
    is_admin = current_user.is_admin
    form = DashboardFilterForm(request.args, institutions=institution_choices() if is_admin else None)
    if request.args.keys() - {"page"} and not form.validate():
        return render_template(
            "workshops/dashboard.html", form=form, institution=None, summary=None, page=None
        ), 422
    if is_admin:
        institution_id = int(form.institution.data) if form.institution.data else None
    else:
        institution_id = current_user.institution_id
    institution = db.session.get(Institution, institution_id) if institution_id is not None else None
    if not is_admin and institution is None:
        return render_template(
            "workshops/dashboard.html", form=form, institution=None, summary=None, page=None
        )
    args = {"status": form.status.data} if form.status.data else {}
    if is_admin and form.institution.data:
        args["institution"] = form.institution.data
    page = dashboard_queries.dashboard_page(
        institution_id, status=form.status_value, per_page=current_app.config["PAGE_SIZE"], args=args
    )
    return render_template(
        "workshops/dashboard.html",
        form=form,
        institution=institution,
        summary=dashboard_queries.dashboard_summary(institution_id),
        page=page,
    )
