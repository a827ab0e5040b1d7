"""The scheduler process (`talent scheduler`): periodic tasks and the background-job runner.

Features declare periodic work in their tasks.py:

    @scheduled("mobility.visa_reminders", trigger="cron", hour=6)
    def send_visa_reminders():
        for case in cases_needing_a_reminder():      # "not done yet" condition: idempotent
            with unit_of_work():                     # one commit per case
                remind(case)

Exactly one scheduler runs at a time. On PostgreSQL the leader holds an advisory lock on a
connection of its own for as long as it lives; other scheduler processes (on any machine) stand
by and take over when that connection drops. On SQLite everything is on one machine: a lock
file in the data folder keeps a second scheduler from starting.
"""

from __future__ import annotations

import fcntl
import importlib
import importlib.util
import logging
import os
import pkgutil
import signal
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from talent.extensions import db

log = logging.getLogger(__name__)

# Advisory-lock key naming "the scheduler" (ASCII "TALE"); every scheduler process must use it.
LOCK_KEY = 0x54414C45
JOB_POLL_SECONDS = 2
LEADERSHIP_CHECK_SECONDS = 10
STANDBY_RETRY_SECONDS = 5
JOB_RUNNER_ID = "core.run_pending_jobs"
DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class Periodic:
    job_id: str
    func: Callable[[], object]
    trigger: str
    trigger_args: dict = field(default_factory=dict)


_PERIODIC: dict[str, Periodic] = {}


def scheduled(job_id: str, trigger: str = "interval", **trigger_args):
    """Register the decorated function to run periodically in the scheduler process.

    `trigger` and `trigger_args` are APScheduler's ("interval", minutes=15 / "cron", hour=6).
    The function runs inside an application context and is committed when it returns; a task
    with many units of work commits each one with `unit_of_work()`.
    """

    def decorator(func):
        existing = _PERIODIC.get(job_id)
        if existing is not None and existing.func.__qualname__ != func.__qualname__:
            raise ValueError(f"scheduled job id {job_id!r} is already used by {existing.func!r}")
        _PERIODIC[job_id] = Periodic(job_id, func, trigger, dict(trigger_args))
        return func

    return decorator


def periodic_jobs() -> list[Periodic]:
    return list(_PERIODIC.values())


@contextmanager
def unit_of_work():
    """Commit what the block changed, or roll it back if it raised."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def import_feature_tasks() -> list[str]:
    """Import every `talent.<feature>.tasks`, so their @scheduled functions and job kinds register."""
    import talent

    imported = []
    for module in pkgutil.iter_modules(talent.__path__):
        name = f"talent.{module.name}.tasks"
        if module.ispkg and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
            imported.append(name)
    return imported


class PostgresLeaderElection:
    """Leadership is a session-level advisory lock held on a dedicated connection.

    The connection is not pooled: closing it really ends the database session, and with it the
    lock, so a leader that releases (or dies, or loses its network) frees the lock for a standby.
    """

    def __init__(self, engine: Engine, key: int = LOCK_KEY):
        # TCP keepalives make a leader whose machine vanished lose the lock in about a minute.
        self._engine = create_engine(
            engine.url,
            poolclass=NullPool,
            connect_args={
                "keepalives": 1,
                "keepalives_idle": 20,
                "keepalives_interval": 5,
                "keepalives_count": 3,
            },
        )
        self.key = key
        self._connection: Connection | None = None

    @property
    def is_leader(self) -> bool:
        return self._connection is not None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        except BaseException:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def still_leader(self) -> bool:
        """Whether this process still holds the lock (its connection may have dropped)."""
        if self._connection is None:
            return False
        try:
            return bool(
                self._connection.execute(
                    text(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND pid = pg_backend_pid() AND classid::bigint = :hi AND objid::bigint = :lo "
                        "AND objsubid = 1)"
                    ),
                    {"hi": self.key >> 32, "lo": self.key & 0xFFFFFFFF},
                ).scalar()
            )
        except SQLAlchemyError:
            log.exception("the scheduler's lock connection failed")
            return False

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.close()  # ends the database session, which frees the lock
        except SQLAlchemyError:
            log.warning(
                "closing the scheduler's lock connection failed; the server frees the lock when it notices"
            )

    def describe(self) -> str:
        return "another scheduler holds the PostgreSQL advisory lock"


class FileLockElection:
    """SQLite: one scheduler per data folder, enforced by an exclusive lock on a file in it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._file = None

    @property
    def is_leader(self) -> bool:
        return self._file is not None

    def try_acquire(self) -> bool:
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._file = fh
        return True

    def still_leader(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        fh, self._file = self._file, None
        if fh is not None:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    def describe(self) -> str:
        try:
            holder = self.path.read_text().strip()
        except OSError:
            holder = ""
        who = f" (process {holder})" if holder else ""
        return f"another scheduler is running on this data folder{who}; it holds {self.path}"


class SchedulerRefused(RuntimeError):
    """This process may not run the scheduler; the message says why."""


def election_for(app: Flask):
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        return PostgresLeaderElection(engine)
    return FileLockElection(Path(app.config["DATA_DIR"]) / "scheduler.lock")


def _run_in_app(app: Flask, job_id: str, func: Callable[[], object]) -> None:
    with app.app_context(), force_locale(DEFAULT_LOCALE):
        try:
            with unit_of_work():
                func()
        except Exception:
            log.exception("scheduled job %s failed", job_id)


def _check_leadership(scheduler: BlockingScheduler, election) -> None:
    if not election.still_leader():
        log.error("this scheduler lost its leadership; stopping its work")
        scheduler.shutdown(wait=False)


class _QuietSkips(logging.Filter):
    # The job runner is polled every few seconds; while a long job runs, each poll is skipped,
    # and a warning for each would bury the log.
    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            JOB_RUNNER_ID in record.getMessage()
            and "maximum number of running instances" in record.getMessage()
        )


def build_scheduler(app: Flask, election) -> BlockingScheduler:
    from talent.core.jobs import run_pending_jobs

    scheduler = BlockingScheduler(
        timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
    )
    for periodic in periodic_jobs():
        scheduler.add_job(
            _run_in_app,
            periodic.trigger,
            args=(app, periodic.job_id, periodic.func),
            id=periodic.job_id,
            name=periodic.job_id,
            **periodic.trigger_args,
        )
    scheduler.add_job(
        _run_in_app,
        "interval",
        seconds=JOB_POLL_SECONDS,
        args=(app, JOB_RUNNER_ID, run_pending_jobs),
        id=JOB_RUNNER_ID,
        name=JOB_RUNNER_ID,
    )
    scheduler.add_job(
        _check_leadership,
        "interval",
        seconds=LEADERSHIP_CHECK_SECONDS,
        args=(scheduler, election),
        id="core.leadership_check",
        name="core.leadership_check",
    )
    return scheduler


def wait_for_leadership(
    election, *, retry_seconds: float = STANDBY_RETRY_SECONDS, stop: threading.Event | None = None
):
    """Block until `election` is won (PostgreSQL standby); returns False if `stop` was set first."""
    last_said = 0.0
    while stop is None or not stop.is_set():
        try:
            if election.try_acquire():
                return True
        except SQLAlchemyError:
            log.exception("could not reach the database to ask for the scheduler lock")
        if time.monotonic() - last_said > 60:
            log.info("standing by: %s; retrying every %s s", election.describe(), retry_seconds)
            last_said = time.monotonic()
        if stop is not None:
            stop.wait(retry_seconds)
        else:
            time.sleep(retry_seconds)
    return False


def _exit_on_signal(signum, frame):
    raise SystemExit(0)


def _stop_on_sigterm() -> None:
    # A supervisor stops the process with SIGTERM: leave through the same path as Ctrl-C, so the
    # lock is released at once rather than when the server notices the connection is gone.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_signal)


def configure_logging(app: Flask) -> None:
    """Log the scheduler's own INFO lines to stderr, but not APScheduler's line per run (every 2 s)."""
    from flask.logging import default_handler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.removeHandler(default_handler)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def run_scheduler(app: Flask) -> None:
    """Run until interrupted: lead (or stand by, on PostgreSQL), run the periodic jobs and the job runner."""
    import_feature_tasks()
    for name in ("apscheduler.scheduler", "apscheduler.executors.default"):
        logging.getLogger(name).addFilter(_QuietSkips())
    election = election_for(app)
    _stop_on_sigterm()
    try:
        while True:
            if isinstance(election, FileLockElection):
                if not election.try_acquire():
                    raise SchedulerRefused(
                        f"Not starting: {election.describe()}. With SQLite only one scheduler runs."
                    )
            else:
                wait_for_leadership(election)
            scheduler = build_scheduler(app, election)
            log.info(
                "scheduler leading: %d periodic job(s), job runner every %s s",
                len(periodic_jobs()),
                JOB_POLL_SECONDS,
            )
            try:
                scheduler.start()
            finally:
                if scheduler.running:
                    scheduler.shutdown(wait=False)
                election.release()
            log.warning("scheduler stepped down; standing by again")
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopping")
    finally:
        election.release()
