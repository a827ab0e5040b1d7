"""Pages of one's own account: log in and out, register, settings, password, API tokens."""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from talent.accounts import admin_views as _admin_views  # noqa: F401  (adds the administrators' pages to bp)
from talent.accounts import operations, queries
from talent.accounts.blueprint import bp, form_status, login_limit, me, show_error
from talent.accounts.forms import (
    ForgotPasswordForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    ResetPasswordForm,
    SettingsForm,
    TokenForm,
)
from talent.accounts.models import ApiToken
from talent.accounts.passwords import ResetLinkProblem
from talent.core.errors import ValidationFailed
from talent.core.permissions import AUTHENTICATED, PUBLIC, access, get_or_404
from talent.core.urls import safe_next
from talent.extensions import limiter

__all__ = ["bp"]


def _no_store(response):
    # Pages carrying a secret (a new token, a reset link's form) must not be kept by caches.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(login_limit, methods=["POST"])
def login():
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = operations.authenticate(form.email.data, form.password.data)
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            login_user(user, remember=form.remember.data)
            operations.record_login(user)
            flash(_("You are logged in."), "success")
            return redirect(target or url_for("core.index"))
    return render_template("accounts/login.html", form=form), form_status(form)


@bp.post("/logout")
@access(AUTHENTICATED)
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("core.index"))


@bp.route("/register", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(login_limit, methods=["POST"])
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
            show_error(form, exc)
        else:
            login_user(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("core.index"))
    return render_template("accounts/register.html", form=form), form_status(form)


@bp.route("/account", methods=["GET", "POST"])
@access(AUTHENTICATED)
def settings():
    user = me()
    form = SettingsForm(
        data={
            "display_name": user.display_name,
            "locale": user.locale or str(get_locale()),
            "timezone": user.timezone,
        }
    )
    if form.validate_on_submit():
        try:
            changed = operations.update_settings(
                user,
                display_name=form.display_name.data,
                locale=form.locale.data,
                timezone=form.timezone.data,
            )
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            session["locale"] = user.locale
            refresh()  # so this confirmation is already in the newly chosen language
            flash(_("Your settings are saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", form=form, user=user), form_status(form)


@bp.route("/account/password", methods=["GET", "POST"])
@access(AUTHENTICATED)
@limiter.limit(login_limit, methods=["POST"])
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = me()
        try:
            operations.change_password(
                user, current_password=form.current_password.data, new_password=form.new_password.data
            )
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            # The session id holds a fragment of the password hash, so every other session
            # has just ended; give this one the new id (and a new remember cookie if it had one).
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            login_user(user, remember=remembered)
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.settings"))
    return render_template("accounts/password_change.html", form=form), form_status(form)


# Registration, password change and reset requests share the login limit: each can be used to
# probe which addresses have accounts or to guess a password.
@bp.route("/password/forgot", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)
        # The same answer whether or not the address has an account.
        return render_template("accounts/forgot_sent.html")
    return render_template("accounts/forgot.html", form=form), form_status(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def reset_password(token: str):
    try:
        user = operations.user_for_reset_token(token)
    except ResetLinkProblem as exc:
        return render_template("accounts/reset_invalid.html", message=exc.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            operations.reset_password(user, form.password.data)
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            flash(_("Your new password is set. You can log in with it now."), "success")
            return redirect(url_for("accounts.login"))
    response = make_response(render_template("accounts/reset.html", form=form, user=user), form_status(form))
    return _no_store(response)


@bp.route("/account/tokens", methods=["GET", "POST"])
@access(AUTHENTICATED)
def tokens():
    user = me()
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, plaintext = operations.create_api_token(user, form.name.data)
        except ValidationFailed as exc:
            show_error(form, exc)
        else:
            page = render_template("accounts/token_created.html", token=token, plaintext=plaintext)
            return _no_store(make_response(page))
    page = queries.tokens_page(user)
    return render_template("accounts/tokens.html", form=form, page=page), form_status(form)


@bp.post("/account/tokens/<int:token_id>/revoke")
@access(AUTHENTICATED)
def revoke_token(token_id: int):
    token = get_or_404(ApiToken, token_id, "manage")
    if operations.revoke_api_token(token):
        flash(
            _("The token “%(name)s” is revoked; programs using it can no longer connect.", name=token.name),
            "success",
        )
    else:
        flash(_("The token “%(name)s” was already revoked.", name=token.name), "info")
    return redirect(url_for("accounts.tokens"))
