"""The administrators' user management: list, create, edit (roles, institution, active)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from talent.accounts import operations, queries
from talent.accounts.blueprint import bp, form_status, me, show_error
from talent.accounts.forms import ROLE_LABELS, AdminUserCreateForm, AdminUserEditForm, UserSearchForm
from talent.accounts.models import User
from talent.core.errors import ValidationFailed
from talent.core.permissions import ADMIN, Role, access, get_or_404
from talent.core.queries import history_for


@bp.get("/admin/users")
@access(ADMIN)
def admin_users():
    form = UserSearchForm(formdata=request.args)
    valid = form.validate()
    search = (form.q.data or "").strip() if valid else ""
    role = Role(form.role.data) if valid and form.role.data else None
    args = {key: value for key, value in (("q", search), ("role", role.value if role else "")) if value}
    page = queries.users_page(search=search, role=role, args=args)
    return render_template(
        "accounts/admin_users.html", form=form, page=page, role_labels=ROLE_LABELS, filtered=bool(args)
    ), form_status(form)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@access(ADMIN)
def admin_user_new():
    form = AdminUserCreateForm(institutions=queries.institutions_for_choice())
    if request.method == "GET":
        form.roles.data = [Role.APPLICANT.value]
    if form.validate_on_submit():
        try:
            user = operations.create_user(
                email=form.email.data,
                password=form.password.data,
                display_name=form.display_name.data,
                roles={Role(r) for r in form.roles.data},
                institution_id=form.institution_id.data,
                actor=me(),
            )
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            flash(_("The account for %(email)s is created.", email=user.email), "success")
            return redirect(url_for("accounts.admin_user_edit", user_id=user.id))
    return render_template("accounts/admin_user_new.html", form=form), form_status(form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@access(ADMIN)
def admin_user_edit(user_id: int):
    user = get_or_404(User, user_id, "manage")
    form = AdminUserEditForm(
        institutions=queries.institutions_for_choice(),
        data={
            "display_name": user.display_name,
            "roles": [r.value for r in user.roles],
            "institution_id": user.institution_id,
            "is_active": user.is_active,
        },
    )
    if form.validate_on_submit():
        try:
            changed = operations.update_user(
                user,
                display_name=form.display_name.data,
                roles={Role(r) for r in form.roles.data},
                institution_id=form.institution_id.data,
                is_active=form.is_active.data,
                actor=me(),
            )
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            flash(_("The account is saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("accounts.admin_user_edit", user_id=user.id))
    return render_template(
        "accounts/admin_user_edit.html", form=form, user=user, entries=history_for(user)
    ), form_status(form)
