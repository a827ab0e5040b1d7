"""`talent serve`: gunicorn with the app factory, access log on standard output."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from talent.core.server import TalentServer, server_options

TALENT = str(Path(sys.executable).parent / "talent")


def test_defaults_and_addresses():
    options = server_options()
    assert options["bind"] == "127.0.0.1:5000"
    assert options["workers"] == 2
    assert options["accesslog"] == "-"
    assert server_options("::1", 8080, 4)["bind"] == "[::1]:8080"
    server = TalentServer(server_options("0.0.0.0", 8000, 3))
    assert server.cfg.bind == ["0.0.0.0:8000"] and server.cfg.workers == 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_requests_and_logs_them_to_stdout(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENT_")}
    env.update(TALENT_DATA_DIR=str(tmp_path), TALENT_ENV="development")
    server = subprocess.Popen(
        [TALENT, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert body is not None, (
            server.stderr.read() if server.poll() is not None else "server did not answer"
        )
        assert '"status": "ok"' in body.replace('":"', '": "')
    finally:
        server.send_signal(signal.SIGTERM)
        stdout, stderr = server.communicate(timeout=30)
    assert "GET /healthz" in stdout, (stdout, stderr)
    assert server.returncode == 0
