"""Sending a guidance path to the resident while recording a contact (issue 20), over the team API on SQLite
and PostgreSQL: the outbox row is queued in the same transaction as the record (and is absent when the
record is refused), a bad address is a 422 `send_to`, a channel without a sender a 422 `path_sent_via`; the
address is never in the record; the sender renders the path's title and text from the library."""
from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from sanic import Sanic
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.store.models import ContactRecord, OutboxNotification
from actions.store.notification_senders import LibraryPaths, SendFailed, render_notification
from actions.store.notification_texts import load_notification_texts
from actions.store.outbox import path_template
from bench.stack import free_port
from bot.settings import Settings
from bot.web.app import create_app
from tests.helpers import cheap_hashes, staff_stores  # noqa: F401 - cheap_hashes: a fixture
from tests.servers import ThreadedServer
from tests.test_contact_records_api import PATH, Team, form
from tests.test_team_api import Server, conforms

Sanic.test_mode = True


@pytest.fixture(scope="module")
def server() -> Server:
    port = free_port()
    served = Server(f"http://127.0.0.1:{port}/team/api")
    app = create_app(Settings(webchat_port=port, trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),)),
                     name=f"test_contact_sending_{port}", team_stores=lambda: served.source["stores"]())
    served.source["app"] = app
    running = ThreadedServer(app, port, served.url + "/openapi.json")
    app.ctx.notification_channels = ("email",)  # as if SMTP were configured, the SMS gateway not
    yield served
    running.stop()


@pytest.fixture
def team(server: Server, database_url: str):
    made = Team(server, database_url)
    yield made
    made.engine.dispose()


def outbox_rows(team: Team) -> list[OutboxNotification]:
    with Session(team.engine) as session:
        return list(session.execute(select(OutboxNotification)).scalars())


def test_a_path_sent_by_email_is_queued_with_the_record_and_the_address_is_not_in_the_record(team: Team) -> None:
    made = team.call("POST", "/contacts", form(send_to="  maija@esimerkki.fi "))
    record = conforms(made, "POST", "/contacts")
    assert made.status == 201 and record["path_id"] == PATH and record["path_sent_via"] == "email"
    rows = outbox_rows(team)
    assert [(r.channel, r.address, r.template) for r in rows] == [("email", "maija@esimerkki.fi", path_template(PATH))]
    assert rows[0].person_key is None and rows[0].sent_at is None
    assert "maija" not in repr(made.json)
    again = team.call("POST", "/contacts", form(send_to="maija@esimerkki.fi"))  # the same form sent twice
    assert again.status == 200 and again.json["id"] == record["id"]
    assert len(outbox_rows(team)) == 1


@pytest.mark.parametrize("changes, field", [
    ({"send_to": "maija(at)esimerkki"}, "send_to"),
    ({"send_to": ""}, "send_to"),  # the address left blank: not recorded as sent with nothing queued
    ({"send_to": "   "}, "send_to"),
    ({"send_to": "mäki@esimerkki.fi"}, "send_to"),
    ({"send_to": "040 123 4567", "path_sent_via": "sms"}, "path_sent_via"),  # no SMS sender configured
    ({"send_to": "maija@esimerkki.fi", "path_sent_via": None}, "path_sent_via"),
    ({"send_to": "maija@esimerkki.fi", "path_id": None, "path_sent_via": None}, "path_id"),
    ({"send_to": "maija@esimerkki.fi", "reasons": ["weather"]}, "reasons"),  # the record fails: nothing queued
    ({"send_to": "maija@esimerkki.fi", "service_area": "moon_base"}, "service_area"),
])
def test_a_refused_send_or_record_queues_nothing(team: Team, changes: dict[str, Any], field: str) -> None:
    answer = team.call("POST", "/contacts", form(**changes))
    assert answer.status == 422, answer.text
    assert answer.json["field"] == field and answer.json["message"].endswith(".")
    assert outbox_rows(team) == [] and team.count(ContactRecord) == 0


def test_a_follow_up_that_is_refused_queues_no_path_either(team: Team) -> None:
    answer = team.call("POST", "/contacts", form(send_to="maija@esimerkki.fi", follow_up=True,
                                                  callback_phone="040 123 4567"))  # no consent
    assert answer.status == 422 and answer.json["field"] == "follow_up_consent"
    assert outbox_rows(team) == [] and team.count(ContactRecord) == 0


def test_the_options_offer_only_the_channels_with_a_sender(team: Team) -> None:
    options = conforms(team.call("GET", "/contact-options"), "GET", "/contact-options")
    assert options["send_channels"] == ["email"]


def test_without_send_to_the_way_it_was_sent_is_only_recorded(team: Team) -> None:
    answer = team.call("POST", "/contacts", form(path_sent_via="sms"))
    assert answer.status == 201 and answer.json["path_sent_via"] == "sms"
    assert outbox_rows(team) == []


def test_the_senders_text_has_the_paths_title_and_text_and_a_gone_path_fails_for_good() -> None:
    from guidance_library.loader import load_library
    from guidance_library.rendering import render_path
    from bot.settings import library_sources

    library = load_library(library_sources())
    path = library.get(PATH)
    rendered = render_path(path, library)
    paths = LibraryPaths(lambda: library)
    texts = load_notification_texts()
    mail = render_notification(texts, path_template(PATH), "email", "https://alue.fi/omat", paths)
    assert mail.subject == f"Ohje asiakasohjauksesta: {rendered.title}"
    assert rendered.text.splitlines()[1] in mail.body and "Hätätilanteessa soita 112" in mail.body
    sms = render_notification(texts, path_template(PATH), "sms", "https://alue.fi/omat", paths)
    assert sms.body.startswith(rendered.title) and "Hätätilanteessa soita 112" in sms.body
    if rendered.links:
        assert rendered.links[0].url in sms.body and rendered.links[0].url in mail.body
    with pytest.raises(SendFailed) as failed:
        render_notification(texts, path_template("polkua-ei-ole"), "email", "x", paths)
    assert failed.value.permanent


def test_the_openapi_description_has_the_sending_fields() -> None:
    from tests.test_team_api import SCHEMA_ROOT
    schemas = SCHEMA_ROOT["components"]["schemas"]
    assert schemas["NewContact"]["properties"]["send_to"]["maxLength"] == 320
    assert schemas["ContactOptions"]["properties"]["send_channels"]["items"]["enum"] == ["sms", "email"]
