"""Bulk certificate issuance: 1,000 certificates with names in seven scripts, optimised vs naive.

Builds a throw-away database (SQLite in a temporary folder; PostgreSQL too when
TALENT_BENCH_POSTGRES_URL is set, in a database created for the run and dropped after it) with a
closed cohort of 1,000 completed trainees whose names are in Latin, Chinese, Arabic, Ethiopic,
Devanagari, Thai and Cyrillic script, then issues their certificates two ways in the same run:

- optimised: the bulk-issuance job as the scheduler runs it (`run_pending_jobs`): the job
  prepares each certificate (snapshot, signature) while worker processes, each keeping one font
  configuration, the parsed stylesheets and the cohort's shared page, draw the PDFs (each holder's
  own parts laid over the shared page); one commit per certificate;
- naive (the baseline): the same issuance for a sample of another cohort, each PDF drawn by a
  fresh WeasyPrint set-up (new font configuration, stylesheets parsed again), one process.

Both include the database work, signing and storing. Prints certificates per second for both
and their ratio, CPU seconds per certificate (parent and workers: what throughput an idle
machine would reach), PDF sizes (median, max; goal ≤ 150 KB), peak memory, and the load average
(others' work on a shared machine slows both paths alike). Goal: ≥ 25 certificates/s.

    .venv/bin/python benchmarks/certificates_bulk.py [--count 1000] [--naive 100] [--workers 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from talent import create_app  # noqa: E402
from talent.core.scratch_db import scratch_postgres_database
from talent.extensions import db  # noqa: E402

# (family, given) pairs per script; names are combined so that no two trainees share one.
NAMES = {
    "latin": (["Okafor", "Mensah", "Silva", "Nguyen", "Haddad"], ["Amina", "Kwame", "João", "Linh", "Sara"]),
    "chinese": (["王", "李", "张", "刘", "陈"], ["伟", "芳", "娜", "敏", "静"]),
    "arabic": (["الحسن", "عبد الله", "المصري", "الخطيب", "حداد"], ["أحمد", "فاطمة", "يوسف", "مريم", "علي"]),
    "ethiopic": (["በቀለ", "ተስፋዬ", "ገብሩ", "አለሙ", "ታደሰ"], ["አበበ", "ሄለን", "ዳዊት", "ሰላም", "ዮናስ"]),
    "devanagari": (["शर्मा", "वर्मा", "गुप्ता", "सिंह", "पटेल"], ["रवि", "प्रिया", "अर्जुन", "सीता", "विक्रम"]),
    "thai": (["ศรีสุข", "วงศ์ไทย", "แก้วมณี", "สุขใจ", "ทองดี"], ["สมชาย", "สุดา", "ประเสริฐ", "มาลี", "วิชัย"]),
    "cyrillic": (
        ["Петров", "Иванова", "Нурланов", "Сидоров", "Ким"],
        ["Ольга", "Айдар", "Дина", "Тимур", "Жанна"],
    ),
}


def mixed_names(count: int) -> list[tuple[str, str]]:
    """(Latin name, native name) pairs cycling through the scripts."""
    out = []
    scripts = itertools.cycle(NAMES.items())
    for n in range(count):
        script, (families, givens) = next(scripts)
        native = (
            f"{families[n % 5]}{givens[(n // 5) % 5]}"
            if script == "chinese"
            else f"{givens[(n // 5) % 5]} {families[n % 5]}"
        )
        out.append((f"Trainee {n:04d} {script.upper()}", native))
    return out


@contextmanager
def database(postgres: bool):
    """(data folder, database URL), both thrown away afterwards."""
    folder = tempfile.mkdtemp(prefix="talent-bench-")
    try:
        if postgres:
            with _postgres_database() as url:
                yield folder, url
        else:
            yield folder, f"sqlite:///{folder}/bench.sqlite3"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _postgres_database():
    return scratch_postgres_database(os.environ["TALENT_BENCH_POSTGRES_URL"], "talent_bench")


def closed_cohort(names, *, course_code: str):
    from talent.core.db import utcnow
    from talent.reference.models import Institution, InstitutionKind, Person
    from talent.workshops.models import Cohort, CohortStatus, Course, Enrolment, EnrolmentStatus

    host = Institution(
        name="Dakar Luban Workshop",
        name_native="Atelier Luban de Dakar",
        kind=InstitutionKind.WORKSHOP_SITE,
        country_code="SN",
    )
    partner = Institution(
        name="Tianjin Vocational Institute",
        name_native="天津职业技术学院",
        kind=InstitutionKind.VOCATIONAL_COLLEGE,
        country_code="CN",
    )
    course = Course(
        code=course_code,
        title="Industrial robotics: operation and maintenance",
        titles={"zh": "工业机器人操作与维护", "fr": "Robotique industrielle : exploitation et maintenance"},
        theory_hours=40,
        practice_hours=120,
        competencies=[
            "Operate a six-axis robot safely",
            "Program pick-and-place tasks",
            "Diagnose common faults",
            "Plan preventive maintenance",
        ],
    )
    db.session.add_all([host, partner, course])
    db.session.flush()
    today = date.today()
    cohort = Cohort(
        course_id=course.id,
        host_institution_id=host.id,
        partner_institution_id=partner.id,
        starts_on=today - timedelta(days=70),
        ends_on=today - timedelta(days=7),
        language="fr",
        capacity=len(names),
        enrolment_opens_on=today - timedelta(days=100),
        enrolment_closes_on=today - timedelta(days=71),
        status=CohortStatus.CLOSED,
        closed_at=utcnow(),
    )
    db.session.add(cohort)
    db.session.flush()
    persons = [Person(name_latin=latin, name_native=native, nationality_code="ET") for latin, native in names]
    db.session.add_all(persons)
    db.session.flush()
    outcome = {"completed": True, "attendance_pct": "93.0", "weighted_score": "82.5", "reasons": []}
    db.session.add_all(
        Enrolment(cohort_id=cohort.id, person_id=p.id, status=EnrolmentStatus.COMPLETED, outcome=outcome)
        for p in persons
    )
    db.session.commit()
    return cohort


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class WorkerPeak:
    """Peak resident memory of this process's children (the drawing workers), read from /proc
    while they run (Linux). getrusage cannot tell it: a child's maximum counts what it shared
    with this process between fork and exec, however large this process had grown by then."""

    def __init__(self):
        self.kilobytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> WorkerPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        me = str(os.getpid())
        while not self._stop.wait(0.25):
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    fields = dict(
                        line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
                    )
                except OSError:  # the process ended meanwhile
                    continue
                if fields.get("PPid", "").strip() == me and "VmHWM" in fields:
                    self.kilobytes = max(self.kilobytes, int(fields["VmHWM"].split()[0]))


WORKER_PEAK_MB = 0.0


def optimised(cohort) -> tuple[float, float]:
    from talent.certificates import issuance
    from talent.core.jobs import run_pending_jobs
    from talent.core.models import Job

    global WORKER_PEAK_MB
    job = issuance.start_bulk_issuance(cohort, actor=None)
    db.session.commit()
    cpu, started = cpu_seconds(), time.perf_counter()
    with WorkerPeak() as peak:
        run_pending_jobs()
    elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    WORKER_PEAK_MB = max(WORKER_PEAK_MB, peak.kilobytes / 1024)
    job = db.session.get(Job, job.id)
    assert job.status == "done" and not job.errors, (job.status, job.errors[:3])
    return elapsed, cpu


def naive(cohort) -> tuple[float, float, int]:
    from talent.certificates import issuance, rendering, signing
    from talent.reference.models import Person
    from talent.workshops.models import Enrolment

    enrolments = db.session.execute(select(Enrolment).where(Enrolment.cohort_id == cohort.id)).scalars().all()
    cpu, started = cpu_seconds(), time.perf_counter()
    for enrolment in enrolments:
        cert = issuance.new_course_certificate(enrolment, cohort, db.session.get(Person, enrolment.person_id))
        # A fresh WeasyPrint set-up per certificate (font configuration, stylesheets, images) and
        # the whole page laid out in one call: no shared page kept from one holder to the next.
        qr_url = signing.verify_url(cert.serial, cert.token)
        prepared = dataclasses.replace(rendering.prepare(cert, qr_url=qr_url), shared_html=None)
        pdf = rendering.Renderer().draw(prepared)
        issuance.record_issued(cert, pdf)
        db.session.commit()
    return time.perf_counter() - started, cpu_seconds() - cpu, len(enrolments)


def say(line: str) -> None:
    print(line, flush=True)


def run(label: str, postgres: bool, count: int, sample: int) -> None:
    from talent.certificates import storage
    from talent.certificates.models import Certificate
    from talent.core.setup import initialise_database

    config = {"SECRET_KEY": "bench", "BASE_URL": "https://talent.example"}
    with database(postgres) as (data_dir, url):
        app = create_app({**config, "DATABASE_URL": url, "DATA_DIR": data_dir})
        with app.app_context():
            initialise_database()
            db.session.commit()
            bulk = closed_cohort(mixed_names(count), course_code="BENCH-1")
            baseline = closed_cohort(mixed_names(sample), course_code="BENCH-2")
            say(f"--- {label}: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores ---")
            fast_s, fast_cpu = optimised(bulk)
            fast_rate, fast_ms = count / fast_s, 1000 * fast_cpu / count
            say(
                f"optimised (bulk job, {WORKERS} drawing workers): {count} certificates in {fast_s:.1f} s"
                f" = {fast_rate:.1f}/s; CPU {fast_ms:.0f} ms per certificate"
            )
            slow_s, slow_cpu, slow_n = naive(baseline)
            slow_rate, slow_ms = slow_n / slow_s, 1000 * slow_cpu / slow_n
            say(
                f"naive (fresh WeasyPrint set-up each, one process): {slow_n} certificates in {slow_s:.1f} s"
                f" = {slow_rate:.1f}/s; CPU {slow_ms:.0f} ms per certificate"
            )
            say(
                f"ratio optimised / naive: {fast_rate / slow_rate:.1f}x faster, {slow_ms / fast_ms:.1f}x less CPU"
            )
            cores = os.cpu_count() or 1
            say(f"CPU-bound ceiling, this machine idle: {1000 * cores / fast_ms:.1f}/s (goal ≥ 25/s)")
            certs = db.session.execute(select(Certificate).where(Certificate.cohort_id == bulk.id)).scalars()
            sizes = sorted(c.pdf_bytes for c in certs)
            stored = sum(1 for _ in storage.pdf_folder().glob("*.pdf"))
            say(
                f"PDF size: median {statistics.median(sizes) / 1024:.0f} KB, max {sizes[-1] / 1024:.0f} KB"
                f" (goal ≤ 150 KB); {len(sizes)} issued, {stored} PDFs stored in all"
            )
            say(f"load average after: {os.getloadavg()[0]:.1f}")


WORKERS = 2


def main() -> None:
    global WORKERS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=100)
    parser.add_argument("--workers", type=int, help="rendering processes (default: one per core)")
    args = parser.parse_args()
    from talent.certificates import tasks

    if args.workers is not None:
        tasks.worker_count = lambda certificates: args.workers
    WORKERS = tasks.worker_count(args.count)
    run("SQLite", False, args.count, args.naive)
    if os.environ.get("TALENT_BENCH_POSTGRES_URL"):
        run("PostgreSQL", True, args.count, args.naive)
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(
        f"peak memory (RSS): this process {peak_self:.0f} MB (the job, then the naive baseline),"
        f" largest drawing worker {WORKER_PEAK_MB:.0f} MB"
    )


if __name__ == "__main__":
    main()
