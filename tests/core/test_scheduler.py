"""The scheduler: registered periodic jobs, one commit per unit of work, and one leader at a time."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from talent.core.models import Notification
from talent.core.scratch_db import scratch_postgres_database
from talent.extensions import db as _db
from talent.scheduler import (
    JOB_RUNNER_ID,
    FileLockElection,
    PostgresLeaderElection,
    SchedulerRefused,
    _run_in_app,
    build_scheduler,
    run_scheduler,
    scheduled,
    unit_of_work,
    wait_for_leadership,
)

POSTGRES = os.environ.get("TALENT_TEST_POSTGRES_URL")
needs_postgres = pytest.mark.skipif(
    not POSTGRES, reason="leader election uses PostgreSQL advisory locks; set TALENT_TEST_POSTGRES_URL"
)


@scheduled("tests.nightly_digest", trigger="cron", hour=6, minute=30)
def nightly_digest():
    """Registered the way a feature's tasks.py does it."""


def test_registered_periodic_jobs_and_the_job_runner_are_scheduled(app):
    scheduler = build_scheduler(app, FileLockElection(Path(app.config["DATA_DIR"]) / "unused.lock"))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert "tests.nightly_digest" in jobs
    assert str(jobs["tests.nightly_digest"].trigger) == "cron[hour='6', minute='30']"
    assert jobs[JOB_RUNNER_ID].trigger.interval.total_seconds() == 2


def test_same_job_id_for_two_functions_is_refused():
    def another():
        pass

    with pytest.raises(ValueError, match="already used"):
        scheduled("tests.nightly_digest")(another)


def test_a_periodic_job_commits_per_unit_and_a_failing_unit_changes_nothing(app, db, make_user):
    user_id = make_user("applicant").id
    db.session.commit()

    def task():
        for message in ("first", "second", "broken"):
            with unit_of_work():
                _db.session.add(Notification(user_id=user_id, message=message))
                if message == "broken":
                    raise RuntimeError("mail server down")

    _run_in_app(app, "tests.task", task)  # logs the failure instead of raising
    db.session.rollback()  # only what was committed survives
    messages = _db.session.scalars(select(Notification.message).where(Notification.user_id == user_id)).all()
    assert sorted(messages) == ["first", "second"]


def test_second_scheduler_on_the_same_data_folder_is_refused(tmp_path):
    first, second = (
        FileLockElection(tmp_path / "scheduler.lock"),
        FileLockElection(tmp_path / "scheduler.lock"),
    )
    assert first.try_acquire() and first.is_leader
    assert not second.try_acquire()
    assert f"process {os.getpid()}" in second.describe()
    first.release()
    assert second.try_acquire()
    second.release()


@pytest.mark.skipif(bool(POSTGRES), reason="the lock file is how SQLite installs keep to one scheduler")
def test_run_scheduler_refuses_to_start_beside_another(app):
    holder = FileLockElection(Path(app.config["DATA_DIR"]) / "scheduler.lock")
    assert holder.try_acquire()
    try:
        with pytest.raises(SchedulerRefused, match="another scheduler is running"):
            run_scheduler(app)
    finally:
        holder.release()


@pytest.fixture
def engine(app):
    with app.app_context():
        yield _db.engine


@needs_postgres
def test_only_one_elector_leads_until_it_lets_go(engine):
    first, second = PostgresLeaderElection(engine), PostgresLeaderElection(engine)
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.still_leader() and not second.still_leader()
        first.release()
        assert not first.still_leader()
        assert second.try_acquire() and second.still_leader()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


@needs_postgres
def test_standby_takes_over_when_the_leaders_connection_dies(engine):
    leader, standby = PostgresLeaderElection(engine), PostgresLeaderElection(engine)
    stop = threading.Event()
    won = []
    try:
        assert leader.try_acquire()
        waiting = threading.Thread(
            target=lambda: won.append(wait_for_leadership(standby, retry_seconds=0.1, stop=stop))
        )
        waiting.start()
        time.sleep(0.5)
        assert won == []  # standing by
        leader_pid = leader._connection.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as admin:  # the leader's machine vanishes: its session is gone
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": leader_pid})
        waiting.join(10)
        assert won == [True] and standby.still_leader()
        assert not leader.still_leader()
    finally:
        stop.set()
        leader.release()
        standby.release()


TALENT = str(Path(sys.executable).parent / "talent")


class Running:
    """A `talent` command running in the background, its output collected line by line."""

    def __init__(self, args, env):
        self.process = subprocess.Popen(
            [TALENT, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, needle: str, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(needle in line for line in self.lines):
                return True
            time.sleep(0.1)
        return False

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self, sig=signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(30)


def _clean_env(**values):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENT_")}
    env.update(TALENT_ENV="development", **values)
    return env


@pytest.mark.skipif(bool(POSTGRES), reason="runs the command on a fresh SQLite data folder")
def test_scheduler_command_leads_refuses_a_second_and_stops_on_sigterm(tmp_path):
    env = _clean_env(TALENT_DATA_DIR=str(tmp_path))
    assert subprocess.run([TALENT, "init"], env=env, capture_output=True).returncode == 0
    first = Running(["scheduler"], env)
    try:
        assert first.wait_for("scheduler leading"), first.output
        second = subprocess.run([TALENT, "scheduler"], env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert "another scheduler is running on this data folder" in second.stderr
    finally:
        assert first.stop() == 0


@pytest.fixture
def fresh_postgres_database(tmp_path):
    with scratch_postgres_database(POSTGRES, "talent_sched") as url:
        yield url


@needs_postgres
def test_standby_scheduler_takes_over_when_the_leader_process_dies(tmp_path, fresh_postgres_database):
    env = _clean_env(TALENT_DATA_DIR=str(tmp_path), TALENT_DATABASE_URL=fresh_postgres_database)
    assert subprocess.run([TALENT, "init"], env=env, capture_output=True).returncode == 0
    leader = Running(["scheduler"], env)
    standby = None
    try:
        assert leader.wait_for("scheduler leading"), leader.output
        standby = Running(["scheduler"], env)
        assert standby.wait_for("standing by"), standby.output
        assert "scheduler leading" not in standby.output
        leader.stop(signal.SIGKILL)  # a crash: no clean release, the server drops the session
        assert standby.wait_for("scheduler leading", timeout=30), standby.output
    finally:
        leader.stop(signal.SIGKILL)
        if standby is not None:
            assert standby.stop() == 0
