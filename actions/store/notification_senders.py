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
"""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any, Protocol

import requests

from actions.store.notification_settings import NotificationSettings, SmsGatewaySettings, SmtpSettings
from actions.store.notification_texts import NotificationTexts


class SendFailed(RuntimeError):
    """A notification was not sent; `reason` holds no personal data; `permanent`: retrying cannot help."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Sender(Protocol):
    """One way out (e-mail or SMS)."""

    channel: str

    def send(self, address: str, template: str) -> None:
        """Send the template's notification to the address, or raise `SendFailed`."""


class SmtpSender:
    """E-mail through an SMTP server (stdlib smtplib): optional STARTTLS, then optional login."""

    channel = "email"

    def __init__(self, settings: SmtpSettings, texts: NotificationTexts, read_url: str,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self._settings = settings
        self._texts = texts
        self._read_url = read_url
        self._tls = tls_context  # None: the system's trusted certificates, host name checked

    def message(self, address: str, template: str) -> EmailMessage:
        """The e-mail as it will be sent (plain text, UTF-8)."""
        notification = self._texts.render(template, self.channel, self._read_url)
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

    def __init__(self, settings: SmsGatewaySettings, texts: NotificationTexts, read_url: str) -> None:
        self._settings = settings
        self._texts = texts
        self._read_url = read_url

    def payload(self, address: str, text: str) -> dict[str, Any]:
        """The JSON body the gateway takes (override for another gateway's format)."""
        return {"to": address, "text": text}

    def send(self, address: str, template: str) -> None:
        settings = self._settings
        text = self._texts.render(template, self.channel, self._read_url).body
        try:
            answer = requests.post(settings.url, json=self.payload(address, text), timeout=settings.timeout_seconds,
                                   headers={"Authorization": f"Bearer {settings.token.reveal()}"},
                                   allow_redirects=False)
        except requests.RequestException as error:
            raise SendFailed(type(error).__name__) from error
        if not 200 <= answer.status_code < 300:
            raise SendFailed(f"HTTP {answer.status_code}", permanent=answer.status_code in self.PERMANENT_STATUSES)


def senders_from_settings(settings: NotificationSettings, texts: NotificationTexts) -> dict[str, Sender]:
    """The configured channels' senders, by channel (none configured: an empty mapping)."""
    senders: dict[str, Sender] = {}
    if settings.smtp is not None:
        senders["email"] = SmtpSender(settings.smtp, texts, settings.read_url)
    if settings.sms is not None:
        senders["sms"] = SmsGatewaySender(settings.sms, texts, settings.read_url)
    return senders
