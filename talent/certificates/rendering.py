"""Certificate PDFs: the only module that imports WeasyPrint.

`render_certificate` fills the certificate's layout (layouts.py) and draws it: one A4 landscape
page, PDF/A-3b, with its token and verification URL in the metadata. Each process keeps one
`Renderer` — font configuration, parsed stylesheets and decoded images are built once and
reused — and `BatchRenderer` renders many certificates in worker processes.

WeasyPrint may read only files under certificates/ (and data: URLs, for the QR code): a layout
that names anything else — another file, the network — stops the rendering with an error.
"""

from __future__ import annotations

import gc
import hashlib
import mimetypes
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

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


class Renderer:
    """What a process keeps between certificates: fonts, parsed stylesheets, decoded images."""

    def __init__(self, root: Path = LAYOUTS):
        self.root = root
        self.fetcher = LayoutFetcher(root)
        self.font_config = FontConfiguration()
        self.image_cache: dict[str, Any] = {}
        self._stylesheets: dict[str, list[weasyprint.CSS]] = {}
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
            try:
                document = weasyprint.HTML(
                    string=prepared.html, base_url=self.root.as_uri() + "/", url_fetcher=self.fetcher
                ).render(
                    font_config=self.font_config,
                    stylesheets=self.stylesheets(prepared.layout),
                    cache=self.image_cache,
                    **PDF_OPTIONS,
                )
            except FatalURLFetchingError as exc:
                # A BaseException in WeasyPrint; as a RenderingFailed job runners report it.
                problem = str(exc.__cause__)
                raise RenderingFailed(
                    f"The layout uses a resource it may not: {problem}", reason="resource", detail=problem
                ) from exc
            if len(document.pages) != 1:
                raise RenderingFailed(
                    f"The certificate does not fit on one page ({len(document.pages)} pages).",
                    reason="too_long",
                    detail=str(len(document.pages)),
                )
            for key, value in prepared.metadata.items():
                setattr(document.metadata, key, value)
            try:
                return document.write_pdf(**PDF_OPTIONS)
            finally:
                self._forget_data_urls()

    def _forget_data_urls(self) -> None:
        """Drop what WeasyPrint cached for data: URLs: each certificate's QR code is one of its
        own, never drawn again, and would stay in the cache (three entries) for the whole run."""
        for url in [key for key in self.image_cache if key.startswith("data:")]:
            del self.image_cache[url]
            # WeasyPrint keeps a raster image's data under the MD5 of its URL.
            prefix = hashlib.md5(url.encode(), usedforsecurity=False).hexdigest() + "-"
            for key in [key for key in self.image_cache if key.startswith(prefix)]:
                del self.image_cache[key]


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
