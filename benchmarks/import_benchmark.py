"""Trainee list import: a 10,000-row CSV checked, planned (dry run) and applied.

The list mixes names in Latin, Chinese, Arabic, Ethiopic and Devanagari script. For each
database — SQLite in a temporary folder, and PostgreSQL too when TALENT_BENCH_POSTGRES_URL is
set (e.g. postgresql://postgres@127.0.0.1:5432/postgres; a database is created for each run and
dropped after it) — every run starts from a fresh database and measures:

  baseline   csv.DictReader over the same bytes, no checks (the cost of merely reading the file)
  plan       full validation + dry-run plan of the list, everyone new  (imports.plan_upload)
  apply      the background job that applies it                       ("workshops.import")
  re-plan    the dry run of the same list once applied (every row "already enrolled")

It prints rows per second (median of the runs), the ratio to the baseline, and peak memory:
tracemalloc's peak for each step (measured in a separate pass, since tracing slows Python
down) and the process's ru_maxrss. Goal: plan ≥ 1,000 rows/s.

    .venv/bin/python benchmarks/import_benchmark.py [--rows 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from talent import create_app  # noqa: E402
from talent.core.scratch_db import scratch_postgres_database
from talent.extensions import db  # noqa: E402

HEADER = ("name_latin", "name_native", "email", "nationality", "date_of_birth")
# Per script: syllables of the passport (Latin) name, of the name in its own script, nationalities.
SCRIPTS = [
    (["ki", "ma", "nu", "jo", "se", "wa", "li", "to"], None, ["KE", "NG", "BR", "PH", "GH"]),
    (["wang", "li", "zhang", "liu", "chen", "yang"], list("王李张刘陈杨明华伟芳"), ["CN"]),
    (
        ["ahmed", "ali", "omar", "fatima", "hassan"],
        ["أحمد", "علي", "عمر", "فاطمة", "حسن"],
        ["EG", "MA", "JO"],
    ),
    (["abebe", "kebede", "tsegaye", "almaz"], ["አበበ", "ከበደ", "ፀጋዬ", "አልማዝ"], ["ET"]),
    (["priya", "arjun", "sharma", "devi"], ["प्रिया", "अर्जुन", "शर्मा", "देवी"], ["IN", "NP"]),
]


def make_list(rows: int, seed: int = 7) -> bytes:
    pick = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(rows):
        latin, native, countries = SCRIPTS[n % len(SCRIPTS)]
        family, given = pick.choice(latin).upper(), pick.choice(latin).capitalize() + pick.choice(latin)
        own = " ".join(pick.choice(native) for _ in range(2)) if native else ""
        born = date(1980, 1, 1) + timedelta(days=pick.randrange(9000))
        writer.writerow(
            [f"{family} {given}", own, f"trainee{n:05d}@example.org", pick.choice(countries), born]
        )
    return codecs_bom() + out.getvalue().encode("utf-8")


def codecs_bom() -> bytes:
    return b"\xef\xbb\xbf"  # as Excel's "CSV UTF-8" writes it


def baseline(data: bytes) -> int:
    return sum(1 for _ in csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@contextmanager
def database(kind: str, folder: Path):
    """A fresh, empty database URL of `kind`, removed afterwards."""
    if kind == "sqlite":
        path = folder / f"import-{uuid.uuid4().hex[:8]}.sqlite3"
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    with scratch_postgres_database(os.environ["TALENT_BENCH_POSTGRES_URL"], "talent_bench") as url:
        yield url


def fresh_app(url: str, folder: Path, rows: int):
    """An app on a new database with one cohort (half the list gets a seat) and its staff member."""
    from talent.accounts.models import User
    from talent.core.permissions import Role
    from talent.core.setup import initialise_database
    from talent.reference.models import Institution, InstitutionKind
    from talent.workshops.models import Cohort, Course

    data_dir = folder / uuid.uuid4().hex[:8]
    app = create_app(
        {"DATABASE_URL": url, "DATA_DIR": str(data_dir), "SECRET_KEY": "bench", "ENV": "benchmark"}
    )
    with app.app_context():
        initialise_database()
        host = Institution(
            name="Nairobi Luban Workshop", kind=InstitutionKind.WORKSHOP_SITE, country_code="KE"
        )
        partner = Institution(
            name="Tianjin College", kind=InstitutionKind.VOCATIONAL_COLLEGE, country_code="CN"
        )
        course = Course(code="LW-BENCH", title="Industrial robotics")
        db.session.add_all([host, partner, course])
        db.session.flush()
        today = date.today()
        cohort = Cohort(
            course_id=course.id,
            host_institution_id=host.id,
            partner_institution_id=partner.id,
            starts_on=today + timedelta(days=7),
            ends_on=today + timedelta(days=90),
            language="en",
            capacity=rows // 2,
            enrolment_opens_on=today - timedelta(days=7),
            enrolment_closes_on=today + timedelta(days=6),
        )
        staff = User(email="staff@bench.example", display_name="Staff", institution_id=host.id)
        staff.set_password("bench password 123")
        staff.set_roles({Role.INSTITUTION})
        db.session.add_all([cohort, staff])
        db.session.commit()
        ids = cohort.id, staff.id
        db.session.remove()
    return app, ids


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def traced_peak(action) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run_once(
    kind: str, folder: Path, data: bytes, rows: int, trace: bool
) -> dict[str, tuple[float, int | None]]:
    """Seconds (and tracemalloc peak bytes when `trace`) of each step, on a fresh database."""
    from talent.accounts.models import User
    from talent.core.jobs import enqueue, run_pending_jobs
    from talent.core.models import Job, JobStatus
    from talent.workshops import imports
    from talent.workshops.import_enrolments import Outcome
    from talent.workshops.models import Cohort

    out: dict[str, tuple[float, int | None]] = {}
    with database(kind, folder) as url:
        app, (cohort_id, staff_id) = fresh_app(url, folder, rows)
        with app.test_request_context():

            def plan(expected: str):
                result = imports.plan_upload("enrolments", db.session.get(Cohort, cohort_id), data)
                assert len(result.rows) == rows and result.counts[expected] > 0, result.counts

            out["plan"] = (
                timed(lambda: plan(Outcome.ENROL)),
                traced_peak(lambda: plan(Outcome.ENROL)) if trace else None,
            )
            db.session.rollback()

            digest = imports.store_upload(data)

            def apply():
                job = enqueue(
                    "workshops.import",
                    {"cohort_id": cohort_id, "upload": digest},
                    user=db.session.get(User, staff_id),
                )
                db.session.commit()
                run_pending_jobs()
                job = db.session.get(Job, job.id)
                assert job.status == JobStatus.DONE and job.done == rows and not job.errors, (
                    job.status,
                    job.errors[:3],
                )

            out["apply"] = (timed(apply), None)
            out["re-plan"] = (
                timed(lambda: plan(Outcome.ALREADY)),
                traced_peak(lambda: plan(Outcome.ALREADY)) if trace else None,
            )
            db.session.rollback()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return out


def megabytes(value: float) -> str:
    return f"{value / (1024 * 1024):7.1f} MB"


def report(kind: str, folder: Path, data: bytes, rows: int, runs: int) -> None:
    base_times = [timed(lambda: baseline(data)) for _ in range(runs)]
    base_peak = traced_peak(lambda: baseline(data))
    results = [run_once(kind, folder, data, rows, trace=(n == 0)) for n in range(runs)]
    base_rate = rows / statistics.median(base_times)
    print(f"\n{kind}: {rows:,} rows, median of {runs} runs, each on a fresh database")
    print(
        f"  {'step':<10} {'rows/s':>10} {'seconds':>8} {'× slower than baseline':>24} {'tracemalloc peak':>17}"
    )
    print(
        f"  {'baseline':<10} {base_rate:>10,.0f} {statistics.median(base_times):>8.3f} {1:>24.1f} {megabytes(base_peak):>17}"
    )
    for step in ("plan", "apply", "re-plan"):
        seconds = statistics.median(r[step][0] for r in results)
        peak = results[0][step][1]
        rate = rows / seconds
        traced = megabytes(peak) if peak is not None else "(not traced)"
        print(f"  {step:<10} {rate:>10,.0f} {seconds:>8.3f} {base_rate / rate:>24.1f} {traced:>17}")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    print(f"  process peak resident memory so far (ru_maxrss): {megabytes(maxrss).strip()}")
    print(f"  load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = make_list(args.rows)
    print(
        f"list: {args.rows:,} rows, {len(data) / 1024:,.0f} KiB of UTF-8 CSV (Latin, Chinese, Arabic, Ethiopic, Devanagari)"
    )
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("TALENT_BENCH_POSTGRES_URL") else [])
    with tempfile.TemporaryDirectory(prefix="talent-import-bench-") as folder:
        for kind in kinds:
            report(kind, Path(folder), data, args.rows, args.runs)
    if len(kinds) == 1:
        print("\n(set TALENT_BENCH_POSTGRES_URL to measure PostgreSQL too)")


if __name__ == "__main__":
    main()
