"""`talent serve`: the production web server (gunicorn), started from Python with the app factory."""

from __future__ import annotations

import gc

from gunicorn.app.base import BaseApplication

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_WORKERS = 2
# Threads per worker: a slow client on a poor link then holds one thread, not a whole worker.
# Two, not more: threads of one worker share its interpreter lock, and a request that has waited
# on the database waits again for the lock while the others run (up to 5 ms a turn). Measured
# with benchmarks/verify_load.py (16 clients): the lookup's p99 was 16 ms with 2 threads, 22 ms
# with 4 and 37 ms with 8, for the same throughput.
THREADS_PER_WORKER = 2


def bind_address(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):  # an IPv6 address
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def _settle_worker(worker) -> None:
    """Once the worker has built its app: what it keeps for its whole life (modules, routes,
    translations, compiled statements) leaves the garbage collector's care, so that a full
    collection in the middle of a request walks only what requests made."""
    gc.freeze()


def server_options(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, workers: int = DEFAULT_WORKERS
) -> dict:
    return {
        "bind": bind_address(host, port),
        "workers": workers,
        "worker_class": "gthread",
        "threads": THREADS_PER_WORKER,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "talent",
        # The scheduler is its own process (`talent scheduler`); workers only answer requests.
        "preload_app": False,
        "post_worker_init": _settle_worker,
    }


class TalentServer(BaseApplication):
    """Each worker builds its own app with `create_app()` after the fork: no connection, thread
    or file handle is shared between workers."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from talent import create_app

        return create_app()


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, workers: int = DEFAULT_WORKERS) -> None:
    TalentServer(server_options(host, port, workers)).run()
