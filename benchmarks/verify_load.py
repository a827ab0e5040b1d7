"""Load benchmark: the public certificate lookup against a hello-world baseline, same machine, same run.

    .venv/bin/python benchmarks/verify_load.py [--duration 10] [--rounds 3] [--connections 16]

Prepares a SQLite database with signed certificates in a temporary data folder, then serves, each
on its own loopback port:
  * the application, exactly as `talent serve` runs it (gunicorn, gthread, 2 workers, access log),
    except that rate limiting is off — 16 clients from one address would otherwise be throttled;
  * a hello-world Flask app answering a small JSON document, served the same way.
The app's /healthz (one `SELECT 1`) is measured too: it is what any request of the app costs before
its own work, and tells the lookup's own cost from the stack's.
Each is driven by `wrk` (or, when it is not installed, a Python keep-alive client) with 16
concurrent connections for a fixed duration: `GET /api/v1/certificates/<serial>`, cycling through
the certificates, and `GET /hello`, in alternating rounds (a change in the machine's other load then
hits both alike). Every lookup is a real one, and so also counts a verification. Prints the median
requests/s and p50/p99 latency of both over the rounds, and the ratio.
Goal: at least 50 % of the hello-world throughput, and p99 ≤ 25 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATIO = 0.5
GOAL_P99_MS = 25.0
BASE_URL = "http://bench.test"


# --- the two servers (run in child processes: `verify_load.py serve talent|hello PORT`) ---------


def _serve(which: str, port: int) -> None:
    from gunicorn.app.base import BaseApplication

    from talent.core.server import server_options

    class BenchServer(BaseApplication):
        def load_config(self):
            for key, value in server_options("127.0.0.1", port).items():
                self.cfg.set(key, value)

        def load(self):
            return _talent_app() if which == "talent" else _hello_app()

    BenchServer().run()


def _talent_app():
    from talent import create_app

    # Configuration comes from the TALENT_* variables set by the parent, as for `talent serve`.
    return create_app({"RATELIMIT_ENABLED": False})


def _hello_app():
    from flask import Flask, jsonify

    app = Flask("hello")

    @app.get("/hello")
    def hello():
        return jsonify(message="hello", status="ok")

    return app


# --- preparing the database --------------------------------------------------------------------


def _prepare(data_dir: Path, count: int) -> list[str]:
    import hashlib
    from datetime import date, timedelta

    from talent import create_app
    from talent.certificates import signing
    from talent.certificates.models import Certificate, CertificateKind
    from talent.certificates.serials import new_serial
    from talent.core.setup import initialise_database
    from talent.extensions import db

    app = create_app()
    serials = []
    with app.app_context():
        initialise_database()
        for n in range(count):
            serial = new_serial()
            cert = Certificate(
                serial=serial,
                kind=CertificateKind.COURSE_COMPLETION,
                holder_name=f"Benchmark Holder {n}",
                holder_name_native="基准",
                title="Industrial robotics: operation and maintenance",
                details={"theory_hours": 40, "practice_hours": 120, "competencies": ["Operate", "Program"]},
                issued_on=date.today() - timedelta(days=n % 365),
                issuer_name="Tianjin Vocational Institute",
                issuer_country="CN",
                template="course_completion",
                languages=["en", "zh"],
                token="",
                key_id="",
                sha256=hashlib.sha256(serial.encode()).hexdigest(),
            )
            cert.token = signing.sign_certificate_token(cert)
            db.session.add(cert)
            serials.append(serial)
        db.session.commit()
    return serials


# --- driving load ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not answer {path} within {timeout} s")


def _wrk(port: int, paths: list[str], duration: int, connections: int, workdir: Path) -> dict:
    script = workdir / f"paths-{port}.lua"
    listed = ",".join(f'"{p}"' for p in paths)
    script.write_text(
        f"local paths = {{{listed}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )
    threads = min(connections, os.cpu_count() or 2)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    def latency(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": int(errors.group(1)) if errors else 0,
        "note": socket_errors.group(1) if socket_errors else "",
    }


def _python_client(port: int, paths: list[str], duration: int, connections: int, workdir: Path) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine, i = [], offset
        while time.monotonic() < stop_at:
            path = paths[i % len(paths)]
            i += 1
            start = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - start) * 1000)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / duration,
        "p50": cuts[49],
        "p99": cuts[98],
        "errors": errors[0],
        "note": "",
    }


def _start(which: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "serve", which, str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return server, port


def _median(results: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of measured load per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are reported")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--certificates", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="talent-bench-") as tmp:
        workdir = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TALENT_")}
        env.update(
            TALENT_DATA_DIR=str(workdir / "data"),
            TALENT_BASE_URL=BASE_URL,
            TALENT_SECRET_KEY="benchmark-only",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        )
        os.environ.update({k: v for k, v in env.items() if k.startswith("TALENT_")})
        serials = _prepare(workdir / "data", args.certificates)
        targets = {
            "hello-world baseline (GET /hello)": ("hello", ["/hello"]),
            # The same app's cheapest database round trip: what every request pays before its own work.
            "application floor (GET /healthz)": ("talent", ["/healthz"]),
            "certificate lookup (GET /api/v1/certificates/<serial>)": (
                "talent",
                [f"/api/v1/certificates/{serial}" for serial in serials],
            ),
        }
        drive = _wrk if shutil.which("wrk") else _python_client
        driver = "wrk" if drive is _wrk else "Python keep-alive client (wrk not installed)"
        print(
            f"{args.connections} connections, {args.rounds} rounds of {args.duration} s each, "
            f"driver: {driver}, CPUs: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}"
        )
        servers = {which: _start(which, env) for which in ("hello", "talent")}
        results: dict[str, list[dict]] = {label: [] for label in targets}
        try:
            for which, paths in targets.values():
                port = servers[which][1]
                _wait_ready(port, paths[0])
                drive(port, paths, 3, args.connections, workdir)  # warm-up: workers, caches, connections
            # Alternating rounds, so that a change in the machine's other load hits every target alike.
            for _ in range(args.rounds):
                for label, (which, paths) in targets.items():
                    results[label].append(
                        drive(servers[which][1], paths, args.duration, args.connections, workdir)
                    )
        finally:
            for server, _ in servers.values():
                server.terminate()
                server.wait(timeout=30)
    summary = {}
    for label, rounds in results.items():
        summary[label] = {key: _median(rounds, key) for key in ("rps", "p50", "p99")}
        errors = sum(r["errors"] for r in rounds)
        per_round = ", ".join(f"{r['rps']:.0f}" for r in rounds)
        row = summary[label]
        print(
            f"{label:58} {row['rps']:7.0f} req/s   p50 {row['p50']:6.2f} ms   p99 {row['p99']:6.2f} ms"
            f"   (rounds: {per_round} req/s; non-200: {errors})"
        )
        summary[label]["errors"] = errors
    hello, floor, lookup = summary.values()
    ratio = lookup["rps"] / hello["rps"]
    ok = ratio >= GOAL_RATIO and lookup["p99"] <= GOAL_P99_MS and lookup["errors"] == 0
    print(f"application floor: {floor['rps'] / hello['rps']:.0%} of hello-world throughput")
    print(
        f"lookup: {ratio:.0%} of hello-world throughput (goal ≥ {GOAL_RATIO:.0%}), "
        f"p99 {lookup['p99']:.1f} ms (goal ≤ {GOAL_P99_MS:g} ms): {'met' if ok else 'NOT met'}; "
        f"load average after: {os.getloadavg()[0]:.1f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        _serve(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(main())
