"""Workshop demo data: three Luban courses with cohorts in four countries — two finished with mixed
outcomes, one running, one open for enrolment with a waitlist. Dates follow today, so the demo
stays believable whenever it is loaded."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from talent.extensions import db
from talent.reference import operations as reference
from talent.reference.models import Institution, Person
from talent.workshops import enrolment as enrolment_rules
from talent.workshops import operations, progress
from talent.workshops.models import AttendanceStatus, CohortSession, Course, SessionKind

P, A, E = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED

COURSES = [
    {
        "code": "LW-ROB-101",
        "title": "Industrial robot operation and maintenance",
        "titles": {
            "zh": "工业机器人操作与维护",
            "fr": "Exploitation et maintenance de robots industriels",
            "ar": "تشغيل الروبوتات الصناعية وصيانتها",
        },
        "description": "Hands-on training on six-axis industrial robots in an EPIP workshop: safety, teach-pendant "
        "programming, calibration, preventive maintenance and a capstone production-cell project.",
        "field_code": "07",
        "isced_level": 5,
        "framework_level": "China vocational skill level 4 (senior worker)",
        "theory_hours": 48,
        "practice_hours": 112,
        "competencies": [
            "Work safely in a robot cell",
            "Program pick-and-place tasks with a teach pendant",
            "Calibrate tools and work objects",
            "Diagnose and fix common faults",
            "Plan preventive maintenance",
        ],
        "theory_weight": 30,
        "practical_weight": 70,
        "pass_mark": 60,
        "min_attendance_pct": 80,
    },
    {
        "code": "LW-AI-201",
        "title": "Applied AI: computer vision for quality inspection",
        "titles": {
            "zh": "人工智能应用：视觉质检",
            "fr": "IA appliquée : vision par ordinateur pour le contrôle qualité",
            "ar": "الذكاء الاصطناعي التطبيقي: الرؤية الحاسوبية لفحص الجودة",
        },
        "description": "From labelled images to a deployed defect detector on an edge device, with a factory partner's data.",
        "field_code": "06",
        "isced_level": 5,
        "framework_level": None,
        "theory_hours": 40,
        "practice_hours": 80,
        "competencies": [
            "Collect and label an image data set",
            "Train and evaluate a defect classifier",
            "Deploy a model to an edge device",
            "Monitor a model in production",
        ],
        "theory_weight": 40,
        "practical_weight": 60,
        "pass_mark": 65,
        "min_attendance_pct": 80,
    },
    {
        "code": "LW-NEV-110",
        "title": "New-energy vehicle maintenance",
        "titles": {"zh": "新能源汽车维修", "fr": "Maintenance des véhicules à énergie nouvelle"},
        "description": "High-voltage safety, battery management systems, electric drive diagnostics and charging equipment.",
        "field_code": "07",
        "isced_level": 4,
        "framework_level": "China vocational skill level 3 (intermediate)",
        "theory_hours": 36,
        "practice_hours": 124,
        "competencies": [
            "Work safely with high-voltage systems",
            "Diagnose battery management faults",
            "Service electric drive units",
            "Install and test charging equipment",
        ],
        "theory_weight": 30,
        "practical_weight": 70,
        "pass_mark": 60,
        "min_attendance_pct": 85,
    },
]


@dataclass(frozen=True)
class Trainee:
    name: str
    native: str | None
    nationality: str
    born_on: date
    account: str | None = None  # e-mail of a demo user whose profile this is
    attendance: tuple = ()
    scores: tuple[str, str] | None = None


def _cohorts(today: date) -> list[dict]:
    finished = {
        "starts_on": today - timedelta(days=120),
        "ends_on": today - timedelta(days=30),
        "enrolment_opens_on": today - timedelta(days=150),
        "enrolment_closes_on": today - timedelta(days=125),
    }
    running = {
        "starts_on": today - timedelta(days=21),
        "ends_on": today + timedelta(days=40),
        "enrolment_opens_on": today - timedelta(days=50),
        "enrolment_closes_on": today - timedelta(days=22),
    }
    upcoming = {
        "starts_on": today + timedelta(days=14),
        "ends_on": today + timedelta(days=75),
        "enrolment_opens_on": today - timedelta(days=7),
        "enrolment_closes_on": today + timedelta(days=10),
    }
    return [
        {
            "course": "LW-ROB-101",
            "host": "Luban Workshop Nairobi",
            "language": "en",
            "capacity": 12,
            "dates": finished,
            "instructors": ["Wang Jun", "Esther Mutua"],
            "weekdays": [1, 3],
            "close": True,
            "trainees": [
                Trainee(
                    "Grace Wanjiku Otieno",
                    None,
                    "KE",
                    date(2002, 5, 28),
                    "grace@demo.talent",
                    (P, P, P, P, P, P, E, P),
                    ("78", "85"),
                ),
                Trainee(
                    "Brian Otieno Ouma",
                    None,
                    "KE",
                    date(2000, 1, 9),
                    None,
                    (P, P, A, P, P, P, P, P),
                    ("66", "74"),
                ),
                Trainee(
                    "Mercy Achieng Odhiambo",
                    None,
                    "KE",
                    date(2001, 3, 17),
                    None,
                    (P, A, A, P, A, P, P, A),
                    ("70", "69"),
                ),
                Trainee(
                    "Kevin Mwangi Kamau",
                    None,
                    "KE",
                    date(1999, 10, 2),
                    None,
                    (P, P, P, P, P, P, P, P),
                    ("48", "55"),
                ),
                Trainee(
                    "Fatuma Hassan Ali",
                    "فاطمة حسن علي",
                    "KE",
                    date(2001, 7, 30),
                    None,
                    (P, P, P, E, P, P, P, P),
                    ("81", "90"),
                ),
            ],
        },
        {
            "course": "LW-NEV-110",
            "host": "Luban Workshop Bangkok",
            "language": "th",
            "capacity": 10,
            "dates": finished,
            "instructors": ["Liu Yang", "Suda Rattanakorn"],
            "weekdays": [0, 2],
            "close": True,
            "trainees": [
                Trainee(
                    "Somchai Phongsaeng",
                    "สมชาย ผ่องแสง",
                    "TH",
                    date(2001, 12, 1),
                    "somchai@demo.talent",
                    (P, P, P, P, P, P, P, P),
                    ("72", "88"),
                ),
                Trainee(
                    "Naree Sukjai",
                    "นารี สุขใจ",
                    "TH",
                    date(2002, 2, 14),
                    None,
                    (P, P, P, P, A, P, P, P),
                    ("64", "71"),
                ),
                Trainee(
                    "Anan Chaiyaporn",
                    "อนันต์ ชัยพร",
                    "TH",
                    date(1998, 6, 5),
                    None,
                    (P, A, P, A, P, A, P, P),
                    ("75", "80"),
                ),
            ],
        },
        {
            "course": "LW-ROB-101",
            "host": "Addis Ababa Polytechnic College",
            "language": "am",
            "capacity": 15,
            "dates": running,
            "instructors": ["Zhao Lei", "Selamawit Girma"],
            "weekdays": [1, 4],
            "close": False,
            "trainees": [
                Trainee(
                    "Abebe Bekele",
                    "አበበ በቀለ",
                    "ET",
                    date(2000, 2, 11),
                    "abebe@demo.talent",
                    (P, P, P, E, P, P),
                ),
                Trainee("Hana Tesfaye", "ሐና ተስፋዬ", "ET", date(2001, 9, 23), None, (P, P, A, P, P, P)),
                Trainee("Dawit Alemu", "ዳዊት አለሙ", "ET", date(1999, 4, 8), None, (P, A, P, P, A, P)),
            ],
        },
        {
            "course": "LW-AI-201",
            "host": "Cairo University of Applied Technology",
            "partner": "Shenzhen Institute of Applied Artificial Intelligence",
            "language": "ar",
            "capacity": 3,
            "dates": upcoming,
            "instructors": ["Chen Hao", "Mona Farouk"],
            "weekdays": [6, 1],
            "close": False,
            "requests": ["grace@demo.talent"],
            "trainees": [
                Trainee("Ahmed Hassan", "أحمد حسن", "EG", date(1998, 8, 23), "ahmed@demo.talent"),
                Trainee("Ayesha Khan", "عائشہ خان", "PK", date(1997, 4, 9), "ayesha@demo.talent"),
                Trainee("Omar Abdelrahman", "عمر عبد الرحمن", "EG", date(1996, 11, 12)),
                Trainee("Putri Lestari", None, "ID", date(1999, 7, 17), "putri@demo.talent"),  # waitlisted
            ],
        },
    ]


def _person_for(trainee: Trainee, affiliation: Institution) -> Person:
    if trainee.account:
        person = reference.find_person_by_email(trainee.account)
        if person is not None:
            return person
    return reference.create_person(
        name_latin=trainee.name,
        name_native=trainee.native,
        nationality_code=trainee.nationality,
        born_on=trainee.born_on,
        affiliation_id=affiliation.id,
    )


def load_workshop_demo(actor=None, today: date | None = None) -> int:
    """Returns how many cohorts were created (0 when the demo courses exist already)."""
    if db_has_course(COURSES[0]["code"]):
        return 0
    today = today or date.today()
    institutions = {i.name: i for i in _all(Institution)}
    courses = {spec["code"]: operations.create_course(actor=actor, **spec) for spec in COURSES}
    tianjin = institutions["Tianjin Polytechnic of Intelligent Manufacturing"]
    for spec in _cohorts(today):
        host = institutions[spec["host"]]
        partner = institutions[spec.get("partner", tianjin.name)]
        cohort = operations.create_cohort(
            actor=actor,
            course_id=courses[spec["course"]].id,
            host_institution_id=host.id,
            partner_institution_id=partner.id,
            language=spec["language"],
            capacity=spec["capacity"],
            instructors=spec["instructors"],
            **spec["dates"],
        )
        operations.generate_sessions(
            cohort,
            spec["weekdays"],
            title_prefix="Workshop",
            kind=SessionKind.PRACTICE,
            hours=Decimal("4"),
            actor=actor,
        )
        sessions = list(_sessions(cohort))
        for trainee in spec["trainees"]:
            person = _person_for(trainee, host)
            placed = enrolment_rules.enrol(
                cohort, person, actor=actor, today=cohort.enrolment_opens_on
            ).enrolment
            if trainee.attendance:
                # The trainee's pattern repeats over every session held so far.
                held = [session for session in sessions if session.held_on <= today]
                for session, mark in zip(held, itertools.cycle(trainee.attendance), strict=False):
                    progress.record_attendance(session, {placed.id: mark}, actor=actor)
            if trainee.scores:
                progress.record_scores(placed, *trainee.scores, actor=actor)
        for email in spec.get("requests", ()):
            enrolment_rules.request_to_join(cohort, reference.find_person_by_email(email), today=today)
        if spec["close"]:
            progress.close_cohort(cohort, actor=actor)
    return len(_cohorts(today))


def db_has_course(code: str) -> bool:
    return db.session.scalar(select(Course.id).where(Course.code == code)) is not None


def _all(model):
    return db.session.scalars(select(model))


def _sessions(cohort):
    return db.session.scalars(
        select(CohortSession).where(CohortSession.cohort_id == cohort.id).order_by(CohortSession.held_on)
    )
