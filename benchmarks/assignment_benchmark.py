"""Automatic review assignment: 3 reviewers each for 5,000 applications from 300 reviewers, with conflicts.

Builds a throw-away database (SQLite in a temporary folder; also PostgreSQL when
TALENT_BENCH_POSTGRES_URL is set, e.g. postgresql://postgres@127.0.0.1:5432/postgres, in a database
created for the run and dropped after it) and fills it with bulk inserts:

  * 300 active reviewers at 60 institutions; applicants come from 120 institutions, the first 60 of
    them the reviewers' — so about one reviewer in 60 works where a given applicant does;
  * reviewers and applicants of 12 nationalities, and the call excludes same-nationality reviews;
  * 600 declared conflicts (300 with a person, 300 with an institution);
  * 600 open reviews in another call, held by the first 100 reviewers (load to balance against).

It then times `reviews.auto_assign` (the whole operation: reads, plan, bulk insert of the reviews,
bulk state change, audit entries and notifications, commit) — the median of `--runs` runs, each
starting again from no assignment in the call — next to a baseline measured in the same run: a
naive implementation that asks the database per application (reviewers, their conflicts with the
applicant, the reviewers it has, everyone's load) and inserts each review through the ORM, run on
the first `--baseline-apps` applications and extrapolated per application to all of them.

Finally it checks the result: every application has 3 distinct reviewers, none of them conflicted
under any rule, and prints the spread of load (highest − lowest) over reviewers.

    .venv/bin/python benchmarks/assignment_benchmark.py [--runs 3] [--baseline-apps 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import bench_app  # noqa: E402
from talent.core.scratch_db import scratch_postgres_database  # noqa: E402
from talent.extensions import db  # noqa: E402

APPLICATIONS = 5_000
REVIEWERS = 300
PER_APPLICATION = 3
REVIEWER_INSTITUTIONS = 60
APPLICANT_INSTITUTIONS = 120
COUNTRIES = ["KE", "ET", "EG", "NG", "PK", "BR", "ID", "VN", "GH", "TZ", "BD", "PE"]
DECLARED = 300  # of each kind
OTHER_CALL_REVIEWS = 600


def fill() -> dict:
    """Bulk-insert the world; returns the ids the runs need."""
    from talent.accounts.models import User, UserRole
    from talent.core.permissions import Role
    from talent.programmes.models import Application, Call, Programme, Review, ReviewerConflict
    from talent.reference.models import Institution, Person

    session = db.session
    now = datetime.now(UTC)
    session.execute(
        insert(Institution),
        [
            {
                "id": i,
                "name": f"Institution {i}",
                "kind": "university",
                "country_code": COUNTRIES[i % len(COUNTRIES)],
                "city": "",
                "partner_status": "active",
                "created_at": now,
            }
            for i in range(1, APPLICANT_INSTITUTIONS + 1)
        ],
    )
    session.execute(
        insert(User),
        [
            {
                "id": i,
                "email": f"reviewer{i}@bench.test",
                "password_hash": "x",
                "display_name": f"Reviewer {i}",
                "timezone": "UTC",
                "is_active": True,
                "institution_id": 1 + i % REVIEWER_INSTITUTIONS,
                "created_at": now,
            }
            for i in range(1, REVIEWERS + 2)
        ],
    )
    session.execute(
        insert(UserRole), [{"user_id": i, "role": Role.REVIEWER} for i in range(1, REVIEWERS + 1)]
    )
    session.execute(insert(UserRole), [{"user_id": REVIEWERS + 1, "role": Role.ADMIN}])
    people = [
        {
            "id": i,
            "user_id": i,
            "name_latin": f"Reviewer {i}",
            "nationality_code": COUNTRIES[i % len(COUNTRIES)],
            "languages": "",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(1, REVIEWERS + 1)
    ]
    first_applicant = 1001
    people += [
        {
            "id": first_applicant + n,
            "email": f"applicant{n}@bench.test",
            "name_latin": f"Applicant {n}",
            "nationality_code": COUNTRIES[(n * 7) % len(COUNTRIES)],
            "affiliation_id": 1 + n % APPLICANT_INSTITUTIONS,
            "languages": "",
            "created_at": now,
            "updated_at": now,
        }
        for n in range(APPLICATIONS + OTHER_CALL_REVIEWS)
    ]
    session.execute(insert(Person), people)
    programme = Programme(kind="scholarship", name="Bench scholarship", names={}, host_country_code="CN")
    session.add(programme)
    session.flush()
    calls = []
    for title in ("Benchmark call", "Other call"):
        call = Call(
            programme_id=programme.id,
            title=title,
            titles={},
            opens_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=1),
            is_published=True,
            rubric=[{"code": "merit", "label": "Merit", "weight": 100, "guidance": ""}],
            reviewers_per_application=PER_APPLICATION,
            is_nationality_conflict=True,
        )
        session.add(call)
        calls.append(call)
    session.flush()
    call, other = calls

    def application(n, call_id):
        person = people[REVIEWERS + n]
        return {
            "id": 1 + n,
            "call_id": call_id,
            "person_id": person["id"],
            "status": "submitted",
            "country_code": person["nationality_code"],
            "institution_id": person["affiliation_id"],
            "statement": "",
            "plan": "",
            "referees": [],
            "review_count": 0,
            "submitted_at": now,
            "created_at": now,
            "updated_at": now,
        }

    session.execute(insert(Application), [application(n, call.id) for n in range(APPLICATIONS)])
    session.execute(
        insert(Application),
        [application(n, other.id) for n in range(APPLICATIONS, APPLICATIONS + OTHER_CALL_REVIEWS)],
    )
    session.execute(
        insert(Review),
        [
            {
                "application_id": APPLICATIONS + 1 + k,
                "reviewer_id": 1 + k % 100,
                "status": "assigned",
                "scores": {},
                "comment": "",
                "assigned_at": now,
                "due_at": now + timedelta(days=20),
            }
            for k in range(OTHER_CALL_REVIEWS)
        ],
    )
    conflicts = [
        {
            "reviewer_id": 1 + k % REVIEWERS,
            "person_id": first_applicant + (k * 17) % APPLICATIONS,
            "reason": "bench",
            "declared_at": now,
        }
        for k in range(DECLARED)
    ] + [
        {
            "reviewer_id": 1 + (k * 7) % REVIEWERS,
            "institution_id": 1 + (k * 11) % APPLICANT_INSTITUTIONS,
            "reason": "bench",
            "declared_at": now,
        }
        for k in range(DECLARED)
    ]
    unique = {(c["reviewer_id"], c.get("person_id"), c.get("institution_id")): c for c in conflicts}
    session.execute(insert(ReviewerConflict), list(unique.values()))
    if session.get_bind().dialect.name == "postgresql":
        for table in ("institutions", "users", "persons", "applications", "reviews"):
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
    session.commit()
    return {"call": call.id, "admin": REVIEWERS + 1, "conflicts": len(unique)}


def reset(call_id: int) -> None:
    from talent.core.audit import AuditEntry
    from talent.core.models import Notification
    from talent.programmes.models import Application, Review

    ids = select(Application.id).where(Application.call_id == call_id).scalar_subquery()
    db.session.execute(delete(Review).where(Review.application_id.in_(ids)))
    db.session.execute(update(Application).where(Application.call_id == call_id).values(status="submitted"))
    db.session.execute(delete(Notification))
    db.session.execute(text(f"DELETE FROM {AuditEntry.__tablename__}"))
    db.session.commit()


def timed_auto_assign(call_id: int, admin_id: int) -> tuple[float, object]:
    from talent.accounts.models import User
    from talent.programmes import reviews
    from talent.programmes.models import Call

    db.session.expunge_all()
    call, admin = db.session.get(Call, call_id), db.session.get(User, admin_id)
    started = time.perf_counter()
    report = reviews.auto_assign(call, actor=admin)
    db.session.commit()
    return time.perf_counter() - started, report


def naive_assign(call_id: int, limit: int) -> float:
    """The baseline: per application, ask the database everything, then insert reviews one by one."""
    from talent.accounts.models import User, UserRole
    from talent.core.permissions import Role
    from talent.programmes.models import Application, Review, ReviewerConflict
    from talent.reference.models import Person

    started = time.perf_counter()
    now = datetime.now(UTC)
    applications = db.session.scalars(
        select(Application).where(Application.call_id == call_id).order_by(Application.id).limit(limit)
    ).all()
    for application in applications:
        reviewers = db.session.execute(
            select(User.id, User.institution_id, Person.nationality_code)
            .join(UserRole, UserRole.user_id == User.id)
            .outerjoin(Person, Person.user_id == User.id)
            .where(UserRole.role == Role.REVIEWER, User.is_active.is_(True))
        ).all()
        conflicted = set(
            db.session.scalars(
                select(ReviewerConflict.reviewer_id).where(
                    (ReviewerConflict.person_id == application.person_id)
                    | (ReviewerConflict.institution_id == application.institution_id)
                )
            )
        )
        taken = set(
            db.session.scalars(select(Review.reviewer_id).where(Review.application_id == application.id))
        )
        loads = dict(
            db.session.execute(
                select(Review.reviewer_id, func.count())
                .where(Review.status == "assigned")
                .group_by(Review.reviewer_id)
            ).all()
        )
        allowed = [
            r
            for r, institution, nationality in reviewers
            if r not in conflicted
            and r not in taken
            and institution != application.institution_id
            and nationality != application.country_code
        ]
        allowed.sort(key=lambda r: (loads.get(r, 0), r))
        for reviewer_id in allowed[: PER_APPLICATION - len(taken)]:
            db.session.add(
                Review(
                    application_id=application.id, reviewer_id=reviewer_id, due_at=now + timedelta(days=21)
                )
            )
            db.session.flush()
        application.status = "under_review"
        db.session.flush()
    db.session.commit()
    return time.perf_counter() - started


def check(call_id: int) -> tuple[int, int, int]:
    """(applications without 3 distinct reviewers, conflicted pairs, max − min load over reviewers)."""
    from talent.programmes import assignment
    from talent.programmes.models import Application, Call, Review

    call = db.session.get(Call, call_id)
    reviewers = assignment.load_reviewers()
    conflicts = assignment.load_conflicts()
    applicants = {a.id: a for a in assignment.open_applicants(call)}
    pairs = db.session.execute(
        select(Review.application_id, Review.reviewer_id)
        .join(Application, Application.id == Review.application_id)
        .where(Application.call_id == call_id)
    ).all()
    by_application = defaultdict(list)
    for application_id, reviewer_id in pairs:
        by_application[application_id].append(reviewer_id)
    short = sum(1 for a in applicants if len(set(by_application[a])) != PER_APPLICATION)
    conflicted = sum(
        1
        for application_id, reviewer_id in pairs
        if assignment.conflict_reason(call, applicants[application_id], reviewers[reviewer_id], conflicts)
    )
    loads = assignment.current_loads()
    values = [loads.get(r, 0) for r in reviewers]
    in_call = Counter(reviewer_id for _a, reviewer_id in pairs)
    spread_in_call = max(in_call.get(r, 0) for r in reviewers) - min(in_call.get(r, 0) for r in reviewers)
    print(
        f"  load per reviewer, all calls: {min(values)}–{max(values)}; in this call: spread {spread_in_call}"
    )
    return short, conflicted, max(values) - min(values)


def run(label: str, database_url: str, runs: int, baseline_apps: int) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        app = bench_app(data_dir, database_url, SERVER_NAME=None)
        with app.app_context(), app.test_request_context():
            started = time.perf_counter()
            ids = fill()
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            print(
                f"\n{label}: {APPLICATIONS:,} applications, {REVIEWERS} reviewers, {ids['conflicts']} declared "
                f"conflicts, {OTHER_CALL_REVIEWS} reviews elsewhere; loaded in {time.perf_counter() - started:.1f} s"
            )
            times = []
            for _ in range(runs):
                reset(ids["call"])
                elapsed, report = timed_auto_assign(ids["call"], ids["admin"])
                times.append(elapsed)
            print(
                f"  auto_assign: median {statistics.median(times) * 1000:.0f} ms over {runs} runs "
                f"(runs: {', '.join(f'{t * 1000:.0f}' for t in times)} ms); {report.assigned:,} reviews, "
                f"{len(report.shortfalls)} applications short"
            )
            short, conflicted, spread = check(ids["call"])
            print(
                f"  check: {short} applications without 3 distinct reviewers, {conflicted} conflicted pairs, "
                f"load spread (max − min, all calls) {spread}"
            )
            reset(ids["call"])
            naive = naive_assign(ids["call"], baseline_apps)
            per_app = naive / baseline_apps
            estimate = per_app * APPLICATIONS
            print(
                f"  baseline (naive, queries per application, ORM inserts): {naive * 1000:.0f} ms for "
                f"{baseline_apps} applications = {per_app * 1000:.2f} ms each → ≈ {estimate:.1f} s for "
                f"{APPLICATIONS:,}; auto_assign is ≈ {estimate / statistics.median(times):.0f}× faster"
            )
            db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-apps", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/bench.sqlite3", args.runs, args.baseline_apps)
    base = os.environ.get("TALENT_BENCH_POSTGRES_URL")
    if base:
        with scratch_postgres_database(base, "talent_bench") as url:
            run("PostgreSQL", url, args.runs, args.baseline_apps)


if __name__ == "__main__":
    main()
