"""Background jobs: progress, per-item errors, failures, resuming after a crash, the job page."""

import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from talent.core.db import utcnow
from talent.core.jobs import MAX_ATTEMPTS, enqueue, register_job_kind, run_pending_jobs
from talent.core.mail import send_mail
from talent.core.models import Job, JobStatus, Notification
from talent.extensions import db as _db


def _work_done_for(user_id: int) -> list[str]:
    stmt = select(Notification.message).where(Notification.user_id == user_id).order_by(Notification.id)
    return list(_db.session.scalars(stmt))


def process_items(job, ctx):
    """Test kind: one notification to `target` per item, skipping items already done (idempotent)."""
    items, target = ctx.params["items"], ctx.params["target"]
    already = set(_work_done_for(target))
    for n, item in enumerate(items, 1):
        if item not in already:
            if item == ctx.params.get("crash_on"):
                raise RuntimeError("disk full")
            _db.session.add(Notification(user_id=target, message=item))
            _db.session.flush()
            if item == ctx.params.get("bad_item"):
                ctx.error(item, "this item is malformed")
        ctx.progress(n, len(items))
    return {"processed": len(items)}


def mail_then_maybe_fail(job, ctx):
    send_mail("trainee@example.org", "Your certificate", "It is ready.")
    if ctx.params.get("fail"):
        raise RuntimeError("renderer crashed")


register_job_kind("test.items", process_items, label="Test processing")
register_job_kind("test.mail", mail_then_maybe_fail)


@pytest.fixture
def creator(make_user):
    return make_user("institution")


@pytest.fixture
def target(make_user):
    return make_user("applicant")


def _creator_messages(creator):
    return [n for n in _db.session.scalars(select(Notification).where(Notification.user_id == creator.id))]


def test_job_runs_to_the_end_and_tells_its_creator(db, creator, target):
    job = enqueue("test.items", {"items": ["a", "b", "c"], "target": target.id}, user=creator)
    db.session.commit()
    assert job.status == JobStatus.QUEUED

    assert run_pending_jobs() == 1

    db.session.refresh(job)
    assert (job.status, job.done, job.total, job.percent) == (JobStatus.DONE, 3, 3, 100)
    assert job.result == {"processed": 3} and job.errors == [] and job.attempts == 1
    assert job.started_at and job.finished_at
    assert _work_done_for(target.id) == ["a", "b", "c"]
    [note] = _creator_messages(creator)
    assert note.message == "Test processing finished: 3 of 3 done."
    assert note.link == f"/jobs/{job.id}"


def test_a_failed_item_is_reported_and_the_rest_goes_on(db, creator, target):
    job = enqueue(
        "test.items", {"items": ["a", "b", "c"], "target": target.id, "bad_item": "b"}, user=creator
    )
    db.session.commit()
    run_pending_jobs()
    db.session.refresh(job)
    assert job.status == JobStatus.DONE
    assert job.errors == [{"item": "b", "message": "this item is malformed"}]
    # The failed item's own changes were discarded; the others were kept.
    assert _work_done_for(target.id) == ["a", "c"]
    [note] = _creator_messages(creator)
    assert "1 with errors" in note.message


def test_an_exception_fails_the_job_and_keeps_the_units_already_committed(db, creator, target):
    job = enqueue(
        "test.items", {"items": ["a", "b", "c"], "target": target.id, "crash_on": "c"}, user=creator
    )
    db.session.commit()
    run_pending_jobs()
    db.session.refresh(job)
    assert job.status == JobStatus.FAILED
    assert job.errors[-1] == {"item": "job", "message": "disk full"}
    assert job.done == 2
    assert _work_done_for(target.id) == ["a", "b"]
    [note] = _creator_messages(creator)
    assert note.message == "Test processing failed. Open it to see why."


def test_a_job_left_running_by_a_crash_is_resumed_and_completes(db, creator, target):
    # The process died after item "a" was committed: the job says running, its heartbeat is old.
    _db.session.add(Notification(user_id=target.id, message="a"))
    job = Job(
        kind="test.items",
        params={"items": ["a", "b", "c"], "target": target.id},
        created_by_id=creator.id,
        status=JobStatus.RUNNING,
        attempts=1,
        done=1,
        total=3,
        started_at=utcnow() - timedelta(hours=1),
        heartbeat_at=utcnow() - timedelta(minutes=30),
    )
    db.session.add(job)
    db.session.commit()

    assert run_pending_jobs() == 1

    db.session.refresh(job)
    assert (job.status, job.done, job.total, job.attempts) == (JobStatus.DONE, 3, 3, 2)
    assert _work_done_for(target.id) == ["a", "b", "c"]  # nothing done twice


def test_a_job_another_runner_is_working_on_is_left_alone(db, creator, target):
    job = Job(
        kind="test.items",
        params={"items": ["a"], "target": target.id},
        status=JobStatus.RUNNING,
        attempts=1,
        heartbeat_at=utcnow() - timedelta(seconds=5),
    )
    db.session.add(job)
    db.session.commit()
    assert run_pending_jobs() == 0
    db.session.refresh(job)
    assert job.status == JobStatus.RUNNING and job.attempts == 1


def test_a_job_that_keeps_crashing_its_runner_is_given_up(db, creator, target):
    job = Job(
        kind="test.items",
        params={"items": ["a"], "target": target.id},
        created_by_id=creator.id,
        status=JobStatus.RUNNING,
        attempts=MAX_ATTEMPTS,
        heartbeat_at=utcnow() - timedelta(hours=1),
    )
    db.session.add(job)
    db.session.commit()
    run_pending_jobs()
    db.session.refresh(job)
    assert job.status == JobStatus.FAILED
    assert "Gave up after" in job.errors[-1]["message"]
    assert _work_done_for(target.id) == []
    assert len(_creator_messages(creator)) == 1


def test_unknown_kinds_are_refused_and_fail_when_found_in_the_queue(db):
    with pytest.raises(ValueError):
        enqueue("test.no_such_kind", {})
    job = Job(kind="test.retired_kind")
    db.session.add(job)
    db.session.commit()
    run_pending_jobs()
    db.session.refresh(job)
    assert job.status == JobStatus.FAILED
    assert "cannot be run here" in job.errors[-1]["message"]


def test_max_jobs_bounds_one_run(db, target):
    for _ in range(3):
        enqueue("test.items", {"items": [], "target": target.id})
    db.session.commit()
    assert run_pending_jobs(max_jobs=2) == 2
    assert run_pending_jobs() == 1
    assert run_pending_jobs() == 0


@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "DATA_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    return tmp_path / "outbox"


def test_mail_from_a_failed_job_is_never_sent(db, outbox):
    enqueue("test.mail", {"fail": True})
    db.session.commit()
    run_pending_jobs()
    assert not outbox.exists() or list(outbox.glob("*.eml")) == []


def test_mail_from_a_finished_job_is_sent(db, outbox):
    enqueue("test.mail", {})
    db.session.commit()
    run_pending_jobs()
    assert len(list(outbox.glob("*.eml"))) == 1


def test_job_page_shows_progress_and_refreshes_until_finished(db, client, login, creator, target):
    job = Job(
        kind="test.items",
        params={"items": ["a", "b", "c", "d"], "target": target.id},
        created_by_id=creator.id,
        status=JobStatus.RUNNING,
        done=1,
        total=4,
        heartbeat_at=utcnow(),
        errors=[{"item": "row 7", "message": "The date of birth is missing."}],
    )
    db.session.add(job)
    db.session.commit()
    login(client, creator)

    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in html
    assert 'max="4" value="1"' in html
    assert "1 of 4 done (25 %)" in html
    assert "Test processing" in html and "Running" in html
    assert "row 7" in html and "The date of birth is missing." in html

    job.status = JobStatus.DONE
    job.done = 4
    job.finished_at = utcnow()
    db.session.commit()
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html
    assert "4 of 4 done (100 %)" in html and "Finished" in html


def test_unknown_job_is_not_found(db, client, login, make_user):
    admin = make_user("admin")
    db.session.commit()  # a refused request rolls back what it did not commit
    login(client, admin)
    assert client.get("/jobs/999999").status_code == 404


@pytest.mark.skipif(
    not os.environ.get("TALENT_TEST_POSTGRES_URL"),
    reason="concurrent runners need PostgreSQL (SKIP LOCKED); set TALENT_TEST_POSTGRES_URL",
)
def test_concurrent_runners_run_each_job_exactly_once(app):
    runs: list[int] = []
    lock = threading.Lock()

    def record(job, ctx):
        with lock:
            runs.append(job.id)
        ctx.progress(1, 1)

    register_job_kind("test.concurrent", record)
    with app.app_context():
        jobs = [Job(kind="test.concurrent") for _ in range(20)]
        _db.session.add_all(jobs)
        _db.session.commit()
        ids = [j.id for j in jobs]
        _db.session.remove()

    def runner():
        with app.app_context():
            run_pending_jobs()

    try:
        threads = [threading.Thread(target=runner) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(runs) == ids
        with app.app_context():
            statuses = _db.session.scalars(select(Job.status).where(Job.id.in_(ids))).all()
            assert set(statuses) == {JobStatus.DONE}
    finally:
        with app.app_context():
            _db.session.execute(delete(Job).where(Job.id.in_(ids)))
            _db.session.commit()
