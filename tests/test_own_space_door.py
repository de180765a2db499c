"""The resident's own space (Omat asiat) over HTTP against the real web app and its local test identity
provider: the whole happy path, and every refusal (anonymous, another resident, an ended or expired
session, a cross-site post, bad input, unknown or unopened programme parts), each checked to store
nothing."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid

import pytest
import requests
from sqlalchemy import func, select, update

from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.messages import MAX_BODY, MessageStore
from actions.store.models import (IdentifiedSession, NotificationAddress, ProgrammeEnrolment, ProgrammeProgress,
                                  SecureMessage, TermsAcceptance)
from actions.store.office_hours import OfficeHours
from actions.store.own_space import OwnSpaceStore
from actions.store.person_key import person_key, person_key_secret
from actions.store.tickets import TicketDraft, TicketStore
from bot.session_tokens import SessionTokens
from bot.web.own_space_texts import load_own_space_texts
from bot.web.test_idp import TEST_PEOPLE
from tests.test_identification import SECRET, identify, servers, start_login, through_test_idp  # noqa: F401

TERMS = load_own_space_texts().terms
OWN = "/auth/own"


@pytest.fixture(scope="module")
def world(servers):  # noqa: F811 - the fixture imported above
    sessions = make_session_factory(make_engine(servers["settings"].database_url))
    yield dict(servers, sessions=sessions, tickets=TicketStore(sessions, OfficeHours()),
               messages=MessageStore(sessions, person_key_secret()), accounts=AccountStore(sessions),
               space=OwnSpaceStore(sessions, person_key_secret()))


def identify_as(url: str, person: int) -> requests.Session:
    """A browser identified as TEST_PEOPLE[person]."""
    s = requests.Session()
    if person == 0:
        identify(s, url)
        return s
    action, fields = through_test_idp(s, start_login(s, url), person)
    assert s.post(action, data=fields, allow_redirects=False).status_code == 303
    assert s.get(url + "/auth/session").json()["identified"] is True
    return s


def key_of(person: int) -> str:
    return person_key(TEST_PEOPLE[person].code, person_key_secret())


def ticket_for(world, person: int, method: str = "secure_message"):
    code = TEST_PEOPLE[person].code
    draft = TicketDraft(conversation_id=uuid.uuid4().hex, channel="identified_chat", contact_role="resident",
                        reason="health", urgency="normal", resident_words="Haluaisin kysyä alkoholin käytöstä.",
                        contact_method=method, phone="040 123 4567" if method == "phone" else None,
                        consent_text="Saa välittää.", consent_at=dt.datetime.now(dt.timezone.utc),
                        topic_id=None, identity_code=code, identity_name=TEST_PEOPLE[person].name,
                        person_key=key_of(person))
    ticket, _ = world["tickets"].create(draft, uuid.uuid4().hex)
    return ticket


def staff_message(world, ticket, text: str = "Hei, kiitos viestistäsi. Soitan sinulle huomenna."):
    """A professional claims the ticket and writes in its thread; returns the professional's account."""
    username = "pro-" + uuid.uuid4().hex[:8]
    pro = world["accounts"].create(username, "Ammattilainen", "professional", "salasana-joka-on-pitka")
    world["tickets"].claim(pro, ticket.id)
    world["messages"].add_staff_message(pro, ticket.id, text, uuid.uuid4().hex)
    return pro


def count(world, model, **where) -> int:
    with world["sessions"]() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.execute(query).scalar_one()


def accept(s: requests.Session, url: str) -> None:
    answer = s.post(url + OWN + "/terms", json={"version": TERMS.version})
    assert answer.status_code == 200 and answer.json()["accepted"] is True


def resident(world, person: int) -> requests.Session:
    s = identify_as(world["url"], person)
    accept(s, world["url"])
    return s


# -- the happy path -------------------------------------------------------------------------------------

def test_the_page_is_finnish_static_and_under_a_strict_policy(world):
    page = requests.get(world["url"] + "/omat-asiat")
    assert page.status_code == 200 and '<html lang="fi">' in page.text and "<h1" in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "unsafe" not in policy
    assert page.headers["Cache-Control"] == "no-store"
    fields = re.findall(r'<(?:input|textarea|select)\b[^>]*\bid="([^"]+)"', page.text)
    assert fields and all(f'<label for="{name}"' in page.text for name in fields)  # every field has its label
    script = requests.get(world["url"] + "/static/own-space.js").text
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "textContent" in script
    chat, chat_script = requests.get(world["url"] + "/").text, requests.get(world["url"] + "/static/chat.js").text
    assert re.search(r'<a id="own-space-link"[^>]*href="/omat-asiat"[^>]*hidden>Omat asiat</a>', chat)
    # "Tilanteeni on huonompi" from a link is a button the resident presses, never a message sent by itself
    assert '"/programme_worse" + JSON.stringify({ programme: programme })' in chat_script
    assert "buttons: [{ title: WORSE_SHOWN, payload: payload }]" in chat_script and "send(payload" not in chat_script


def test_identify_accept_terms_start_a_programme_record_and_talk_with_the_team(world):
    url = world["url"]
    s = identify_as(url, 0)
    before = s.get(url + OWN + "/summary")  # the terms first: nothing else until they are accepted
    assert before.status_code == 403 and before.json()["error"] == "terms_required"
    assert before.json()["terms"]["version"] == TERMS.version and "requests" not in before.json()
    assert s.get(url + OWN + "/terms").json()["accepted"] is False
    wrong = s.post(url + OWN + "/terms", json={"version": "1999-01"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "version"
    accept(s, url)
    accept(s, url)  # again: still one acceptance
    assert count(world, TermsAcceptance, person_key=key_of(0), terms_version=TERMS.version) == 1

    ticket = ticket_for(world, 0)
    staff_message(world, ticket)
    earlier = dt.datetime(2026, 11, 2, 22, 30, tzinfo=dt.timezone.utc)  # 3.11. in Finland
    world["space"].record_result(key_of(0), "auditc", 7, "kohonnut riski", taken_at=earlier)
    world["space"].record_result(key_of(0), "auditc", 4, "pienempi riski")
    summary = s.get(url + OWN + "/summary").json()
    results = summary["results"]
    assert [(r["score"], r["band"]) for r in results[:2]] == [(4, "pienempi riski"), (7, "kohonnut riski")]
    assert results[1]["date"] == "2026-11-03" and results[1]["instrument_name"] == "Alkoholinkäytön kysely (AUDIT-C)"
    assert results[1]["max_score"] == 12
    mine = next(r for r in summary["requests"] if r["id"] == ticket.id)
    assert mine["reference"] == ticket.reference and mine["status_text"] == "Käsittelyssä"  # claimed by the professional
    assert mine["unread"] == 1 and mine["can_reply"] is True and summary["unread"] >= 1
    assert "Ammattilainen vastaa viestillä" in mine["contact_method_text"] and mine["answer_by"]

    offered = {p["id"]: p for p in s.get(url + OWN + "/programmes").json()["programmes"]}
    assert {"alkoholi", "mieliala", "stressi"} <= set(offered)
    assert [g["value"] for g in offered["alkoholi"]["goals"]] == ["reduce", "stop"]
    no_goal = s.post(url + OWN + "/programmes", json={"programme": "alkoholi"})
    assert no_goal.status_code == 400 and no_goal.json()["field"] == "goal" and "tavoitteesi" in no_goal.json()["message"]
    started = s.post(url + OWN + "/programmes", json={"programme": "alkoholi", "goal": "reduce"})
    assert started.status_code == 201, started.text
    programme = started.json()["programme"]
    assert programme["goal"] == "reduce" and programme["goal_label"] == "Haluan vähentää juomista"
    again = s.post(url + OWN + "/programmes", json={"programme": "alkoholi", "goal": "reduce"})
    assert again.status_code == 200 and again.json()["programme"]["id"] == programme["id"]
    enrolment = programme["id"]
    base = f"{url}{OWN}/programmes/{enrolment}"

    detail = s.get(base).json()
    assert [m["id"] for m in detail["open_modules"]] == ["tavoite-ja-paivakirja"]
    assert detail["next_opening"] == (dt.date.fromisoformat(detail["started"]) + dt.timedelta(days=7)).isoformat()
    assert detail["worse"]["url"] == "/?omahoito=huonompi&ohjelma=alkoholi"
    assert "{{" not in detail["worse"]["text"] and "Kriisipuhelimeen" in detail["worse"]["text"]
    first = f"{base}/modules/tavoite-ja-paivakirja"
    assert s.get(first).json()["exercise"]["records"] == "diary"
    today = detail["started"]
    entry = {"day": today, "amount": 2.5, "idempotency_key": "diary-1"}
    assert s.post(first + "/exercise", json=entry).status_code == 201
    assert s.post(first + "/exercise", json=entry).status_code == 200  # a double click: one entry
    assert "uusi kirjaus korvaa aiemman" in requests.get(url + "/omat-asiat").content.decode("utf-8")  # the hint
    corrected = s.post(base + "/diary", json={"day": today, "amount": 1, "idempotency_key": "diary-2"})
    assert corrected.status_code == 201 and corrected.json()["value"] == {"day": today, "amount": 1}  # the day again
    checked = s.post(first + "/check-in", json={"answer": "every_day", "idempotency_key": "check-1"})
    assert checked.status_code == 201 and checked.json()["offer_contact"] is None
    assert s.post(first + "/done", json={"idempotency_key": "done-1"}).status_code == 201
    assert count(world, ProgrammeProgress, enrolment_id=enrolment) == 3  # one diary entry of the day

    after = next(p for p in s.get(url + OWN + "/summary").json()["programmes"] if p["id"] == enrolment)
    assert after["progress"] == 33 and after["diary"]["weeks"][0]["total"] == 1  # corrected, not 2.5 + 1
    assert after["diary"]["weeks"][0]["days_recorded"] == 1
    assert [m["done"] for m in after["modules"]] == [True, False, False]

    stopped = s.post(base + "/stop", json={})
    assert stopped.status_code == 200 and stopped.json()["status_text"] == "Lopetettu"
    late = s.post(base + "/diary", json={"day": today, "amount": 1, "idempotency_key": "diary-3"})
    assert late.status_code == 409 and "päättynyt" in late.json()["message"]
    assert s.post(base + "/stop", json={}).status_code == 409
    anew = s.post(url + OWN + "/programmes", json={"programme": "alkoholi", "goal": "stop"})
    assert anew.status_code == 201 and anew.json()["programme"]["id"] != enrolment
    assert count(world, ProgrammeProgress, enrolment_id=enrolment) == 3

    thread = s.get(f"{url}{OWN}/requests/{ticket.id}/messages").json()["messages"]
    assert [m["from"] for m in thread] == ["staff"] and thread[0]["read"] is False
    assert s.post(f"{url}{OWN}/requests/{ticket.id}/read").json()["marked_read"] == 1
    assert s.get(f"{url}{OWN}/requests/{ticket.id}/messages").json()["messages"][0]["read"] is True
    reply = {"body": "Kiitos! <b>Huomenna</b> sopii hyvin.", "idempotency_key": "reply-1"}
    first_reply = s.post(f"{url}{OWN}/requests/{ticket.id}/messages", json=reply)
    assert first_reply.status_code == 201 and first_reply.json()["message"]["body"] == reply["body"]  # stored as text
    second = s.post(f"{url}{OWN}/requests/{ticket.id}/messages", json=reply)
    assert second.status_code == 200 and second.json()["message"]["id"] == first_reply.json()["message"]["id"]
    assert count(world, SecureMessage, ticket_id=ticket.id, sender="resident") == 1
    summary = s.get(url + OWN + "/summary").json()
    assert next(r for r in summary["requests"] if r["id"] == ticket.id)["unread"] == 0


def test_a_module_a_professional_assigned_shows_as_such_open_at_once_and_counted_alone(world):
    url = world["url"]
    page = requests.get(url + "/omat-asiat").content.decode("utf-8")
    assert '<span data-key="assigned_module">Ammattilainen antoi sinulle tämän osan</span>' in page
    assert "words.assigned_module" in requests.get(url + "/static/own-space.js").text
    ticket = ticket_for(world, 0)
    pro = staff_message(world, ticket)
    single, created = world["space"].assign_module(pro, ticket.id, "mieliala", "1", "uni-ja-rytmi")
    assert created
    s, other = resident(world, 0), resident(world, 1)

    listed = next(p for p in s.get(url + OWN + "/summary").json()["programmes"] if p["id"] == single.id)
    assert listed["module"] == {"id": "uni-ja-rytmi", "title": "Uni ja arjen rytmi"}
    assert listed["title"] == "Mielialan omahoito-ohjelma" and listed["progress"] == 0
    assert [(m["id"], m["open"], m["done"]) for m in listed["modules"]] == [("uni-ja-rytmi", True, False)]
    assert listed["next_opening"] is None and listed["end_assessment"] is None and "diary" not in listed
    base = f"{url}{OWN}/programmes/{single.id}"
    detail = s.get(base).json()
    assert [m["id"] for m in detail["open_modules"]] == ["uni-ja-rytmi"]  # day 14 of the programme, open today
    assert detail["module"]["title"] == "Uni ja arjen rytmi" and detail["worse"]["url"].endswith("ohjelma=mieliala")
    part = f"{base}/modules/uni-ja-rytmi"
    assert s.get(part).json()["exercise"]["unit"] == "aamuna"
    for other_part in ("pienet-teot", "ajatukset"):  # the programme's other modules are not in this enrolment
        answer = s.get(f"{base}/modules/{other_part}")
        assert answer.status_code == 404 and answer.json()["error"] == "module_not_found"
    assert s.post(base + "/diary", json={"day": detail["started"], "amount": 1, "idempotency_key": "m0"}).status_code == 404
    assert s.post(part + "/exercise", json={"value": 5, "idempotency_key": "m1"}).status_code == 201
    worse = s.post(part + "/check-in", json={"answer": "worse", "idempotency_key": "m2"})
    assert worse.status_code == 201 and worse.json()["offer_contact"]["url"] == "/?omahoito=huonompi&ohjelma=mieliala"
    assert s.post(part + "/done", json={"idempotency_key": "m3"}).status_code == 201
    after = next(p for p in s.get(url + OWN + "/summary").json()["programmes"] if p["id"] == single.id)
    assert after["progress"] == 100 and after["modules"][0]["done"] is True

    assert other.get(base).status_code == 404 and other.get(part).status_code == 404  # only her own
    assert other.post(part + "/done", json={"idempotency_key": "x"}).status_code == 404
    assert all(p["id"] != single.id for p in other.get(url + OWN + "/summary").json()["programmes"])
    assert count(world, ProgrammeProgress, enrolment_id=single.id) == 3


def web_app(world):
    """The running web app of the module's stack (for its configured notification channels)."""
    from sanic import Sanic

    return Sanic.get_app(f"test_ident_{world['settings'].webchat_port}")


def test_the_notification_address_is_set_validated_and_removed(world, monkeypatch):
    url, s = world["url"], resident(world, 2)
    monkeypatch.setattr(web_app(world).ctx, "notification_channels", ("email", "sms"), raising=False)
    assert "ei lähetetä" in s.get(url + OWN + "/notification").json()["note"]
    for body, field in (({"channel": "email", "address": "ei-osoite"}, "address_email"),
                        ({"channel": "sms", "address": "09 123 4567"}, "address_sms"),  # a landline
                        ({"channel": "kirje", "address": "a@b.fi"}, "channel"),
                        ({"channel": "email", "address": 5}, "address_email")):
        refused = s.post(url + OWN + "/notification", json=body)
        assert refused.status_code == 400 and refused.json()["field"] == field, body
    assert count(world, NotificationAddress, person_key=key_of(2)) == 0
    assert s.post(url + OWN + "/notification", json={"channel": "sms", "address": "040 123 4567"}).json()[
        "address"] == "+358401234567"
    assert s.post(url + OWN + "/notification", json={"channel": "email", "address": "saara@example.fi"}).json()[
        "channel"] == "email"
    assert count(world, NotificationAddress, person_key=key_of(2)) == 1
    assert s.delete(url + OWN + "/notification").status_code == 200
    assert s.delete(url + OWN + "/notification").status_code == 404
    assert count(world, NotificationAddress, person_key=key_of(2)) == 0


def test_sms_is_offered_only_with_an_sms_gateway_configured(world, monkeypatch):
    url, s = world["url"], resident(world, 2)
    monkeypatch.setattr(web_app(world).ctx, "notification_channels", ("email",), raising=False)  # SMTP only
    assert list(s.get(url + OWN + "/notification").json()["channels"]) == ["email"]
    assert list(s.get(url + OWN + "/summary").json()["notification"]["channels"]) == ["email"]
    refused = s.post(url + OWN + "/notification", json={"channel": "sms", "address": "040 123 4567"})
    assert refused.status_code == 400 and refused.json()["field"] == "channel"
    assert count(world, NotificationAddress, person_key=key_of(2)) == 0
    monkeypatch.setattr(web_app(world).ctx, "notification_channels", (), raising=False)  # no delivery at all
    assert s.get(url + OWN + "/notification").json()["channels"] == {}
    assert "notify-form\").hidden = !offered.length" in requests.get(url + "/static/own-space.js").text


def test_the_channels_are_those_with_a_sender_and_none_without_the_delivery():
    from actions.store.notification_settings import NotificationSettings
    from bot.web.delivery_task import DeliverySettings, notification_channels

    smtp = {"ASSISTANT_SMTP_HOST": "smtp.example.fi", "ASSISTANT_SMTP_FROM": "no-reply@example.fi"}
    assert notification_channels(DeliverySettings(60, NotificationSettings.from_env(smtp))) == ("email",)
    assert notification_channels(DeliverySettings(60, NotificationSettings.from_env({}))) == ()
    assert notification_channels(DeliverySettings(0, NotificationSettings.from_env(smtp))) == ()


# -- refusals -----------------------------------------------------------------------------------------

ROUTES = [("GET", "/terms"), ("POST", "/terms"), ("GET", "/summary"), ("GET", "/requests/1/messages"),
          ("POST", "/requests/1/messages"), ("POST", "/requests/1/read"), ("GET", "/notification"),
          ("POST", "/notification"), ("DELETE", "/notification"), ("GET", "/programmes"), ("POST", "/programmes"),
          ("GET", "/programmes/1"), ("POST", "/programmes/1/diary"), ("GET", "/programmes/1/modules/x"),
          ("POST", "/programmes/1/modules/x/exercise"), ("POST", "/programmes/1/modules/x/check-in"),
          ("POST", "/programmes/1/modules/x/done"), ("POST", "/programmes/1/stop")]


@pytest.mark.parametrize("method,path", ROUTES)
def test_without_an_identified_session_every_route_is_401_in_finnish(world, method, path):
    answer = requests.request(method, world["url"] + OWN + path, json={"version": TERMS.version})
    assert answer.status_code == 401
    assert answer.json()["message"].startswith("Omat asiat vaatii vahvan tunnistautumisen")


def test_a_forged_or_foreign_cookie_opens_nothing(world):
    s = identify_as(world["url"], 0)
    claims = SessionTokens(SECRET).read(s.cookies["sote_identified"])
    forged = SessionTokens(SECRET).issue(claims.session_key, "f" * 32,  # another conversation's claim
                                         dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))
    for token in ("not.a.token", forged):
        answer = requests.get(world["url"] + OWN + "/summary", cookies={"sote_identified": token})
        assert answer.status_code == 401


def test_after_logout_or_expiry_the_own_space_is_closed(world):
    url = world["url"]
    s = resident(world, 0)
    assert s.get(url + OWN + "/summary").status_code == 200
    cookie = s.cookies["sote_identified"]
    s.post(url + "/auth/logout", allow_redirects=False)
    assert requests.get(url + OWN + "/summary", cookies={"sote_identified": cookie}).status_code == 401
    s = resident(world, 0)
    assert s.get(url + OWN + "/summary").status_code == 200
    with world["sessions"]() as session, session.begin():  # the session's time runs out
        session.execute(update(IdentifiedSession).where(IdentifiedSession.person_key == key_of(0),
                                                        IdentifiedSession.ended_at.is_(None))
                        .values(expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)))
    answer = s.post(url + OWN + "/programmes", json={"programme": "stressi"})
    assert answer.status_code == 401 and "tunnistautumisen" in answer.json()["message"]
    assert count(world, ProgrammeEnrolment, person_key=key_of(0), programme_id="stressi") == 0


def test_another_residents_requests_and_programmes_are_not_found(world):
    url = world["url"]
    owner, other = resident(world, 1), resident(world, 2)
    ticket = ticket_for(world, 1)
    staff_message(world, ticket)
    enrolment = owner.post(url + OWN + "/programmes", json={"programme": "mieliala"}).json()["programme"]["id"]
    module = f"{url}{OWN}/programmes/{enrolment}/modules/pienet-teot"
    for method, path, body in (
            ("GET", f"/requests/{ticket.id}/messages", None),
            ("POST", f"/requests/{ticket.id}/messages", {"body": "Minä tässä", "idempotency_key": "x1"}),
            ("POST", f"/requests/{ticket.id}/read", None),
            ("GET", f"/programmes/{enrolment}", None),
            ("POST", f"/programmes/{enrolment}/diary", {"day": "2026-12-01", "amount": 1, "idempotency_key": "x2"}),
            ("GET", module.split(OWN)[1], None),
            ("POST", module.split(OWN)[1] + "/done", {"idempotency_key": "x3"})):
        answer = other.request(method, url + OWN + path, json=body)
        assert answer.status_code == 404, (method, path, answer.text)
        assert "omista asioistasi" in answer.json()["message"] or "löytynyt" in answer.json()["message"]
    assert all(r["id"] != ticket.id for r in other.get(url + OWN + "/summary").json()["requests"])
    assert count(world, SecureMessage, ticket_id=ticket.id, sender="resident") == 0
    assert count(world, ProgrammeProgress, enrolment_id=enrolment) == 0
    with world["sessions"]() as session:  # the team's message is still unread for its own resident
        assert session.execute(select(SecureMessage.read_at).where(SecureMessage.ticket_id == ticket.id)).scalar_one() is None
    assert other.get(f"{url}{OWN}/requests/{2 ** 40}/messages").status_code == 404  # beyond the database's ids


def test_a_phone_request_has_no_thread_and_a_closed_one_takes_no_reply(world):
    url = world["url"]
    s = resident(world, 0)
    phone = ticket_for(world, 0, method="phone")
    listed = next(r for r in s.get(url + OWN + "/summary").json()["requests"] if r["id"] == phone.id)
    assert listed["has_thread"] is False and listed["can_reply"] is False
    assert s.get(f"{url}{OWN}/requests/{phone.id}/messages").status_code == 404
    assert s.post(f"{url}{OWN}/requests/{phone.id}/messages",
                  json={"body": "Hei", "idempotency_key": "p1"}).status_code == 404
    closed = ticket_for(world, 0)
    pro = staff_message(world, closed)
    world["tickets"].close(pro, closed.id, "no_further_need")
    listed = next(r for r in s.get(url + OWN + "/summary").json()["requests"] if r["id"] == closed.id)
    assert listed["status_text"] == "Käsitelty" and listed["can_reply"] is False
    assert len(s.get(f"{url}{OWN}/requests/{closed.id}/messages").json()["messages"]) == 1  # still readable
    late = s.post(f"{url}{OWN}/requests/{closed.id}/messages", json={"body": "Vielä yksi asia", "idempotency_key": "c1"})
    assert late.status_code == 409 and "uusi yhteydenottopyyntö" in late.json()["message"]
    assert count(world, SecureMessage, ticket_id=closed.id, sender="resident") == 0


def test_a_programme_only_a_professional_assigns_is_not_offered_nor_started(world, monkeypatch):
    from bot.web.runtime import WebRuntime

    url = world["url"]
    s = resident(world, 2)
    real = WebRuntime.library

    def library(self):
        shipped = real(self)
        stressi = shipped.programmes["stressi"]
        only_staff = dataclasses.replace(stressi, start=dataclasses.replace(stressi.start, assessment=None, paths=()))
        return dataclasses.replace(shipped, programmes={**shipped.programmes, "stressi": only_staff})

    monkeypatch.setattr(WebRuntime, "library", library)
    assert "stressi" not in {p["id"] for p in s.get(url + OWN + "/programmes").json()["programmes"]}
    refused = s.post(url + OWN + "/programmes", json={"programme": "stressi"})
    assert refused.status_code == 403 and "ammattilaiselta" in refused.json()["message"]
    assert count(world, ProgrammeEnrolment, person_key=key_of(2), programme_id="stressi") == 0


@pytest.mark.parametrize("headers", [{"Origin": "https://pahantahtoinen.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Referer": "https://pahantahtoinen.example/sivu"}])
def test_changes_sent_by_another_sites_page_are_refused_and_store_nothing(world, headers):
    url = world["url"]
    s = resident(world, 1)
    ticket = ticket_for(world, 1)
    for path, body in ((f"/requests/{ticket.id}/messages", {"body": "Hei", "idempotency_key": "cs-1"}),
                       ("/notification", {"channel": "email", "address": "matti@example.fi"}),
                       ("/programmes", {"programme": "stressi"}), ("/terms", {"version": TERMS.version})):
        answer = s.post(url + OWN + path, json=body, headers=headers)
        assert answer.status_code == 403 and "toiselta sivustolta" in answer.json()["message"], path
    assert s.delete(url + OWN + "/notification", headers=headers).status_code == 403
    assert count(world, SecureMessage, ticket_id=ticket.id) == 0
    assert count(world, ProgrammeEnrolment, person_key=key_of(1), programme_id="stressi") == 0


def test_bad_input_is_refused_whole_with_a_finnish_message(world):
    url = world["url"]
    s = resident(world, 2)
    ticket = ticket_for(world, 2)
    thread = f"{url}{OWN}/requests/{ticket.id}/messages"
    for body, field in (({"body": "x" * (MAX_BODY + 1), "idempotency_key": "b1"}, "body"),
                        ({"body": "   ", "idempotency_key": "b2"}, "body"),
                        ({"body": 12, "idempotency_key": "b3"}, "body"),
                        ({"body": "Hei", "idempotency_key": ""}, "idempotency_key"),
                        ({"body": "Hei", "idempotency_key": "b4", "ticket_id": 7}, "ticket_id")):
        answer = s.post(thread, json=body)
        assert answer.status_code == 400 and answer.json()["field"] == field, body
        assert answer.json()["message"] and "Traceback" not in answer.text
    assert "4000" in s.post(thread, json={"body": "x" * (MAX_BODY + 1), "idempotency_key": "b1"}).json()["message"]
    form = s.post(thread, data={"body": "Hei", "idempotency_key": "b5"})  # not JSON: a form cannot post here
    assert form.status_code == 415
    assert s.post(thread, data=b"[1, 2", headers={"Content-Type": "application/json"}).status_code == 400
    huge = s.post(thread, json={"body": "x" * 20_000, "idempotency_key": "b6"})
    assert huge.status_code == 413 and "liian suuri" in huge.json()["message"]
    assert count(world, SecureMessage, ticket_id=ticket.id) == 0

    assert s.post(url + OWN + "/programmes", json={"programme": "ei-ole"}).status_code == 400
    assert s.post(url + OWN + "/programmes", json={"programme": ["alkoholi"]}).status_code == 400
    assert s.post(url + OWN + "/programmes", json={"programme": "alkoholi", "goal": "kohtuus"}).status_code == 400
    assert s.post(url + OWN + "/programmes", json={"programme": "stressi", "goal": "reduce"}).status_code == 400
    assert count(world, ProgrammeEnrolment, person_key=key_of(2)) == 0

    enrolment = s.post(url + OWN + "/programmes", json={"programme": "alkoholi", "goal": "stop"}).json()["programme"]
    base = f"{url}{OWN}/programmes/{enrolment['id']}"
    first = base + "/modules/tavoite-ja-paivakirja"
    yesterday = (dt.date.fromisoformat(enrolment["started"]) - dt.timedelta(days=1)).isoformat()
    tomorrow = (dt.date.fromisoformat(enrolment["started"]) + dt.timedelta(days=1)).isoformat()
    for body, field in (({"day": yesterday, "amount": 1}, "day"), ({"day": tomorrow, "amount": 1}, "day"),
                        ({"day": "7.12.2026", "amount": 1}, "day"), ({"day": enrolment["started"], "amount": -1}, "amount"),
                        ({"day": enrolment["started"], "amount": 41}, "amount"),
                        ({"day": enrolment["started"], "amount": "2"}, "amount"),
                        ({"day": enrolment["started"], "amount": True}, "amount"),
                        ({"day": enrolment["started"], "amount": 1.3}, "amount")):
        answer = s.post(first + "/exercise", json={**body, "idempotency_key": uuid.uuid4().hex})
        assert answer.status_code == 400 and answer.json()["field"] == field, body
    answer = s.post(first + "/check-in", json={"answer": "joka päivä", "idempotency_key": "c1"})
    assert answer.status_code == 400 and answer.json()["field"] == "answer"
    assert count(world, ProgrammeProgress, enrolment_id=enrolment["id"]) == 0


def test_unknown_and_unopened_programme_parts_are_refused(world):
    url = world["url"]
    s = resident(world, 1)
    enrolment = s.post(url + OWN + "/programmes", json={"programme": "stressi"}).json()["programme"]
    base = f"{url}{OWN}/programmes/{enrolment['id']}"
    unknown = s.get(base + "/modules/ei-tallaista")
    assert unknown.status_code == 404 and unknown.json()["error"] == "module_not_found"
    later = [m for m in enrolment["modules"] if not m["open"]]
    assert later, "stressi has modules that open later"
    for method, suffix, body in (("GET", "", None), ("POST", "/done", {"idempotency_key": "l1"}),
                                 ("POST", "/check-in", {"answer": "x", "idempotency_key": "l2"}),
                                 ("POST", "/exercise", {"value": 3, "idempotency_key": "l3"})):
        answer = s.request(method, f"{base}/modules/{later[0]['id']}{suffix}", json=body)
        assert answer.status_code == 409 and later[0]["opens"] in answer.json()["message"], suffix
    assert s.post(base + "/diary", json={"day": enrolment["started"], "amount": 1,
                                         "idempotency_key": "d1"}).status_code == 404  # stressi keeps no diary
    opened = s.get(base).json()["open_modules"][0]
    wrong_kind = s.post(f"{base}/modules/{opened['id']}/exercise", json={"value": 5, "idempotency_key": "t1"})
    assert wrong_kind.status_code == 400 and wrong_kind.json()["field"] == "text"
    assert s.get(f"{url}{OWN}/programmes/999999").status_code == 404
    assert count(world, ProgrammeProgress, enrolment_id=enrolment["id"]) == 0


def test_a_database_that_is_down_is_a_503_in_finnish(world, monkeypatch):
    from actions.store.transactions import StoreUnavailable
    from bot.web.runtime import WebRuntime

    s = resident(world, 0)

    def down(self):
        raise StoreUnavailable("connection refused")

    monkeypatch.setattr(WebRuntime, "own_space", down)
    answer = s.get(world["url"] + OWN + "/summary")
    assert answer.status_code == 503 and "Mitään ei tallennettu" in answer.json()["message"]


# -- the texts ------------------------------------------------------------------------------------------

def test_the_texts_file_is_checked_when_loaded(tmp_path):
    from bot.web.own_space_texts import DEFAULT_TEXTS

    shipped = DEFAULT_TEXTS.read_text(encoding="utf-8")
    texts = load_own_space_texts()
    assert texts.refusal("body", limit=4000) == "Kirjoita viesti. Se voi olla enintään 4000 merkkiä pitkä."
    assert texts.refusal("kenttä") == 'Tieto "kenttä" ei kelpaa. Tarkista se ja yritä uudelleen.'
    assert texts.refusal("number", minimum="0").endswith("väliltä 0–maximum.")  # a missing value shows, no error
    for broken, named in ((shipped.replace('version: "2026-12"', 'version: "2026 12"'), "terms.version"),
                          (shipped.replace("  closed: Käsitelty\n", ""), "statuses.closed"),
                          (shipped.replace("Tämä osa avautuu {date}.", "Tämä osa avautuu {paiva}."),
                           "errors.module_not_open"),
                          (shipped.replace("merkkiä pitkä.", "merkkiä {henkilo}.", 1), "errors.fields.body")):
        path = tmp_path / "texts.yml"
        path.write_text(broken, encoding="utf-8")
        with pytest.raises(ValueError, match=named.replace(".", r"\.")):
            load_own_space_texts(path)


def test_the_list_keeps_the_programmes_start_rule_and_records_the_resident_as_the_starter(world):
    """At or above the cut-off of the programme's own assessment a professional comes first, as in the chat."""
    url, s, key = world["url"], resident(world, 1), key_of(1)
    for earlier in world["space"].enrolments(key):  # another test's start of the same programme
        if earlier.programme_id == "stressi" and earlier.status == "active":
            world["space"].end_enrolment(key, earlier.id, "stopped")
    before = count(world, ProgrammeEnrolment, person_key=key, programme_id="stressi")
    world["space"].record_result(key, "gad7", 15, "vaikea", taken_at=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc))
    refused = s.post(url + OWN + "/programmes", json={"programme": "stressi"})
    assert refused.status_code == 409 and refused.json()["error"] == "programme_needs_contact", refused.text
    message = refused.json()["message"]
    assert "ammattilaisen" in message and "yhteydenottopyyntö" in message and "112" in message and "{" not in message
    assert count(world, ProgrammeEnrolment, person_key=key, programme_id="stressi") == before
    world["space"].record_result(key, "gad7", 3, "vähäinen", taken_at=dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc))
    started = s.post(url + OWN + "/programmes", json={"programme": "stressi"})  # the latest result counts
    assert started.status_code == 201, started.text
    [enrolment] = [e for e in world["space"].enrolments(key) if e.programme_id == "stressi" and e.status == "active"]
    assert enrolment.started_by == "resident" and enrolment.id == started.json()["programme"]["id"]
