"""Crash test for bulk issuance: kill -9 the job runner mid-way, start it again, check the result.

Builds a throw-away database (SQLite in a temporary folder, or PostgreSQL in a database created
for the run when TALENT_BENCH_POSTGRES_URL is set) with a closed cohort of 500 completed trainees
(names in seven scripts) and queues their bulk issuance. A separate process runs the jobs as the
scheduler does (`run_pending_jobs`); once about 40 % is issued it gets SIGKILL — no clean-up,
its drawing workers orphaned. A second process then claims the job again (as a scheduler does
once the job's heartbeat is older than STALE_AFTER; here at once) and finishes it.

Checks, and prints: every completed enrolment has exactly one certificate, and it is valid; every
stored PDF is there with the recorded size and SHA-256, and its token verifies; no PDF is left
without a certificate, nothing is left in staging; the orphaned workers exited by themselves.
Exit status 0 when everything holds. (The killed runner's multiprocessing resource tracker may
warn about leaked semaphores: that is the kill, not a leak of this code.)

    .venv/bin/python benchmarks/certificates_crash.py [--count 500] [--kill-at 0.4]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from certificates_bulk import closed_cohort, database, mixed_names  # noqa: E402

from talent import create_app  # noqa: E402
from talent.extensions import db  # noqa: E402


def make_app(data_dir: str, url: str):
    return create_app(
        {
            "DATABASE_URL": url,
            "DATA_DIR": data_dir,
            "SECRET_KEY": "bench",
            "BASE_URL": "https://talent.example",
        }
    )


def runner(data_dir: str, url: str, stale_seconds: float) -> None:
    """The job runner process (what `talent scheduler` does for jobs)."""
    from talent.core.jobs import run_pending_jobs

    with make_app(data_dir, url).app_context():
        run_pending_jobs(stale_after=timedelta(seconds=stale_seconds))


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_runner(data_dir: str, url: str, stale_seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, "--runner", data_dir, url, str(stale_seconds)])


def job_state(job_id: int):
    from talent.core.models import Job

    db.session.remove()
    job = db.session.get(Job, job_id)
    state = job.status, job.done, job.total
    # On SQLite every transaction outside a page view takes the write lock: release it at once.
    db.session.remove()
    return state


def check(cohort_id: int, job_id: int) -> list[str]:
    from talent.certificates import signing, storage
    from talent.certificates.models import Certificate, CertificateStatus
    from talent.core.models import Job
    from talent.workshops.models import Enrolment, EnrolmentStatus

    db.session.remove()
    problems = []
    job = db.session.get(Job, job_id)
    if job.status != "done" or job.errors or job.done != job.total:
        problems.append(f"job {job.status}, {job.done}/{job.total}, errors {job.errors[:3]}")
    completed = set(
        db.session.execute(
            select(Enrolment.id).where(
                Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.COMPLETED
            )
        ).scalars()
    )
    certs = db.session.execute(select(Certificate).where(Certificate.cohort_id == cohort_id)).scalars().all()
    per_enrolment = Counter(c.enrolment_id for c in certs)
    if set(per_enrolment) != completed:
        problems.append(f"{len(completed - set(per_enrolment))} enrolments without a certificate")
    doubles = [e for e, n in per_enrolment.items() if n != 1]
    if doubles:
        problems.append(f"{len(doubles)} enrolments with more than one certificate")
    invalid = [c.serial for c in certs if c.status != CertificateStatus.VALID]
    if invalid:
        problems.append(f"{len(invalid)} certificates not valid")
    folder = storage.pdf_folder()
    for cert in certs:
        path = Path(current_app.config["DATA_DIR"]) / cert.pdf_path
        if not path.is_file():
            problems.append(f"{cert.serial}: PDF missing")
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != cert.sha256 or len(data) != cert.pdf_bytes:
            problems.append(f"{cert.serial}: PDF does not match its SHA-256")
        if (signing.verify_token(cert.token) or {}).get("sub") != cert.serial:
            problems.append(f"{cert.serial}: token does not verify")
    serials = {c.serial for c in certs}
    strays = [p.name for p in folder.glob("*.pdf") if p.stem not in serials]
    if strays:
        problems.append(f"{len(strays)} PDFs without a certificate: {strays[:3]}")
    staged = (
        list((folder / storage.STAGING_FOLDER).rglob("*"))
        if (folder / storage.STAGING_FOLDER).exists()
        else []
    )
    if [p for p in staged if p.is_file()]:
        problems.append(f"{len(staged)} files left in staging")
    print(
        f"certificates: {len(certs)} for {len(completed)} completed enrolments; PDFs checked: {len(certs)}; "
        f"the resumed job issued {job.result.get('issued')} and moved {job.result.get('recovered')} "
        "committed PDFs out of staging"
    )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--kill-at", type=float, default=0.4, help="fraction done when the runner is killed")
    parser.add_argument(
        "--runner", nargs=3, metavar=("DATA_DIR", "URL", "STALE_SECONDS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.runner:
        runner(args.runner[0], args.runner[1], float(args.runner[2]))
        return 0

    from talent.certificates import issuance, storage
    from talent.certificates.models import Certificate
    from talent.core.setup import initialise_database

    postgres = bool(os.environ.get("TALENT_BENCH_POSTGRES_URL"))
    with database(postgres) as (data_dir, url), make_app(data_dir, url).app_context():
        initialise_database()
        db.session.commit()
        cohort = closed_cohort(mixed_names(args.count), course_code="CRASH-1")
        job = issuance.start_bulk_issuance(cohort, actor=None)
        db.session.commit()
        cohort_id, job_id = cohort.id, job.id
        db.engine.dispose()

        started = time.perf_counter()
        first = start_runner(data_dir, url, 300)
        workers: set[int] = set()
        while True:
            time.sleep(0.3)
            workers.update(children_of(first.pid))
            status, done, total = job_state(job_id)
            if total and done >= args.kill_at * total:
                break
            if first.poll() is not None:
                print("the runner ended before it could be killed")
                return 1
        # Aim at the moment a PDF is written but its certificate not yet committed.
        staging = storage.pdf_folder() / storage.STAGING_FOLDER
        deadline = time.time() + 5
        while time.time() < deadline and not any(staging.rglob("*.pdf")):
            time.sleep(0.005)
        workers.update(children_of(first.pid))
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        killed_at = time.perf_counter() - started
        status, done, total = job_state(job_id)
        issued = db.session.execute(
            select(func.count()).select_from(Certificate).where(Certificate.cohort_id == cohort_id)
        ).scalar_one()
        db.session.remove()
        staged = sum(1 for p in staging.rglob("*") if p.is_file()) if staging.exists() else 0
        print(
            f"killed the runner (SIGKILL) after {killed_at:.1f} s: job {status}, {done}/{total} done, "
            f"{issued} certificates committed, {staged} files in staging"
        )
        deadline = time.time() + 10
        while any(alive(pid) for pid in workers) and time.time() < deadline:
            time.sleep(0.2)
        left = [pid for pid in workers if alive(pid)]
        print(
            f"its {len(workers)} child processes (rendering workers, resource tracker): "
            f"{'all exited by themselves' if not left else f'{len(left)} still running'}"
        )

        second = start_runner(data_dir, url, 0)  # the job's heartbeat counts as stale at once
        second.wait()
        status, done, total = job_state(job_id)
        print(
            f"second runner finished in {time.perf_counter() - started - killed_at:.1f} s: job {status}, {done}/{total}"
        )
        problems = check(cohort_id, job_id)
        if left:
            problems.append(f"{len(left)} orphaned workers still running")
            for pid in left:
                os.kill(pid, signal.SIGKILL)
        db.session.remove()
        db.engine.dispose()
    print(
        "RESULT: "
        + (
            "OK: every completed enrolment has exactly one valid certificate and every PDF matches its hash"
            if not problems
            else "FAILED\n  " + "\n  ".join(problems)
        )
    )
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
