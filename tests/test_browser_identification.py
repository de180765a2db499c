"""Real-browser tests (Playwright driving Debian's Chromium, headless) against the whole stack:
Rasa, the actions server and the web app with the local test identity provider, and a local SMTP
server for the notifications. One stack for the module (starting one costs most of a minute): the
identification, logout and erasure; and issue 18's whole loop of the resident's own space with the
professional on the team API (`test_the_own_space_loop_from_identification_to_the_professionals_unread_count`)."""
from __future__ import annotations

import email
import email.policy
import functools
import json
import re
import time
import urllib.request
from typing import Any

import pytest
from sqlalchemy import select

from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.models import AccessLogEntry
from bench.stack import Stack
from bot.web.test_idp import TEST_PEOPLE
from tests import browsers
from tests.helpers import MODEL, NEEDS_MODEL, send
from tests.servers import SmtpTestServer

pytest.importorskip("playwright.sync_api")
pytestmark = [*NEEDS_MODEL, browsers.NEEDS_CHROMIUM]
browser = browsers.browser  # the fixture: one Chromium for this module
TIMEOUT = 30_000


SENDER = "ei-vastausta@hyvinvointialue.example"


@pytest.fixture(scope="module")
def smtp():
    """The local SMTP server the web app's delivery task sends to (started before the stack reads its address)."""
    server = SmtpTestServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, smtp):
    workdir = tmp_path_factory.mktemp("browser")
    running = Stack(MODEL, workdir=workdir, with_web=True)
    running.extra_env.update({"ASSISTANT_TEST_IDP": "1", "ASSISTANT_PUBLIC_URL": running.web_url,
                              "ASSISTANT_SESSION_SECRET": "browser-test-secret-" + "s" * 40,
                              "ASSISTANT_PERSON_KEY_SECRET": "browser-test-person-keys-" + "p" * 40,
                              "ASSISTANT_SMTP_HOST": "127.0.0.1", "ASSISTANT_SMTP_PORT": str(smtp.port),
                              "ASSISTANT_SMTP_FROM": SENDER, "ASSISTANT_NOTIFY_INTERVAL_SECONDS": "1"})
    running.start()
    running.database_url = f"sqlite:///{workdir / f'assistant-{running.rasa_port}.db'}"  # type: ignore[attr-defined]
    yield running
    running.stop()


@pytest.fixture()
def page(browser):
    context = browser.new_context(locale="fi-FI")
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT)
    yield opened
    context.close()


def bot_messages(page) -> int:
    return page.locator("#chat-log .msg.bot").count()


def say(page, text: str) -> None:
    before = bot_messages(page)
    page.fill("#chat-input", text)
    page.click("#chat-send")
    page.locator("#chat-log .msg.bot").nth(before).wait_for()  # (the page's CSP forbids wait_for_function's eval)


def tracker_identity(stack, conversation: str):
    with urllib.request.urlopen(stack.api(f"/conversations/{conversation}/tracker"), timeout=30) as answer:
        return json.load(answer)["slots"].get("identity")


def test_identifying_carries_the_conversation_over_and_logout_ends_it(stack, page):
    page.goto(stack.web_url + "/")
    # the greeting: under a second since the servers warm up before they listen (8 Dec 2026); the wait leaves room
    # for a busy 2-core machine running another module's servers beside this one (pytest-xdist)
    page.wait_for_selector("#chat-log .msg.bot", timeout=2 * TIMEOUT)
    say(page, "mistä saan apua unettomuuteen")
    anonymous = page.evaluate("sessionStorage.getItem('chat.session')")

    page.click("#identify")
    page.get_by_text("Saako tämän keskustelun tähänastiset viestit").wait_for()
    page.get_by_role("button", name="Kyllä, ota viestit mukaan").click()
    page.wait_for_url(re.compile(r"/test-idp/sso"))
    person = TEST_PEOPLE[0]
    page.get_by_role("button", name=re.compile(person.name)).click()
    page.wait_for_url(stack.web_url + "/")  # through the ACS and back to the chat
    page.wait_for_selector("#identity-status:not([hidden])")
    assert page.text_content("#identity-status") == f"Tunnistautunut: {person.name}"
    log = page.locator("#chat-log")
    assert "mistä saan apua unettomuuteen" in log.inner_text()  # the anonymous part was kept
    assert "Olet nyt tunnistautunut vahvasti nimellä Aino Testinen" in log.inner_text()
    assert page.evaluate("sessionStorage.getItem('chat.session')") == anonymous
    assert tracker_identity(stack, anonymous) == {"code": person.code, "name": person.name}

    say(page, "miten varaan ajan hammaslääkärille")  # the bot continues the same conversation
    assert "hammas" in log.inner_text().lower()

    page.get_by_role("button", name="Kirjaudu ulos").click()
    page.wait_for_url(stack.web_url + "/")
    page.get_by_text("Olet kirjautunut ulos").wait_for()
    assert page.is_hidden("#identity-status") and page.is_visible("#identify")
    for _ in range(100):
        current = page.evaluate("sessionStorage.getItem('chat.session')")
        if current and current != anonymous:
            break
        page.wait_for_timeout(100)
    assert current and current != anonymous
    assert "unettomuuteen" not in log.inner_text()
    assert tracker_identity(stack, anonymous) is None


def test_markup_in_a_message_is_shown_as_text_and_never_run(stack, page):
    page.goto(stack.web_url + "/")
    page.wait_for_selector("#chat-log .msg.bot")
    markup = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>lihava</b>'
    say(page, markup)
    assert page.locator("#chat-log .msg.user").last.inner_text().endswith(markup)
    assert page.locator("#chat-log img, #chat-log script, #chat-log b").count() == 0
    assert page.evaluate("window.__pwned") is None
    page.reload()  # the transcript kept in sessionStorage is rendered as text again
    page.wait_for_selector("#chat-log .msg.user")
    assert page.locator("#chat-log img, #chat-log script, #chat-log b").count() == 0
    assert page.evaluate("window.__pwned") is None


def tracker_user_texts(stack, conversation: str) -> list[str]:
    with urllib.request.urlopen(stack.api(f"/conversations/{conversation}/tracker"), timeout=30) as answer:
        return [e.get("text") for e in json.load(answer)["events"] if e.get("event") == "user"]


def test_an_identified_resident_erases_the_conversation_from_the_chat(stack, page):
    page.goto(stack.web_url + "/")
    page.wait_for_selector("#chat-log .msg.bot")
    page.click("#identify")
    page.get_by_role("button", name="Ei, aloitetaan alusta").click()
    page.wait_for_url(re.compile(r"/test-idp/sso"))
    page.get_by_role("button", name=re.compile(TEST_PEOPLE[1].name)).click()
    page.wait_for_url(stack.web_url + "/")
    page.wait_for_selector("#erase-form:not([hidden])")
    say(page, "mistä saan apua unettomuuteen")
    conversation = page.evaluate("sessionStorage.getItem('chat.session')")
    assert "mistä saan apua unettomuuteen" in tracker_user_texts(stack, conversation)

    page.once("dialog", lambda dialog: dialog.dismiss())  # "Poistetaanko…?" No: nothing happens
    page.get_by_role("button", name="Poista keskusteluni tiedot").click()
    assert page.is_visible("#identity-status") and tracker_user_texts(stack, conversation)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Poista keskusteluni tiedot").click()
    page.get_by_text("Keskustelusi tiedot ja ilmoitusosoitteesi on poistettu").wait_for()
    assert page.is_hidden("#identity-status") and page.is_hidden("#erase-form")
    assert "unettomuuteen" not in page.locator("#chat-log").inner_text()
    assert tracker_user_texts(stack, conversation) == []  # gone from the tracker store


def fulfil_html(body: str, route) -> None:
    route.fulfill(status=200, content_type="text/html", body=body)


def test_another_sites_page_can_neither_start_a_login_nor_erase(stack, page):
    """A form on another site posting to /auth/login or /auth/erase gets the Finnish refusal (the
    chat's own forms work: the tests above)."""
    for action, refusal in (("/auth/login", "Tunnistautumispyyntö tuli toiselta sivustolta"),
                            ("/auth/erase", "Poistopyyntö tuli toiselta sivustolta")):
        foreign = (f'<!doctype html><form method="post" action="{stack.web_url}{action}">'
                   f'<input name="carry_over" value="no"></form><script>document.forms[0].submit()</script>')
        page.route("http://toinen-sivusto.example/", functools.partial(fulfil_html, foreign))
        page.goto("http://toinen-sivusto.example/")
        page.wait_for_url(stack.web_url + action)
        page.get_by_text(refusal).wait_for()
        page.unroute("http://toinen-sivusto.example/")


# -- issue 18: the resident's own space and the professional, the whole loop -------------------------------
STAFF_PASSWORD = "salasana-joka-on-pitka"
REPLY = "Hei Saara, kiitos viestistäsi. Soitan sinulle huomenna aamupäivällä juomapäiväkirjastasi."
ANSWER = "Kiitos, aamupäivä sopii minulle hyvin."


def choose(page, title: str) -> None:
    """Click the chat's newest enabled button of this title (an answered question's buttons are disabled)."""
    page.get_by_role("button", name=title, exact=True, disabled=False).last.click()


def team_api(stack, method: str, path: str, token: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    answer = send(urllib.request.Request(f"{stack.web_url}/team/api{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {token}"}))
    assert answer.status < 300, (method, path, answer.status, answer.text)
    return answer.json


def sign_in(stack, username: str) -> str:
    answer = send(urllib.request.Request(f"{stack.web_url}/team/api/session", method="POST",
                                         data=json.dumps({"username": username, "password": STAFF_PASSWORD}).encode(),
                                         headers={"Content-Type": "application/json"}))
    assert answer.status == 201, answer.text
    return answer.json["token"]


def wait_for(found, seconds: float = 20.0) -> Any:
    """Poll `found()` every 0.2 s until it gives something true (or fail after `seconds`)."""
    deadline = time.monotonic() + seconds
    while not (value := found()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert value, "waited in vain"
    return value


def test_the_own_space_loop_from_identification_to_the_professionals_unread_count(stack, smtp, browser):
    """Issue 18's "Done when": identify → Omat asiat's terms → AUDIT-C in the chat → "Haluan vähentää
    juomista" → a module's diary exercise, check-in and done → a notification address → "Tilanteeni on
    huonompi" → a contact request by secure message → the professional claims it, reads the overview with
    the progress and replies → the content-free e-mail → the resident reads the reply and answers → every
    staff read in the access log → the professional sees the answer waiting."""
    engine = make_engine(stack.database_url)
    accounts = AccountStore(make_session_factory(engine))
    accounts.create("hoitaja.h", "Hanna Hoitaja", "professional", STAFF_PASSWORD)
    accounts.create("paakayttaja", "Pääkäyttäjä", "admin", STAFF_PASSWORD)
    person = TEST_PEOPLE[2]  # the other tests identify the first two
    context = browser.new_context(locale="fi-FI", timezone_id="Europe/Helsinki")  # the server's calendar day
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        # identify (a fresh conversation) and open Omat asiat from the chat: the terms come first
        page.goto(stack.web_url + "/")
        page.wait_for_selector("#chat-log .msg.bot")
        page.get_by_role("button", name="Tunnistaudu vahvasti").click()
        page.get_by_role("button", name="Ei, aloitetaan alusta").click()
        page.wait_for_url(re.compile(r"/test-idp/sso"))
        page.get_by_role("button", name=re.compile(person.name)).click()
        page.wait_for_url(stack.web_url + "/")
        page.get_by_text(f"Tunnistautunut: {person.name}").wait_for()
        page.get_by_role("link", name="Omat asiat", exact=True).click()
        page.wait_for_url(stack.web_url + "/omat-asiat")
        page.get_by_role("heading", name="Käyttöehdot").wait_for()
        page.get_by_label("Olen lukenut käyttöehdot ja hyväksyn ne").check()
        page.get_by_role("button", name="Hyväksy ja jatka").click()
        page.get_by_role("heading", name="Yhteydenottopyyntöni").wait_for()
        assert page.get_by_text("Sinulla ei ole yhteydenottopyyntöjä").is_visible()

        # back in the chat: AUDIT-C by the buttons (a woman of 20-64: cut-off 5; 2 + 1 + 1 = 4, below it)
        page.get_by_role("link", name="Palaa chattiin").click()
        page.wait_for_url(stack.web_url + "/")
        page.get_by_text(f"Tunnistautunut: {person.name}").wait_for()
        page.get_by_text("Yhteys on auki.").wait_for()
        page.get_by_label("Kirjoita viestisi").fill("haluan tehdä alkoholitestin")  # the rule starts AUDIT-C
        page.get_by_role("button", name="Lähetä").click()
        for answer in ("20–64 vuotta", "Naisten raja", "2–4 kertaa kuussa", "3–4 annosta",
                       "Harvemmin kuin kerran kuussa"):
            choose(page, answer)
        page.get_by_text("Tulos tallentui Omiin asioihisi").wait_for()
        choose(page, "Haluan vähentää juomista")
        page.get_by_text("Hienoa, ohjelmasi on aloitettu: Alkoholin käytön omahoito-ohjelma.").wait_for()

        # Omat asiat: the result, the programme; its first module's diary exercise, check-in and "done"
        page.locator("header").get_by_role("link", name="Omat asiat").click()
        page.wait_for_url(stack.web_url + "/omat-asiat")
        results = page.get_by_role("table", name="Itsearvioiden tulokset, uusin ensin")
        results.get_by_role("cell", name="4 / 12").wait_for()
        assert "alle raja-arvon 5" in results.inner_text() and "AUDIT-C" in results.inner_text()
        page.get_by_role("button", name="Avaa ohjelma").click()
        opened = page.get_by_role("region", name="Alkoholin käytön omahoito-ohjelma")
        opened.get_by_text("Tavoitteesi: Haluan vähentää juomista").wait_for()
        module = opened.get_by_role("article").filter(
            has=page.get_by_role("heading", name=re.compile("^Tavoite ja juomapäiväkirja")))
        module.get_by_label("Annokset (0 = en juonut)").fill("3")
        with page.expect_response(re.compile(r"/modules/tavoite-ja-paivakirja/exercise$")) as stored:
            module.get_by_role("button", name="Tallenna").click()
        assert stored.value.status == 201, stored.value.text()
        module.get_by_text(re.compile(r"^Kirjattu .*: 3$")).wait_for()  # the page shows it, re-read from the server
        module.get_by_label("Joka päivä tai melkein").check()
        with page.expect_response(re.compile(r"/modules/tavoite-ja-paivakirja/check-in$")) as stored, \
                page.expect_response(re.compile(r"/auth/own/programmes/\d+$")):  # then the page reads it anew
            module.get_by_role("button", name="Vastaa").click()
        assert stored.value.status == 201, stored.value.text()
        with page.expect_response(re.compile(r"/modules/tavoite-ja-paivakirja/done$")) as stored:
            module.get_by_role("button", name="Merkitse osa tehdyksi").click()
        assert stored.value.status == 201, stored.value.text()
        page.get_by_role("heading", name="Tavoite ja juomapäiväkirja (Tehty)").wait_for()
        programmes = page.get_by_role("region", name="Omahoito-ohjelmani")
        programmes.get_by_text("33 %").wait_for()
        assert programmes.get_by_role("table", name="Viikon annokset").get_by_role("cell", name="3", exact=True).count()

        # an e-mail address for the notifications
        notify = page.get_by_role("region", name="Ilmoitus uusista viesteistä")
        notify.get_by_label("Sähköpostiin").check()
        notify.get_by_label("Sähköpostiosoite tai matkapuhelinnumero").fill("saara@example.fi")
        notify.get_by_role("button", name="Tallenna").click()
        notify.get_by_text("Ilmoitukset menevät nyt osoitteeseen: saara@example.fi").wait_for()

        # "Tilanteeni on huonompi": the chat opens with the same button (a link alone sends nothing), then the
        # programme's worse step and the contact request, which asks the way to answer
        page.get_by_role("link", name="Tilanteeni on huonompi").first.click()
        page.wait_for_url(stack.web_url + "/")
        page.get_by_text("Tulit omahoito-ohjelmasta").wait_for()
        choose(page, "Tilanteeni on huonompi")
        choose(page, "Yhteydenotto lähipäivinä riittää")
        choose(page, "Ohita")  # the own words: the programme's progress says enough
        choose(page, "Viestillä tunnistautuneena asiointipalvelussa")
        choose(page, "Aamupäivällä")
        summary = page.locator("#chat-log .msg.bot", has_text="Välitämme asiakasohjaukseen nämä tiedot")
        summary.wait_for()
        assert "Yhteydenotto: viestillä tunnistautuneena" in summary.inner_text()
        assert "Alkoholin käytön omahoito-ohjelma: 1/3 osaa tehty" in summary.inner_text()
        choose(page, "Kyllä, lähetä pyyntö")
        confirmation = page.locator("#chat-log .msg.bot", has_text="Yhteydenottopyyntösi on vastaanotettu")
        confirmation.wait_for()
        assert "vastaa sinulle asiointipalvelussa" in confirmation.inner_text()
        reference = re.search(r"Viite: ([A-Z0-9]{4}-[A-Z0-9]{4})", confirmation.inner_text()).group(1)

        # the professional: the queue, claim, the ticket with the progress, the overview, the thread; a reply
        token = sign_in(stack, "hoitaja.h")
        queue = team_api(stack, "GET", "/tickets?contact_method=secure_message", token)["tickets"]
        [ticket] = [t for t in queue if t["reference"] == reference]
        assert (ticket["contact_method"], ticket["urgency"], ticket["unread_replies"]) == ("secure_message", "normal", 0)
        team_api(stack, "POST", f"/tickets/{ticket['id']}/claim", token)
        read = team_api(stack, "GET", f"/tickets/{ticket['id']}", token)
        [carried] = read["prefilled"]["programmes"]
        assert (carried["programme"], carried["goal"], carried["modules_done"], carried["reported_worse"]) == (
            "alkoholi", "reduce", 1, True)
        overview = team_api(stack, "GET", f"/tickets/{ticket['id']}/person", token)
        assert [(r["instrument_id"], r["score"]) for r in overview["results"]] == [("auditc", 4)]
        [programme] = overview["programmes"]
        assert (programme["programme_id"], programme["goal"], programme["modules_done"], programme["modules_total"]) == (
            "alkoholi", "reduce", 1, 3)
        assert [c["answer"] for c in programme["check_ins"]] == ["Joka päivä tai melkein"]
        assert [(w["week"], w["total"], w["days_recorded"], w["dry_days"]) for w in programme["diary_weeks"]] == [
            (1, 3.0, 1, 0)]
        assert team_api(stack, "GET", f"/tickets/{ticket['id']}/messages", token)["messages"] == []
        team_api(stack, "POST", f"/tickets/{ticket['id']}/messages", token, {"body": REPLY, "idempotency_key": "r-1"})

        # announced in the resident's live identified chat, never with its content
        announcement = page.locator("#chat-log .msg.bot", has_text="Sinulle on uusi viesti")
        announcement.wait_for()
        assert "Soitan" not in page.locator("#chat-log").inner_text()

        # the content-free e-mail, from the web app's delivery task to the local SMTP server
        [mail] = wait_for(lambda: [m for m in smtp.received if m.recipients == ["saara@example.fi"]])
        assert mail.mail_from == SENDER
        parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
        text = parsed.get_body().get_content()  # type: ignore[union-attr]
        assert parsed["Subject"] == "Sinulle on uusi viesti" and f"{stack.web_url}/omat-asiat" in text
        assert "Soitan" not in text and "juomapäiväkirja" not in text and person.given_name not in text
        assert person.code not in text and reference not in text

        assert announcement.get_by_role("link", name="Omat asiat").get_attribute("href") == f"{stack.web_url}/omat-asiat"

        # the resident reads the reply in Omat asiat and answers it
        page.locator("header").get_by_role("link", name="Omat asiat").click()
        page.wait_for_url(stack.web_url + "/omat-asiat")
        request = page.get_by_role("region", name="Yhteydenottopyyntöni").get_by_role("listitem").filter(
            has_text=reference)
        request.get_by_text("1 uutta viestiä").wait_for()
        request.get_by_role("button", name="Avaa viestit").click()
        thread = page.get_by_role("region", name="Viestit")
        thread.get_by_text(REPLY).wait_for()
        assert thread.get_by_text(re.compile("^Asiakasohjaus, ")).is_visible()
        assert "Hanna" not in thread.inner_text()  # the team's messages are "Asiakasohjaus", never a name
        thread.get_by_label("Vastauksesi").fill(ANSWER)
        thread.get_by_role("button", name="Lähetä vastaus").click()
        page.get_by_text("Viestisi on lähetetty.").wait_for()
        thread.get_by_text(ANSWER).wait_for()
        assert thread.get_by_text(re.compile("^Sinä, ")).is_visible()

        # the professional sees the answer waiting, in the queue and in the thread
        waiting = team_api(stack, "GET", "/tickets?unread=true&contact_method=secure_message", token)["tickets"]
        assert [(t["reference"], t["unread_replies"]) for t in waiting] == [(reference, 1)]
        messages = team_api(stack, "GET", f"/tickets/{ticket['id']}/messages", token)
        assert [(m["sender"], m["body"]) for m in messages["messages"]] == [("staff", REPLY), ("resident", ANSWER)]
        assert messages["unread_replies"] == 1

        # every staff read is in the access log: the team API's (as admin) and the rows themselves
        admin = sign_in(stack, "paakayttaja")
        logged = team_api(stack, "GET", f"/access-log?ticket_id={ticket['id']}", admin)["entries"]
        staff = [e["action"] for e in reversed(logged) if e["actor"] == "account:hoitaja.h"]
        assert staff == ["list", "claim", "read", "own-space-read", "messages-read", "message", "list",
                         "messages-read"], staff
        with make_session_factory(engine)() as session:
            rows = session.execute(select(AccessLogEntry.actor, AccessLogEntry.action)
                                   .where(AccessLogEntry.ticket_id == ticket["id"])
                                   .order_by(AccessLogEntry.id)).all()
        assert [a for actor, a in rows if actor == "account:hoitaja.h"] == staff
    finally:
        context.close()
        engine.dispose()
