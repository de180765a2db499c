"""The contact-request form and status check in the chat, turn by turn, into a real ticket store:
every start, the answers by button and free text, side questions, cancel, consent, one ticket per
form (retries and double clicks), an unreachable store, and the status check that keeps others out."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine

from actions import contact_messages as texts_of
from actions import form_words
from actions.contact_request import ActionContactRequest
from actions.contact_stages import ContactForm
from actions.conversation import ActionContactDetails
from actions.guidance import present_path
from actions.store.accounts import AccountStore
from actions.store.database import make_session_factory
from actions.store.identification import IdentificationStore
from actions.store.tickets import TicketStore
from bot.constants import CONTACT_FORM_SLOT
from tests import helpers
from tests.chat_harness import Chat, answer_to_the_urgency, texts, titles
from tests.helpers import THURSDAY_10

HELSINKI = ZoneInfo("Europe/Helsinki")
FRIDAY_EVENING = dt.datetime(2026, 12, 4, 19, 0, tzinfo=HELSINKI)  # Monday 7.12. follows itsenäisyyspäivä (Sun)


clock, runtime = helpers.clock, helpers.runtime  # the fixtures: Thursday 10.00, an empty store


def professional(runtime):
    return AccountStore(runtime.sessions).create("hoitaja", "Hoitaja", "professional", "pitka-salasana-123")


def fill_form(chat: Chat, words="Isäni muisti on heikentynyt ja tarvitsisin neuvoja kotihoidosta.") -> list[dict]:
    chat.say('/contact_answer{"form_value": "social"}')
    chat.say("äitini asia", intent="ask_guidance")
    chat.say(words, intent="ask_guidance")
    chat.say('/contact_answer{"form_value": "normal"}')
    chat.say("040 123 4567", intent="ask_guidance")
    return chat.say('/contact_answer{"form_value": "Aamupäivällä"}')


def test_the_whole_form_by_text_and_buttons_makes_one_ticket(runtime):
    chat = Chat(runtime)
    replies = chat.say("voisiko joku soittaa minulle", intent="request_contact")
    assert "yhteydenottopyynnön" in texts(replies) and "Mitä asiasi koskee?" in replies[-1]["text"]
    assert "Peruuta" in titles(replies[-1]) and len(titles(replies[-1])) == 8
    replies = fill_form(chat)
    summary = texts(replies)
    assert "Sosiaalipalvelut" in summary and "Läheiseni asiasta" in summary and "040 ••• 4567" in summary
    assert "Isäni muisti" in summary and "Aamupäivällä" in summary and "ei kiireellinen" in summary
    assert titles(replies[-1]) == ["Kyllä, lähetä pyyntö", "Ei, älä lähetä"]
    assert runtime.tickets.count() == 0
    replies = chat.say("kyllä saa", intent="affirm")
    [ticket] = runtime.tickets.queue(professional(runtime))
    assert (ticket.reason, ticket.contact_role, ticket.urgency, ticket.channel) == ("social", "relative", "normal",
                                                                                   "anonymous_chat")
    assert ticket.resident_words.startswith("Isäni muisti") and ticket.phone == "+358401234567"
    assert ticket.consent_at == THURSDAY_10 and "hyväksyi" in ticket.consent_text
    assert ticket.answer_by == dt.datetime(2026, 12, 4, 15, 0, tzinfo=HELSINKI)
    confirmation = replies[-1]
    assert ticket.reference in confirmation["text"]
    assert "huomenna perjantaina 4.12. klo 15.00" in confirmation["text"]
    assert confirmation["custom"]["contact_request"]["reference"] == ticket.reference
    assert chat.form is None


def test_earlier_messages_are_carried_over_redacted(runtime):
    chat = Chat(runtime)
    chat.events.append({"event": "user", "text": "Mun hetu on 131052-308T ja numero 040 555 1234, saako kotihoitoa"})
    chat.say("haluan että joku ottaa yhteyttä", intent="request_contact")
    fill_form(chat)
    chat.say("kyllä", intent="affirm")
    [ticket] = runtime.tickets.queue(professional(runtime))
    carried = " ".join(ticket.prefilled["recent_messages"])
    assert "kotihoitoa" in carried and "131052-308T" not in carried and "555 1234" not in carried


def test_urgent_request_after_office_hours_is_due_the_next_working_morning(runtime, clock):
    clock["now"] = FRIDAY_EVENING
    chat = Chat(runtime)
    chat.say("soittakaa mulle", intent="request_contact")
    chat.say("terveysasia", intent="ask_guidance")
    chat.say('/contact_answer{"form_value": "resident"}')
    chat.say("Kuume on jatkunut viisi päivää eikä laske", intent="ask_guidance")
    chat.say("tarvitsen apua pian", intent="ask_guidance")
    chat.say("+358 40 1234567", intent="ask_guidance")
    chat.say('/contact_answer{"form_value": "Milloin tahansa virka-aikana"}')
    replies = chat.say("joo", intent="affirm")
    [ticket] = runtime.tickets.queue(professional(runtime))
    assert ticket.reason == "health" and ticket.urgency == "urgent"
    assert ticket.answer_by == dt.datetime(2026, 12, 7, 12, 0, tzinfo=HELSINKI)
    assert "maanantaina 7.12. klo 12.00" in texts(replies) and "116117" in texts(replies)


def test_double_click_and_retry_make_one_ticket_with_the_same_reference(runtime):
    chat = Chat(runtime)
    chat.say("soittopyyntö", intent="request_contact")
    fill_form(chat)
    form_id = chat.form["form_id"]
    first = chat.say(f'/contact_answer{{"form_value": "yes", "form_id": "{form_id}"}}')
    second = chat.say(f'/contact_answer{{"form_value": "yes", "form_id": "{form_id}"}}')  # the form is already gone
    assert runtime.tickets.count() == 1
    reference = first[-1]["custom"]["contact_request"]["reference"]
    assert second[-1]["custom"]["contact_request"]["reference"] == reference
    assert "jo vastaanotettu" in texts(second)
    # the actions server retried the same call (same tracker, same form state): still one ticket
    retry_chat = Chat(runtime)
    retry_chat.say("soittopyyntö", intent="request_contact")
    fill_form(retry_chat)
    state = dict(retry_chat.slots)
    message = {"text": "kyllä", "intent": {"name": "affirm", "confidence": 1.0}, "entities": []}
    for _ in range(2):
        tracker = Tracker(retry_chat.sender, state, message, retry_chat.events, False, None, {}, "action_listen")
        ActionContactRequest(runtime).run(CollectingDispatcher(), tracker, {})
    assert runtime.tickets.count() == 2


def test_store_down_is_told_honestly_with_the_phone_and_retry_works(runtime, tmp_path):
    chat = Chat(runtime)
    chat.say("yhteydenottopyyntö", intent="request_contact")
    fill_form(chat)
    down = TicketStore(make_session_factory(create_engine("postgresql+psycopg2://nobody@127.0.0.1:1/x", future=True)),
                       runtime.tickets.office_hours)
    chat.contact = ActionContactRequest(dataclasses.replace(runtime, tickets=down))
    replies = chat.say("kyllä", intent="affirm")
    assert "ei juuri nyt saatu tallennettua" in texts(replies) and "03 555 0100" in texts(replies)
    assert "112" in texts(replies) and "Yritä uudelleen" in titles(replies[-1])
    assert chat.form["stage"] == "consent" and runtime.tickets.count() == 0
    chat.contact = ActionContactRequest(runtime)  # the database is back
    retry = next(b["payload"] for b in replies[-1]["buttons"] if b["title"] == "Yritä uudelleen")
    replies = chat.say(retry)
    assert runtime.tickets.count() == 1 and "Viite:" in texts(replies)


def test_invalid_phone_is_asked_again_with_the_format_and_help_after_repeats(runtime):
    chat = Chat(runtime)
    chat.say("soittopyyntö", intent="request_contact")
    answer_to_the_urgency(chat, "booking", "Haluan siirtää hammaslääkäriajan ensi viikolle")
    replies = chat.say("112", intent="ask_guidance")
    assert "040 123 4567" in texts(replies) and chat.form["stage"] == "phone"
    chat.say("en muista", intent="ask_guidance")
    replies = chat.say("abc", intent="ask_guidance")
    assert "Ihmisen tavoitat" in texts(replies) and chat.form["stage"] == "phone"
    chat.say("050-765 4321", intent="ask_guidance")
    assert chat.form["data"]["phone"] == "+358507654321"


@pytest.mark.parametrize("service_number", ["010 123 4567", "0295 123 456", "075 123 4567", "0600 12345"])
def test_service_numbers_are_not_taken_as_callback_numbers(runtime, service_number):
    chat = Chat(runtime)
    chat.say("soittopyyntö", intent="request_contact")
    answer_to_the_urgency(chat, "booking", "Haluan siirtää hammaslääkäriajan ensi viikolle")
    replies = chat.say(service_number, intent="ask_guidance")
    assert "ei näytä suomalaiselta puhelinnumerolta" in texts(replies) and "040 123 4567" in texts(replies)
    assert chat.form["stage"] == "phone" and "phone" not in chat.form["data"]
    chat.say("+358 40 765 4321", intent="ask_guidance")
    assert chat.form["data"]["phone"] == "+358407654321"


def test_cancel_at_any_point_stores_nothing(runtime):
    chat = Chat(runtime)
    chat.say("soittopyyntö", intent="request_contact")
    chat.say('/contact_answer{"form_value": "health"}')
    replies = chat.say("peruuta", intent="deny")
    assert chat.form is None and "ei tehty" in texts(replies) and runtime.tickets.count() == 0
    chat.say("soittopyyntö", intent="request_contact")
    fill_form(chat)
    chat.say('/contact_answer{"form_value": "cancel"}')
    assert chat.form is None and runtime.tickets.count() == 0


def test_a_question_in_the_middle_is_answered_and_the_form_continues(runtime):
    chat = Chat(runtime)
    chat.say("soittopyyntö", intent="request_contact")
    ranking = [{"id": "hammashoito-ajanvaraus", "topic": "hammashoito-ajanvaraus", "score": 0.7},
               {"id": "flunssa", "topic": "flunssa", "score": 0.1}]
    replies = chat.say("mistä saan ajan hammaslääkärille kun hammas lohkesi eilen", ranking=ranking)
    assert replies[0]["custom"]["path_id"] == "hammashoito-ajanvaraus"
    assert "Jatketaan yhteydenottopyyntöä" in replies[-1]["text"] and chat.form["stage"] == "reason"


def test_started_from_a_path_button_carries_the_topic(runtime):
    library = runtime.library.current()
    path = next(p for p in library.paths if p.follow_ups.contact_request)
    dispatcher = CollectingDispatcher()
    present_path(dispatcher, path, library)
    payload = next(b["payload"] for m in dispatcher.messages for b in m.get("buttons") or []
                   if b["title"] == "Jätä yhteydenottopyyntö")
    chat = Chat(runtime)
    chat.say(payload)
    fill_form(chat)
    chat.say("kyllä", intent="affirm")
    [ticket] = runtime.tickets.queue(professional(runtime))
    assert (ticket.path_id, ticket.topic_id) == (path.id, path.topic)
    assert ticket.prefilled["topic_title"] == path.title


def test_asking_for_a_human_offers_the_form(runtime):
    dispatcher = CollectingDispatcher()
    tracker = Tracker("r", {"last_path_id": "hammashoito-ajanvaraus"}, {"text": "ihminen"}, [], False, None, {}, "")
    ActionContactDetails(runtime).run(dispatcher, tracker, {})
    [button] = dispatcher.messages[-1]["buttons"]
    assert button["payload"] == '/request_contact{"path_id": "hammashoito-ajanvaraus"}'
    assert "03 555 0100" in dispatcher.messages[-1]["text"]


def test_a_hand_typed_payload_s_escaped_bidi_controls_never_reach_the_ticket(runtime):
    chat = Chat(runtime, sender="payload-bidi")
    chat.say("soittopyyntö", intent="request_contact")
    answer_to_the_urgency(chat, "documents", "Tarvitsen kopion hoitopäätöksestä")
    chat.say("040 123 4567", intent="ask_guidance")
    chat.say('/contact_answer{"form_value": "aamulla \\u202eklo 9\\u202c"}')
    chat.say("kyllä", intent="affirm")
    [ticket] = runtime.tickets.queue(professional(runtime))
    assert ticket.reach_time == "aamulla klo 9"


def test_identified_resident_may_choose_a_secure_message(runtime):
    chat = Chat(runtime, identity={"code": "131052-308T", "name": "Testi Asukas"})
    chat.say("soittopyyntö", intent="request_contact")
    answer_to_the_urgency(chat, "documents", "Tarvitsen kopion hoitopäätöksestä")
    replies = chat.say('/contact_answer{"form_value": "secure_message"}')
    assert chat.form["stage"] == "reach_time"  # no phone needed
    chat.say("milloin vain", intent="ask_guidance")
    chat.say("kyllä", intent="affirm")
    [ticket] = runtime.tickets.queue(professional(runtime))
    assert (ticket.channel, ticket.contact_method, ticket.phone) == ("identified_chat", "secure_message", None)
    assert (ticket.identity_code, ticket.identity_name) == ("131052-308T", "Testi Asukas")
    assert replies  # the method question was answered by button


def test_an_identity_slot_without_a_live_identified_session_files_no_identified_ticket(runtime):
    """A tracker posted with a made-up identity (no session the web app opened) is anonymous."""
    chat = Chat(runtime, sender="forged-1", identity={"code": "131052-308T", "name": "Joku Muu"}, live_session=False)
    chat.say("soittopyyntö", intent="request_contact")
    replies = answer_to_the_urgency(chat, "documents", "Tarvitsen kopion hoitopäätöksestä")
    assert chat.form["stage"] == "phone"  # no secure-message choice: the resident is not identified
    assert not any("secure_message" in json.dumps(r.get("buttons") or []) for r in replies)
    chat.say("040 123 4567", intent="ask_guidance")
    chat.say("milloin vain", intent="ask_guidance")
    chat.say("kyllä", intent="affirm")
    [ticket] = runtime.tickets.queue(professional(runtime))
    assert ticket.channel == "anonymous_chat"
    assert (ticket.identity_code, ticket.identity_name) == (None, None)


def test_an_ended_identified_session_no_longer_identifies_the_conversation(runtime):
    chat = Chat(runtime, sender="ended-1", identity={"code": "131052-308T", "name": "Testi Asukas"},
                live_session=False)
    store = IdentificationStore(runtime.sessions)
    opened = store.open_session("ended-1", dt.timedelta(hours=1))
    store.end_session(opened.key)
    assert not store.has_live_session("ended-1")
    chat.say("soittopyyntö", intent="request_contact")
    answer_to_the_urgency(chat, "documents", "Tarvitsen kopion hoitopäätöksestä")
    assert chat.form["stage"] == "phone"


def test_status_check_keeps_others_out(runtime):
    chat = Chat(runtime, sender="resident-a")
    chat.say("soittopyyntö", intent="request_contact")
    fill_form(chat)
    reference = chat.say("kyllä", intent="affirm")[-1]["custom"]["contact_request"]["reference"]
    # the same conversation: no further check needed
    replies = chat.say(f"mikä on pyynnön {reference.lower()} tilanne", intent="ticket_status")
    assert "odottaa" in texts(replies) and "huomenna perjantaina 4.12. klo 15.00" in texts(replies)
    # someone else with the reference: the last four digits of the phone are asked, wrong ones do not pass
    other = Chat(runtime, sender="resident-b")
    replies = other.say(f"onko pyyntöni {reference} käsitelty", intent="ticket_status")
    assert "neljä viimeistä" in texts(replies) and "odottaa" not in texts(replies)
    replies = other.say("1111", intent="ask_guidance")
    assert "En löytänyt" in texts(replies)
    replies = other.say("4567", intent="ask_guidance")
    assert "odottaa" in texts(replies) and other.form is None
    # a professional claims it: the resident hears it is being handled
    pro = professional(runtime)
    [ticket] = runtime.tickets.queue(pro)
    runtime.tickets.claim(pro, ticket.id)
    replies = chat.say(f"tilanne {reference}", intent="ticket_status")
    assert "ottanut pyyntösi käsittelyyn" in texts(replies)


def test_status_check_gives_up_after_repeated_failures_without_telling_whether_it_exists(runtime):
    chat = Chat(runtime)
    replies = chat.say("mikä on yhteydenottopyyntöni tilanne", intent="ticket_status")
    assert "ABCD-1234" in texts(replies)
    replies = chat.say("AAAA-CCCC", intent="ask_guidance")  # does not exist: asked the same as a real one
    assert "neljä viimeistä" in texts(replies)
    chat.say("1234", intent="ask_guidance")
    chat.say("2345", intent="ask_guidance")
    replies = chat.say("3456", intent="ask_guidance")
    assert "Soita asiakasohjaukseen" in texts(replies) and chat.form is None


# -- the form's state and words ----------------------------------------------------------------------------
OLD_FORM = {"form_id": "0123456789abcdef0123456789abcdef", "stage": "phone", "failures": 1,
            "data": {"reason": "social", "role": "relative", "urgency": "normal", "topic_title": "Kotihoito",
                     "words": "Isäni muisti on heikentynyt ja tarvitsen neuvoja."}}


def test_a_form_saved_before_the_stage_tables_goes_on_where_it_was(runtime):
    """The slot's JSON as the form stored it before (a tracker saved then): the next answer continues it."""
    chat = Chat(runtime)
    chat.slots[CONTACT_FORM_SLOT] = json.loads(json.dumps(OLD_FORM))
    replies = chat.say("040 123 4567", intent="ask_guidance")
    assert replies[-1]["text"] == texts_of.ASK_REACH_TIME
    assert chat.form == {**OLD_FORM, "stage": "reach_time", "failures": 0,
                         "data": {**OLD_FORM["data"], "phone": "+358401234567", "phone_display": "040 ••• 4567"}}
    replies = chat.say('/contact_answer{"form_value": "Aamupäivällä"}')
    assert "Kotihoito" in texts(replies) and chat.form["stage"] == "consent"
    chat.say(f'/contact_answer{{"form_value": "yes", "form_id": "{OLD_FORM["form_id"]}"}}')
    [ticket] = runtime.tickets.queue(professional(runtime))
    assert (ticket.reason, ticket.contact_role, ticket.urgency, ticket.phone, ticket.reach_time) == (
        "social", "relative", "normal", "+358401234567", "Aamupäivällä")
    assert ticket.resident_words == OLD_FORM["data"]["words"] and ticket.prefilled["topic_title"] == "Kotihoito"


@pytest.mark.parametrize("slot", [
    OLD_FORM, {"mode": "status", "stage": "status_reference", "failures": 0, "data": {}},
    {"mode": "status", "stage": "status_digits", "failures": 2, "data": {"reference": "ACDE-FHJK"}},
    {"form_id": "f", "stage": "consent", "failures": 0, "data": {"reason": "health", "role": "resident", "words": "",
                                                                 "urgency": "urgent", "assessment": {"total": 12}}},
])
def test_the_typed_state_writes_back_the_shape_it_read(slot):
    assert ContactForm.from_slot(slot).to_slot() == slot


def test_every_cancel_word_ends_the_form_and_the_promised_one_is_among_them(runtime):
    assert '"peruuta"' in texts_of.START and "peruuta" in form_words.CONTACT_CANCEL
    chat = Chat(runtime)
    for word in form_words.CONTACT_CANCEL:
        chat.say("soittopyyntö", intent="request_contact")
        chat.say('/contact_answer{"form_value": "health"}')
        replies = chat.say(f"{word} tämä", intent="deny")
        assert chat.form is None and texts(replies) == texts_of.CANCELLED, word
    assert runtime.tickets.count() == 0


def test_after_a_self_assessment_every_skip_word_leaves_the_own_words_out(runtime):
    after_assessment = {"form_id": "f", "stage": "words", "failures": 0,
                        "data": {"reason": "health", "role": "resident", "urgency": "normal",
                                 "assessment": {"instrument": "phq9", "total": 12}}}
    for word in form_words.CONTACT_SKIP:
        chat = Chat(runtime)
        chat.slots[CONTACT_FORM_SLOT] = json.loads(json.dumps(after_assessment))
        chat.say(word.capitalize() + ".", intent="deny")
        assert chat.form["data"]["words"] == "" and chat.form["stage"] == "phone", word
    chat = Chat(runtime)
    chat.slots[CONTACT_FORM_SLOT] = {**after_assessment, "data": {**after_assessment["data"], "assessment": None}}
    replies = chat.say("ei", intent="deny")  # without a self-assessment the own words are asked for
    assert chat.form["stage"] == "words" and texts_of.WORDS_TOO_SHORT in texts(replies)
