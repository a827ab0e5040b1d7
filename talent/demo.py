"""Demo data: a small, believable world every feature adds to. Loading it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from talent.accounts import operations as accounts
from talent.accounts.auth import find_user_by_email
from talent.accounts.models import User
from talent.core.permissions import Role
from talent.extensions import db
from talent.reference import operations as reference
from talent.reference.models import Gender, Institution, InstitutionKind, PartnerStatus

DEMO_PASSWORD = "silk-road-demo-2026"

INSTITUTIONS = [
    # name, native name, kind, country, city, website
    (
        "Tianjin Polytechnic of Intelligent Manufacturing",
        "天津智能制造职业学院",
        InstitutionKind.VOCATIONAL_COLLEGE,
        "CN",
        "Tianjin",
        "https://tpim.example.cn",
    ),
    (
        "Shenzhen Institute of Applied Artificial Intelligence",
        "深圳应用人工智能研究院",
        InstitutionKind.RESEARCH_INSTITUTE,
        "CN",
        "Shenzhen",
        None,
    ),
    (
        "Hangzhou Vision Robotics Co., Ltd.",
        "杭州视觉机器人有限公司",
        InstitutionKind.ENTERPRISE,
        "CN",
        "Hangzhou",
        None,
    ),
    ("Luban Workshop Nairobi", None, InstitutionKind.WORKSHOP_SITE, "KE", "Nairobi", None),
    (
        "Cairo University of Applied Technology",
        "جامعة القاهرة للتكنولوجيا التطبيقية",
        InstitutionKind.UNIVERSITY,
        "EG",
        "Cairo",
        None,
    ),
    (
        "Addis Ababa Polytechnic College",
        "አዲስ አበባ ፖሊቴክኒክ ኮሌጅ",
        InstitutionKind.VOCATIONAL_COLLEGE,
        "ET",
        "Addis Ababa",
        None,
    ),
    ("Luban Workshop Bangkok", "เวิร์กช็อปหลู่ปัน กรุงเทพฯ", InstitutionKind.WORKSHOP_SITE, "TH", "Bangkok", None),
    (
        "Instituto Federal de Tecnologia de São Paulo",
        None,
        InstitutionKind.UNIVERSITY,
        "BR",
        "São Paulo",
        None,
    ),
    ("PT Industri Digital Nusantara", None, InstitutionKind.ENTERPRISE, "ID", "Jakarta", None),
    (
        "Higher Education Cooperation Office",
        "اعلیٰ تعلیمی تعاون دفتر",
        InstitutionKind.GOVERNMENT,
        "PK",
        "Islamabad",
        None,
    ),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    roles: tuple[Role, ...]
    institution: str | None = None
    locale: str | None = None
    timezone: str = "UTC"
    # Person profile: native-script name, nationality, birth date, gender, ISCED level
    native: str | None = None
    nationality: str | None = None
    born_on: date | None = None
    gender: Gender | None = None
    isced: int | None = None
    languages: str = ""  # ISO 639-1 codes, comma-separated


USERS = [
    # locale None: the interface follows the browser until the user picks a language.
    DemoUser(
        "admin@demo.talent",
        "Li Wei",
        (Role.ADMIN,),
        "Tianjin Polytechnic of Intelligent Manufacturing",
        None,
        "Asia/Shanghai",
        "李伟",
        "CN",
        date(1982, 3, 14),
        Gender.MALE,
        7,
    ),
    DemoUser(
        "staff.tianjin@demo.talent",
        "Zhang Min",
        (Role.INSTITUTION,),
        "Tianjin Polytechnic of Intelligent Manufacturing",
        "zh",
        "Asia/Shanghai",
        "张敏",
        "CN",
        date(1988, 9, 2),
        Gender.FEMALE,
        7,
    ),
    DemoUser(
        "staff.nairobi@demo.talent",
        "Wanjiru Kamau",
        (Role.INSTITUTION,),
        "Luban Workshop Nairobi",
        "en",
        "Africa/Nairobi",
        None,
        "KE",
        date(1985, 1, 20),
        Gender.FEMALE,
        6,
    ),
    DemoUser(
        "reviewer@demo.talent",
        "Fatima El-Sayed",
        (Role.REVIEWER,),
        "Cairo University of Applied Technology",
        "ar",
        "Africa/Cairo",
        "فاطمة السيد",
        "EG",
        date(1976, 11, 5),
        Gender.FEMALE,
        8,
    ),
    DemoUser(
        "reviewer2@demo.talent",
        "Rafael Oliveira",
        (Role.REVIEWER, Role.APPLICANT),
        "Instituto Federal de Tecnologia de São Paulo",
        "pt",
        "America/Sao_Paulo",
        None,
        "BR",
        date(1979, 6, 30),
        Gender.MALE,
        8,
    ),
    DemoUser(
        "abebe@demo.talent",
        "Abebe Bekele",
        (Role.APPLICANT,),
        "Addis Ababa Polytechnic College",
        "en",
        "Africa/Addis_Ababa",
        "አበበ በቀለ",
        "ET",
        date(2000, 2, 11),
        Gender.MALE,
        5,
        languages="am,en",
    ),
    DemoUser(
        "ahmed@demo.talent",
        "Ahmed Hassan",
        (Role.APPLICANT,),
        "Cairo University of Applied Technology",
        "ar",
        "Africa/Cairo",
        "أحمد حسن",
        "EG",
        date(1998, 8, 23),
        Gender.MALE,
        6,
        languages="ar,en",
    ),
    DemoUser(
        "ayesha@demo.talent",
        "Ayesha Khan",
        (Role.APPLICANT,),
        "Higher Education Cooperation Office",
        "en",
        "Asia/Karachi",
        "عائشہ خان",
        "PK",
        date(1997, 4, 9),
        Gender.FEMALE,
        7,
        languages="ur,en",
    ),
    DemoUser(
        "somchai@demo.talent",
        "Somchai Phongsaeng",
        (Role.APPLICANT,),
        "Luban Workshop Bangkok",
        "en",
        "Asia/Bangkok",
        "สมชาย ผ่องแสง",
        "TH",
        date(2001, 12, 1),
        Gender.MALE,
        4,
        languages="th,en",
    ),
    DemoUser(
        "putri@demo.talent",
        "Putri Lestari",
        (Role.APPLICANT,),
        "PT Industri Digital Nusantara",
        "en",
        "Asia/Jakarta",
        None,
        "ID",
        date(1999, 7, 17),
        Gender.FEMALE,
        6,
        languages="id,en",
    ),
    DemoUser(
        "grace@demo.talent",
        "Grace Wanjiku Otieno",
        (Role.APPLICANT,),
        "Luban Workshop Nairobi",
        "en",
        "Africa/Nairobi",
        None,
        "KE",
        date(2002, 5, 28),
        Gender.FEMALE,
        4,
        languages="sw,en",
    ),
    # Reviewers of the programme demo (three per application, none of the applicant's nationality).
    DemoUser(
        "reviewer3@demo.talent",
        "Zhou Lin",
        (Role.REVIEWER,),
        "Shenzhen Institute of Applied Artificial Intelligence",
        "zh",
        "Asia/Shanghai",
        "周琳",
        "CN",
        date(1980, 10, 8),
        Gender.FEMALE,
        8,
    ),
    DemoUser(
        "reviewer4@demo.talent",
        "Anjali Verma",
        (Role.REVIEWER,),
        None,
        "en",
        "Asia/Kolkata",
        "अंजलि वर्मा",
        "IN",
        date(1983, 2, 19),
        Gender.FEMALE,
        8,
    ),
]


def is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(User)) == 0


def load_demo() -> dict[str, int]:
    """Create what is missing of the demo world; returns how many things were created."""
    created = {"institutions": 0, "users": 0, "cohorts": 0, "certificates": 0, "applications": 0}
    by_name = {i.name: i for i in db.session.scalars(select(Institution))}
    for name, native, kind, country, city, website in INSTITUTIONS:
        if name in by_name:
            continue
        by_name[name] = reference.create_institution(
            name=name,
            name_native=native,
            kind=kind,
            country_code=country,
            city=city,
            website=website,
            partner_status=PartnerStatus.ACTIVE,
        )
        created["institutions"] += 1
    for spec in USERS:
        if find_user_by_email(spec.email) is not None:
            continue
        institution = by_name.get(spec.institution) if spec.institution else None
        user = accounts.create_user(
            email=spec.email,
            password=DEMO_PASSWORD,
            display_name=spec.name,
            roles=set(spec.roles),
            institution_id=institution.id if institution and Role.INSTITUTION in spec.roles else None,
            locale=spec.locale,
            timezone=spec.timezone,
        )
        reference.save_profile(
            user,
            name_latin=spec.name,
            name_native=spec.native,
            nationality_code=spec.nationality,
            born_on=spec.born_on,
            gender=spec.gender,
            isced_level=spec.isced,
            affiliation_id=institution.id if institution else None,
            languages=spec.languages,
        )
        created["users"] += 1
    db.session.flush()
    from talent.certificates.demo import load_certificate_demo
    from talent.programmes.demo import load_programme_demo
    from talent.workshops.demo import load_workshop_demo

    admin = find_user_by_email("admin@demo.talent")
    created["cohorts"] = load_workshop_demo(actor=admin)
    created["certificates"] = load_certificate_demo(actor=admin)
    created["applications"] = load_programme_demo(actor=admin)
    return created


def demo_logins() -> list[tuple[str, str, str]]:
    return [(u.email, DEMO_PASSWORD, ", ".join(r.value for r in u.roles)) for u in USERS]


def demo_certificates() -> list[tuple[str, str, str]]:
    """A few certificates a newcomer can verify: (formatted serial, holder, status)."""
    from talent.certificates.models import Certificate
    from talent.certificates.serials import format_serial

    rows = db.session.execute(
        select(Certificate.serial, Certificate.holder_name, Certificate.status)
        .order_by(Certificate.id)
        .limit(8)
    ).all()
    return [(format_serial(serial), holder, status.value) for serial, holder, status in rows]
