"""A tiny local SMTP server for tests (the stdlib smtpd is gone in Python 3.12 and aiosmtpd is not installed):
it speaks enough of RFC 5321 for smtplib (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT)
and keeps every accepted message as an `email.message.EmailMessage`. No TLS, no login: 127.0.0.1 only."""
from __future__ import annotations

import email
import email.policy
import socketserver
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpSink:
    """`SmtpSink.start()`: listening on a free port of 127.0.0.1; `messages` fills as mail arrives."""

    messages: list[Received] = field(default_factory=list)
    port: int = 0
    _server: socketserver.ThreadingTCPServer | None = None
    _thread: threading.Thread | None = None

    @classmethod
    def start(cls) -> "SmtpSink":
        sink = cls()
        sink._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _handler(sink))
        sink._server.daemon_threads = True
        sink.port = sink._server.server_address[1]
        sink._thread = threading.Thread(target=sink._server.serve_forever, daemon=True)
        sink._thread.start()
        return sink

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _handler(sink: SmtpSink) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode("ascii") + b"\r\n")
            self.wfile.flush()

        def handle(self) -> None:
            sender, recipients = "", []
            self.reply("220 localhost test SMTP sink")
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                command = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb = command[:4].upper()
                if verb == "EHLO":
                    self.reply("250-localhost")
                    self.reply("250-8BITMIME")
                    self.reply("250 SMTPUTF8")
                elif verb == "HELO":
                    self.reply("250 localhost")
                elif verb == "MAIL":
                    sender, recipients = _address(command), []
                    self.reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(_address(command))
                    self.reply("250 OK")
                elif verb == "DATA":
                    if not recipients:
                        self.reply("503 need RCPT first")
                        continue
                    self.reply("354 end with <CRLF>.<CRLF>")
                    lines = []
                    while True:
                        line = self.rfile.readline()
                        if not line or line in (b".\r\n", b".\n"):
                            break
                        lines.append(line[1:] if line.startswith(b"..") else line)
                    message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                    sink.messages.append(Received(sender, list(recipients), message))  # type: ignore[arg-type]
                    self.reply("250 OK queued")
                elif verb == "RSET":
                    sender, recipients = "", []
                    self.reply("250 OK")
                elif verb == "NOOP":
                    self.reply("250 OK")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")

    return Handler


def _address(command: str) -> str:
    """"MAIL FROM:<a@b.fi> SIZE=10" -> "a@b.fi"."""
    start, end = command.find("<"), command.find(">")
    return command[start + 1:end] if 0 <= start < end else command.split(":", 1)[-1].strip()
