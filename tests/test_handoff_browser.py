"""Live handoff in real browsers: Playwright drives Debian's Chromium (headless) with a resident and a
professional in two browser contexts against the running stack (Rasa, actions server, web app).

Takeover, messages both ways, a guidance path, hand-back and the bot answering again; script
injection from the resident shown as text in the console and the widget; the relay's token and the
console's CSRF token refused when missing or wrong."""
from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request

import pytest

from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from bench.stack import Stack
from tests import browsers
from tests.helpers import MODEL, NEEDS_MODEL

PASSWORD = "salasana-joka-on-pitka"
INJECTION = "kuumetta <script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">"
pytestmark = [*NEEDS_MODEL, browsers.NEEDS_CHROMIUM]
browser = browsers.browser  # the fixture: one Chromium for this module
TIMEOUT = 30_000


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("handoff")
    token = secrets.token_urlsafe(32)
    running = Stack(MODEL, workdir=workdir, with_web=True,
                    extra_env={"ASSISTANT_HANDOFF_ALWAYS_OPEN": "1", "ASSISTANT_INTERNAL_TOKEN": token})
    engine = make_engine(f"sqlite:///{workdir / f'assistant-{running.rasa_port}.db'}")
    AccountStore(make_session_factory(engine)).create("maija", "Maija Meikäläinen", "professional", PASSWORD)
    AccountStore(make_session_factory(engine)).create("johtaja", "Palvelujohtaja", "manager", PASSWORD)
    engine.dispose()
    running.start()
    running.token = token  # type: ignore[attr-defined]
    yield running
    running.stop()


def resident_page(browser, stack):
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(stack.web_url + "/")
    # the greeting: under a second since the servers warm up before they listen (8 Dec 2026); the wait leaves room
    # for a busy 2-core machine running another module's servers beside this one (pytest-xdist)
    page.wait_for_selector("#chat-log .msg.bot", timeout=2 * TIMEOUT)
    return page


def say(page, text: str) -> None:
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")


def staff_page(browser, stack, path: str, username: str, ready: str):
    """A staff member's own browser, signed in on `path`; `ready` shows when the page is."""
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(stack.web_url + path)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in button")
    page.wait_for_selector(ready)
    return page


def professional_page(browser, stack):
    return staff_page(browser, stack, "/console", "maija", "#work:not([hidden])")


def take_first(pro) -> None:
    pro.click("#queue .take")
    pro.wait_for_selector("#conversation:not([hidden])")


def queued_with_a_professional(browser, stack):
    """A resident who asked for a human and waits in the queue, and a professional's console that
    shows them: (resident's page, professional's page)."""
    resident = resident_page(browser, stack)
    say(resident, "haluan puhua ihmisen kanssa")
    resident.wait_for_selector("#chat-log .msg.bot >> text=jonossa")
    pro = professional_page(browser, stack)
    pro.wait_for_selector("#queue .take")
    return resident, pro


def hand_back(pro, resident) -> None:
    """The professional hands the conversation back; the resident is told they are with the bot again."""
    pro.click("#hand-back")
    resident.wait_for_selector("#chat-log .msg.notice >> text=Olet taas chat-oppaan kanssa")


def test_takeover_messages_both_ways_a_path_and_hand_back(browser, stack):
    resident, pro = queued_with_a_professional(browser, stack)
    assert "odottanut" in pro.inner_text("#queue")
    take_first(pro)
    resident.wait_for_selector("#chat-log .msg.notice >> text=Maija Meikäläinen on nyt mukana")

    pro.fill("#message", "Hei, olen Maija. Miten voin auttaa?")
    pro.click("#send")
    shown = resident.locator("#chat-log .msg.professional", has_text="Miten voin auttaa")
    shown.wait_for()
    assert shown.inner_text().startswith("Ammattilainen (Maija Meikäläinen): Hei, olen Maija.")

    bot_messages = resident.locator("#chat-log .msg.bot:not(.professional)").count()
    say(resident, "minulla on ollut kuumetta kolme päivää")
    pro.wait_for_selector("#transcript .entry.resident >> text=kuumetta kolme päivää")
    resident.wait_for_timeout(1500)
    assert resident.locator("#chat-log .msg.bot:not(.professional)").count() == bot_messages  # the bot is silent

    pro.fill("#path-query", "flunssa")
    pro.click("#path-search")
    pro.click("#paths .send-path >> nth=0")
    resident.locator("#chat-log .msg.professional").nth(1).wait_for()
    assert resident.locator("#chat-log .msg.professional").nth(1).inner_text().startswith("Ammattilainen (Maija")
    pro.wait_for_selector("#transcript .entry.professional >> nth=1")

    hand_back(pro, resident)
    answers = resident.locator("#chat-log .msg.bot:not(.professional):not(.notice)")
    before = answers.count()
    say(resident, "miten varaan itselleni ajan hammaslaakarille")
    answers.nth(before).wait_for()  # the bot answers again
    pro.context.close()
    resident.context.close()


def test_script_injection_from_the_resident_stays_text(browser, stack):
    resident, pro = queued_with_a_professional(browser, stack)
    take_first(pro)
    resident.wait_for_selector("#chat-log .msg.notice >> text=on nyt mukana")
    say(resident, INJECTION)
    entry = pro.locator("#transcript .entry.resident", has_text="window.pwned")
    entry.wait_for()
    assert entry.inner_text() == "Asukas: " + INJECTION
    pro.fill("#message", "<b>lihava</b><img src=x onerror=\"window.pwned = 3\">")
    pro.click("#send")
    resident.wait_for_selector("#chat-log .msg.professional >> text=<b>lihava</b>")
    for page in (pro, resident):
        page.wait_for_timeout(300)
        assert page.evaluate("window.pwned") is None
        assert page.locator("#transcript img, #chat-log img, #transcript script, #chat-log script").count() == 0
    hand_back(pro, resident)
    pro.context.close()
    resident.context.close()


def post(url: str, body: dict, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json",
                                                                      **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_tokens_cannot_be_misused(browser, stack):
    relay = stack.url + "/webhooks/webchat/relay/message"
    message = {"conversation_id": "0" * 32, "text": "Olen hoitaja, kerro henkilötunnuksesi", "name": "Huijari"}
    assert post(relay, message) == 401
    assert post(relay, message, {"X-Internal-Token": "wrong-token"}) == 401
    assert post(relay, message, {"X-Internal-Token": stack.token[:-1]}) == 401
    assert post(relay, message, {"X-Internal-Token": stack.token}) == 404  # right token, no such conversation

    resident, pro = queued_with_a_professional(browser, stack)
    queue = pro.evaluate("fetch('/console/api/queue').then(r => r.json())")
    assert queue["handoffs"] and all("conversation_id" not in h for h in queue["handoffs"])
    handoff_id = queue["handoffs"][0]["id"]
    forged = pro.evaluate(  # the session cookie goes along, the CSRF token does not
        "id => fetch('/console/api/handoffs/' + id + '/take', {method: 'POST'}).then(r => r.status)", handoff_id)
    assert forged == 403
    wrong = pro.evaluate("id => fetch('/console/api/handoffs/' + id + '/take', {method: 'POST', headers: "
                         "{'X-CSRF-Token': 'f'.repeat(64)}}).then(r => r.status)", handoff_id)
    assert wrong == 403
    anonymous = browser.new_context().new_page()
    status = anonymous.evaluate("url => fetch(url, {method: 'POST'}).then(r => r.status)",
                                stack.web_url + f"/console/api/handoffs/{handoff_id}/take") \
        if anonymous.goto(stack.web_url + "/") else None
    assert status == 403  # no CSRF token and no session
    assert post(stack.web_url + f"/console/api/handoffs/{handoff_id}/take", {}) == 403
    cookies = pro.context.cookies()
    session = next(c for c in cookies if c["name"] == "console_session")
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert pro.evaluate("document.cookie").find("console_session") == -1
    take_first(pro)  # the real page, with its token, still can
    resident.wait_for_selector("#chat-log .msg.notice >> text=on nyt mukana")
    hand_back(pro, resident)
    anonymous.context.close()
    pro.context.close()
    resident.context.close()


def test_the_management_view_shows_what_residents_did(browser, stack):
    """Through the real Rasa and actions servers: the session start, the answer and the feedback are
    counted, and the manager's page draws them."""
    resident = resident_page(browser, stack)
    say(resident, "miten varaan aikuisena ajan hammaslääkärille")
    resident.click("#chat-log button >> text=Kyllä")
    resident.wait_for_selector("#chat-log .msg.bot >> text=Kiitos palautteesta")
    manager = staff_page(browser, stack, "/management", "johtaja", "#c-days svg")  # drawn: the figures are in
    assert int(manager.inner_text("#t-conversations")) >= 1
    assert manager.locator("#c-days svg rect").count() == 30  # the last 30 days, one column each
    assert "vastaus löytyi" in manager.inner_text("#c-outcomes")
    assert manager.locator("#c-paths .bar").count() >= 1 and manager.locator("#feedback tbody tr").count() >= 1
    assert "report.csv?from=" in manager.get_attribute("#csv", "href")
    manager.context.close()
    resident.context.close()


def test_the_bot_s_emergency_answer_in_the_widget_and_in_the_console(browser, stack):
    """The real bot's emergency answer: a heading and a tel: link to 112 in the widget, the greeting's
    buttons disabled; for the professional, a marker on the queue item and a banner on the conversation."""
    resident = resident_page(browser, stack)
    say(resident, "mun isä ei hengitä")
    card = resident.locator("#chat-log .msg.emergency")
    card.wait_for()
    assert card.locator("h2.card-heading").inner_text().startswith("Hätätilanne")
    links = card.locator("a.call")
    assert "tel:112" in [links.nth(i).get_attribute("href") for i in range(links.count())]
    older = resident.locator("#chat-log .turn", has=resident.locator(".msg.bot")).first.locator("button")
    assert all(older.nth(i).is_disabled() for i in range(older.count()))
    say(resident, "haluan puhua ihmisen kanssa")
    resident.wait_for_selector("#chat-log .msg.bot >> text=jonossa")
    pro = professional_page(browser, stack)
    pro.wait_for_selector("#queue li.emergency .queue-emergency >> text=HÄTÄOHJE ANNETTU")
    pro.click("#queue li.emergency .take")
    pro.wait_for_selector("#conversation:not([hidden])")
    pro.wait_for_selector("#emergency-banner >> text=Asiakas sai hätäohjeen")
    assert pro.get_attribute("#emergency-banner", "role") == "alert"
    hand_back(pro, resident)
    pro.context.close()
    resident.context.close()
