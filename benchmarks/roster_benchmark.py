"""Cohort roster and institution dashboard with 100,000 enrolments: server time and queries per page.

Builds a throw-away database (SQLite in a temporary folder; also PostgreSQL when
TALENT_BENCH_POSTGRES_URL is set, e.g. postgresql://postgres@127.0.0.1:5432/postgres, in a
database created for the run and dropped after it), fills it with bulk inserts — 500 cohorts ×
200 enrolments, 12 sessions per cohort with attendance marked for the first six — then requests
each page through the Flask test client, logged in as the host's staff or an administrator.

For every page it prints the median and 95th percentile of the time a request takes, the ratios
of the median to two baselines measured the same way in the same run (GET /healthz: one query,
no template; the home page: a rendered page with the menu) and the number of SQL queries the
page runs (the logged-in user's two included). Goal: p95 ≤ 50 ms; queries do not grow with rows.

    .venv/bin/python benchmarks/roster_benchmark.py [--requests 60] [--index "CREATE INDEX …"]

`--index` runs extra DDL on the throw-away database before timing, to measure an index
before asking for it in a migration.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import bench_app, bulk_insert, counting, logged_in_client, p95  # noqa: E402
from talent.core.scratch_db import scratch_postgres_database
from talent.extensions import db  # noqa: E402

COHORTS = 500
PER_COHORT = 200
SESSIONS = 12
MARKED_SESSIONS = 6
HOSTS = 50
PARTNERS = 10
SEATS = 180
CLOSED_FROM = 400  # cohorts with this index and above are closed, with outcomes
NAMES = [
    ("WANG Xiaoming", "王小明"),
    ("AHMED Ali", "أحمد علي"),
    ("ABEBE Bikila", "አበበ ቢቂላ"),
    ("Olga Petrova", "Ольга Петрова"),
    ("Somchai Dee", "สมชาย ดี"),
    ("Amina Yusuf", None),
]


def _rows(total: int, make):
    return [make(i) for i in range(1, total + 1)]


def fill(batch: int = 20_000) -> dict:
    """Bulk-insert the data set; returns what the timed requests need (ids)."""
    from talent.accounts.models import User
    from talent.core.permissions import Role
    from talent.reference.models import Institution, Person
    from talent.workshops.models import Attendance, Cohort, CohortSession, Course, Enrolment

    session = db.session
    now = datetime.now(UTC)
    today = date.today()

    bulk_insert(
        Institution,
        _rows(
            HOSTS + PARTNERS,
            lambda i: {
                "id": i,
                "name": f"{'Workshop site' if i <= HOSTS else 'Vocational college'} {i}",
                "kind": "workshop_site" if i <= HOSTS else "vocational_college",
                "country_code": ("KE", "ET", "EG", "TH", "PK")[i % 5] if i <= HOSTS else "CN",
                "city": "",
                "partner_status": "active",
                "created_at": now,
            },
        ),
        batch,
    )
    bulk_insert(
        Course,
        _rows(
            5,
            lambda i: {
                "id": i,
                "code": f"BENCH-{i}",
                "title": f"Benchmark course {i}",
                "titles": {},
                "description": "",
                "theory_hours": 40,
                "practice_hours": 120,
                "competencies": [],
                "theory_weight": 30,
                "practical_weight": 70,
                "pass_mark": 60,
                "min_attendance_pct": 80,
                "created_at": now,
            },
        ),
    )
    bulk_insert(
        Cohort,
        _rows(
            COHORTS,
            lambda i: {
                "id": i,
                "course_id": 1 + i % 5,
                "host_institution_id": 1 + i % HOSTS,
                "partner_institution_id": HOSTS + 1 + i % PARTNERS,
                "starts_on": today - timedelta(days=i),
                "ends_on": today - timedelta(days=i) + timedelta(days=90),
                "language": "en",
                "capacity": SEATS,
                "enrolment_opens_on": today - timedelta(days=i + 30),
                "enrolment_closes_on": today - timedelta(days=i),
                "instructors": ["Wang Jun"],
                "status": "closed" if i > CLOSED_FROM else "open",
                "closed_at": now if i > CLOSED_FROM else None,
                "created_at": now,
            },
        ),
        batch,
    )
    bulk_insert(
        CohortSession,
        _rows(
            COHORTS * SESSIONS,
            lambda i: {
                "id": i,
                "cohort_id": 1 + (i - 1) // SESSIONS,
                "held_on": today + timedelta(days=(i - 1) % SESSIONS),
                "title": f"Session {(i - 1) % SESSIONS + 1}",
                "kind": "practice",
                "hours": Decimal("4.0"),
            },
        ),
    )
    total = COHORTS * PER_COHORT

    def person(i):
        latin, native = NAMES[i % len(NAMES)]
        return {
            "id": i,
            "name_latin": f"{latin} {i:06d}",
            "name_native": native,
            "email": f"trainee{i}@example.org",
            "nationality_code": ("ET", "KE", "EG", "TH", "PK", "RU")[i % 6],
            "languages": "",
            "created_at": now,
            "updated_at": now,
        }

    bulk_insert(Person, _rows(total, person))

    def enrolment(i):
        cohort_id, place = 1 + (i - 1) // PER_COHORT, (i - 1) % PER_COHORT
        closed = cohort_id > CLOSED_FROM
        if place < SEATS:
            status = ("completed" if place % 6 else "not_completed") if closed else "enrolled"
        elif closed:
            status = "withdrawn"
        else:
            status = "waitlisted" if place < SEATS + 12 else "pending"
        outcome = (
            {
                "completed": status == "completed",
                "attendance_pct": "83.3",
                "weighted_score": "71.0",
                "reasons": [],
            }
            if closed and place < SEATS
            else {}
        )
        return {
            "id": i,
            "cohort_id": cohort_id,
            "person_id": i,
            "status": status,
            "waitlist_position": place - SEATS + 1 if status == "waitlisted" else None,
            "source": "staff",
            "theory_score": Decimal(40 + place % 60) if place < SEATS else None,
            "practical_score": Decimal(50 + place % 50) if place < SEATS else None,
            "outcome": outcome,
            "created_at": now,
            "updated_at": now,
        }

    bulk_insert(Enrolment, _rows(total, enrolment))
    marks = []
    for cohort_id in range(1, COHORTS + 1):
        for place in range(SEATS):
            enrolment_id = (cohort_id - 1) * PER_COHORT + place + 1
            for s in range(MARKED_SESSIONS):
                status = "present" if (place + s) % 7 else ("absent" if s % 2 else "excused")
                marks.append(
                    {
                        "enrolment_id": enrolment_id,
                        "session_id": (cohort_id - 1) * SESSIONS + s + 1,
                        "status": status,
                        "recorded_at": now,
                    }
                )
    bulk_insert(Attendance, marks)
    if session.get_bind().dialect.name == "postgresql":
        for table in ("institutions", "courses", "cohorts", "cohort_sessions", "persons", "enrolments"):
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
    staff = User(email="staff@bench.test", display_name="Host staff", institution_id=1, password_hash="x")
    staff.set_roles({Role.INSTITUTION})
    admin = User(email="admin@bench.test", display_name="Admin", password_hash="x")
    admin.set_roles({Role.ADMIN})
    session.add_all([staff, admin])
    session.commit()
    return {"staff": staff.get_id(), "admin": admin.get_id(), "marks": len(marks)}


def measure(client, url: str, requests: int) -> tuple[float, float, int]:
    for _ in range(3):  # warm caches: templates, statement cache, database pages
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
    with counting(db.engine) as statements:
        client.get(url)
    return statistics.median(times), p95(times), len(statements)


def run(label: str, database_url: str, requests: int, extra_ddl: list[str]) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        app = bench_app(data_dir, database_url, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)
        with app.app_context():
            started = time.perf_counter()
            ids = fill()
            for ddl in extra_ddl:
                db.session.execute(text(ddl))
            db.session.commit()
            db.session.execute(text("ANALYZE"))  # planner statistics, as a live database has them
            db.session.commit()
            print(
                f"\n{label}: {COHORTS * PER_COHORT:,} enrolments, {ids['marks']:,} attendance marks "
                f"loaded in {time.perf_counter() - started:.1f} s"
            )
            db.session.remove()

        staff, admin = logged_in_client(app, ids["staff"]), logged_in_client(app, ids["admin"])
        # Cohort 50 is hosted by institution 1 (the staff member's) and is open.
        pages = [
            ("baseline: GET /healthz", staff, "/healthz"),
            ("baseline: home page", staff, "/"),
            ("roster, first page", staff, "/cohorts/50"),
            ("roster, deep page (8 of 8)", staff, "/cohorts/50?page=8"),
            ("roster, search", staff, "/cohorts/50?q=009850"),
            ("roster, sorted by attendance", staff, "/cohorts/50?sort=attendance&order=desc"),
            ("roster, sorted by score, page 5", staff, "/cohorts/50?sort=score&page=5"),
            ("dashboard, staff", staff, "/institution"),
            ("dashboard, admin, all cohorts", admin, "/institution"),
            ("dashboard, admin, page 20", admin, "/institution?page=20"),
            ("trainee list of a closed cohort", staff, "/cohorts/450?status=not_completed"),
        ]
        with app.app_context():
            results = [(name, *measure(client, url, requests)) for name, client, url in pages]
        health, home = results[0][1], results[1][1]
        print(f"{'page':38} {'median ms':>10} {'p95 ms':>8} {'× /healthz':>11} {'× home':>7} {'queries':>8}")
        for name, median, p95, queries in results:
            print(
                f"{name:38} {median:10.2f} {p95:8.2f} {median / health:11.1f} {median / home:7.1f} {queries:8d}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page (≥ 50)")
    parser.add_argument("--index", action="append", default=[], help="extra DDL to run before timing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/bench.sqlite3", args.requests, args.index)
    base = os.environ.get("TALENT_BENCH_POSTGRES_URL")
    if base:
        with scratch_postgres_database(base, "talent_bench") as url:
            run("PostgreSQL", url, args.requests, args.index)


if __name__ == "__main__":
    main()
