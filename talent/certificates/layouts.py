"""What a certificate layout is given: the filled-in HTML of a certificate, ready to draw.

`prepare` takes a `Snapshot` (the facts a certificate prints, plain and picklable, so bulk
issuance hands it to worker processes) and fills the layout's Jinja template in
certificates/<layout>/layout.html: labels in each printed language from the layouts' labels.json
files, dates and the names of languages and countries written in those languages (Babel), the
QR code (segno) and the PDF metadata. It checks that the certificate fonts can print every
character. Drawing the PDF is rendering.py's job.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import babel
import jinja2
import segno
from babel.dates import format_date

from talent.certificates.serials import format_serial

LAYOUTS = Path(__file__).resolve().parents[2] / "certificates"
FONTS = LAYOUTS / "fonts"
# PDF document-information keys (custom metadata): a verifier reads them with any PDF tool.
META_SERIAL, META_TOKEN, META_VERIFY_URL = "CertificateSerial", "CertificateToken", "CertificateVerifyURL"
# Characters that need no glyph of their own (spaces, joiners, direction marks, controls).
_INVISIBLE = {"Zs", "Zl", "Zp", "Cc", "Cf"}
RTL_LANGUAGES = {"ar", "fa", "ur", "he", "ps", "dv"}
# Dates as "2 March 2025" (not "March 2, 2025"): the certificate is read worldwide.
BABEL_LOCALES = {"en": "en_GB", "zh": "zh_Hans_CN"}
DEFAULT_LANGUAGES = ("en", "zh")


class RenderingFailed(RuntimeError):
    """A certificate could not be drawn. `reason`: "unprintable" (`detail` lists the characters),
    "too_long" (more than one page) or "resource" (the layout names a file it may not use)."""

    def __init__(self, message: str, *, reason: str, detail: str = ""):
        super().__init__(message)
        self.reason = reason
        self.detail = detail

    def __reduce__(self):  # crosses process boundaries in bulk runs
        return (_rebuild_failure, (str(self), self.reason, self.detail))


def _rebuild_failure(message: str, reason: str, detail: str) -> RenderingFailed:
    return RenderingFailed(message, reason=reason, detail=detail)


@dataclass(frozen=True)
class Snapshot:
    """The facts a certificate prints, taken from its record."""

    serial: str
    kind: str
    template: str
    holder_name: str
    holder_name_native: str | None
    title: str
    details: dict[str, Any]
    issued_on: date
    expires_on: date | None
    issuer_name: str
    issuer_country: str
    languages: tuple[str, ...]
    token: str
    issued_at: datetime | None
    supersedes: str | None = None  # serial of the certificate this one replaces

    @classmethod
    def of(cls, cert, *, supersedes: str | None = None) -> Snapshot:
        if isinstance(cert, Snapshot):
            return cert
        if supersedes is None and getattr(cert, "supersedes_id", None) is not None:
            replaced = cert.supersedes
            supersedes = replaced.serial if replaced is not None else None
        return cls(
            serial=cert.serial,
            kind=str(cert.kind),
            template=cert.template,
            holder_name=cert.holder_name,
            holder_name_native=cert.holder_name_native,
            title=cert.title,
            details=dict(cert.details or {}),
            issued_on=cert.issued_on,
            expires_on=cert.expires_on,
            issuer_name=cert.issuer_name,
            issuer_country=cert.issuer_country,
            languages=tuple(cert.languages or ()),
            token=cert.token,
            issued_at=cert.issued_at,
            supersedes=supersedes,
        )


@dataclass(frozen=True)
class Prepared:
    """A certificate ready to draw: the layout's name, its filled HTML and the PDF metadata.

    `html` is the whole certificate, the holder's parts in place (`source`: that HTML, or how to
    make it when it is first asked for). `shared_html` is the same page with the holder's parts
    ("slots") left as empty boxes — the same for every holder of a cohort — and `slots` their
    contents ({slot name: (class names, HTML)}): rendering.py lays the shared page out once and
    places each holder's slots on it, and needs the whole certificate only when a content does not
    fit its box. Without `shared_html` the certificate is drawn whole.
    """

    layout: str
    source: str | Callable[[], str]
    metadata: dict[str, Any] = field(default_factory=dict)
    shared_html: str | None = None
    slots: dict[str, tuple[str, str]] = field(default_factory=dict)
    qr_pdf: bytes | None = None  # placed on the "qr" box (see qr_pdf)

    @cached_property
    def html(self) -> str:
        return self.source() if callable(self.source) else self.source


# --- labels, languages and the filled template ---------------------------------------------------


def layouts() -> list[str]:
    return sorted(p.parent.name for p in LAYOUTS.glob("*/layout.html"))


@cache
def labels_of(layout: str) -> dict[str, dict[str, str]]:
    """{language: {key: text}}: the labels every layout shares (certificates/labels.json) and
    the layout's own (<layout>/labels.json), for the languages both have."""
    shared = json.loads((LAYOUTS / "labels.json").read_text(encoding="utf-8"))
    own = json.loads((LAYOUTS / layout / "labels.json").read_text(encoding="utf-8"))
    return {code: {**shared[code], **own[code]} for code in own if code in shared}


def printed_languages(layout: str, wanted: list[str]) -> list[str]:
    """English and Chinese, then each of `wanted` the layout has labels for, in order."""
    known = labels_of(layout)
    return list(dict.fromkeys(code for code in (*DEFAULT_LANGUAGES, *wanted) if code in known))


# Unicode bidirectional isolates. WeasyPrint ignores dir="auto"; a first-strong isolate around a
# name gives it the same effect, and a right-to-left isolate keeps an Arabic label or date in
# order ("2 مارس 2025", not "2 2025 مارس") inside a left-to-right line.
FIRST_STRONG_ISOLATE, RIGHT_TO_LEFT_ISOLATE, POP_ISOLATE = "\u2068", "\u2067", "\u2069"


def isolate(text) -> str:
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_ISOLATE}" if text else ""


def _in_direction(code: str, text: str) -> str:
    return f"{RIGHT_TO_LEFT_ISOLATE}{text}{POP_ISOLATE}" if code in RTL_LANGUAGES else text


@cache
def _templates() -> jinja2.Environment:
    # Autoescaping: names and titles are data; "<b>" in a name prints as "<b>".
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(LAYOUTS), autoescape=True)
    env.filters["isolate"] = isolate
    return env


@cache
def _locale(code: str) -> babel.Locale:
    try:
        return babel.Locale.parse(BABEL_LOCALES.get(code, code))
    except (ValueError, babel.UnknownLocaleError):
        return babel.Locale.parse(BABEL_LOCALES["en"])


def _day(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# Any of the eight QR mask patterns gives a valid code; choosing the best one means building and
# scoring all eight: ~30 ms for a verification URL with its token (version 19-21), a quarter of
# the cost of a certificate, against ~5 ms with the mask given. On tokens of names in every
# script, pattern 2 (every third column) was on average within 3 % (at worst 14 %) of the best
# pattern's penalty score.
QR_MASK = 2


def qr_pdf(url: str) -> bytes:
    """The QR code of `url` as vectors: segno's one-page PDF, one unit per module, no border.

    Medium error correction: a certificate is printed, folded and scanned off paper. The renderer
    places this page on the certificate's QR box (rendering.py) rather than giving WeasyPrint the
    code as an SVG image: WeasyPrint draws an SVG path by path, ~60 ms for a code this size,
    more than the rest of a holder's certificate.
    """
    out = io.BytesIO()
    segno.make(url, error="m", micro=False, mask=QR_MASK).save(out, kind="pdf", scale=1, border=0)
    return out.getvalue()


def _context(cert: Snapshot, qr_url: str) -> dict[str, Any]:
    all_labels = labels_of(cert.template)
    codes = printed_languages(cert.template, list(cert.languages or ()))
    details = dict(cert.details or {})

    def per_language(make) -> dict[str, str]:
        return {code: _in_direction(code, make(_locale(code))) for code in codes}

    def dated(day: date | None) -> dict[str, str] | None:
        return None if day is None else per_language(lambda loc: format_date(day, "long", locale=loc))

    first, last = _day(details.get("starts_on")), _day(details.get("ends_on"))
    span = dated(first or last)
    if first and last and first != last:
        start, end = dated(first), dated(last)
        span = {code: f"{start[code]} – {end[code]}" for code in codes}

    def institution(role: str, data: dict) -> dict[str, Any]:
        country = data.get("country")
        return {
            "role": role,
            "name": data.get("name") or "",
            "name_native": data.get("name_native"),
            "country": per_language(lambda loc: loc.territories.get(country, country)) if country else None,
        }

    institutions = [institution(role, details[role]) for role in ("host", "partner") if details.get(role)]
    if not institutions:
        institutions = [institution("issuer", {"name": cert.issuer_name, "country": cert.issuer_country})]
    language = details.get("language")
    titles = details.get("titles") or {}
    serial_display = format_serial(cert.serial)
    printed_url = qr_url.split("?", 1)[0]
    if printed_url.endswith("/" + cert.serial):  # the grouped code is easier to type
        printed_url = printed_url[: -len(cert.serial)] + serial_display
    labels = {key: {} for texts in all_labels.values() for key in texts}
    for code in codes:
        for key, text in all_labels[code].items():
            labels[key][code] = _in_direction(code, text)
    return {
        "langs": codes,
        "labels": labels,
        "title": f"{all_labels['en']['heading']}: {cert.holder_name}",
        "other_headings": {code: text for code, text in labels["heading"].items() if code != "en"},
        "cert": {
            "serial_display": serial_display,
            "holder_name": cert.holder_name,
            "holder_name_native": cert.holder_name_native,
            "title": cert.title,
            "supersedes": format_serial(cert.supersedes) if cert.supersedes else None,
        },
        "other_titles": [titles[c] for c in codes if c != "en" and titles.get(c) and titles[c] != cert.title],
        "details": details,
        "institutions": institutions,
        "language_name": per_language(lambda loc: loc.languages.get(language, language))
        if language
        else None,
        "dates": {
            **{key: dated(_day(value)) for key, value in details.items() if key.endswith("_on")},
            "issued_on": dated(cert.issued_on),
            "expires_on": dated(cert.expires_on),
            "course": span,
        },
        "verify_url": printed_url,
    }


def _metadata(cert: Snapshot, qr_url: str) -> dict[str, Any]:
    heading = labels_of(cert.template)["en"]["heading"]
    serial_display = format_serial(cert.serial)
    issued_at = cert.issued_at
    return {
        "title": f"{heading}: {cert.holder_name} — {cert.title}",
        "authors": [cert.issuer_name],
        "description": f"Certificate {serial_display}. Verify: {qr_url}",
        "keywords": [serial_display, cert.kind],
        "created": issued_at.strftime("%Y-%m-%dT%H:%M:%SZ") if issued_at else None,
        "custom": {META_SERIAL: serial_display, META_TOKEN: cert.token, META_VERIFY_URL: qr_url},
    }


def prepare(cert: Snapshot, qr_url: str) -> Prepared:
    """The filled layout of `cert`, checked to be printable with the certificate fonts."""
    template = _templates().get_template(f"{cert.template}/layout.html")
    context = _context(cert, qr_url)
    slots: dict[str, tuple[str, str]] = {}

    def set_aside(name: str, class_names: str, content: str) -> str:
        slots[name] = (class_names, str(content))
        return ""

    # The shared page's title names no holder: the PDF's title is set from the metadata.
    shared = template.render({**context, "title": context["labels"]["heading"]["en"]}, fill=set_aside)
    check_printable(shared + "".join(content for _, content in slots.values()))
    return Prepared(
        cert.template,
        lambda: template.render(context, fill=_in_place),
        _metadata(cert, qr_url),
        shared_html=shared,
        slots=slots,
        qr_pdf=qr_pdf(qr_url),
    )


def _in_place(name: str, class_names: str, content: str) -> str:
    return content


# --- the fonts cover what is printed ---------------------------------------------------------


@cache
def _coverage() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    points: set[int] = set()
    for path in sorted(FONTS.glob("*.[ot]tf")):
        with TTFont(path, lazy=True) as font:
            points.update(font.getBestCmap())
    return frozenset(points)


def unprintable(text: str) -> list[str]:
    """Characters of `text` that no certificate font has, in order of first appearance.

    WeasyPrint would otherwise borrow them from whatever system font happens to be installed
    (or print an empty box), so the same certificate would look different on another machine.
    """
    covered = _coverage()
    return list(
        dict.fromkeys(c for c in text if ord(c) not in covered and unicodedata.category(c) not in _INVISIBLE)
    )


def check_printable(text: str) -> None:
    missing = unprintable(text)
    if missing:
        shown = ", ".join(f"“{c}” (U+{ord(c):04X})" for c in missing[:10])
        raise RenderingFailed(
            f"The certificate fonts cannot print these characters: {shown}.",
            reason="unprintable",
            detail=shown,
        )
