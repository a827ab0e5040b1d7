from tests.access import Case, allowed, check_matrix

ALL_200 = {"anonymous": 200, "applicant": 200, "institution": 200, "reviewer": 200, "admin": 200}
SIGNED_IN = {"applicant", "institution", "reviewer", "admin"}

MATRIX = [
    Case("GET", "/", ALL_200),
    Case("GET", "/healthz", ALL_200),
    Case("POST", "/language", {}, data={"locale": "fr", "next": "/"}, default=302),
    Case("GET", "/api/v1/openapi.json", ALL_200),
    Case("GET", "/notifications", allowed(SIGNED_IN)),
    Case("POST", "/notifications/read", {}, default=302),
    # The notification belongs to the applicant; nobody else may mark it.
    Case(
        "POST",
        "/notifications/<int:notification_id>/read",
        allowed({"applicant"}, ok=302),
        url=lambda ctx: f"/notifications/{ctx['notification_id']}/read",
    ),
    Case("GET", "/admin/audit", allowed({"admin"})),
    # The job was started by the applicant: they and admins may watch it.
    Case(
        "GET", "/jobs/<int:job_id>", allowed({"applicant", "admin"}), url=lambda ctx: f"/jobs/{ctx['job_id']}"
    ),
]


def test_core_access_matrix(client_as, users, db):
    from talent.core.models import Job, Notification

    applicant = users["applicant"]
    notification = Notification(user_id=applicant.id, message="Your application was received.")
    job = Job(kind="test.access", created_by_id=applicant.id)
    db.session.add_all([notification, job])
    db.session.commit()
    check_matrix(MATRIX, client_as, {"notification_id": notification.id, "job_id": job.id})
