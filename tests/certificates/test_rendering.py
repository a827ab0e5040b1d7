"""Certificate PDFs: names in every script, escaping, PDF/A and metadata, only our files, speed.

Rendering needs no database: certificates here are plain snapshots. PDFs are drawn once per
module and shared, since each takes a noticeable fraction of a second.
"""

from __future__ import annotations

import ctypes
import logging
import subprocess
import unicodedata
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.text import ffi as weasy_ffi

from talent.certificates import rendering
from talent.certificates.models import CertificateKind

SERIAL = "7K3M9QXPB2RTV4W0"  # any 16 symbols: the renderer only prints it
QR_URL = f"https://talent.example/verify/{SERIAL}?t=header.claims.signature"
TOKEN = "eyJhbGciOiJFZERTQSIsImtpZCI6IjIwMjYwMTAxLWFiIn0.eyJzdWIiOiI3SzNNIn0.c2lnbmF0dXJl"

# Latin name as in the passport, and the name in the holder's own script.
NAMES = {
    "latin": ("José Ñúñez Çelik", None),
    "chinese": ("WANG Xiaoming", "王小明"),
    "arabic": ("AHMED Ali", "أحمد علي"),
    "ethiopic": ("ABEBE Bikila", "አበበ ቢቂላ"),
    "devanagari": ("Ravi Sharma", "रवि शर्मा"),
    "thai": ("Somchai Dee", "สมชาย ดี"),
    "cyrillic": ("Olga Petrova", "Ольга Петрова"),
}
BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}


def snapshot(**kw) -> SimpleNamespace:
    values = {
        "serial": SERIAL,
        "kind": CertificateKind.COURSE_COMPLETION,
        "template": "course_completion",
        "holder_name": "Amina Njoroge",
        "holder_name_native": None,
        "title": "Industrial robotics: operation and maintenance",
        "details": {
            "course_code": "LW-ROB-01",
            "titles": {
                "zh": "工业机器人操作与维护",
                "fr": "Robotique industrielle : exploitation et maintenance",
            },
            "theory_hours": 40,
            "practice_hours": 120,
            "total_hours": 160,
            "competencies": ["Operate a six-axis robot safely", "Program pick-and-place tasks"],
            "weighted_score": "78.5",
            "attendance_pct": "92.0",
            "starts_on": "2026-01-12",
            "ends_on": "2026-03-06",
            "language": "fr",
            "host": {
                "name": "Dakar Luban Workshop",
                "name_native": "Atelier Luban de Dakar",
                "country": "SN",
            },
            "partner": {
                "name": "Tianjin Vocational Institute",
                "name_native": "天津职业技术学院",
                "country": "CN",
            },
        },
        "issued_on": date(2026, 3, 9),
        "expires_on": None,
        "issuer_name": "Tianjin Vocational Institute",
        "issuer_country": "CN",
        "languages": ["en", "zh", "fr"],
        "token": TOKEN,
        "issued_at": datetime(2026, 3, 9, 8, 30, tzinfo=UTC),
        "supersedes_id": None,
        "supersedes": None,
    }
    values.update(kw)
    return SimpleNamespace(**values)


def text_of(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def info_of(pdf: bytes, *options: str) -> str:
    result = subprocess.run(["pdfinfo", *options, "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def comparable(text: str) -> str:
    """pdftotext puts spaces between some Devanagari clusters and marks around Arabic runs."""
    return unicodedata.normalize(
        "NFC", "".join(c for c in text if not c.isspace() and c not in BIDI_CONTROLS)
    )


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    return {
        script: rendering.render_certificate(
            snapshot(holder_name=latin, holder_name_native=native), qr_url=QR_URL
        )
        for script, (latin, native) in NAMES.items()
    }


@pytest.mark.parametrize("script", list(NAMES))
def test_names_in_every_script_come_back_out_of_the_pdf(pdfs, script):
    latin, native = NAMES[script]
    text = comparable(text_of(pdfs[script]))
    assert comparable(latin) in text
    if native:
        assert comparable(native) in text


def _glyph_runs(text: str) -> list[tuple[bool, list[int]]]:
    """(right to left?, glyph ids) of each run WeasyPrint shaped for `text` with the layouts' fonts."""
    renderer = rendering.renderer()
    document = weasyprint.HTML(
        string=f'<p class="name">{text}</p>', base_url=renderer.root.as_uri() + "/"
    ).render(font_config=renderer.font_config, stylesheets=renderer.stylesheets("course_completion"))
    runs = []
    for box in document.pages[0]._page_box.descendants():
        if isinstance(box, boxes.TextBox):
            box.pango_layout.setup(box.style)  # drawing released it
            box.pango_layout.set_text(box.text)
            run = box.pango_layout.get_first_line()[0].runs
            while run != weasy_ffi.ffi.NULL:
                item = run.data
                level = item.item.analysis.level & 0xFF  # the first byte of the packed fields
                glyphs = [item.glyphs.glyphs[i].glyph for i in range(item.glyphs.num_glyphs)]
                runs.append((level % 2 == 1, glyphs))
                run = run.next
    return runs


def test_arabic_is_joined_and_right_to_left():
    (rtl, glyphs), *_ = _glyph_runs("أحمد")
    (_, isolated_hah), *_ = _glyph_runs("ح")
    assert rtl
    assert isolated_hah[0] not in glyphs  # ح in the middle of a word takes its joining form


def test_devanagari_forms_conjuncts():
    (rtl, glyphs), *_ = _glyph_runs("शर्मा")
    assert not rtl
    assert len(glyphs) < len("शर्मा")  # र् + म becomes a reph over म: fewer glyphs than letters


def test_markup_in_names_is_printed_not_interpreted():
    cert = snapshot(holder_name="<b>Ann</b> & Co", holder_name_native="<img src=x>")
    prepared = rendering.prepare(cert, qr_url=QR_URL)
    assert "&lt;b&gt;Ann&lt;/b&gt; &amp; Co" in prepared.html and "<img src=x>" not in prepared.html
    text = text_of(rendering.draw(prepared))
    assert "<b>Ann</b> & Co" in text and "<img src=x>" in text


def test_one_a4_landscape_page_in_pdf_a_3b(pdfs):
    pdf = pdfs["latin"]
    info = info_of(pdf)
    assert "Pages:           1" in info
    assert "841.89 x 595.276 pts (A4)" in info  # landscape: wider than high
    meta = info_of(pdf, "-meta")
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="B"' in meta


def test_metadata_carries_title_token_and_verification_url(pdfs):
    fields = dict(
        line.split(":", 1) for line in info_of(pdfs["arabic"], "-custom").splitlines() if ":" in line
    )
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    assert fields["Title"].startswith("Certificate of Course Completion: AHMED Ali")
    assert fields["CertificateToken"] == TOKEN
    assert fields["CertificateVerifyURL"] == QR_URL
    assert QR_URL in fields["Subject"]
    assert fields["CertificateSerial"] == "7K3M-9QXP-B2RT-V4W0"


def test_the_page_shows_code_url_labels_and_facts(pdfs):
    text = text_of(pdfs["chinese"])
    for expected in (
        "7K3M-9QXP-B2RT-V4W0",
        "https://talent.example/verify/7K3M-9QXP-B2RT-V4W0",
        "Certificate of Course Completion",
        "课程结业证书",
        "Certificat de fin de formation",  # the cohort was taught in French
        "工业机器人操作与维护",
        "天津职业技术学院",
        "Program pick-and-place tasks",
        "78.5 / 100",
    ):
        assert expected in text


def test_the_fetcher_serves_only_the_certificates_folder(tmp_path):
    fetcher = rendering.LayoutFetcher()
    seal = rendering.LAYOUTS / "images" / "seal.svg"
    assert fetcher.fetch(seal.as_uri()).read().startswith(b"<svg")
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    outside = tmp_path / "secret.txt"
    outside.write_text("no")
    for url in (
        outside.as_uri(),
        "file:///etc/passwd",
        (rendering.LAYOUTS / ".." / "talent" / "config.py").as_uri(),  # climbing out
        "https://example.org/logo.png",
        "http://127.0.0.1:5000/healthz",
        "ftp://example.org/font.ttf",
    ):
        with pytest.raises(rendering.ResourceRefused):
            fetcher.fetch(url)


def test_a_layout_naming_the_network_is_not_drawn():
    html = '<html><body><img src="https://example.org/logo.png"><p>Hello</p></body></html>'
    with pytest.raises(rendering.RenderingFailed) as failure:
        rendering.draw(rendering.Prepared("course_completion", html))
    assert failure.value.reason == "resource"


def test_characters_no_font_has_are_refused_before_drawing():
    with pytest.raises(rendering.RenderingFailed) as failure:
        rendering.prepare(snapshot(holder_name_native="𠮷野 家"), qr_url=QR_URL)
    assert failure.value.reason == "unprintable" and "U+20BB7" in failure.value.detail


def test_a_certificate_that_needs_two_pages_is_refused():
    details = {**snapshot().details, "competencies": [f"Competency {n} " + "word " * 30 for n in range(40)]}
    with pytest.raises(rendering.RenderingFailed) as failure:
        rendering.render_certificate(snapshot(details=details), qr_url=QR_URL)
    assert failure.value.reason == "too_long"


@pytest.mark.parametrize(
    ("template", "details", "expected"),
    [
        (
            "programme_completion",
            {"role": "Algorithm engineer", "starts_on": "2026-02-01", "ends_on": "2026-07-31"},
            "Certificate of Programme Completion",
        ),
        (
            "recognition_statement",
            {"recognised_as": "ISCED 2011 level 6", "outcome": "partial", "decided_on": "2026-03-01"},
            "Partial recognition",
        ),
    ],
)
def test_the_other_layouts_draw_one_page(template, details, expected):
    cert = snapshot(template=template, details=details, languages=["en", "zh", "ar"])
    pdf = rendering.render_certificate(cert, qr_url=QR_URL)
    assert expected in text_of(pdf) and "Pages:           1" in info_of(pdf)


def test_fonts_are_subset_by_harfbuzz_not_the_slow_fonttools_path(caplog):
    # Without libharfbuzz-subset0 WeasyPrint falls back to fontTools: ~5 s per CJK certificate.
    ctypes.CDLL("libharfbuzz-subset.so.0")
    assert weasy_ffi.harfbuzz_subset is not None
    with caplog.at_level(logging.DEBUG, logger="weasyprint"):
        rendering.render_certificate(snapshot(holder_name_native="张伟", title="数控机床"), qr_url=QR_URL)
    slow = [r for r in caplog.records if "Using fontTools instead of HarfBuzz-Subset" in r.getMessage()]
    assert not slow, slow[0].getMessage()


def test_a_certificate_stays_small(pdfs):
    assert max(len(pdf) for pdf in pdfs.values()) < 150 * 1024


def test_a_renderer_does_not_keep_each_certificates_qr_code():
    renderer = rendering.Renderer()
    renderer.draw(rendering.prepare(snapshot(), qr_url=QR_URL))
    kept = set(renderer.image_cache)
    renderer.draw(rendering.prepare(snapshot(serial="9M4K7QXPB2RTV4W1"), qr_url=QR_URL + "x"))
    assert set(renderer.image_cache) == kept
    assert not any(key.startswith("data:") for key in kept)


def test_batches_are_rendered_in_order_with_failures_in_place():
    good = snapshot(holder_name="First Holder")
    bad = snapshot(holder_name="Second Holder", holder_name_native="𠮷")
    with rendering.BatchRenderer(workers=0) as batch:
        first, failed = list(batch.render_all([(good, QR_URL), (bad, QR_URL)]))
    assert "First Holder" in text_of(first)
    assert isinstance(failed, rendering.RenderingFailed) and failed.reason == "unprintable"
