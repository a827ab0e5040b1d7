"""The main menu. Features add their entries here; each shows only to users its rule admits."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from talent.core.permissions import ADMIN, AUTHENTICATED, PUBLIC, Role, Rule, roles


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    rule: Rule
    anonymous_only: bool = False


MENU: list[NavItem] = [
    NavItem("core.index", _l("Home"), PUBLIC),
    NavItem("workshops.catalogue", _l("Courses"), PUBLIC),
    NavItem("programmes.open_calls", _l("Calls"), PUBLIC),
    NavItem("reference.my_profile", _l("My profile"), AUTHENTICATED),
    NavItem("accounts.settings", _l("Account"), AUTHENTICATED),
    NavItem("core.notifications", _l("Notifications"), AUTHENTICATED),
    NavItem("reference.institutions", _l("Institutions"), AUTHENTICATED),
    NavItem("reference.persons", _l("People"), roles(Role.ADMIN, Role.INSTITUTION)),
    NavItem("accounts.admin_users", _l("Users"), ADMIN),
    NavItem("core.audit_log", _l("Audit log"), ADMIN),
    NavItem("workshops.my_courses", _l("My courses"), AUTHENTICATED),
    NavItem("programmes.my_applications", _l("My applications"), AUTHENTICATED),
    NavItem("programmes.review_queue", _l("My reviews"), roles(Role.REVIEWER)),
    NavItem("workshops.dashboard", _l("My institution"), roles(Role.ADMIN, Role.INSTITUTION)),
    NavItem("certificates.verify", _l("Verify a certificate"), PUBLIC),
    NavItem("certificates.my_certificates", _l("My certificates"), AUTHENTICATED),
    NavItem("certificates.admin_certificates", _l("Certificates"), ADMIN),
    NavItem("programmes.admin_programmes", _l("Programmes"), ADMIN),
]


def navigation_for(user) -> list[NavItem]:
    return [
        item for item in MENU if item.rule.check(user) and not (item.anonymous_only and user.is_authenticated)
    ]
