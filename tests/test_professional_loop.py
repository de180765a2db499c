"""The professional's whole loop through the team API (issue 18), on SQLite and PostgreSQL, with a real
local SMTP server: a contact request by secure message from an identified resident, the professional
claims it, reads the resident's overview and the thread (access-log rows written), replies, and the web
app's own delivery task sends the content-free notification, which arrives at the SMTP server. Also the
delivery task's settings and its outbox gauge."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import time
import urllib.request
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sanic import Sanic

from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.messages import MessageStore
from actions.store.office_hours import OfficeHours
from actions.store.outbox import OutboxStore
from actions.store.own_space import OwnSpaceStore
from actions.store.person_key import person_key
from actions.store.tickets import TicketDraft, TicketStore
from bench.stack import free_port
from bot.settings import Secret, Settings
from bot.web.app import create_app
from bot.web.delivery_task import DeliverySettings, schedule_delivery
from bot.web.own_space_views import local_date
from bot.web.team_stores import TeamStores
from tests.helpers import Answer, cheap_hashes, send  # noqa: F401 - cheap_hashes: a fixture
from tests.servers import SmtpTestServer, ThreadedServer
from tests.test_team_api_own_space import FakeRelay

Sanic.test_mode = True
SECRET = Secret("test-secret-of-the-person-keys-0123456789")
RESIDENT = "131052-308T"
PASSWORD = "salasana-joka-on-pitka"
REPLY = "Hei Maija, soitan sinulle huomenna aamupäivällä hoitosuunnitelmasta."
READ_URL = "https://opastaja.example.fi/omat-asiat"


def today_in_the_region() -> dt.date:
    """The day on the region's clock: a diary day before the enrolment's local start date is not counted, and
    from 22 UTC (21 in summer) to midnight UTC the machine's date is a day behind Finland's."""
    return local_date(dt.datetime.now(dt.timezone.utc))


def _gauge(state: str) -> float | None:
    return REGISTRY.get_sample_value("sote_notification_outbox", {"process": "web", "state": state})


def test_the_professional_loop_ends_in_a_content_free_e_mail(database_url, monkeypatch) -> None:
    smtp = SmtpTestServer()
    for name, value in (("ASSISTANT_SMTP_HOST", "127.0.0.1"), ("ASSISTANT_SMTP_PORT", str(smtp.port)),
                        ("ASSISTANT_SMTP_FROM", "ei-vastausta@hyvinvointialue.example"),
                        ("ASSISTANT_NOTIFY_READ_URL", READ_URL), ("ASSISTANT_NOTIFY_INTERVAL_SECONDS", "1")):
        monkeypatch.setenv(name, value)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    tickets, accounts = TicketStore(sessions, OfficeHours()), AccountStore(sessions)
    stores = TeamStores(tickets, accounts, None, None, sessions, MessageStore(sessions, SECRET),
                        OwnSpaceStore(sessions, SECRET), OutboxStore(sessions))
    me = person_key(RESIDENT, SECRET)
    ticket, _ = tickets.create(TicketDraft(
        conversation_id="conv-maija", channel="identified_chat", contact_role="resident", reason="health",
        urgency="normal", resident_words="Haluaisin puhua alkoholin käytön vähentämisestä.",
        contact_method="secure_message", consent_text="Saa välittää.", consent_at=dt.datetime.now(dt.timezone.utc),
        identity_code=RESIDENT, identity_name="Maija", person_key=me), "conv-maija:form-1")
    stores.outbox.set_address(me, "email", "maija@example.fi")  # type: ignore[union-attr]
    stores.own_space.record_result(me, "auditc", 7, "riskijuomisen raja ylittyy")  # type: ignore[union-attr]
    enrolment, _ = stores.own_space.enrol(me, "alkoholi", 1, "assessment", goal="reduce")  # type: ignore[union-attr]
    stores.own_space.record_progress(me, enrolment.id, "diary", "d1",  # type: ignore[union-attr]
                                     value={"day": today_in_the_region().isoformat(), "amount": 3})
    accounts.create("maija.m", "Maija Meikäläinen", "professional", PASSWORD)

    port = free_port()
    base = f"http://127.0.0.1:{port}/team/api"
    app = create_app(Settings(webchat_port=port), name=f"test_professional_loop_{port}",
                     team_stores=lambda: stores, relay=FakeRelay())
    running = ThreadedServer(app, port, base + "/openapi.json")
    try:
        def call(method: str, path: str, body: Any = None, token: str | None = None) -> Answer:
            headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
            data = json.dumps(body).encode() if body is not None else None
            return send(urllib.request.Request(base + path, data=data, method=method, headers=headers))

        token = call("POST", "/session", {"username": "maija.m", "password": PASSWORD}).json["token"]
        queue = call("GET", "/tickets?contact_method=secure_message", token=token).json
        assert [t["id"] for t in queue["tickets"]] == [ticket.id]
        assert call("POST", f"/tickets/{ticket.id}/claim", token=token).status == 200
        overview = call("GET", f"/tickets/{ticket.id}/person", token=token).json
        assert overview["results"][0]["score"] == 7
        assert overview["programmes"][0]["diary_weeks"][0]["total"] == 3.0
        assert call("GET", f"/tickets/{ticket.id}/messages", token=token).json["messages"] == []
        sent = call("POST", f"/tickets/{ticket.id}/messages", {"body": REPLY, "idempotency_key": "reply-1"}, token)
        assert sent.status == 201, sent.text

        deadline = time.monotonic() + 20
        while not smtp.received and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(smtp.received) == 1, "the delivery task sent nothing"
        mail = smtp.received[0]
        assert mail.recipients == ["maija@example.fi"] and mail.mail_from == "ei-vastausta@hyvinvointialue.example"
        parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
        text = parsed.get_body().get_content()  # type: ignore[union-attr]
        assert parsed["Subject"] == "Sinulle on uusi viesti" and READ_URL in text
        assert "soitan" not in text and "Maija" not in text and RESIDENT not in text  # no content, no name

        deadline = time.monotonic() + 10
        while _gauge("queued") != 0.0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (_gauge("queued"), _gauge("retrying"), _gauge("given_up")) == (0.0, 0.0, 0.0)
        time.sleep(1.5)
        assert len(smtp.received) == 1  # sent once
    finally:
        running.stop()
        smtp.stop()

    actions = [(e.actor, e.action) for e in reversed(tickets.access_log(ticket.id))]
    assert actions == [("assistant", "create"), ("account:maija.m", "list"), ("account:maija.m", "claim"),
                       ("account:maija.m", "own-space-read"), ("account:maija.m", "messages-read"),
                       ("account:maija.m", "message")]
    engine.dispose()


def test_the_delivery_settings_and_when_the_task_runs(monkeypatch) -> None:
    assert DeliverySettings.from_env({}).interval_seconds == 30
    smtp_env = {"ASSISTANT_SMTP_HOST": "127.0.0.1", "ASSISTANT_SMTP_FROM": "ei-vastausta@example.fi"}
    assert DeliverySettings.from_env({**smtp_env, "ASSISTANT_NOTIFY_INTERVAL_SECONDS": "5"}).interval_seconds == 5
    with pytest.raises(ValueError, match="ASSISTANT_NOTIFY_INTERVAL_SECONDS"):
        DeliverySettings.from_env({"ASSISTANT_NOTIFY_INTERVAL_SECONDS": "soon"})
    with pytest.raises(ValueError, match="ASSISTANT_SMTP_FROM"):  # half-configured: fails at start, loudly
        DeliverySettings.from_env({"ASSISTANT_SMTP_HOST": "127.0.0.1"})
    app = Sanic(f"test_delivery_settings_{free_port()}")
    assert schedule_delivery(app, DeliverySettings.from_env({})) is False  # no sender: nothing to run
    assert schedule_delivery(app, DeliverySettings.from_env({**smtp_env, "ASSISTANT_NOTIFY_INTERVAL_SECONDS": "0"})) \
        is False
    assert schedule_delivery(app, DeliverySettings.from_env(smtp_env)) is True
