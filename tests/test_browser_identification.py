"""Real-browser tests (Playwright driving Debian's Chromium, headless) against the whole stack:
Rasa, the actions server and the web app with the local test identity provider."""
from __future__ import annotations

import functools
import json
import re
import urllib.request

import pytest

from bench.stack import Stack
from bot.web.test_idp import TEST_PEOPLE
from tests import browsers
from tests.helpers import MODEL, NEEDS_MODEL

pytest.importorskip("playwright.sync_api")
pytestmark = [*NEEDS_MODEL, browsers.NEEDS_CHROMIUM]
browser = browsers.browser  # the fixture: one Chromium for this module
TIMEOUT = 30_000


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = Stack(MODEL, workdir=tmp_path_factory.mktemp("browser"), with_web=True)
    running.extra_env.update({"ASSISTANT_TEST_IDP": "1", "ASSISTANT_PUBLIC_URL": running.web_url,
                              "ASSISTANT_SESSION_SECRET": "browser-test-secret-" + "s" * 40})
    running.start()
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
    page.wait_for_selector("#chat-log .msg.bot")  # the greeting
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
