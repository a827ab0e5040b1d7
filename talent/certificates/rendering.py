"""Certificate PDFs: the only module that imports WeasyPrint.

`render_certificate` fills the certificate's layout (layouts.py) and draws it: one A4 landscape
page, PDF/A-3b, with its token and verification URL in the metadata. Each process keeps one
`Renderer` — font configuration, parsed stylesheets and decoded images are built once and
reused — and `BatchRenderer` renders many certificates in worker processes.

A certificate is drawn in two layers. Laying out its text is most of the cost of a certificate
(~1 ms a line, some 75 lines), and nearly all of it — institutions, headings, labels in three
languages, course facts, competencies, signatures — is the same for every holder of a cohort. So
the shared page, with the holder's parts ("slots": names, own figures, code, link, QR code) left
as empty boxes of fixed size, is laid out once per process and kept; each holder's certificate is
a small page with only their slots, each placed on its box, over which the shared page is laid as
a form (pikepdf). Both layers are WeasyPrint's, so fonts stay embedded and text extractable, and
the holder's layer is the document: metadata, PDF/A identification and colour profile are its
own. A holder whose slot content does not fit its box (a very long name) gets the certificate
drawn whole in one pass, the boxes grown to fit.

WeasyPrint may read only files under certificates/ (and data: URLs): a layout that names anything
else — another file, the network — stops the rendering with an error. The QR code is not
WeasyPrint's: segno draws it as vectors and it is placed on the certificate's QR box afterwards.
"""

from __future__ import annotations

import gc
import hashlib
import io
import mimetypes
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pikepdf
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from talent.certificates import layouts
from talent.certificates.layouts import LAYOUTS, Prepared, RenderingFailed, Snapshot

PDF_OPTIONS = {"pdf_variant": "pdf/a-3b", "custom_metadata": True}


class ResourceRefused(ValueError):
    """A layout asked for something outside the certificates folder."""


class LayoutFetcher(URLFetcher):
    """Serves files under certificates/ and data: URLs; refuses everything else."""

    def __init__(self, root: Path = LAYOUTS):
        # fail_on_errors: a refused or missing resource stops the rendering instead of leaving
        # a certificate without its font or seal.
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
        self.root = root.resolve()

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise ResourceRefused(f"certificate layouts may not fetch {url!r}")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ResourceRefused(f"certificate layouts may only use files under {self.root}, not {url!r}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})


# --- drawing -------------------------------------------------------------------------------------


# Shared pages kept per process: a bulk run uses one; a few more cover certificates of several
# cohorts or days drawn in turn.
SHARED_PAGES_KEPT = 4
# Slot sizes come back from layout in CSS pixels; a content as tall as its box may measure a hair
# taller.
FIT_TOLERANCE_PX = 0.01


@dataclass
class SharedPage:
    """A shared page drawn once: the PDF, its page as a form (copied under each holder's layer)
    and where its slots are ({name: (left, top, right, bottom)}, CSS pixels)."""

    pdf: pikepdf.Pdf
    form: pikepdf.Object
    slots: dict[str, tuple[float, float, float, float]]


class Renderer:
    """What a process keeps between certificates: fonts, parsed stylesheets, decoded images and
    the last shared pages."""

    def __init__(self, root: Path = LAYOUTS):
        self.root = root
        self.fetcher = LayoutFetcher(root)
        self.font_config = FontConfiguration()
        self.image_cache: dict[str, Any] = {}
        self._stylesheets: dict[str, list[weasyprint.CSS]] = {}
        self._shared: dict[str, SharedPage] = {}
        # Font configuration and caches are shared state: one drawing at a time per process.
        self.lock = threading.Lock()

    def stylesheets(self, layout: str) -> list[weasyprint.CSS]:
        sheets = self._stylesheets.get(layout)
        if sheets is None:
            paths = (self.root / "base.css", self.root / layout / "layout.css")
            sheets = [
                weasyprint.CSS(filename=str(p), url_fetcher=self.fetcher, font_config=self.font_config)
                for p in paths
                if p.is_file()
            ]
            self._stylesheets[layout] = sheets
        return sheets

    def draw(self, prepared: Prepared) -> bytes:
        with self.lock:
            if prepared.shared_html is None:
                return self._draw_whole(prepared)
            return self._draw_layered(prepared)

    def _layout(self, html: str, layout: str) -> weasyprint.Document:
        try:
            return weasyprint.HTML(
                string=html, base_url=self.root.as_uri() + "/", url_fetcher=self.fetcher
            ).render(
                font_config=self.font_config,
                stylesheets=self.stylesheets(layout),
                cache=self.image_cache,
                **PDF_OPTIONS,
            )
        except FatalURLFetchingError as exc:
            # A BaseException in WeasyPrint; as a RenderingFailed job runners report it.
            problem = str(exc.__cause__)
            raise RenderingFailed(
                f"The layout uses a resource it may not: {problem}", reason="resource", detail=problem
            ) from exc

    @staticmethod
    def _one_page(document: weasyprint.Document) -> None:
        if len(document.pages) != 1:
            raise RenderingFailed(
                f"The certificate does not fit on one page ({len(document.pages)} pages).",
                reason="too_long",
                detail=str(len(document.pages)),
            )

    @staticmethod
    def _written(document: weasyprint.Document, prepared: Prepared) -> bytes:
        for key, value in prepared.metadata.items():
            setattr(document.metadata, key, value)
        return document.write_pdf(**PDF_OPTIONS)

    def _draw_whole(self, prepared: Prepared) -> bytes:
        document = self._layout(prepared.html, prepared.layout)
        self._one_page(document)
        written = self._written(document, prepared)
        if prepared.qr_pdf is None:
            return written
        pdf = pikepdf.Pdf.open(io.BytesIO(written))
        _place_qr_code(pdf.pages[0], document.pages[0].anchors[f"slot-{QR_SLOT}"], prepared.qr_pdf)
        return _saved(pdf)

    def _draw_layered(self, prepared: Prepared) -> bytes:
        shared = self._shared_page(prepared)
        document = self._layout(_holder_layer(prepared.slots, shared.slots), prepared.layout)
        anchors = document.pages[0].anchors
        for name, (_, top, _, bottom) in shared.slots.items():
            filled = anchors.get(f"fill-{name}")
            if filled is not None and filled[3] - filled[1] > bottom - top + FIT_TOLERANCE_PX:
                return self._draw_whole(prepared)  # the content needs more room than its box
        holder = pikepdf.Pdf.open(io.BytesIO(self._written(document, prepared)))
        page = holder.pages[0]
        page.add_underlay(holder.copy_foreign(shared.form))
        if prepared.qr_pdf is not None:
            _place_qr_code(page, shared.slots[QR_SLOT], prepared.qr_pdf)
        return _saved(holder)

    def _shared_page(self, prepared: Prepared) -> SharedPage:
        key = hashlib.sha256(f"{prepared.layout}\n{prepared.shared_html}".encode()).hexdigest()
        shared = self._shared.pop(key, None)
        if shared is None:
            document = self._layout(prepared.shared_html, prepared.layout)
            self._one_page(document)
            anchors = document.pages[0].anchors
            slots = {name: anchors[f"slot-{name}"] for name in prepared.slots}
            pdf = pikepdf.Pdf.open(io.BytesIO(document.write_pdf(**PDF_OPTIONS)))
            # Made into a form once: given the page itself, pikepdf would add a new form to the
            # shared PDF for every holder (~30 KB each, kept as long as the page is).
            shared = SharedPage(pdf, pdf.pages[0].as_form_xobject(), slots)
            while len(self._shared) >= SHARED_PAGES_KEPT:
                self._shared.pop(next(iter(self._shared)))  # the least recently used
        self._shared[key] = shared
        return shared


# The certificate's QR box (a slot of _base.html), and what a CSS pixel is in PDF points.
QR_SLOT = "qr"
POINTS_PER_PX = 0.75


def _place_qr_code(page: pikepdf.Page, box: tuple[float, float, float, float], qr_pdf: bytes) -> None:
    """Draw the QR code (segno's vector PDF, see layouts.qr_pdf) on `box` (CSS pixels from the
    page's top left, as WeasyPrint lays it out)."""
    left, top, right, bottom = (value * POINTS_PER_PX for value in box)
    height = float(page.mediabox[3])
    with pikepdf.Pdf.open(io.BytesIO(qr_pdf)) as code:
        page.add_overlay(code.pages[0], pikepdf.Rectangle(left, height - bottom, right, height - top))


def _saved(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _holder_layer(
    slots: dict[str, tuple[str, str]], boxes: dict[str, tuple[float, float, float, float]]
) -> str:
    """The holder's page: each slot's content in a box where the shared page has it, wrapped so
    that its own height can be compared with the box's."""
    parts = []
    for name, (class_names, content) in slots.items():
        left, top, right, bottom = boxes[name]
        place = f"position:absolute;left:{left}px;top:{top}px;width:{right - left}px;height:{bottom - top}px"
        parts.append(
            f'<div class="{escape(class_names)}" style="{place}"><div id="fill-{escape(name)}">{content}</div></div>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body>'
        + "".join(parts)
        + "</body></html>"
    )


_renderer: Renderer | None = None
_renderer_lock = threading.Lock()


def renderer() -> Renderer:
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            _renderer = Renderer()
        return _renderer


def draw(prepared: Prepared) -> bytes:
    return renderer().draw(prepared)


def prepare(cert, *, qr_url: str, supersedes: str | None = None) -> Prepared:
    """The filled layout of `cert` (a Certificate or a Snapshot); `supersedes`: the serial of the
    certificate it replaces, before the two are linked in the database."""
    return layouts.prepare(Snapshot.of(cert, supersedes=supersedes), qr_url)


def render_certificate(cert, *, qr_url: str, supersedes: str | None = None) -> bytes:
    """The PDF of `cert`: one A4 landscape page, PDF/A-3b, with a QR code for `qr_url`."""
    return draw(prepare(cert, qr_url=qr_url, supersedes=supersedes))


# --- many certificates at once -------------------------------------------------------------------


def _exit_when_orphaned(parent: int) -> None:
    # A worker whose parent was killed (kill -9, out of memory) would otherwise wait forever.
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _start_worker(parent: int) -> None:
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    for layout in layouts.layouts():
        renderer().stylesheets(layout)
    layouts.unprintable("")  # loads the fonts' character maps
    # What the worker keeps for its whole life (modules, fonts, stylesheets, labels) leaves the
    # garbage collector's care: otherwise every full collection (several per certificate, as
    # WeasyPrint allocates its boxes) walks those hundreds of thousands of objects again, ~5 %
    # of the CPU time.
    gc.freeze()


def _render_or_failure(snapshot: Snapshot, qr_url: str) -> bytes | RenderingFailed:
    try:
        return render_certificate(snapshot, qr_url=qr_url)
    except RenderingFailed as exc:
        return exc


class BatchRenderer:
    """Renders many certificates, each its own PDF, in `workers` processes.

    The workers are spawned (not forked), so they share no database connection, lock or thread
    with the caller; each builds its fonts and stylesheets once and then fills and draws
    certificate after certificate, while the caller prepares and records the others. With
    `workers=0` each certificate is rendered in this process as it is submitted.

        with BatchRenderer(workers=2) as batch:
            futures = [batch.submit(cert, qr_url) for cert, qr_url in items]
            results = [f.result() for f in futures]   # PDF bytes, or the item's RenderingFailed

    A process using it must guard its main module (`if __name__ == "__main__":`), as spawning
    requires; the `talent` command does.
    """

    def __init__(self, workers: int = 2):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> BatchRenderer:
        if self.workers > 0:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return self

    def __exit__(self, *exc_info) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def submit(self, cert, qr_url: str) -> Future:
        snapshot = Snapshot.of(cert)
        if self._pool is not None:
            return self._pool.submit(_render_or_failure, snapshot, qr_url)
        future: Future = Future()
        future.set_result(_render_or_failure(snapshot, qr_url))
        return future

    def render_all(self, items: Iterable[tuple[Any, str]]) -> Iterator[bytes | RenderingFailed]:
        """Results in the order of `items` ((certificate, QR URL) pairs)."""
        for future in [self.submit(cert, qr_url) for cert, qr_url in items]:
            yield future.result()
