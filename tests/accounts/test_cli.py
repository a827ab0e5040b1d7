"""`talent user create` and `talent token create`."""

import pytest
from sqlalchemy import select

from talent.accounts.models import ApiToken, User
from talent.core.audit import AuditEntry
from talent.core.permissions import Role

PW = "a phrase long enough\n"


@pytest.fixture
def cli(app, db):
    runner = app.test_cli_runner()

    def run(*args, input=None):
        return runner.invoke(args=list(args), input=input)

    return run


def test_user_create_with_several_roles_and_an_institution(cli, make_institution, db):
    institution = make_institution()
    result = cli(
        "user",
        "create",
        "Staff@College.example",
        "--role",
        "institution",
        "--role",
        "reviewer",
        "--institution",
        str(institution.id),
        "--name",
        "Ama Mensah",
        "--password-stdin",
        input=PW,
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(User.by_email("staff@college.example")).scalar_one()
    assert f"id {user.id}" in result.output
    assert user.display_name == "Ama Mensah"
    assert user.roles == [Role.INSTITUTION, Role.REVIEWER]
    assert user.institution_id == institution.id
    assert user.check_password("a phrase long enough")
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.object_type == "users", AuditEntry.object_id == str(user.id))
    ).scalar_one()
    assert entry.action == "user.created" and entry.actor_id is None


def test_the_name_defaults_to_the_start_of_the_address(cli, db):
    assert (
        cli(
            "user", "create", "first.admin@example.org", "--role", "admin", "--password-stdin", input=PW
        ).exit_code
        == 0
    )
    assert (
        db.session.execute(User.by_email("first.admin@example.org")).scalar_one().display_name
        == "first.admin"
    )


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["taken@example.org", "--role", "applicant", "--password-stdin"], PW, "already exists"),
        (["new@example.org", "--role", "applicant", "--password-stdin"], "short\n", "at least 10 characters"),
        (["new@example.org", "--role", "applicant", "--password-stdin"], "1234567890\n", "too easy"),
        (
            ["new@example.org", "--role", "institution", "--password-stdin"],
            PW,
            "must belong to an institution",
        ),
        (
            ["new@example.org", "--role", "institution", "--institution", "999999", "--password-stdin"],
            PW,
            "no institution",
        ),
        (["not-an-address", "--role", "applicant", "--password-stdin"], PW, "valid e-mail"),
        (["new@example.org", "--role", "applicant"], PW, "--password-stdin"),
    ],
)
def test_user_create_refuses_with_a_message_and_exit_code_1(cli, make_user, db, args, stdin, message):
    make_user("applicant", email="taken@example.org")
    result = cli("user", "create", *args, input=stdin)
    assert result.exit_code == 1
    assert message in result.output
    assert db.session.execute(User.by_email("new@example.org")).first() is None


def test_an_unknown_role_is_refused_by_the_option(cli):
    result = cli("user", "create", "x@example.org", "--role", "emperor", "--password-stdin", input=PW)
    assert result.exit_code == 2
    assert "emperor" in result.output


def test_token_create_prints_only_a_working_token(app, cli, make_user, db):
    user = make_user("institution", email="api.user@example.org")
    result = cli("token", "create", "API.User@example.org", "--name", "Registrar")
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert result.output == token + "\n"
    assert token.startswith("tx_")
    stored = db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one()
    assert stored.name == "Registrar"
    assert stored.token_hash == ApiToken.hash(token)
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["email"] == "api.user@example.org"


def test_token_create_for_an_unknown_or_deactivated_user_fails(cli, make_user):
    make_user("applicant", email="off@example.org", is_active=False)
    for email in ("ghost@example.org", "off@example.org"):
        result = cli("token", "create", email)
        assert result.exit_code == 1
        assert "Error" in result.output
