"""Documents: checked by content, size-limited, stored under random names, served only to those allowed."""

from __future__ import annotations

import html
import io

import pytest
from sqlalchemy import select

from talent.programmes import documents
from talent.programmes.models import ApplicationDocument, ApplicationStatus, DocumentType, ReviewStatus
from tests.programmes.application_helpers import (
    JPEG,
    LINUX_ELF,
    PDF,
    PNG,
    WINDOWS_EXE,
    add_document,
    person_of,
    snapshot,
    stored_files,
    upload,
)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def draft(applicant, make_application):
    return make_application(person=person_of(applicant))


def _documents(db, application):
    return db.session.scalars(
        select(ApplicationDocument).where(ApplicationDocument.application_id == application.id)
    ).all()


@pytest.mark.parametrize(
    ("content", "media_type"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")]
)
def test_a_pdf_png_or_jpeg_is_stored_under_a_random_name(
    app, applicant_client, draft, db, content, media_type
):
    before = stored_files(app)
    response = applicant_client.post(
        f"/applications/{draft.id}/documents", data=upload(content, "../../etc/My CV.pdf")
    )
    assert response.status_code == 302
    (document,) = _documents(db, draft)
    assert document.media_type == media_type
    assert document.size == len(content)
    assert document.original_name == "My CV.pdf"
    assert stored_files(app) - before == {document.stored_name}
    assert len(document.stored_name) == 64 and "." not in document.stored_name
    assert documents.path_of(document).read_bytes() == content


def test_a_document_is_served_as_an_attachment_with_its_checked_type(applicant_client, draft, db):
    applicant_client.post(f"/applications/{draft.id}/documents", data=upload(PNG, "scan.pdf"))
    (document,) = _documents(db, draft)
    response = applicant_client.get(f"/applications/{draft.id}/documents/{document.id}")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "scan.png" in disposition
    assert response.get_data() == PNG


@pytest.mark.parametrize(
    ("content", "name"),
    [(WINDOWS_EXE, "cv.pdf"), (LINUX_ELF, "transcript.pdf"), (b"<html><script>", "cv.png"), (b"", "cv.pdf")],
)
def test_an_executable_renamed_pdf_is_refused_and_nothing_is_kept(
    app, applicant_client, draft, db, content, name
):
    files_before, before = stored_files(app), snapshot(draft.id)
    response = applicant_client.post(f"/applications/{draft.id}/documents", data=upload(content, name))
    assert response.status_code == 422
    page = text_of(response)
    error = page.split('id="file-error">', 1)[1].split("</p>", 1)[0]
    assert "not a PDF, PNG or JPEG" in error
    assert snapshot(draft.id) == before
    assert stored_files(app) == files_before


def test_a_file_over_the_limit_is_refused_with_its_own_message(app, applicant_client, draft, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_DOCUMENT_BYTES", 1024)
    files_before, before = stored_files(app), snapshot(draft.id)
    response = applicant_client.post(
        f"/applications/{draft.id}/documents", data=upload(PDF + b"0" * 1024, "thesis.pdf")
    )
    assert response.status_code == 413
    assert "larger than 1 KB" in text_of(response)
    assert snapshot(draft.id) == before
    assert stored_files(app) == files_before
    # Exactly at the limit is fine.
    ok = applicant_client.post(f"/applications/{draft.id}/documents", data=upload(PDF.ljust(1024, b"0")))
    assert ok.status_code == 302


class _Endless(io.RawIOBase):
    """A multipart upload of `size` bytes made on the fly: the test never holds them in memory."""

    def __init__(self, size: int, boundary: str):
        self.head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="doc_type"\r\n\r\ncv\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
        ).encode()
        self.size, self.position, self.sent = size, 0, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.position

    def seek(self, offset, whence=io.SEEK_SET):
        self.position = self.size if whence == io.SEEK_END else offset
        return self.position

    def readinto(self, buffer):
        count = min(len(buffer), self.size - self.position)
        if count <= 0:
            return 0
        if self.position < len(self.head):
            chunk = self.head[self.position : self.position + count]
        else:
            chunk = b"0" * count
        buffer[: len(chunk)] = chunk
        self.position += len(chunk)
        self.sent += len(chunk)
        return len(chunk)


def test_a_200_mb_upload_is_refused_before_it_is_read(app, applicant_client, draft):
    files_before, before = stored_files(app), snapshot(draft.id)
    boundary = "big-boundary"
    size = 200 * 1024 * 1024
    stream = _Endless(size, boundary)
    response = applicant_client.post(
        f"/applications/{draft.id}/documents",
        input_stream=stream,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert "larger than 10 MB" in text_of(response)
    assert stream.sent == 0  # refused on the declared length alone
    assert snapshot(draft.id) == before
    assert stored_files(app) == files_before


def test_a_200_mb_upload_without_a_declared_length_stops_at_the_limit(app, applicant_client, draft):
    files_before, before = stored_files(app), snapshot(draft.id)
    boundary = "big-boundary"
    size = 200 * 1024 * 1024
    stream = _Endless(size, boundary)
    response = applicant_client.post(
        f"/applications/{draft.id}/documents",
        input_stream=stream,
        content_type=f"multipart/form-data; boundary={boundary}",
        # Sent in chunks, with no Content-Length: the server reads until the limit, then refuses.
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )
    assert response.status_code == 413
    assert "larger than 10 MB" in text_of(response)
    assert 0 < stream.sent <= app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024  # stopped long before 200 MB
    assert snapshot(draft.id) == before
    assert stored_files(app) == files_before


def test_uploading_the_same_type_again_replaces_the_file(app, applicant_client, draft, db):
    applicant_client.post(f"/applications/{draft.id}/documents", data=upload(PDF, "old.pdf"))
    (old,) = _documents(db, draft)
    old_path = documents.path_of(old)
    old_name = old.stored_name
    response = applicant_client.post(f"/applications/{draft.id}/documents", data=upload(JPEG, "new.jpg"))
    assert response.status_code == 302
    db.session.expire_all()
    (new,) = _documents(db, draft)
    assert new.stored_name != old_name and new.original_name == "new.jpg"
    assert not old_path.exists()
    assert documents.path_of(new).read_bytes() == JPEG


def test_a_draft_document_is_deleted_with_its_file(applicant_client, draft, db):
    applicant_client.post(f"/applications/{draft.id}/documents", data=upload(PDF))
    (document,) = _documents(db, draft)
    path = documents.path_of(document)
    response = applicant_client.post(f"/applications/{draft.id}/documents/{document.id}/delete")
    assert response.status_code == 302
    assert _documents(db, draft) == []
    assert not path.exists()


def test_documents_of_a_submitted_application_cannot_change(
    app, applicant, applicant_client, make_application, db
):
    application = make_application(person=person_of(applicant), status=ApplicationStatus.SUBMITTED)
    document = add_document(db, application)
    files_before, before = stored_files(app), snapshot(application.id)
    uploaded = applicant_client.post(f"/applications/{application.id}/documents", data=upload(PDF))
    deleted = applicant_client.post(f"/applications/{application.id}/documents/{document.id}/delete")
    assert uploaded.status_code == deleted.status_code == 409
    assert "can no longer be changed" in text_of(uploaded)
    assert snapshot(application.id) == before
    assert stored_files(app) == files_before


def test_a_rolled_back_upload_leaves_no_file(app, db, draft):
    files_before = stored_files(app)
    with pytest.raises(RuntimeError), db.session.begin_nested():
        documents.store(io.BytesIO(PDF))
        raise RuntimeError("the request failed after storing")
    assert stored_files(app) == files_before


# --- who may download ----------------------------------------------------------------------


def _get(client, application, document):
    return client.get(f"/applications/{application.id}/documents/{document.id}")


def test_an_applicant_cannot_download_anothers_document(
    client, make_user, make_person, make_application, db, login
):
    other = make_application()
    document = add_document(db, other)
    intruder = make_user("applicant")
    make_person(user_id=intruder.id)
    mine = make_application(person=person_of(intruder))
    login(client, intruder)
    assert _get(client, other, document).status_code == 404
    # Pairing the document with one's own application does not help either.
    assert client.get(f"/applications/{mine.id}/documents/{document.id}").status_code == 404
    assert client.get(f"/applications/{other.id}/documents/{document.id + 10000}").status_code == 404


def test_admins_download_everything(client_as, make_application, db):
    application = make_application()
    document = add_document(db, application, DocumentType.PASSPORT)
    assert _get(client_as("admin"), application, document).status_code == 200


@pytest.mark.parametrize(
    ("blind", "doc_type", "review_status", "expected"),
    [
        (True, DocumentType.RESEARCH_PLAN, ReviewStatus.ASSIGNED, 200),
        (True, DocumentType.CV, ReviewStatus.ASSIGNED, 404),  # names the applicant
        (True, DocumentType.PASSPORT, ReviewStatus.SUBMITTED, 404),
        (False, DocumentType.CV, ReviewStatus.SUBMITTED, 200),
        (False, DocumentType.CV, ReviewStatus.CONFLICT, 404),
        (False, DocumentType.CV, ReviewStatus.WITHDRAWN, 404),
        (False, DocumentType.CV, None, 404),  # not assigned
    ],
)
def test_reviewers_download_what_their_review_allows(
    client,
    make_user,
    make_call,
    make_application,
    make_review,
    login,
    db,
    blind,
    doc_type,
    review_status,
    expected,
):
    application = make_application(
        call=make_call(is_blind_review=blind), status=ApplicationStatus.UNDER_REVIEW
    )
    document = add_document(db, application, doc_type)
    reviewer = make_user("reviewer")
    if review_status is not None:
        make_review(application, reviewer, status=review_status)
    login(client, reviewer)
    assert _get(client, application, document).status_code == expected
