"""The notification outbox: addresses, the queue on SQLite and PostgreSQL, delivery with retries and
giving up, real SMTP against a local SMTP server (plain, and STARTTLS with a login), and the SMS
gateway adapter against a local HTTP server; the settings and the texts."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging

import pytest
import yaml
from sqlalchemy import select

from actions.store.access import InputRefused
from actions.store.database import make_engine, make_session_factory
from actions.store.delivery import deliver_due
from actions.store.messages import MessageStore
from actions.store.models import OutboxNotification
from actions.store.notification_senders import SendFailed, SmsGatewaySender, SmtpSender, senders_from_settings
from actions.store.notification_settings import NotificationSettings, SmsGatewaySettings, SmtpSettings
from actions.store.notification_texts import load_notification_texts
from actions.store.outbox import OutboxStore, RetryPolicy, email_address, sms_number
from actions.store.person_key import person_key
from bot.settings import Secret
from tests.conftest import PROJECT_DIR
from tests.helpers import all_at_once
from tests.servers import RecordingHttpServer, SmtpTestServer, self_signed_tls
from tests.test_secure_messages import MESSAGE, RESIDENT, SECRET

NOW = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.timezone.utc)
READ_URL = "https://hyvinvointialue.example.fi/omat-asiat"
ADDRESS = "maija.meikalainen@example.fi"
POLICY = RetryPolicy(max_attempts=3, first_delay=dt.timedelta(minutes=2), max_delay=dt.timedelta(hours=2))
ME = person_key(RESIDENT, SECRET)


@pytest.fixture
def outbox(database_url):
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    yield OutboxStore(sessions, clock=lambda: NOW)
    engine.dispose()


@pytest.fixture(scope="module")
def texts():
    return load_notification_texts()


class FakeSender:
    """A sender that fails as told (None: succeeds) and keeps what it sent."""

    def __init__(self, channel: str = "email", failures: list[SendFailed | None] | None = None) -> None:
        self.channel = channel
        self.failures = list(failures or [])
        self.sent: list[tuple[str, str]] = []

    def send(self, address: str, template: str) -> None:
        failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            raise failure
        self.sent.append((address, template))


def rows(outbox: OutboxStore) -> list[OutboxNotification]:
    with outbox._sessions() as session:
        return list(session.execute(select(OutboxNotification).order_by(OutboxNotification.id)).scalars())


def smtp_settings(port: int, **changes) -> SmtpSettings:
    return SmtpSettings(**{"host": "127.0.0.1", "port": port, "from_address": "ei-vastausta@hyvinvointialue.example.fi",
                           "timeout_seconds": 5, **changes})


# -- addresses and the queue ---------------------------------------------------------------------------

def test_addresses_are_checked_and_one_per_person(outbox) -> None:
    assert email_address(" maija@example.fi ") == "maija@example.fi" and email_address("maija@") is None
    assert sms_number("040 765 4321") == "+358407654321"
    assert sms_number("09 1234 5678") is None and sms_number("112") is None  # a landline gets no text messages
    outbox.set_address(ME, "email", "maija@example.fi")
    assert outbox.set_address(ME, "sms", "+358 40 765 4321").address == "+358407654321"
    assert (outbox.address_of(ME).channel, outbox.address_of(ME).address) == ("sms", "+358407654321")
    for channel, address, field in (("email", "ei osoite", "address"), ("sms", "09 1234 5678", "address"),
                                    ("pigeon", "maija@example.fi", "channel")):
        with pytest.raises(InputRefused) as refused:
            outbox.set_address(ME, channel, address)
        assert refused.value.field == field
    assert outbox.remove_address(ME) and outbox.address_of(ME) is None
    with pytest.raises(ValueError, match="template"):
        outbox.enqueue("email", ADDRESS, "viestin sisalto")


def test_only_ascii_e_mail_addresses_are_taken(outbox) -> None:
    for address in ("mäki@esimerkki.fi", "maija@esimerkki.fï", "ääkkönen@example.fi"):
        assert email_address(address) is None, address
        with pytest.raises(InputRefused) as refused:
            outbox.set_address(ME, "email", address)
        assert refused.value.field == "address"
    assert outbox.address_of(ME) is None


def test_an_address_the_smtp_server_cannot_take_is_given_up_at_once(outbox, texts) -> None:
    server = SmtpTestServer()  # no SMTPUTF8: an address with non-ASCII letters cannot be sent
    try:
        with pytest.raises(SendFailed) as failed:
            SmtpSender(smtp_settings(server.port), texts, READ_URL).send("mäki@esimerkki.fi", "new_message")
        received = server.received
    finally:
        server.stop()
    assert failed.value.permanent and "SMTPNotSupportedError" in failed.value.reason and received == []


def test_a_stored_address_no_longer_accepted_queues_nothing_and_the_message_is_stored(database_url, caplog) -> None:
    from actions.store.accounts import AccountStore
    from actions.store.models import NotificationAddress, SecureMessage
    from actions.store.office_hours import OfficeHours
    from actions.store.tickets import TicketStore
    from tests.test_secure_messages import PASSWORD, draft

    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        pro = AccountStore(sessions).create("maija.m", "Maija", "professional", PASSWORD)
        tickets = TicketStore(sessions, OfficeHours(), clock=lambda: NOW)
        ticket, _ = tickets.create(draft(), "conv-1:form")
        tickets.claim(pro, ticket.id)
        with sessions.begin() as session:  # stored before the check took only ASCII
            session.add(NotificationAddress(person_key=ME, channel="email", address="mäki@esimerkki.fi",
                                            updated_at=NOW))
        with caplog.at_level(logging.WARNING, logger="actions.store.messages"):
            _message, created = MessageStore(sessions, SECRET, clock=lambda: NOW).add_staff_message(
                pro, ticket.id, MESSAGE, "s1")
        with sessions() as session:
            assert created and len(session.execute(select(SecureMessage)).all()) == 1
            assert session.execute(select(OutboxNotification)).first() is None
        assert "mäki" not in caplog.text and "no longer accepted" in caplog.text
    finally:
        engine.dispose()


def test_the_back_off_doubles_up_to_its_limit() -> None:
    policy = RetryPolicy()
    assert [policy.delay(n).total_seconds() / 60 for n in range(1, 9)] == [2, 4, 8, 16, 32, 64, 120, 120]


def test_a_due_notification_is_sent_once_and_marked(outbox) -> None:
    outbox.enqueue("email", ADDRESS, "new_message", person_key=ME)
    sender = FakeSender()

    report = deliver_due(outbox, {"email": sender}, policy=POLICY)

    assert (report.sent, report.retrying, report.given_up) == (1, 0, 0)
    assert sender.sent == [(ADDRESS, "new_message")]
    [row] = rows(outbox)
    assert (row.sent_at, row.attempts, row.last_error) == (NOW, 1, None)
    assert deliver_due(outbox, {"email": sender}, policy=POLICY).sent == 0 and len(sender.sent) == 1
    assert outbox.counts().waiting == 0


def test_two_runners_at_once_send_a_notification_once(outbox) -> None:
    for _ in range(3):
        outbox.enqueue("email", ADDRESS, "new_message")
    sender = FakeSender()
    reports = all_at_once(lambda _: deliver_due(outbox, {"email": sender}, policy=POLICY), range(3))
    assert not any(isinstance(r, Exception) for r in reports), reports
    assert sum(r.sent for r in reports) == 3 and len(sender.sent) == 3
    assert all(row.attempts == 1 for row in rows(outbox))


def test_a_slow_round_never_lets_another_replica_send_the_same_row(outbox) -> None:
    """Replica A's sends take 3 minutes each (a slow server; a lease is 5); replica B's runner comes while A
    sends its second row. Rows are claimed one at a time, so B takes only the row A has not started: each
    is sent once. (A whole round claimed at once had left B the second and third rows again.)"""
    for n in range(3):
        outbox.enqueue("email", f"asukas{n}@example.fi", "new_message")
    clock = {"now": NOW}
    replica_a = OutboxStore(outbox._sessions, clock=lambda: clock["now"])
    by_a: list[str] = []
    replica_b = FakeSender()

    class SlowSender(FakeSender):
        def send(self, address: str, template: str) -> None:
            clock["now"] += dt.timedelta(minutes=3)
            if len(by_a) == 1:  # during A's second send, six minutes on: B's runner
                deliver_due(outbox, {"email": replica_b}, clock["now"], POLICY)
            by_a.append(address)

    report_a = deliver_due(replica_a, {"email": SlowSender()}, policy=POLICY)

    assert by_a == ["asukas0@example.fi", "asukas1@example.fi"] and replica_b.sent == [("asukas2@example.fi",
                                                                                          "new_message")]
    assert report_a.sent == 2 and all(row.attempts == 1 and row.sent_at is not None for row in rows(outbox))


def test_a_stale_claim_marks_nothing(outbox) -> None:
    outbox.enqueue("email", ADDRESS, "new_message")
    [first] = outbox.at(NOW).claim_due(1, POLICY)
    [again] = outbox.at(NOW + POLICY.lease + dt.timedelta(seconds=1)).claim_due(1, POLICY)  # the lease ran out
    assert (first.attempts, again.attempts) == (1, 2)
    assert outbox.mark_sent(first.id, attempt=first.attempts) is False  # the first runner's claim is gone
    assert outbox.mark_failed(first.id, "TimeoutError", POLICY, attempt=first.attempts).last_error is None
    assert outbox.mark_sent(again.id, attempt=again.attempts) is True


def test_a_failure_is_retried_with_back_off_then_given_up_and_stays_visible(outbox, caplog) -> None:
    outbox.enqueue("email", ADDRESS, "new_message", person_key=ME)
    sender = FakeSender(failures=[SendFailed("ConnectionRefusedError")] * 5)
    caplog.set_level(logging.INFO, logger="actions.store.delivery")

    first = deliver_due(outbox, {"email": sender}, NOW, POLICY)
    [row] = rows(outbox)
    assert first.retrying == 1 and row.next_attempt_at == NOW + dt.timedelta(minutes=2)
    assert row.last_error == "ConnectionRefusedError" and outbox.counts().retrying == 1
    assert deliver_due(outbox, {"email": sender}, NOW + dt.timedelta(minutes=1), POLICY).retrying == 0  # not yet due
    second = deliver_due(outbox, {"email": sender}, NOW + dt.timedelta(minutes=2), POLICY)
    assert second.retrying == 1 and rows(outbox)[0].next_attempt_at == NOW + dt.timedelta(minutes=6)
    third = deliver_due(outbox, {"email": sender}, NOW + dt.timedelta(minutes=6), POLICY)

    assert third.given_up == 1 and sender.sent == []
    [row] = rows(outbox)
    assert row.attempts == 3 and row.given_up_at == NOW + dt.timedelta(minutes=6) and row.sent_at is None
    assert outbox.counts() == outbox.counts().__class__(waiting=0, retrying=0, given_up=1)
    assert outbox.given_up_count() == 1
    assert deliver_due(outbox, {"email": sender}, NOW + dt.timedelta(days=1), POLICY).given_up == 0  # once given up
    gave_up = [r for r in caplog.records if "given up" in r.getMessage()]
    assert len(gave_up) == 1 and gave_up[0].levelno == logging.WARNING
    assert all(ADDRESS not in r.getMessage() and "maija" not in r.getMessage() for r in caplog.records)


def test_a_permanent_failure_is_given_up_at_once_and_a_missing_channel_is_retried(outbox) -> None:
    outbox.enqueue("email", ADDRESS, "new_message")
    outbox.enqueue("sms", "040 765 4321", "new_message")
    report = deliver_due(outbox, {"email": FakeSender(failures=[SendFailed("SMTP recipient refused", True)])},
                         policy=POLICY)
    assert (report.given_up, report.retrying) == (1, 1)
    email_row, sms_row = rows(outbox)
    assert email_row.given_up_at == NOW and email_row.attempts == 1
    assert sms_row.given_up_at is None and sms_row.last_error == "no sms sender configured"


class BrokenSender:
    """A sender with a bug: every send raises something other than SendFailed, naming the address."""

    def send(self, address: str, template: str) -> None:
        raise KeyError(f"no text for {template} to {address}")


def test_an_unexpected_error_while_sending_is_retried_then_given_up_without_the_address(outbox, caplog) -> None:
    outbox.enqueue("email", ADDRESS, "new_message")
    outbox.enqueue("email", "toinen@example.fi", "new_message")
    first = deliver_due(outbox, {"email": BrokenSender()}, NOW, POLICY)
    assert first.retrying == 2  # the round went on to the second row
    assert {row.last_error for row in rows(outbox)} == {"unexpected error: KeyError"}
    later = NOW
    for _ in range(POLICY.max_attempts - 1):
        later += dt.timedelta(days=1)
        deliver_due(outbox, {"email": BrokenSender()}, later, POLICY)
    assert all(row.given_up_at is not None and row.sent_at is None for row in rows(outbox))
    assert outbox.counts().given_up == 2
    assert all(ADDRESS not in r.getMessage() and "toinen" not in r.getMessage() for r in caplog.records)


def test_sent_and_given_up_notifications_are_deleted_after_a_week(outbox) -> None:
    outbox.enqueue("email", ADDRESS, "new_message")
    outbox.enqueue("email", "toinen@example.fi", "new_message")
    outbox.enqueue("email", "kolmas@example.fi", "new_message")
    failures = [None, SendFailed("x", permanent=True), SendFailed("y")]  # sent, given up, tried again later
    deliver_due(outbox, {"email": FakeSender(failures=failures)}, policy=POLICY)
    assert outbox.at(NOW + dt.timedelta(days=6)).purge() == 0
    assert outbox.at(NOW + dt.timedelta(days=8)).purge() == 2
    assert len(rows(outbox)) == 1  # the one still waiting stays


# -- real SMTP ------------------------------------------------------------------------------------------

def test_a_staff_message_reaches_the_local_smtp_server_as_a_content_free_notification(database_url, texts) -> None:
    from actions.store.accounts import AccountStore
    from actions.store.office_hours import OfficeHours
    from actions.store.tickets import TicketStore
    from tests.test_secure_messages import PASSWORD, draft

    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    pro = AccountStore(sessions).create("maija.m", "Maija", "professional", PASSWORD)
    tickets = TicketStore(sessions, OfficeHours(), clock=lambda: NOW)
    ticket, _ = tickets.create(draft(), "conv-1:form")
    tickets.claim(pro, ticket.id)
    outbox = OutboxStore(sessions, clock=lambda: NOW)
    outbox.set_address(ME, "email", ADDRESS)
    MessageStore(sessions, SECRET, clock=lambda: NOW).add_staff_message(pro, ticket.id, MESSAGE, "s1")
    server = SmtpTestServer()
    try:
        named = smtp_settings(server.port, from_name="Asiakasohjaus")
        report = deliver_due(outbox, {"email": SmtpSender(named, texts, READ_URL)}, policy=POLICY)
        received = server.received
    finally:
        server.stop()
        engine.dispose()

    assert report.sent == 1
    [mail] = received
    assert mail.recipients == [ADDRESS] and mail.mail_from == "ei-vastausta@hyvinvointialue.example.fi"
    parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
    body = parsed.get_body().get_content()
    assert parsed["Subject"] == "Sinulle on uusi viesti" and parsed["To"] == ADDRESS
    assert parsed["From"] == "Asiakasohjaus <ei-vastausta@hyvinvointialue.example.fi>"
    assert "uusi viesti" in body and READ_URL in body and "112" in body
    assert "terveysasemalle" not in body and RESIDENT not in mail.data.decode("utf-8", "replace")


def test_smtp_with_starttls_and_a_login(tmp_path, texts) -> None:
    server_tls, client_tls = self_signed_tls(tmp_path)
    server = SmtpTestServer(tls_context=server_tls, credentials=("opastaja", "smtp-salasana"))
    try:
        good = SmtpSender(smtp_settings(server.port, starttls=True, username="opastaja",
                                        password=Secret("smtp-salasana")), texts, READ_URL, tls_context=client_tls)
        good.send(ADDRESS, "new_message")
        wrong = SmtpSender(smtp_settings(server.port, starttls=True, username="opastaja",
                                         password=Secret("vaara")), texts, READ_URL, tls_context=client_tls)
        with pytest.raises(SendFailed) as refused:
            wrong.send(ADDRESS, "new_message")
        untrusted = SmtpSender(smtp_settings(server.port, starttls=True), texts, READ_URL)  # the system's CAs
        with pytest.raises(SendFailed) as not_trusted:
            untrusted.send(ADDRESS, "new_message")
        received = server.received
    finally:
        server.stop()
    [mail] = received
    assert mail.tls and mail.user == "opastaja" and mail.recipients == [ADDRESS]
    assert refused.value.reason.startswith("SMTP 535") and not refused.value.permanent
    assert "smtp-salasana" not in refused.value.reason and "vaara" not in refused.value.reason
    assert "SSL" in not_trusted.value.reason


def test_smtp_down_is_retried_then_given_up_and_up_again_is_delivered(outbox, texts) -> None:
    stopped = SmtpTestServer()
    port = stopped.port
    stopped.stop()  # nothing listens on the port now
    down = {"email": SmtpSender(smtp_settings(port, timeout_seconds=2), texts, READ_URL)}
    outbox.enqueue("email", ADDRESS, "new_message")
    outbox.enqueue("email", "toinen@example.fi", "new_message")

    at = NOW
    for expected_attempt in (1, 2, 3):
        report = deliver_due(outbox, down, at, POLICY)
        assert all(row.attempts == expected_attempt for row in rows(outbox))
        at = max(row.next_attempt_at for row in rows(outbox))
    assert report.given_up == 2 and outbox.counts().given_up == 2
    assert {row.last_error for row in rows(outbox)} == {"ConnectionRefusedError"}

    outbox.enqueue("email", "kolmas@example.fi", "new_message")
    deliver_due(outbox, down, at, POLICY)  # the first try fails while the server is still down
    server = SmtpTestServer()
    try:
        up = {"email": SmtpSender(smtp_settings(server.port), texts, READ_URL)}
        later = at + POLICY.first_delay
        assert deliver_due(outbox, up, later, POLICY).sent == 1
        received = server.received
    finally:
        server.stop()
    assert [mail.recipients for mail in received] == [["kolmas@example.fi"]]
    assert rows(outbox)[-1].sent_at == later and rows(outbox)[-1].attempts == 2


# -- the SMS gateway adapter ----------------------------------------------------------------------------

def test_the_sms_adapter_posts_json_with_the_bearer_token(outbox, texts) -> None:
    gateway = RecordingHttpServer(statuses=(503, 200, 400))
    try:
        sender = SmsGatewaySender(SmsGatewaySettings(url=gateway.url, token=Secret("tekstiviesti-avain"),
                                                     timeout_seconds=5), texts, READ_URL)
        outbox.enqueue("sms", "040 765 4321", "new_message", person_key=ME)
        first = deliver_due(outbox, {"sms": sender}, NOW, POLICY)
        second = deliver_due(outbox, {"sms": sender}, NOW + POLICY.first_delay, POLICY)
        outbox.enqueue("sms", "050 111 2222", "new_message")
        third = deliver_due(outbox, {"sms": sender}, NOW + POLICY.first_delay, POLICY)
        received = list(gateway.received)
    finally:
        gateway.stop()
    assert (first.retrying, second.sent, third.given_up) == (1, 1, 1)  # 503 retried, 400 given up at once
    assert rows(outbox)[0].last_error is None and rows(outbox)[1].last_error == "HTTP 400"
    request = received[1]
    assert request.path == "/send" and request.headers["Authorization"] == "Bearer tekstiviesti-avain"
    assert request.body["to"] == "+358407654321"
    assert request.body["text"].startswith("Sinulle on uusi viesti") and READ_URL in request.body["text"]


def test_a_gateway_that_cannot_be_reached_is_a_failure_to_retry(texts) -> None:
    gateway = RecordingHttpServer()
    url = gateway.url
    gateway.stop()
    sender = SmsGatewaySender(SmsGatewaySettings(url=url, token=Secret("t"), timeout_seconds=2), texts, READ_URL)
    with pytest.raises(SendFailed) as failed:
        sender.send("+358407654321", "new_message")
    assert failed.value.reason == "ConnectionError" and not failed.value.permanent


# -- settings and texts ---------------------------------------------------------------------------------

def test_settings_are_read_once_and_a_half_configured_channel_fails_loudly() -> None:
    nothing = NotificationSettings.from_env({})
    assert (nothing.smtp, nothing.sms, nothing.read_url) == (None, None, "http://localhost:8080/omat-asiat")
    full = NotificationSettings.from_env({
        "ASSISTANT_PUBLIC_URL": "https://chat.example.fi/", "ASSISTANT_SMTP_HOST": "smtp.example.fi",
        "ASSISTANT_SMTP_FROM": "ei-vastausta@example.fi", "ASSISTANT_SMTP_STARTTLS": "1",
        "ASSISTANT_SMTP_USERNAME": "opastaja", "ASSISTANT_SMTP_PASSWORD": "salainen-sana",
        "ASSISTANT_SMS_GATEWAY_URL": "https://sms.example.fi/send", "ASSISTANT_SMS_GATEWAY_TOKEN": "avain-123",
        "ASSISTANT_NOTIFY_MAX_ATTEMPTS": "5"})
    assert (full.smtp.port, full.smtp.starttls, full.read_url, full.policy.max_attempts) == \
        (587, True, "https://chat.example.fi/omat-asiat", 5)
    assert "salainen-sana" not in repr(full) and "avain-123" not in repr(full)
    assert set(senders_from_settings(full, load_notification_texts())) == {"email", "sms"}
    smtp = {"ASSISTANT_SMTP_HOST": "smtp.example.fi", "ASSISTANT_SMTP_FROM": "ei-vastausta@example.fi"}
    for env, name in (({"ASSISTANT_SMTP_HOST": "smtp.example.fi"}, "ASSISTANT_SMTP_FROM"),
                      ({**smtp, "ASSISTANT_SMTP_USERNAME": "x", "ASSISTANT_SMTP_PASSWORD": "y"},
                       "ASSISTANT_SMTP_STARTTLS"),
                      ({**smtp, "ASSISTANT_SMTP_PORT": "sähköposti"}, "ASSISTANT_SMTP_PORT"),
                      ({"ASSISTANT_SMS_GATEWAY_URL": "http://sms.example.fi/send", "ASSISTANT_SMS_GATEWAY_TOKEN": "t"},
                       "ASSISTANT_SMS_GATEWAY_URL"),
                      ({"ASSISTANT_SMS_GATEWAY_URL": "https://sms.example.fi/send"}, "ASSISTANT_SMS_GATEWAY_TOKEN"),
                      ({"ASSISTANT_NOTIFY_MAX_ATTEMPTS": "0"}, "ASSISTANT_NOTIFY_MAX_ATTEMPTS")):
        with pytest.raises(ValueError, match=name):
            NotificationSettings.from_env(env)


def test_the_shipped_kubernetes_config_is_a_valid_notification_set_up() -> None:
    """The deploy example's sender is "name <address>": it must start the web app, not stop it."""
    documents = list(yaml.safe_load_all((PROJECT_DIR / "bot/deploy/kubernetes/config.yaml").read_text("utf-8")))
    env = {k: str(v) for doc in documents for k, v in {**(doc.get("data") or {}), **(doc.get("stringData") or {})}.items()}
    settings = NotificationSettings.from_env(env)
    assert settings.smtp is not None and settings.smtp.starttls and settings.smtp.from_name == "Asiakasohjaus"
    assert settings.smtp.from_address.startswith("no-reply@") and settings.read_url.endswith("/omat-asiat")
    for sender in ("Asiakasohjaus", "Asiakasohjaus <ei osoite>", "<pää@alue.fi>"):
        with pytest.raises(ValueError, match="ASSISTANT_SMTP_FROM"):
            NotificationSettings.from_env({"ASSISTANT_SMTP_HOST": "smtp.example.fi", "ASSISTANT_SMTP_FROM": sender})


def test_the_texts_say_only_that_there_is_a_message_and_where(texts, tmp_path) -> None:
    by_email = texts.render("new_message", "email", READ_URL)
    by_sms = texts.render("new_message", "sms", READ_URL)
    assert by_email.subject == "Sinulle on uusi viesti" and READ_URL in by_email.body and READ_URL in by_sms.body
    assert by_sms.body.startswith("Sinulle on uusi viesti") and "\n" not in by_sms.body
    leaky = tmp_path / "texts.yml"
    leaky.write_text("new_message:\n  subject: Uusi viesti\n  email: 'Viesti: {body} {read_url}'\n  sms: '{read_url}'\n",
                     encoding="utf-8")
    with pytest.raises(ValueError, match="only"):
        load_notification_texts(leaky)
    leaky.write_text("new_message:\n  subject: Uusi viesti\n  email: '{read_url}'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="sms"):
        load_notification_texts(leaky)
