"""Certificates drawn in two layers: the page a cohort shares, laid out once, and each holder's parts
placed over it. The result must look exactly like the certificate drawn whole, keep every text
extractable, and fall back to the whole drawing when a holder's part does not fit its box.
"""

from __future__ import annotations

import dataclasses
import io

import pikepdf
import pytest
from PIL import ImageChops

from talent.certificates import rendering
from talent.certificates.layouts import META_TOKEN
from tests.certificates.conftest import pixels, qr_codes
from tests.certificates.test_rendering import (
    NAMES,
    QR_URL,
    SERIAL,
    TOKEN,
    comparable,
    info_of,
    snapshot,
    text_of,
)


def differing_pixels(first: bytes, second: bytes) -> int:
    difference = ImageChops.difference(pixels(first), pixels(second))
    return sum(1 for value in difference.get_flattened_data() if value > 48)


def whole(prepared):
    return dataclasses.replace(prepared, shared_html=None)


class LayoutCounter:
    """Wraps a renderer's layout step to record the pages it lays out."""

    def __init__(self, renderer: rendering.Renderer, monkeypatch):
        self.pages: list[str] = []
        real = renderer._layout

        def counting(html, layout):
            self.pages.append(html)
            return real(html, layout)

        monkeypatch.setattr(renderer, "_layout", counting)

    def shared(self) -> int:
        return sum(1 for html in self.pages if 'id="slot-holder"' in html)


@pytest.mark.parametrize("script", ["latin", "chinese", "arabic", "devanagari", "thai"])
def test_a_layered_certificate_looks_exactly_like_the_whole_drawing(script):
    latin, native = NAMES[script]
    prepared = rendering.prepare(snapshot(holder_name=latin, holder_name_native=native), qr_url=QR_URL)
    renderer = rendering.Renderer()
    layered, drawn_whole = renderer.draw(prepared), renderer.draw(whole(prepared))
    assert layered != drawn_whole  # two different documents…
    assert differing_pixels(layered, drawn_whole) == 0  # …that print the same page


def test_a_layered_certificate_keeps_its_text_metadata_and_pdfa_identification():
    latin, native = NAMES["arabic"]
    pdf = rendering.renderer().draw(
        rendering.prepare(snapshot(holder_name=latin, holder_name_native=native), qr_url=QR_URL)
    )
    text = comparable(text_of(pdf))
    for expected in (latin, native, "7K3M-9QXP-B2RT-V4W0", "Certificate of Course Completion", "78.5/100"):
        assert comparable(expected) in text, expected
    assert "Pages:           1" in info_of(pdf)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert str(document.docinfo[f"/{META_TOKEN}"]) == TOKEN
        xmp = str(document.Root.Metadata.read_bytes(), "utf-8")
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
        assert len(document.Root.OutputIntents) == 1
        assert document.check_pdf_syntax() == []  # qpdf finds the file sound: cross-references, streams
        # Every font on the page, the shared page's included, is embedded.
        fonts = list(_fonts(document.pages[0].obj))
        assert fonts and all(_embedded(font) for font in fonts)


def _fonts(node, seen=None):
    seen = set() if seen is None else seen
    resources = node.get("/Resources")
    if resources is None:
        return
    yield from (resources.get("/Font") or {}).values()
    for xobject in (resources.get("/XObject") or {}).values():
        if xobject.objgen not in seen and xobject.get("/Subtype") == "/Form":
            seen.add(xobject.objgen)
            yield from _fonts(xobject, seen)


def _embedded(font) -> bool:
    descendants = font.get("/DescendantFonts")
    descriptor = (descendants[0] if descendants else font).get("/FontDescriptor")
    return descriptor is not None and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def test_the_shared_page_is_laid_out_once_for_a_cohort_and_names_no_holder(monkeypatch):
    renderer = rendering.Renderer()
    layouts = LayoutCounter(renderer, monkeypatch)
    holders = [("Amina Njoroge", None), ("WANG Xiaoming", "王小明"), ("AHMED Ali", "أحمد علي")]
    for n, (latin, native) in enumerate(holders):
        cert = snapshot(serial=f"7K3M9QXPB2RTV4W{n}", holder_name=latin, holder_name_native=native)
        pdf = renderer.draw(rendering.prepare(cert, qr_url=f"{QR_URL}{n}"))
        assert comparable(latin) in comparable(text_of(pdf))
    assert layouts.shared() == 1 and len(layouts.pages) == 1 + len(holders)
    (shared,) = renderer._shared.values()
    shared_text = _text_of_pikepdf(shared.pdf)
    assert "Certificate of Course Completion" in shared_text
    assert not any(latin in shared_text for latin, _ in holders) and "7K3M" not in shared_text


def _text_of_pikepdf(document: pikepdf.Pdf) -> str:
    out = io.BytesIO()
    document.save(out)
    return text_of(out.getvalue())


def test_another_cohort_or_day_gets_its_own_shared_page_and_only_a_few_are_kept(monkeypatch):
    renderer = rendering.Renderer()
    layouts = LayoutCounter(renderer, monkeypatch)
    for day in range(1, rendering.SHARED_PAGES_KEPT + 3):
        cert = snapshot(issued_on=snapshot().issued_on.replace(day=day))
        renderer.draw(rendering.prepare(cert, qr_url=QR_URL))
    renderer.draw(rendering.prepare(snapshot(title="Welding: practice and safety"), qr_url=QR_URL))
    assert layouts.shared() == rendering.SHARED_PAGES_KEPT + 3
    assert len(renderer._shared) == rendering.SHARED_PAGES_KEPT


def test_a_holders_own_score_is_printed_on_their_certificate_only():
    renderer = rendering.Renderer()
    details = snapshot().details
    first = renderer.draw(
        rendering.prepare(snapshot(details={**details, "weighted_score": "91.0"}), qr_url=QR_URL)
    )
    second = renderer.draw(
        rendering.prepare(snapshot(details={**details, "weighted_score": "64.5"}), qr_url=QR_URL)
    )
    assert "91.0 / 100" in text_of(first) and "64.5" not in text_of(first)
    assert "64.5 / 100" in text_of(second) and "91.0" not in text_of(second)
    assert len(renderer._shared) == 1  # the score is the holder's part, not the shared page's


def test_a_name_too_long_for_its_box_gets_the_certificate_drawn_whole(monkeypatch):
    renderer = rendering.Renderer()
    layouts = LayoutCounter(renderer, monkeypatch)
    long_name = "Maria " + " ".join(["Guadalupe de los Santos Fernández"] * 3)
    prepared = rendering.prepare(snapshot(holder_name=long_name, holder_name_native="王小明"), qr_url=QR_URL)
    pdf = renderer.draw(prepared)
    text = comparable(text_of(pdf))
    assert comparable(long_name) in text and "王小明" in text
    assert "Pages:           1" in info_of(pdf)
    # Shared page, holder's page (too tall), then the whole certificate.
    assert len(layouts.pages) == 3 and layouts.pages[-1] == prepared.html
    assert differing_pixels(pdf, renderer.draw(whole(prepared))) == 0


def test_markup_in_a_name_stays_text_on_the_holders_page():
    prepared = rendering.prepare(
        snapshot(holder_name="<b>Ann</b> & Co", holder_name_native=None), qr_url=QR_URL
    )
    holder = prepared.slots["holder"][1]
    assert "&lt;b&gt;Ann&lt;/b&gt; &amp; Co" in holder and "<b>" not in holder
    assert "<b>Ann</b> & Co" in text_of(rendering.draw(prepared))


def test_drawing_more_holders_adds_nothing_to_the_kept_shared_page():
    renderer = rendering.Renderer()
    renderer.draw(rendering.prepare(snapshot(), qr_url=QR_URL))
    (shared,) = renderer._shared.values()
    objects = len(shared.pdf.objects)
    for n in range(3):
        renderer.draw(rendering.prepare(snapshot(serial=f"9M4K7QXPB2RTV4W{n}"), qr_url=f"{QR_URL}{n}"))
    assert len(renderer._shared) == 1 and len(shared.pdf.objects) == objects


@pytest.mark.parametrize("layered", [True, False], ids=["layered", "whole"])
def test_the_printed_qr_code_reads_back_as_the_verification_link(layered):
    # As long as a real one: the signed token makes the link some 650 characters (QR version ~20).
    link = f"https://talent.example/verify/{SERIAL}?t=" + "eyJhbGciOiJFZERTQSJ9." + "x" * 620
    latin, native = NAMES["arabic"]
    prepared = rendering.prepare(snapshot(holder_name=latin, holder_name_native=native), qr_url=link)
    pdf = rendering.Renderer().draw(prepared if layered else whole(prepared))
    assert qr_codes(pdf, dpi=150) == [link]
