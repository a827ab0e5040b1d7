"""What the programme demo holds: programmes, calls at each moment of their life, applicants, reviewers
and rubrics. `talent.programmes.demo` turns it into rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from talent.programmes.models import ApplicationStatus, OfferStatus, ProgrammeKind
from talent.reference.models import Gender

S, UR, ACC, WL, REJ, WD, DR = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.WITHDRAWN,
    ApplicationStatus.DRAFT,
)
SHANGHAI = ZoneInfo("Asia/Shanghai")
SHENZHEN = "Shenzhen Institute of Applied Artificial Intelligence"
TIANJIN = "Tianjin Polytechnic of Intelligent Manufacturing"
HANGZHOU = "Hangzhou Vision Robotics Co., Ltd."

PROGRAMMES = {
    "scholarship": (
        ProgrammeKind.SCHOLARSHIP,
        "South–South AI Scholarship",
        {"zh": "南南合作人工智能奖学金", "fr": "Bourse Sud–Sud en intelligence artificielle"},
        "Fully funded master's and doctoral study in artificial intelligence at partner universities in China.",
        SHENZHEN,
    ),
    "scientists": (
        ProgrammeKind.SCIENTIST_EXCHANGE,
        "Mutual Employment of Chief AI Scientists",
        {"zh": "首席人工智能科学家互聘计划", "fr": "Emploi mutuel de scientifiques en chef en IA"},
        "Senior researchers lead a laboratory or a joint project at a Chinese host for six to eighteen months.",
        SHENZHEN,
    ),
    "young": (
        ProgrammeKind.YOUNG_SCHOLARS,
        "Digital Silk Road Young Scholars",
        {"zh": "数字丝绸之路青年学者计划", "fr": "Jeunes chercheurs de la Route de la soie numérique"},
        "Early-career researchers spend a year in a Chinese laboratory working on AI for their home country.",
        TIANJIN,
    ),
    "engineers": (
        ProgrammeKind.ENGINEER_PLACEMENT,
        "Algorithm Engineers in Enterprises",
        {"zh": "企业算法工程师计划", "fr": "Ingénieurs en algorithmes en entreprise"},
        "Six-month placements of machine-learning engineers in Chinese companies, then back to an employer at home.",
        HANGZHOU,
    ),
}

REVIEWERS = (
    "reviewer@demo.talent",
    "reviewer2@demo.talent",
    "reviewer3@demo.talent",
    "reviewer4@demo.talent",
)

# Applicants without an account: Latin name, native script, nationality, born, gender, ISCED, languages.
PEOPLE = {
    "Nguyen Van Minh": ("Nguyễn Văn Minh", "VN", date(1999, 3, 4), Gender.MALE, 6, "vi,en"),
    "Sok Dara": ("សុខ ដារ៉ា", "KH", date(2000, 10, 19), Gender.MALE, 6, "km,en"),
    "Bishnu Prasad Adhikari": ("विष्णु प्रसाद अधिकारी", "NP", date(1997, 1, 25), Gender.MALE, 7, "ne,en"),
    "Chukwuemeka Obi": (None, "NG", date(1995, 6, 8), Gender.MALE, 6, "en"),
    "Fatima Zahra Benali": ("فاطمة الزهراء بن علي", "MA", date(1996, 12, 2), Gender.FEMALE, 7, "ar,fr,en"),
    "Kamal Hossain": ("কামাল হোসেন", "BD", date(1994, 4, 14), Gender.MALE, 6, "bn,en"),
    "Tran Thi Mai": ("Trần Thị Mai", "VN", date(1997, 8, 30), Gender.FEMALE, 6, "vi,en"),
    "Rajesh Kumar Sharma": ("राजेश कुमार शर्मा", "IN", date(1975, 9, 12), Gender.MALE, 8, "hi,en"),
    "Nguyen Thi Lan": ("Nguyễn Thị Lan", "VN", date(1978, 2, 17), Gender.FEMALE, 8, "vi,en,zh"),
    "Tesfaye Gebremedhin": ("ተስፋዬ ገብረመድህን", "ET", date(1972, 7, 3), Gender.MALE, 8, "am,en"),
    "Karim Mansour": ("كريم منصور", "TN", date(1980, 5, 21), Gender.MALE, 8, "ar,fr,en"),
    "Oluwaseun Adebayo": (None, "NG", date(1983, 11, 9), Gender.FEMALE, 7, "en"),
    "Sunil Perera": ("සුනිල් පෙරේරා", "LK", date(1977, 3, 28), Gender.MALE, 8, "si,en"),
    "Mamadou Lamine Diallo": (None, "SN", date(1970, 1, 15), Gender.MALE, 8, "fr,en"),
    "Layla Haddad": ("ليلى حداد", "DZ", date(1981, 10, 6), Gender.FEMALE, 8, "ar,fr,en"),
}

RUBRICS = {
    "study": [
        ("merit", "Academic merit", 40, "Grades, ranking in class, publications or awards."),
        ("plan", "Study and research plan", 30, "Clear, feasible in the time, relevant to AI."),
        ("impact", "Impact at home", 30, "How the home country gains when the scholar returns."),
    ],
    "young": [
        ("research", "Research promise", 40, "Quality of past work and of the proposal."),
        ("fit", "Fit with the host laboratory", 35, "Does a host group work on this? Is there a supervisor?"),
        ("transfer", "Knowledge transfer", 25, "A credible plan to share what is learnt at home."),
    ],
    "engineers": [
        ("skills", "Engineering skills", 35, "Shipped systems, code quality, tools mastered."),
        ("project", "Placement project", 30, "A concrete problem the host company and the engineer share."),
        ("language", "Working language", 15, "Can work day to day in English or Chinese."),
        ("return", "Return plan", 20, "The home employer's commitment and the role on return."),
    ],
    "scientists": [
        ("record", "Research record", 40, "Publications, projects led, students supervised."),
        ("leadership", "Scientific leadership", 30, "Ability to lead a laboratory or a joint project."),
        (
            "collaboration",
            "Collaboration plan",
            30,
            "Joint work with the host, and what continues afterwards.",
        ),
    ],
}


@dataclass(frozen=True)
class Demo:
    who: str  # a demo user's e-mail, or a key of PEOPLE
    status: ApplicationStatus
    quality: float | None = None  # reviewers score around this (1–5)
    reviews: str = ""  # one letter per reviewer: s submitted, a assigned, n newly assigned, c conflict
    outlier: bool = False  # the last submitted review is two points off the others
    offer: OfferStatus | None = None
    waitlist_rank: int | None = None
    placement: tuple | None = None  # (status, host, supervisor, starts in days, ends in days)


def calls() -> list[dict]:
    common = {"time_zone": "Asia/Shanghai", "is_published": True, "reviewers_per_application": 3}
    young_rules = [
        {"rule": "global_south"},
        {"rule": "not_host_country"},
        {"rule": "max_age", "years": 35},
    ]
    return [
        common
        | {
            "programme": "scholarship",
            "title": "2027 intake",
            "titles": {"zh": "2027年秋季入学", "fr": "Rentrée 2027"},
            "window": (-20, 40),
            "rules": young_rules,
            "documents": ["cv", "transcript", "degree", "recommendation"],
            "rubric": "study",
            "quota_total": 20,
            "country_quotas": {"ET": 3, "PK": 3},
            "apps": [
                Demo("abebe@demo.talent", DR),
                Demo("grace@demo.talent", DR),
                Demo("ahmed@demo.talent", S),
                Demo("Nguyen Van Minh", S),
                Demo("somchai@demo.talent", WD),
            ],
        },
        common
        | {
            "programme": "young",
            "title": "2026 autumn cohort",
            "titles": {"zh": "2026年秋季批次", "fr": "Promotion d'automne 2026"},
            "window": (-45, 3),
            "rules": young_rules + [{"rule": "language_certificate", "language": "en"}],
            "documents": ["cv", "research_plan", "passport"],
            "rubric": "young",
            "quota_total": 12,
            "country_quotas": {"PK": 2, "EG": 2},
            "apps": [
                Demo("ayesha@demo.talent", DR),
                Demo("Bishnu Prasad Adhikari", DR),
                Demo("putri@demo.talent", S),
                Demo("Sok Dara", S),
                Demo("grace@demo.talent", WD),
            ],
        },
        common
        | {
            "programme": "engineers",
            "title": "2026 spring placements",
            "titles": {"zh": "2026年春季派遣", "fr": "Placements du printemps 2026"},
            "window": (-90, -30),
            "rules": [
                {"rule": "global_south"},
                {"rule": "not_host_country"},
                {"rule": "min_age", "years": 21},
            ],
            "documents": ["cv", "degree", "employer_letter"],
            "rubric": "engineers",
            "quota_total": 8,
            "country_quotas": {"EG": 2, "VN": 2},
            "is_blind_review": False,
            "is_nationality_conflict": True,
            "apps": [
                Demo("ahmed@demo.talent", UR, 4.2, "sss"),
                Demo("putri@demo.talent", UR, 3.6, "sss", outlier=True),
                Demo("abebe@demo.talent", UR, 3.4, "ssa"),
                Demo("somchai@demo.talent", UR, 2.8, "saa"),
                Demo("Chukwuemeka Obi", UR, 3.9, "sss"),
                Demo("Fatima Zahra Benali", UR, 4.5, "cssn"),
                Demo("Tran Thi Mai", UR, 3.1, "ssn"),
                Demo("Kamal Hossain", S),
            ],
        },
        common
        | {
            "programme": "scientists",
            "title": "2026 round",
            "titles": {"zh": "2026年度", "fr": "Session 2026"},
            "window": (-120, -75),
            "decided": -12,
            "offer_days": 21,
            "rules": [{"rule": "not_host_country"}, {"rule": "min_isced_level", "level": 7}],
            "documents": ["cv", "research_plan", "recommendation"],
            "rubric": "scientists",
            "quota_total": 3,
            "country_quotas": {"IN": 1, "VN": 1},
            "is_blind_review": False,
            "apps": [
                Demo(
                    "Rajesh Kumar Sharma",
                    ACC,
                    4.7,
                    "sss",
                    offer=OfferStatus.ACCEPTED,
                    placement=("arrived", SHENZHEN, "Prof. Huang Jian", -4, 362),
                ),
                Demo(
                    "Nguyen Thi Lan",
                    ACC,
                    4.4,
                    "sss",
                    offer=OfferStatus.ACCEPTED,
                    placement=("planned", HANGZHOU, "Dr. Qian Yue", 30, 210),
                ),
                Demo("ayesha@demo.talent", ACC, 4.3, "sss", offer=OfferStatus.PENDING),
                Demo("Tesfaye Gebremedhin", WL, 4.0, "sss", waitlist_rank=1),
                Demo("Karim Mansour", WL, 3.8, "sss", outlier=True, waitlist_rank=2),
                Demo("Oluwaseun Adebayo", REJ, 2.6, "sss"),
                Demo("Sunil Perera", WD),
            ],
        },
        common
        | {
            "programme": "scientists",
            "title": "2025 round",
            "titles": {"zh": "2025年度", "fr": "Session 2025"},
            "window": (-480, -430),
            "decided": -400,
            "rules": [{"rule": "not_host_country"}, {"rule": "min_isced_level", "level": 7}],
            "documents": ["cv", "research_plan", "recommendation"],
            "rubric": "scientists",
            "quota_total": 2,
            "is_blind_review": False,
            "apps": [
                Demo(
                    "Mamadou Lamine Diallo",
                    ACC,
                    4.6,
                    "sss",
                    offer=OfferStatus.ACCEPTED,
                    placement=("completed", SHENZHEN, "Prof. Huang Jian", -380, -20),
                ),
                Demo("Layla Haddad", REJ, 2.9, "sss"),
            ],
        },
    ]


STATEMENTS = [
    "I want to build speech and text tools for languages that today's models leave out.",
    "My team automates visual inspection for small factories; I want to learn how it is done at scale.",
    "I teach machine learning at home and want to bring back a curriculum and lasting partners.",
    "I work on crop-disease detection from phone pictures and need better models for our conditions.",
]
PLANS = [
    "First months: courses and a literature review. Then a prototype with the host group, evaluated on "
    "data from home, and a joint paper.",
    "Join the host's production team, take one model from data collection to deployment, and document "
    "the process for colleagues at home.",
]
