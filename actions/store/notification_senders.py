"""Sending a notification: real SMTP, and an SMS gateway adapter with the same interface.

A sender has a `channel` ("email" or "sms") and `send(address, template)`, which renders the
template's Finnish text (`notification_texts.yml`, only the own space's address filled in) and sends
it, or raises `SendFailed`. The reason a failure carries is short and holds no personal data (an
exception's type, an SMTP reply code, an HTTP status): it is what the outbox keeps and the log
says. `permanent` marks a failure that retrying cannot mend (the server refused the address, or the
message needs an extension the server lacks, like SMTPUTF8 for an address with non-ASCII letters).

The SMS gateway adapter posts JSON `{"to": "+358...", "text": "..."}` with `Authorization: Bearer
<token>`; a 2xx answer is sent. A region whose gateway wants another body adds a subclass that
overrides `payload`.

A guidance path (template `guidance_path:<digest>`, issue 20) is found in the live library when sent
(`LibraryPaths`): the e-mail's subject gets the path's title and its body the path as plain text (title,
text, contacts, links); a text message gets the title and the links (or the text, shortened, when the path
has no link). A path no longer in the library is a permanent failure.
"""
from __future__ import annotations

import smtplib
import ssl
import threading
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any, Callable, Protocol

import requests

from actions.store.notification_settings import NotificationSettings, SmsGatewaySettings, SmtpSettings
from actions.store.notification_texts import Notification, NotificationTexts
from actions.store.outbox import GUIDANCE_PATH, path_digest, template_parts

MAX_SMS_PATH_TEXT = 480  # characters of a path's text in a text message when the path has no link


class SendFailed(RuntimeError):
    """A notification was not sent; `reason` holds no personal data; `permanent`: retrying cannot help."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class LibraryPaths:
    """The guidance paths a sender can send, found by their digest in the library `library()` returns
    (default: the live library of this process's settings, loaded on first use)."""

    def __init__(self, library: Callable[[], Any] | None = None) -> None:
        self._library = library
        self._lock = threading.Lock()

    def _current(self) -> Any:
        with self._lock:
            if self._library is None:
                from bot.settings import library_sources  # noqa: PLC0415 - only a sender that sends a path needs it
                from guidance_library.live import LiveLibrary  # noqa: PLC0415
                live = LiveLibrary(library_sources(), lambda built: built)
                self._library = live.current
        return self._library()

    def rendered(self, digest: str) -> Any:
        """The path's resident-facing text (`RenderedPath`), or `SendFailed` (permanent) if it is gone."""
        from guidance_library.rendering import render_path  # noqa: PLC0415
        library = self._current()
        for path in library.paths:
            if path_digest(path.id) == digest:
                return render_path(path, library)
        raise SendFailed("guidance path not in the library", permanent=True)


def render_notification(texts: NotificationTexts, template: str, channel: str, read_url: str,
                        paths: LibraryPaths) -> Notification:
    """A template's notification; a guidance path's with the path's title and text added."""
    base, digest = template_parts(template)
    notification = texts.render(base, channel, read_url)
    if base != GUIDANCE_PATH or digest is None:
        return notification
    path = paths.rendered(digest)
    if channel == "email":
        return Notification(f"{notification.subject}: {path.title}",
                            f"{notification.body.rstrip()}\n\n{path.as_text().strip()}\n")
    links = " ".join(f"{link.name}: {link.url}" for link in path.links)
    if not links:
        text = " ".join(path.text.split())
        links = text if len(text) <= MAX_SMS_PATH_TEXT else text[:MAX_SMS_PATH_TEXT - 1].rstrip() + "…"
    return Notification(notification.subject, f"{path.title}. {links} {notification.body}")


class Sender(Protocol):
    """One way out (e-mail or SMS)."""

    channel: str

    def send(self, address: str, template: str) -> None:
        """Send the template's notification to the address, or raise `SendFailed`."""


class SmtpSender:
    """E-mail through an SMTP server (stdlib smtplib): optional STARTTLS, then optional login."""

    channel = "email"

    def __init__(self, settings: SmtpSettings, texts: NotificationTexts, read_url: str,
                 tls_context: ssl.SSLContext | None = None, paths: LibraryPaths | None = None) -> None:
        self._settings = settings
        self._texts = texts
        self._read_url = read_url
        self._tls = tls_context  # None: the system's trusted certificates, host name checked
        self._paths = paths or LibraryPaths()

    def message(self, address: str, template: str) -> EmailMessage:
        """The e-mail as it will be sent (plain text, UTF-8)."""
        notification = render_notification(self._texts, template, self.channel, self._read_url, self._paths)
        message = EmailMessage()
        message["From"] = formataddr((self._settings.from_name, self._settings.from_address)) \
            if self._settings.from_name else self._settings.from_address
        message["To"] = address
        message["Subject"] = notification.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self._settings.from_address.rpartition("@")[2])
        message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
        message.set_content(notification.body)
        return message

    def send(self, address: str, template: str) -> None:
        settings = self._settings
        message = self.message(address, template)
        try:
            with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds) as smtp:
                smtp.ehlo()
                if settings.starttls:
                    smtp.starttls(context=self._tls or ssl.create_default_context())
                    smtp.ehlo()
                if settings.username is not None and settings.password is not None:
                    smtp.login(settings.username, settings.password.reveal())
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise SendFailed("SMTP recipient refused", permanent=True) from error
        except smtplib.SMTPNotSupportedError as error:  # e.g. an address that needs SMTPUTF8: every try fails alike
            raise SendFailed("SMTP not supported (SMTPNotSupportedError)", permanent=True) from error
        except smtplib.SMTPResponseException as error:  # sender refused, data refused, login refused, ...
            raise SendFailed(f"SMTP {error.smtp_code} ({type(error).__name__})") from error
        except (smtplib.SMTPException, ssl.SSLError, OSError) as error:  # refused, timed out, TLS, gone
            raise SendFailed(type(error).__name__) from error


class SmsGatewaySender:
    """Text messages through an HTTP gateway: a JSON POST with a bearer token (requests)."""

    channel = "sms"
    PERMANENT_STATUSES = frozenset({400, 422})  # the gateway refused this message or number

    def __init__(self, settings: SmsGatewaySettings, texts: NotificationTexts, read_url: str,
                 paths: LibraryPaths | None = None) -> None:
        self._settings = settings
        self._texts = texts
        self._read_url = read_url
        self._paths = paths or LibraryPaths()

    def payload(self, address: str, text: str) -> dict[str, Any]:
        """The JSON body the gateway takes (override for another gateway's format)."""
        return {"to": address, "text": text}

    def send(self, address: str, template: str) -> None:
        settings = self._settings
        text = render_notification(self._texts, template, self.channel, self._read_url, self._paths).body
        try:
            answer = requests.post(settings.url, json=self.payload(address, text), timeout=settings.timeout_seconds,
                                   headers={"Authorization": f"Bearer {settings.token.reveal()}"},
                                   allow_redirects=False)
        except requests.RequestException as error:
            raise SendFailed(type(error).__name__) from error
        if not 200 <= answer.status_code < 300:
            raise SendFailed(f"HTTP {answer.status_code}", permanent=answer.status_code in self.PERMANENT_STATUSES)


def senders_from_settings(settings: NotificationSettings, texts: NotificationTexts,
                          paths: LibraryPaths | None = None) -> dict[str, Sender]:
    """The configured channels' senders, by channel (none configured: an empty mapping); `paths`: where a
    guidance path is found (default: this process's live library)."""
    senders: dict[str, Sender] = {}
    paths = paths or LibraryPaths()
    if settings.smtp is not None:
        senders["email"] = SmtpSender(settings.smtp, texts, settings.read_url, paths=paths)
    if settings.sms is not None:
        senders["sms"] = SmsGatewaySender(settings.sms, texts, settings.read_url, paths=paths)
    return senders
