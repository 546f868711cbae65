"""TLS options against a real https server (stdlib, self-signed): a certificate failure is said to be
one, ``--ca-bundle`` and ``REQUESTS_CA_BUNDLE`` are honoured, ``--insecure`` is loud."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.servers import zscontract

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


class _NotFound(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        body = b"no api mapping"
        self.send_response(404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An https server with a self-signed certificate for 127.0.0.1; yields its URL and the certificate."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()


def _run(url: str, tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return zscontract("run", "--target-url", url, "--session-uuid", "a" * 32, "--model-service-uuid", "b" * 32,
                      "--request-timeout", "5", "--report-dir", str(tmp_path / "reports"), *extra, env=env)


def test_an_unknown_ca_is_a_certificate_failure_not_unreachable(https_server: tuple[str, Path],
                                                                tmp_path: Path) -> None:
    url, _ = https_server
    proc = _run(url, tmp_path)
    assert proc.returncode == 3, proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert "TLS certificate check failed" in line and "--ca-bundle" in line


@pytest.mark.parametrize("how", ["flag", "env"])
def test_the_ca_bundle_is_honoured(https_server: tuple[str, Path], tmp_path: Path, how: str) -> None:
    url, cert = https_server
    proc = (_run(url, tmp_path, "--ca-bundle", str(cert)) if how == "flag"
            else _run(url, tmp_path, env={"REQUESTS_CA_BUNDLE": str(cert)}))
    assert proc.returncode == 3, proc.stderr  # past TLS: this server has no such resource
    assert "TLS" not in proc.stderr and "cannot read model service" in proc.stderr


def test_insecure_skips_the_check_and_says_so(https_server: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = https_server
    proc = _run(url, tmp_path, "--insecure")
    assert proc.returncode == 3 and "TLS" not in proc.stderr, proc.stderr
    assert "WARNING: --insecure" in proc.stdout
