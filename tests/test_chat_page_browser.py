"""The resident chat page in a real browser (Playwright driving Debian's Chromium, headless), without a
trained model: the web app serves the page and its real scripts, and a small socket.io server stands in
for Rasa's web chat channel (tests/fake_rasa_socket.py).

The offline path (the message stays, the numbers to call, sent once when the connection returns), a
late answer, answers as lists with phone numbers as links, who is typing, a whole conversation by
keyboard, the restart question, narrow and zoomed screens, a long answer's start in view, message
times, bidirectional controls removed, and the conversation as a downloaded text file."""
from __future__ import annotations

import asyncio
import re

import pytest
from sanic import Sanic

from bench.stack import free_port
from bot.settings import Settings
from bot.web.app import create_app
from tests import browsers
from tests.fake_rasa_socket import FakeRasaSocket
from tests.servers import ThreadedServer

Sanic.test_mode = True  # several apps served in one test process (Sanic rewrites its protocol once otherwise)
pytest.importorskip("playwright.sync_api")
pytestmark = browsers.NEEDS_CHROMIUM
browser = browsers.browser  # the fixture: one Chromium for this module
TIMEOUT = 15_000
ACK_SECONDS = 4

GREETING = {"text": "Hei! Mistä haluat kysyä?", "buttons": [{"title": "Flunssa", "payload": "/flunssa"},
                                                             {"title": "Hammashoito", "payload": "/hammas"}]}
LIST_ANSWER = ("Flunssassa kannattaa levätä.\n- Juo riittävästi.\n- Lepää kotona.\n\nJos kuume jatkuu, "
               "ota yhteyttä terveysasemaan.")
NUMBERS_ANSWER = ("Soita 112 hätätilanteessa tai päivystysapuun 116117. Kriisipuhelin 09 2525 0111, "
                  "myrkytystietokeskus 0800 147 111 ja ulkomailta +358 800 147 111. Lapsille 116 111.\n"
                  "Asiakasohjaus 03 555 0100 ja vaihde 010 123 4567.\n"
                  "Neuvonta 040 123 4567, yöllä 09 123 4567 24 h vuorokaudessa.\n"
                  "Avoinna ma–pe 8–16 ja klo 8.00–16.00 vuonna 2026. Maksu 12,50 € tai 0,80 €. "
                  "Päivämäärä 1.2.2026, postinumero 00100 Helsinki ja 33100 Tampere. "
                  "Y-tunnus 0123456-7, henkilötunnus 010190-123A, tilinumero FI21 1234 5600 0007 85.")
NUMBER_LINKS = {"112": "tel:112", "116117": "tel:116117", "09 2525 0111": "tel:0925250111",
                "0800 147 111": "tel:0800147111", "+358 800 147 111": "tel:+358800147111", "116 111": "tel:116111",
                "03 555 0100": "tel:035550100", "010 123 4567": "tel:0101234567",
                "040 123 4567": "tel:0401234567", "09 123 4567": "tel:091234567"}
NOT_NUMBERS_ANSWER = ("Toimipiste on osoitteessa Mannerheimintie 112 A 5, ja salissa on tilaa yli 112 henkilölle; "
                      "viime vuonna kävijöitä oli 112 henkilöä ja Kotikatu 116 006 on toinen osoite.\n"
                      "Tilinumero 0123 4567 8901 ja viite 09 1234 5678 9012 3456. Aukiolo 0800-1600 ja 0800–1600.\n"
                      "Hätätilanteessa soita 112. Hätänumero 112\n112\n"
                      "Vaihde 0202 1234, ajanvaraus 03 565 7000 24 h.")
NOT_NUMBERS_LINKS = [("112", "tel:112"), ("112", "tel:112"), ("112", "tel:112"), ("0202 1234", "tel:02021234"),
                     ("03 565 7000", "tel:035657000")]
LONG_ANSWER = "Pitkän vastauksen alku.\n" + "\n".join(f"- Kohta {i}: ohje, jossa on vähän tekstiä." for i in range(60))
BIDI = "Kuume \u202etxt.exe\u202c jatkuu \u2066\u2067\u2068\u2069\u200e\u200f\u061cedelleen"
SENTINEL, SENTINEL_ANSWER = "varmistus", "Varmistus tuli perille."
REPLIES = {
    SENTINEL: [{"text": SENTINEL_ANSWER}],
    "/greet": [GREETING],
    "/flunssa": [{"text": LIST_ANSWER}],
    "/hammas": [{"text": "Hammashoitolaan voi soittaa."}],
    "lista": [{"text": LIST_ANSWER}],
    "numerot": [{"text": NUMBERS_ANSWER}],
    "osoitteet": [{"text": NOT_NUMBERS_ANSWER}],
    "hiljaa": [],  # no answer: the page says the answer is late
    "pitkä": [{"text": LONG_ANSWER}],
    "bidi \u202ekäänteinen\u202c": [{"text": BIDI, "buttons": [{"title": "Valitse \u202eA\u202c", "payload": "/a"}],
              "custom": {"links": [{"name": "Ohje \u202dtxt.exe\u202c", "url": "https://example.fi/ohje"}]}}],
}


@pytest.fixture(scope="module")
def fake_rasa():
    server = FakeRasaSocket(REPLIES)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def web(fake_rasa, tmp_path_factory):
    port = free_port()
    database = f"sqlite:///{tmp_path_factory.mktemp('chat') / 'assistant.db'}"  # never the developer's var/
    # a message's acknowledgement is awaited 4 s here (20 s by default): the tests of a silent connection wait that
    app = create_app(Settings(webchat_port=port, public_socket_url=fake_rasa.url, chat_ack_seconds=ACK_SECONDS,
                              database_url=database),
                     name=f"test_chat_page_{port}")
    url = f"http://127.0.0.1:{port}"
    running = ThreadedServer(app, port, url + "/chat-config.json")
    yield url
    running.stop()


def open_page(browser, web, **options):
    context = browser.new_context(locale="fi-FI", timezone_id="Europe/Helsinki", accept_downloads=True, **options)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(web + "/")
    page.locator("#chat-log button", has_text="Flunssa").wait_for()  # the greeting, its buttons usable
    page.wait_for_selector("#chat-status >> text=Yhteys on auki")
    return page


@pytest.fixture()
def page(browser, web):
    opened = open_page(browser, web)
    yield opened
    opened.context.close()


def say(page, text: str) -> None:
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")


def last_bot(page):
    return page.locator("#chat-log .msg.bot").last


def count_after_sentinel(page, fake_rasa, sent: str) -> int:
    """How many times the server got `sent`, counted once a later message has made the round trip (so a
    second copy still on its way would have arrived first)."""
    answers = page.locator("#chat-log .msg.bot", has_text=SENTINEL_ANSWER)
    before = answers.count()
    say(page, SENTINEL)
    answers.nth(before).wait_for()
    page.wait_for_function("() => !sessionStorage.getItem('chat.unconfirmed')")  # acknowledged
    assert fake_rasa.received[-1] == SENTINEL
    return fake_rasa.received.count(sent)


def go_silent(fake_rasa):
    """The network under the page dies without a word: the server gets no more of its packets (socket.io
    events), while the connection itself still looks open to the page. Returns how to undo it."""
    handlers = fake_rasa.sio.eio.handlers
    original = handlers["message"]

    async def swallow(*_: object) -> None:
        return None
    handlers["message"] = swallow

    def restore() -> None:
        handlers["message"] = original
    return restore


def cut_connections(fake_rasa) -> None:
    """Stop listening and cut every open connection at the TCP level, with no socket.io disconnect packet
    (what a dead network finally looks like to the page)."""
    async def cut() -> None:
        await fake_rasa.site.stop()
        for transport in list(fake_rasa.runner.server._connections.values()):
            transport.abort()
    fake_rasa._run(cut())


def test_a_message_written_into_a_dead_connection_is_sent_again_once_it_returns(page, fake_rasa):
    restore = go_silent(fake_rasa)
    try:
        before = len(fake_rasa.received)
        say(page, "lähtikö tämä")
        page.locator("#chat-log .msg.user", has_text="lähtikö tämä").wait_for()  # looks sent
        page.wait_for_selector("#chat-typing >> text=Chat-opas kirjoittaa…")
        kept = page.evaluate("JSON.parse(sessionStorage.getItem('chat.unconfirmed'))")
        assert [e["message"] for e in kept] == ["lähtikö tämä"]
        cut_connections(fake_rasa)
        page.wait_for_selector("#chat-offline:not([hidden])")
        notice = page.locator("#chat-pending")
        assert "ehkä mennyt perille" in notice.inner_text() and "kun yhteys palaa" in notice.inner_text()
        assert fake_rasa.received[before:] == []
    finally:
        restore()
        fake_rasa.come_back()
    page.wait_for_selector("#chat-offline", state="hidden")
    last_bot(page).filter(has_text="En ymmärtänyt").wait_for()
    assert "lähetettiin uudelleen" in page.inner_text("#chat-pending")
    assert page.locator("#chat-log .msg.user", has_text="lähtikö tämä").count() == 1  # not shown twice
    assert count_after_sentinel(page, fake_rasa, "lähtikö tämä") == 1


def test_a_message_that_was_answered_is_not_sent_again_after_the_connection_drops(page, fake_rasa):
    say(page, "lista")
    last_bot(page).filter(has_text="Juo riittävästi").wait_for()
    page.wait_for_function("() => !sessionStorage.getItem('chat.unconfirmed')")
    before = len(fake_rasa.received)
    cut_connections(fake_rasa)
    try:
        page.wait_for_selector("#chat-offline:not([hidden])")
        assert "perille" not in page.inner_text("#chat-pending")
    finally:
        fake_rasa.come_back()
    page.wait_for_selector("#chat-offline", state="hidden")
    assert count_after_sentinel(page, fake_rasa, "lista") == fake_rasa.received[:before].count("lista")


def test_a_message_written_offline_stays_and_is_sent_once_when_the_connection_returns(page, fake_rasa):
    fake_rasa.go_down()
    try:
        page.wait_for_selector("#chat-offline:not([hidden])")
        offline = page.locator("#chat-offline")
        hrefs = offline.locator("a.call").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert hrefs[:2] == ["tel:112", "tel:116117"] and len(hrefs) == 3  # and the region's client guidance
        assert offline.locator("a.call").first.is_visible() and "soita" in offline.inner_text().lower()
        before = len(fake_rasa.received)
        say(page, "onko apteekki auki")
        assert page.input_value("#chat-input") == "onko apteekki auki"  # never cleared while it cannot go
        notice = page.locator("#chat-pending")
        assert "ei voitu lähettää" in notice.inner_text() and "kun yhteys palaa" in notice.inner_text()
        assert notice.get_attribute("role") == "alert"
        assert page.locator("#chat-log .msg.user", has_text="onko apteekki auki").count() == 0
        page.reload()  # a reload keeps it too, and still shows the numbers
        page.wait_for_selector("#chat-offline:not([hidden])")
        assert page.input_value("#chat-input") == "onko apteekki auki"
        assert "ei voitu lähettää" in page.inner_text("#chat-pending")
        assert fake_rasa.received[before:] == []
    finally:
        fake_rasa.come_back()
    page.locator("#chat-log .msg.user", has_text="onko apteekki auki").wait_for()
    page.wait_for_selector("#chat-offline", state="hidden")
    page.locator("#chat-log .msg.bot", has_text="En ymmärtänyt").wait_for()
    assert page.input_value("#chat-input") == ""
    assert "lähetettiin" in page.inner_text("#chat-pending")
    assert count_after_sentinel(page, fake_rasa, "onko apteekki auki") == 1  # not a second time
    assert page.locator("#chat-log .msg.user", has_text="onko apteekki auki").count() == 1


def test_without_a_reload_the_waiting_message_goes_once_when_the_connection_returns(page, fake_rasa):
    fake_rasa.go_down()
    try:
        page.wait_for_selector("#chat-offline:not([hidden])")
        before = len(fake_rasa.received)
        choice = page.locator("#chat-log .buttons button", has_text="Hammashoito")
        choice.click()  # a quick reply cannot go either: it stays usable, and the page says so
        assert "valintaasi ei voitu lähettää" in page.inner_text("#chat-pending")
        assert choice.is_enabled() and page.locator("#chat-log .msg.user").count() == 0
        say(page, "onko neuvola auki")
        page.press("#chat-input", "Enter")  # pressed again: still one message
        page.click("#chat-send")
        assert page.input_value("#chat-input") == "onko neuvola auki"
        assert "ei voitu lähettää" in page.inner_text("#chat-pending")
        assert page.evaluate("sessionStorage.getItem('chat.draft')") == "onko neuvola auki"
    finally:
        fake_rasa.come_back()
    page.locator("#chat-log .msg.user", has_text="onko neuvola auki").wait_for()
    page.wait_for_selector("#chat-offline", state="hidden")
    assert page.input_value("#chat-input") == ""
    assert page.evaluate("sessionStorage.getItem('chat.draft')") is None
    assert count_after_sentinel(page, fake_rasa, "onko neuvola auki") == 1
    assert fake_rasa.received[before:] == ["onko neuvola auki", SENTINEL]


@pytest.mark.parametrize("failure", ["unreachable", "error answer"])
def test_the_offline_numbers_fall_back_to_112_and_116117_without_the_settings(browser, web, fake_rasa, failure):
    context = browser.new_context(locale="fi-FI")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    if failure == "unreachable":
        page.route("**/chat-config.json", lambda route: route.abort())
    else:  # a JSON error body is not the settings (it would point the page at the wrong socket)
        page.route("**/chat-config.json", lambda route: route.fulfill(
            status=500, content_type="application/json",
            body='{"socket_url": "%s", "offline_calls": [{"label": "Väärä", "number": "09 000 0000"}]}' % fake_rasa.url))
    page.goto(web + "/")
    page.wait_for_selector("#chat-offline:not([hidden])")
    hrefs = page.locator("#chat-offline a.call").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["tel:112", "tel:116117"]
    assert "asetuksia ei saatu ladattua" in page.inner_text("#chat-status")
    assert page.locator("#chat-log .msg").count() == 0  # and no conversation was opened
    context.close()


def test_enter_on_an_empty_box_sends_nothing_and_shows_no_browser_bubble(page, fake_rasa):
    assert page.evaluate("document.querySelector('#chat-form').noValidate")  # no validation bubble
    before = len(fake_rasa.received)
    invalid = page.evaluate("""() => { window.invalidSeen = 0;
        document.querySelector('#chat-input').addEventListener('invalid', () => { window.invalidSeen += 1; }); }""")
    assert invalid is None
    for empty in ("", "   "):
        page.fill("#chat-input", empty)
        page.press("#chat-input", "Enter")
        page.click("#chat-send")
    assert page.evaluate("window.invalidSeen") == 0
    assert page.locator("#chat-log .msg.user").count() == 0
    count_after_sentinel(page, fake_rasa, "")
    assert fake_rasa.received[before:] == [SENTINEL]


def test_the_last_offline_numbers_from_the_settings_are_kept_for_the_tab(page):
    kept = page.evaluate("JSON.parse(sessionStorage.getItem('chat.offlineCalls'))")
    assert [call["number"] for call in kept][:2] == ["112", "116117"] and len(kept) == 3
    page.route("**/chat-config.json", lambda route: route.abort())  # the settings fail after a reload
    page.reload()
    page.wait_for_selector("#chat-offline:not([hidden])")
    shown = page.locator("#chat-offline a.call")
    assert shown.count() == 3 and shown.nth(2).get_attribute("href") == "tel:" + re.sub(r"\D", "", kept[2]["number"])


def test_a_late_answer_is_noted_and_the_note_goes_when_it_arrives(page, fake_rasa):
    say(page, "hiljaa")
    page.wait_for_selector("#chat-typing >> text=Chat-opas kirjoittaa…")
    assert page.locator("#chat-typing").get_attribute("role") == "status"
    page.wait_for_selector("#chat-late >> text=Vastaus viipyy", timeout=20_000)
    fake_rasa.emit_to_all("bot_uttered", {"text": "Tässä vastaus vihdoin."})
    last_bot(page).filter(has_text="Tässä vastaus vihdoin").wait_for()
    assert page.inner_text("#chat-late") == "" and page.inner_text("#chat-typing") == ""


def test_an_answer_s_lines_become_a_list_and_paragraphs(page):
    say(page, "lista")
    answer = last_bot(page).filter(has_text="Juo riittävästi")
    answer.wait_for()
    assert answer.locator("ul > li").all_inner_texts() == ["Juo riittävästi.", "Lepää kotona."]
    paragraphs = answer.locator("p").all_inner_texts()
    assert paragraphs[0].startswith("Chat-opas:") and paragraphs[0].endswith("Flunssassa kannattaa levätä.")
    assert paragraphs[1] == "Jos kuume jatkuu, ota yhteyttä terveysasemaan."
    assert answer.locator(".who").is_visible()


def test_phone_numbers_in_an_answer_are_tel_links_and_other_numbers_are_not(page):
    say(page, "numerot")
    answer = last_bot(page).filter(has_text="Kriisipuhelin")
    answer.wait_for()
    links = answer.locator("a")
    found = dict(zip(links.all_inner_texts(),
                     links.evaluate_all("links => links.map(a => a.getAttribute('href'))")))
    assert found == NUMBER_LINKS


def test_addresses_counts_and_longer_numbers_are_not_tel_links(page):
    say(page, "osoitteet")
    answer = last_bot(page).filter(has_text="Mannerheimintie")
    answer.wait_for()
    links = answer.locator("a")
    found = list(zip(links.all_inner_texts(), links.evaluate_all("links => links.map(a => a.getAttribute('href'))")))
    assert found == NOT_NUMBERS_LINKS  # only the 112s to call, and whole numbers (a trailing "24" left out)


def test_who_is_typing_the_bot_and_a_professional(page, fake_rasa):
    typing = page.locator("#chat-typing")
    assert typing.get_attribute("role") == "status" and typing.inner_text() == ""
    assert page.locator("#chat-log #chat-typing").count() == 0  # not a turn of the log
    say(page, "hiljaa")
    page.wait_for_selector("#chat-typing >> text=Chat-opas kirjoittaa…")
    fake_rasa.emit_to_all("bot_uttered", {"text": "Vastaus."})
    last_bot(page).filter(has_text="Vastaus.").wait_for()
    assert typing.inner_text() == ""

    fake_rasa.emit_to_all("typing", {"by": "professional", "name": "Maija"})
    page.wait_for_selector("#chat-typing >> text=Ammattilainen (Maija) kirjoittaa…")
    fake_rasa.emit_to_all("typing", {"by": "professional", "active": False})
    page.wait_for_selector("#chat-typing >> text=kirjoittaa", state="detached")
    fake_rasa.emit_to_all("typing", {"by": "professional", "name": ""})
    page.wait_for_selector("#chat-typing >> text=Ammattilainen kirjoittaa…")
    fake_rasa.emit_to_all("bot_uttered", {"text": "Hei, olen Maija.",
                                          "custom": {"handoff": {"from": "professional", "name": "Maija M"}}})
    page.locator("#chat-log .msg.professional", has_text="Hei, olen Maija").wait_for()
    assert typing.inner_text() == ""
    assert page.locator("#chat-log .msg.professional .who").inner_text() == "Ammattilainen (Maija M): "
    fake_rasa.emit_to_all("bot_uttered", {"text": "Jatketaan.", "custom": {"handoff": {"from": "professional"}}})
    page.locator("#chat-log .msg.professional", has_text="Jatketaan").wait_for()
    assert page.locator("#chat-log .msg.professional .who").last.inner_text() == "Ammattilainen: "  # no "()"
    fake_rasa.emit_to_all("typing", {"by": "professional", "name": "Maija"})
    page.wait_for_selector("#chat-typing >> text=kirjoittaa")
    page.wait_for_selector("#chat-typing >> text=kirjoittaa", state="detached", timeout=12_000)  # ~6 s later


def test_a_whole_conversation_by_keyboard(page, fake_rasa):
    page.locator("body").focus()
    for _ in range(30):  # Tab from the top of the page to the message box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "chat-input":
            break
    assert page.evaluate("document.activeElement.id") == "chat-input"
    page.keyboard.type("hammas")
    page.keyboard.press("Enter")
    last_bot(page).filter(has_text="En ymmärtänyt").wait_for()
    assert page.evaluate("document.activeElement.id") == "chat-input"
    page.locator("#chat-log .buttons button").first.focus()  # a quick reply, by Tab backwards
    page.locator("#chat-input").focus()
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.textContent") == "Hammashoito":
            break
    assert page.evaluate("document.activeElement.textContent") == "Hammashoito"
    page.keyboard.press("Space")
    last_bot(page).filter(has_text="Hammashoitolaan voi soittaa").wait_for()
    assert "/hammas" in fake_rasa.received
    assert page.evaluate("document.activeElement.id") == "chat-input"  # back in the box
    page.keyboard.type("lista")
    page.keyboard.press("Enter")
    last_bot(page).filter(has_text="Juo riittävästi").wait_for()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the focus is visible


def test_restarting_asks_first_cancel_keeps_the_log_and_confirm_starts_anew(page, fake_rasa):
    say(page, "lista")
    last_bot(page).filter(has_text="Juo riittävästi").wait_for()
    first_session = page.evaluate("sessionStorage.getItem('chat.session')")
    dialog = page.locator("#restart-dialog")
    menu = page.locator("#chat-menu summary")
    menu.click()
    page.click("#chat-restart")
    assert dialog.is_visible() and page.evaluate("document.querySelector('#restart-dialog').open")
    assert page.evaluate("document.activeElement.textContent") == "Peruuta"
    page.get_by_role("button", name="Peruuta").click()
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"  # back where the resident was
    assert page.locator("#chat-log .msg", has_text="Juo riittävästi").count() == 1
    page.keyboard.press("Enter")  # the menu opens from the keyboard too
    page.click("#chat-restart")
    page.keyboard.press("Escape")  # Esc cancels too
    assert not dialog.is_visible()
    assert page.locator("#chat-log .msg", has_text="Juo riittävästi").count() == 1
    greets = fake_rasa.received.count("/greet")
    menu.click()
    page.click("#chat-restart")
    page.get_by_role("button", name="Aloita alusta").click()
    page.locator("#chat-log .msg.bot", has_text="Mistä haluat kysyä").wait_for()
    assert page.locator("#chat-log .msg", has_text="Juo riittävästi").count() == 0
    assert fake_rasa.received.count("/greet") == greets + 1
    assert page.evaluate("sessionStorage.getItem('chat.session')") not in (None, first_session)


@pytest.mark.parametrize("width,height,scale", [(320, 256, 1), (320, 180, 4), (320, 640, 2), (360, 640, 3)])
def test_narrow_and_zoomed_screens_scroll_only_one_way_and_never_sideways(browser, web, width, height, scale):
    page = open_page(browser, web, viewport={"width": width, "height": height}, device_scale_factor=scale)
    say(page, "numerot")
    last_bot(page).filter(has_text="Kriisipuhelin").wait_for()
    say(page, "https://example.fi/" + "pitkäosoiteilmanvälejä" * 8)
    page.locator("#chat-log .msg.user", has_text="pitkäosoite").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    scrollers = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => {
        const s = getComputedStyle(e);
        return /(auto|scroll)/.test(s.overflowY) && e.scrollHeight > e.clientHeight + 1 && e.tagName !== 'TEXTAREA';
    }).map(e => e.id || e.className)""")
    page_scrolls = page.evaluate("document.documentElement.scrollHeight > document.documentElement.clientHeight + 1")
    assert not (scrollers and page_scrolls), (scrollers, page_scrolls)  # never a scroll inside a scroll
    if height >= 600:  # a phone: the log is the one scrolling area, the message box stays in view
        assert scrollers == ["chat-log"] and not page_scrolls
        box = page.locator("#chat-input").bounding_box()
        assert box["y"] + box["height"] <= height
    page.context.close()


def test_the_start_of_a_long_answer_is_in_view(page):
    say(page, "pitkä")
    answer = last_bot(page).filter(has_text="Pitkän vastauksen alku")
    answer.wait_for()
    page.wait_for_function("""() => {  // the page scrolls the answer's start into view (a poll, not a wait)
        const log = document.querySelector('#chat-log').getBoundingClientRect();
        const bots = document.querySelectorAll('#chat-log .msg.bot');
        const top = bots[bots.length - 1].getBoundingClientRect().top;
        return log.top - 1 <= top && top <= log.top + log.height / 2;
    }""")
    log_box = page.locator("#chat-log").bounding_box()
    start = answer.bounding_box()
    assert log_box["y"] - 1 <= start["y"] <= log_box["y"] + log_box["height"] / 2
    assert answer.locator("li", has_text="Kohta 59").bounding_box()["y"] > log_box["y"] + log_box["height"]


def test_every_message_has_its_time_and_a_visible_sender(page):
    say(page, "lista")
    last_bot(page).filter(has_text="Juo riittävästi").wait_for()
    turns = page.locator("#chat-log .turn")
    assert turns.count() == 3
    for i in range(turns.count()):
        time = turns.nth(i).locator("time")
        assert re.fullmatch(r"\d{1,2}\.\d{2}", time.inner_text())
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", time.get_attribute("datetime"))
        assert turns.nth(i).locator(".msg .who").is_visible()
    assert [turns.nth(i).locator(".who").inner_text() for i in range(3)] == ["Chat-opas: ", "Sinä: ", "Chat-opas: "]


def test_bidirectional_controls_are_removed_from_what_is_shown(page):
    say(page, "bidi \u202ekäänteinen\u202c")
    answer = last_bot(page).filter(has_text="jatkuu")
    answer.wait_for()
    shown = page.locator("#chat-log").inner_text()
    assert "Kuume txt.exe jatkuu edelleen" in shown and "bidi käänteinen" in shown
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]", shown)
    assert answer.locator("a").first.inner_text().startswith("Ohje txt.exe")
    assert page.locator("#chat-log .buttons button").last.inner_text() == "Valitse A"


def test_the_conversation_downloads_as_a_text_file(page, tmp_path):
    say(page, "lista")
    last_bot(page).filter(has_text="Juo riittävästi").wait_for()
    page.click("#chat-menu summary")
    with page.expect_download() as info:
        page.click("#chat-download")
    download = info.value
    assert download.suggested_filename.startswith("chat-keskustelu-") and download.suggested_filename.endswith(".txt")
    saved = tmp_path / "keskustelu.txt"
    download.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert "Chat-opas:" in text and "Sinä:" in text
    assert "Hei! Mistä haluat kysyä?" in text and "  lista" in text and "  - Juo riittävästi." in text
    assert re.search(r"\[\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}\.\d{2}\] Sinä:", text)


def test_print_and_the_statement_links(page):
    page.click("#chat-menu summary")
    assert page.get_by_role("button", name="Tulosta").is_visible()
    page.keyboard.press("Escape")  # Esc closes the menu
    assert page.get_by_role("button", name="Tulosta").is_hidden()
    footer = page.get_by_role("navigation", name="Tietoa palvelusta")
    assert footer.get_by_role("link", name="Saavutettavuusseloste").get_attribute("href") == "/saavutettavuusseloste"
    assert footer.get_by_role("link", name="Tietosuojaseloste").get_attribute("href") == "/tietosuojaseloste"
    assert footer.get_by_role("link", name="Tietosuojaseloste").get_attribute("target") is None
    page.emulate_media(media="print")
    assert page.locator("#chat-form").is_hidden() and page.locator("#chat-log .buttons").first.is_hidden()
    log_style = page.evaluate("(() => { const s = getComputedStyle(document.querySelector('#chat-log'));"
                              " return [s.overflowY, s.maxHeight]; })()")
    assert log_style == ["visible", "none"]  # the whole conversation prints, not what fits the box


@pytest.mark.parametrize("scheme,forced", [("dark", "none"), ("dark", "active"), ("light", "active")])
def test_dark_and_forced_colours_keep_every_boundary(page, scheme, forced):
    page.emulate_media(color_scheme=scheme, forced_colors=forced)
    say(page, "lista")
    last_bot(page).filter(has_text="Juo riittävästi").wait_for()
    widths = page.evaluate("""() => ['#chat-log .msg.bot', '#chat-log .msg.user', '#chat-input', '#chat-send',
                                     '#chat-log .buttons button', '#chat-menu summary', '#chat-log']
        .map(s => parseFloat(getComputedStyle(document.querySelector(s)).borderTopWidth))""")
    assert all(width >= 1 for width in widths), widths
    if scheme == "dark" and forced == "none":
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert sum(int(x) for x in re.findall(r"\d+", background)[:3]) < 150  # dark, not the light page


def test_a_connection_that_stays_silent_is_opened_again_and_the_message_resent(page, fake_rasa):
    restore = go_silent(fake_rasa)  # never cut: only the missing acknowledgement shows it is dead
    try:
        before = len(fake_rasa.received)
        say(page, "kuuleeko kukaan")
        page.locator("#chat-log .msg.user", has_text="kuuleeko kukaan").wait_for()
        page.wait_for_selector("#chat-pending >> text=ehkä mennyt perille", timeout=3 * ACK_SECONDS * 1000)
        assert fake_rasa.received[before:] == []
    finally:
        restore()
    last_bot(page).filter(has_text="En ymmärtänyt").wait_for(timeout=30_000)
    assert "lähetettiin uudelleen" in page.inner_text("#chat-pending")
    assert page.locator("#chat-log .msg.user", has_text="kuuleeko kukaan").count() == 1
    assert count_after_sentinel(page, fake_rasa, "kuuleeko kukaan") == 1


@pytest.mark.parametrize("ended", ["poisto=ok", "uloskirjautuminen=ok"])
def test_after_erase_or_logout_nothing_written_before_is_sent_into_the_new_conversation(page, fake_rasa, ended):
    fake_rasa.go_down()
    try:
        page.wait_for_selector("#chat-offline:not([hidden])")
        say(page, "vanhan keskustelun viesti")
        assert page.evaluate("sessionStorage.getItem('chat.pending')") == "1"
        page.goto(page.url.split("?")[0] + "?" + ended)  # where /auth/erase and /auth/logout send the page
        page.wait_for_selector("#chat-offline:not([hidden])")
        assert page.input_value("#chat-input") == ""
        assert page.evaluate("[sessionStorage.getItem('chat.draft'), sessionStorage.getItem('chat.pending')]") == [
            None, None]
        assert page.inner_text("#chat-pending") == ""
    finally:
        fake_rasa.come_back()
    page.locator("#chat-log button", has_text="Flunssa").wait_for()  # the new conversation's greeting
    assert count_after_sentinel(page, fake_rasa, "vanhan keskustelun viesti") == 0
    assert page.input_value("#chat-input") == ""


def test_a_message_never_acknowledged_is_sent_again_only_once_then_given_back(page, fake_rasa):
    handlers = fake_rasa.sio.handlers["/"]
    original = handlers["user_uttered"]
    release = fake_rasa._run(_make_event())

    async def hang(sid: str, data: dict) -> None:  # received, but no answer and no acknowledgement ever
        fake_rasa.received.append(str((data or {}).get("message") or ""))
        await release.wait()
    handlers["user_uttered"] = hang
    try:
        before = len(fake_rasa.received)
        say(page, "kaikuuko tämä")
        page.wait_for_selector("#chat-pending >> text=lähetettiin uudelleen", timeout=3 * ACK_SECONDS * 1000)
        page.wait_for_selector("#chat-pending >> text=on kirjoituskentässä", timeout=3 * ACK_SECONDS * 1000)  # not a third time
        assert page.input_value("#chat-input") == "kaikuuko tämä"
        assert page.evaluate("sessionStorage.getItem('chat.draft')") == "kaikuuko tämä"
    finally:
        handlers["user_uttered"] = original
        fake_rasa.loop.call_soon_threadsafe(release.set)
    page.wait_for_selector("#chat-status >> text=Yhteys on auki")
    assert fake_rasa.received[before:] == ["kaikuuko tämä", "kaikuuko tämä"]
    assert page.locator("#chat-log .msg.user", has_text="kaikuuko tämä").count() == 1


async def _make_event() -> asyncio.Event:  # made on the fake server's loop, where it is awaited
    return asyncio.Event()
