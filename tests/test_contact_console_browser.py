"""Issue 20 in a real browser (Playwright + Debian Chromium) on the sample site with a local SMTP server:
a professional records a phone contact in the console's "Kirjaa yhteydenotto" form (a refused field shows
its Finnish message next to it and gets the focus), guided to a service area, with a guidance path from
the library sent by e-mail (and a live chat recorded in the same form before it is handed back); a delivery round (the web app's `run_once`) sends it to the local SMTP server (subject and
the path's title in the body); a manager then sees the contact in the management view's channel and
onward-guidance figures (the tables behind the charts)."""
from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher

from actions.store import accounts as accounts_module
from actions.store.models import ContactRecord, OutboxNotification
from actions.store.notification_senders import senders_from_settings
from actions.store.notification_settings import NotificationSettings
from actions.store.notification_texts import load_notification_texts
from actions.store.outbox import OutboxStore
from bot.web.delivery_task import run_once
from tests import browsers, sample_site
from tests.fake_rasa_socket import FakeRasaSocket
from tests.smtp_sink import SmtpSink

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = browsers.NEEDS_CHROMIUM
browser = browsers.browser  # the fixture: one Chromium for this module
TIMEOUT = 30_000
ADDRESS = "maija.meikalainen@esimerkki.fi"


@pytest.fixture(scope="module")
def smtp():
    sink = SmtpSink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def site(smtp, tmp_path_factory):
    rasa = FakeRasaSocket(sample_site.REPLIES)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts_module, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        for name, value in (("ASSISTANT_SMTP_HOST", "127.0.0.1"), ("ASSISTANT_SMTP_PORT", str(smtp.port)),
                            ("ASSISTANT_SMTP_FROM", "Asiakasohjaus <no-reply@esimerkki.fi>"),
                            ("ASSISTANT_NOTIFY_INTERVAL_SECONDS", "1")):
            patch.setenv(name, value)
        for name in ("ASSISTANT_SMTP_STARTTLS", "ASSISTANT_SMTP_USERNAME", "ASSISTANT_SMTP_PASSWORD",
                     "ASSISTANT_SMS_GATEWAY_URL"):
            patch.delenv(name, raising=False)
        with sample_site.running_site(tmp_path_factory.mktemp("contacts"), rasa.url) as running:
            yield running
    rasa.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT)
    yield opened
    context.close()


def sign_in(page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("#username", username)
    page.fill("#password", sample_site.PASSWORD)
    page.click("#sign-in button")


def count(site, model) -> int:
    sessions = site.stores.sessions
    with sessions() as session:
        return session.query(model).count()


def counted(site, **equal) -> int:
    with site.stores.sessions() as session:
        return session.query(ContactRecord).filter_by(**equal).count()


def test_a_phone_contact_with_a_path_sent_by_email_reaches_smtp_and_the_figures(site, smtp, page, browser) -> None:
    sign_in(page, site.url + "/console", sample_site.PROFESSIONAL[0])
    page.wait_for_selector("#contact-form:not([hidden])")
    records, queued, mails = count(site, ContactRecord), count(site, OutboxNotification), len(smtp.messages)
    # only e-mail can be sent in this app (no SMS gateway configured): the form offers no text message
    assert page.locator("#c-send-email").count() == 1 and page.locator("#c-send-sms").count() == 0
    # keyboard-first: the channel, who, reasons and onward guidance by keyboard
    page.focus("#c-channel-phone")
    page.keyboard.press("Space")
    page.check("#c-contactor-resident")
    page.check("#c-reasons-health")
    page.check("#c-reasons-booking")
    page.fill("#c-note", "Kysyi ajanvarauksesta, hetu 131052-308T.")
    page.check("#c-onward-referred_within_region")
    expect(page.locator("#c-area")).to_be_visible()
    page.fill("#c-path-query", "ajanvaraus")
    page.press("#c-path-query", "Enter")
    first = page.locator("#c-paths button").first
    first.wait_for()
    title = first.inner_text().removeprefix("Valitse: ").strip()
    first.click()
    expect(page.locator("#c-path-chosen")).to_have_text("Valittu ohje: " + title)
    page.check("#c-send-email")
    page.fill("#c-send-to", ADDRESS)

    # no service area yet: the Finnish message goes next to the field, which gets the focus
    page.click("#c-submit")
    expect(page.locator("#c-area-error")).to_have_text("Valitse palvelualue, jolle asiakas ohjattiin.")
    expect(page.locator("#c-area")).to_have_attribute("aria-invalid", "true")
    assert "c-area-error" in page.get_attribute("#c-area", "aria-describedby")
    assert page.evaluate("() => document.activeElement.id") == "c-area"
    assert count(site, ContactRecord) == records and count(site, OutboxNotification) == queued

    page.select_option("#c-area", "primary_health_care")
    page.click("#c-submit")
    expect(page.locator("#c-result")).to_contain_text("Yhteydenotto tallennettu")
    result = page.inner_text("#c-result")
    assert "Puhelin" in result and title in result and "sähköpostilla" in result
    expect(page.locator("#c-area-error")).to_have_text("")
    assert not page.is_checked("#c-channel-phone") and page.input_value("#c-note") == ""  # cleared for the next
    assert count(site, ContactRecord) == records + 1

    the_path_reaches_smtp(site, smtp, mails, title)
    # a manager sees it in the channel and onward-guidance figures
    a_manager_sees_the_phone_contact(site, browser, records)


def the_path_reaches_smtp(site, smtp, mails: int, title: str) -> None:
    """One delivery round, as the web app's task runs it (the sample site's stores have no outbox of their own
    for the task to find, so the round is run here on the same database), with the SMTP settings of the env:
    the path's mail reaches the server, and the record keeps neither the address nor the identity number."""
    settings = NotificationSettings.from_env()
    report = run_once(OutboxStore(site.stores.sessions), senders_from_settings(settings, load_notification_texts()),
                      settings)
    assert (report.sent, report.retrying, report.given_up) == (1, 0, 0)
    assert len(smtp.messages) == mails + 1, "the guidance path was not delivered to the SMTP server"
    mail = smtp.messages[-1]
    assert mail.recipients == [ADDRESS]
    assert mail.message["Subject"] == "Ohje asiakasohjauksesta: " + title
    body = mail.message.get_content()
    assert title in body and "Hätätilanteessa soita 112" in body
    with site.stores.sessions() as session:
        record = session.query(ContactRecord).order_by(ContactRecord.id.desc()).first()
        assert record.path_sent_via == "email" and ADDRESS not in repr(record.__dict__)
        assert "131052-308T" not in record.note


def a_manager_sees_the_phone_contact(site, browser, records: int) -> None:
    """The management view after the phone contact: the channel, onward-guidance and area figures, and the
    hours with the region's staffing plan beside them."""
    manager = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    manager.set_default_timeout(TIMEOUT)
    try:
        sign_in(manager, site.url + "/management", sample_site.MANAGER[0])
        manager.wait_for_selector("#figures:not([hidden])")
        expect(manager.locator("#t-contacts")).to_have_text(str(records + 1))
        manager.locator("#k-channel .table-toggle").click()
        phone = manager.locator("#k-channel-table tr", has=manager.locator("th", has_text="Puhelin"))
        expect(phone.locator("td").nth(0)).to_have_text(str(counted(site, channel="phone")))
        if records == 0:  # this test ran first: its phone contact is all there is
            expect(phone.locator("td").nth(1)).to_have_text(re.compile(r"^100\s%$"))
        manager.locator("#k-onward .table-toggle").click()
        within = manager.locator("#k-onward-table tr", has=manager.locator("th", has_text="alueen omiin palveluihin"))
        expect(within.locator("td").nth(0)).to_have_text(str(counted(site, onward="referred_within_region")))
        manager.locator("#k-area .table-toggle").click()
        if records == 0:
            area = manager.locator("#k-area-table tbody tr").first
            expect(area.locator("td").nth(0)).to_have_text("1")
        hour_rows = manager.locator("#k-hour-table tbody tr")
        expect(hour_rows).to_have_count(24)
        # the region's staffing plan beside the contacts by hour: nobody planned at 3 a.m. ("–")
        expect(manager.locator("#k-hour-table thead th").last).to_have_text("Yhteydenottoja henkilötyötuntia kohden")
        expect(hour_rows.nth(3).locator("td").last).to_have_text("–")
        expect(manager.locator("#k-staffing-note")).to_be_visible()
    finally:
        manager.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_form_fully_open_with_an_error_has_no_axe_violations(site, browser, scheme) -> None:
    from tests import axe
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        sign_in(page, site.url + "/console", sample_site.PROFESSIONAL[0])
        page.wait_for_selector("#contact-form:not([hidden])")
        page.check("#c-channel-walk_in")
        page.check("#c-contactor-relative")
        page.check("#c-reasons-social")
        page.check("#c-onward-referred_within_region")
        page.check("#c-follow-up")
        page.fill("#c-path-query", "ajanvaraus")
        page.click("#c-path-search")
        page.locator("#c-paths button").first.wait_for()
        found_list = axe.check_page(page)  # the search results listed
        assert not found_list, axe.report(found_list)
        page.locator("#c-paths button").first.click()
        page.check("#c-send-email")
        page.click("#c-submit")  # no service area: the error shown next to it
        expect(page.locator("#c-area-error")).not_to_have_text("")
        found = axe.check_page(page)
        assert not found, axe.report(found)
    finally:
        context.close()


def test_an_empty_form_names_every_missing_choice_at_once_and_stores_nothing(site, page) -> None:
    sign_in(page, site.url + "/console", sample_site.PROFESSIONAL[0])
    page.wait_for_selector("#contact-form:not([hidden])")
    records = count(site, ContactRecord)
    page.click("#c-submit")
    for error, text in (("#c-channel-error", "Valitse kanava."), ("#c-contactor-error", "Valitse, kuka otti yhteyttä."),
                        ("#c-reasons-error", "Valitse vähintään yksi yhteydenoton syy."),
                        ("#c-onward-error", "Valitse jatko-ohjaus.")):
        expect(page.locator(error)).to_have_text(text)
    expect(page.locator("#c-result")).to_contain_text("puuttuu 4 tietoa")
    assert page.evaluate("() => document.activeElement.name") == "c-channel"  # the first missing one
    choose(page, "channel-phone", "contactor-resident", "reasons-health", "onward-no_further_need")
    page.click("#c-submit")
    expect(page.locator("#c-result")).to_contain_text("Yhteydenotto tallennettu")
    expect(page.locator("#c-channel-error")).to_have_text("")
    assert count(site, ContactRecord) == records + 1


def take_a_live_chat(site, page) -> None:
    """A resident of the test's own in the queue, taken by a signed-in professional."""
    site.queue_resident()
    sign_in(page, site.url + "/console", sample_site.PROFESSIONAL[0])
    page.wait_for_selector("#contact-form:not([hidden])")
    page.locator("#queue li", has_text="Flunssa ja kuume").locator(".take").first.click()
    page.wait_for_selector("#facts dd")


def choose(page, *inputs: str) -> None:
    """Tick the form's radio buttons and check boxes, by the input's id without "#c-"."""
    for name in inputs:
        page.check("#c-" + name)


def test_a_live_chat_is_recorded_in_the_form_and_then_handed_back(site, page) -> None:
    take_a_live_chat(site, page)
    page.click("#record-hand-back")
    expect(page.locator("#c-chat-note")).to_be_visible()
    assert page.evaluate("() => document.activeElement.id") == "contact-title"
    assert page.is_checked("#c-channel-chat") and page.is_disabled("#c-channel-phone")  # a chat's record is a chat
    expect(page.locator("#c-submit")).to_have_text("Tallenna ja palauta chat-oppaalle")
    choose(page, "contactor-resident", "reasons-health", "onward-no_further_need")
    page.click("#c-submit")
    expect(page.locator("#status")).to_contain_text("kirjattu ja keskustelu palautettu")
    expect(page.locator("#c-result")).to_contain_text("Yhteydenotto tallennettu")
    assert not page.is_disabled("#c-channel-phone") and page.locator("#c-chat-note").is_hidden()
    with site.stores.sessions() as session:
        records = session.query(ContactRecord).filter(ContactRecord.source_handoff_id.isnot(None)).all()
        assert [(r.channel, r.source_handoff_id) for r in records] == [("chat", records[0].source_handoff_id)]
    assert site.stores.handoffs.get(records[0].source_handoff_id).status == "returned"


def test_handing_back_without_a_record_does_not_say_it_was_recorded(site, page) -> None:
    records = count(site, ContactRecord)
    take_a_live_chat(site, page)
    page.click("#record-hand-back")
    page.check("#c-contactor-resident")
    page.click("#c-cancel")  # "Palauta kirjaamatta"
    expect(page.locator("#status")).to_have_text("Keskustelu palautettu chat-oppaalle.")
    assert count(site, ContactRecord) == records
    assert not page.is_checked("#c-contactor-resident") and page.locator("#c-chat-note").is_hidden()


def test_a_hand_back_that_fails_after_the_record_says_the_record_is_safe_and_can_be_retried(site, page) -> None:
    take_a_live_chat(site, page)
    failed = []

    def once_unavailable(route) -> None:  # the chat server is away for the first hand-back only
        if failed:
            route.continue_()
            return
        failed.append(route.request.url)
        route.fulfill(status=503, content_type="application/json",
                      body='{"error": "unavailable", "message": "The chat server cannot be reached.", "field": null}')
    page.route("**/console/api/handoffs/*/hand-back", once_unavailable)
    page.click("#record-hand-back")
    choose(page, "contactor-relative", "reasons-social", "onward-no_further_need")
    page.click("#c-submit")
    expect(page.locator("#status")).to_contain_text("Yhteydenotto on kirjattu, mutta keskustelun palautus ei onnistunut")
    expect(page.locator("#status")).to_contain_text("Palauta chat-oppaalle")
    handoff_id = int(failed[0].rsplit("/", 2)[-2])
    assert site.stores.handoffs.get(handoff_id).status != "returned"
    page.click("#hand-back")  # the retry records nothing more
    expect(page.locator("#status")).to_contain_text("Keskustelu palautettu chat-oppaalle")
    assert site.stores.handoffs.get(handoff_id).status == "returned"
    with site.stores.sessions() as session:
        assert session.query(ContactRecord).filter(ContactRecord.source_handoff_id == handoff_id).count() == 1


def test_a_contact_request_closed_in_the_console_asks_the_contact_fields(site, page) -> None:
    from actions.store.person_key import person_key
    from actions.store.tickets import TicketDraft
    from bot.settings import Secret
    code = "131052-308T"
    ticket, _ = site.stores.tickets.create(TicketDraft(
        conversation_id="close-in-console", channel="identified_chat", contact_role="resident", reason="health",
        urgency="normal", resident_words="Kysyisin kotihoidosta.", contact_method="secure_message",
        consent_text="Saa välittää.", consent_at=site.stores.tickets.now(), identity_code=code,
        identity_name="Maija Mallikas", person_key=person_key(code, Secret("test-secret-of-the-person-keys-0123456789"))),
        "close-in-console:form")
    sign_in(page, site.url + "/console", sample_site.PROFESSIONAL[0])
    page.locator("#tickets button", has_text=ticket.reference).click()
    page.click("#ticket-claim")
    expect(page.locator("#ticket-close")).to_be_visible()
    page.click("#ticket-close summary")
    page.check("#x-reasons-health")
    page.check("#x-reasons-on_behalf")
    page.check("#x-onward-referred_within_region")
    page.click("#x-submit")  # no service area: its Finnish message next to it, the focus on it
    expect(page.locator("#x-area-error")).to_have_text("Valitse palvelualue, jolle asiakas ohjattiin.")
    assert page.evaluate("() => document.activeElement.id") == "x-area"
    page.select_option("#x-area", "older_people")
    page.click("#x-submit")
    # (the sample site has no message store: the reloaded view's thread and person parts report it, so the
    # close is seen in the facts and the database)
    expect(page.locator("#ticket-facts dd", has_text="suljettu")).to_have_count(1)
    expect(page.locator("#ticket-close")).to_be_hidden()  # a closed request has nothing more to close
    with site.stores.sessions() as session:
        record = session.query(ContactRecord).filter(ContactRecord.source_ticket_id == ticket.id).one()
        assert (record.channel, record.service_area, sorted(record.reasons)) == (
            "secure_message", "older_people", ["health", "on_behalf"])


def test_an_untouched_contact_time_is_the_save_time_not_the_page_load(site, page) -> None:
    """The console left open: a contact saved an hour (by the page's clock) after the form was filled in at
    load, without touching "Yhteydenoton aika", is stamped when it is saved, not at the page load."""
    import datetime as dt
    loaded = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)
    page.clock.install(time=loaded)
    sign_in(page, site.url + "/console", sample_site.PROFESSIONAL[0])
    page.wait_for_selector("#contact-form:not([hidden])")
    assert page.input_value("#c-at") == ""  # nothing filled to go stale
    assert "c-at-hint" in page.get_attribute("#c-at", "aria-describedby")
    page.clock.fast_forward("01:00:00")
    with site.stores.sessions() as session:
        before = {r.id for r in session.query(ContactRecord).all()}
    page.check("#c-channel-phone")
    page.check("#c-contactor-resident")
    page.check("#c-reasons-health")
    page.check("#c-onward-no_further_need")
    with page.expect_request(lambda request: request.url.endswith("/contacts") and request.method == "POST") as sent:
        page.click("#c-submit")
    assert "contact_at" not in sent.value.post_data_json
    expect(page.locator("#c-result")).to_contain_text("Yhteydenotto tallennettu")
    with site.stores.sessions() as session:
        new = [r for r in session.query(ContactRecord).all() if r.id not in before]
    assert len(new) == 1
    stamped = new[0].contact_at
    if stamped.tzinfo is None:
        stamped = stamped.replace(tzinfo=dt.timezone.utc)
    assert abs(dt.datetime.now(dt.timezone.utc) - stamped) < dt.timedelta(minutes=10), stamped
    assert page.input_value("#c-at") == ""  # and the next form starts empty again


def test_a_path_marked_sent_by_email_without_an_address_is_refused_next_to_the_address(site, page) -> None:
    sign_in(page, site.url + "/console", sample_site.PROFESSIONAL[0])
    page.wait_for_selector("#contact-form:not([hidden])")
    records, queued = count(site, ContactRecord), count(site, OutboxNotification)
    page.check("#c-channel-phone")
    page.check("#c-contactor-resident")
    page.check("#c-reasons-health")
    page.check("#c-onward-no_further_need")
    page.fill("#c-path-query", "ajanvaraus")
    page.press("#c-path-query", "Enter")
    page.locator("#c-paths button").first.click()
    page.check("#c-send-email")  # and the address left empty
    page.click("#c-submit")
    expect(page.locator("#c-send-to-error")).to_have_text("Anna osoite, johon ohje lähetetään.")
    expect(page.locator("#c-send-to")).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("() => document.activeElement.id") == "c-send-to"
    assert (count(site, ContactRecord), count(site, OutboxNotification)) == (records, queued)
