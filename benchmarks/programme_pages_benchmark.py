"""Application list and ranking pages with 100,000 applications and 300,000 reviews: server time, queries.

Builds a throw-away database (SQLite in a temporary folder by default; PostgreSQL with --postgres URL,
e.g. postgresql://postgres@127.0.0.1:5432/postgres, in a database created for the run and dropped
after it), bulk-inserts one call with 100,000 applications from applicants of 40 countries, each
with three submitted reviews scored on a 3-criterion rubric by 300 reviewers (review figures on the
applications consistent with the reviews), plus a small call of 1,000 applications / 3,000 reviews
in the same database as the baseline (its ids come after the big call's, as a later call's do in a
live database, so a plan that walks the primary key shows there). Then it requests, logged in as an administrator through the
Flask test client, the application list (GET /admin/calls/<id>/applications) and the ranking
(GET /admin/calls/<id>/ranking): first pages, filtered pages, deep pages reached by following the
page's "next" link. For every page it prints the median and 95th percentile of the request time,
the ratio of the big call's median to the small call's, and the SQL queries per request (the
logged-in user's included). Last, a naive ranking (GROUP BY over the reviews, ORDER BY AVG) timed
on the same data shows what the stored review figures save.

Goal (issue #5): p95 ≤ 50 ms, and a query count that does not grow with the rows.

    .venv/bin/python benchmarks/programme_pages_benchmark.py [--requests 60] [--postgres URL]
        [--no-sqlite] [--applications 100000] [--index "CREATE INDEX …"] [--explain]
"""

from __future__ import annotations

import argparse
import html
import os
import random
import re
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import event, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import bench_app, bulk_insert, counting, logged_in_client, p95  # noqa: E402
from talent.core.scratch_db import scratch_postgres_database  # noqa: E402
from talent.extensions import db  # noqa: E402

BIG, SMALL = 1, 2  # call ids
REVIEWS_EACH = 3
REVIEWERS = 300
INSTITUTIONS = 200
RARE_COUNTRY = "MN"  # one application in 1,000: the worst case for a country filter
RUBRIC = [
    {"code": "merit", "label": "Academic merit", "weight": 40, "guidance": "Grades, publications."},
    {"code": "plan", "label": "Quality of the plan", "weight": 35, "guidance": "Clear, feasible."},
    {"code": "impact", "label": "Impact at home", "weight": 25, "guidance": "What home gains."},
]
NAMES = [
    ("Abebe Bikila", "አበበ ቢቂላ"),
    ("Ahmed Ali", "أحمد علي"),
    ("Priya Sharma", "प्रिया शर्मा"),
    ("Somchai Dee", "สมชาย ดี"),
    ("Grace Wanjiku", None),
    ("Nguyen Van An", "Nguyễn Văn An"),
]
THOUSANDTH = Decimal("0.001")
COUNTRIES = (  # noqa: SIM905 (shorter to read)
    "ET KE EG NG PK IN BD VN TH ID GH SN MA TN DZ LK NP KH LA MM PH BR BO CO PE AR ZA TZ UG RW "
    "ZM ZW CM CI ML BF SD IQ JO"
).split()


def fill(applications: int, small: int) -> dict:
    """Bulk-insert both calls' data; returns the ids the timed requests need."""
    from talent.accounts.models import User
    from talent.core.permissions import Role
    from talent.programmes.models import Application, Call, Programme, Review
    from talent.reference.models import Country, Institution, Person

    session = db.session
    now = datetime.now(UTC)
    rng = random.Random(20260101)
    countries = list(
        session.scalars(
            select(Country.code).where(Country.is_global_south.is_(True), Country.code.in_(COUNTRIES))
        )
    )
    bulk_insert(
        Institution,
        [
            {
                "id": i,
                "name": f"University {i}",
                "kind": "university",
                "country_code": countries[i % len(countries)],
                "city": "",
                "partner_status": "active",
                "created_at": now,
            }
            for i in range(1, INSTITUTIONS + 1)
        ],
    )
    admin = User(email="admin@bench.test", display_name="Admin", password_hash="x")
    admin.set_roles({Role.ADMIN})
    reviewers = []
    for n in range(REVIEWERS):
        reviewer = User(email=f"reviewer{n}@bench.test", display_name=f"Reviewer {n}", password_hash="x")
        reviewer.set_roles({Role.REVIEWER})
        reviewers.append(reviewer)
    session.add_all([admin, *reviewers])
    session.flush()
    reviewer_ids = [r.id for r in reviewers]

    def person(i):
        latin, native = NAMES[i % len(NAMES)]
        return {
            "id": i,
            "name_latin": f"{latin} {i:06d}",
            "name_native": native,
            "email": f"applicant{i}@example.org",
            "nationality_code": RARE_COUNTRY if i % 1000 == 0 else countries[(i * 7) % len(countries)],
            "born_on": date(1990 + i % 15, 1 + i % 12, 1 + i % 28),
            "isced_level": 6 + i % 2,
            "languages": "en",
            "affiliation_id": 1 + i % INSTITUTIONS,
            "created_at": now,
            "updated_at": now,
        }

    people = [person(i) for i in range(1, applications + 1)]
    bulk_insert(Person, people)
    session.add(Programme(id=1, kind="scholarship", name="South–South AI Scholarship", names={}))
    session.flush()
    for call_id, title in ((BIG, "2027 intake"), (SMALL, "2027 pilot")):
        session.add(
            Call(
                id=call_id,
                programme_id=1,
                title=title,
                titles={},
                opens_at=now - timedelta(days=90),
                closes_at=now - timedelta(days=30),
                is_published=True,
                eligibility_rules=[{"rule": "global_south"}],
                required_documents=["cv"],
                rubric=RUBRIC,
                reviewers_per_application=REVIEWS_EACH,
                quota_total=None,
                country_quotas={},
            )
        )
    session.flush()
    app_rows, review_rows, waitlisted = [], [], 0
    next_id = 0
    for call_id, count in ((BIG, applications), (SMALL, small)):
        for n in range(1, count + 1):
            next_id += 1
            p = people[n - 1]
            status = {0: "accepted", 1: "waitlisted", 2: "rejected"}.get(n % 20, "under_review")
            decided = status != "under_review"
            waitlisted += status == "waitlisted"
            weighted = []
            first = rng.randrange(REVIEWERS)
            quality = rng.uniform(1.5, 4.8)
            for k in range(REVIEWS_EACH):
                scores = {c["code"]: max(1, min(5, round(quality + rng.uniform(-1, 1)))) for c in RUBRIC}
                score = (sum(Decimal(scores[c["code"]]) * c["weight"] for c in RUBRIC) / 100).quantize(
                    THOUSANDTH
                )
                weighted.append(score)
                review_rows.append(
                    {
                        "application_id": next_id,
                        "reviewer_id": reviewer_ids[(first + k * 101) % REVIEWERS],
                        "status": "submitted",
                        "scores": scores,
                        "comment": "",
                        "weighted_score": score,
                        "assigned_at": now - timedelta(days=28),
                        "due_at": now - timedelta(days=7),
                        "submitted_at": now - timedelta(days=10),
                    }
                )
            app_rows.append(
                {
                    "id": next_id,
                    "call_id": call_id,
                    "person_id": n,
                    "status": status,
                    "country_code": p["nationality_code"],
                    "institution_id": p["affiliation_id"],
                    "statement": "I want to build speech recognition for my language.",
                    "plan": "Coursework, then a thesis.",
                    "referees": [],
                    "review_count": REVIEWS_EACH,
                    "score_mean": (sum(weighted) / len(weighted)).quantize(THOUSANDTH),
                    "score_spread": max(weighted) - min(weighted),
                    "decided_by_id": admin.id if decided else None,
                    "waitlist_rank": waitlisted if status == "waitlisted" else None,
                    "offer_status": "pending" if status == "accepted" else None,
                    "offer_expires_at": now + timedelta(days=14) if status == "accepted" else None,
                    "created_at": now - timedelta(days=60),
                    "updated_at": now,
                    "submitted_at": now - timedelta(days=40),
                    "decided_at": now - timedelta(days=1) if decided else None,
                }
            )
    bulk_insert(Application, app_rows)
    bulk_insert(Review, review_rows, batch=20_000)
    if session.get_bind().dialect.name == "postgresql":
        for table in ("institutions", "persons", "programmes", "calls", "applications", "reviews", "users"):
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
    session.commit()
    return {"admin": admin.get_id(), "reviews": len(review_rows), "country": "KE"}


NEXT_LINK = re.compile(r'<a\b[^>]*href="([^"]*[?&]after=[^"]*)"', re.I)


def follow_next(client, url: str, times: int) -> str:
    """The URL reached by following the page's link to the next page `times` times."""
    for _ in range(times):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        links = NEXT_LINK.findall(response.get_data(as_text=True))
        assert links, f"no next link on {url}"
        url = html.unescape(links[-1])
    return url


@contextmanager
def sql_clock(engine):
    """Milliseconds spent in SQL statements (driver round trips) while the block runs, summed."""
    spent, started = [0.0], {}

    def before(conn, *_args):
        started[id(conn)] = time.perf_counter()

    def after(conn, *_args):
        spent[0] += (time.perf_counter() - started.pop(id(conn), time.perf_counter())) * 1000

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield spent
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def measure(client, url: str, requests: int) -> tuple[float, float, float, int, list]:
    """Median and p95 request time, median SQL time per request, queries per request, statements."""
    for _ in range(3):  # warm caches: templates, statement cache, database pages
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times, sql = [], []
    for _ in range(requests):
        with sql_clock(db.engine) as spent:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        sql.append(spent[0])
        assert response.status_code == 200, url
    with counting(db.engine) as statements:
        client.get(url)
    return statistics.median(times), p95(times), statistics.median(sql), len(statements), statements


NAIVE_RANKING = """
SELECT r.application_id, AVG(r.weighted_score) AS mean, MAX(r.weighted_score) - MIN(r.weighted_score),
       COUNT(*)
FROM reviews r JOIN applications a ON a.id = r.application_id
WHERE a.call_id = :call AND r.status = 'submitted'
GROUP BY r.application_id
ORDER BY mean DESC, r.application_id DESC
LIMIT 50
"""


def time_sql(sql: str, params: dict, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        db.session.execute(text(sql), params).all()
        times.append((time.perf_counter() - start) * 1000)
    db.session.rollback()
    return statistics.median(times), p95(times)


def explain(statements: list[tuple[str, object]]) -> None:
    """Each statement of a page that reads applications or reviews, its time and its plan."""
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    for statement, parameters in statements:
        if "applications" not in statement and "reviews" not in statement:
            continue
        start = time.perf_counter()
        connection.exec_driver_sql(statement, parameters).all()
        took = (time.perf_counter() - start) * 1000
        print(f"  {took:8.2f} ms  {' '.join(statement.split())[:400]}")
        print(f"             parameters: {parameters}")
        plan = connection.exec_driver_sql(
            ("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) ") + statement, parameters
        ).all()
        for row in plan:
            print("             " + (str(row[-1]) if sqlite else row[0]))
    db.session.rollback()


def profile(client, name: str, url: str, requests: int = 30) -> None:
    """Where a page's time goes: the functions with the most cumulative time over `requests` requests."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(url)
    profiler.disable()
    print(f"\nprofile of {name} ({url}), {requests} requests:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def run(label: str, database_url: str, args) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        app = bench_app(data_dir, database_url, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)
        with app.app_context():
            started = time.perf_counter()
            ids = fill(args.applications, args.small)
            for ddl in args.index:
                db.session.execute(text(ddl))
            db.session.commit()
            db.session.execute(text("ANALYZE"))  # planner statistics, as a live database has them
            db.session.commit()
            print(
                f"\n{label}: {args.applications:,} + {args.small:,} applications, {ids['reviews']:,} reviews "
                f"loaded in {time.perf_counter() - started:.1f} s"
            )
            db.session.remove()

        client = logged_in_client(app, ids["admin"])
        country = ids["country"]

        def pages(call_id: int) -> list[tuple[str, str]]:
            base, deep = f"/admin/calls/{call_id}", 5
            listing, ranking = f"{base}/applications", f"{base}/ranking"
            found = []
            if "programmes.admin_applications" in app.view_functions:
                found += [
                    ("list, first page", listing),
                    (f"list, status+country ({country})", f"{listing}?status=under_review&country={country}"),
                    (
                        f"list, status+country ({RARE_COUNTRY}, rare)",
                        f"{listing}?status=waitlisted&country={RARE_COUNTRY}",
                    ),
                    ("list, search 'Priya' (1 in 6 match)", f"{listing}?q=Priya"),
                    ("list, search matching nothing", f"{listing}?q=Zzyzx"),
                    (f"list, deep page ({deep + 1}, via next)", follow_next(client, listing, deep)),
                ]
            else:
                print("programmes.admin_applications does not exist yet: list pages not timed")
            if "programmes.ranking" in app.view_functions:
                found += [
                    ("ranking, first page", ranking),
                    (f"ranking, country ({country})", f"{ranking}?country={country}"),
                    (f"ranking, country ({RARE_COUNTRY}, rare)", f"{ranking}?country={RARE_COUNTRY}"),
                    ("ranking, waitlisted only", f"{ranking}?state=waitlisted"),
                    (f"ranking, deep page ({deep + 1}, via next)", follow_next(client, ranking, deep)),
                ]
            else:
                print("programmes.ranking does not exist yet: ranking pages not timed")
            return found

        with app.app_context():
            big_pages, small_pages = pages(BIG), pages(SMALL)
            results = []
            for (name, big_url), (_same, small_url) in zip(big_pages, small_pages, strict=True):
                big = measure(client, big_url, args.requests)
                small = measure(client, small_url, args.requests)
                results.append((name, big_url, big, small))
            naive = time_sql(NAIVE_RANKING, {"call": BIG}, max(5, args.requests // 6))
            naive_small = time_sql(NAIVE_RANKING, {"call": SMALL}, max(5, args.requests // 6))
            stored = time_sql(
                "SELECT id, score_mean FROM applications WHERE call_id = :call AND score_mean IS NOT NULL "
                "ORDER BY score_mean DESC, id DESC LIMIT 51",
                {"call": BIG},
                args.requests,
            )

        big_n, small_n = f"{args.applications // 1000}k", f"{args.small // 1000}k"
        print(
            f"{'page':38} {big_n + ' median':>11} {'p95':>7} {'sql':>6} {'queries':>7} │ "
            f"{small_n + ' median':>10} {'p95':>7} {'sql':>6} {'queries':>7} │ {'× ' + small_n:>6} {'goal':>5}"
        )
        slow = []
        for name, url, big, small in results:
            (median, p95, sql, queries, statements), (s_median, s_p95, s_sql, s_queries, _s) = big, small
            ok = p95 <= 50 and queries <= s_queries
            if not ok:
                slow.append((name, url, statements))
            print(
                f"{name:38} {median:11.2f} {p95:7.2f} {sql:6.2f} {queries:7d} │ {s_median:10.2f} {s_p95:7.2f} "
                f"{s_sql:6.2f} {s_queries:7d} │ {median / s_median:6.1f} {'ok' if ok else 'MISS':>5}"
            )
        print(
            f"{'naive ranking SQL (GROUP BY reviews)':38} {naive[0]:11.2f} {naive[1]:7.2f} {naive[0]:6.2f} "
            f"{1:7d} │ {naive_small[0]:10.2f} {naive_small[1]:7.2f} {naive_small[0]:6.2f} {1:7d} │ "
            f"{naive[0] / naive_small[0]:6.1f}"
        )
        print(
            f"{'stored figures SQL (score index)':38} {stored[0]:11.2f} {stored[1]:7.2f} {stored[0]:6.2f} {1:7d} │"
        )
        print(
            "(ms; sql = median time per request spent in SQL statements; load average at the end: "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )
        if args.profile:
            with app.app_context():
                for name, url, *_rest in results[:: max(1, len(results) // 2)]:
                    profile(client, name, url)
        if args.explain or slow:
            with app.app_context():
                for name, url, statements in (
                    slow if not args.explain else [(n, u, b[4]) for n, u, b, _ in results]
                ):
                    print(f"\n{name}: {url}")
                    explain(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page (≥ 50)")
    parser.add_argument("--applications", type=int, default=100_000, help="applications in the big call")
    parser.add_argument("--small", type=int, default=1_000, help="applications in the baseline call")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TALENT_BENCH_POSTGRES_URL"),
        metavar="URL",
        help="also run on a scratch database on this PostgreSQL server (admin URL)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="run on PostgreSQL only")
    parser.add_argument("--index", action="append", default=[], help="extra DDL to run before timing")
    parser.add_argument(
        "--explain", action="store_true", help="print every page's SQL with its plan (always for misses)"
    )
    parser.add_argument("--profile", action="store_true", help="profile the first list and ranking pages")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            run("SQLite", f"sqlite:///{folder}/bench.sqlite3", args)
    if args.postgres:
        with scratch_postgres_database(args.postgres, "talent_bench") as url:
            run("PostgreSQL", url, args)


if __name__ == "__main__":
    main()
