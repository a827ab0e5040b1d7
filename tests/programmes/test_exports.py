"""Exports of a call's applications with their scores, as CSV and XLSX."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from talent.programmes.models import ApplicationStatus, OfferStatus


@pytest.fixture
def scored_call(make_call, make_application, make_person, make_user, make_review):
    call = make_call()
    good = make_application(
        call=call,
        person=make_person(
            name_latin='=HYPERLINK("http://evil")',
            name_native="王小明",
            email="w@example.org",
            nationality_code="KE",
        ),
        status=ApplicationStatus.ACCEPTED,
        offer_status=OfferStatus.ACCEPTED,
        decision_note="+cmd|' /C calc'!A0",
    )
    make_review(good, make_user("reviewer"), scores={"merit": 5, "plan": 4, "impact": 3})
    make_review(good, make_user("reviewer"), scores={"merit": 4, "plan": 4, "impact": 4})
    waiting = make_application(
        call=call,
        person=make_person(name_latin="Tesfaye Bekele"),
        status=ApplicationStatus.WAITLISTED,
        waitlist_rank=1,
    )
    make_application(
        call=call, person=make_person(name_latin="Still Drafting"), status=ApplicationStatus.DRAFT
    )
    return call, good, waiting


@pytest.fixture
def admin_client(app, users, login):
    client = app.test_client()
    login(client, users["admin"])
    return client


def test_csv_has_scores_per_criterion_and_neutralised_formulas(admin_client, scored_call):
    call, good, waiting = scored_call
    response = admin_client.get(f"/admin/calls/{call.id}/export?format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert f"applications-call-{call.id}.csv" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r["Reference"] for r in rows] == [f"A-{good.id:06d}", f"A-{waiting.id:06d}"]  # no drafts
    first = rows[0]
    assert first["Name (Latin)"] == '\'=HYPERLINK("http://evil")'
    assert first["Name (own script)"] == "王小明"
    assert first["Decision note"].startswith("'+cmd")
    assert first["Country"] == "Kenya"
    assert first["State"] == "accepted" and first["Offer"] == "offer accepted"
    assert first["Mean score: Academic merit"] == "4.50"
    assert first["Mean score: Quality of the plan"] == "4.00"
    assert first["Mean score: Impact at home"] == "3.50"
    assert Decimal(first["Mean weighted score"]) == Decimal("4.075")
    assert Decimal(first["Spread"]) == Decimal("0.150")
    assert first["Reviews"] == "2"
    assert rows[1]["Waitlist rank"] == "1" and rows[1]["Mean score: Academic merit"] == ""


def test_xlsx_has_the_same_rows(admin_client, scored_call):
    call, good, _ = scored_call
    response = admin_client.get(f"/admin/calls/{call.id}/export?format=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert len(rows) == 3 and "Mean weighted score" in header
    assert first["Name (Latin)"].startswith("'=")
    assert first["Mean score: Academic merit"] == 4.5
    assert first["Reviews"] == 2


def test_an_unknown_format_is_not_found(admin_client, scored_call):
    call, _, _ = scored_call
    assert admin_client.get(f"/admin/calls/{call.id}/export?format=pdf").status_code == 404


def test_the_export_reads_in_batches(
    admin_client, make_call, make_application, make_person, monkeypatch, count_queries
):
    from talent.programmes import exports

    monkeypatch.setattr(exports, "BATCH", 2)
    call = make_call()
    for _ in range(5):
        make_application(call=call, person=make_person(), status=ApplicationStatus.SUBMITTED)
    response = admin_client.get(f"/admin/calls/{call.id}/export?format=csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == 6
