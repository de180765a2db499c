"""Sanic apps served in a thread for HTTP tests, and stopped again (a server left running at
interpreter exit, with its background tasks touching dropped databases, can crash the process);
and the outside services the notification tests send to: a small SMTP server (STARTTLS and login
too) and an HTTP server standing in for an SMS gateway, each on a free local port."""
from __future__ import annotations

import base64
import datetime as dt
import http.server
import ipaddress
import json
import socketserver
import ssl
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ThreadedServer:
    """Runs `app` on 127.0.0.1:`port` in a daemon thread until `stop()`."""

    def __init__(self, app: Any, port: int, probe_url: str) -> None:
        self.app = app
        self.loop: Any = None

        async def remember_loop(_app: Any, loop: Any) -> None:
            self.loop = loop

        app.register_listener(remember_loop, "after_server_start")
        self.thread = threading.Thread(target=lambda: app.run(host="127.0.0.1", port=port, access_log=False,
                                                              register_sys_signals=False, motd=False), daemon=True)
        self.thread.start()
        for _ in range(200):
            try:
                urllib.request.urlopen(probe_url, timeout=1)
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.05)

    def stop(self) -> None:
        if self.loop is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(self.app.stop)
        self.thread.join(timeout=15)


# -- outside services the notification tests send to (issue 18) -------------------------------------

def self_signed_tls(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A certificate for 127.0.0.1 made for the test: (the server's context, a client context trusting it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


@dataclass
class ReceivedMail:
    """One message the test SMTP server accepted."""

    mail_from: str
    recipients: list[str]
    data: bytes
    user: str | None
    tls: bool


@dataclass
class _SmtpState:
    tls_context: ssl.SSLContext | None
    credentials: tuple[str, str] | None
    received: list[ReceivedMail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _SmtpHandler(socketserver.BaseRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO/HELO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET,
    NOOP, QUIT. A login is required when the server has credentials, and offered only over TLS."""

    def handle(self) -> None:
        state: _SmtpState = self.server.state  # type: ignore[attr-defined]
        connection = self.request
        reader = connection.makefile("rb")
        tls, user, mail_from, recipients = False, None, None, []

        def reply(line: str) -> None:
            connection.sendall(line.encode() + b"\r\n")

        reply("220 test-smtp ESMTP")
        while True:
            raw = reader.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb, _, argument = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                lines = ["test-smtp", "8BITMIME"]
                if state.tls_context is not None and not tls:
                    lines.append("STARTTLS")
                if state.credentials is not None and (tls or state.tls_context is None):
                    lines.append("AUTH PLAIN")
                for extension in lines[:-1]:
                    reply(f"250-{extension}")
                reply(f"250 {lines[-1]}")
            elif verb == "STARTTLS" and state.tls_context is not None and not tls:
                reply("220 ready to start TLS")
                connection = state.tls_context.wrap_socket(connection, server_side=True)
                reader = connection.makefile("rb")
                tls, user, mail_from, recipients = True, None, None, []
            elif verb == "AUTH" and argument.upper().startswith("PLAIN"):
                encoded = argument[5:].strip()
                if not encoded:
                    reply("334 ")
                    encoded = reader.readline().decode().strip()
                _zid, login, password = base64.b64decode(encoded).decode().split("\0")
                if state.credentials == (login, password):
                    user = login
                    reply("235 authenticated")
                else:
                    reply("535 authentication failed")
            elif verb == "MAIL":
                if state.credentials is not None and user is None:
                    reply("530 authentication required")
                    continue
                mail_from, recipients = argument.partition(":")[2].strip().split(" ")[0].strip("<>"), []
                reply("250 ok")
            elif verb == "RCPT":
                recipients.append(argument.partition(":")[2].strip().strip("<>"))
                reply("250 ok")
            elif verb == "DATA":
                reply("354 end with <CRLF>.<CRLF>")
                lines_in = []
                while True:
                    data_line = reader.readline()
                    if data_line in (b".\r\n", b".\n", b""):
                        break
                    lines_in.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                with state.lock:
                    state.received.append(ReceivedMail(mail_from or "", list(recipients), b"".join(lines_in), user, tls))
                reply("250 queued")
            elif verb in ("RSET", "NOOP"):
                reply("250 ok")
            elif verb == "QUIT":
                reply("221 bye")
                return
            else:
                reply("502 not implemented")


class _ThreadingTcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpTestServer:
    """A local SMTP server on 127.0.0.1 (a free port) that keeps what it receives, in a thread until
    `stop()`. With `tls_context` it offers STARTTLS; with `credentials` (user, password) it wants a login."""

    def __init__(self, tls_context: ssl.SSLContext | None = None,
                 credentials: tuple[str, str] | None = None) -> None:
        self._server = _ThreadingTcpServer(("127.0.0.1", 0), _SmtpHandler)
        self._server.state = _SmtpState(tls_context, credentials)  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def received(self) -> list[ReceivedMail]:
        state: _SmtpState = self._server.state  # type: ignore[attr-defined]
        with state.lock:
            return list(state.received)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=15)


@dataclass
class ReceivedRequest:
    """One request the test HTTP server answered."""

    path: str
    headers: dict[str, str]
    body: Any


class RecordingHttpServer:
    """A local HTTP server on 127.0.0.1 (a free port) that keeps every POST (JSON body) and answers with
    the statuses given, one per request (the last one repeats)."""

    def __init__(self, statuses: tuple[int, ...] = (200,)) -> None:
        received: list[ReceivedRequest] = []
        answers = list(statuses)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                received.append(ReceivedRequest(self.path, dict(self.headers.items()),
                                                json.loads(raw) if raw else None))
                status = answers.pop(0) if len(answers) > 1 else answers[0]
                body = b'{"status": "ok"}' if status < 300 else b'{"error": "test"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                return

        self.received = received
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=15)
