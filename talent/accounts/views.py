"""Login, logout and registration pages."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from talent.accounts import operations
from talent.accounts.auth import find_user_by_email
from talent.accounts.forms import LoginForm, RegisterForm
from talent.core.errors import ValidationFailed
from talent.core.permissions import AUTHENTICATED, PUBLIC, access
from talent.core.urls import safe_next
from talent.extensions import limiter

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_login_limit, methods=["POST"], error_message="Too many login attempts.")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user is not None and user.is_active and user.check_password(form.password.data):
            login_user(user, remember=form.remember.data)
            operations.record_login(user)
            flash(_("You are logged in."), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("core.index"))
        # One message for unknown address and wrong password: do not reveal which accounts exist.
        form.password.errors.append(_("The e-mail address or the password is wrong."))
        return render_template("accounts/login.html", form=form), 200
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@access(AUTHENTICATED)
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("core.index"))


@bp.route("/register", methods=["GET", "POST"])
@access(PUBLIC)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = RegisterForm()
    if request.method == "GET":
        form.locale.data = str(get_locale() or "en")
    if form.validate_on_submit():
        try:
            user = operations.register_applicant(
                email=form.email.data,
                password=form.password.data,
                display_name=form.display_name.data,
                locale=form.locale.data,
                timezone=form.timezone.data,
            )
        except ValidationFailed as exc:
            getattr(form, exc.field or "email").errors.append(exc.message)
            return render_template("accounts/register.html", form=form), 422
        login_user(user)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(url_for("core.index"))
    status = 422 if form.errors else 200
    return render_template("accounts/register.html", form=form), status
